"""Scale benchmark: quanzi's metric definitions beside a bare DuckDB group-by, same data, same run.

Run:  .venv/bin/python benchmarks/scale_world.py --out /tmp/quanzi-scale     # once, ~30 min
      .venv/bin/python benchmarks/scale.py --parquet /tmp/quanzi-scale [--spark]

On the parquet tables (as `quanzi analytics export` writes them) it times
  1. a full recompute of every metric in `quanzi.metrics` on DuckDB (one job, all rows back),
  2. an incremental update: every metric recomputed for the last day only,
  3. the limit: one bare DuckDB group-by over the same event file (rows and distinct people
     per community, kind and local day), the least the per-day metrics must do, and the same
     group-by counting rows only (the floor of one scan),
  4. optionally the same full recompute on Spark in local mode,
and prints seconds and ratios. Results are appended to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from machine import describe

from quanzi.metrics.calendar import day_start
from quanzi.metrics.definitions import METRICS, combined, expression
from quanzi.metrics.engines import connect_duckdb, connect_spark, read_manifest

HERE = Path(__file__).parent
TZ = "Asia/Shanghai"
BARE = """
SELECT community_id, kind, (epoch(ts)::BIGINT + 28800) // 86400 AS day,
       count(*) AS n, count(DISTINCT person_id) AS people
FROM read_parquet('{path}') GROUP BY ALL
"""
# The same grouping with no distinct count: the floor of a scan, for the second ratio.
BARE_COUNT = """
SELECT community_id, kind, (epoch(ts)::BIGINT + 28800) // 86400 AS day, count(*) AS n
FROM read_parquet('{path}') GROUP BY ALL
"""


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Run `work` `repeat` times; return the median seconds and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare(directory: Path, repeat: int, sql: str = BARE) -> tuple[float, int]:
    """Time a bare DuckDB group-by over the event file; return seconds and row count."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    query = sql.format(path=directory / "event.parquet")
    seconds, rows = timed(lambda: connection.sql(query).to_arrow_table(), repeat)
    return seconds, rows.num_rows


def sorted_rows(table: Any) -> list[tuple[Any, ...]]:
    """Return a result's rows in a fixed order, values rounded to the cent, to compare engines."""
    found = zip(
        *(table.column(n).to_pylist() for n in ("metric", "key", "day", "value")), strict=True
    )
    return sorted((m, k, d, round(v, 2)) for m, k, d, v in found)


def main() -> None:
    """Time the runs and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=Path("/tmp/quanzi-scale"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also time Spark in local mode")
    args = parser.parse_args()
    manifest = read_manifest(args.parquet)
    events = manifest["tables"]["event"]["rows"]
    bare_s, bare_rows = bare(args.parquet, args.repeat)
    print(f"bare DuckDB group-by over {events:,} events: {bare_s:.2f} s ({bare_rows:,} groups)")
    count_s, _ = bare(args.parquet, args.repeat, BARE_COUNT)
    print(f"bare DuckDB group-by, count(*) only: {count_s:.2f} s")

    source = connect_duckdb(args.parquet)
    metrics = list(METRICS.values())

    def full() -> Any:
        # The day calendar (one min/max query) is part of every run, as in `analytics run`.
        job = combined(metrics, source.tables, source.tables.calendar(TZ))
        return source.backend.to_pyarrow(job)

    full_s, rows = timed(full, args.repeat)
    print(f"full recompute, {len(metrics)} metrics: {full_s:.2f} s ({rows.num_rows:,} rows)")

    last = max(rows.column("day").to_pylist())
    window = source.tables.window(day_start(last - 1, TZ), day_start(last + 1, TZ))

    def one_day() -> int:
        # A running total needs its earlier days; the rest read only the day's rows.
        found, calendar = 0, source.tables.calendar(TZ)
        for metric in metrics:
            tables = source.tables if metric.cumulative else window
            job = expression(metric, tables, calendar, {last})
            found += source.backend.to_pyarrow(job).num_rows
        return found

    day_s, day_rows = timed(one_day, args.repeat)
    print(f"incremental update of one day: {day_s:.2f} s ({day_rows:,} rows)")
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": describe(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "events": events,
        "people": manifest["tables"]["person"]["rows"],
        "metrics": len(metrics),
        "bare_groupby_s": round(bare_s, 3),
        "full_recompute_s": round(full_s, 3),
        "full_over_bare": round(full_s / bare_s, 2),
        "bare_count_only_s": round(count_s, 3),
        "full_over_count_only": round(full_s / count_s, 2),
        "one_day_s": round(day_s, 3),
        "one_day_over_bare": round(day_s / bare_s, 2),
        "repeat": args.repeat,
    }
    if args.spark:
        spark = connect_spark(args.parquet)
        spark_job = combined(metrics, spark.tables, spark.tables.calendar(TZ))
        spark_s, spark_rows = timed(lambda: spark.backend.to_pyarrow(spark_job), 1)
        same = sorted_rows(spark_rows) == sorted_rows(rows)
        print(f"Spark local[2] full recompute: {spark_s:.2f} s (same rows as DuckDB: {same})")
        result |= {"spark_full_s": round(spark_s, 3), "spark_rows_equal": same}
    print(f"ratio full/bare: {result['full_over_bare']}×")
    out = HERE / "results" / f"scale-{result['date']}-{events}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"→ {out}")


if __name__ == "__main__":
    main()
