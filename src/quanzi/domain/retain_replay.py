"""The relationship-stage replay of the whole event log, as array work (numpy).

It gives what replaying the log event by event gives (tests/retain/stage_reference.py
keeps that replay): each person's engagement, memberships, roles, paid orders and
referrals, placed at every checkpoint with hysteresis, every change of stage with its
reason, and the engagement per community at the newest checkpoint. Per-event work is
vectorised, joins, leaves and inviters too; only what depends on more than the events of one
person and community runs one by one: the joins, leaves and roles of people who ever hold a
role, and orders bought more than once or refunded. Reasons are worded once per group of
people alike in every fact `place` reads.

Engagement at each checkpoint is carried forward from the one before: decayed by the time
between, plus what entered the window, minus what left it. That differs from the
event-by-event sums in the last bits, so wherever the last bits could matter (a score at a
threshold, or at a rounding edge of a reason or a stored score) the score is recomputed
event by event, exactly as the step-by-step replay computes it.
Times are µs since the epoch (UTC).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_engagement import DAY, EngagementModel
from quanzi.domain.retain_stages import STAGES, PersonFacts, place, rank
from quanzi.domain.retain_stages_batch import (
    NONE,
    FactArrays,
    engagement_lines,
    group_rows,
    place_many,
    role_flags,
    rounded,
    tenths,
)
from quanzi.parallel import Starter, at_once

KINDS = ("join", "leave", "person", "purchase", "refund", "invite", "activity", "attend")
JOIN, LEAVE, PERSON, PURCHASE, REFUND, INVITE, ACTIVITY, ATTEND = range(len(KINDS))
# What a message is worth: system messages nothing, replies their own weight.
SYSTEM, REPLY, MESSAGE = 0, 1, 2
# The contribution an event of each kind gives its own actor (`contribution_kinds`).
ACTOR_CONTRIBUTION = {JOIN: "join", PURCHASE: "purchase", ACTIVITY: "host", ATTEND: "attend"}
# Kinds (beside messages) that mark a person active in a community.
ACTIVE_KINDS = (PURCHASE, ACTIVITY, ATTEND)
MONTH = 30 * DAY
US = 1_000_000
NEVER = np.iinfo(np.int64).max
NOT_SEEN = np.iinfo(np.int64).min
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How far a carried score may be from the event-by-event one, relative to the score and to
# all weight the person was ever credited. Measured over 2.8M (person, checkpoint) pairs
# (the 1M-event demo store, and a world with one person of 600k contributions): at most
# 4.5e-14 of the score and 1.9e-14 of the weight. Scores within this of a threshold or a
# rounding edge are recomputed event by event.
TOLERANCE = 1e-11
MASS_TOLERANCE = 1e-12
# Person lookups answered by a scan before an index by person is built.
SCANS = 16
# Largest (person × community) table kept dense for the engagement rows.
DENSE_CELLS = 1 << 25
# Rows a vector step works on at once (bounds the temporaries).
BLOCK = 1 << 22
# Rows summed at once into the per-(person, community) table: each step passes over the
# whole table, so fewer, larger steps (a few hundred MB of temporaries).
TABLE_BLOCK = 1 << 24
# Part of every digest of stored results: changed when what the digests cover changes.
DIGEST_VERSION = 1

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Codes = NDArray[np.int8]


def to_us(moment: datetime) -> int:
    """Return an aware datetime as µs since the epoch."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    """Return µs since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=value)


@dataclass
class EventLog:
    """The events a stage recompute reads, as arrays; ids are store row ids, -1 for none.

    Messages come apart, since they are nearly all of the log and need no payload but their
    type; they are best given in (ts, id) order (else they are sorted). The other kinds
    carry the few payload fields the rules read: for purchases and refunds a code of the
    order key (`order_codes`), for purchases the `amount` and the paid rung bought
    (`tier`, a code into `tiers`, -1 for none: `tier_codes`), `role` for joins and roles,
    `inviter` (the inviter's person id) for joins and invites.
    """

    message_ts: Ints
    message_id: Ints
    message_person: Ints
    message_community: Ints
    message_type: Codes
    ts: Ints
    id: Ints
    kind: Codes
    community: Ints
    person: Ints
    inviter: Ints
    amount: Floats
    role: Sequence[str | None]
    order: Ints  # codes 0, 1, 2… (as few as there are keys), -1 for none
    tier: Ints
    tiers: Sequence[str]


def order_codes(kinds: Codes, orders: Sequence[Any], sources: Sequence[Any]) -> Ints:
    """Code each purchase's and refund's order key, 0, 1, 2… (equal keys, equal codes); -1
    elsewhere.

    A purchase's key is its `order`, or its own event id (`source`) when it names none; a
    refund's is the `order` it takes back. Keys are compared as text.
    """
    codes: dict[str, int] = {}
    found = np.full(len(kinds), -1, dtype=np.int64)
    for i in np.flatnonzero(kinds == PURCHASE).tolist():
        found[i] = codes.setdefault(str(orders[i] or sources[i]), len(codes))
    for i in np.flatnonzero(kinds == REFUND).tolist():
        found[i] = codes.setdefault(str(orders[i]), len(codes))
    return found


def tier_codes(kinds: Codes, items: Sequence[Any]) -> tuple[Ints, list[str]]:
    """Return, per event, a code of the paid rung a purchase buys (`item` "tier:<community>"),
    -1 for none, and the rungs' community keys by code."""
    names: dict[str, int] = {}
    found = np.full(len(kinds), -1, dtype=np.int64)
    for i in np.flatnonzero(kinds == PURCHASE).tolist():
        item = str(items[i] or "")
        if item.startswith("tier:"):
            found[i] = names.setdefault(item[5:], len(names))
    return found, list(names)


# The columns of `StageHistory.changes` and `.engagement` rows (those of the store tables).
CHANGE_COLUMNS = ("person_id", "ts", "from_stage", "to_stage", "reason", "engagement")
ENGAGEMENT_COLUMNS = ("person_id", "community_id", "score", "last_active", "as_of")


