"""The reference stage recompute: the event-by-event `Replay` the service used before it was
vectorised, kept verbatim so tests and benchmarks/stages.py can hold the fast recompute to it.

`recompute_stages_reference` is the old service function (it writes, like the new one);
`replay_reference` returns the replay's results without writing.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_engagement import DAY, contribution_kinds, credited_inviter
from quanzi.domain.retain_stages import PersonFacts, place, rank
from quanzi.services.retain_stages import RecomputeReport, checkpoints
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow

KINDS = ("join", "leave", "person", "message", "purchase", "refund", "invite", "activity", "attend")
CHUNK = 5000


@dataclass
class _Person:
    """One person's running state during the replay."""

    eng: float = 0.0
    eng_at: datetime | None = None
    recent: deque[tuple[datetime, float, int | None]] = field(default_factory=deque)
    active: dict[int, bool] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    orders: int = 0
    spend: float = 0.0
    top_tier: float = 0.0
    referrals: set[str] = field(default_factory=set)
    stage: str | None = None
    promoted_at: datetime | None = None
    reason: str = ""
    last_active: dict[int, datetime] = field(default_factory=dict)


class Replay:
    """Applies events in time order and places everyone at each checkpoint."""

    def __init__(self, config: RetainConfig, tier_prices: dict[str, float]) -> None:
        self.model = config.engagement
        self.rules = config.stages
        self.tier_prices = tier_prices
        self.people: dict[int, _Person] = defaultdict(_Person)
        self.keys: dict[str, int] = {}
        self.orders: dict[str, tuple[int, float]] = {}
        self.changes: list[dict[str, Any]] = []
        self.decay = self.model.decay_per_30_days
        self.window = timedelta(days=self.model.window_days)

    def _credit(self, pid: int, ts: datetime, kind: str, community: int | None) -> None:
        weight = self.model.weight(kind)
        if not weight:
            return
        person = self.people[pid]
        self._age(person, ts)
        person.eng += weight
        person.recent.append((ts, weight, community))

    def _age(self, person: _Person, ts: datetime) -> None:
        """Decay the running score to `ts` and drop what fell out of the window."""
        if person.eng_at is not None and ts > person.eng_at:
            person.eng *= self.decay ** ((ts - person.eng_at).total_seconds() / (30 * DAY))
        person.eng_at = ts if person.eng_at is None else max(ts, person.eng_at)
        while person.recent and ts - person.recent[0][0] > self.window:
            old_ts, weight, _ = person.recent.popleft()
            person.eng -= weight * self.decay ** ((ts - old_ts).total_seconds() / (30 * DAY))

    def apply(self, row: Any) -> None:
        """Apply one event row (id, ts, kind, community_id, person_id, payload)."""
        _, ts, kind, cid, pid, payload = row
        key = payload.get("person")
        if pid is not None and isinstance(key, str):
            self.keys[key] = pid
        if pid is not None:
            person = self.people[pid]
            if kind in ("message", "attend", "purchase", "activity") and cid is not None:
                person.last_active[cid] = ts
            if kind == "join" and cid is not None:
                person.active[cid] = True
                if payload.get("role"):
                    person.roles[cid] = payload["role"]
            elif kind == "leave" and cid is not None:
                person.active[cid] = False
            elif kind == "person" and cid is not None and payload.get("role"):
                person.roles[cid] = payload["role"]
            elif kind == "purchase":
                self._purchase(pid, payload)
            elif kind == "refund":
                self._refund(ts, cid, payload)
            for contribution in contribution_kinds(kind, payload, key):
                if contribution != "refund":
                    self._credit(pid, ts, contribution, cid)
        credited = credited_inviter(kind, payload, key)
        if credited is not None and credited[0] in self.keys:
            inviter = self.keys[credited[0]]
            self._credit(inviter, ts, credited[1], cid)
            if kind == "join" and isinstance(key, str):
                self.people[inviter].referrals.add(key)

    def _purchase(self, pid: int, payload: dict[str, Any]) -> None:
        person = self.people[pid]
        amount = float(payload.get("amount") or 0)
        order = str(payload.get("order") or payload.get("id"))
        if order in self.orders:
            return
        self.orders[order] = (pid, amount)
        person.orders += 1
        person.spend += amount
        item = str(payload.get("item") or "")
        if item.startswith("tier:"):
            person.top_tier = max(person.top_tier, self.tier_prices.get(item[5:], amount))

    def _refund(self, ts: datetime, cid: int | None, payload: dict[str, Any]) -> None:
        found = self.orders.pop(str(payload.get("order")), None)
        if found is None:
            return
        buyer, amount = found
        person = self.people[buyer]
        person.orders -= 1
        person.spend -= amount
        self._credit(buyer, ts, "refund", cid)

    def checkpoint(self, at: datetime) -> None:
        """Place everyone known at `at`; record each change of stage."""
        for pid, person in self.people.items():
            self._age(person, at)
            active = [c for c, on in person.active.items() if on]
            facts = PersonFacts(
                engagement=max(0.0, person.eng),
                communities=len(active),
                roles=frozenset(person.roles[c] for c in active if c in person.roles),
                orders=person.orders,
                spend=person.spend,
                top_tier_price=person.top_tier,
                referrals=len(person.referrals),
            )
            placed = place(
                facts,
                self.rules,
                current=person.stage,
                promoted_at=person.promoted_at,
                as_of=at,
            )
            person.reason = placed.reason
            if placed.stage != person.stage:
                if rank(placed.stage) > rank(person.stage):
                    person.promoted_at = at
                self.changes.append(
                    {
                        "person_id": pid,
                        "ts": at,
                        "from_stage": person.stage,
                        "to_stage": placed.stage,
                        "reason": placed.reason,
                        "engagement": round(facts.engagement, 3),
                    }
                )
                person.stage = placed.stage

    def community_scores(self, at: datetime) -> Iterator[dict[str, Any]]:
        """Yield each person's engagement per community at `at`."""
        for pid, person in self.people.items():
            scores: dict[int, float] = defaultdict(float)
            for ts, weight, cid in person.recent:
                if cid is not None:
                    scores[cid] += weight * self.model.factor((at - ts).total_seconds())
            for cid in set(scores) | set(person.last_active):
                yield {
                    "person_id": pid,
                    "community_id": cid,
                    "score": round(max(0.0, scores.get(cid, 0.0)), 3),
                    "last_active": person.last_active.get(cid),
                    "as_of": at,
                }


