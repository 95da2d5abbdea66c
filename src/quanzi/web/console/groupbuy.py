"""Console pages of group buys: drops, the leader's pickup list, marks and exports."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, RedirectResponse, Response

from quanzi.analytics.groupbuy import drop_row, drops, pickup_list
from quanzi.analytics.groupbuy_export import FORMATS, write_pickup_list
from quanzi.errors import InvalidInput, NotFound
from quanzi.services import groupbuy
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

router = APIRouter(prefix="/groupbuy", include_in_schema=False)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _context(request: Request, operator: CurrentOperator, **extra: Any) -> dict[str, Any]:
    return {"operator": operator, "csrf_token": csrf_token(request), "active": "groupbuy",
            "can_write": operator.role in WRITERS, **extra}  # fmt: skip


@router.get("")
def drops_page(request: Request, operator: Viewer, community: str | None = None) -> Response:
    """All drops with their totals, and GMV by group, leader, product and day."""
    engine = engine_of(request)
    # Orders change only with events and audited edits, which the data version follows.
    figures = report(request, "groupbuy")
    everything = drops(engine)
    listed = [d for d in everything if d["community"] == community] if community else everything
    groups = sorted({d["community"] for d in everything})
    charts = {
        "days": [r["key"] for r in figures["by_day"]],
        "gmv": [r["gmv"] for r in figures["by_day"]],
        "groups": [{"name": r["key"], "value": r["gmv"]} for r in figures["by_group"]],
    }
    context = _context(request, operator, drops=listed, report=figures, charts=charts,
                       groups=groups, community=community or "")  # fmt: skip
    return page(request, "groupbuy_list.html", context)


@router.post("/detect")
def detect(request: Request, operator: Writer, community: Annotated[str, Form()] = "",
           token: CsrfField = "") -> Response:  # fmt: skip
    """Open drops from the 接龙 threads leaders started in a group, and capture them."""
    check_csrf(request, token)
    engine = engine_of(request)
    opened = groupbuy.detect_drops(engine, community, actor=operator.username)
    for key in opened:
        groupbuy.capture(engine, key, actor=operator.username)
    return RedirectResponse(f"/groupbuy?community={quote(community)}", status_code=303)


def _known_drop(request: Request, key: str) -> dict[str, Any]:
    found = drop_row(engine_of(request), key)
    if found is None:
        raise NotFound(f"找不到团购 {key}", code="drop_not_found")
    return found


@router.get("/{key}")
def drop_page(request: Request, operator: Viewer, key: str) -> Response:
    """The leader's view of one drop: its pickup list with payment and pickup."""
    drop = _known_drop(request, key)
    rows = pickup_list(engine_of(request), key)
    over = [r.name for r in rows if r.over_stock]
    context = _context(request, operator, drop=drop, rows=rows, over_stock=over,
                       paid=sum(1 for r in rows if r.paid),
                       picked=sum(1 for r in rows if r.picked_up))  # fmt: skip
    return page(request, "groupbuy_drop.html", context)


@router.post("/{key}/capture")
def capture(request: Request, operator: Writer, key: str, token: CsrfField = "") -> Response:
    """Bring the pickup list up to date with the group's latest 接龙."""
    check_csrf(request, token)
    groupbuy.capture(engine_of(request), key, actor=operator.username)
    return RedirectResponse(f"/groupbuy/{quote(key)}", status_code=303)


@router.post("/{key}/orders")
def add_order(
    request: Request,
    operator: Writer,
    key: str,
    name: Annotated[str, Form()] = "",
    qty: Annotated[str, Form()] = "1",
    note: Annotated[str, Form()] = "",
    token: CsrfField = "",
) -> Response:
    """Add an order by hand (a phone call, a private chat) to the pickup list."""
    check_csrf(request, token)
    try:
        amount = float(qty)
    except ValueError:
        raise InvalidInput(f"数量应为数字，而不是 {qty!r}") from None
    if not name.strip():
        raise InvalidInput("请填写取货单上的名字")
    groupbuy.add_order(engine_of(request), key, name=name.strip(), qty=amount, note=note.strip(),
                       source="manual", actor=operator.username)  # fmt: skip
    return RedirectResponse(f"/groupbuy/{quote(key)}#pickup", status_code=303)


@router.post("/{key}/lines/{line_id}")
def mark_line(
    request: Request,
    operator: Writer,
    key: str,
    line_id: int,
    field: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    token: CsrfField = "",
) -> Response:
    """Mark one line paid or picked up (or undo it)."""
    check_csrf(request, token)
    flag = value == "1"
    changes = {"paid": flag} if field == "paid" else {"picked_up": flag}
    groupbuy.mark(engine_of(request), key, line_id, actor=operator.username, **changes)
    return RedirectResponse(f"/groupbuy/{quote(key)}#line-{line_id}", status_code=303)


@router.get("/{key}/export.{fmt}")
def export(request: Request, operator: Viewer, key: str, fmt: str) -> Response:
    """Download the pickup list as CSV or XLSX."""
    if fmt not in FORMATS:
        raise NotFound("只能导出 csv 或 xlsx", code="format_not_found")
    _known_drop(request, key)
    rows = pickup_list(engine_of(request), key)
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False) as handle:
        target = Path(handle.name)
    path = write_pickup_list(rows, target, fmt, title=f"取货单 {key}")
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=f"取货单-{key}.{fmt}",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
