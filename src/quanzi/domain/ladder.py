"""The paid ladder (seed 000): rungs, payers, step-up rates, provenance, step-up tasks.

Pure rules over plain value objects: the analytics layer reads the store into these and
calls the functions here, so every number can be checked against a hand-computed fixture.

Definitions (the `quanzi ladder report --json` contract):
- a rung's **payers** are the persons with a purchase of `tier:<community>` that was not
  refunded; **revenue** is the sum of those purchases;
- a rung's **members** are the persons who have belonged to it at any time (the crew —
  owner, admins, staff and KOL guests — is left out by the caller);
- the **step-up rate** from rung X to the next rung Y is the share of X's payers (X's
  members, when X is free) who later paid for Y; **median days** is the median time from
  paying for X (joining X, when free) to paying for Y, over those who did;
- the **provenance** of a rung's payer is the highest other rung they belonged to at the
  moment of their first valid purchase of it, or `outside`.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quanzi.domain.vocab import ORGANS

OUTSIDE = "outside"
TIER_PREFIX = "tier:"
SECONDS_PER_DAY = 86400.0
# The benefits a rung can promise (seed 000: 每天的内容、每月免费活动、闭门会议、年度团建).
BENEFITS = {
    "daily_content": "每日内容",
    "monthly_event": "每月活动",
    "closed_meeting": "闭门会议",
    "team_building": "团建",
    "discount": "会员价",
    "other": "其他",
}
# What a step-up task measures, in its window.
TASK_METRICS = {
    "attend": "参加活动次数",
    "speak_days": "发言天数",
    "invite": "带来有效好友数",
    "spend": "消费金额（元）",
}
# A task's reward for the next rung, and an offer's discount.
REWARD_KINDS = {"percent": "打折", "fixed": "立减", "price": "专享价"}
OFFER_KINDS = {"percent": "打折", "fixed": "立减"}


def tier_item(community: str) -> str:
    """Return the purchase item that pays for a rung: `tier:<community>`."""
    return f"{TIER_PREFIX}{community}"


@dataclass(frozen=True, slots=True)
class Rung:
    """One rung of a ladder: a community with a price and a rank (0 = the entry rung)."""

    community: str
    price: float
    rank: int
    name: str = ""

    @property
    def free(self) -> bool:
        """Tell whether joining the rung costs nothing."""
        return self.price <= 0


@dataclass(frozen=True, slots=True)
class Purchase:
    """A purchase of a rung (`tier:<community>`) by a person; refunded ones do not count."""

    person: str
    community: str
    ts: datetime
    amount: float
    refunded: bool = False


@dataclass(frozen=True, slots=True)
class Presence:
    """A join or a leave of a person in a community, as the event log has it."""

    person: str
    community: str
    ts: datetime
    kind: str  # "join" or "leave"


@dataclass(frozen=True, slots=True)
class Stay:
    """A span of membership; `start` None means before the history begins, `end` None: still in."""

    person: str
    community: str
    start: datetime | None
    end: datetime | None

    def covers(self, moment: datetime) -> bool:
        """Tell whether the person was a member at `moment` (joined before it, not yet left)."""
        return (self.start is None or self.start < moment) and (
            self.end is None or self.end > moment
        )

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Tell whether the stay shares any time with [start, end]."""
        return (self.start is None or self.start <= end) and (self.end is None or self.end >= start)


def stays_from(presences: Iterable[Presence]) -> list[Stay]:
    """Turn joins and leaves into spans of membership, in time order per person and community.

    A second join while still in changes nothing; a leave with no join before it means the
    person was there before the history begins (as the projector also assumes).
    """
    by_pair: dict[tuple[str, str], list[Presence]] = defaultdict(list)
    for presence in presences:
        by_pair[(presence.person, presence.community)].append(presence)
    stays: list[Stay] = []
    for (person, community), items in by_pair.items():
        # At the same instant a join counts before a leave: a same-second visit is a visit.
        items.sort(key=lambda p: (p.ts, p.kind != "join"))
        start: datetime | None = None
        inside = seen = False
        for presence in items:
            if presence.kind == "join":
                if not inside:
                    start, inside = presence.ts, True
            elif inside:
                stays.append(Stay(person, community, start, presence.ts))
                inside = False
            elif not seen:
                # A leave with nothing before it: a member since before the history began.
                stays.append(Stay(person, community, None, presence.ts))
            seen = True
        if inside:
            stays.append(Stay(person, community, start, None))
    return stays


@dataclass
class RungFigures:
    """One rung's line of the report."""

    community: str
    price: float
    members: int
    payers: int
    revenue: float
    name: str = ""
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The contract's rung object."""
        return {
            "community": self.community,
            "price": _number(self.price),
            "members": self.members,
            "payers": self.payers,
            "revenue": _number(self.revenue),
        }


@dataclass
class StepUp:
    """How many of a rung's base (payers, or members of a free rung) later paid for the next."""

    source: str
    target: str
    base: int
    stepped: int
    median_days: float | None

    @property
    def rate(self) -> float | None:
        """Return the share who stepped up, or None when the base is empty."""
        return round(self.stepped / self.base, 4) if self.base else None

    def to_dict(self) -> dict[str, Any]:
        """The contract's step-up object."""
        return {
            "from": self.source,
            "to": self.target,
            "rate": self.rate,
            "median_days": self.median_days,
        }


