"""Bare insert of a large JSON Lines file's rows, streamed: the floor beside a big ingest.

Run:  .venv/bin/python benchmarks/bare_insert.py EVENTS.jsonl --skip N --db sqlite:///bare.db \
          [--batch 10000] [--ingest-seconds S]

`benchmarks/ingest.py` holds every row in memory, which a store of tens of millions of
events does not fit. This streams lines N+1… of the file into a fresh, migrated database's
`event` table (foreign keys off, so no community or person rows), a DBAPI executemany per
batch, each committed — the same rows and batches `quanzi ingest - --batch-size` stored.
Like the ingest, its time includes reading and parsing the lines.
With --ingest-seconds (the ingest's wall time on those rows) it prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ingest import fresh_database
from machine import describe
from rich.progress import Progress

from quanzi.store.db import get_engine

HERE = Path(__file__).parent


def batches(lines: Iterator[str], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Yield the event rows of `lines` in lists of `size`, as ingest.bare_rows builds them."""
    ids: dict[str, int] = {}
    now = datetime.now(UTC).replace(tzinfo=None)
    while chunk := list(islice(lines, size)):
        rows = []
        for line in chunk:
            try:
                raw = json.loads(line)
            except ValueError:
                continue  # a cut last line: ingest rejected it too
            ts = datetime.fromisoformat(raw["ts"]).astimezone(UTC).replace(tzinfo=None)
            community = ids.setdefault("c:" + str(raw.get("community")), len(ids) + 1)
            person = ids.setdefault("p:" + str(raw.get("person")), len(ids) + 1)
            rows.append((raw["id"], ts, raw["kind"], community, person, line.strip(), now))
        yield rows


def main() -> None:
    """Stream the rows into a fresh SQLite store, time it, and record the result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("--skip", type=int, default=0, help="lines to skip first")
    parser.add_argument("--db", required=True, help="a SQLite URL; the file is replaced")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--ingest-seconds", type=float, help="the ingest's time on these rows")
    args = parser.parse_args()
    if not args.db.startswith("sqlite:///"):
        raise SystemExit("--db must be a sqlite:/// URL")
    fresh_database(args.db)
    raw = get_engine(args.db).raw_connection()
    statement = (
        "INSERT INTO event (source_id, ts, kind, community_id, person_id, payload, "
        "ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    rows = 0
    handle = args.source.open(encoding="utf-8")
    try:
        # The lines before --skip are read before the clock starts: ingest never saw them.
        lines = islice(handle, args.skip, None)
        first = next(lines, None)
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        started = time.perf_counter()
        with Progress() as progress:
            task = progress.add_task("bare insert", total=None)
            rest = chain([first], lines) if first is not None else iter(())
            for batch in batches(rest, args.batch):
                cursor.executemany(statement, batch)
                raw.commit()
                rows += len(batch)
                progress.update(task, completed=rows)
        seconds = time.perf_counter() - started
    finally:
        raw.close()
        handle.close()
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "source": str(args.source),
        "skip": args.skip,
        "rows": rows,
        "batch": args.batch,
        "bare_seconds": round(seconds, 1),
        "bare_rows_per_s": round(rows / seconds) if seconds else None,
    }
    if args.ingest_seconds:
        result["ingest_seconds"] = args.ingest_seconds
        result["ingest_rows_per_s"] = round(rows / args.ingest_seconds)
        result["ratio"] = round(args.ingest_seconds / seconds, 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = HERE / "results" / f"bare-insert-{result['date'][:10]}-{args.skip}-{rows}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results → {out}")


if __name__ == "__main__":
    main()
