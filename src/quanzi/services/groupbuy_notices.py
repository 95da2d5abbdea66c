"""Arrival notices and leader commission for router groups."""

from __future__ import annotations

from sqlalchemy import Engine, select

from quanzi.domain.groupbuy import read_title
from quanzi.errors import InvalidInput, NotFound
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store.db import transaction
from quanzi.store.models import utcnow
from quanzi.store.models_router import Drop, Notice


def announce_arrival(
    engine: Engine, item: str, *, text: str | None = None, actor: str = "cli"
) -> list[str]:
    """Queue a 到货了 notice in every group that bought the item or had a drop of it."""
    with transaction(engine) as session:
        drops = session.execute(
            select(Drop.community_id, Drop.title, Drop.pickup_points, Drop.opened_at)
            .where(Drop.item == item)
            .order_by(Drop.opened_at)
        ).all()
        buyers = set(session.scalars(select(m.Order.community_id).where(m.Order.item == item)))
        latest = {community_id: (title, points) for community_id, title, points, _ in drops}
        group_ids = sorted(buyers | set(latest))
        if not group_ids:
            raise NotFound(f"没有哪个群买过或开团过 {item}", code="item_not_found")
        groups = dict(
            session.execute(
                select(m.Community.id, m.Community.key).where(m.Community.id.in_(group_ids))
            ).all()
        )
        now = utcnow()
        for community_id in group_ids:
            title, points = latest.get(community_id, ("", []))
            product = read_title(title, now, "UTC").product if title else item
            message = text or f"到货了！{product}已到，" + (
                f"请到{'、'.join(points)}取货。" if points else "请按团长通知取货。"
            )
            session.add(
                Notice(
                    community_id=community_id,
                    kind="arrival",
                    text=message,
                    status="pending",
                    created_at=now,
                    created_by=actor,
                )
            )
        audit(session, actor, "groupbuy.arrival", item, groups=len(group_ids))
        return [groups[g] for g in group_ids]


def set_commission(engine: Engine, community: str, rate: float, *, actor: str = "cli") -> None:
    """Set the share of a group's GMV its leader earns (0 to 1)."""
    if not 0 <= rate <= 1:
        raise InvalidInput("佣金比例应在 0 到 1 之间，例如 0.1 表示 10%")
    with transaction(engine) as session:
        row = session.scalars(select(m.Community).where(m.Community.key == community)).first()
        if row is None:
            raise NotFound(f"找不到社群 {community}", code="community_not_found")
        row.rules = {**(row.rules or {}), "commission_rate": rate}
        audit(session, actor, "groupbuy.commission", community, rate=rate)


def mark_sent(engine: Engine, notice_id: int, *, actor: str = "cli") -> None:
    """Record that a notice was posted."""
    with transaction(engine) as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(f"没有第 {notice_id} 号通知", code="notice_not_found")
        notice.status, notice.sent_at = "sent", utcnow()
        audit(session, actor, "notice.sent", str(notice_id))
