"""Options and helpers shared by CLI commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine

from quanzi.config import get_settings
from quanzi.domain.local_time import read_local
from quanzi.errors import InvalidInput
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


def parse_day(value: str, name: str, *, end: bool = False) -> datetime:
    """Read 2026-05-01 (a local day) or a full RFC 3339 time given to option `name`."""
    try:
        return read_local(value, ZoneInfo(get_settings().timezone), end=end)
    except ValueError:
        raise InvalidInput(f"{name} 应为日期，如 2026-05-01，实际为 {value!r}") from None
