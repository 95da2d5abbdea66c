"""Retain benchmark: the stage recompute and the retain figures on the demo world.

Run:  .venv/bin/python benchmarks/retain.py [--people 2000] [--days 180] [--postgres URL]

For each database (a fresh SQLite file, and PostgreSQL when --postgres is given) it ingests
the simulated 「果园鲜生」, then times: the stage recompute (weekly replay of the whole log),
`quanzi health` for every community, response times for every community (cold), the daily
report of one community, the churn report and the join-week cohorts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from quanzi.analytics import retain_common
from quanzi.analytics.retain_churn import churn_report, cohorts
from quanzi.analytics.retain_health import health_report
from quanzi.analytics.retain_questions import question_summary
from quanzi.analytics.retain_report import daily_report
from quanzi.services.ingest import ingest_objects
from quanzi.services.retain_stages import recompute_stages
from quanzi.sim import SimConfig, simulate
from quanzi.store import migrate
from quanzi.store.db import get_engine, normalise_url


def timed(label: str, run: Callable[[], Any]) -> Any:
    """Run once, print the wall time, return the result."""
    retain_common._MEMO.clear()  # cold: no result reused from an earlier call
    start = time.perf_counter()
    result = run()
    print(f"  {label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def bench(url: str, people: int, days: int) -> None:
    """Ingest the world into `url` and time each retain figure."""
    engine = get_engine(url)
    migrate.upgrade(engine)
    start = time.perf_counter()
    report = ingest_objects(engine, simulate(SimConfig(seed=1, days=days, people=people)))
    print(f"{url.split('://')[0]}: {report.stored} events ingested in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    staged = timed("recompute stages", lambda: recompute_stages(engine))
    print(f"    {staged.people} people, {staged.checkpoints} checkpoints, {staged.changes} changes")
    timed("health, all communities", lambda: health_report(engine))
    timed("response times, all communities", lambda: question_summary(engine))
    timed(
        "daily report (ladder-100)", lambda: daily_report(engine, "ladder-100", date(2026, 10, 20))
    )
    timed("churn report", lambda: churn_report(engine))
    timed("cohorts by join week", lambda: cohorts(engine))


def main() -> None:
    """Parse arguments and run on SQLite, then PostgreSQL when given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema may be reset")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{Path(tmp) / 'bench.db'}", args.people, args.days)
    if args.postgres:
        reset = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        with reset.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        reset.dispose()
        bench(args.postgres, args.people, args.days)


if __name__ == "__main__":
    main()