@dataclass
class LadderReport:
    """Members, payers and revenue per rung, step-up rates, and where payers came from."""

    ladder: str
    rungs: list[RungFigures] = field(default_factory=list)
    step_up: list[StepUp] = field(default_factory=list)
    provenance: dict[str, dict[str, int]] = field(default_factory=dict)
    # Days from paying for (or joining) each rung to paying for the next, per pair.
    step_days: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The exact JSON of `quanzi ladder report --json`."""
        return {
            "ladder": self.ladder,
            "rungs": [r.to_dict() for r in self.rungs],
            "step_up": [s.to_dict() for s in self.step_up],
            "provenance": {k: dict(v) for k, v in self.provenance.items()},
        }

    def rung(self, community: str) -> RungFigures | None:
        """Return a rung's figures by community key."""
        return next((r for r in self.rungs if r.community == community), None)

    def from_below(self, community: str) -> tuple[int, int] | None:
        """Return (payers who came from the rung just below, all payers) of a rung."""
        keys = [r.community for r in self.rungs]
        if community not in keys or keys.index(community) == 0:
            return None
        below = keys[keys.index(community) - 1]
        sources = self.provenance.get(community, {})
        return sources.get(below, 0), sum(sources.values())


def _number(value: float) -> float | int:
    """Keep whole yuan as integers in JSON (100, not 100.0)."""
    return int(value) if float(value).is_integer() else round(value, 2)


def _median_days(days: list[float]) -> float | None:
    return round(statistics.median(days), 1) if days else None


def first_payments(purchases: Iterable[Purchase]) -> dict[str, dict[str, datetime]]:
    """Return, per rung, each payer's first valid (not refunded) purchase time."""
    first: dict[str, dict[str, datetime]] = defaultdict(dict)
    for purchase in purchases:
        if purchase.refunded:
            continue
        seen = first[purchase.community].get(purchase.person)
        if seen is None or purchase.ts < seen:
            first[purchase.community][purchase.person] = purchase.ts
    return first


def ordered_rungs(rungs: Iterable[Rung]) -> list[Rung]:
    """Return the rungs bottom up: by rank, then price, then key."""
    return sorted(rungs, key=lambda r: (r.rank, r.price, r.community))


def ladder_report(
    ladder: str, rungs: Iterable[Rung], purchases: Iterable[Purchase], stays: Iterable[Stay]
) -> LadderReport:
    """Compute the report of one ladder from its rungs, their purchases and memberships."""
    ordered = ordered_rungs(rungs)
    keys = {r.community for r in ordered}
    purchases = [p for p in purchases if p.community in keys]
    stays = [s for s in stays if s.community in keys]
    paid = first_payments(purchases)
    # All valid purchase times per rung and person: "later paid" may be a renewal.
    paid_times: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for purchase in purchases:
        if not purchase.refunded:
            paid_times[purchase.community][purchase.person].append(purchase.ts)
    joined: dict[str, dict[str, datetime | None]] = defaultdict(dict)
    stays_of: dict[str, list[Stay]] = defaultdict(list)
    for stay in stays:
        first = joined[stay.community]
        if stay.person not in first or _earlier(stay.start, first[stay.person]):
            first[stay.person] = stay.start
        stays_of[stay.person].append(stay)

    report = LadderReport(ladder=ladder)
    for rung in ordered:
        valid = [p for p in purchases if p.community == rung.community and not p.refunded]
        report.rungs.append(
            RungFigures(
                community=rung.community,
                price=rung.price,
                members=len(joined[rung.community]),
                payers=len(paid[rung.community]),
                revenue=round(sum(p.amount for p in valid), 2),
                name=rung.name,
                rank=rung.rank,
            )
        )

    for low, high in itertools.pairwise(ordered):
        if low.free:
            base: dict[str, datetime | None] = dict(joined[low.community])
        else:
            base = dict(paid[low.community])
        days: list[float] = []
        stepped = 0
        for person, since in base.items():
            later = [t for t in paid_times[high.community].get(person, []) if _after(t, since)]
            if later:
                stepped += 1
                if since is not None:  # a member since before the history: no duration
                    days.append((min(later) - since).total_seconds() / SECONDS_PER_DAY)
        report.step_up.append(
            StepUp(low.community, high.community, len(base), stepped, _median_days(days))
        )
        report.step_days[(low.community, high.community)] = sorted(days)

    rank_of = {r.community: (r.rank, r.price, r.community) for r in ordered}
    for rung in ordered:
        sources: dict[str, int] = {}
        for person, moment in sorted(paid[rung.community].items()):
            inside = [
                s.community
                for s in stays_of.get(person, [])
                if s.community != rung.community and s.covers(moment)
            ]
            source = max(inside, key=lambda c: rank_of[c]) if inside else OUTSIDE
            sources[source] = sources.get(source, 0) + 1
        report.provenance[rung.community] = _by_rung(sources, ordered)
    return report


def _earlier(a: datetime | None, b: datetime | None) -> bool:
    """Order start times where None means "before the history began"."""
    if a is None:
        return b is not None
    return b is not None and a < b


def _after(moment: datetime, since: datetime | None) -> bool:
    return since is None or moment > since


def _by_rung(sources: Mapping[str, int], ordered: list[Rung]) -> dict[str, int]:
    """Order a provenance mapping: rungs bottom up, then outside."""
    order = [r.community for r in ordered] + [OUTSIDE]
    return {key: sources[key] for key in order if key in sources}


def organ_label(organ: str) -> str:
    """Return the Chinese name of an organ or benefit kind."""
    return BENEFITS.get(organ) or ORGANS.get(organ, organ)
