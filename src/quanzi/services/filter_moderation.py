"""The moderation log: a community's recent messages run through its moderation rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from quanzi.domain import filter_rules
from quanzi.domain.moderation import Decision, Message, Moderator
from quanzi.services.screening import rules_texts
from quanzi.store import models as m
from quanzi.store.db import reading

LOG_DAYS = 7


@dataclass
class LogEntry:
    """A message that broke a rule, and what the ladder does about it."""

    ts: datetime
    person: str
    name: str | None
    text: str
    decision: Decision


def moderation_log(engine: Engine, community: str, *, days: int = LOG_DAYS) -> list[LogEntry]:
    """Replay the community's last `days` of messages (up to its newest) under its rules."""
    e, p, ms = m.Event, m.Person, m.Membership
    with reading(engine) as session:
        cid = session.scalar(select(m.Community.id).where(m.Community.key == community))
        if cid is None:
            return []
        moderator = Moderator(filter_rules.load(*rules_texts(session, cid)))
        newest = session.scalar(
            select(func.max(e.ts)).where(e.community_id == cid, e.kind == "message")
        )
        if newest is None:
            return []
        roles = dict(
            session.execute(select(ms.person_id, ms.role).where(ms.community_id == cid)).all()
        )
        query = (
            select(e.source_id, e.ts, e.person_id, e.payload, p.key)
            .join(p, p.id == e.person_id)
            .where(e.community_id == cid, e.kind == "message")
            .where(e.ts > newest - timedelta(days=days))
            .order_by(e.ts, e.id)
        )
        log = []
        for source_id, ts, person_id, payload, key in session.execute(query):
            message = Message(
                id=source_id,
                ts=ts,
                community=community,
                person=key,
                text=str(payload.get("text") or ""),
                msg_type=str(payload.get("msg_type") or "text"),
                mentions=len(payload.get("mentions") or []),
                role=roles.get(person_id),
                qr=payload.get("qr") is True,
            )
            decision = moderator.moderate(message)
            if decision.action != "allow":
                log.append(LogEntry(ts, key, payload.get("name"), message.text, decision))
    return list(reversed(log))
