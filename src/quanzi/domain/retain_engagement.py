"""Engagement: weighted, time-decayed activity of a person (Orbit's "love", adapted to chat).

Each event a person makes is worth a weight by its kind; the worth decays with age by a
factor per 30 days, and events older than the window count nothing. Orbit's love v1 is
`Σ weight × 0.9^months` over 12 months on a 1–3 scale; this model keeps its shape with
weights on Orbit v2's 1–12 scale and a faster default decay (0.8 a month), because
group chats move faster than open-source communities. See docs/retain.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

DAY = 86400.0

# Weight per contribution kind, on Orbit v2's 1–12 scale (1 = read/said something small,
# 5 = attended, 8 = brought someone, 11 = organised).
DEFAULT_WEIGHTS: dict[str, float] = {
    "message": 1.0,  # a chat message (text, image, sticker…)
    "reply": 2.0,  # a message answering another (`reply_to`): a conversation, not a shout
    "join": 1.0,  # joined a community
    "attend": 4.0,  # took part in an activity (topic, salon, lecture, meeting…)
    "invite": 3.0,  # shared or invited someone (credited to the inviter)
    "referral": 8.0,  # someone joined through this person (credited to the inviter)
    "purchase": 6.0,  # a paid order
    "refund": -6.0,  # a refund takes the order's worth back
    "host": 8.0,  # ran an organ: posted a daily report, topic, file, hosted a salon
}


@dataclass(frozen=True)
class Contribution:
    """One weighted act of a person at a time, in a community (or none)."""

    ts: datetime
    kind: str
    community: Any = None


@dataclass(frozen=True)
class EngagementModel:
    """Weights per kind, decay per 30 days, and a look-back window in days."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    decay_per_30_days: float = 0.8
    window_days: int = 365

    def __post_init__(self) -> None:
        if not 0 < self.decay_per_30_days <= 1:
            raise ValueError("decay_per_30_days must be in (0, 1]")
        if self.window_days <= 0:
            raise ValueError("window_days must be positive")

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> EngagementModel:
        """Return a copy with `{"weights": {...}, "decay_per_30_days": x, "window_days": n}`."""
        if not overrides:
            return self
        weights = {**self.weights, **dict(overrides.get("weights") or {})}
        return replace(
            self,
            weights=weights,
            decay_per_30_days=float(overrides.get("decay_per_30_days", self.decay_per_30_days)),
            window_days=int(overrides.get("window_days", self.window_days)),
        )

    def weight(self, kind: str) -> float:
        """Return the weight of a contribution kind (0 for kinds not listed)."""
        return float(self.weights.get(kind, 0.0))

    def factor(self, age_seconds: float) -> float:
        """Return how much of its weight a contribution of this age still counts."""
        if age_seconds < 0 or age_seconds > self.window_days * DAY:
            return 0.0
        return float(self.decay_per_30_days ** (age_seconds / (30 * DAY)))

    def value(self, contribution: Contribution, as_of: datetime) -> float:
        """Return what one contribution is worth at `as_of`."""
        age = (as_of - contribution.ts).total_seconds()
        return self.weight(contribution.kind) * self.factor(age)

    def score(self, contributions: Iterable[Contribution], as_of: datetime) -> float:
        """Return the engagement of a set of contributions at `as_of` (never below 0)."""
        return max(0.0, sum(self.value(c, as_of) for c in contributions))


def contribution_kinds(kind: str, payload: Mapping[str, Any], person: Any) -> list[str]:
    """Map a canonical event to the contribution kinds it gives to its actor `person`.

    Referrals and invites are credited to the inviter, not the actor: see
    `credited_inviter`. System messages are worth nothing.
    """
    if kind == "message":
        if payload.get("msg_type") == "system":
            return []
        return ["reply"] if payload.get("reply_to") else ["message"]
    if kind == "activity":
        return ["host"]
    if kind in ("join", "attend", "purchase", "refund"):
        return [kind]
    return []


def credited_inviter(kind: str, payload: Mapping[str, Any], person: Any) -> tuple[Any, str] | None:
    """Return (inviter, contribution kind) for events that credit someone who brought others."""
    inviter = payload.get("inviter")
    if not isinstance(inviter, str) or inviter == person:
        return None
    if kind == "invite":
        return inviter, "invite"
    if kind == "join":
        return inviter, "referral"
    return None
