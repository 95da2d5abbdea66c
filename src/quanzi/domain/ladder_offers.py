"""Offers and step-up rewards: what a discount may be, and when it is valid.

Seed 003 gives strong-intent fans an exclusive offer (8折); seed 000 lets a task unlock a
discount to the next rung. The guard rails of DOMAIN.md hold: an offer always shows the
list price beside the price after the discount, and never invents scarcity.
"""

from __future__ import annotations

import math
from datetime import datetime

from quanzi.domain.ladder import OFFER_KINDS, REWARD_KINDS, TASK_METRICS


class OfferError(ValueError):
    """An offer or a task that cannot be saved; the message says why, in Chinese."""


def check_discount(kind: str, value: float, *, allow_price: bool = False) -> None:
    """Refuse a discount that makes no sense: 0–100 % off, a positive amount, a price ≥ 0."""
    kinds = REWARD_KINDS if allow_price else OFFER_KINDS
    if kind not in kinds:
        raise OfferError(f"优惠方式 {kind!r} 无效，应为：{'、'.join(kinds)}")
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise OfferError("优惠数值应为数字")
    if kind == "percent" and not 0 < value < 100:
        raise OfferError("折扣应为减 1%–99%（例如 8 折填 20）")
    if kind == "fixed" and value <= 0:
        raise OfferError("立减金额应大于 0")
    if kind == "price" and value < 0:
        raise OfferError("专享价不能为负数")


def check_window(starts: datetime, ends: datetime) -> None:
    """Refuse a validity window that ends before it starts."""
    if starts.tzinfo is None or ends.tzinfo is None:
        raise OfferError("时间须带时区")
    if ends <= starts:
        raise OfferError("结束时间应晚于开始时间")


def check_task(metric: str, target: float) -> None:
    """Refuse a task with an unknown metric or a target that is not a positive number."""
    if metric not in TASK_METRICS:
        raise OfferError(f"任务指标 {metric!r} 无效，应为：{'、'.join(TASK_METRICS)}")
    if not isinstance(target, int | float) or not math.isfinite(target) or target <= 0:
        raise OfferError("任务目标应为正数")
    if metric != "spend" and not float(target).is_integer():
        raise OfferError("次数、天数和人数的目标应为整数")


def is_valid_at(starts: datetime, ends: datetime, moment: datetime) -> bool:
    """Tell whether an offer's window contains `moment`."""
    return starts <= moment <= ends
