"""The public 群活码 page `/j/{campaign}`: no login; it shows the group with room right now."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from quanzi.analytics.attract_campaign_views import get_campaign, livecode
from quanzi.domain.attract_campaign import phase
from quanzi.errors import NotFound
from quanzi.store.db import reading
from quanzi.store.models import utcnow
from quanzi.store.models_attract import InviteCode
from quanzi.web.auth import engine_of
from quanzi.web.console.render import page

# Deliberately without require_role: friends scan the poster without an account.
router = APIRouter(include_in_schema=False)


@router.get("/j/{campaign}")
def join_page(request: Request, campaign: str, state: str = "") -> Response:
    """Show the current group's join link or QR text, or say the campaign is full or over."""
    engine = engine_of(request)
    try:
        row = get_campaign(engine, campaign)
    except NotFound:
        missing = {"title": "活动不存在", "closed": True,
                   "message": "没有这个活动，请向邀请你的朋友确认链接"}  # fmt: skip
        return page(request, "attract_join.html", missing, status_code=404)
    now = utcnow()
    context: dict[str, object] = {"title": row.name, "campaign": row.key, "closed": False}
    stands = phase(row.status, row.starts_at, row.ends_at, now)
    if stands == "ended":
        context.update(closed=True, message="活动已结束，感谢关注")
    elif stands == "upcoming":
        context.update(closed=True, message="活动尚未开始，请稍后再来")
    else:
        found = livecode(engine, campaign, now)
        if found.current is None:
            context.update(closed=True, message="活动群已满，请联系邀请你的朋友或客服")
        else:
            context.update(group=found.current)
    with reading(engine) as session:
        known = session.scalar(
            select(InviteCode.id).where(
                InviteCode.code == state[:40], InviteCode.campaign_id == row.id
            )
        )
    # Only a code this campaign issued is echoed back; anything else is ignored.
    context["state"] = state[:40] if known and not context["closed"] else ""
    return page(request, "attract_join.html", context)
