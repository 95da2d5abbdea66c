"""The operations calendar of a community: SOP slots, done when the matching activity arrives."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from quanzi.analytics.retain_common import as_of, communities, zone
from quanzi.domain.retain_sop import DEFAULT_TEMPLATES, Template, schedule
from quanzi.errors import InvalidInput
from quanzi.store import models as m
from quanzi.store.db import reading


def templates_of(row: m.Community) -> list[Template]:
    """Return a community's SOP templates: `rules.retain.sop`, else the defaults."""
    raw = (row.rules or {}).get("retain", {}).get("sop")
    if raw is None:
        return list(DEFAULT_TEMPLATES)
    try:
        return [Template.from_dict(item) for item in raw]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"社群 {row.key} 的 rules.retain.sop 有误：{exc}") from None


def calendar(
    engine: Engine,
    community_key: str | None = None,
    start: date | None = None,
    days: int = 7,
) -> list[dict[str, Any]]:
    """Return each community's slots over `days` local days ending at `start + days - 1`.

    Without `start` the window is the week up to and including "now" (the newest event).
    """
    tz = zone()
    with reading(engine) as session:
        now = as_of(session)
        last = (start + timedelta(days=days - 1)) if start else now.astimezone(tz).date()
        first = start or last - timedelta(days=days - 1)
        lo = datetime.combine(first - timedelta(days=31), datetime.min.time(), tz)
        out = []
        for row in communities(session, community_key):
            done: dict[str, list[datetime]] = defaultdict(list)
            query = select(m.Activity.organ, m.Activity.ts).where(
                m.Activity.community_id == row.id, m.Activity.ts >= lo
            )
            for organ, ts in session.execute(query):
                if organ and ts:
                    done[organ].append(ts)
            slots = schedule(templates_of(row), done, first, last, now, tz)
            tally = Counter(s.status for s in slots)
            out.append(
                {
                    "community": row.key,
                    "name": row.name or row.key,
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "counts": {k: tally.get(k, 0) for k in ("done", "due", "overdue", "upcoming")},
                    "slots": [s.to_dict() for s in slots],
                }
            )
    return out
