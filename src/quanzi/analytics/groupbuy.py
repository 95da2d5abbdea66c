"""Group-buy figures: pickup lists, GMV by group, leader, product and day, repeat buying."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from quanzi.config import get_settings
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_router import Drop, DropLine, Notice

REPEAT_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class PickupRow:
    """One line of a leader's pickup/delivery list."""

    id: int
    seq: int | None
    name: str
    qty: float
    unit: str | None
    note: str
    amount: float
    paid: bool
    picked_up: bool
    source: str
    over_stock: bool


def drops(engine: Engine, community: str | None = None) -> list[dict[str, Any]]:
    """List drops with their line count, quantity and amount (times in local time)."""
    return _drops(engine, community=community)


def drop_row(engine: Engine, key: str) -> dict[str, Any] | None:
    """One drop as `drops` lists it, or None: only its own lines are summed."""
    found = _drops(engine, key=key)
    return found[0] if found else None


def _drops(
    engine: Engine, *, community: str | None = None, key: str | None = None
) -> list[dict[str, Any]]:
    zone = ZoneInfo(get_settings().timezone)
    with reading(engine) as session:
        totals = (
            select(
                DropLine.drop_id,
                func.count().label("lines"),
                func.coalesce(func.sum(DropLine.qty), 0).label("qty"),
                func.coalesce(func.sum(DropLine.amount), 0).label("amount"),
            )
            .where(DropLine.status == "active")
            .group_by(DropLine.drop_id)
        )
        if key is not None:
            totals = totals.where(DropLine.drop_id.in_(select(Drop.id).where(Drop.key == key)))
        lines = totals.subquery()
        query = (
            select(Drop, m.Community.key, lines.c.lines, lines.c.qty, lines.c.amount)
            .join(m.Community, m.Community.id == Drop.community_id)
            .outerjoin(lines, lines.c.drop_id == Drop.id)
            .order_by(Drop.opened_at.desc(), Drop.id.desc())
        )
        if community:
            query = query.where(m.Community.key == community)
        if key is not None:
            query = query.where(Drop.key == key)
        return [
            {
                "key": drop.key,
                "community": ckey,
                "item": drop.item,
                "title": drop.title,
                "price": drop.price,
                "unit": drop.unit,
                "stock": drop.stock,
                "status": drop.status,
                "opened_at": drop.opened_at.astimezone(zone).isoformat(),
                "deadline": drop.deadline.astimezone(zone).isoformat() if drop.deadline else None,
                "lines": lines_count or 0,
                "qty": float(qty or 0),
                "amount": float(amount or 0),
            }
            for drop, ckey, lines_count, qty, amount in session.execute(query)
        ]


def pickup_list(engine: Engine, drop_key: str) -> list[PickupRow]:
    """The active lines of a drop in list order: jielong lines first, then added orders."""
    with reading(engine) as session:
        query = (
            select(DropLine)
            .join(Drop, Drop.id == DropLine.drop_id)
            .where(Drop.key == drop_key, DropLine.status == "active")
            .order_by(DropLine.source != "jielong", DropLine.seq, DropLine.id)
        )
        return [
            PickupRow(
                line.id,
                line.seq,
                line.name,
                line.qty,
                line.unit,
                line.note,
                line.amount,
                line.paid,
                line.picked_up,
                line.source,
                line.over_stock,
            )
            for line in session.scalars(query)
        ]


def pickup_dicts(rows: list[PickupRow]) -> list[dict[str, Any]]:
    """Rows as plain dicts for JSON."""
    return [asdict(row) for row in rows]