@dataclass(eq=False)
class EngagementTable:
    """Engagement per (person, community) at the newest checkpoint, as columns."""

    person: Ints
    community: Ints
    score: Floats  # rounded to three places, as stored
    last_active: Ints  # µs; NOT_SEEN where the person was never active there
    as_of: datetime | None

    def __len__(self) -> int:
        return len(self.person)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EngagementTable):
            return NotImplemented
        columns = ("person", "community", "score", "last_active")
        return self.as_of == other.as_of and all(
            np.array_equal(getattr(self, c), getattr(other, c)) for c in columns
        )

    def rows(self, times: Callable[[Ints], list[Any]] | None = None) -> list[tuple[Any, ...]]:
        """Return the rows (ENGAGEMENT_COLUMNS); `times` makes the times' values from µs
        (by default aware datetimes)."""
        times = times or aware_times
        seen = self.last_active != NOT_SEEN
        active: list[Any] = [None] * len(self)
        for i, value in zip(np.flatnonzero(seen).tolist(), times(self.last_active[seen]),
                            strict=True):  # fmt: skip
            active[i] = value
        as_of = None if self.as_of is None else times(np.array([to_us(self.as_of)]))[0]
        return list(
            zip(self.person.tolist(), self.community.tolist(), self.score.tolist(), active,
                repeat(as_of), strict=False)  # `repeat` is endless
        )  # fmt: skip


def aware_times(us: Ints) -> list[datetime]:
    """Return µs since the epoch as aware UTC datetimes."""
    return [moment.replace(tzinfo=UTC) for moment in us.astype("datetime64[us]").tolist()]


def no_engagement() -> EngagementTable:
    """Return an empty engagement table."""
    empty = np.zeros(0, dtype=np.int64)
    return EngagementTable(empty, empty, np.zeros(0), empty, None)


@dataclass(eq=False)
class Places:
    """Where the replay leaves each person it met: a stage (its rank in STAGES) and the
    reason, by person id."""

    person: Ints
    rank: Codes
    reason: list[str]

    def __len__(self) -> int:
        return len(self.person)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Places):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def as_dict(self) -> dict[int, tuple[str, str]]:
        """Return {person id: (stage, reason)}."""
        stages = [STAGES[rank] for rank in self.rank.tolist()]
        return dict(zip(self.person.tolist(), zip(stages, self.reason, strict=True),
                        strict=True))  # fmt: skip


def no_places() -> Places:
    """Return the places of no one."""
    return Places(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), [])


@dataclass
class StageHistory:
    """What a replay found: every change of stage, final places, engagement per community."""

    changes: list[tuple[Any, ...]]  # CHANGE_COLUMNS
    people: Places
    engagement: EngagementTable
    exact: int = 0  # scores recomputed event by event because the last bits could matter
    disagreements: int = 0  # rows where `place` and `place_many` differed (should be none)
    # Per checkpoint placed at, in order: (its time in µs, its rows in `changes`, a digest).
    digests: list[tuple[int, int, str]] = field(default_factory=list)


def _digest(head: tuple[Any, ...], arrays: Sequence[NDArray[Any]], text: str = "") -> str:
    """Return a digest of `head` (with the version), the arrays' bytes and `text`."""
    digest = hashlib.blake2b(repr((DIGEST_VERSION, *head)).encode(), digest_size=16)
    for values in arrays:
        digest.update(values.tobytes())
    digest.update(text.encode())
    return digest.hexdigest()


def change_digest(
    at: int, who: Ints, before: Codes, after: Codes, reasons: list[str], score: Floats
) -> tuple[int, int, str]:
    """Return (time, rows, digest) of one checkpoint's changes of stage."""
    arrays = (who.astype("<i8"), before.astype("i1"), after.astype("i1"), score.astype("<f8"))
    return at, len(who), _digest((STAGES, at), arrays, "\x1f".join(reasons))


def places_digest(places: Places) -> str:
    """Return a digest of everyone's final stage and reason (in the order the replay met
    them, which the same log gives again)."""
    arrays = (places.person.astype("<i8"), places.rank.astype("i1"))
    return _digest(("places", STAGES), arrays, "\x1f".join(places.reason))


def engagement_digest(table: EngagementTable) -> str:
    """Return a digest of an engagement table (its cells, scores, times and as-of time)."""
    at = to_us(table.as_of) if table.as_of is not None else None
    columns = (table.person, table.community, table.last_active)
    return _digest((at,), [*(c.astype("<i8") for c in columns), table.score.astype("<f8")])


