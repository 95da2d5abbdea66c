"""Recompute everyone's relationship stage by replaying the event log week by week.

The replay places every person at each local Monday 00:00 from the first event on, and at
the newest event, so the stage history shows how people moved between stages over time.
History is derived state: each run rebuilds it from the log, so it always agrees with the
rules in force and with events that arrived late. One transaction per run.

The log is read in two passes (messages, which are nearly all of it, with only their time,
people and type; then the rarer kinds with the payload fields their rules read) and
replayed as arrays by `domain.retain_replay`. An event's actor is its `person_id`: ingest
sets it from the payload's `person`, so the key and the id name the same person.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_replay import (
    CHANGE_COLUMNS,
    ENGAGEMENT_COLUMNS,
    KINDS,
    NOT_SEEN,
    US,
    EngagementTable,
    EventLog,
    StageHistory,
    at_once,
    engagement_digest,
    replay_log,
    to_us,
)
from quanzi.parallel import in_child
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import chunked, reading, transaction
from quanzi.store.models import UtcDateTime, utcnow
from quanzi.store.stage_log import (
    FIELDS,
    KIND_LIST,
    PAYLOAD_KINDS,
    SQLITE_MESSAGE_TYPE,
    message_type,
)

CHUNK = 10_000  # rows per executemany
RAW_SQLITE_WRITES = True  # on SQLite, executemany straight on the DBAPI cursor
FETCH = 50_000  # rows per fetch
PACKED_BITS = 63  # what a message's id, person, community and type may fill of an int64
DEFAULT_PLACE = ("user", "普通用户：不在任何社群中")  # for people with no events
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
    person_bits = _scalar(cursor, "SELECT coalesce(max(id), 0) FROM person").bit_length()
    community_bits = _scalar(cursor, "SELECT coalesce(max(id), 0) FROM community").bit_length()
    person_shift = 2 + community_bits
    id_shift = person_shift + person_bits
    if id_shift + newest.bit_length() > PACKED_BITS:
        return _sqlite_messages_unpacked(cursor, newest)
    sql = (
        f"SELECT ts, (id << {id_shift}) | (person_id << {person_shift}) "
        f"| (coalesce(community_id, 0) << 2) | {SQLITE_MESSAGE_TYPE} {_MESSAGES}"
    )
    ts, values = _sqlite_fetch(cursor, sql, newest)
    # The scan is in id order, so a stable sort by time gives (ts, id) order.
    order = np.argsort(ts, kind="stable")
    ts, values = ts[order], values[order]
    people = (values >> person_shift) & ((1 << person_bits) - 1)
    communities = (values >> 2) & ((1 << community_bits) - 1)
    communities = np.where(communities == 0, -1, communities)
    return ts, values >> id_shift, people, communities, values & 3


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
    with _raw_cursor(session) as cursor:
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
    return EventLog(
        message_ts=message_ts.astype(np.int64),
        message_id=message_id.astype(np.int64),
        message_person=message_person.astype(np.int64),
        message_community=message_community.astype(np.int64),
        message_type=message_type.astype(np.int8),
        ts=ts.astype(np.int64),
        id=ids.astype(np.int64),
        kind=kinds.astype(np.int8),
        community=communities.astype(np.int64),
        person=people.astype(np.int64),
        inviter=np.array([-1 if v is None else v for v in inviters], dtype=np.int64),
        amount=np.array([float(v or 0) for v in amounts], dtype=np.float64),
        role=[v or None for v in roles],
        order=orders,
        item=items,
        source=sources,
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


# -- writing the results ------------------------------------------------------------------


def _insert(
    session: Session,
    model: type[m.Base],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    stored: bool = False,
) -> None:
    """Insert rows (values in `columns` order) with plain executemany batches.

    `stored`: on SQLite the values are already as SQLite stores them (nothing to bind).
    """
    table = m.table(model)
    connection = session.connection()
    dialect = connection.dialect
    if not _raw_sqlite(session):
        statement = insert(table)
        for start in range(0, len(rows), CHUNK):
            batch = [dict(zip(columns, row, strict=True)) for row in rows[start : start + CHUNK]]
            connection.execute(statement, batch)
        return
    # SQLite: the DBAPI cursor straight, values bound by each column's own type (so they are
    # stored exactly as SQLAlchemy stores them); SQLAlchemy's per-row work would triple the
    # cost.
    binders = _sqlite_binders(table, columns, dialect)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    with _raw_cursor(session) as cursor:
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            cursor.executemany(sql, part if stored else _bound(part, binders))


def _bound(
    rows: list[tuple[Any, ...]], binders: Sequence[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    """Return rows with each value as SQLite stores it, a column at a time."""
    if not rows:
        return []
    values = [list(c) for c in zip(*rows, strict=True)]
    for column, bind in zip(values, binders, strict=True):
        if bind is not None:
            column[:] = [None if v is None else bind(v) for v in column]
    return list(zip(*values, strict=True))


def _sqlite_binders(
    table: Any, columns: tuple[str, ...], dialect: Any
) -> list[Callable[[Any], Any] | None]:
    """Return, per column, what turns a value into what SQLite stores (None: as it is).

    Times repeat (a checkpoint, the as-of time): each is bound once, and adapted to the text
    sqlite3 would make of it, so that is not redone row by row either.
    """
    binders: list[Callable[[Any], Any] | None] = []
    for name in columns:
        bind: Callable[[Any], Any] | None = table.c[name].type.bind_processor(dialect)
        if (
            bind is not None
            and isinstance(table.c[name].type, UtcDateTime)
            and name != "last_active"
        ):
            bind = _cached(_adapted(bind))
        binders.append(bind)
    return binders


def _adapted(bind: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return `bind` followed by sqlite3's own adapter (what executemany would apply)."""

    def adapted(value: Any) -> Any:
        bound = bind(value)
        return sqlite3.adapt(bound, sqlite3.PrepareProtocol, bound)

    return adapted


