"""Console pages of stored fission campaigns: list, editor, ledger, codes and 群活码 groups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from quanzi.analytics.attract_campaign_views import (
    campaign_fields,
    campaign_rows,
    get_campaign,
    livecode,
    livecode_dict,
)
from quanzi.domain.attract_campaign import PHASES, CampaignRuleError, parse_stages
from quanzi.domain.attract_ledger import REASONS
from quanzi.domain.local_time import read_local
from quanzi.errors import InvalidInput, QuanziError
from quanzi.services import attract_campaigns as service
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.web.auth import (
    WRITERS,
    CsrfField,
    CurrentOperator,
    Viewer,
    Writer,
    check_csrf,
    csrf_token,
    engine_of,
)
from quanzi.web.console.render import page, report

router = APIRouter(prefix="/fission/campaigns", include_in_schema=False)
Text = Annotated[str, Form()]
Many = Annotated[list[str], Form()]
STATES = {"open": "可加入", "full": "已满", "expired": "二维码过期", "retired": "已停用"}


def _tz() -> ZoneInfo:
    from quanzi.config import get_settings

    return ZoneInfo(get_settings().timezone)


def _moment(value: str, field: str, *, end: bool = False) -> datetime:
    """Read a date (2026-05-01, a whole local day) or a local date and time from a form."""
    try:
        return read_local(value, _tz(), end=end)
    except ValueError:
        raise InvalidInput(f"{field}应为日期，如 2026-05-01", code="invalid_date") from None


def _local(value: str) -> str:
    """Show a stored ISO time in the operators' time zone."""
    return datetime.fromisoformat(value).astimezone(_tz()).strftime("%Y-%m-%d %H:%M")


def _base(request: Request, operator: CurrentOperator, **extra: Any) -> dict[str, Any]:
    with reading(engine_of(request)) as session:
        communities = session.execute(select(m.Community.key, m.Community.name)).all()
    return {
        "operator": operator, "csrf_token": csrf_token(request), "active": "fission",
        "can_write": operator.role in WRITERS, "communities": sorted(communities),
        "local": _local, "reasons": REASONS, "states": STATES, "phases": PHASES, "error": "",
        **extra,
    }  # fmt: skip


def _list(request: Request, operator: CurrentOperator, status: int = 200, **extra: Any) -> Response:
    context = _base(request, operator, rows=campaign_rows(engine_of(request)), **extra)
    return page(request, "attract_campaigns.html", context, status_code=status)


@router.get("")
def campaigns_page(request: Request, operator: Viewer) -> Response:
    """Every stored campaign, and the form that adds one."""
    return _list(request, operator)


def _fields(form: dict[str, Any]) -> dict[str, Any]:
    """Turn the editor's fields into the service's arguments."""
    try:
        stages = parse_stages(form["stages"])
    except CampaignRuleError as exc:
        raise InvalidInput(str(exc), code="invalid_stages") from None
    try:
        stay = float(form["stay_hours"] or 24)
    except ValueError:
        raise InvalidInput("留存观察期应为小时数", code="invalid_window") from None
    return {
        "key": form["key"], "name": form["name"], "communities": form["communities"],
        "starts_at": _moment(form["start"], "开始日期"),
        "ends_at": _moment(form["end"], "结束日期", end=True), "stages": stages,
        "stay_hours": stay,
    }  # fmt: skip


@router.post("")
def create(
    request: Request, operator: Writer, token: CsrfField = "", key: Text = "", name: Text = "",
    communities: Many = [],  # noqa: B006 - FastAPI copies form defaults
    start: Text = "", end: Text = "", stay_hours: Text = "24", stages: Text = "",
) -> Response:  # fmt: skip
    """Store a campaign from the editor."""
    check_csrf(request, token)
    form = {"key": key.strip(), "name": name, "communities": communities, "start": start,
            "end": end, "stay_hours": stay_hours, "stages": stages}  # fmt: skip
    try:
        service.create_campaign(engine_of(request), **_fields(form), actor=operator.username)
    except QuanziError as exc:
        return _list(request, operator, exc.http_status, error=exc.message, form=form)
    return RedirectResponse(f"/fission/campaigns/{quote(key.strip())}", status_code=303)


