"""Stage recompute benchmark: the array recompute beside the event-by-event reference replay.

Run:  .venv/bin/python benchmarks/stages.py --db sqlite:////tmp/q1m.db
      .venv/bin/python benchmarks/stages.py --events 1000000 [--workdir /tmp/quanzi-stages]

On one store (given by --db, or built from N simulated events with `write_events` of
benchmarks/ingest.py and quanzi's ingest) it times
  1. the SQL read alone: the new recompute's two passes over the log (`read_log`),
     and the reference's one pass (`_events` of tests/retain/stage_reference.py),
  2. the new `recompute_stages` (read, replay, write; one transaction),
  3. the reference recompute (the previous service, kept in tests/retain/stage_reference.py),
and prints wall and CPU seconds and the ratios (on a machine busy with other work, CPU time
is the steadier measure). Unless --no-check is given it also compares what the two
wrote: the same stage changes, engagement rows and stages. Results are appended to
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine import describe
from sqlalchemy import Engine, func, select

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # the reference replay lives in tests/retain

from tests.retain.stage_reference import _events, recompute_stages_reference  # noqa: E402

from quanzi.services.ingest import ingest_file  # noqa: E402
from quanzi.services.retain_stages import read_log, recompute_stages  # noqa: E402
from quanzi.store import migrate  # noqa: E402
from quanzi.store import models as m  # noqa: E402
from quanzi.store import models_retain as r  # noqa: E402
from quanzi.store.db import get_engine, reading  # noqa: E402


def cpu() -> float:
    """Return the CPU seconds used so far by this process and its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def seconds(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run `work` once; return the wall time, the CPU time and its result."""
    started, used = time.perf_counter(), cpu()
    result = work()
    return time.perf_counter() - started, cpu() - used, result


def build(workdir: Path, events: int, seed: int) -> str:
    """Simulate `events` events and ingest them into a fresh SQLite store; return its URL."""
    from ingest import write_events

    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / f"events-{events}.jsonl"
    database = workdir / f"stages-{events}.db"
    if not source.exists():
        print(f"simulating {events:,} events → {source}")
        write_events(source, events, seed)
    url = f"sqlite:///{database}"
    if not database.exists():
        engine = get_engine(url)
        migrate.upgrade(engine)
        print(f"ingesting → {database}")
        with source.open("rb") as handle:
            ingest_file(engine, handle, batch_size=10_000)
    return url


def snapshot(engine: Engine) -> tuple[list[Any], list[Any], list[Any]]:
    """Return what a recompute wrote: changes (in order), engagement rows, people's stages."""
    with reading(engine) as session:
        changes = session.execute(
            select(
                r.StageChange.person_id, r.StageChange.ts, r.StageChange.from_stage,
                r.StageChange.to_stage, r.StageChange.reason, r.StageChange.engagement,
            ).order_by(r.StageChange.id)
        ).all()  # fmt: skip
        scores = session.execute(
            select(
                r.Engagement.person_id, r.Engagement.community_id, r.Engagement.score,
                r.Engagement.last_active,
            ).order_by(r.Engagement.person_id, r.Engagement.community_id)
        ).all()  # fmt: skip
        people = session.execute(
            select(m.Person.id, m.Person.stage, m.Person.stage_reason).order_by(m.Person.id)
        ).all()
    return [tuple(c) for c in changes], [tuple(s) for s in scores], [tuple(p) for p in people]


def read_new(engine: Engine) -> int:
    """Read the log as the new recompute does (collector paused); return the events read."""
    gc.disable()
    try:
        with reading(engine) as session:
            newest = session.scalar(select(func.max(m.Event.id))) or 0
            log = read_log(session, newest)
    finally:
        gc.enable()
    return len(log.message_ts) + len(log.ts)


def read_reference(engine: Engine) -> int:
    """Read the log as the reference replay does; return the events read."""
    with reading(engine) as session:
        return sum(1 for _ in _events(session))


def main() -> None:
    """Time the reads and both recomputes on one store; record the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (its stage tables are rewritten)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/quanzi-stages"))
    parser.add_argument("--no-reference", action="store_true", help="time the new one only")
    parser.add_argument("--no-check", action="store_true", help="do not compare the results")
    args = parser.parse_args()
    url = args.db or build(args.workdir, args.events, args.seed)
    engine = get_engine(url)
    with reading(engine) as session:
        events = session.scalar(select(func.count()).select_from(m.Event)) or 0
    print(f"{url}: {events:,} events")
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "python": platform.python_version(),
        "backend": engine.dialect.name,
        "events": events,
    }
    read_s, read_cpu, read_rows = seconds(lambda: read_new(engine))
    print(f"  SQL read, new (2 passes):      {read_s:8.2f} s  (CPU {read_cpu:7.2f} s; "
          f"{read_rows:,} events)")  # fmt: skip
    new_s, new_cpu, report = seconds(lambda: recompute_stages(engine))
    print(f"  new recompute:                 {new_s:8.2f} s  (CPU {new_cpu:7.2f} s; "
          f"{report.people:,} people, {report.changes:,} changes, "
          f"{report.checkpoints} checkpoints)")  # fmt: skip
    result.update(
        read_new_s=round(read_s, 3),
        read_new_cpu_s=round(read_cpu, 3),
        new_s=round(new_s, 3),
        new_cpu_s=round(new_cpu, 3),
        report=report.to_dict(),
    )
    if not args.no_reference:
        new_rows = None if args.no_check else snapshot(engine)
        ref_read_s, ref_read_cpu, ref_rows = seconds(lambda: read_reference(engine))
        print(f"  SQL read, reference (1 pass):  {ref_read_s:8.2f} s  (CPU {ref_read_cpu:7.2f} s; "
              f"{ref_rows:,} events)")  # fmt: skip
        ref_s, ref_cpu, _ = seconds(lambda: recompute_stages_reference(engine))
        print(f"  reference recompute:           {ref_s:8.2f} s  (CPU {ref_cpu:7.2f} s)")
        print(f"  reference / new:               {ref_s / new_s:8.1f} ×  "
              f"(CPU {ref_cpu / new_cpu:.1f} ×)")  # fmt: skip
        result.update(
            read_reference_s=round(ref_read_s, 3),
            read_reference_cpu_s=round(ref_read_cpu, 3),
            reference_s=round(ref_s, 3),
            reference_cpu_s=round(ref_cpu, 3),
            ratio=round(ref_s / new_s, 1),
            cpu_ratio=round(ref_cpu / new_cpu, 1),
        )
        if new_rows is not None:
            same = snapshot(engine) == new_rows
            print(f"  same rows written by both:     {same}")
            result["same_rows"] = same
        recompute_stages(engine)  # leave the store as the service writes it
    out = HERE / "results" / f"stages-{result['date'][:10]}-{engine.dialect.name}-{events}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"→ {out}")


if __name__ == "__main__":
    main()
