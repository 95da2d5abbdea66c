"""Fixtures of the metric tests: a small simulated world in the store, and one Spark session."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects
from quanzi.sim import SimConfig, simulate

TZ = "Asia/Shanghai"


@pytest.fixture(scope="session")
def metrics_events() -> list[dict[str, Any]]:
    """Every event of a small world: 30 days, 300 people (about 4,000 events)."""
    return list(simulate(SimConfig(seed=3, days=30, people=300)))


@pytest.fixture
def world(engine: Engine, metrics_events: list[dict[str, Any]]) -> Engine:
    """The store (SQLite, and PostgreSQL when configured) holding the small world."""
    report = ingest_objects(engine, metrics_events)
    assert report.stored == len(metrics_events)
    return engine


@pytest.fixture(scope="session")
def spark() -> Any:
    """The local Spark session; skipped without Java unless QUANZI_REQUIRE_SPARK=1."""
    from quanzi.errors import QuanziError
    from quanzi.metrics.spark import spark_session

    try:
        return spark_session()
    except QuanziError as error:
        if os.environ.get("QUANZI_REQUIRE_SPARK") == "1":
            pytest.fail(f"QUANZI_REQUIRE_SPARK=1 but Spark is unavailable: {error.message}")
        pytest.skip(f"Spark unavailable: {error.message}")
