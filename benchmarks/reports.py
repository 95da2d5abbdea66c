"""Report benchmark: the time to compute each heavy report's usual variants on a given store.

Run:  .venv/bin/python benchmarks/reports.py --db sqlite:///PATH/quanzi.db [--names a,b]

These are the computations `quanzi analytics update` stores as snapshots (`REPORTS` in
`src/quanzi/analytics/report_catalog.py`). Nothing is written to the store: each variant is
computed once, live, in this process, with the in-process memo cleared before each report
so no report borrows another's work. Results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from machine import describe
from sqlalchemy import func, select

from quanzi.analytics import retain_common
from quanzi.analytics.report_catalog import REPORTS
from quanzi.services import reports as _declares_moderation  # noqa: F401  (its report)
from quanzi.store import models as m
from quanzi.store.db import get_engine, reading


def main() -> None:
    """Time every (or each named) report's variants and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--names", default="", help="comma-separated report names; all by default")
    parser.add_argument("--label", default="", help="a note for the results file")
    args = parser.parse_args()
    engine = get_engine(args.db)
    names = args.names.split(",") if args.names else list(REPORTS)
    with reading(engine) as session:
        events = session.scalar(select(func.count()).select_from(m.Event)) or 0
        planned = [(name, params) for name in names for params in REPORTS[name].variants(session)]
    timings = []
    for name, params in planned:
        retain_common._MEMO.clear()
        started = time.perf_counter()
        REPORTS[name].compute(engine, **params)
        seconds = round(time.perf_counter() - started, 2)
        timings.append({"report": name, "params": params, "seconds": seconds})
        print(name, params, seconds, "s", flush=True)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    result = {
        "date": datetime.now(UTC).date().isoformat(), "machine": describe(),
        "python": platform.python_version(), "database": args.db.split(":", 1)[0],
        "events": events, "label": args.label, "reports": timings,
        "total_s": round(sum(t["seconds"] for t in timings), 2), "peak_rss_gb": round(peak_gb, 2),
    }  # fmt: skip
    print("total", result["total_s"], "s; peak", result["peak_rss_gb"], "GB", flush=True)
    name = f"reports-{result['date']}-{events}{'-' + args.label if args.label else ''}.json"
    (Path(__file__).parent / "results" / name).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
