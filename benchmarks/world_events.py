"""Write the large simulated world's events as JSON Lines: the file the 50M store is built from.

Run:  .venv/bin/python benchmarks/world_events.py --events 50000000 --out ev50m.jsonl
      .venv/bin/quanzi ingest ev50m.jsonl --json --batch-size 10000 --db sqlite:///q50m.db

Same world as `scale_world.py` (seed 1, 1,210,000 people, 180 days), so the store and the
parquet world hold the same events. `--out -` writes to standard output, for a pipe into
`quanzi ingest -`. Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import islice
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from scale_world import world_arguments

from quanzi.sim import SimConfig, simulate


def write_world(out: TextIO, config: SimConfig, events: int, progress: Progress) -> int:
    """Write the first `events` events of the world to `out`; return how many were written."""
    task = progress.add_task("模拟事件", total=events)
    written = 0
    for event in islice(simulate(config), events):
        out.write(json.dumps(event, ensure_ascii=False) + "\n")
        written += 1
        if written % 100_000 == 0:
            progress.update(task, completed=written)
    progress.update(task, completed=written)
    return written


def main() -> None:
    """Simulate and write the events; print the count and seconds to standard error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    world_arguments(parser)
    parser.add_argument("--out", default="-", help="file to write, or - for standard output")
    args = parser.parse_args()
    config = SimConfig(seed=args.seed, days=args.days, people=args.people)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    started = time.perf_counter()
    # The progress bar on standard error, so that standard output can be the events.
    with Progress(*columns, console=Console(stderr=True), redirect_stdout=False) as progress:
        if args.out == "-":
            written = write_world(sys.stdout, config, args.events, progress)
        else:
            with Path(args.out).open("w", encoding="utf-8") as handle:
                written = write_world(handle, config, args.events, progress)
    seconds = time.perf_counter() - started
    print(f"{written:,} events in {seconds:,.1f} s ({written / seconds:,.0f}/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
