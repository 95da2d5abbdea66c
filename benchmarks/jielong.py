"""接龙 parser throughput on the simulator's real-shaped threads.

Run:  .venv/bin/python benchmarks/jielong.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from quanzi.domain.jielong import parse
from quanzi.sim import SimConfig, simulate


def threads(seed: int) -> list[str]:
    """Every 接龙 message of the default demo world."""
    return [
        e["text"]
        for e in simulate(SimConfig(seed=seed))
        if e["kind"] == "message" and str(e.get("text", "")).startswith("#接龙")
    ]


def main() -> None:
    """Parse every thread `repeat` times and print messages/s and entries/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    texts = threads(args.seed)
    entries = sum(len(parse(t).entries) for t in texts)
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for text in texts:
            parse(text)
        runs.append(time.perf_counter() - started)
    best, median = min(runs), statistics.median(runs)
    print(f"{len(texts)} 接龙 messages, {entries} entries (seed {args.seed})")
    print(f"median {median:.3f} s: {len(texts) / median:,.0f} messages/s, "
          f"{entries / median:,.0f} entries/s (best {entries / best:,.0f} entries/s)")  # fmt: skip


if __name__ == "__main__":
    main()
