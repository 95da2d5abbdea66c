"""Shared fixtures: a migrated database on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text

from quanzi.store import migrate
from quanzi.store.db import get_engine, normalise_url

# Tests never assert on time: no per-example deadline, even on a loaded CI machine.
settings.register_profile("quanzi", deadline=None)
settings.load_profile("quanzi")

POSTGRES_URL = os.environ.get("QUANZI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema so each test starts from nothing."""
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each configured backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'quanzi.db'}"
    else:
        assert POSTGRES_URL is not None
        url = POSTGRES_URL
        reset_postgres(url)
    engine = get_engine(url)
    migrate.upgrade(engine)
    yield url
    engine.dispose()
    get_engine.cache_clear()


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The engine of the migrated test database."""
    return get_engine(db_url)


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keep tests away from a developer's .env and quanzi.db."""
    from quanzi.config import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUANZI_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def live_server(db_url: str) -> Iterator[str]:
    """The app under uvicorn in a background thread on a free localhost port."""
    from tests.browser import live_server_at

    with live_server_at(db_url) as url:
        yield url
