"""Recompute everyone's relationship stage by replaying the event log week by week.

The replay places every person at each local Monday 00:00 from the first event on, and at
the newest event, so the stage history shows how people moved between stages over time.
History is derived state: each run rebuilds it from the log, so it always agrees with the
rules in force and with events that arrived late. One transaction per run.

The log is read in two passes (messages, which are nearly all of it, with only their time,
people and type; then the rarer kinds with the payload fields their rules read) and
replayed as arrays by `domain.retain_replay`; on a large log a forked child works out the
engagement table meanwhile, on a second core. `retain_stages_write` writes the results. An
event's actor is its `person_id`: ingest sets it from the payload's `person`, so the key
and the id name the same person.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quanzi.collector import collector_paused
from quanzi.config import get_settings
from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_replay import (
    KINDS,
    EventLog,
    order_codes,
    replay_log,
    tier_codes,
    to_us,
)
from quanzi.parallel import at_once, in_child
from quanzi.services.retain_stages_write import FETCH, digests_of, last_digests, write_results
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import chunked, raw_cursor, reading, transaction
from quanzi.store.models import utcnow
from quanzi.store.stage_log import (
    FIELDS,
    KIND_LIST,
    PAYLOAD_KINDS,
    SQLITE_MESSAGE_TYPE,
    MessagePacking,
    message_type,
)

# From how many events a forked child works out the engagement table (a fork costs some
# tens of ms; the table takes 7.5 s of a 50M-event replay).
PARALLEL_EVENTS = 1_000_000


@dataclass
class RecomputeReport:
    """What a recompute did."""

    as_of: datetime | None
    people: int
    changes: int
    checkpoints: int
    stages: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "people": self.people,
            "changes": self.changes,
            "checkpoints": self.checkpoints,
            "stages": self.stages,
        }


def checkpoints(first: datetime, last: datetime, tz: ZoneInfo) -> list[datetime]:
    """Local Mondays 00:00 after `first` up to `last`, then `last` itself."""
    day = first.astimezone(tz).date()
    monday = day + timedelta(days=7 - day.weekday())
    points: list[datetime] = []
    while (at := datetime.combine(monday, time(0), tz)) < last:
        points.append(at)
        monday += timedelta(days=7)
    points.append(last)
    return points


def needs_recompute(engine: Engine) -> bool:
    """Tell whether events arrived since the last recompute (or none was run)."""
    with reading(engine) as session:
        newest = session.scalar(select(func.max(m.Event.id))) or 0
        last = session.scalar(select(func.max(r.StageRun.last_event_id)))
        return last is None or newest != last


# -- reading the log ----------------------------------------------------------------------

_MESSAGES = "FROM event NOT INDEXED WHERE kind = 'message' AND person_id IS NOT NULL AND id <= ?"
# The rarer kinds; one JSON parse a row gives every field the rules read, as an array.
_SQLITE_OTHERS = (
    "SELECT ts, id, kind, coalesce(community_id, -1), coalesce(person_id, -1), "
    f"CASE WHEN kind IN ({', '.join(repr(k) for k in PAYLOAD_KINDS)}) THEN json_extract(payload, "
    f"{', '.join(repr('$.' + f.path) for f in FIELDS)}) END "
    f"FROM event WHERE kind IN ({KIND_LIST}) AND id <= ?"
)


def _times(values: Sequence[Any]) -> np.ndarray:
    """Parse SQLite's stored timestamps ('YYYY-MM-DD HH:MM:SS.ffffff', UTC) into µs."""
    return np.array(values, dtype="datetime64[us]").view(np.int64)


def _scalar(cursor: Any, sql: str) -> int:
    cursor.execute(sql)
    return int(cursor.fetchone()[0])


def _sqlite_messages(cursor: Any, newest: int) -> tuple[np.ndarray, ...]:
    """Read every message's (ts, id, person, community, type), two values a row.

    Python's sqlite3 pays per value: the time, and the rest packed into one integer.
    """
    packing = MessagePacking.for_largest(
        _scalar(cursor, "SELECT coalesce(max(id), 0) FROM person"),
        _scalar(cursor, "SELECT coalesce(max(id), 0) FROM community"),
    )
    if not packing.fits(newest):
        return _sqlite_messages_unpacked(cursor, newest)
    sql = f"SELECT ts, {packing.sql(SQLITE_MESSAGE_TYPE)} {_MESSAGES}"
    ts, values = _sqlite_fetch(cursor, sql, newest)
    return ts, *packing.unpack(values)  # in id order: the replay puts them in time order