def gmv_report(engine: Engine) -> dict[str, Any]:
    """GMV per group, leader, product and day; first vs repeat buyers; repeat rates."""
    zone = ZoneInfo(get_settings().timezone)
    with reading(engine) as session:
        query = (
            select(
                m.Order.person_id,
                m.Order.ts,
                m.Order.amount,
                m.Order.item,
                m.Community.key,
                # A leader shows by display name, or by key when no name is known.
                func.coalesce(m.Person.name, m.Person.key),
            )
            .join(m.Community, m.Community.id == m.Order.community_id)
            .outerjoin(m.Person, m.Person.id == m.Order.leader_id)
            .where(m.Community.model == "router", m.Order.status == "paid")
            .order_by(m.Order.ts)
        )
        orders = session.execute(query).all()
        # "Now" is the newest event, so a replayed history reads as it did at the time.
        end = session.scalar(select(func.max(m.Event.ts)))
        rates = {
            key: float((rules or {}).get("commission_rate", 0.0))
            for key, rules in session.execute(select(m.Community.key, m.Community.rules))
        }
        members = dict(
            session.execute(
                select(m.Community.key, func.count())
                .join(m.Membership, m.Membership.community_id == m.Community.id)
                .where(m.Community.model == "router")
                .group_by(m.Community.key)
            ).all()
        )
    by: dict[str, dict[str, list[float]]] = {
        k: defaultdict(lambda: [0.0, 0]) for k in ("group", "leader", "product", "day")
    }
    commission: dict[str, float] = defaultdict(float)
    first_order: dict[int, datetime] = {}
    second_gap: dict[int, timedelta] = {}
    for person_id, ts, amount, item, group, leader in orders:
        day = ts.astimezone(zone).date().isoformat()
        for name, key in (
            ("group", group),
            ("leader", leader or "（无团长）"),
            ("product", item),
            ("day", day),
        ):
            by[name][key][0] += amount
            by[name][key][1] += 1
        commission[leader or "（无团长）"] += amount * rates.get(group, 0.0)
        if person_id is None:
            continue
        if person_id not in first_order:
            first_order[person_id] = ts
        elif person_id not in second_gap:
            second_gap[person_id] = ts - first_order[person_id]
    repeat = {}
    for days in REPEAT_WINDOWS:
        # Only buyers whose first order is at least `days` old can have repeated within it.
        eligible = [p for p, t in first_order.items() if end and end - t >= timedelta(days=days)]
        again = [p for p in eligible if p in second_gap and second_gap[p] <= timedelta(days=days)]
        repeat[f"{days}d"] = round(len(again) / len(eligible), 4) if eligible else None
    per_group = by["group"]
    return {
        "gmv": round(sum(o[2] for o in orders), 2),
        "orders": len(orders),
        "buyers": len(first_order),
        "repeat_buyers": len(second_gap),
        "first_time_buyers": len(first_order) - len(second_gap),
        "repeat_rate": repeat,
        "by_group": _rows(per_group, members),
        "by_leader": [
            {**row, "commission": round(commission[str(row["key"])], 2)}
            for row in _rows(by["leader"])
        ],
        "by_product": _rows(by["product"]),
        "by_day": sorted(_rows(by["day"]), key=lambda r: str(r["key"])),
    }


def _rows(table: dict[str, list[float]], members: dict[str, int] | None = None) -> list[dict]:
    rows = []
    for key, (amount, count) in sorted(table.items(), key=lambda kv: -kv[1][0]):
        row: dict[str, Any] = {"key": key, "gmv": round(amount, 2), "orders": int(count)}
        if members is not None:
            size = members.get(key, 0)
            row["orders_per_member"] = round(count / size, 3) if size else None
        rows.append(row)
    return rows


def pending_notices(engine: Engine) -> list[dict[str, Any]]:
    """Notices waiting to be posted, oldest first."""
    with reading(engine) as session:
        query = (
            select(Notice.id, m.Community.key, Notice.kind, Notice.text, Notice.created_at)
            .join(m.Community, m.Community.id == Notice.community_id)
            .where(Notice.status == "pending")
            .order_by(Notice.created_at, Notice.id)
        )
        return [
            {"id": i, "community": c, "kind": k, "text": t, "created_at": at.isoformat()}
            for i, c, k, t, at in session.execute(query)
        ]
