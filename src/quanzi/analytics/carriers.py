"""What the carriers page shows: operator alerts, and what the QQ bot has brought in lately."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select

from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models import utcnow
from quanzi.store.models_carriers import CarrierAlert

RECENT = timedelta(days=1)


def alerts(engine: Engine, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest alerts first, with their community, person and the message they are about."""
    a, c, p = CarrierAlert, m.Community, m.Person
    query = (
        select(a, c.key, c.name, p.key, p.name)
        .join(c, c.id == a.community_id)
        .outerjoin(p, p.id == a.person_id)
        .order_by(a.created_at.desc(), a.id.desc())
        .limit(limit)
    )
    with reading(engine) as session:
        return [
            {
                "id": alert.id,
                "community": key,
                "community_name": name or key,
                "person": person or "",
                "name": (alert.detail or {}).get("name") or person_name,
                "event_id": alert.event_id,
                "kind": alert.kind,
                "action": alert.action,
                "reason": alert.reason,
                "text": (alert.detail or {}).get("text") or "",
                "created_at": alert.created_at,
                "acknowledged_at": alert.acknowledged_at,
                "acknowledged_by": alert.acknowledged_by,
            }
            for alert, key, name, person, person_name in session.execute(query)
        ]


def open_alerts(engine: Engine) -> int:
    """Count the alerts nobody has acknowledged yet."""
    with reading(engine) as session:
        query = select(func.count()).where(CarrierAlert.acknowledged_at.is_(None))
        return int(session.scalar(query) or 0)


def bot_activity(engine: Engine) -> dict[str, Any]:
    """How many QQ bot events arrived in the last day, and when the newest one did."""
    e = m.Event
    with reading(engine) as session:
        # The range lets the unique index on source_id find the bot's events (a LIKE alone
        # scans the whole log on SQLite, whose LIKE ignores case); the LIKE keeps it exact.
        qq = and_(e.source_id >= "qq:", e.source_id < "qq;", e.source_id.like("qq:%"))
        recent = session.scalar(select(func.count()).where(qq, e.ingested_at >= utcnow() - RECENT))
        newest = session.scalar(select(func.max(e.ingested_at)).where(qq))
    return {"recent": int(recent or 0), "newest": newest}


def community_keys(engine: Engine) -> list[tuple[str, str]]:
    """Every community as (key, name), for the import form."""
    with reading(engine) as session:
        rows = session.execute(select(m.Community.key, m.Community.name).order_by(m.Community.key))
        return [(key, name or key) for key, name in rows]