class _Facts:
    """Changes of one person fact over time (at event `ts`, `id`), gathered for `_FactState`."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, int, float]] = []
        self.blocks: list[tuple[Ints, Ints, Ints, NDArray[Any]]] = []

    def extend(self, ts: Ints, eid: Ints, who: Ints, value: NDArray[Any]) -> None:
        """Record many changes at once."""
        self.blocks.append((ts, eid, who, value))

    def arrays(self, dtype: type[np.generic]) -> tuple[Ints, Ints, NDArray[Any]]:
        """Return (ts, who, value) of every change, in event order."""
        blocks = list(self.blocks)
        if self.rows:
            columns = list(zip(*self.rows, strict=True))
            blocks.append((np.array(columns[0]), np.array(columns[1]), np.array(columns[2]),
                           np.array(columns[3])))  # fmt: skip
        if not blocks:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype)
        ts, eid, who, value = (np.concatenate(c) for c in zip(*blocks, strict=True))
        order = np.lexsort((eid, ts))
        return ts[order].astype(np.int64), who[order].astype(np.int64), value[order].astype(dtype)


class _Stateful:
    """Replays joins, leaves, roles, orders, refunds and inviters in (ts, id) order."""

    def __init__(
        self,
        config: RetainConfig,
        tier_prices: Mapping[str, float],
        first_ts: Ints,
        first_id: Ints,
    ) -> None:
        self.model = config.engagement
        self.rules = config.stages
        self.tier_prices = tier_prices
        self.first_ts = first_ts
        self.first_id = first_id
        self.active: dict[int, dict[int, bool]] = {}
        self.roles: dict[int, dict[int, str]] = {}
        self.role_sets: dict[int, list[tuple[int, frozenset[str]]]] = {}
        self.flags: dict[int, tuple[bool, bool]] = {}
        self.orders: dict[int, tuple[int, float]] = {}
        names = ("communities", "partner", "iron", "orders", "spend", "tier", "referrals")
        self.facts = {name: _Facts() for name in names}
        self.credits: list[tuple[int, int, int, int, float, int]] = []
        # (ts, id, sub, person, weight, community) credited many at once
        self.credit_blocks: list[tuple[Ints, Ints, Codes, Ints, Floats, Ints]] = []

    def credit(self, who: int, ts: int, eid: int, sub: int, kind: str, cid: int) -> None:
        """Credit a contribution to person `who` (weightless kinds are not kept)."""
        weight = self.model.weight(kind)
        if weight:
            self.credits.append((ts, eid, sub, who, weight, cid))

    def roles_changed(self, who: int, ts: int, eid: int) -> None:
        """Record the person's roles in the communities they are active in, when changed."""
        roles = self.roles.get(who)
        if roles is None:
            return
        active = self.active.get(who, {})
        held = frozenset(role for cid, role in roles.items() if active.get(cid))
        history = self.role_sets.setdefault(who, [])
        if history and history[-1][1] == held:
            return
        history.append((ts, held))
        before = self.flags.get(who, (False, False))
        after = role_flags(held, self.rules)
        self.flags[who] = after
        for name, was, now in zip(("partner", "iron"), before, after, strict=True):
            if was != now:
                self.facts[name].rows.append((ts, eid, who, 1 if now else -1))

    def run(self, log: EventLog) -> None:
        """Apply the stateful events of `log`, in (ts, id) order."""
        kind, acting = log.kind, log.person >= 0
        purchases = np.flatnonzero((kind == PURCHASE) & acting)
        refunds = np.flatnonzero((kind == REFUND) & acting)
        # An order key bought once and never refunded counts once, whatever came before:
        # those need no replay. Repeated or refunded keys are replayed in order.
        simple = _once(log.order[purchases], log.order[refunds])
        self.simple_purchases(log, purchases[simple])
        placed = acting & (log.community >= 0)
        roles = np.flatnonzero((kind == PERSON) & placed)
        roles = roles[np.array([bool(log.role[i]) for i in roles.tolist()], dtype=np.bool_)]
        joins = np.flatnonzero((kind == JOIN) & placed)
        with_role = np.array([bool(log.role[i]) for i in joins.tolist()], dtype=np.bool_)
        moves = np.concatenate((joins, np.flatnonzero((kind == LEAVE) & placed)))
        # Whoever ever holds a role is replayed event by event (roles count only in the
        # communities one is in); everyone else's joins and leaves are counted at once.
        holders = np.union1d(log.person[roles], log.person[joins[with_role]])
        by_hand = np.isin(log.person[moves], holders)
        self.memberships(log, moves[~by_hand])
        self.invitations(log, np.flatnonzero(np.isin(kind, (JOIN, INVITE))))
        rows = np.concatenate((moves[by_hand], roles, purchases[~simple], refunds))
        self.replay(log, rows[np.lexsort((log.id[rows], log.ts[rows]))])

    def memberships(self, log: EventLog, rows: Ints) -> None:
        """Count the communities people are in from their joins and leaves, all at once.

        A join into a community one is already in, or a leave from one not joined, changes
        nothing: only a row whose state differs from the one before it for the same person
        and community counts.
        """
        ts, eid, who, cid = log.ts[rows], log.id[rows], log.person[rows], log.community[rows]
        order = np.lexsort((eid, ts, cid, who))
        ts, eid, who, cid = ts[order], eid[order], who[order], cid[order]
        on = log.kind[rows][order] == JOIN
        before = np.zeros(len(on), dtype=np.bool_)
        before[1:] = on[:-1] & (who[1:] == who[:-1]) & (cid[1:] == cid[:-1])
        changed = on != before
        signs = np.where(on[changed], 1, -1).astype(np.int64)
        self.facts["communities"].extend(ts[changed], eid[changed], who[changed], signs)

    def invitations(self, log: EventLog, rows: Ints) -> None:
        """Credit inviters for the joins and invites naming them, and count who they brought.

        An inviter is credited only once they have been seen acting, as in the replay, and
        never for themselves; each person they bring in counts once, at their first join.
        """
        rows = rows[np.lexsort((log.id[rows], log.ts[rows]))]
        inviter, who = log.inviter[rows], log.person[rows]
        ts, eid = log.ts[rows], log.id[rows]
        named = np.where(inviter >= 0, inviter, 0)
        first_ts, first_id = self.first_ts[named], self.first_id[named]
        seen = (first_ts < ts) | ((first_ts == ts) & (first_id < eid))
        rows, inviter, who, ts, eid = (v[seen & (inviter >= 0) & (inviter != who)]
                                       for v in (rows, inviter, who, ts, eid))  # fmt: skip
        joined = log.kind[rows] == JOIN
        cid = log.community[rows]
        for kind, picked in (("referral", joined), ("invite", ~joined)):
            weight, count = self.model.weight(kind), int(picked.sum())
            if weight and count:
                subs, weights = np.ones(count, dtype=np.int8), np.full(count, weight)
                block = (ts[picked], eid[picked], subs, inviter[picked], weights, cid[picked])
                self.credit_blocks.append(block)
        brought = joined & (who >= 0)
        pairs = inviter[brought] * len(self.first_ts) + who[brought]
        first = np.sort(np.unique(pairs, return_index=True)[1])  # each pair's first join
        ts, eid, inviter = ts[brought][first], eid[brought][first], inviter[brought][first]
        self.facts["referrals"].extend(ts, eid, inviter, np.ones(len(first), dtype=np.int64))

    def simple_purchases(self, log: EventLog, rows: Ints) -> None:
        """Count orders bought once and never refunded, all at once."""
        ts, eid, who, amount = log.ts[rows], log.id[rows], log.person[rows], log.amount[rows]
        self.facts["orders"].extend(ts, eid, who, np.ones(len(rows), dtype=np.int64))
        self.facts["spend"].extend(ts, eid, who, amount)
        tier = log.tier[rows]
        at = np.flatnonzero(tier >= 0)
        if len(at):
            # A rung's price, or what was paid when its community has none on record.
            listed = np.array([self.tier_prices.get(name, np.nan) for name in log.tiers])
            price = listed[tier[at]]
            price = np.where(np.isnan(price), amount[at], price)
            self.facts["tier"].extend(ts[at], eid[at], who[at], price)

    def replay(self, log: EventLog, rows: Ints) -> None:
        """Apply the events at positions `rows` of `log` (all with an actor), in (ts, id) order."""
        columns = (log.ts, log.id, log.kind, log.community, log.person)
        picked = zip(rows.tolist(), *(column[rows].tolist() for column in columns), strict=True)
        for i, ts, eid, kind, cid, who in picked:
            if kind == JOIN:
                self.membership(who, ts, eid, cid, True, log.role[i])
            elif kind == LEAVE:
                self.membership(who, ts, eid, cid, False, None)
            elif kind == PERSON:
                self.roles.setdefault(who, {})[cid] = str(log.role[i])
                self.roles_changed(who, ts, eid)
            elif kind == PURCHASE:
                self.purchase(who, ts, eid, i, log)
            elif kind == REFUND:
                self.refund(ts, eid, cid, int(log.order[i]))

    def membership(self, who: int, ts: int, eid: int, cid: int, on: bool, role: str | None) -> None:
        """Join (`on`) or leave a community; a join may carry a role."""
        active = self.active.setdefault(who, {})
        if active.get(cid, False) != on:
            self.facts["communities"].rows.append((ts, eid, who, 1 if on else -1))
        active[cid] = on
        if on and role:
            self.roles.setdefault(who, {})[cid] = str(role)
        self.roles_changed(who, ts, eid)

    def purchase(self, who: int, ts: int, eid: int, i: int, log: EventLog) -> None:
        """Count a paid order once per order key."""
        amount = float(log.amount[i])
        order = int(log.order[i])
        if order in self.orders:
            return
        self.orders[order] = (who, amount)
        self.facts["orders"].rows.append((ts, eid, who, 1))
        self.facts["spend"].rows.append((ts, eid, who, amount))
        tier = int(log.tier[i])
        if tier >= 0:
            price = self.tier_prices.get(log.tiers[tier], amount)
            self.facts["tier"].rows.append((ts, eid, who, price))

    def refund(self, ts: int, eid: int, cid: int, order: int) -> None:
        """Take a counted order back and credit the refund to its buyer."""
        found = self.orders.pop(order, None)
        if found is None:
            return
        buyer, amount = found
        self.facts["orders"].rows.append((ts, eid, buyer, -1))
        self.facts["spend"].rows.append((ts, eid, buyer, -amount))
        self.credit(buyer, ts, eid, 0, "refund", cid)

    def roles_at(self, who: int, ts: int) -> frozenset[str]:
        """Return the person's roles in their active communities at `ts`."""
        history = self.role_sets.get(who)
        if not history:
            return frozenset()
        at = bisect_right(history, ts, key=lambda item: item[0])
        return history[at - 1][1] if at else frozenset()


