"""A person's 360° view: profile, stage and why, communities, purchases, invites, timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from quanzi.analytics.retain_common import zone
from quanzi.domain import vocab
from quanzi.domain.retain_stages import LABELS
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading

TIMELINE = 60


def describe(kind: str, payload: dict[str, Any]) -> str:
    """Say in Chinese what one event was."""
    if kind == "message":
        text = payload.get("text") or vocab.MSG_TYPES.get(payload.get("msg_type") or "", "")
        return f"发言：{text}"
    if kind == "join":
        source = vocab.SOURCES.get(payload.get("source") or "", "")
        return f"入群{f'（{source}）' if source else ''}"
    if kind == "leave":
        return vocab.LEAVE_REASONS.get(payload.get("reason") or "leave", "退群")
    if kind == "purchase":
        return f"购买 {payload.get('item')} ¥{payload.get('amount', 0)}"
    if kind == "activity":
        organ = vocab.ORGANS.get(payload.get("organ") or "", "活动")
        return f"主持{organ}：{payload.get('title') or ''}"
    if kind == "attend":
        return "参加活动"
    if kind == "invite":
        return f"邀请 {payload.get('invitee')}"
    return vocab.KINDS.get(kind, kind)


def _timeline(session: Session, person_id: int, key: str) -> list[Any]:
    """The newest events by the person or naming them as invitee, newest first.

    Both halves come from an index: their own events by (person, ts), and the invites
    naming them through the invite ledger (every invite event has its row there, its
    invitee resolved from the same key), where one OR over the payload scanned the log.
    """
    columns = (m.Event.ts, m.Event.id, m.Event.kind, m.Event.community_id, m.Event.payload)
    newest = (m.Event.ts.desc(), m.Event.id.desc())
    own = session.execute(
        select(*columns).where(m.Event.person_id == person_id).order_by(*newest).limit(TIMELINE)
    ).all()
    invites = select(m.Invite.event_id).where(m.Invite.invitee_id == person_id)
    named = session.execute(
        select(*columns)
        .where(m.Event.id.in_(invites), m.Event.payload["invitee"].as_string() == key)
        .order_by(*newest)
        .limit(TIMELINE)
    ).all()
    merged = {row.id: row for row in [*own, *named]}.values()
    found = sorted(merged, key=lambda row: (row.ts, row.id), reverse=True)[:TIMELINE]
    return [(row.ts, row.kind, row.community_id, row.payload) for row in found]


def person_view(engine: Engine, key: str) -> dict[str, Any]:
    """Return everything the person page shows, or raise NotFound."""
    tz = zone()
    with reading(engine) as session:
        person = session.scalar(select(m.Person).where(m.Person.key == key))
        if person is None:
            raise NotFound(f"没有找到人员 {key!r}", code="person_not_found")
        names = dict(session.execute(select(m.Community.id, m.Community.name)).all())
        keys = dict(session.execute(select(m.Community.id, m.Community.key)).all())
        scores = {
            cid: (score, last)
            for cid, score, last in session.execute(
                select(
                    r.Engagement.community_id, r.Engagement.score, r.Engagement.last_active
                ).where(r.Engagement.person_id == person.id)
            )
        }
        communities = [
            {
                "community": keys[ms.community_id],
                "name": names[ms.community_id] or keys[ms.community_id],
                "role": vocab.ROLES.get(ms.role, ms.role),
                "status": {"active": "在群", "left": "已退群", "kicked": "被移出"}.get(
                    ms.status, ms.status
                ),
                "joined_at": ms.joined_at.astimezone(tz),
                "source": vocab.SOURCES.get(ms.source or "", ms.source or "—"),
                "engagement": scores.get(ms.community_id, (0.0, None))[0],
                "last_active": scores.get(ms.community_id, (0.0, None))[1],
            }
            for ms in session.scalars(
                select(m.Membership).where(m.Membership.person_id == person.id)
            )
        ]
        orders = [
            {
                "order": o.order_key,
                "item": o.item,
                "amount": o.amount,
                "status": "已退款" if o.status == "refunded" else "已支付",
                "community": names.get(o.community_id) or keys.get(o.community_id),
                "ts": o.ts.astimezone(tz),
            }
            for o in session.scalars(
                select(m.Order).where(m.Order.person_id == person.id).order_by(m.Order.ts.desc())
            )
        ]
        invitee = aliased(m.Person)
        invites = [
            {"key": k, "name": n or k, "status": status, "ts": ts.astimezone(tz)}
            for k, n, status, ts in session.execute(
                select(invitee.key, invitee.name, m.Invite.status, m.Invite.ts)
                .join(invitee, invitee.id == m.Invite.invitee_id)
                .where(m.Invite.inviter_id == person.id)
                .order_by(m.Invite.ts.desc())
            )
        ]
        brought = [
            {"key": k, "name": n or k}
            for k, n in session.execute(
                select(m.Person.key, m.Person.name).where(m.Person.inviter_id == person.id)
            )
        ]
        history = [
            {
                "ts": ts.astimezone(tz),
                "from": LABELS.get(before or "", "—"),
                "to": LABELS.get(after, after),
                "reason": reason,
            }
            for ts, before, after, reason in session.execute(
                select(
                    r.StageChange.ts,
                    r.StageChange.from_stage,
                    r.StageChange.to_stage,
                    r.StageChange.reason,
                )
                .where(r.StageChange.person_id == person.id)
                .order_by(r.StageChange.ts)
            )
        ]
        events = _timeline(session, person.id, key)
        timeline = [
            {
                "ts": ts.astimezone(tz),
                "kind": vocab.KINDS.get(kind, kind),
                "community": names.get(cid) or keys.get(cid) or "—",
                "what": describe(kind, payload),
            }
            for ts, kind, cid, payload in events
        ]
    return {
        "key": person.key,
        "name": person.name or person.key,
        "region": person.region,
        "tags": person.tags,
        "source": vocab.SOURCES.get(person.source or "", person.source or "—"),
        "first_seen": person.first_seen.astimezone(tz),
        "stage": person.stage or "user",
        "stage_label": LABELS.get(person.stage or "user"),
        "stage_reason": person.stage_reason or "尚未计算阶段：运行 quanzi stages",
        "history": history,
        "communities": communities,
        "orders": orders,
        "spend": sum(o["amount"] for o in orders if o["status"] == "已支付"),
        "invites": invites,
        "brought": brought,
        "timeline": timeline,
    }
