"""Alerts to operators: engine decisions on a carrier quanzi can only read (WeChat via chatlog)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.domain import filter_rules
from quanzi.domain.moderation import Message, Moderator
from quanzi.domain.screening import History, JoinRequest
from quanzi.errors import NotFound
from quanzi.services.audit import audit
from quanzi.services.screening import rules_texts, screener_for
from quanzi.store import models as m
from quanzi.store.db import chunked, transaction
from quanzi.store.models import utcnow
from quanzi.store.models_carriers import CarrierAlert

KICK_SUGGESTED = {"reject": "kick", "review": "review"}


@dataclass
class Draft:
    """An alert before it is stored."""

    event_id: str
    person_id: int | None
    kind: str
    action: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


def _targets(session: Session, cid: int, ids: list[str]) -> list[m.Event]:
    found: list[m.Event] = []
    for chunk in chunked(sorted(set(ids))):
        found.extend(
            session.scalars(
                select(m.Event).where(
                    m.Event.source_id.in_(chunk),
                    m.Event.community_id == cid,
                    m.Event.kind.in_(("message", "join")),
                )
            )
        )
    return found


def _moderation(session: Session, cid: int, targets: list[m.Event]) -> list[Draft]:
    """Replay the window before the new messages, so the ladder counts earlier strikes."""
    wanted = {e.source_id for e in targets if e.kind == "message"}
    if not wanted:
        return []
    moderator = Moderator(filter_rules.load(*rules_texts(session, cid)))
    times = [e.ts for e in targets if e.kind == "message"]
    e, p, ms = m.Event, m.Person, m.Membership
    roles = dict(session.execute(select(ms.person_id, ms.role).where(ms.community_id == cid)).all())
    query = (
        select(e.source_id, e.ts, e.person_id, e.payload, p.key)
        .join(p, p.id == e.person_id)
        .where(e.community_id == cid, e.kind == "message")
        .where(e.ts > min(times) - moderator.window, e.ts <= max(times))
        .order_by(e.ts, e.id)
    )
    drafts = []
    for source_id, ts, person_id, payload, key in session.execute(query):
        text = str(payload.get("text") or "")
        decision = moderator.moderate(
            Message(
                source_id,
                ts,
                str(cid),
                key,
                text,
                str(payload.get("msg_type") or "text"),
                len(payload.get("mentions") or []),
                roles.get(person_id),
                payload.get("qr") is True,
            )
        )
        if source_id in wanted and decision.action != "allow":
            drafts.append(
                Draft(
                    source_id,
                    person_id,
                    "moderation",
                    decision.action,
                    "；".join(r.detail for r in decision.reasons),
                    {
                        "text": text[:300],
                        "name": payload.get("name"),
                        "mute_seconds": decision.mute_seconds,
                    },
                )
            )
    return drafts


def _history(session: Session, cid: int, person_id: int, ts: datetime) -> History:
    leaves = session.execute(
        select(m.Event.community_id, m.Event.payload).where(
            m.Event.kind == "leave", m.Event.person_id == person_id, m.Event.ts < ts
        )
    ).all()
    return History(
        kicked_before=any(payload.get("reason") == "kick" for _, payload in leaves),
        left_before=any(community == cid for community, _ in leaves),
    )


def _screening(session: Session, cid: int, targets: list[m.Event]) -> list[Draft]:
    """Screen who joined as if they had asked: WeChat lets people in before anyone looks."""
    joins = [e for e in targets if e.kind == "join" and e.person_id is not None]
    if not joins:
        return []
    screener = screener_for(session, cid)
    people = sorted({j.person_id for j in joins if j.person_id is not None})
    keys: dict[int, str] = {}
    for chunk in chunked(people):
        keys.update(
            (pid, key)
            for pid, key in session.execute(
                select(m.Person.id, m.Person.key).where(m.Person.id.in_(chunk))
            ).all()
        )
    drafts = []
    for join in joins:
        assert join.person_id is not None
        payload = join.payload
        request = JoinRequest(
            id=join.source_id,
            name=str(payload.get("name") or ""),
            source=payload.get("source"),
            person=keys.get(join.person_id),
            inviter=payload.get("inviter"),
            ts=join.ts,
        )
        verdict = screener.screen(request, _history(session, cid, join.person_id, join.ts))
        if verdict.verdict in KICK_SUGGESTED:
            drafts.append(
                Draft(
                    join.source_id,
                    join.person_id,
                    "screening",
                    KICK_SUGGESTED[verdict.verdict],
                    "；".join(r.detail for r in verdict.reasons) or "需要人工复核",
                    {"name": payload.get("name"), "verdict": verdict.verdict},
                )
            )
    return drafts


def raise_alerts(engine: Engine, community: str, event_ids: list[str], *, actor: str) -> int:
    """Run moderation and screening on stored WeChat events; store one alert per decision."""
    with transaction(engine) as session:
        cid = session.scalar(select(m.Community.id).where(m.Community.key == community))
        if cid is None or not event_ids:
            return 0
        targets = _targets(session, cid, event_ids)
        drafts = _moderation(session, cid, targets) + _screening(session, cid, targets)
        known: set[tuple[str, str]] = set()
        for chunk in chunked(sorted({d.event_id for d in drafts})):
            known.update(
                session.execute(
                    select(CarrierAlert.event_id, CarrierAlert.kind).where(
                        CarrierAlert.event_id.in_(chunk)
                    )
                ).tuples()
            )
        fresh = [d for d in drafts if (d.event_id, d.kind) not in known]
        now = utcnow()
        for d in fresh:
            session.add(
                CarrierAlert(
                    community_id=cid,
                    person_id=d.person_id,
                    event_id=d.event_id,
                    kind=d.kind,
                    action=d.action,
                    reason=d.reason,
                    detail=d.detail,
                    created_at=now,
                )
            )
        if fresh:
            audit(session, actor, "carriers.alert", community, alerts=len(fresh))
        return len(fresh)


def acknowledge(engine: Engine, alert_id: int, *, actor: str) -> CarrierAlert:
    """Mark an alert handled by `actor` (a second acknowledgement changes nothing)."""
    with transaction(engine) as session:
        alert = session.get(CarrierAlert, alert_id)
        if alert is None:
            raise NotFound(f"没有编号为 {alert_id} 的提醒", code="alert_not_found")
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = utcnow(), actor[:100]
            audit(session, actor, "carriers.alert.ack", str(alert_id), event=alert.event_id)
        return alert
