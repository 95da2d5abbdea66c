"""Stage recompute from a parquet export, timed in its parts: read, replay, write and its pieces.

Run:  .venv/bin/python benchmarks/stage_parts.py --db sqlite:///PATH/quanzi.db --parquet DIR
      [--from-empty]

The export must be current (`quanzi analytics export --to parquet DIR`). With --from-empty the
stage tables and people's stages are emptied first, as before a first recompute (the recompute
rebuilds them). Prints one JSON line of seconds; nothing is written to `results/`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recompute import clear_stages

from quanzi.services import retain_stages, retain_stages_write
from quanzi.store.db import get_engine

PARTS = {
    retain_stages: ("_read_export", "replay_log", "write_results"),
    retain_stages_write: ("insert_rows", "_set_people", "_update_by_id", "_stored_prefix"),
}


def timed(laps: dict[str, float], name: str, work: Callable[..., Any]) -> Callable[..., Any]:
    """Return `work`, adding each call's seconds to `laps[name]`."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return work(*args, **kwargs)
        finally:
            laps[name] += time.perf_counter() - started

    return wrapper


def main() -> None:
    """Time one recompute in its parts and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--parquet", type=Path, required=True)
    parser.add_argument("--from-empty", action="store_true", help="empty the stage tables first")
    args = parser.parse_args()
    engine = get_engine(args.db)
    laps: dict[str, float] = defaultdict(float)
    for module, names in PARTS.items():
        for name in names:
            setattr(module, name, timed(laps, name, getattr(module, name)))
    if args.from_empty:
        clear_stages(engine)
    started = time.perf_counter()
    report = retain_stages.recompute_stages(engine, parquet=args.parquet)
    total = time.perf_counter() - started
    seconds = {"total": total, **laps}
    print(json.dumps({k: round(v, 2) for k, v in seconds.items()} | {"people": report.people}))


if __name__ == "__main__":
    main()