def _cached(bind: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return `bind` remembering its results (for values that repeat)."""
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            found = seen[value] = bind(value)
        return found

    return cached


def _update_people(session: Session, updates: list[tuple[str, str, int]]) -> None:
    """Set (stage, stage_reason) of person ids, in executemany batches."""
    person = m.table(m.Person)
    connection = session.connection()
    if _raw_sqlite(session):
        with _raw_cursor(session) as cursor:
            for start in range(0, len(updates), CHUNK):
                cursor.executemany(
                    "UPDATE person SET stage = ?, stage_reason = ? WHERE id = ?",
                    updates[start : start + CHUNK],
                )
        return
    statement = (
        update(person)
        .where(person.c.id == bindparam("pid"))
        .values(stage=bindparam("placed_stage"), stage_reason=bindparam("placed_reason"))
    )
    for start in range(0, len(updates), CHUNK):
        batch = [
            {"placed_stage": stage, "placed_reason": reason, "pid": pid}
            for stage, reason, pid in updates[start : start + CHUNK]
        ]
        connection.execute(statement, batch)


@contextmanager
def _indexes_rebuilt(session: Session, models: Sequence[type[m.Base]]) -> Iterator[None]:
    """On SQLite, drop the tables' secondary indexes for a bulk rewrite and build them after.

    Keeping an index current row by row costs a random page write per row; one build after
    the rows are in sorts once (on 1.7M history rows: 11.6 s of deletes and inserts fall to
    2.5 s, and 28.6 s of inserts to 18 s). Both happen inside the caller's transaction, so
    a crash leaves the old indexes and rows. Readers keep their WAL snapshot meanwhile; on
    PostgreSQL dropping an index would lock readers out, so there they stay.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        # Python's sqlite3 opens a transaction only before a data change; DDL before one
        # would be committed at once, and a kill midway would leave the indexes dropped.
        connection.exec_driver_sql("BEGIN")
    indexes = [index for model in models for index in m.table(model).indexes]
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)


