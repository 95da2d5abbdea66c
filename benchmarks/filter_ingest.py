"""What screening costs the ingest: `benchmarks/ingest.py`'s run with the filter hook off and on.

Run:  .venv/bin/python benchmarks/filter_ingest.py [--events 100000] [--rounds 2]

Each round ingests the same simulated file into a fresh SQLite database twice, once with
the filter's ingest hook replaced by a no-op and once with it, and reports the seconds
spent inside the hook itself (screening join requests, setting strata).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import ingest as bench

import quanzi.services.filter_ingest as hook


def main() -> None:
    """Alternate runs without and with the hook; print seconds and the hook's share."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/quanzi-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = args.workdir / f"events-{args.events}.jsonl"
    if not source.exists():
        bench.write_events(source, args.events, 1)
    url = f"sqlite:///{args.workdir / 'filter-ingest.db'}"
    real = hook.on_batch
    spent = [0.0]

    def timed(*parts: Any) -> None:
        started = time.perf_counter()
        real(*parts)
        spent[0] += time.perf_counter() - started

    for _ in range(args.rounds):
        for name, replacement in (("without filter", lambda *parts: None), ("with filter", timed)):
            hook.on_batch = replacement
            spent[0] = 0.0
            seconds, _report = bench.time_quanzi(url, source)
            print(
                f"{name}: {seconds:.2f} s ({args.events / seconds:,.0f} events/s), "
                f"inside the filter hook {spent[0]:.2f} s",
                flush=True,
            )
    hook.on_batch = real


if __name__ == "__main__":
    main()
