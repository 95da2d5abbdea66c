"""Export a SQLite store to parquet through ADBC, in a child process.

Python's sqlite3 reads and converts one value at a time (about 8 s per million events);
the ADBC driver reads straight into Arrow in C (about 1 s). The driver carries its own copy
of SQLite, and two SQLite libraries in one process break each other's POSIX file locks
(closing one's file descriptor drops the other's locks, see sqlite.org/howtocorrupt.html
§2.2), so the driver only ever runs in a process of its own. It reports progress and the
result as JSON lines on stdout.

Run by `export_sqlite`:  python -m quanzi.metrics.sqlite_export DB DIR CHUNK_ROWS stages|metrics
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from quanzi.metrics.engines import EngineError
from quanzi.metrics.export import EXPORTS, Progress, arrow_schema, derived, write_batches


def _placeholder(kind: pa.DataType) -> str:
    """A SQL literal of the stored type that an exported column of `kind` holds."""
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return "0"
    return "0.0" if pa.types.is_floating(kind) else "''"


def _typed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Cast SQLite's stored values to the export schema (timestamps are stored as UTC text)."""
    arrays = []
    for column, field in zip(batch.columns, schema, strict=True):
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.timestamp("us"))
        arrays.append(column.cast(field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _batches(cursor: Any, name: str, chunk_rows: int, stages: bool) -> Iterator[pa.RecordBatch]:
    """Read one table into Arrow, `chunk_rows` rows a batch, typed by the export schema."""
    export = EXPORTS[name]
    schema = arrow_schema(name, stages)
    # The driver takes each column's type from the values of its first batch, so a column
    # that starts with NULLs would be misread: a first row of typed placeholders fixes the
    # types and is dropped again.
    anchors = ", ".join(f'{_placeholder(f.type)} AS "{f.name}"' for f in schema)
    columns = ", ".join(
        [f'"{n}"' for n in export.columns]
        + [f'{d.sqlite} AS "{d.name}"' for d in derived(name, stages)]
    )
    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(chunk_rows)})
    cursor.execute(
        f'SELECT {anchors} UNION ALL SELECT * FROM (SELECT {columns} FROM "{export.table.name}" '
        "ORDER BY id)"
    )
    first = True
    for batch in cursor.fetch_record_batch():
        if first:
            batch, first = batch.slice(1), False
        if batch.num_rows:
            yield _typed(batch, schema)


def _number(cursor: Any, sql: str) -> int:
    """Run a query of one number and return it."""
    cursor.execute(sql)
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(database: str, directory: Path, chunk_rows: int, stages: bool) -> None:
    """Write every exported table in one read snapshot; report as JSON lines."""
    import adbc_driver_sqlite.dbapi as adbc

    tables: dict[str, Any] = {}
    with adbc.connect(database, autocommit=True) as connection, connection.cursor() as cursor:
        # One read transaction: in WAL mode every table comes from the same snapshot.
        cursor.execute("BEGIN")
        last_event = _number(cursor, "SELECT coalesce(max(id), 0) FROM event")
        for name in EXPORTS:
            total = _number(cursor, f'SELECT count(*) FROM "{EXPORTS[name].table.name}"')
            written = write_batches(
                directory,
                name,
                arrow_schema(name, stages),
                _batches(cursor, name, chunk_rows, stages),
                total,
                lambda n, done, all_: _say({"progress": [n, done, all_]}),
                stages,
            )
            tables |= {n: {"file": f"{n}.parquet", "rows": rows} for n, rows in written.items()}
        cursor.execute("COMMIT")
    _say({"last_event_id": last_event, "tables": tables})


def export_sqlite(
    database: str, directory: Path, chunk_rows: int, progress: Progress | None, stages: bool
) -> tuple[int, dict[str, Any]]:
    """Export the SQLite store at `database` in a child process; return (last id, tables)."""
    command = [sys.executable, "-m", __name__, database, str(directory), str(chunk_rows)]
    command.append("stages" if stages else "metrics")
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        result: dict[str, Any] | None = None
        for line in child.stdout:
            message = json.loads(line)
            if "progress" in message:
                if progress is not None:
                    progress(*message["progress"])
            else:
                result = message
        errors = child.stderr.read()
    if child.returncode != 0 or result is None:
        last = errors.strip().splitlines()[-1] if errors.strip() else f"退出码 {child.returncode}"
        raise EngineError(f"导出 SQLite 数据库失败：{last}")
    return int(result["last_event_id"]), result["tables"]


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "stages")
