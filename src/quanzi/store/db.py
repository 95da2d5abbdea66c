"""Engines and sessions for the configured database (SQLite by default, PostgreSQL at scale)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from quanzi.config import get_settings


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SQLITE_CACHE_KIB = 1024 * 1024  # SQLite's page cache per connection, in KiB


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the console read while an ingest writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Up to 1 GB of pages per connection, allocated only as pages are read. With the default
    # 2 MB, ingest onto a 20M-event store re-read more of its pages from the OS and was never
    # faster than with this (benchmarks/README.md, ninth session).
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def dump_json(value: Any) -> str:
    """Serialise JSON columns compactly, keeping Chinese as itself rather than \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_list(value: str | None) -> list[Any]:
    """The items of a JSON list read back as text (none for anything else, or bad JSON)."""
    if not value:
        return []
    try:
        found = json.loads(value)
    except ValueError:
        return []
    return found if isinstance(found, list) else []


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """Return the shared engine for `url` (default: QUANZI_DATABASE_URL)."""
    url = normalise_url(url or get_settings().database_url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, json_serializer=dump_json
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, json_serializer=dump_json)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session maker bound to `engine`."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """Open a session, commit at the end, roll back on any error."""
    with session_factory(engine).begin() as session:
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """Open a read-only session (never committed)."""
    with session_factory(engine)() as session:
        yield session


# Bound on parameters per IN (...) lookup, under SQLite's and PostgreSQL's limits.
LOOKUP_CHUNK = 500
T = TypeVar("T")
R = TypeVar("R")


def chunked(values: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    """Yield `values` in slices of at most `size`, for IN (...) lookups."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rows_where_in(session: Session, model: type[R], column: Any, keys: Iterable[Any]) -> list[R]:
    """Load the `model` rows whose `column` is one of `keys`, a bounded IN (...) at a time."""
    rows: list[R] = []
    for chunk in chunked(sorted(keys)):
        rows.extend(session.scalars(select(model).where(column.in_(chunk))))
    return rows


@contextmanager
def raw_cursor(session: Session) -> Iterator[Any]:
    """Yield a DBAPI cursor on the session's connection, closed after."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
