"""REST API of group buys: list drops, read a pickup list, add an order to a drop."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from quanzi.analytics.groupbuy import drops, pickup_dicts, pickup_list
from quanzi.errors import NotFound
from quanzi.services import groupbuy
from quanzi.web.api.routes import ERRORS
from quanzi.web.auth import CurrentOperator, Writer, engine_of, require_role

router = APIRouter(prefix="/api/v1/groupbuy", tags=["团购 group buys"])
Reader = Annotated[CurrentOperator, Depends(require_role())]


class OrderIn(BaseModel):
    """An order placed outside the 接龙 (a mini-program, a form, a phone call)."""

    name: str = Field(min_length=1, max_length=200, description="取货单上的名字")
    qty: float = Field(gt=0, description="数量（团购的单位）")
    note: str = Field(default="", max_length=500, description="备注：楼栋房号、自提……")
    person: str | None = Field(default=None, description="人员标识，如 wx:wxid_abc")


@router.get("/drops", summary="团购列表 / drops", responses=ERRORS)
def list_drops(request: Request, operator: Reader, community: str | None = None) -> list[dict]:
    """Drops with their totals, newest first."""
    return drops(engine_of(request), community)


@router.get("/drops/{key}/lines", summary="取货单 / pickup list", responses=ERRORS)
def lines(request: Request, operator: Reader, key: str) -> list[dict[str, Any]]:
    """The active lines of a drop's pickup list."""
    drops_by_key = {d["key"] for d in drops(engine_of(request))}
    if key not in drops_by_key:
        raise NotFound(f"找不到团购 {key}", code="drop_not_found")
    return pickup_dicts(pickup_list(engine_of(request), key))


@router.post("/drops/{key}/orders", summary="下单 / add an order", responses=ERRORS)
async def add_order(request: Request, operator: Writer, key: str, body: OrderIn) -> dict:
    """Add an order to an open drop; it joins the pickup list after the 接龙 lines."""
    line = await run_in_threadpool(
        lambda: groupbuy.add_order(
            engine_of(request), key, name=body.name.strip(), qty=body.qty, note=body.note,
            person=body.person, source="api", actor=operator.username,
        )
    )  # fmt: skip
    return {"id": line.id, "name": line.name, "qty": line.qty, "amount": line.amount,
            "over_stock": line.over_stock}  # fmt: skip