def _detail(
    request: Request, operator: CurrentOperator, key: str, status: int = 200, **extra: Any
) -> Response:
    engine = engine_of(request)
    row = get_campaign(engine, key)
    # Settings (whose phase follows the clock) live; the judged ledger from the report.
    view = {**campaign_fields(row), **report(request, "campaign", key=key)}
    form = {"key": key, "name": row.name, "communities": list(row.communities),
            "start": row.starts_at.astimezone(_tz()).date().isoformat(),
            "end": row.ends_at.astimezone(_tz()).date().isoformat(),
            "stay_hours": f"{row.stay_hours:g}",
            "stages": ",".join(f"{s['friends']}:{s['reward']}" for s in row.stages)}  # fmt: skip
    context = _base(request, operator, view=view, live=livecode_dict(livecode(engine, key)),
                    form=form, **extra)  # fmt: skip
    return page(request, "attract_campaign.html", context, status_code=status)


@router.get("/{key}")
def campaign_page(request: Request, operator: Viewer, key: str) -> Response:
    """One campaign: settings, the ledger with each invite's reason, stages, codes, 群活码."""
    return _detail(request, operator, key)


@router.post("/{key}")
def edit(
    request: Request, operator: Writer, key: str, token: CsrfField = "", name: Text = "",
    communities: Many = [],  # noqa: B006
    start: Text = "", end: Text = "", stay_hours: Text = "24", stages: Text = "",
) -> Response:  # fmt: skip
    """Save the campaign editor."""
    check_csrf(request, token)
    form = {"key": key, "name": name, "communities": communities, "start": start, "end": end,
            "stay_hours": stay_hours, "stages": stages}  # fmt: skip
    try:
        service.update_campaign(engine_of(request), **_fields(form), actor=operator.username)
    except QuanziError as exc:
        return _detail(request, operator, key, exc.http_status, error=exc.message)
    return RedirectResponse(f"/fission/campaigns/{quote(key)}", status_code=303)


def _act(
    request: Request, operator: CurrentOperator, key: str, anchor: str, action: Any
) -> Response:
    """Run one write; come back to the campaign, with the error in Chinese if it failed."""
    try:
        action()
    except QuanziError as exc:
        return _detail(request, operator, key, exc.http_status, error=exc.message)
    return RedirectResponse(f"/fission/campaigns/{quote(key)}#{anchor}", status_code=303)


@router.post("/{key}/close")
def close(request: Request, operator: Writer, key: str, token: CsrfField = "") -> Response:
    """Close the campaign."""
    check_csrf(request, token)
    return _act(
        request,
        operator,
        key,
        "settings",
        lambda: service.close_campaign(engine_of(request), key, actor=operator.username),
    )


@router.post("/{key}/codes")
def issue(request: Request, operator: Writer, key: str, token: CsrfField = "",
          inviter: Text = "") -> Response:  # fmt: skip
    """Issue an inviter's code and poster link."""
    check_csrf(request, token)
    return _act(request, operator, key, "inviters", lambda: service.issue_code(
        engine_of(request), key, inviter, actor=operator.username))  # fmt: skip


@router.post("/{key}/groups")
def add_group(
    request: Request, operator: Writer, key: str, token: CsrfField = "", community: Text = "",
    link: Text = "", capacity: Text = "200", expires: Text = "",
) -> Response:  # fmt: skip
    """Put a group behind the campaign's 群活码."""
    check_csrf(request, token)

    def action() -> None:
        try:
            size = int(capacity or 200)
        except ValueError:
            raise InvalidInput("群容量应为整数", code="invalid_capacity") from None
        when = _moment(expires, "二维码过期时间", end=True) if expires.strip() else None
        service.add_group(engine_of(request), key, community=community, link=link,
                          capacity=size, expires_at=when, actor=operator.username)  # fmt: skip

    return _act(request, operator, key, "groups", action)


@router.post("/{key}/groups/{group}/retire")
def retire(
    request: Request, operator: Writer, key: str, group: int, token: CsrfField = ""
) -> Response:
    """Take a group out of the rotation."""
    check_csrf(request, token)
    return _act(request, operator, key, "groups", lambda: service.retire_group(
        engine_of(request), key, group, actor=operator.username))  # fmt: skip
