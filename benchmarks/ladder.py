"""Time the ladder's reads on a simulated world: the report, task progress, segment counts.

.venv/bin/python benchmarks/ladder.py --people 2000 --days 180 [--db URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from quanzi.analytics.ladder import build_ladder
from quanzi.analytics.ladder_tasks import task_views
from quanzi.analytics.ladder_views import offer_rows, segment_rows
from quanzi.services.ingest import ingest_objects
from quanzi.services.ladder_demo import seed_demo
from quanzi.sim import SimConfig, simulate
from quanzi.store import migrate
from quanzi.store.db import get_engine


def timed(label: str, call: object, runs: int = 3) -> None:
    """Print the best of a few runs of `call`."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    print(f"{label:<28} {best * 1000:8.1f} ms")


def main() -> None:
    """Build the world, then time each read."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'ladder.db'}"
    engine = get_engine(url)
    migrate.upgrade(engine)
    report = ingest_objects(engine, simulate(SimConfig(seed=1, days=args.days, people=args.people)))
    seed_demo(engine)
    print(
        f"{report.stored} events, {args.people} people, {args.days} days on {engine.dialect.name}"
    )
    timed("ladder report", lambda: build_ladder(engine))
    timed("task progress (3 tasks)", lambda: task_views(engine))
    timed("segments (2, live counts)", lambda: segment_rows(engine))
    timed("offers (2, audiences)", lambda: offer_rows(engine))


if __name__ == "__main__":
    main()
