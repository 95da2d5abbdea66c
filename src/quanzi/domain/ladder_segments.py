"""Segments (人群包): saved filters over people, validated here and counted by analytics.

Seed 000 splits communities by region, price, personality and category; seed 003 targets
strata. A segment combines any of these conditions; every condition given must hold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from quanzi.domain import vocab

MAX_VALUES = 50


class SegmentError(ValueError):
    """A filter that cannot be saved; the message says why, in Chinese."""


@dataclass(frozen=True)
class SegmentFilter:
    """Who is in a segment. Empty lists and None mean "any"."""

    regions: tuple[str, ...] = ()
    rungs_paid: tuple[str, ...] = ()  # paid for at least one of these rungs (not refunded)
    rungs_not_paid: tuple[str, ...] = ()  # paid for none of these
    min_spent: float | None = None  # total of orders not refunded, yuan
    max_spent: float | None = None
    tags: tuple[str, ...] = ()  # category and personality tags: has at least one
    stages: tuple[str, ...] = ()
    strata: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()  # a current member of at least one
    active_days: int | None = None  # spoke or took part within this many days

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON, leaving out the conditions not set."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
            if value not in ((), None)
        }

    @property
    def empty(self) -> bool:
        """Tell whether no condition is set (everyone matches)."""
        return not self.to_dict()

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """Say the filter in Chinese, e.g. "地区：广州；付费过：会员群；消费 ≥ ¥200"."""
        names = names or {}

        def rungs(keys: tuple[str, ...]) -> str:
            return "、".join(names.get(k, k) for k in keys)

        parts: list[str] = []
        if self.regions:
            parts.append("地区：" + "、".join(self.regions))
        if self.rungs_paid:
            parts.append("付费过：" + rungs(self.rungs_paid))
        if self.rungs_not_paid:
            parts.append("未付费：" + rungs(self.rungs_not_paid))
        if self.min_spent is not None:
            parts.append(f"消费 ≥ ¥{self.min_spent:g}")
        if self.max_spent is not None:
            parts.append(f"消费 ≤ ¥{self.max_spent:g}")
        if self.tags:
            parts.append("标签：" + "、".join(self.tags))
        if self.stages:
            parts.append("关系阶段：" + "、".join(vocab.STAGES.get(s, s) for s in self.stages))
        if self.strata:
            parts.append("意向：" + "、".join(vocab.STRATA.get(s, s) for s in self.strata))
        if self.communities:
            parts.append("在群：" + rungs(self.communities))
        if self.active_days is not None:
            parts.append(f"近 {self.active_days} 天活跃")
        return "；".join(parts) or "所有人"


def _texts(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    if not isinstance(value, list | tuple):
        raise SegmentError(f"条件 {name} 应为字符串列表")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise SegmentError(f"条件 {name} 应为字符串列表")
        item = item.strip()
        if item and item not in items:
            items.append(item)
    if len(items) > MAX_VALUES:
        raise SegmentError(f"条件 {name} 最多 {MAX_VALUES} 个值")
    return tuple(items)


def _choices(name: str, value: Any, options: Mapping[str, str]) -> tuple[str, ...]:
    items = _texts(name, value)
    for item in items:
        if item not in options:
            raise SegmentError(f"条件 {name} 的取值 {item!r} 无效，应为：{'、'.join(options)}")
    return items


def _amount(name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SegmentError(f"条件 {name} 应为金额（元）") from None
    if not math.isfinite(number) or number < 0:
        raise SegmentError(f"条件 {name} 应为非负金额")
    return number


def _days(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SegmentError(f"条件 {name} 应为天数（整数）") from None
    if not 1 <= number <= 3650:
        raise SegmentError(f"条件 {name} 应在 1 到 3650 天之间")
    return number


def parse_filter(raw: Mapping[str, Any]) -> SegmentFilter:
    """Validate a filter from JSON or a form; unknown conditions are refused, not ignored."""
    known = set(SegmentFilter.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SegmentError(
            f"未知的筛选条件：{'、'.join(unknown)}；可用：{'、'.join(sorted(known))}"
        )
    result = SegmentFilter(
        regions=_texts("regions", raw.get("regions")),
        rungs_paid=_texts("rungs_paid", raw.get("rungs_paid")),
        rungs_not_paid=_texts("rungs_not_paid", raw.get("rungs_not_paid")),
        min_spent=_amount("min_spent", raw.get("min_spent")),
        max_spent=_amount("max_spent", raw.get("max_spent")),
        tags=_texts("tags", raw.get("tags")),
        stages=_choices("stages", raw.get("stages"), vocab.STAGES),
        strata=_choices("strata", raw.get("strata"), vocab.STRATA),
        communities=_texts("communities", raw.get("communities")),
        active_days=_days("active_days", raw.get("active_days")),
    )
    if (
        result.min_spent is not None
        and result.max_spent is not None
        and result.min_spent > result.max_spent
    ):
        raise SegmentError("最低消费不能高于最高消费")
    if set(result.rungs_paid) & set(result.rungs_not_paid):
        raise SegmentError("同一档不能既要求付费又要求未付费")
    return result
