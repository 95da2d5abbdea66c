"""Group buys in router groups: open drops, capture their 接龙, mark payment and pickup."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.groupbuy import price_lines, read_title
from quanzi.domain.jielong import is_jielong, parse
from quanzi.domain.jielong_replay import Post, replay
from quanzi.errors import Conflict, InvalidInput, NotFound
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store.db import transaction
from quanzi.store.models import utcnow
from quanzi.store.models_router import Drop, DropLine


@dataclass
class CaptureResult:
    """What one capture of a drop's 接龙 changed."""

    drop: str
    versions: int = 0
    added: int = 0
    edited: int = 0
    removed: int = 0
    over_stock: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON values."""
        return {"drop": self.drop, "versions": self.versions, "added": self.added,
                "edited": self.edited, "removed": self.removed,
                "over_stock": self.over_stock}  # fmt: skip


def _community(session: Session, key: str) -> m.Community:
    row = session.scalars(select(m.Community).where(m.Community.key == key)).one_or_none()
    if row is None:
        raise NotFound(f"找不到社群 {key}", code="community_not_found")
    return row


def _drop(session: Session, key: str) -> Drop:
    row = session.scalars(select(Drop).where(Drop.key == key)).one_or_none()
    if row is None:
        raise NotFound(f"找不到团购 {key}", code="drop_not_found")
    return row


def _leader_of(session: Session, community_id: int) -> int | None:
    query = select(m.Membership.person_id).where(
        m.Membership.community_id == community_id,
        m.Membership.role == "leader",
        m.Membership.status == "active",
    )
    return session.scalars(query.order_by(m.Membership.joined_at)).first()


def open_drop(
    engine: Engine,
    *,
    community: str,
    item: str,
    title: str,
    price: float,
    unit: str | None = None,
    stock: float | None = None,
    deadline: datetime | None = None,
    pickup_points: list[str] | None = None,
    key: str | None = None,
    opened_at: datetime | None = None,
    actor: str = "cli",
) -> Drop:
    """Open a group buy in a router group; its 接龙 is the thread whose title is `title`."""
    if price < 0 or (stock is not None and stock < 0):
        raise InvalidInput("价格和库存不能为负数")
    if not title.strip():
        raise InvalidInput("团购标题不能为空：它用来认出群里对应的接龙")
    with transaction(engine) as session:
        group = _community(session, community)
        opened = opened_at or utcnow()
        key = key or f"{community}-{item}-{opened.strftime('%Y%m%d%H%M')}"
        if session.scalars(select(Drop.id).where(Drop.key == key)).first() is not None:
            raise Conflict(f"团购 {key} 已存在", code="drop_exists")
        drop = Drop(
            key=key, community_id=group.id, item=item, title=title.strip(), price=price,
            unit=unit, stock=stock, deadline=deadline, pickup_points=pickup_points or [],
            leader_id=_leader_of(session, group.id), status="open", opened_at=opened,
            thread_title=title.strip(), detail={},
        )  # fmt: skip
        session.add(drop)
        audit(session, actor, "groupbuy.open", key, item=item, price=price, stock=stock)
        return drop


def _thread_posts(session: Session, drop: Drop) -> list[Post]:
    """The 接龙 messages of the drop's group, posted while it was open, with its title."""
    query = select(m.Event.source_id, m.Event.ts, m.Event.payload).where(
        m.Event.community_id == drop.community_id,
        m.Event.kind == "message",
        m.Event.ts >= drop.opened_at,
    )
    # Lines posted after the cut-off are late and do not count.
    end = drop.closed_at or drop.deadline
    if end is not None:
        query = query.where(m.Event.ts <= end)
    posts = []
    for source_id, ts, payload in session.execute(query.order_by(m.Event.ts, m.Event.id)):
        text = str(payload.get("text") or "")
        if is_jielong(text) and parse(text).title == drop.thread_title:
            posts.append(Post(source_id, ts, payload.get("person"), text))
    return posts


