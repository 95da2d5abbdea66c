"""The stage rules of `retain_stages.place` applied to many people at once, with numpy.

`place_many` gives, row for row, the stage `place` gives (the same thresholds, the same
hysteresis); it does not word reasons. The recompute calls `place` itself only for the rows
whose stage changes and at the newest checkpoint, where the reason text is kept.
Stages are ranks here: -1 for none, 0 user … 4 partner (`retain_stages.STAGES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from quanzi.domain.retain_stages import STAGES, StageRules

NONE = -1
USER, MEMBER, FAN, IRON_FAN, PARTNER = range(len(STAGES))

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Flags = NDArray[np.bool_]
Ranks = NDArray[np.int8]


@dataclass(frozen=True)
class FactArrays:
    """`PersonFacts` of many people, one array per fact (engagement already floored at 0)."""

    engagement: Floats
    communities: Ints
    partner_role: Flags  # holds one of `rules.partner_roles` in a community they are active in
    iron_fan_role: Flags  # holds one of `rules.iron_fan_roles` there
    orders: Ints
    top_tier_price: Floats
    referrals: Ints


def engagement_lines(rules: StageRules) -> tuple[float, ...]:
    """Return every engagement threshold `place` compares with (at 100% and at low water)."""
    lines = (rules.fan_engagement, rules.iron_fan_engagement)
    return tuple(line * rate for line in lines for rate in (1.0, rules.low_water))


def role_flags(roles: frozenset[str], rules: StageRules) -> tuple[bool, bool]:
    """Return whether `roles` hold a partner role, and an iron-fan role."""
    return bool(roles & rules.partner_roles), bool(roles & rules.iron_fan_roles)


def qualifies_many(stage: int, facts: FactArrays, rules: StageRules, rate: float) -> Flags:
    """Tell, per row, whether `stage` is reached with numeric thresholds scaled by `rate`."""
    inside = facts.communities != 0
    if stage == USER:
        return np.ones(len(inside), dtype=np.bool_)
    if stage == MEMBER:
        return inside
    if stage == PARTNER:
        ok = facts.partner_role.copy()
        if rules.partner_tier_price:
            ok |= facts.top_tier_price >= rules.partner_tier_price
        return inside & ok
    line = rules.fan_engagement if stage == FAN else rules.iron_fan_engagement
    enough = ~(facts.engagement < line * rate)
    if stage == FAN:
        return inside & enough
    more = np.zeros(len(inside), dtype=np.bool_)
    if rules.iron_fan_orders:
        more |= facts.orders >= rules.iron_fan_orders * rate
    if rules.iron_fan_referrals:
        more |= facts.referrals >= rules.iron_fan_referrals * rate
    return inside & (facts.iron_fan_role | (enough & more))


def place_many(
    facts: FactArrays,
    rules: StageRules,
    current: Ranks,
    in_grace: Flags,
) -> Ranks:
    """Return each row's stage rank, as `place` decides it.

    `current` is the rank held (-1 for none); `in_grace` tells whether less than
    `rules.grace_days` have passed since it was reached (`as_of - promoted_at < grace`).
    """
    reached = np.zeros(len(current), dtype=np.int8)
    for stage in (MEMBER, FAN, IRON_FAN, PARTNER):  # ascending: the highest reached wins
        reached[qualifies_many(stage, facts, rules, 1.0)] = stage
    placed = reached.copy()
    # Below the stage held, while in a community: the grace period, then low water.
    keep = (current > reached) & (facts.communities != 0)
    if not keep.any():
        return placed
    within = keep & in_grace
    placed[within] = current[within]
    keep &= ~within
    for stage in (MEMBER, FAN, IRON_FAN, PARTNER):
        ok = keep & (current >= stage) & (reached < stage)
        if ok.any():
            ok &= qualifies_many(stage, facts, rules, rules.low_water)
            placed[ok] = stage
    return placed
