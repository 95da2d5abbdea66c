"""The five organs and a health score per community (`quanzi health`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session

from quanzi.analytics.retain_common import as_of, communities
from quanzi.domain.retain_organs import (
    ORGANS,
    RECENT_DAYS,
    ChatPulse,
    Health,
    OrganSeen,
    assess,
    organs_of,
)
from quanzi.errors import InvalidInput
from quanzi.store import models as m
from quanzi.store.db import reading

LOOKBACK_DAYS = 3 * 365  # long enough for the slowest cadence's window


def _seen(session: Session, cid: int, now: datetime) -> dict[str, OrganSeen]:
    since = now - timedelta(days=LOOKBACK_DAYS)
    query = (
        select(m.Activity.organ, m.Activity.ts)
        .where(m.Activity.community_id == cid, m.Activity.ts > since, m.Activity.ts <= now)
        .order_by(m.Activity.ts)
    )
    times: dict[str, list[datetime]] = defaultdict(list)
    for organ, ts in session.execute(query):
        if organ is None or ts is None:
            continue
        for fed in organs_of([organ]):
            times[fed].append(ts)
    return {
        organ: OrganSeen(last=max(ts_list), times=tuple(sorted(ts_list)))
        for organ, ts_list in times.items()
        if organ in ORGANS
    }


def _pulse(session: Session, cid: int, now: datetime) -> ChatPulse:
    members = session.scalar(
        select(func.count())
        .select_from(m.Membership)
        .where(m.Membership.community_id == cid, m.Membership.status == "active")
    )
    recent = now - timedelta(days=RECENT_DAYS)
    before = recent - timedelta(days=RECENT_DAYS)
    talk = (m.Event.community_id == cid, m.Event.kind == "message")
    speakers, messages = session.execute(
        select(func.count(distinct(m.Event.person_id)), func.count()).where(
            *talk, m.Event.ts > recent, m.Event.ts <= now
        )
    ).one()
    earlier = session.scalar(
        select(func.count()).where(*talk, m.Event.ts > before, m.Event.ts <= recent)
    )
    return ChatPulse(members or 0, speakers or 0, messages or 0, earlier or 0)


def community_health(session: Session, row: m.Community, now: datetime) -> Health:
    """Assess one community at `now` against the targets of its purpose."""
    overrides = (row.rules or {}).get("retain", {}).get("organs")
    age = (now - row.created_at).total_seconds() / 86400
    try:
        return assess(
            row.purpose,
            _seen(session, row.id, now),
            _pulse(session, row.id, now),
            now,
            age,
            overrides,
        )
    except ValueError as exc:
        raise InvalidInput(f"社群 {row.key} 的 rules.retain.organs 有误：{exc}") from None


def health_report(engine: Engine, community_key: str | None = None) -> list[dict[str, Any]]:
    """Return `[{"community","score","organs":{organ:{"present","last",…}},"reasons"}]`."""
    with reading(engine) as session:
        now = as_of(session)
        out = []
        for row in communities(session, community_key):
            health = community_health(session, row, now)
            out.append(
                {
                    "community": row.key,
                    "name": row.name or row.key,
                    "purpose": row.purpose,
                    "score": health.score,
                    "warning": health.warning,
                    "organs": {k: v.to_dict() for k, v in health.organs.items()},
                    "reasons": health.reasons,
                }
            )
    return out