class _Group:
    """Weighted contributions sorted by (ts, id, sub); a weight per row or per message type."""

    def __init__(
        self,
        ts: Ints,
        eid: Ints,
        sub: Codes,
        who: Ints,
        community: Ints,
        weight: Floats | None = None,
        kind: Codes | None = None,
        weights: Floats | None = None,
    ) -> None:
        self.ts, self.id, self.sub, self.who, self.community = ts, eid, sub, who, community
        self._weight, self._kind, self._weights = weight, kind, weights
        self.lookups = 0
        self._by_person: tuple[Ints, Ints] | None = None

    def weight(self, start: int, stop: int) -> Floats:
        """Return the weights of rows [start, stop)."""
        return self.weights_of(slice(start, stop))

    def weights_of(self, rows: slice | Ints) -> Floats:
        """Return the weights of some rows."""
        if self._weight is not None:
            return self._weight[rows]
        assert self._kind is not None and self._weights is not None
        return self._weights[self._kind[rows]]

    def of(self, who: int) -> Ints:
        """Return the rows of one person (in row order)."""
        self.lookups += 1
        if self._by_person is None and self.lookups <= SCANS:
            return np.flatnonzero(self.who == who)  # a scan: cheaper than an index, for a few
        if self._by_person is None:
            order = np.argsort(self.who, kind="stable")
            people = int(self.who.max(initial=0)) + 2
            self._by_person = (order, np.searchsorted(self.who[order], np.arange(people)))
        order, bounds = self._by_person
        return order[bounds[who] : bounds[who + 1]] if who + 1 < len(bounds) else order[:0]


@dataclass
class _Own:
    """One person's contributions, in (ts, id, sub) order."""

    ts: Ints
    weight: Floats
    community: Ints


class _Exact:
    """One person's engagement replayed event by event, as the step-by-step replay does it."""

    def __init__(
        self, model: EngagementModel, points: list[datetime], point_us: Ints, start: int, own: _Own
    ) -> None:
        self.decay = model.decay_per_30_days
        self.window = timedelta(days=model.window_days) // timedelta(microseconds=1)
        self.points = points
        self.point_us = point_us.tolist()
        self.next_point = start
        credited = own.weight != 0  # weightless contributions are never credited
        self.ts = own.ts[credited].tolist()
        self.weight = own.weight[credited].tolist()
        self.next = 0  # the next contribution to credit
        # The replay's `recent` (credited, not yet out of the window) is ts[oldest:next].
        self.oldest = 0
        self.eng = 0.0
        self.eng_at: int | None = None
        self.aged_at_point: int | None = None  # the checkpoint eng_at is, if it is one
        self.values: dict[int, float] = {}

    def _age(self, ts: int, point: int | None = None) -> None:
        if self.eng_at is not None and ts > self.eng_at:
            if point is not None and self.aged_at_point is not None:
                # Two checkpoints: their datetimes' difference (wall-clock time when they
                # share a time zone, as Python subtracts them), as the replay takes it.
                seconds = (self.points[point] - self.points[self.aged_at_point]).total_seconds()
            else:
                seconds = (ts - self.eng_at) / US
            self.eng *= self.decay ** (seconds / MONTH)
        self.eng_at = ts if self.eng_at is None else max(ts, self.eng_at)
        self.aged_at_point = point
        times, weights = self.ts, self.weight
        while self.oldest < self.next and ts - times[self.oldest] > self.window:
            old = times[self.oldest]
            self.eng -= weights[self.oldest] * self.decay ** (((ts - old) / US) / MONTH)
            self.oldest += 1

    def at(self, k: int) -> float:
        """Return the engagement at checkpoint `k` (checkpoints are asked in order)."""
        times, weights, count = self.ts, self.weight, len(self.ts)
        while self.next_point <= k:
            point = self.point_us[self.next_point]
            while self.next < count and times[self.next] <= point:
                self._age(times[self.next])
                self.eng += weights[self.next]
                self.next += 1
            self._age(point, self.next_point)
            self.values[self.next_point] = self.eng
            self.next_point += 1
        return self.values[k]


