"""Bulk inserts by plain executemany; on SQLite straight on the DBAPI cursor.

SQLAlchemy's per-row parameter handling costs more than SQLite's own work on large writes
(a third of the stage write, a tenth of the ingest). On SQLite the values are bound here
instead, each column by its own type, so they are stored exactly as SQLAlchemy stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from quanzi.store import models as m
from quanzi.store.db import raw_cursor
from quanzi.store.models import UtcDateTime, sqlite_stored

CHUNK = 10_000  # rows per executemany
RAW_SQLITE_WRITES = True  # on SQLite, executemany straight on the DBAPI cursor


def raw_sqlite(session: Session) -> bool:
    """Tell whether to work through the DBAPI cursor straight (SQLite, unless turned off)."""
    return RAW_SQLITE_WRITES and session.get_bind().dialect.name == "sqlite"


def insert_rows(
    session: Session,
    model: type[m.Base],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    stored: bool = False,
    repeating: Collection[str] = (),
) -> None:
    """Insert rows (values in `columns` order) with plain executemany batches.

    `stored`: on SQLite the values are already as SQLite stores them (nothing to bind).
    `repeating`: columns whose values repeat, bound once per distinct value.
    """
    table = m.table(model)
    if not raw_sqlite(session):
        connection = session.connection()
        statement = insert(table)
        for start in range(0, len(rows), CHUNK):
            batch = [dict(zip(columns, row, strict=True)) for row in rows[start : start + CHUNK]]
            connection.execute(statement, batch)
        return
    binders = sqlite_binders(table, columns, session.connection().dialect, repeating)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    with raw_cursor(session) as cursor:
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            cursor.executemany(sql, part if stored else bound(part, binders))


def bound(
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


def sqlite_binders(
    table: Any, columns: tuple[str, ...], dialect: Any, repeating: Collection[str] = ()
) -> list[Callable[[Any], Any] | None]:
    """Return, per column, what turns a value into what SQLAlchemy stores on SQLite (None: as
    it is). Times are written as `UtcDateTime` stores them, by `sqlite_stored`."""
    binders: list[Callable[[Any], Any] | None] = []
    for name in columns:
        column_type = table.c[name].type
        bind: Callable[[Any], Any] | None = (
            sqlite_stored
            if isinstance(column_type, UtcDateTime)
            else column_type.dialect_impl(dialect).bind_processor(dialect)
        )
        if bind is not None and name in repeating:
            bind = _cached(bind)
        binders.append(bind)
    return binders


def _cached(bind: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Return `bind` remembering its results (for values that repeat)."""
    seen: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            found = seen[value] = bind(value)
        return found

    return cached
