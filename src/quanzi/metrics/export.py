"""Export the tables the metrics read to parquet files, in bounded chunks, atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Boolean, Connection, Date, Engine, Float, Integer, Table, func, select

from quanzi.metrics.engines import MANIFEST
from quanzi.store import models as m
from quanzi.store import stage_log
from quanzi.store.models import UtcDateTime

CHUNK_ROWS = 50_000
FORMAT = "quanzi-metrics-parquet"
# 2: `event` carries the message type and the stage rules' payload fields (for the replay).
# 3: with those, `event_rare.parquet` holds the events other than messages once more, alone.
VERSION = 3
# The stage replay reads the rarer kinds apart from the messages; alone in a file of their
# own (a tenth of the rows) that read need not scan every message again.
RARE = "event_rare"


@dataclass(frozen=True)
class Derived:
    """An exported column computed from the payload: as SQLite SQL and as SQLAlchemy."""

    name: str
    type: pa.DataType
    sqlite: str
    expression: Callable[[], Any]


@dataclass(frozen=True)
class Export:
    """One exported table: stored columns, then derived ones."""

    table: Table
    columns: tuple[str, ...]
    derived: tuple[Derived, ...] = ()


_MESSAGE_TYPE = Derived(
    "message_type",
    pa.int8(),
    f"CASE WHEN kind = 'message' THEN {stage_log.SQLITE_MESSAGE_TYPE} END",
    stage_log.message_type,
)
_FIELD_TYPES = {"text": pa.string(), "number": pa.float64(), "person": pa.int64()}
_STAGE_FIELDS = tuple(
    Derived(f.name, _FIELD_TYPES[f.value], f.sqlite(), f.expression) for f in stage_log.FIELDS
)
_EVENT_COLUMNS = ("id", "ts", "kind", "community_id", "person_id")
# Only the columns an analysis needs: no message text, payloads or names leave the store.
# The event log carries what the stage rules read of payloads, so the replay can run on it.
EXPORTS: dict[str, Export] = {
    "event": Export(m.table(m.Event), _EVENT_COLUMNS, (_MESSAGE_TYPE, *_STAGE_FIELDS)),
}
EXPORTS |= {
    name: Export(m.table(model), tuple(columns.split()))
    for name, model, columns in (
        (
            "orders",
            m.Order,
            "id order_key event_id community_id person_id item qty amount leader_id source "
            "status ts refunded_at",
        ),
        (
            "invite",
            m.Invite,
            "id event_id community_id inviter_id invitee_id campaign via ts status",
        ),
        ("community", m.Community, "id key name purpose model type carrier price ladder rank"),
        ("person", m.Person, "id key source stratum stage inviter_id first_seen"),
    )
}
Progress = Callable[[str, int, int], None]


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):  # BigInteger and the SQLite variant are Integers too
        return pa.int64()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def arrow_schema(name: str, stages: bool = True) -> pa.Schema:
    """Return the parquet schema of exported table `name` (without the stage fields)."""
    export = EXPORTS[name]
    stored = [pa.field(n, _arrow_type(export.table.c[n])) for n in export.columns]
    return pa.schema(stored + [pa.field(d.name, d.type) for d in derived(name, stages)])


def derived(name: str, stages: bool) -> tuple[Derived, ...]:
    """Return the derived columns exported for table `name` (all of them serve the stages)."""
    return EXPORTS[name].derived if stages else ()


def _write_table(
    connection: Connection,
    directory: Path,
    name: str,
    chunk_rows: int,
    progress: Progress | None,
    stages: bool,
) -> dict[str, int]:
    """Stream one table into `name.parquet`, one row group per chunk; return {file name:
    rows} (`write_batches`)."""
    export = EXPORTS[name]
    table, schema = export.table, arrow_schema(name, stages)
    columns = [table.c[n] for n in export.columns]
    query = select(*columns, *(d.expression().label(d.name) for d in derived(name, stages)))
    total = connection.scalar(select(func.count()).select_from(table)) or 0
    query = query.order_by(table.c.id)
    result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(query)

    def batches() -> Iterator[pa.RecordBatch]:
        for part in result.partitions(chunk_rows):
            values = list(zip(*part, strict=True))
            arrays = [pa.array(v, type=f.type) for v, f in zip(values, schema, strict=True)]
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)

    return write_batches(directory, name, schema, batches(), total, progress, stages)


def write_batches(
    directory: Path,
    name: str,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    total: int,
    progress: Progress | None,
    stages: bool = False,
) -> dict[str, int]:
    """Write batches to `name.parquet` through a temporary file; return {file name: rows}.

    With `stages`, the events other than messages go to `event_rare.parquet` as well.
    """
    rare = stages and name == "event"
    done = rare_rows = 0
    with ExitStack() as files:
        writer = files.enter_context(pq.ParquetWriter(_temporary(directory, name), schema))
        rare_writer = (
            files.enter_context(pq.ParquetWriter(_temporary(directory, RARE), schema))
            if rare
            else None
        )
        for batch in batches:
            writer.write_batch(batch)
            if rare_writer is not None:
                others = batch.filter(pc.not_equal(batch["kind"], "message"))
                rare_writer.write_batch(others)
                rare_rows += others.num_rows
            done += batch.num_rows
            if progress is not None:
                progress(name, done, total)
    # A reader sees the old file or the whole new one, never a half-written one.
    for written in (name, RARE) if rare else (name,):
        os.replace(_temporary(directory, written), directory / f"{written}.parquet")
    if progress is not None:
        progress(name, done, max(total, done))
    return {name: done, RARE: rare_rows} if rare else {name: done}


def _temporary(directory: Path, name: str) -> Path:
    """Return where `name.parquet` is written before it replaces the old one."""
    return directory / f".{name}.parquet.tmp"


def export_parquet(
    engine: Engine,
    directory: Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
    stages: bool = True,
) -> dict[str, Any]:
    """Write the metric tables of the store to `directory` as parquet and return the manifest.

    `stages=False` leaves out what only the stage replay reads (on SQLite its message types
    are the costly part: 168–191 s instead of 83 s at 50M events).
    """
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        from quanzi.metrics.sqlite_export import export_sqlite

        last_event, tables = export_sqlite(database, directory, chunk_rows, progress, stages)
        return _write_manifest(engine, directory, last_event, tables, stages)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # One snapshot for every table, even while events keep arriving.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            last_event = connection.scalar(select(func.max(m.Event.id))) or 0
            for name in EXPORTS:
                written = _write_table(connection, directory, name, chunk_rows, progress, stages)
                tables |= {n: {"file": f"{n}.parquet", "rows": rows} for n, rows in written.items()}
    return _write_manifest(engine, directory, last_event, tables, stages)


def _write_manifest(
    engine: Engine, directory: Path, last_event: int, tables: dict[str, Any], stages: bool
) -> dict[str, Any]:
    """Write `manifest.json` last, atomically: its presence means the export is whole."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "database": engine.dialect.name,
        "last_event_id": last_event,
        "stage_fields": stages,
        "tables": tables,
    }
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, directory / MANIFEST)
    return manifest
