"""Write a stage recompute's results: stage history, engagement per community, people's stages.

One call inside the recompute's transaction. Rows the store already holds are kept: the
history's leading checkpoints and engagement rows that are the same are not rewritten, and
the digests each run keeps (`stage_run.digests`) tell which without reading them back. On
SQLite the rows go through the DBAPI cursor, bound as SQLAlchemy would store them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from typing import Any

import numpy as np
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from quanzi.domain.retain_replay import (
    CHANGE_COLUMNS,
    ENGAGEMENT_COLUMNS,
    US,
    EngagementTable,
    StageHistory,
    engagement_digest,
    places_digest,
)
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.bulk import CHUNK, bound, insert_rows, raw_sqlite, sqlite_binders
from quanzi.store.db import chunked, raw_cursor

FETCH = 50_000  # rows per fetch
REPEATING = ("ts",)  # a history row's time is its checkpoint's: bound once per checkpoint
DEFAULT_PLACE = ("user", "普通用户：不在任何社群中")  # for people with no events
# How the rows that digests cover are stored (2: times in SQLAlchemy's text on SQLite, as
# every other writer stores them); stored otherwise, they are compared row by row once.
STORED_FORMAT = 2


def _update_by_id(
    session: Session, model: type[m.Base], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Set `columns` of rows by id, in executemany batches: each row is (values…, id).

    On SQLite the values are bound as they are: they must be as SQLite stores them.
    """
    table = m.table(model)
    if raw_sqlite(session):
        sql = f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
        with raw_cursor(session) as cursor:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[start : start + CHUNK])
        return
    names = (*(f"new_{c}" for c in columns), "row_id")
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )
    connection = session.connection()
    for start in range(0, len(rows), CHUNK):
        batch = [dict(zip(names, row, strict=True)) for row in rows[start : start + CHUNK]]
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


def _batches(session: Session, query: Any) -> Generator[list[tuple[Any, ...]], None, None]:
    """Yield the rows of a query of plain columns, as tuples, a batch at a time; on SQLite
    through the cursor (no per-value work in SQLAlchemy, for columns whose stored values
    are already what they read as)."""
    if not raw_sqlite(session):
        result = session.execute(query.execution_options(yield_per=FETCH))
        try:
            for part in result.partitions(FETCH):
                yield [tuple(row) for row in part]
        finally:
            result.close()
        return
    with raw_cursor(session) as cursor:
        cursor.execute(str(query.compile(session.connection())))
        while batch := cursor.fetchmany(FETCH):
            yield batch


def _stored_prefix(session: Session, changes: list[tuple[Any, ...]]) -> tuple[int, int]:
    """Return how many of `changes`, from the first, the stored history already holds in that
    order, and the row id of the last of them (0 for none)."""
    table = m.table(r.StageChange)
    query = select(*(table.c[n] for n in CHANGE_COLUMNS)).order_by(table.c.id)
    as_stored: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]] | None = None
    if raw_sqlite(session):  # read as stored (times as text): compare with what is stored
        binders = sqlite_binders(table, CHANGE_COLUMNS, session.connection().dialect, REPEATING)
        as_stored = partial(bound, binders=binders)
    with closing(_batches(session, query)) as batches:
        same = _same_rows(batches, changes, as_stored)
    return same, _last_kept(session, same)


def _last_kept(session: Session, kept: int) -> int:
    """Return the row id of the last of the first `kept` stored history rows (0 for none)."""
    if not kept:
        return 0
    table = m.table(r.StageChange)
    last = select(table.c.id).order_by(table.c.id).offset(kept - 1).limit(1)
    return int(session.scalar(last) or 0)


def _same_rows(
    batches: Iterator[list[tuple[Any, ...]]],
    wanted: list[tuple[Any, ...]],
    as_stored: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]] | None = None,
) -> int:
    """Return how many stored rows, from the first, equal `wanted` in order; `as_stored`
    turns rows of `wanted` into what is stored, only as far as stored rows are compared."""
    same = 0
    for batch in batches:
        part = wanted[same : same + len(batch)]
        part = as_stored(part) if as_stored else part
        if batch == part:  # a whole batch compared at once
            same += len(batch)
            continue
        return same + next(
            (i for i, (got, want) in enumerate(zip(batch, part, strict=False)) if got != want),
            len(part),
        )
    return same


