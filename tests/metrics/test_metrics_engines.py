"""One definition per metric gives equal rows on SQLite, PostgreSQL, DuckDB and Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from quanzi.metrics.definitions import METRICS
from quanzi.metrics.engines import connect_database, connect_duckdb, connect_spark
from quanzi.metrics.export import export_parquet
from quanzi.metrics.results import MetricRow, compute
from quanzi.services.ingest import ingest_objects
from quanzi.store import migrate
from quanzi.store.db import get_engine
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.metrics.conftest import TZ
from tests.metrics.edge_world import EDGE_EVENTS, NEW_YORK, SHANGHAI
from tests.metrics.reference import reference_rows

ALL = list(METRICS.values())


def live_rows(db_url: str, tz: str = TZ) -> list[MetricRow]:
    source = connect_database(db_url)
    try:
        return compute(source, ALL, tz)
    finally:
        source.close()


def exported(engine: Engine, tmp_path: Path) -> Path:
    # Small chunks, so the export writes several row groups per file.
    directory = tmp_path / "parquet"
    export_parquet(engine, directory, chunk_rows=700)
    return directory


def test_live_store_rows_equal_the_python_reference(world: Engine, db_url: str) -> None:
    rows = live_rows(db_url)
    assert {row.metric for row in rows} == set(METRICS)
    assert rows == reference_rows(world, TZ)


def test_duckdb_over_the_export_equals_the_live_store(
    world: Engine, db_url: str, tmp_path: Path
) -> None:
    source = connect_duckdb(exported(world, tmp_path))
    assert compute(source, ALL, TZ) == live_rows(db_url)


def fresh_store(url: str, events: list[dict[str, Any]]) -> Engine:
    """Migrate an empty store at `url` and ingest `events` into it."""
    if url.startswith("postgresql"):
        reset_postgres(url)
    engine = get_engine(url)
    migrate.upgrade(engine)
    assert ingest_objects(engine, events).stored == len(events)
    return engine


def test_spark_sqlite_and_postgres_give_equal_rows(
    tmp_path: Path, spark: Any, metrics_events: list[dict[str, Any]]
) -> None:
    # Spark is slow to start a job, so it runs once, on the SQLite store's export; DuckDB
    # covers the PostgreSQL export path above.
    sqlite = fresh_store(f"sqlite:///{tmp_path / 'world.db'}", metrics_events)
    rows = live_rows(sqlite.url.render_as_string())
    assert rows == reference_rows(sqlite, TZ)
    if POSTGRES_URL is not None:
        try:
            fresh_store(POSTGRES_URL, metrics_events)
            assert live_rows(POSTGRES_URL) == rows
        finally:
            get_engine(POSTGRES_URL).dispose()
            get_engine.cache_clear()
    source = connect_spark(exported(sqlite, tmp_path), spark)
    assert compute(source, ALL, TZ) == rows


@pytest.fixture
def edge(engine: Engine) -> Engine:
    """The store holding the hand-made day-edge world."""
    assert ingest_objects(engine, EDGE_EVENTS).stored == len(EDGE_EVENTS)
    return engine


ZONES = [("Asia/Shanghai", SHANGHAI), ("America/New_York", NEW_YORK)]


@pytest.mark.parametrize(("tz", "expected"), ZONES)
def test_days_are_cut_at_local_midnight(
    edge: Engine, db_url: str, tmp_path: Path, tz: str, expected: list[MetricRow]
) -> None:
    assert live_rows(db_url, tz) == expected
    assert reference_rows(edge, tz) == expected
    assert compute(connect_duckdb(exported(edge, tmp_path)), ALL, tz) == expected


def test_spark_cuts_days_at_local_midnight(tmp_path: Path, spark: Any) -> None:
    # Spark is slow to start a job: one export, both zones, whatever the store backends.
    store = fresh_store(f"sqlite:///{tmp_path / 'edge.db'}", EDGE_EVENTS)
    source = connect_spark(exported(store, tmp_path), spark)
    # A second export opened in the same session must not replace the first one's tables.
    empty = fresh_store(f"sqlite:///{tmp_path / 'empty.db'}", [])
    connect_spark(exported(empty, tmp_path / "empty"), spark)
    for tz, expected in ZONES:
        assert compute(source, ALL, tz) == expected