def _person_ids(session: Session, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    query = select(m.Person.key, m.Person.id).where(m.Person.key.in_(sorted(keys)))
    return {key: person_id for key, person_id in session.execute(query)}


def capture(engine: Engine, drop_key: str, *, actor: str = "cli") -> CaptureResult:
    """Bring a drop's pickup list up to date with its 接龙 thread (the latest version wins)."""
    with transaction(engine) as session:
        drop = _drop(session, drop_key)
        result = replay(_thread_posts(session, drop))
        outcome = CaptureResult(drop_key, versions=result.versions)
        adders = {(c.name, c.entry.seq): c.by for c in result.changes if c.change == "added"}
        people = _person_ids(session, {p for p in adders.values() if p})
        stored = {
            (line.name, line.occurrence): line
            for line in session.scalars(select(DropLine).where(DropLine.drop_id == drop.id))
            if line.source == "jielong"
        }
        seen: Counter[str] = Counter()
        current: set[tuple[str, int]] = set()
        now = utcnow()
        for entry in result.entries:
            key = (entry.name, seen[entry.name])
            seen[entry.name] += 1
            current.add(key)
            line = stored.get(key)
            values = {"seq": entry.seq, "qty": entry.qty, "unit": entry.unit,
                      "note": entry.note, "raw": entry.raw}  # fmt: skip
            if line is None:
                person = adders.get((entry.name, entry.seq))
                line = DropLine(drop_id=drop.id, name=entry.name, occurrence=key[1],
                                person_id=people.get(person or ""), source="jielong",
                                status="active", paid=False, picked_up=False,
                                over_stock=False, amount=0.0, updated_at=now, **values)  # fmt: skip
                session.add(line)
                stored[key] = line
                outcome.added += 1
            elif line.status == "removed" or any(
                getattr(line, k) != v for k, v in values.items() if k in ("qty", "unit", "note")
            ):
                outcome.edited += 1
            for name, value in values.items():
                setattr(line, name, value)
            line.status = "active"
            line.updated_at = now
        for key, line in stored.items():
            if key not in current and line.status != "removed":
                line.status = "removed"
                line.updated_at = now
                outcome.removed += 1
        outcome.over_stock = _reprice(session, drop)
        if outcome.over_stock:
            # The leader is told through the console and the bot; the audit keeps the record.
            audit(session, actor, "groupbuy.over_stock", drop.key, names=outcome.over_stock)
        return outcome


def _reprice(session: Session, drop: Drop) -> list[str]:
    """Recompute amounts and over-stock flags of the active lines; return the flagged names."""
    session.flush()
    lines = list(
        session.scalars(
            select(DropLine)
            .where(DropLine.drop_id == drop.id, DropLine.status == "active")
            .order_by(DropLine.source != "jielong", DropLine.seq, DropLine.id)
        )
    )
    priced = price_lines(
        [((line.name, line.id), line.qty, line.unit) for line in lines],
        price=drop.price,
        unit=drop.unit,
        stock=drop.stock,
    )
    flagged = []
    for line, result in zip(lines, priced, strict=True):
        line.amount = result.amount
        line.over_stock = result.over_stock
        if result.over_stock:
            flagged.append(line.name)
    return flagged


def add_order(
    engine: Engine, drop_key: str, *, name: str, qty: float, note: str = "",
    person: str | None = None, source: str = "api", actor: str = "cli",
) -> DropLine:  # fmt: skip
    """Add an order to a drop by hand or through the API (not from a 接龙)."""
    if qty <= 0:
        raise InvalidInput("数量必须大于 0")
    if source not in ("api", "manual"):
        raise InvalidInput("来源应为 api 或 manual")
    with transaction(engine) as session:
        drop = _drop(session, drop_key)
        if drop.status != "open":
            raise Conflict(f"团购 {drop_key} 已截单", code="drop_closed")
        taken = session.scalars(
            select(DropLine.occurrence).where(DropLine.drop_id == drop.id, DropLine.name == name)
        ).all()
        line = DropLine(
            drop_id=drop.id, name=name, occurrence=max(taken, default=-1) + 1,
            person_id=_person_ids(session, {person} if person else set()).get(person or ""),
            qty=qty, unit=drop.unit, note=note, source=source, status="active", paid=False,
            picked_up=False, over_stock=False, amount=0.0, updated_at=utcnow(),
        )  # fmt: skip
        session.add(line)
        _reprice(session, drop)
        audit(session, actor, "groupbuy.order", drop_key, name=name, qty=qty, source=source)
        return line


def mark(
    engine: Engine, drop_key: str, line_id: int, *, paid: bool | None = None,
    picked_up: bool | None = None, actor: str = "cli",
) -> DropLine:  # fmt: skip
    """Mark one pickup line paid and/or picked up."""
    with transaction(engine) as session:
        drop = _drop(session, drop_key)
        line = session.get(DropLine, line_id)
        if line is None or line.drop_id != drop.id:
            raise NotFound(f"团购 {drop_key} 没有第 {line_id} 号记录", code="line_not_found")
        if paid is not None:
            line.paid = paid
        if picked_up is not None:
            line.picked_up = picked_up
        line.updated_at = utcnow()
        audit(session, actor, "groupbuy.mark", drop_key, line=line_id, paid=paid,
               picked_up=picked_up)  # fmt: skip
        return line


def close_due(engine: Engine, now: datetime | None = None, *, actor: str = "cli") -> list[str]:
    """Close every open drop whose deadline has passed; return their keys."""
    now = now or utcnow()
    with transaction(engine) as session:
        due = session.scalars(
            select(Drop).where(Drop.status == "open", Drop.deadline.is_not(None))
        ).all()
        closed = []
        for drop in due:
            if drop.deadline is not None and drop.deadline <= now:
                drop.status, drop.closed_at = "closed", drop.deadline
                closed.append(drop.key)
                audit(session, actor, "groupbuy.close", drop.key)
        return closed


def detect_drops(engine: Engine, community: str, *, actor: str = "cli") -> list[str]:
    """Open a drop for each 接龙 a leader, owner or staff started in a router group."""
    timezone = get_settings().timezone
    with transaction(engine) as session:
        group = _community(session, community)
        organisers = set(
            session.scalars(
                select(m.Person.key)
                .join(m.Membership, m.Membership.person_id == m.Person.id)
                .where(
                    m.Membership.community_id == group.id,
                    m.Membership.role.in_(("leader", "owner", "admin", "staff")),
                )
            )
        )
        known = set(session.scalars(select(Drop.key).where(Drop.community_id == group.id)))
        query = select(m.Event.source_id, m.Event.ts, m.Event.payload).where(
            m.Event.community_id == group.id, m.Event.kind == "message"
        )
        starts: list[tuple[str, datetime, str]] = []
        for source_id, ts, payload in session.execute(query.order_by(m.Event.ts, m.Event.id)):
            text = str(payload.get("text") or "")
            if payload.get("person") in organisers and is_jielong(text):
                parsed = parse(text)
                if not parsed.entries:  # a fresh thread: the title and the example only
                    starts.append((source_id, ts, parsed.title))
    opened = []
    for source_id, ts, title in starts:
        key = f"{community}-{source_id}"
        if key in known:
            continue
        terms = read_title(title, ts, timezone)
        open_drop(
            engine, community=community, item=terms.product or title, title=title,
            price=terms.price or 0.0, unit=terms.unit, deadline=terms.deadline, key=key,
            opened_at=ts, actor=actor,
        )  # fmt: skip
        opened.append(key)
    return opened