def _stored_times(us: np.ndarray) -> list[str]:
    """Return µs times as SQLAlchemy stores them on SQLite ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    seconds = us.astype("datetime64[us]").astype("datetime64[s]").astype("U19")
    text = np.zeros(len(us), dtype="U26")
    chars = text.view(np.uint32).reshape(len(us), 26)
    chars[:, :19] = seconds.view(np.uint32).reshape(len(us), 19)
    chars[:, 10] = ord(" ")  # the date and time apart by a space, not "T"
    chars[:, 19] = ord(".")
    fraction = us % US  # the seconds above are floored, so the fraction is never negative
    for place in range(6):
        chars[:, 25 - place] = ord("0") + fraction // 10**place % 10
    return text.tolist()


def _engagement_rows(session: Session, table: EngagementTable) -> list[tuple[Any, ...]]:
    """Return the engagement rows; on SQLite as it stores them (times as its text)."""
    return table.rows(_stored_times if raw_sqlite(session) else None)


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


def last_digests(session: Session) -> dict[str, Any] | None:
    """Return the digests the last recompute kept of what it stored (None: none it can use)."""
    query = select(r.StageRun.digests).order_by(r.StageRun.id.desc()).limit(1)
    text = session.scalar(query)
    known = json.loads(text) if text else None
    return known if known and known.get("stored") == STORED_FORMAT else None


def digests_of(history: StageHistory) -> dict[str, Any]:
    """Return the digests to keep of what this recompute stores (`write_results` adds the
    people it set, `PEOPLE_KEYS`)."""
    return {
        "stored": STORED_FORMAT,
        "history": [list(d) for d in history.digests],
        "changes": len(history.changes),
        "engagement": engagement_digest(history.engagement),
        "cells": len(history.engagement),
        "places": places_digest(history.people),
    }


# What a run keeps of the people it set: their count and largest id (people are added, never
# removed, so the same two mean the same people) and how many it left in each stage.
PEOPLE_KEYS = ("person_rows", "person_max", "stages")


def _count(session: Session, model: type[m.Base]) -> int:
    """Return how many rows a table holds."""
    return int(session.scalar(select(func.count()).select_from(m.table(model))) or 0)


def _digest_prefix(
    session: Session, known: dict[str, Any] | None, history: StageHistory
) -> tuple[int, int] | None:
    """Return (rows kept, id of the last) from the last run's digests: the rows of the leading
    checkpoints whose digests are the same; None when they cannot tell."""
    stored = _count(session, r.StageChange)
    if known is None or stored != known["changes"]:
        return None
    same = 0
    for old, new in zip(known["history"], history.digests, strict=False):
        if tuple(old) != new:
            break
        same += new[1]
    if same and same == stored:  # every row kept: the last is the newest, from the index's end
        return same, int(session.scalar(select(func.max(r.StageChange.id))) or 0)
    return same, _last_kept(session, same)


def write_results(
    session: Session,
    history: StageHistory,
    made: dict[str, Any],
    known: dict[str, Any] | None = None,
) -> tuple[int, dict[str, int]]:
    """Replace history and engagement; set every person's stage; return (people, counts).

    History rows the store already holds, in order, from the first, are kept: a recompute
    after new events changes only the latest checkpoints' rows. Engagement rows are matched
    by (person, community): changed ones are updated in place, new cells inserted, gone ones
    deleted; a rerun with no new events changes none. What the digests of this run (`made`,
    from `digests_of`) and of the last (`known`) show the same is not read back: people
    too, when they are the same people and their places the same. `made` is given the
    people's keys (`PEOPLE_KEYS`) to keep for the next run.
    """
    same, last = _digest_prefix(session, known, history) or _stored_prefix(session, history.changes)
    fresh = history.changes[same:]
    if (
        known is not None
        and known["engagement"] == made["engagement"]
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
        insert_rows(session, r.StageChange, CHANGE_COLUMNS, fresh, repeating=REPEATING)
        for chunk in chunked(diff.deletes):
            session.execute(delete(r.Engagement).where(r.Engagement.id.in_(chunk)))
        _update_by_id(session, r.Engagement, ("score", "last_active", "as_of"), diff.updates)
        insert_rows(session, r.Engagement, ENGAGEMENT_COLUMNS, diff.inserts, stored=True)
    census = (_count(session, m.Person), int(session.scalar(select(func.max(m.Person.id))) or 0))
    if (
        known is not None
        and known.get("places") == made["places"]
        and (known.get("person_rows"), known.get("person_max")) == census
    ):
        stages = dict(known["stages"])  # the same people, left as the last run left them
    else:
        stages = _set_people(session, history)
    made.update(zip(PEOPLE_KEYS, (*census, stages), strict=True))
    return census[0], stages


def _set_people(session: Session, history: StageHistory) -> dict[str, int]:
    """Give every person their final stage and reason; return how many are in each stage."""
    stages: dict[str, int] = defaultdict(int)
    updates: list[tuple[str, str, int]] = []
    places = history.people.as_dict()
    query = select(m.Person.id, m.Person.stage, m.Person.stage_reason)
    for pid, stage, reason in chain.from_iterable(_batches(session, query)):
        placed = places.get(pid, DEFAULT_PLACE)
        stages[placed[0]] += 1
        if (stage, reason) != placed:  # unchanged people are not rewritten
            updates.append((placed[0], placed[1], pid))
    _update_by_id(session, m.Person, ("stage", "stage_reason"), updates)
    return dict(stages)
