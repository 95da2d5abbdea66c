"""What the bot does with the store: ingest an event, read a verdict, count the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import reading


@dataclass(frozen=True)
class Decision:
    """The screening verdict stored for a request (None when no engine decided it)."""

    verdict: str | None
    reasons: tuple[str, ...]


def store(engine: Engine, raw: dict[str, Any]) -> int:
    """Ingest one canonical event; return how many were new (0 for a repeat)."""
    report = ingest_objects(engine, [raw])
    if report.rejected:
        raise ValueError(report.rejected[0].reason)
    return report.stored


def decision_of(engine: Engine, event_id: str) -> Decision:
    """Return the verdict the Filter engine stored for the join request `event_id`."""
    with reading(engine) as session:
        row = session.execute(
            select(m.JoinRequest.verdict, m.JoinRequest.reasons)
            .join(m.Event, m.Event.id == m.JoinRequest.event_id)
            .where(m.Event.source_id == event_id)
        ).first()
    if row is None:
        return Decision(None, ())
    reasons = tuple(
        str(r.get("detail") or r.get("rule")) if isinstance(r, dict) else str(r)
        for r in row.reasons or []
    )
    return Decision(row.verdict, reasons)


def review_count(engine: Engine, community: str) -> int:
    """Count the community's join requests waiting for a human."""
    with reading(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(m.JoinRequest)
                .join(m.Community, m.Community.id == m.JoinRequest.community_id)
                .where(m.Community.key == community, m.JoinRequest.verdict == "review")
            )
            or 0
        )
