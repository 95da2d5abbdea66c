"""Relationship stages (seed 002): 普通用户 → 会员 → 粉丝 → 铁粉 → 合伙人, each with a reason.

Promotion happens at once; demotion has hysteresis, as Discourse's TL3 and Orbit's levels
have it: a person keeps a stage they already hold while they still reach `low_water`
(default 80%) of its numeric thresholds, and is never demoted within `grace_days` of being
promoted. A stage above the current one needs 100% of its thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

STAGES = ("user", "member", "fan", "iron_fan", "partner")
LABELS = {
    "user": "普通用户",
    "member": "会员",
    "fan": "粉丝",
    "iron_fan": "铁粉",
    "partner": "合伙人",
}
ROLE_LABELS = {
    "owner": "群主",
    "admin": "管理员",
    "staff": "运营",
    "kol": "KOL",
    "leader": "团长",
}


def rank(stage: str | None) -> int:
    """Return a stage's place on the ladder (-1 for none)."""
    return STAGES.index(stage) if stage in STAGES else -1


@dataclass(frozen=True)
class PersonFacts:
    """What the rules look at for one person at one moment."""

    engagement: float = 0.0
    communities: int = 0  # communities the person is an active member of
    roles: frozenset[str] = frozenset()  # roles held in those communities
    orders: int = 0  # paid orders, refunds excluded
    spend: float = 0.0  # yuan paid on those orders
    top_tier_price: float = 0.0  # the dearest paid rung (`tier:<community>`) bought
    referrals: int = 0  # people who joined through this person


@dataclass(frozen=True)
class StageRules:
    """Thresholds of each stage; every default is documented in docs/retain.md."""

    fan_engagement: float = 25.0
    iron_fan_engagement: float = 100.0
    iron_fan_orders: int = 4  # repeat buyers (002: delighted buyers repurchase)…
    iron_fan_referrals: int = 2  # …or bring their friends
    iron_fan_roles: frozenset[str] = frozenset({"kol"})  # KOLs are iron fans at least
    partner_roles: frozenset[str] = frozenset({"owner", "admin", "staff", "leader"})
    partner_tier_price: float = 5000.0  # bought the partner rung (¥5000 私享会)
    low_water: float = 0.8
    grace_days: int = 14

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> StageRules:
        """Return a copy with the given fields changed (role lists become sets)."""
        if not overrides:
            return self
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"unknown stage rule {name!r}")
            changes[name] = frozenset(value) if name.endswith("_roles") else value
        return replace(self, **changes)


@dataclass(frozen=True)
class Placement:
    """A person's stage and the reason for it."""

    stage: str
    reason: str


@dataclass
class _Check:
    """Whether a stage is reached at some rate, and the words that say why."""

    ok: bool
    why: list[str] = field(default_factory=list)


def _num(value: float) -> str:
    return f"{value:.1f}" if not float(value).is_integer() else f"{value:.0f}"


def _qualifies(stage: str, facts: PersonFacts, rules: StageRules, rate: float) -> _Check:
    """Check one stage's conditions with numeric thresholds scaled by `rate`."""
    if stage == "user":
        return _Check(True, ["不在任何社群中" if facts.communities == 0 else "在社群中"])
    if facts.communities == 0:
        return _Check(False)
    if stage == "member":
        return _Check(True, [f"是 {facts.communities} 个社群的成员"])
    if stage == "partner":
        roles = sorted(facts.roles & rules.partner_roles)
        if roles:
            names = "、".join(ROLE_LABELS.get(r, r) for r in roles)
            return _Check(True, [f"担任{names}"])
        if rules.partner_tier_price and facts.top_tier_price >= rules.partner_tier_price:
            return _Check(True, [f"购买了 ¥{_num(facts.top_tier_price)} 的合伙人阶梯"])
        return _Check(False)
    engagement_line = rules.fan_engagement if stage == "fan" else rules.iron_fan_engagement
    need = engagement_line * rate
    if stage == "iron_fan":
        roles = sorted(facts.roles & rules.iron_fan_roles)
        if roles:
            return _Check(True, [f"担任{'、'.join(ROLE_LABELS.get(r, r) for r in roles)}"])
    if facts.engagement < need:
        return _Check(False)
    why = [f"互动分 {facts.engagement:.1f} ≥ {_num(need)}"]
    if stage == "fan":
        return _Check(True, why)
    orders_need = rules.iron_fan_orders * rate
    referrals_need = rules.iron_fan_referrals * rate
    if rules.iron_fan_orders and facts.orders >= orders_need:
        return _Check(True, [*why, f"复购 {facts.orders} 单 ≥ {_num(orders_need)}"])
    if rules.iron_fan_referrals and facts.referrals >= referrals_need:
        return _Check(True, [*why, f"带来 {facts.referrals} 人 ≥ {_num(referrals_need)}"])
    return _Check(False)


def place(
    facts: PersonFacts,
    rules: StageRules,
    *,
    current: str | None = None,
    promoted_at: datetime | None = None,
    as_of: datetime | None = None,
) -> Placement:
    """Place a person on the ladder: the highest stage reached, held with hysteresis.

    `current` is the stage held now and `promoted_at` when it was reached; without them
    the person is placed from scratch.
    """
    reached = "user"
    why: list[str] = []
    for stage in reversed(STAGES):
        check = _qualifies(stage, facts, rules, 1.0)
        if check.ok:
            reached, why = stage, check.why
            break
    label = LABELS[reached]
    if current is None or rank(reached) >= rank(current):
        verb = "升为" if current is not None and rank(reached) > rank(current) else ""
        return Placement(reached, f"{verb}{label}：{'；'.join(why)}")
    # Below the stage held: within the grace period, or still above the low-water mark of
    # the held stage (or of one between), the person keeps the higher stage.
    if facts.communities == 0:
        return Placement("user", "降为普通用户：已不在任何社群中")
    held = LABELS[current]
    grace = timedelta(days=rules.grace_days)
    if as_of is not None and promoted_at is not None and as_of - promoted_at < grace:
        return Placement(current, f"保持{held}：升级后 {rules.grace_days} 天内不降级")
    for stage in STAGES[rank(current) : rank(reached) : -1]:
        check = _qualifies(stage, facts, rules, rules.low_water)
        if check.ok:
            keep = LABELS[stage]
            prefix = f"保持{keep}" if stage == current else f"降为{keep}"
            line = f"{prefix}：{'；'.join(check.why)}（降级线为门槛的 {rules.low_water:.0%}）"
            return Placement(stage, line)
    return Placement(reached, f"降为{label}：{'；'.join(why)}")
