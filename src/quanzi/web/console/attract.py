"""The console page of word of mouth: ledger, invite tree, reach beside the ideal, influence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from quanzi.domain.attract_graph import IDEAL
from quanzi.domain.attract_ledger import REASONS
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_attract import Campaign
from quanzi.web.auth import Viewer, csrf_token, engine_of
from quanzi.web.console.render import page, report

router = APIRouter(prefix="/fission", include_in_schema=False)


def _campaigns(request: Request) -> list[str]:
    """The distinct campaign keys of the invite log and of the stored campaigns."""
    with reading(engine_of(request)) as session:
        found = set(session.scalars(select(m.Invite.campaign).distinct()))
        found |= set(session.scalars(select(Campaign.key)))
    return sorted(c for c in found if c)


@router.get("")
def fission_page(request: Request, operator: Viewer, campaign: str | None = None) -> Response:
    """Campaign ledger and figures; reach and influence load after, from /fission/reach."""
    campaign = campaign or None
    main = report(request, "fission", campaign=campaign)
    context = {
        "operator": operator, "csrf_token": csrf_token(request), "active": "fission",
        "campaigns": _campaigns(request), "campaign": campaign or "", "reasons": REASONS,
        **main,
    }  # fmt: skip
    return page(request, "attract_fission.html", context)


@router.get("/reach")
def reach_section(request: Request, operator: Viewer) -> Response:
    """The heavy half of the page (the whole interaction graph), kept per data version."""
    context = {**report(request, "fission_reach"), "ideal": IDEAL}
    return page(request, "attract_fission_reach.html", context)
