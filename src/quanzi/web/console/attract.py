"""The console page of word of mouth: ledger, invite tree, reach beside the ideal, influence."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from quanzi.analytics import attract_fission as fission
from quanzi.analytics.attract_graph import load_interactions, metcalfe, person_reach, top_reach
from quanzi.analytics.attract_influence import influence
from quanzi.domain.attract_graph import IDEAL
from quanzi.domain.attract_ledger import REASONS
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.web.auth import CurrentOperator, csrf_token, engine_of, require_role
from quanzi.web.console.render import page

router = APIRouter(prefix="/fission", include_in_schema=False)
Viewer = Annotated[CurrentOperator, Depends(require_role())]


def _campaigns(request: Request) -> list[str]:
    """The distinct campaign keys of the invite log."""
    with reading(engine_of(request)) as session:
        found = session.scalars(select(m.Invite.campaign).distinct()).all()
    return sorted(c for c in found if c)


@router.get("")
def fission_page(request: Request, operator: Viewer, campaign: str | None = None) -> Response:
    """Campaign ledger and figures, the invite tree, reach beside the ideal, influence."""
    engine = engine_of(request)
    campaign = campaign or None
    report = fission.fission_report(engine, campaign)
    book = fission.load_ledger(engine, campaign)
    found = load_interactions(engine)
    counts = person_reach(found)
    means = counts.mean(axis=0) if len(counts) else np.zeros(3)
    charts = {
        "growth": fission.growth_curves(book),
        "tree": fission.tree(book),
        "reach": {"observed": [round(float(v), 2) for v in means],
                  "ideal": [IDEAL["degree1"], IDEAL["degree2"], IDEAL["degree3"]]},
        "metcalfe": metcalfe(engine),
        "funnel": fission.funnel(engine, book),
    }  # fmt: skip
    context = {
        "operator": operator, "csrf_token": csrf_token(request), "active": "fission",
        "campaigns": _campaigns(request), "campaign": campaign or "", "report": report,
        "reasons": REASONS, "board": fission.inviter_board(book)[:50],
        "reach_people": len(found.people), "reach_means": [round(float(v), 2) for v in means],
        "top_reach": top_reach(found, counts, 10), "leaders": influence(engine, 20),
        "names": found.names, "charts": charts, "ideal": IDEAL,
    }  # fmt: skip
    return page(request, "attract_fission.html", context)