def _sqlite_fetch(cursor: Any, sql: str, newest: int) -> tuple[np.ndarray, np.ndarray]:
    """Fetch (stored time, integer) rows into (µs, int64) arrays."""
    ts: list[np.ndarray] = []
    packed: list[np.ndarray] = []
    cursor.execute(sql, (newest,))
    while rows := cursor.fetchmany(FETCH):
        ts.append(_times([row[0] for row in rows]))
        packed.append(np.fromiter((row[1] for row in rows), np.int64, len(rows)))
    if not ts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ts), np.concatenate(packed)


def _sqlite_messages_unpacked(cursor: Any, newest: int) -> tuple[np.ndarray, ...]:
    """Read the messages one value a column (ids too large to pack)."""
    sql = f"SELECT ts, id, person_id, coalesce(community_id, 0), {SQLITE_MESSAGE_TYPE} {_MESSAGES}"
    cursor.execute(sql, (newest,))
    ts: list[np.ndarray] = []
    columns: list[list[int]] = [[], [], [], []]
    while rows := cursor.fetchmany(FETCH):
        ts.append(_times([row[0] for row in rows]))
        for column, i in zip(columns, range(1, 5), strict=True):
            column.extend(row[i] for row in rows)
    ids, people, communities, types = (np.array(c, dtype=np.int64) for c in columns)
    times = np.concatenate(ts) if ts else np.zeros(0, np.int64)
    return times, ids, people, np.where(communities == 0, -1, communities), types


def _read_sqlite(session: Session, newest: int) -> EventLog:
    """Read the log from SQLite through the raw cursor (no per-value work in SQLAlchemy)."""
    plain: list[list[np.ndarray]] = [[], [], [], [], []]  # ts, id, kind, community, person
    fields: list[list[Any]] = [[] for _ in FIELDS]
    codes = {kind: code for code, kind in enumerate(KINDS)}
    none = [None] * len(FIELDS)
    with raw_cursor(session) as cursor:
        messages = _sqlite_messages(cursor, newest)
        cursor.execute(_SQLITE_OTHERS, (newest,))
        while rows := cursor.fetchmany(FETCH):
            ts, ids, kinds, communities, people, payloads = zip(*rows, strict=True)
            plain[0].append(_times(ts))
            plain[1].append(np.array(ids, dtype=np.int64))
            plain[2].append(np.array([codes[k] for k in kinds], dtype=np.int8))
            plain[3].append(np.array(communities, dtype=np.int64))
            plain[4].append(np.array(people, dtype=np.int64))
            values = [none if v is None else json.loads(v) for v in payloads]
            for column, got in zip(fields, zip(*values, strict=True), strict=True):
                column.extend(got)
    ids_of = _person_ids(session, {v for v in fields[1] if isinstance(v, str)})
    fields[1] = [ids_of.get(v) if isinstance(v, str) else None for v in fields[1]]
    arrays = [np.concatenate(c) if c else np.zeros(0, np.int64) for c in plain]
    return _log(messages, arrays, fields)


def _person_ids(session: Session, keys: set[str]) -> dict[str, int]:
    """Return the person id of each key that has one."""
    found: dict[str, int] = {}
    for chunk in chunked(sorted(keys)):
        query = select(m.Person.key, m.Person.id).where(m.Person.key.in_(chunk))
        found.update({key: pid for key, pid in session.execute(query)})
    return found


def _read_generic(session: Session, newest: int) -> EventLog:
    """Read the log through SQLAlchemy, on any backend."""
    e = m.Event
    messages = select(e.ts, e.id, e.person_id, e.community_id, message_type()).where(
        e.kind == "message", e.person_id.is_not(None), e.id <= newest
    )
    columns: list[list[int]] = [[], [], [], [], []]
    for when, eid, pid, cid, kind in session.execute(messages.execution_options(yield_per=FETCH)):
        for column, value in zip(columns, (to_us(when), eid, pid, cid or -1, kind), strict=True):
            column.append(value)
    others = select(
        e.ts, e.id, e.kind, func.coalesce(e.community_id, -1), func.coalesce(e.person_id, -1),
        *(f.expression() for f in FIELDS),
    ).where(e.kind.in_(KINDS), e.id <= newest)  # fmt: skip
    rows = session.execute(others).all()
    got: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * 11
    codes = {kind: code for code, kind in enumerate(KINDS)}
    plain: list[np.ndarray] = [
        np.array([to_us(v) for v in got[0]], dtype=np.int64),
        np.array(got[1], dtype=np.int64),
        np.array([codes[k] for k in got[2]], dtype=np.int8),
        np.array(got[3], dtype=np.int64),
        np.array(got[4], dtype=np.int64),
    ]
    arrays = tuple(np.array(c, dtype=np.int64) for c in columns)
    return _log(arrays, plain, [list(c) for c in got[5:]])


