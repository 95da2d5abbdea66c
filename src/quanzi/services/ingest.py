"""Ingest canonical events: validate, de-duplicate by id, store and project in batches."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.events import Event, EventError, parse_event, parse_line
from quanzi.store import models as m
from quanzi.store.db import chunked, transaction


@dataclass
class Rejection:
    """A line (or list position) that was not stored, and why."""

    line: int
    reason: str


@dataclass
class IngestReport:
    """What one ingest did: the `--json` contract of EVENTS.md."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as `{"read","stored","duplicates","rejected":[{"line","reason"}]}`."""
        return {
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
        }


Progress = Callable[[int], None]


def existing_source_ids(session: Session, ids: list[str]) -> set[str]:
    """Return which of `ids` are already in the event log."""
    found: set[str] = set()
    for chunk in chunked(ids):
        found.update(session.scalars(select(m.Event.source_id).where(m.Event.source_id.in_(chunk))))
    return found


def store_batch(session: Session, events: list[Event]) -> tuple[int, int]:
    """Store new events of one batch and project them; return (stored, duplicates)."""
    from quanzi.services.projector import project_batch

    seen = existing_source_ids(session, [e.id for e in events])
    fresh: list[Event] = []
    for event in events:
        if event.id in seen:
            continue
        seen.add(event.id)
        fresh.append(event)
    if fresh:
        project_batch(session, fresh)
    return len(fresh), len(events) - len(fresh)


def _commit_batch(engine: Engine, events: list[Event]) -> tuple[int, int]:
    """Run one batch in its own transaction, retrying once if a racing writer won."""
    try:
        with transaction(engine) as session:
            return store_batch(session, events)
    except IntegrityError:
        # Another ingest stored some of these ids between our lookup and insert.
        with transaction(engine) as session:
            return store_batch(session, events)


def _batched(items: Iterable[tuple[int, Event]], size: int) -> Iterator[list[tuple[int, Event]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ingest_parsed(
    engine: Engine,
    numbered: Iterable[tuple[int, Event | EventError]],
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest (line number, parsed event or error) pairs in batches, one transaction each."""
    report = IngestReport()
    size = batch_size or get_settings().ingest_batch_size

    def valid_only() -> Iterator[tuple[int, Event]]:
        for number, item in numbered:
            report.read += 1
            if isinstance(item, EventError):
                report.rejected.append(Rejection(number, str(item)))
            else:
                yield number, item

    for batch in _batched(valid_only(), size):
        stored, duplicates = _commit_batch(engine, [event for _, event in batch])
        report.stored += stored
        report.duplicates += duplicates
        if progress is not None:
            progress(batch[-1][0])
    return report


def _parse_lines(lines: Iterable[str | bytes]) -> Iterator[tuple[int, Event | EventError]]:
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8") if isinstance(line, bytes) else line
        except UnicodeDecodeError as exc:
            yield number, EventError(f"不是有效的 UTF-8 文本（第 {exc.start + 1} 字节）")
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")  # editors on Windows add a BOM
        if not text.strip():
            continue
        try:
            yield number, parse_line(text)
        except EventError as exc:
            yield number, exc


def ingest_lines(
    engine: Engine,
    lines: Iterable[str | bytes],
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest JSON Lines text; blank lines are skipped, lines are counted from 1."""
    return ingest_parsed(engine, _parse_lines(lines), batch_size=batch_size, progress=progress)


def ingest_file(
    engine: Engine,
    handle: IO[str] | IO[bytes],
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest an open JSON Lines file in one streaming pass."""
    return ingest_lines(engine, handle, batch_size=batch_size, progress=progress)


def _parse_objects(raws: Iterable[Any]) -> Iterator[tuple[int, Event | EventError]]:
    for number, raw in enumerate(raws, start=1):
        try:
            # A round trip through JSON proves the stored payload is plain JSON.
            yield number, parse_event(json.loads(json.dumps(raw, ensure_ascii=False)))
        except EventError as exc:
            yield number, exc
        except (TypeError, ValueError) as exc:
            yield number, EventError(f"无法转为 JSON：{exc}")


def ingest_objects(
    engine: Engine,
    raws: Iterable[Any],
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest already-decoded event objects (API bodies, the simulator); positions count from 1."""
    return ingest_parsed(engine, _parse_objects(raws), batch_size=batch_size, progress=progress)
