"""The console page of word of mouth: ledger, invite tree, reach beside the ideal, influence."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from sqlalchemy import Engine, select
from starlette.responses import Response

from quanzi.analytics import attract_fission as fission
from quanzi.analytics.attract_graph import load_interactions, metcalfe, person_reach, top_reach
from quanzi.analytics.attract_influence import influence
from quanzi.analytics.cache import cached
from quanzi.domain.attract_graph import IDEAL
from quanzi.domain.attract_ledger import REASONS
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_attract import Campaign
from quanzi.web.auth import Viewer, csrf_token, engine_of
from quanzi.web.console.render import page

router = APIRouter(prefix="/fission", include_in_schema=False)


def _campaigns(request: Request) -> list[str]:
    """The distinct campaign keys of the invite log and of the stored campaigns."""
    with reading(engine_of(request)) as session:
        found = set(session.scalars(select(m.Invite.campaign).distinct()))
        found |= set(session.scalars(select(Campaign.key)))
    return sorted(c for c in found if c)


def _main(engine: Engine, campaign: str | None) -> dict[str, Any]:
    """The ledger's figures and charts: one judging of the invites serves them all."""
    book = fission.load_ledger(engine, campaign)
    charts = {"growth": fission.growth_curves(book), "tree": fission.tree(book),
              "funnel": fission.funnel(engine, book)}  # fmt: skip
    stages = " / ".join(str(s.friends) for s in book.stages)
    return {"report": fission.report_of(book), "board": fission.inviter_board(book)[:50],
            "charts": charts, "stages": stages}  # fmt: skip


def _reach(engine: Engine) -> dict[str, Any]:
    """Reach beside the ideal, Metcalfe and influence from one load of the interaction graph."""
    found = load_interactions(engine)
    counts = person_reach(found)
    means = counts.mean(axis=0) if len(counts) else np.zeros(3)
    observed = [round(float(v), 2) for v in means]
    charts = {"reach": {"observed": observed, "ideal": [IDEAL[f"degree{k}"] for k in (1, 2, 3)]},
              "metcalfe": metcalfe(engine)}  # fmt: skip
    return {"reach_people": len(found.people), "reach_means": observed,
            "top_reach": top_reach(found, counts, 10), "names": found.names,
            "leaders": influence(engine, 20, found=found), "charts": charts}  # fmt: skip


@router.get("")
def fission_page(request: Request, operator: Viewer, campaign: str | None = None) -> Response:
    """Campaign ledger and figures; reach and influence load after, from /fission/reach."""
    engine = engine_of(request)
    campaign = campaign or None
    main = cached(engine, ("fission", campaign), lambda: _main(engine, campaign))
    context = {
        "operator": operator, "csrf_token": csrf_token(request), "active": "fission",
        "campaigns": _campaigns(request), "campaign": campaign or "", "reasons": REASONS,
        **main,
    }  # fmt: skip
    return page(request, "attract_fission.html", context)


@router.get("/reach")
def reach_section(request: Request, operator: Viewer) -> Response:
    """The heavy half of the page (the whole interaction graph), cached per data version."""
    engine = engine_of(request)
    context = {**cached(engine, ("fission-reach",), lambda: _reach(engine)), "ideal": IDEAL}
    return page(request, "attract_fission_reach.html", context)