def _once(keys: Ints, excluded: Ints) -> NDArray[np.bool_]:
    """Tell which of `keys` (codes: 0, 1, 2…) occur only once and are not in `excluded`."""
    size = 1 + int(max(keys.max(initial=-1), excluded.max(initial=-1)))
    counts = np.bincount(keys, minlength=size)
    counts[excluded] = 0  # as if never bought once
    return counts[keys] == 1


def _first_seen(log: EventLog, size: int) -> tuple[Ints, Ints]:
    """Return, per person id, the (ts, id) of their first event (NEVER when none)."""
    first_ts = np.full(size, NEVER, dtype=np.int64)
    first_id = np.full(size, NEVER, dtype=np.int64)
    # Messages are in (ts, id) order: a person's first is their lowest position.
    first = np.full(size, NEVER, dtype=np.int64)
    for start in range(0, len(log.message_ts), BLOCK):
        stop = min(start + BLOCK, len(log.message_ts))
        np.minimum.at(first, log.message_person[start:stop], np.arange(start, stop))
    seen = first < NEVER
    first_ts[seen] = log.message_ts[first[seen]]
    first_id[seen] = log.message_id[first[seen]]
    acting = log.person >= 0
    who, ts, eid = log.person[acting], log.ts[acting], log.id[acting]
    others_ts = np.full(size, NEVER, dtype=np.int64)
    np.minimum.at(others_ts, who, ts)
    others_id = np.full(size, NEVER, dtype=np.int64)
    at_first = ts == others_ts[who]
    np.minimum.at(others_id, who[at_first], eid[at_first])
    earlier = (others_ts < first_ts) | ((others_ts == first_ts) & (others_id < first_id))
    first_ts[earlier], first_id[earlier] = others_ts[earlier], others_id[earlier]
    return first_ts, first_id


def _near_edge(values: Floats, step: float, tol: Floats) -> NDArray[np.bool_]:
    """Tell which values lie within `tol` of a rounding edge of multiples of `step`."""
    scaled = values / step
    return np.abs(scaled - np.floor(scaled) - 0.5) * step <= tol


def _in_order(ts: Ints, eid: Ints) -> bool:
    """Tell whether rows are in (ts, id) order, ids unique."""
    if not bool(np.all(ts[1:] >= ts[:-1])):
        return False
    # Ids rising throughout (events stored in time order) settle it in one pass; picking out
    # the ties costs more, as times tie often (at 50M, most messages share their second).
    if bool(np.all(eid[1:] > eid[:-1])):
        return True
    tied = np.flatnonzero(ts[1:] == ts[:-1])
    return bool(np.all(eid[tied + 1] > eid[tied]))


def time_order(ts: Ints, eid: Ints) -> Ints | None:
    """Return the order that puts rows in (ts, id) order, None when they are in it."""
    if _in_order(ts, eid):
        return None
    if bool(np.all(eid[1:] > eid[:-1])):
        return np.argsort(ts, kind="stable")  # in id order: a stable sort by time will do
    return np.lexsort((eid, ts))


def _in_time_order(log: EventLog) -> EventLog:
    """Return `log` with its messages in (ts, id) order (readers give them in it or in id order)."""
    order = time_order(log.message_ts, log.message_id)
    if order is None:
        return log
    ts, eid = log.message_ts, log.message_id
    return replace(
        log,
        message_ts=ts[order],
        message_id=eid[order],
        message_person=log.message_person[order],
        message_community=log.message_community[order],
        message_type=log.message_type[order],
    )


