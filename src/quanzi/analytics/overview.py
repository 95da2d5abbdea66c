"""The console's overview: communities with members and activity, daily joins/leaves, mix."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Engine,
    Select,
    distinct,
    func,
    literal_column,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from quanzi.config import get_settings
from quanzi.domain import vocab
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models import utcnow
from quanzi.store.models_metrics import MetricFill, MetricValue

ACTIVE_DAYS = 7
FLOW_DAYS = 30
# Every time zone in use today is offset from UTC by a multiple of 15 minutes, so counts
# per quarter hour (done in SQL) regroup exactly into local days (done in Python).
BUCKET_SECONDS = 900
FILLED = ("events", "joins", "leaves")  # the metrics the overview can read instead of events


class epoch_bucket(FunctionElement[int]):
    """`floor(unix_seconds(ts) / size)` for a UTC timestamp column, on each backend."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_bucket"


@compiles(epoch_bucket)
def _epoch_bucket_default(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    ts, size = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {ts}) / {size}) AS BIGINT)"


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps naive UTC text; '%s' reads it as UTC and integer division floors it.
    ts, size = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(STRFTIME('%s', {ts}) AS INTEGER) / {size})"


@dataclass
class CommunityRow:
    """One community with its declared facts and its headline numbers."""

    key: str
    name: str
    carrier: str | None
    carrier_label: str
    purpose: str | None
    purpose_label: str
    model: str | None
    model_label: str
    price: float
    ladder: str | None
    rank: int | None
    members: int = 0
    active_7d: int = 0
    joins_30d: int = 0
    leaves_30d: int = 0


@dataclass
class DayFlow:
    """Joins and leaves on one local day."""

    day: date
    joins: int = 0
    leaves: int = 0


@dataclass
class KindCount:
    """How many events of one kind the log holds."""

    kind: str
    label: str
    count: int


@dataclass
class Totals:
    """Installation-wide headline numbers."""

    communities: int = 0
    people: int = 0
    members: int = 0
    active_7d: int = 0
    joins_30d: int = 0
    leaves_30d: int = 0
    events: int = 0


@dataclass
class Overview:
    """Everything the overview page shows; windows end at `as_of`, the newest event."""

    as_of: datetime
    timezone: str
    communities: list[CommunityRow] = field(default_factory=list)
    daily: list[DayFlow] = field(default_factory=list)
    event_mix: list[KindCount] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data (dates as ISO strings)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        for point in data["daily"]:
            point["day"] = point["day"].isoformat()
        return data


def _label(labels: dict[str, str], value: str | None) -> str:
    if value is None:
        return "未声明"
    return labels.get(value, value)


def _order(row: CommunityRow) -> tuple[Any, ...]:
    # Rungs of each ladder first, bottom up; then the other communities by purpose.
    # Sorted here because SQLite and PostgreSQL put NULLs at opposite ends.
    purpose = list(vocab.PURPOSES).index(row.purpose) if row.purpose in vocab.PURPOSES else 9
    return (row.ladder is None, row.ladder or "", row.rank or 0, purpose, row.price, row.key)


def _community_rows(session: Session) -> dict[int, CommunityRow]:
    rows = {
        c.id: CommunityRow(
            key=c.key,
            name=c.name or c.key,
            carrier=c.carrier,
            carrier_label=_label(vocab.CARRIERS, c.carrier),
            purpose=c.purpose,
            purpose_label=_label(vocab.PURPOSES, c.purpose),
            model=c.model,
            model_label=_label(vocab.MODELS, c.model),
            price=c.price,
            ladder=c.ladder,
            rank=c.rank,
        )
        for c in session.scalars(select(m.Community))
    }
    return dict(sorted(rows.items(), key=lambda item: _order(item[1])))


def _per_community(session: Session, query: Select[Any, Any]) -> dict[int | None, int]:
    return {community_id: count for community_id, count in session.execute(query)}


def _in_window(kind: str, since: datetime, until: datetime, ids: list[int]) -> tuple[Any, ...]:
    """Events of `kind` in (since, until] in these communities, found by the index of
    (community, kind, time, person) alone."""
    return (m.Event.community_id.in_(ids), m.Event.kind == kind, m.Event.ts > since,
            m.Event.ts <= until)  # fmt: skip


def _unplaced(kind: str, since: datetime, until: datetime) -> tuple[Any, ...]:
    """Events of `kind` in (since, until] in no community (the same index, at NULL)."""
    return (m.Event.community_id.is_(None), m.Event.kind == kind, m.Event.ts > since,
            m.Event.ts <= until)  # fmt: skip