def _log(
    messages: tuple[np.ndarray, ...], plain: list[np.ndarray], fields: list[list[Any]]
) -> EventLog:
    """Assemble an `EventLog`: the message arrays, then the other kinds' columns.

    `plain` holds their ts (µs), id, kind code, community and person; `fields` the values
    of FIELDS, with the inviter as a person id.
    """
    message_ts, message_id, message_person, message_community, message_type = messages
    ts, ids, kinds, communities, people = plain
    roles, inviters, orders, items, amounts, sources = fields
    kinds = kinds.astype(np.int8)
    tier, tiers = tier_codes(kinds, items)
    return EventLog(
        message_ts=message_ts.astype(np.int64),
        message_id=message_id.astype(np.int64),
        message_person=message_person.astype(np.int64),
        message_community=message_community.astype(np.int64),
        message_type=message_type.astype(np.int8),
        ts=ts.astype(np.int64),
        id=ids.astype(np.int64),
        kind=kinds,
        community=communities.astype(np.int64),
        person=people.astype(np.int64),
        inviter=np.array([-1 if v is None else v for v in inviters], dtype=np.int64),
        amount=np.array([float(v or 0) for v in amounts], dtype=np.float64),
        role=[v or None for v in roles],
        order=order_codes(kinds, orders, sources),
        tier=tier,
        tiers=tiers,
    )


def read_log(session: Session, newest: int) -> EventLog:
    """Read the events up to row `newest` that the stage rules look at."""
    if session.get_bind().dialect.name == "sqlite":
        return _read_sqlite(session, newest)
    return _read_generic(session, newest)


def _read_export(directory: Path, newest: int) -> EventLog:
    """Read the log from a parquet export that holds exactly the store's events."""
    from quanzi.metrics.engines import EngineError
    from quanzi.metrics.stage_log import export_covers, read_log_parquet

    covered = export_covers(directory)
    if covered != newest:
        raise EngineError(
            f"导出 {directory} 截至第 {covered} 条事件，库中最新是第 {newest} 条："
            f"请先重新导出（quanzi analytics export --to parquet {directory}）"
        )
    return read_log_parquet(directory)


def _huge_page_switch() -> Callable[[bool], bool] | None:
    """Return numpy's switch for advising huge pages (numpy 2, then 1), None if it has none."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            switch = getattr(importlib.import_module(name), "_set_madvise_hugepage", None)
        except ImportError:
            continue
        return cast("Callable[[bool], bool] | None", switch)
    return None


@contextmanager
def _small_pages() -> Iterator[None]:
    """Have numpy not ask the kernel for transparent huge pages (restored as it was).

    numpy advises huge pages for every large array on Linux. Where faulting them in costs
    more than the TLB misses they save, the replay's fresh arrays pay: on the 2-core VM of
    the 50M benchmarks the stage rerun took 18.7–19.2 s with them, 13.8–15.9 s without.
    `QUANZI_NUMPY_HUGE_PAGES=1` keeps numpy's default.
    """
    switch = _huge_page_switch()
    if get_settings().numpy_huge_pages or switch is None:
        yield
        return
    was = switch(False)
    try:
        yield
    finally:
        switch(was)


def recompute_stages(
    engine: Engine,
    config: RetainConfig | None = None,
    *,
    timezone: str | None = None,
    parquet: Path | None = None,
) -> RecomputeReport:
    """Replay the log, rebuild the stage history, and write every person's stage and reason.

    With `parquet`, the log is read from that export of the store (with DuckDB, far faster
    on a large store); it must hold exactly the store's events.
    """
    config = config or RetainConfig()
    tz = ZoneInfo(timezone or get_settings().timezone)
    with collector_paused(), _small_pages(), transaction(engine) as session:
        # One aggregate a query: SQLite answers a lone min() or max() from the index's end,
        # but several in one query by scanning it (17 s at 50M events).
        first = session.scalar(select(func.min(m.Event.ts)))
        last = session.scalar(select(func.max(m.Event.ts)))
        newest = session.scalar(select(func.max(m.Event.id)))
        prices = {c.key: c.price for c in session.scalars(select(m.Community))}
        points = checkpoints(first, last, tz) if first is not None and last is not None else []
        if parquet is not None:
            log = _read_export(parquet, newest or 0)
        else:
            log = read_log(session, newest or 0)
        # On a large log a second core works out the engagement table meanwhile.
        events = len(log.message_ts) + len(log.ts)
        starter = in_child if events >= PARALLEL_EVENTS else at_once
        history = replay_log(log, config, prices, points, starter)
        made = digests_of(history)
        people, stages = write_results(session, history, made, last_digests(session))
        session.add(
            r.StageRun(
                as_of=last or utcnow(),
                computed_at=utcnow(),
                last_event_id=newest or 0,
                people=people,
                changes=len(history.changes),
                digests=json.dumps(made),
            )
        )
    return RecomputeReport(last, people, len(history.changes), len(points), stages)
