"""Options and helpers shared by CLI commands."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from quanzi.config import get_settings
from quanzi.store.db import get_engine
from quanzi.store.schema import ensure_schema

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址（默认读取 QUANZI_DATABASE_URL，或 sqlite:///quanzi.db）"),
]


def open_database(url: str | None) -> Engine:
    """Return the engine of `url` (or the configured database), with its schema in place."""
    engine = get_engine(url or get_settings().database_url)
    ensure_schema(engine)
    return engine