def _fill_counts(
    session: Session, rows: dict[int, CommunityRow], as_of: datetime, totals: Totals
) -> None:
    """Fill members, 7-day actives and 30-day joins/leaves per community and in total."""
    active_member = m.Membership.status == "active"
    members = select(m.Membership.community_id, func.count()).where(active_member)
    members_by = _per_community(session, members.group_by(m.Membership.community_id))
    totals.members = (
        session.scalar(select(func.count(distinct(m.Membership.person_id))).where(active_member))
        or 0
    )
    ids = list(rows)
    since = as_of - timedelta(days=ACTIVE_DAYS)
    speakers = func.count(distinct(m.Event.person_id))
    talked = _in_window("message", since, as_of, ids)
    active = select(m.Event.community_id, speakers).where(*talked)
    active_by = _per_community(session, active.group_by(m.Event.community_id))
    # Everyone who spoke, in a community or in none, each counted once; messages in no
    # community are rare, and only when there are some is the slower union needed.
    aside = _unplaced("message", since, as_of)
    if session.scalar(select(m.Event.id).where(*aside).limit(1)) is None:
        totals.active_7d = session.scalar(select(speakers).where(*talked)) or 0
    else:
        anyone = union(
            select(m.Event.person_id).where(*talked), select(m.Event.person_id).where(*aside)
        ).subquery()
        totals.active_7d = session.scalar(select(func.count(anyone.c.person_id))) or 0
    since = as_of - timedelta(days=FLOW_DAYS)
    flows: dict[str, dict[int | None, int]] = {}
    for kind in ("join", "leave"):
        query = select(m.Event.community_id, func.count()).where(
            *_in_window(kind, since, as_of, ids)
        )
        flows[kind] = _per_community(session, query.group_by(m.Event.community_id))
        unplaced = session.scalar(select(func.count()).where(*_unplaced(kind, since, as_of)))
        if unplaced:
            flows[kind][None] = unplaced
    totals.joins_30d = sum(flows["join"].values())
    totals.leaves_30d = sum(flows["leave"].values())
    for community_id, row in rows.items():
        row.members = members_by.get(community_id, 0)
        row.active_7d = active_by.get(community_id, 0)
        row.joins_30d = flows["join"].get(community_id, 0)
        row.leaves_30d = flows["leave"].get(community_id, 0)


def filled(session: Session, tz_name: str) -> bool:
    """Tell whether the metric tables hold the overview's figures for every event, in `tz_name`."""
    if tz_name != get_settings().timezone:  # the fill cuts days in the configured zone
        return False
    newest = session.scalar(select(func.max(m.Event.id))) or 0
    states = session.execute(
        select(MetricFill.state, MetricFill.last_event_id).where(MetricFill.metric.in_(FILLED))
    ).all()
    return len(states) == len(FILLED) and all(
        state == "done" and last >= newest for state, last in states
    )


def _daily_counts(session: Session, tz: ZoneInfo) -> dict[date, dict[str, int]]:
    """Joins and leaves per local day, counted from the event log."""
    bucket = epoch_bucket(m.Event.ts, literal_column(str(BUCKET_SECONDS)))
    query = (
        select(bucket, m.Event.kind, func.count())
        .where(m.Event.kind.in_(("join", "leave")))
        .group_by(bucket, m.Event.kind)
    )
    counts: dict[date, dict[str, int]] = defaultdict(lambda: {"join": 0, "leave": 0})
    for start, kind, count in session.execute(query):
        day = datetime.fromtimestamp(int(start) * BUCKET_SECONDS, UTC).astimezone(tz).date()
        counts[day][kind] += count
    return counts


def _daily_counts_filled(session: Session) -> dict[date, dict[str, int]]:
    """Joins and leaves per local day, read from the filled metric tables."""
    query = (
        select(MetricValue.day, MetricValue.metric, func.sum(MetricValue.value))
        .where(MetricValue.metric.in_(("joins", "leaves")))
        .group_by(MetricValue.day, MetricValue.metric)
    )
    counts: dict[date, dict[str, int]] = defaultdict(lambda: {"join": 0, "leave": 0})
    for day, metric, value in session.execute(query):
        counts[day][metric.removesuffix("s")] += round(value)
    return counts


def _daily(
    counts: dict[date, dict[str, int]], first: datetime, as_of: datetime, tz: ZoneInfo
) -> list[DayFlow]:
    """Joins and leaves per local day from the first event's day to `as_of`'s day."""
    day, last = first.astimezone(tz).date(), as_of.astimezone(tz).date()
    series: list[DayFlow] = []
    while day <= last:
        found = counts.get(day)
        series.append(DayFlow(day, found["join"], found["leave"]) if found else DayFlow(day))
        day += timedelta(days=1)
    return series


def _event_mix(session: Session, from_metrics: bool) -> list[KindCount]:
    if from_metrics:
        value = func.sum(MetricValue.value)
        query = select(MetricValue.key, value).where(MetricValue.metric == "events")
        query = query.group_by(MetricValue.key)
    else:
        query = select(m.Event.kind, func.count()).group_by(m.Event.kind)
    mix = [
        KindCount(kind, vocab.KINDS.get(kind, kind), round(count))
        for kind, count in session.execute(query)
    ]
    return sorted(mix, key=lambda k: (-k.count, k.kind))


def build_overview(engine: Engine, *, timezone: str | None = None) -> Overview:
    """Compute the overview; "now" is the newest event's time so replayed history looks live."""
    tz_name = timezone or get_settings().timezone
    tz = ZoneInfo(tz_name)
    with reading(engine) as session:
        # Two single-aggregate queries: SQLite answers each from the index, not a scan.
        first = session.scalar(select(func.min(m.Event.ts)))
        last = session.scalar(select(func.max(m.Event.ts)))
        as_of = last or utcnow()
        overview = Overview(as_of=as_of.astimezone(tz), timezone=tz_name)
        rows = _community_rows(session)
        totals = overview.totals
        _fill_counts(session, rows, as_of, totals)
        overview.communities = list(rows.values())
        # Past a few million events the two full scans dominate; the metric tables, once
        # `quanzi analytics update` has filled them to the newest event, answer in a blink.
        from_metrics = filled(session, tz_name)
        if first is not None:
            counts = _daily_counts_filled(session) if from_metrics else _daily_counts(session, tz)
            overview.daily = _daily(counts, first, as_of, tz)
        overview.event_mix = _event_mix(session, from_metrics)
        totals.communities = len(rows)
        totals.people = session.scalar(select(func.count()).select_from(m.Person)) or 0
        totals.events = sum(k.count for k in overview.event_mix)
    return overview