class _Replay:
    """The replay of one log: builds the arrays, then walks the checkpoints."""

    def __init__(
        self,
        log: EventLog,
        config: RetainConfig,
        tier_prices: Mapping[str, float],
        points: list[datetime],
    ) -> None:
        self.log = log = _in_time_order(log)
        self.model = config.engagement
        self.rules = config.stages
        self.points = points
        self.point_us = np.array([to_us(p) for p in points], dtype=np.int64)
        self.window = timedelta(days=self.model.window_days) // timedelta(microseconds=1)
        # Every array of people is indexed by person id.
        self.size = 1 + int(
            max(
                log.message_person.max(initial=-1),
                log.person.max(initial=-1),
                log.inviter.max(initial=-1),
            )
        )
        self.first_ts, first_id = _first_seen(log, self.size)
        # The order the replay meets people in: the order of changes at one checkpoint.
        known = np.flatnonzero(self.first_ts < NEVER)
        self.order = np.full(self.size, NEVER, dtype=np.int64)
        self.order[known[np.lexsort((first_id[known], self.first_ts[known]))]] = np.arange(
            len(known)
        )
        self.state = _Stateful(config, tier_prices, self.first_ts, first_id)
        self.state.run(log)
        by_type = np.array([0.0, self.model.weight("reply"), self.model.weight("message")])
        self.groups = (
            _Group(
                log.message_ts,
                log.message_id,
                np.zeros(0, dtype=np.int8),
                log.message_person,
                log.message_community,
                kind=log.message_type,
                weights=by_type,
            ),
            self._other_contributions(),
        )
        self.exacts: dict[int, _Exact] = {}
        self.placements: dict[tuple[Any, ...], tuple[str, str, int]] = {}
        # Each set of roles held has a code, 0 for none; people with no role are not looked up.
        self.role_holders = np.array(sorted(self.state.role_sets), dtype=np.int64)
        self.role_codes: dict[frozenset[str], int] = {frozenset(): 0}
        self.role_groups: list[frozenset[str]] = [frozenset()]
        self.owns: dict[int, _Own] = {}
        self.exact = 0

    def _other_contributions(self) -> _Group:
        """Gather the contributions of the other kinds, sorted by (ts, id, sub)."""
        log, model = self.log, self.model
        parts: list[tuple[NDArray[Any], ...]] = []
        for kind, contribution in ACTOR_CONTRIBUTION.items():
            value = model.weight(contribution)
            rows = np.flatnonzero((log.kind == kind) & (log.person >= 0))
            if value and len(rows):
                zeros = np.zeros(len(rows), dtype=np.int8)
                parts.append(
                    (log.ts[rows], log.id[rows], zeros, log.person[rows], log.community[rows],
                     np.full(len(rows), value))
                )  # fmt: skip
        if self.state.credits:
            columns = list(zip(*self.state.credits, strict=True))
            dtypes = (np.int64, np.int64, np.int8, np.int64, np.float64, np.int64)
            ts, eid, sub, who, weight, cid = (
                np.array(c, dtype=d) for c, d in zip(columns, dtypes, strict=True)
            )
            parts.append((ts, eid, sub, who, cid, weight))
        for ts, eid, sub, who, weight, cid in self.state.credit_blocks:
            parts.append((ts, eid, sub, who, cid, weight))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return _Group(empty, empty, np.zeros(0, np.int8), empty, empty, np.zeros(0))
        ts, eid, sub, who, cid, weight = (np.concatenate(c) for c in zip(*parts, strict=True))
        order = np.lexsort((sub, eid, ts))
        return _Group(ts[order], eid[order], sub[order], who[order], cid[order], weight[order])

    def own(self, who: int) -> _Own:
        """Return one person's contributions, in the order the replay credits them."""
        found = self.owns.get(who)
        if found is not None:
            return found
        parts = []
        for group in self.groups:
            rows = group.of(who)
            sub = group.sub[rows] if len(group.sub) else np.zeros(len(rows), dtype=np.int8)
            weight = group.weights_of(rows)
            parts.append((group.ts[rows], group.id[rows], sub, weight, group.community[rows]))
        ts, eid, sub, weight, cid = (np.concatenate(c) for c in zip(*parts, strict=True))
        order = np.lexsort((sub, eid, ts))
        found = self.owns[who] = _Own(ts[order], weight[order].astype(np.float64), cid[order])
        return found

    def exact_at(self, who: int, k: int) -> float:
        """Return person `who`'s engagement at checkpoint `k`, event by event."""
        exact = self.exacts.get(who)
        if exact is None:
            start = int(np.searchsorted(self.point_us, self.first_ts[who]))
            exact = _Exact(self.model, self.points, self.point_us, start, self.own(who))
            self.exacts[who] = exact
        self.exact += 1
        return exact.at(k)

    def credited(self, point: int) -> list[tuple[int, int]]:
        """Return, per group, the rows [lo, b) credited in the window that ends at `point`."""
        return [
            (
                int(np.searchsorted(g.ts, point - self.window, side="left")),
                int(np.searchsorted(g.ts, point, side="right")),
            )
            for g in self.groups
        ]

    def run(self, starter: Starter = at_once) -> StageHistory:
        """Walk the checkpoints; return the history.

        The engagement table reads only the log, so `starter` may work it out meanwhile.
        """
        if self.points:
            table = starter(lambda: self._scores(self.credited(int(self.point_us[-1]))))
        else:
            table = no_engagement
        size = self.size
        decay = self.model.decay_per_30_days
        lines = engagement_lines(self.rules)
        score = np.zeros(size)
        mass = np.zeros(size)  # all weight ever credited, which bounds float error
        stage = np.full(size, NONE, dtype=np.int8)
        promoted = np.zeros(size, dtype=np.int64)  # checkpoint of the last promotion
        facts = _FactState(self.state, size)
        history = StageHistory([], no_places(), no_engagement())
        bounds = [(0, 0)] * len(self.groups)  # per group: (lo, b) at the last checkpoint
        for k, point in enumerate(self.point_us.tolist()):
            facts.advance(point)
            # Engagement: carried from the last checkpoint, plus what entered the window,
            # minus what left it.
            now = self.credited(point)
            if k:
                elapsed = decay ** (((point - int(self.point_us[k - 1])) / US) / MONTH)
                # Someone credited since the last checkpoint was aged by real time; anyone
                # else from checkpoint to checkpoint, by their datetimes' difference (which
                # Python takes as wall-clock time when both share a zone: across a DST
                # change the replay counts 7 × 24 h). Elsewhere the two are equal.
                between = (self.points[k] - self.points[k - 1]).total_seconds()
                stepped = decay ** (between / MONTH)
                if stepped == elapsed:
                    score *= elapsed
                else:
                    credited = np.zeros(size, dtype=np.bool_)
                    for g, (_, b_prev), (_, b) in zip(self.groups, bounds, now, strict=True):
                        given = g.weight(b_prev, b) != 0
                        credited |= np.bincount(g.who[b_prev:b], given, minlength=size) > 0
                    score *= np.where(credited, elapsed, stepped)
            for g, (lo_prev, b_prev), (lo, b) in zip(self.groups, bounds, now, strict=True):
                for start, stop, sign in (
                    (max(b_prev, lo), b, 1.0),
                    (lo_prev, min(b_prev, lo), -1.0),
                ):
                    for a in range(start, stop, BLOCK):
                        z = min(a + BLOCK, stop)
                        age = ((point - g.ts[a:z]) / US) / MONTH
                        worth = g.weight(a, z) * np.power(decay, age)
                        score += sign * np.bincount(g.who[a:z], worth, minlength=size)
                for a in range(b_prev, b, BLOCK):
                    z = min(a + BLOCK, b)
                    mass += np.bincount(g.who[a:z], np.abs(g.weight(a, z)), minlength=size)
            bounds = now
            present = self.first_ts <= point
            if present.any():
                final = k == len(self.points) - 1
                self._place(k, present, score, mass, lines, stage, promoted, facts, final, history)
        history.engagement = table()
        history.exact = self.exact
        return history

    def _place(
        self,
        k: int,
        present: NDArray[np.bool_],
        score: Floats,
        mass: Floats,
        lines: tuple[float, ...],
        stage: Codes,
        promoted: Ints,
        facts: _FactState,
        final: bool,
        history: StageHistory,
    ) -> None:
        """Place the people present at checkpoint `k`; record changes (and final places)."""
        eng = np.maximum(score, 0.0)
        tol = TOLERANCE * np.maximum(1.0, eng) + MASS_TOLERANCE * mass
        near = np.zeros(len(eng), dtype=np.bool_)
        for line in lines:
            near |= np.abs(eng - line) <= tol
        near &= present
        exact = np.zeros(len(eng), dtype=np.bool_)
        for who in np.flatnonzero(near).tolist():
            eng[who] = max(0.0, self.exact_at(who, k))
            exact[who] = True
        arrays = facts.arrays(eng)
        grace = timedelta(days=self.rules.grace_days)
        # `as_of - promoted_at < grace` on the checkpoints' datetimes, as `place` takes it.
        in_grace = np.array([self.points[k] - self.points[j] < grace for j in range(k + 1)])
        placed = place_many(arrays, self.rules, stage, in_grace[promoted])
        rows = np.flatnonzero(present if final else present & (placed != stage))
        rows = rows[np.argsort(self.order[rows])]  # in the order the replay meets people
        # Where a reason or a stored score shows engagement, its last bits could show.
        edge = _near_edge(eng[rows], 0.1, tol[rows]) | _near_edge(eng[rows], 0.001, tol[rows])
        for who in rows[edge & ~exact[rows]].tolist():
            eng[who] = max(0.0, self.exact_at(who, k))
        spend = facts.values["spend"]
        self._word(k, rows, eng, lines, arrays, spend, stage, promoted, in_grace, placed, final,
                   history)  # fmt: skip
        placed[~present] = stage[~present]
        promoted[placed > stage] = k
        stage[:] = placed

    def _word(
        self,
        k: int,
        rows: Ints,
        eng: Floats,
        lines: tuple[float, ...],
        arrays: FactArrays,
        spend: Floats,
        stage: Codes,
        promoted: Ints,
        in_grace: NDArray[np.bool_],
        placed: Codes,
        final: bool,
        history: StageHistory,
    ) -> None:
        """Give `rows` (in meeting order) their stage and reason from `place`; record changes.

        `place` reads engagement only through comparisons with `lines` and its one-decimal
        text, and the promotion time only through the grace test: people alike in those and
        in every other fact it reads get the same placement, so it is worked out once per
        group of them (and remembered across checkpoints).
        """
        shown = eng[rows]
        held = stage[rows]
        below = np.zeros(len(rows), dtype=np.int64)
        for bit, line in enumerate(lines):
            below |= (shown < line).astype(np.int64) << bit
        tier = arrays.top_tier_price[rows]
        columns = (  # spend is not among them: `place` never reads it
            tenths(shown),
            np.signbit(shown).astype(np.int64),  # -0.0 reads "-0.0"
            below,
            arrays.communities[rows],
            self._role_codes(rows, int(self.point_us[k])),
            arrays.orders[rows],
            tier,
            arrays.referrals[rows],
            held.astype(np.int64),
            ((held >= 0) & in_grace[promoted[rows]]).astype(np.int64),
        )
        first, group = group_rows(columns)
        as_of = self.points[k]
        found: list[tuple[str, str, int]] = []
        keys = zip(*(column[first].tolist() for column in columns), strict=True)
        for i, key in zip(first.tolist(), keys, strict=True):
            placement = self.placements.get(key)
            if placement is None:
                who, before = int(rows[i]), STAGES[held[i]] if held[i] >= 0 else None
                person = PersonFacts(
                    float(shown[i]), int(columns[3][i]), self.role_groups[int(columns[4][i])],
                    int(columns[5][i]), float(spend[who]), float(tier[i]), int(columns[7][i]),
                )  # fmt: skip
                since = self.points[int(promoted[who])] if before else None
                result = place(person, self.rules, current=before, promoted_at=since, as_of=as_of)
                placement = self.placements[key] = (result.stage, result.reason, rank(result.stage))
            found.append(placement)
        ranks = np.array([f[2] for f in found], dtype=np.int8)[group]
        wrong = ranks != placed[rows]
        history.disagreements += int(wrong.sum())
        placed[rows[wrong]] = ranks[wrong]
        names = np.array([*STAGES, None], dtype=object)  # a rank of -1 names no stage
        reasons = np.array([f[1] for f in found], dtype=object)[group]
        moved = ranks != held
        who, before, after = rows[moved], held[moved], ranks[moved]
        why, score = reasons[moved].tolist(), rounded(shown[moved], 3)
        history.changes.extend(
            zip(
                who.tolist(),
                repeat(as_of),
                names[before].tolist(),
                names[after].tolist(),
                why,
                score.tolist(),
                strict=False,  # `repeat` is endless
            )
        )
        history.digests.append(change_digest(int(self.point_us[k]), who, before, after, why, score))
        if final:
            history.people = Places(rows, ranks, reasons.tolist())

    def _role_codes(self, rows: Ints, point: int) -> Ints:
        """Return a code for the roles each row's person holds at `point` (0: none)."""
        codes = np.zeros(len(rows), dtype=np.int64)
        for i in np.flatnonzero(np.isin(rows, self.role_holders)).tolist():
            roles = self.state.roles_at(int(rows[i]), point)
            code = self.role_codes.get(roles)
            if code is None:
                code = self.role_codes[roles] = len(self.role_groups)
                self.role_groups.append(roles)
            codes[i] = code
        return codes

    def _scores(self, bounds: list[tuple[int, int]]) -> EngagementTable:
        """Return the engagement per (person, community) at the newest checkpoint."""
        log = self.log
        point = int(self.point_us[-1])
        decay = self.model.decay_per_30_days
        width = 1 + int(max(log.message_community.max(initial=-1), log.community.max(initial=-1)))

        def scored() -> Iterator[tuple[Ints, Floats]]:
            """Yield (person × community key, worth) of what is credited in the window."""
            for g, (lo, b) in zip(self.groups, bounds, strict=True):
                for a in range(lo, b, TABLE_BLOCK):
                    z = min(a + TABLE_BLOCK, b)
                    weight, ts, who, cid = g.weight(a, z), g.ts[a:z], g.who[a:z], g.community[a:z]
                    # Weightless rows add nothing (and their cells are kept as seen anyway);
                    # only rows outside any community must go, and there seldom are any.
                    placed = cid >= 0
                    if not placed.all():
                        weight, ts, who, cid = weight[placed], ts[placed], who[placed], cid[placed]
                    yield who * width + cid, weight * np.power(decay, ((point - ts) / US) / MONTH)

        def seen() -> Iterator[tuple[Ints, Ints]]:
            """Yield (key, ts) of every event that marks a person active in a community."""
            for a in range(0, len(log.message_ts), TABLE_BLOCK):
                z = min(a + TABLE_BLOCK, len(log.message_ts))
                keep = log.message_community[a:z] >= 0
                keys = log.message_person[a:z][keep] * width + log.message_community[a:z][keep]
                yield keys, log.message_ts[a:z][keep]
            active = np.isin(log.kind, ACTIVE_KINDS) & (log.person >= 0) & (log.community >= 0)
            yield log.person[active] * width + log.community[active], log.ts[active]

        if self.size * width <= DENSE_CELLS:
            every: Ints | None = None  # a dense table: the key is the cell
            cells = self.size * width
        else:  # too many communities for a dense table: only the keys that occur
            occurring = [k for k, _ in scored()] + [k for k, _ in seen()]
            every = np.unique(np.concatenate(occurring)) if occurring else np.zeros(0, np.int64)
            cells = len(every)
        total = np.zeros(cells)
        size = np.zeros(cells)
        counted = np.zeros(cells, dtype=np.bool_)
        latest = np.full(cells, NOT_SEEN, dtype=np.int64)
        for keys, worth in scored():
            at = keys if every is None else np.searchsorted(every, keys)
            summed = np.bincount(at, worth, minlength=cells)
            total += summed
            # With no negative worth (messages) the sizes are the same sums.
            negative = bool((worth < 0).any())
            size += np.bincount(at, np.abs(worth), minlength=cells) if negative else summed
            counted[at] = True
        for keys, ts in seen():
            at = keys if every is None else np.searchsorted(every, keys)
            np.maximum.at(latest, at, ts)
        kept = np.flatnonzero(counted | (latest != NOT_SEEN))
        keys_kept = kept if every is None else every[kept]
        total, size, latest = total[kept], size[kept], latest[kept]
        edge = _near_edge(np.maximum(total, 0.0), 0.001, TOLERANCE * np.maximum(1.0, size))
        for u in np.flatnonzero(edge).tolist():
            who, cid = divmod(int(keys_kept[u]), width)
            total[u] = self._exact_score(who, cid, point)
        return EngagementTable(
            keys_kept // width, keys_kept % width, rounded(np.maximum(total, 0.0), 3), latest,
            self.points[-1],
        )  # fmt: skip

    def _exact_score(self, who: int, cid: int, point: int) -> float:
        """Return one person's engagement in one community at `point`, summed in order."""
        own = self.own(who)
        age = point - own.ts
        keep = (own.community == cid) & (age >= 0) & (age <= self.window) & (own.weight != 0)
        factor = np.array([self.model.factor(a / US) for a in age[keep].tolist()])
        if not len(factor):
            return 0.0
        # A cumulative sum adds in order, one term after another, like `+=` in a loop.
        return float(np.cumsum(own.weight[keep] * factor)[-1])


