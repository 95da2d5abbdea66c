"""Ingest benchmark: `quanzi ingest` of N simulated events beside a bare executemany.

Run:  .venv/bin/python benchmarks/ingest.py --events 1000000 [--postgres URL]

For each database (a fresh SQLite file, and PostgreSQL when --postgres is given) it times
  1. quanzi's ingest of the JSON Lines file (validate, de-duplicate, store, project), and
  2. a bare DBAPI executemany of the same rows into the same `event` table, in batches of
     the same size, each committed — the floor any ingest into that schema stands on,
and prints events/s for both and their ratio. Results are appended to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from machine import describe
from sqlalchemy import create_engine, text

from quanzi.services.ingest import ingest_file
from quanzi.sim import SimConfig, simulate
from quanzi.store import migrate
from quanzi.store.db import get_engine, normalise_url

HERE = Path(__file__).parent
BATCH = 2000


def write_events(path: Path, count: int, seed: int) -> int:
    """Write the first `count` simulated events to `path`; return how many were written."""
    # Enough people and days that the world holds at least `count` events.
    people = max(2000, count // 60)
    written = 0
    with path.open("w", encoding="utf-8") as handle:
        for event in islice(simulate(SimConfig(seed=seed, days=365, people=people)), count):
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
            written += 1
    return written


def fresh_database(url: str) -> None:
    """Empty the database at `url` and migrate it."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    get_engine.cache_clear()
    migrate.upgrade(get_engine(url))


def time_quanzi(url: str, source: Path) -> tuple[float, dict[str, Any]]:
    """Ingest `source` with quanzi into a fresh database; return seconds and the report."""
    fresh_database(url)
    engine = get_engine(url)
    started = time.perf_counter()
    with source.open("rb") as handle:
        report = ingest_file(engine, handle, batch_size=BATCH)
    return time.perf_counter() - started, report.to_dict()


def bare_rows(source: Path) -> list[tuple[Any, ...]]:
    """Build the event rows a bare insert writes (community and person ids precomputed)."""
    ids: dict[str, int] = {}
    now = datetime.now(UTC)
    rows = []
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            ts = datetime.fromisoformat(raw["ts"]).astimezone(UTC)
            community = ids.setdefault("c:" + str(raw.get("community")), len(ids) + 1)
            person = ids.setdefault("p:" + str(raw.get("person")), len(ids) + 1)
            rows.append((raw["id"], ts, raw["kind"], community, person, line.strip(), now))
    return rows


def time_bare(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Insert `rows` into a fresh `event` table with a bare executemany; return seconds."""
    fresh_database(url)
    engine = get_engine(url)
    sqlite = url.startswith("sqlite")
    mark = "?" if sqlite else "%s"
    # Foreign keys are dropped so the bare insert needs no community or person rows.
    with engine.begin() as connection:
        if sqlite:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
        else:
            for name in ("fk_event_community_id_community", "fk_event_person_id_person"):
                connection.execute(text(f"ALTER TABLE event DROP CONSTRAINT {name}"))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("PRAGMA foreign_keys=OFF")
            rows = [
                (*r[:1], r[1].replace(tzinfo=None), *r[2:6], r[6].replace(tzinfo=None))
                for r in rows
            ]
        statement = (
            "INSERT INTO event (source_id, ts, kind, community_id, person_id, payload, "
            f"ingested_at) VALUES ({', '.join([mark] * 7)})"
        )
        started = time.perf_counter()
        for start in range(0, len(rows), BATCH):
            cursor.executemany(statement, rows[start : start + BATCH])
            raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def main() -> None:
    """Run the benchmark and record its results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", help="PostgreSQL URL (its public schema is wiped)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/quanzi-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = args.workdir / f"events-{args.events}.jsonl"
    if not source.exists():
        started = time.perf_counter()
        count = write_events(source, args.events, args.seed)
        print(f"simulated {count} events in {time.perf_counter() - started:.1f} s → {source}")
    rows = bare_rows(source)
    targets = {"sqlite": f"sqlite:///{args.workdir / 'bench.db'}"}
    if args.postgres:
        targets["postgresql"] = args.postgres
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "python": platform.python_version(),
        "events": len(rows),
        "runs": {},
    }
    for name, url in targets.items():
        quanzi_seconds, report = time_quanzi(url, source)
        bare_seconds = time_bare(url, rows)
        run = {
            "quanzi_seconds": round(quanzi_seconds, 2),
            "quanzi_events_per_s": round(len(rows) / quanzi_seconds),
            "bare_seconds": round(bare_seconds, 2),
            "bare_events_per_s": round(len(rows) / bare_seconds),
            "ratio": round(quanzi_seconds / bare_seconds, 2),
            "report": {k: v for k, v in report.items() if k != "rejected"},
            "rejected": len(report["rejected"]),
        }
        results["runs"][name] = run
        print(
            f"{name}: quanzi {run['quanzi_events_per_s']:,} events/s ({quanzi_seconds:.1f} s), "
            f"bare executemany {run['bare_events_per_s']:,} events/s ({bare_seconds:.1f} s), "
            f"ratio {run['ratio']}×"
        )
    out = HERE / "results" / f"ingest-{results['date'][:10]}-{len(rows)}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results → {out}")


if __name__ == "__main__":
    main()
