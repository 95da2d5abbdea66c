"""A kill in the middle of an ingest leaves a consistent database; a re-run completes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from quanzi.services.ingest import ingest_lines
from quanzi.store import models as m
from quanzi.store.db import reading

COMMUNITIES = 20
PEOPLE = 3000
EVENTS = 60_000


def make_events(path: Path) -> tuple[int, set[tuple[str, str]]]:
    """Write joins, messages and purchases; return the purchase count and membership pairs."""
    purchases = 0
    pairs: set[tuple[str, str]] = set()
    with path.open("w", encoding="utf-8") as handle:
        for n in range(EVENTS):
            community = f"g{n % COMMUNITIES}"
            person = f"qq:{(n * 7919) % PEOPLE}"
            ts = f"2026-03-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+08:00"
            event = {"id": f"ev{n}", "ts": ts, "community": community, "person": person}
            if n % 5 == 0:
                event |= {"kind": "join", "source": "friend"}
                pairs.add((community, person))
            elif n % 11 == 0:
                event |= {"kind": "purchase", "item": "grape", "amount": 49.5, "order": f"o{n}"}
                purchases += 1
            else:
                event |= {"kind": "message", "text": f"第{n}条：葡萄什么时候到？"}
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
    return purchases, pairs


def count(engine: Engine, model: type[m.Base]) -> int:
    with reading(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def consistent(engine: Engine) -> None:
    """Every stored event has its projection, and nothing else exists."""
    with reading(engine) as session:
        stored_purchases = session.scalar(
            select(func.count()).select_from(m.Event).where(m.Event.kind == "purchase")
        )
        assert count(engine, m.Order) == stored_purchases
        join_pairs = session.execute(
            select(m.Event.community_id, m.Event.person_id).where(m.Event.kind == "join").distinct()
        ).all()
        assert count(engine, m.Membership) == len(join_pairs)


def test_kill_midway_then_rerun(engine: Engine, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    purchases, pairs = make_events(source)
    command = [
        sys.executable,
        "-m",
        "quanzi",
        "ingest",
        str(source),
        "--db",
        db_url,
        "--batch-size",
        "300",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 120
    stored_before_kill = 0
    while time.monotonic() < deadline and stored_before_kill < 2000:
        time.sleep(0.02)
        stored_before_kill = count(engine, m.Event)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()

    partial = count(engine, m.Event)
    assert 0 < partial < EVENTS
    consistent(engine)

    report = ingest_lines(engine, source.open(encoding="utf-8"), batch_size=2000)
    assert report.stored + report.duplicates == EVENTS
    assert report.duplicates == partial
    assert count(engine, m.Event) == EVENTS
    assert count(engine, m.Order) == purchases
    assert count(engine, m.Membership) == len(pairs)
    consistent(engine)
