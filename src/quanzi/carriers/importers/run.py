"""Run an importer into the event log through the ingest service, and count what the file held."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Engine

from quanzi.carriers.importers import reader_of
from quanzi.carriers.importers.common import SNIFF_BYTES, Item
from quanzi.domain.events import Event, EventError, parse_event
from quanzi.services.ingest import ingest_parsed


@dataclass
class ImportReport:
    """The `quanzi import --json` contract: what the file held and what was new."""

    format: str
    messages: int = 0
    joins: int = 0
    leaves: int = 0
    people: set[str] = field(default_factory=set)
    new_events: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    alerts: int | None = None  # alerts raised for operators (live WeChat feeds only)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as the JSON contract of issue 9 (plus `alerts` for live feeds)."""
        body: dict[str, Any] = {
            "format": self.format,
            "messages": self.messages,
            "joins": self.joins,
            "leaves": self.leaves,
            "people": len(self.people),
            "new_events": self.new_events,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }
        if self.alerts is not None:
            body["alerts"] = self.alerts
        return body


def counted(
    report: ImportReport, items: Iterator[Item]
) -> Iterator[tuple[int, Event | EventError]]:
    """Validate each item and count the valid ones into `report`."""
    for place, item in items:
        if isinstance(item, EventError):
            yield place, item
            continue
        try:
            parsed = parse_event(item)
        except EventError as exc:
            yield place, exc
            continue
        if parsed.kind == "message":
            report.messages += 1
        elif parsed.kind == "join":
            report.joins += 1
        elif parsed.kind == "leave":
            report.leaves += 1
        if parsed.person:
            report.people.add(parsed.person)
        yield place, parsed


def import_stream(
    engine: Engine,
    fmt: str,
    handle: IO[bytes],
    community: str,
    *,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one export (binary stream) into `community`; re-running it stores nothing new."""
    buffered = handle if isinstance(handle, io.BufferedReader) else io.BufferedReader(handle)  # type: ignore[type-var]
    name, reader = reader_of(fmt, buffered.peek(SNIFF_BYTES))
    report = ImportReport(format=name)
    result = ingest_parsed(
        engine,
        counted(report, reader(buffered, community)),
        batch_size=batch_size,
        progress=progress,
    )
    report.new_events = result.stored
    report.duplicates = result.duplicates
    report.rejected = [{"line": r.line, "reason": r.reason} for r in result.rejected]
    return report
