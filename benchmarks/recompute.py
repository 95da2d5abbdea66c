"""Recompute benchmark: stages, ladder, fission, health and the metrics on a store, beside DuckDB.

Run:  .venv/bin/python benchmarks/recompute.py --db sqlite:///PATH/quanzi.db [--skip-store-fill]

Times each full recompute on the live store (SQLite or PostgreSQL), then exports the store to
parquet and times the bare DuckDB group-by that `benchmarks/scale.py` uses as the limit, on the
same events, and the stage recompute that reads its log from that export (`quanzi stages
--parquet`), and prints every figure as a ratio to the limit. Recomputing stages writes to the
store; with --stages-from-empty the stage tables are emptied first for a second, first-run figure.
On SQLite it also times a bare executemany of the same result rows into a fresh file (the limit
beside the stage write), with the tables' indexes in place and built after the rows, as the
stage write does. Ladder, fission and health are timed twice: first with whatever the page
cache holds, then again with what the first run left in it (their reads of the store are what
the cache decides).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import fresh_database
from machine import describe
from scale import BARE, bare
from sqlalchemy import delete, update

from quanzi.analytics.attract_fission import fission_report
from quanzi.analytics.ladder import build_ladder
from quanzi.analytics.retain_health import health_report
from quanzi.domain.retain_replay import CHANGE_COLUMNS, ENGAGEMENT_COLUMNS
from quanzi.metrics.export import export_parquet
from quanzi.services.metrics_fill import update_metrics
from quanzi.services.retain_stages import recompute_stages
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import get_engine

HERE = Path(__file__).parent
AGAIN = ("ladder", "fission", "health")  # timed a second time, with the page cache they left


def seconds(work: Callable[[], Any]) -> float:
    """Run `work` once and return how long it took."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def clear_stages(engine: Any) -> None:
    """Empty the derived stage tables and people's stages, as before a first recompute."""
    with engine.begin() as connection:
        connection.execute(delete(r.StageChange))
        connection.execute(delete(r.Engagement))
        connection.execute(delete(r.StageRun))
        connection.execute(update(m.Person).values(stage=None, stage_reason=None))


def bare_result_insert(
    engine: Any, directory: Path, *, indexes_after: bool = False
) -> float | None:
    """Time a bare executemany of the stored stage results, as stored, into a fresh migrated
    SQLite file (foreign keys off): the floor beside the stage write. SQLite stores only.

    `indexes_after`: the tables' secondary indexes are dropped first and built after the rows
    (in the timed transaction), as the stage write does when it rewrites most of a table.
    """
    if engine.dialect.name != "sqlite":
        return None
    path = directory / "bare-results.db"
    path.unlink(missing_ok=True)
    fresh_database(f"sqlite:///{path}")
    tables = {"stage_change": CHANGE_COLUMNS, "engagement": ENGAGEMENT_COLUMNS}
    with engine.connect() as source:
        rows = {
            table: source.exec_driver_sql(f"SELECT {', '.join(c)} FROM {table} ORDER BY id").all()
            for table, c in tables.items()
        }
    target = sqlite3.connect(path, isolation_level=None)
    try:
        listed = ", ".join(f"'{t}'" for t in tables)
        indexes = target.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({listed}) "
            "AND sql IS NOT NULL"
        ).fetchall()
        started = time.perf_counter()
        target.execute("BEGIN")
        if indexes_after:
            for name, _ in indexes:
                target.execute(f"DROP INDEX {name}")
        for table, columns in tables.items():
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            target.executemany(sql, rows[table])
        if indexes_after:
            for _, sql in indexes:
                target.execute(sql)
        target.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        target.close()


def main() -> None:
    """Time the recomputes and the limit, write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--skip-store-fill", action="store_true", help="skip the in-store metric fill (slow at 50M)"
    )
    parser.add_argument(
        "--skip-store-stages",
        action="store_true",
        help="skip the stage recompute that reads the store (slow at 50M); the one from the "
        "export still runs",
    )
    parser.add_argument(
        "--stages-from-empty",
        action="store_true",
        help="also time the stage recompute from the export on emptied stage tables (a first "
        "run); the tables are derived and that recompute rebuilds them",
    )
    args = parser.parse_args()
    engine = get_engine(args.db)
    work: dict[str, Callable[[], Any]] = {}
    if not args.skip_store_stages:
        work["stages"] = lambda: recompute_stages(engine)
    work |= {
        "ladder": lambda: build_ladder(engine),
        "fission": lambda: fission_report(engine, None),
        "health": lambda: health_report(engine),
        "metrics_full_fill_via_duckdb": lambda: update_metrics(engine, full=True, via="duckdb"),
    }
    if not args.skip_store_fill:
        work["metrics_full_fill"] = lambda: update_metrics(engine, full=True)
    figures = {}
    for name, job in work.items():
        figures[name] = seconds(job)
        print(f"{name}: {figures[name]:.2f} s", flush=True)
        if name in AGAIN:
            figures[f"{name}_again"] = seconds(job)
            print(f"{name} again: {figures[f'{name}_again']:.2f} s", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        manifest = export_parquet(engine, Path(directory))
        figures["export_parquet"] = time.perf_counter() - started
        print(f"export_parquet: {figures['export_parquet']:.2f} s", flush=True)
        limit, _ = bare(Path(directory), 3, BARE)
        figures["stages_from_parquet"] = seconds(
            lambda: recompute_stages(engine, parquet=Path(directory))
        )
        print(f"stages_from_parquet: {figures['stages_from_parquet']:.2f} s", flush=True)
        if args.stages_from_empty:
            clear_stages(engine)
            figures["stages_from_parquet_from_empty"] = seconds(
                lambda: recompute_stages(engine, parquet=Path(directory))
            )
            print(f"from empty: {figures['stages_from_parquet_from_empty']:.2f} s", flush=True)
        for key, after in (("", False), ("_indexes_after", True)):
            floor = bare_result_insert(engine, Path(directory), indexes_after=after)
            if floor is not None:
                figures[f"bare_insert_of_the_stage_results{key}"] = floor
                print(f"bare insert of the stage results{key}: {floor:.2f} s", flush=True)
    events = manifest["tables"]["event"]["rows"]
    print(f"bare DuckDB group-by over the same {events:,} events: {limit:.3f} s")
    result = {
        "date": datetime.now(UTC).date().isoformat(), "machine": describe(),
        "python": platform.python_version(), "database": engine.dialect.name, "events": events,
        "bare_groupby_s": round(limit, 3),
        "seconds": {k: round(v, 2) for k, v in figures.items()},
        "over_bare": {k: round(v / limit, 1) for k, v in figures.items()},
    }  # fmt: skip
    print(json.dumps(result["over_bare"]))
    out = HERE / "results" / f"recompute-{result['date']}-{engine.dialect.name}-{events}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