def _raw_sqlite(session: Session) -> bool:
    """Tell whether to work through the DBAPI cursor straight (SQLite, unless turned off)."""
    return RAW_SQLITE_WRITES and session.get_bind().dialect.name == "sqlite"


@contextmanager
def _raw_cursor(session: Session) -> Iterator[Any]:
    """Yield a DBAPI cursor on the session's connection, closed after."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _batches(session: Session, query: Any) -> Generator[list[tuple[Any, ...]], None, None]:
    """Yield the rows of a query of plain columns, as tuples, a batch at a time; on SQLite
    through the cursor (no per-value work in SQLAlchemy, for columns whose stored values
    are already what they read as)."""
    if not _raw_sqlite(session):
        result = session.execute(query.execution_options(yield_per=FETCH))
        try:
            for part in result.partitions(FETCH):
                yield [tuple(row) for row in part]
        finally:
            result.close()
        return
    with _raw_cursor(session) as cursor:
        cursor.execute(str(query.compile(session.connection())))
        while batch := cursor.fetchmany(FETCH):
            yield batch


def _stored_prefix(session: Session, changes: list[tuple[Any, ...]]) -> tuple[int, int]:
    """Return how many of `changes`, from the first, the stored history already holds in that
    order, and the row id of the last of them (0 for none)."""
    table = m.table(r.StageChange)
    query = select(*(table.c[n] for n in CHANGE_COLUMNS)).order_by(table.c.id)
    wanted = changes
    if _raw_sqlite(session):  # read as stored (times as text): compare with what is stored
        dialect = session.connection().dialect
        wanted = _bound(changes, _sqlite_binders(table, CHANGE_COLUMNS, dialect))
    with closing(_batches(session, query)) as batches:
        same = _same_rows(batches, wanted)
    if not same:
        return 0, 0
    last = select(table.c.id).order_by(table.c.id).offset(same - 1).limit(1)
    return same, int(session.scalar(last) or 0)


def _same_rows(batches: Iterator[list[tuple[Any, ...]]], wanted: list[tuple[Any, ...]]) -> int:
    """Return how many stored rows, from the first, equal `wanted` in order."""
    same = 0
    for batch in batches:
        part = wanted[same : same + len(batch)]
        if batch == part:  # a whole batch compared at once
            same += len(batch)
            continue
        return same + next(
            (i for i, (got, want) in enumerate(zip(batch, part, strict=False)) if got != want),
            len(part),
        )
    return same


def _stored_times(us: np.ndarray) -> list[str]:
    """Return µs times as the text sqlite3 stores for naive datetimes (`isoformat(" ")`)."""
    text = us.astype("datetime64[us]").astype("datetime64[s]").astype("U19")
    chars = text.view(np.uint32).reshape(len(text), 19)
    chars[:, 10] = ord(" ")  # the date and time apart by a space, not "T"
    found: list[str] = text.tolist()
    # sqlite3 writes a fraction of a second only where there is one (seldom, in chat logs).
    for i in np.flatnonzero(us % US).tolist():
        found[i] = f"{found[i]}.{int(us[i]) % US:06d}"
    return found


def _engagement_rows(session: Session, table: EngagementTable) -> list[tuple[Any, ...]]:
    """Return the engagement rows; on SQLite as it stores them (times as its text)."""
    if not _raw_sqlite(session):
        return table.rows()
    seen = table.last_active != NOT_SEEN
    active: list[str | None] = [None] * len(table)
    for i, text in zip(np.flatnonzero(seen).tolist(), _stored_times(table.last_active[seen]),
                       strict=True):  # fmt: skip
        active[i] = text
    as_of = None
    if table.as_of is not None:
        as_of = _stored_times(np.array([to_us(table.as_of)], dtype=np.int64))[0]
    return list(
        zip(table.person.tolist(), table.community.tolist(), table.score.tolist(), active,
            repeat(as_of), strict=False)  # `repeat` is endless
    )  # fmt: skip


@dataclass
class _EngagementDiff:
    """What turns the stored engagement rows into the new ones, cell by cell."""

    updates: list[tuple[Any, ...]]  # (score, last_active, as_of, row id)
    inserts: list[tuple[Any, ...]]  # ENGAGEMENT_COLUMNS
    deletes: list[int]  # row ids

    def __len__(self) -> int:
        return len(self.updates) + len(self.inserts) + len(self.deletes)


def _cells(people: Sequence[int], communities: Sequence[int]) -> np.ndarray:
    """Return one integer per (person, community) cell."""
    return (np.asarray(people, dtype=np.int64) << 32) | np.asarray(communities, dtype=np.int64)


def _engagement_diff(session: Session, rows: list[tuple[Any, ...]]) -> _EngagementDiff:
    """Compare the stored engagement rows with `rows`, matched by (person, community)."""
    table = m.table(r.Engagement)
    query = select(table.c.id, *(table.c[n] for n in ENGAGEMENT_COLUMNS)).order_by(table.c.id)
    with closing(_batches(session, query)) as batches:
        stored = list(chain.from_iterable(batches))
    if len(stored) == len(rows) and [row[1:] for row in stored] == rows:
        return _EngagementDiff([], [], [])  # a rerun: the same rows in the same order
    if not stored:
        return _EngagementDiff([], rows, [])
    ids, people, communities = (list(c) for c in islice(zip(*stored, strict=True), 3))
    old_cells = _cells(people, communities)
    new_cells = _cells([row[0] for row in rows], [row[1] for row in rows])
    order = np.argsort(old_cells)
    at = np.minimum(np.searchsorted(old_cells[order], new_cells), len(order) - 1)
    matched = old_cells[order][at] == new_cells
    old_of_new = order[at]
    updates = [
        (*rows[i][2:], ids[j])
        for i, j in zip(np.flatnonzero(matched).tolist(), old_of_new[matched].tolist(),
                        strict=True)
        if rows[i][2:] != stored[j][3:]
    ]  # fmt: skip
    kept = np.zeros(len(stored), dtype=np.bool_)
    kept[old_of_new[matched]] = True
    inserts = [rows[i] for i in np.flatnonzero(~matched).tolist()]
    deletes = [ids[j] for j in np.flatnonzero(~kept).tolist()]
    return _EngagementDiff(updates, inserts, deletes)


def _update_engagement(session: Session, updates: list[tuple[Any, ...]]) -> None:
    """Set (score, last_active, as_of) of engagement row ids, in executemany batches."""
    if _raw_sqlite(session):  # the values are as SQLite stores them
        with _raw_cursor(session) as cursor:
            for start in range(0, len(updates), CHUNK):
                cursor.executemany(
                    "UPDATE engagement SET score = ?, last_active = ?, as_of = ? WHERE id = ?",
                    updates[start : start + CHUNK],
                )
        return
    table = m.table(r.Engagement)
    names = ("new_score", "new_last_active", "new_as_of", "row_id")
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            score=bindparam("new_score"),
            last_active=bindparam("new_last_active"),
            as_of=bindparam("new_as_of"),
        )
    )
    connection = session.connection()
    for start in range(0, len(updates), CHUNK):
        batch = [dict(zip(names, row, strict=True)) for row in updates[start : start + CHUNK]]
        connection.execute(statement, batch)


def _last_digests(session: Session) -> dict[str, Any] | None:
    """Return the digests the last recompute kept of what it stored (None: none kept)."""
    query = select(r.StageRun.digests).order_by(r.StageRun.id.desc()).limit(1)
    text = session.scalar(query)
    return json.loads(text) if text else None


def _digests(history: StageHistory) -> dict[str, Any]:
    """Return the digests to keep of what this recompute stores."""
    return {
        "history": [list(d) for d in history.digests],
        "changes": len(history.changes),
        "engagement": engagement_digest(history.engagement),
        "cells": len(history.engagement),
    }


def _count(session: Session, model: type[m.Base]) -> int:
    return int(session.scalar(select(func.count()).select_from(m.table(model))) or 0)


def _digest_prefix(
    session: Session, known: dict[str, Any] | None, history: StageHistory
) -> tuple[int, int] | None:
    """Return (rows kept, id of the last) from the last run's digests: the rows of the leading
    checkpoints whose digests are the same; None when they cannot tell."""
    if known is None or _count(session, r.StageChange) != known["changes"]:
        return None
    same = 0
    for old, new in zip(known["history"], history.digests, strict=False):
        if tuple(old) != new:
            break
        same += new[1]
    if not same:
        return 0, 0
    table = m.table(r.StageChange)
    last = select(table.c.id).order_by(table.c.id).offset(same - 1).limit(1)
    return same, int(session.scalar(last) or 0)


def _write(
    session: Session, history: StageHistory, known: dict[str, Any] | None = None
) -> tuple[int, dict[str, int]]:
    """Replace history and engagement; set every person's stage; return (people, counts).

    History rows the store already holds, in order, from the first, are kept: a recompute
    after new events changes only the latest checkpoints' rows. Engagement rows are matched
    by (person, community): changed ones are updated in place, new cells inserted, gone ones
    deleted; a rerun with no new events changes none. With the digests the last run kept
    (`known`), what they show the same is not read back.
    """
    same, last = _digest_prefix(session, known, history) or _stored_prefix(session, history.changes)
    fresh = history.changes[same:]
    if (
        known is not None
        and known["engagement"] == engagement_digest(history.engagement)
        and _count(session, r.Engagement) == known["cells"]
    ):
        diff = _EngagementDiff([], [], [])  # the stored rows are these: nothing to write
    else:
        diff = _engagement_diff(session, _engagement_rows(session, history.engagement))
    # Rewriting most of a table: its indexes are dropped and built once after.
    rebuilt = ((r.StageChange,) if len(fresh) > same else ()) + (
        (r.Engagement,) if 2 * len(diff) > len(history.engagement) else ()
    )
    with _indexes_rebuilt(session, rebuilt):
        if last:
            session.execute(delete(r.StageChange).where(r.StageChange.id > last))
        else:
            session.execute(delete(r.StageChange))
        _insert(session, r.StageChange, CHANGE_COLUMNS, fresh)
        for chunk in chunked(diff.deletes):
            session.execute(delete(r.Engagement).where(r.Engagement.id.in_(chunk)))
        _update_engagement(session, diff.updates)
        _insert(session, r.Engagement, ENGAGEMENT_COLUMNS, diff.inserts, stored=True)
    stages: dict[str, int] = defaultdict(int)
    updates: list[tuple[str, str, int]] = []
    people = 0
    query = select(m.Person.id, m.Person.stage, m.Person.stage_reason)
    for pid, stage, reason in chain.from_iterable(_batches(session, query)):
        people += 1
        placed = history.people.get(pid, DEFAULT_PLACE)
        stages[placed[0]] += 1
        if (stage, reason) != placed:  # unchanged people are not rewritten
            updates.append((placed[0], placed[1], pid))
    _update_people(session, updates)
    return people, dict(stages)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (it is restored as it was).

    The read and the replay make millions of short-lived tuples and no cycles; each
    collection they set off finds nothing to free and costs a tenth of the run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    with _collector_paused(), transaction(engine) as session:
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
        people, stages = _write(session, history, _last_digests(session))
        session.add(
            r.StageRun(
                as_of=last or utcnow(),
                computed_at=utcnow(),
                last_event_id=newest or 0,
                people=people,
                changes=len(history.changes),
                digests=json.dumps(_digests(history)),
            )
        )
    return RecomputeReport(last, people, len(history.changes), len(points), stages)