class _FactState:
    """Everyone's facts (communities, role flags, orders…) as of the current checkpoint."""

    def __init__(self, state: _Stateful, size: int) -> None:
        floats = ("spend", "tier")
        self.values: dict[str, NDArray[Any]] = {
            name: np.zeros(size, dtype=np.float64 if name in floats else np.int64)
            for name in state.facts
        }
        self.changes = {
            name: f.arrays(self.values[name].dtype.type) for name, f in state.facts.items()
        }
        self.applied = dict.fromkeys(state.facts, 0)

    def advance(self, point: int) -> None:
        """Apply every change up to and including `point`, in order."""
        for name, (ts, who, value) in self.changes.items():
            upto = int(np.searchsorted(ts, point, side="right"))
            rows = slice(self.applied[name], upto)
            if name == "tier":  # the dearest rung bought: refunds never lower it
                np.maximum.at(self.values[name], who[rows], value[rows])
            else:
                np.add.at(self.values[name], who[rows], value[rows])
            self.applied[name] = upto

    def arrays(self, engagement: Floats) -> FactArrays:
        """Return everyone's facts for `place_many`."""
        v = self.values
        return FactArrays(
            engagement=engagement,
            communities=v["communities"],
            partner_role=v["partner"] > 0,
            iron_fan_role=v["iron"] > 0,
            orders=v["orders"],
            top_tier_price=v["tier"],
            referrals=v["referrals"],
        )


def replay_log(
    log: EventLog,
    config: RetainConfig,
    tier_prices: Mapping[str, float],
    points: list[datetime],
    starter: Starter = at_once,
) -> StageHistory:
    """Replay `log`, placing everyone at each of `points`; return the stage history.

    `starter` is handed the engagement table's work (by default it is done at once).
    """
    if not len(log.message_ts) and not len(log.ts):
        return StageHistory([], no_places(), no_engagement())
    return _Replay(log, config, tier_prices, points).run(starter)
