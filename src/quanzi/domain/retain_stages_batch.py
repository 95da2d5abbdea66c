"""The stage rules of `retain_stages.place` applied to many people at once, with numpy.

`place_many` gives, row for row, the stage `place` gives (the same thresholds, the same
hysteresis); it does not word reasons. The recompute calls `place` itself only for the rows
whose stage changes and at the newest checkpoint, where the reason text is kept, once for
each group of people alike in all `place` reads (`tenths`, `group_rows`).
Stages are ranks here: -1 for none, 0 user … 4 partner (`retain_stages.STAGES`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def rounded(values: Floats, digits: int) -> Floats:
    """Return each value as Python's `round(v, digits)` gives it (correctly rounded)."""
    scale = 10.0**digits
    scaled = values * scale
    # The nearest double to n / 10**digits is what `round` returns; only where the product
    # lies within rounding error of a half could n differ, and there Python decides.
    out = np.round(scaled) / scale
    near = np.abs(scaled - np.floor(scaled) - 0.5) <= 1e-9 * np.maximum(1.0, np.abs(scaled))
    for i in np.flatnonzero(near).tolist():
        out[i] = round(float(values[i]), digits)
    return out


def tenths(values: Floats) -> Ints:
    """Return what `f"{v:.1f}"` shows of each value, as a whole number of tenths."""
    # The text rounds as `round(v, 1)` does (both correctly, half to even on the exact
    # value), so its tenths are those of the rounded value.
    return np.round(rounded(values, 1) * 10).astype(np.int64)


def group_rows(columns: Sequence[NDArray[Any]]) -> tuple[Ints, Ints]:
    """Group the rows equal in every column: return each group's first row, each row's group."""
    codes: list[Ints] = []
    spans: list[int] = []
    for column in columns:
        if column.dtype.kind == "f":
            _, code = np.unique(column, return_inverse=True)
            code = code.reshape(-1).astype(np.int64)
            low = 0
        else:
            code = column.astype(np.int64)
            low = int(code.min(initial=0))
        codes.append(code - low)
        spans.append(int(code.max(initial=0)) - low + 1)
    if math.prod(spans) < 1 << 62:  # one integer a row: a plain sort groups them
        packed = np.zeros(len(columns[0]), dtype=np.int64)
        room = 1
        for code, span in zip(codes, spans, strict=True):
            packed += code * room
            room *= span
        _, first, group = np.unique(packed, return_index=True, return_inverse=True)
    else:
        _, first, group = np.unique(
            np.column_stack(codes), axis=0, return_index=True, return_inverse=True
        )
    return first.astype(np.int64), group.reshape(-1).astype(np.int64)