FIELDS = ("person", "inviter", "role", "reply_to", "msg_type", "item", "order", "id")


def _events(session: Session) -> Iterator[tuple[Any, ...]]:
    """Yield (id, ts, kind, community, person, payload subset) in time order.

    The database pulls the few payload fields the replay reads: decoding every event's
    whole JSON in Python would cost more than the replay itself.
    """
    payload = m.Event.payload
    query = (
        select(m.Event.id, m.Event.ts, m.Event.kind, m.Event.community_id, m.Event.person_id)
        .add_columns(*(payload[name].as_string() for name in FIELDS), payload["amount"].as_float())
        .where(m.Event.kind.in_(KINDS))
        .order_by(m.Event.ts, m.Event.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(query):
        fields = {name: value for name, value in zip(FIELDS, row[5:], strict=False) if value}
        if row[-1] is not None:
            fields["amount"] = row[-1]
        yield (*row[:5], fields)


def _replayed(
    session: Session, config: RetainConfig, tz: ZoneInfo, first: Any, last: Any
) -> tuple[Replay, list[datetime]]:
    """Replay the whole log in time order, placing everyone at each checkpoint."""
    prices = {c.key: c.price for c in session.scalars(select(m.Community))}
    replay = Replay(config, prices)
    points = checkpoints(first, last, tz) if first is not None else []
    pending = deque(points)
    for row in _events(session):
        while pending and row[1] > pending[0]:
            replay.checkpoint(pending.popleft())
        replay.apply(row)
    while pending:
        replay.checkpoint(pending.popleft())
    return replay, points


def recompute_stages_reference(
    engine: Engine, config: RetainConfig | None = None, *, timezone: str | None = None
) -> RecomputeReport:
    """Replay the log, rebuild the stage history, and write every person's stage and reason."""
    config = config or RetainConfig()
    tz = ZoneInfo(timezone or get_settings().timezone)
    with transaction(engine) as session:
        first, last, newest = session.execute(
            select(func.min(m.Event.ts), func.max(m.Event.ts), func.max(m.Event.id))
        ).one()
        replay, points = _replayed(session, config, tz, first, last)
        session.execute(delete(r.StageChange))
        session.execute(delete(r.Engagement))
        for start in range(0, len(replay.changes), CHUNK):
            batch = replay.changes[start : start + CHUNK]
            session.execute(insert(m.table(r.StageChange)), batch)
        if last is not None:
            rows = list(replay.community_scores(last))
            for start in range(0, len(rows), CHUNK):
                session.execute(insert(m.table(r.Engagement)), rows[start : start + CHUNK])
        stages: dict[str, int] = defaultdict(int)
        updates = []
        for pid in session.scalars(select(m.Person.id)):
            person = replay.people.get(pid)
            stage = person.stage if person and person.stage else "user"
            reason = person.reason if person and person.stage else "普通用户：不在任何社群中"
            stages[stage] += 1
            updates.append({"id": pid, "stage": stage, "stage_reason": reason})
        for start in range(0, len(updates), CHUNK):
            session.execute(update(m.Person), updates[start : start + CHUNK])
        session.add(
            r.StageRun(
                as_of=last or utcnow(),
                computed_at=utcnow(),
                last_event_id=newest or 0,
                people=len(updates),
                changes=len(replay.changes),
            )
        )
    return RecomputeReport(last, len(updates), len(replay.changes), len(points), dict(stages))


@dataclass
class ReferenceResult:
    """What the reference replay computed: history rows, engagement rows, final places."""

    changes: list[dict[str, Any]]
    engagement: list[dict[str, Any]]
    people: dict[int, tuple[str, str]]
    checkpoints: int


def replay_reference(
    engine: Engine, config: RetainConfig | None = None, *, timezone: str | None = None
) -> ReferenceResult:
    """Run the reference replay over the store and return its results (nothing is written)."""
    config = config or RetainConfig()
    tz = ZoneInfo(timezone or get_settings().timezone)
    with reading(engine) as session:
        first, last = session.execute(select(func.min(m.Event.ts), func.max(m.Event.ts))).one()
        replay, points = _replayed(session, config, tz, first, last)
        rows = list(replay.community_scores(last)) if last is not None else []
        people = {}
        for pid in session.scalars(select(m.Person.id)):
            person = replay.people.get(pid)
            if person and person.stage:
                people[pid] = (person.stage, person.reason)
            else:
                people[pid] = ("user", "普通用户：不在任何社群中")
    return ReferenceResult(replay.changes, rows, people, len(points))
