"""Headline counts of what the database holds (`quanzi stats`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from quanzi.store import models as m
from quanzi.store.db import reading


def database_stats(engine: Engine) -> dict[str, Any]:
    """Count communities, people, memberships and events (in all and by kind)."""
    with reading(engine) as session:

        def count(model: type[m.Base]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        query = select(m.Event.kind, func.count()).group_by(m.Event.kind).order_by(m.Event.kind)
        by_kind = {kind: count for kind, count in session.execute(query)}
        return {
            "communities": count(m.Community),
            "people": count(m.Person),
            "memberships": count(m.Membership),
            "events": sum(by_kind.values()),
            "events_by_kind": by_kind,
        }
