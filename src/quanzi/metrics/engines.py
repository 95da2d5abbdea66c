"""Open the metric tables on an engine: the live SQLite/PostgreSQL store, DuckDB or Spark."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend
from sqlalchemy.engine import make_url

from quanzi.errors import InvalidInput, QuanziError
from quanzi.metrics.definitions import TABLES, Tables
from quanzi.store.db import normalise_url

ENGINES = ("sqlite", "postgres", "duckdb", "spark")
MANIFEST = "manifest.json"


class EngineError(QuanziError):
    """An engine could not be opened: missing export, missing Java, wrong database."""

    code = "engine_unavailable"
    http_status = 503


@dataclass
class Source:
    """An open ibis backend and the metric tables on it."""

    engine: str
    backend: BaseBackend
    tables: Tables

    def close(self) -> None:
        """Release the connection (a Spark session stays up for the next run)."""
        if self.engine != "spark":
            self.backend.disconnect()


def _tables(backend: BaseBackend) -> Tables:
    return Tables(**{name: backend.table(name) for name in TABLES})


def connect_database(url: str) -> Source:
    """Open the live store at a SQLAlchemy URL (SQLite file or PostgreSQL)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:" or not Path(path).exists():
            raise EngineError(f"找不到 SQLite 数据库文件：{path or '（内存库）'}")
        backend = ibis.sqlite.connect(path)
        return Source("sqlite", backend, _tables(backend))
    if parsed.get_backend_name() == "postgresql":
        options: dict[str, Any] = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
        backend = ibis.postgres.connect(
            host=parsed.host or "localhost",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
            **options,
        )
        return Source("postgres", backend, _tables(backend))
    raise EngineError(f"不支持的数据库：{parsed.get_backend_name()}（仅支持 SQLite 与 PostgreSQL）")


def read_manifest(directory: Path) -> dict[str, Any]:
    """Return the export's manifest, or explain why `directory` is not an export."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise EngineError(f"找不到 parquet 目录：{directory}（先运行 quanzi analytics export）")
    if not path.is_file():
        raise EngineError(f"{directory} 不是 quanzi 导出目录：缺少 {MANIFEST}")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in TABLES if not (directory / f"{name}.parquet").is_file()]
    if missing:
        raise EngineError(f"导出目录缺少文件：{', '.join(f'{n}.parquet' for n in missing)}")
    return manifest


def connect_duckdb(directory: Path) -> Source:
    """Open DuckDB in memory over a parquet export."""
    read_manifest(directory)
    backend = ibis.duckdb.connect()
    # Timestamps are compared as instants; pin UTC so the host's zone never leaks in.
    backend.raw_sql("SET TimeZone = 'UTC'")
    for name in TABLES:
        backend.read_parquet(str(directory / f"{name}.parquet"), table_name=name)
    return Source("duckdb", backend, _tables(backend))


def connect_spark(directory: Path, session: Any | None = None) -> Source:
    """Open Spark (local mode unless a session is given) over a parquet export."""
    read_manifest(directory)
    from quanzi.metrics.spark import spark_session

    backend = ibis.pyspark.connect(session or spark_session())
    # Views live as long as the shared session: a per-export suffix keeps two exports apart.
    suffix = uuid.uuid4().hex[:8]
    tables = {
        name: backend.read_parquet(
            str((directory / f"{name}.parquet").resolve()), table_name=f"{name}_{suffix}"
        )
        for name in TABLES
    }
    return Source("spark", backend, Tables(**tables))


def open_source(engine: str, *, db_url: str | None = None, parquet: Path | None = None) -> Source:
    """Open `engine`: the store for sqlite/postgres, a parquet export for duckdb/spark."""
    if engine not in ENGINES:
        raise InvalidInput(
            f"未知引擎：{engine}（可选 {'、'.join(ENGINES)}）", code="unknown_engine"
        )
    if engine in ("duckdb", "spark"):
        if parquet is None:
            raise InvalidInput(f"{engine} 引擎读取 parquet 导出：请给出 --parquet 目录")
        return connect_duckdb(parquet) if engine == "duckdb" else connect_spark(parquet)
    if db_url is None:
        raise InvalidInput("请给出数据库地址 --db")
    source = connect_database(db_url)
    if source.engine != engine:
        raise InvalidInput(f"数据库地址是 {source.engine}，与 --engine {engine} 不符")
    return source
