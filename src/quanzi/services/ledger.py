"""Rows that events add to the ledgers: join requests, orders, invites, activities."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from quanzi.domain.events import Event
from quanzi.store import models as m
from quanzi.store.db import chunked, rows_where_in

if TYPE_CHECKING:
    from quanzi.services.projector import BatchProjector


def _existing(session: Session, column: Any, keys: set[str]) -> dict[str, int]:
    """Map each stored key of `column`'s table to its row id."""
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for chunk in chunked(ordered):
        table = column.class_
        for key, row_id in session.execute(select(column, table.id).where(column.in_(chunk))):
            found[key] = row_id
    return found


def upsert_activities(
    session: Session, projector: BatchProjector, activities: dict[str, Event]
) -> None:
    """Create or update activities by their id; the newest description wins."""
    if not activities:
        return
    stored = {
        row.key: row for row in rows_where_in(session, m.Activity, m.Activity.key, activities)
    }
    for key, event in activities.items():
        row = stored.get(key)
        if row is None:
            row = m.Activity(key=key)
            session.add(row)
        elif row.ts is not None and event.ts < row.ts and row.organ is not None:
            continue
        row.community_id = projector.communities[event.community or ""].id
        row.organ = event.get("organ")
        row.title = event.get("title")
        row.ts = event.ts
        row.host_id = projector.person_id(event.person)
    session.flush()


def store_rows(
    session: Session, projector: BatchProjector, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Insert the batch's join requests, orders, invites and attendances."""
    from quanzi.services.filter_ingest import on_batch

    on_batch(session, projector, rows)  # screening decides join requests before they are stored
    if rows["join_request"]:
        session.connection().execute(insert(m.table(m.JoinRequest)), rows["join_request"])
    if rows["invite"]:
        session.connection().execute(insert(m.table(m.Invite)), rows["invite"])
    _store_orders(session, rows["purchase"])
    _store_attendance(session, rows["attend"])


def _store_orders(session: Session, orders: list[dict[str, Any]]) -> None:
    """Insert new orders; a second purchase event for a known order id changes nothing."""
    if not orders:
        return
    known = _existing(session, m.Order.order_key, {o["order_key"] for o in orders})
    fresh: dict[str, dict[str, Any]] = {}
    for order in orders:
        if order["order_key"] not in known and order["order_key"] not in fresh:
            fresh[order["order_key"]] = order
    if fresh:
        session.connection().execute(insert(m.table(m.Order)), list(fresh.values()))


def _store_attendance(session: Session, attends: list[dict[str, Any]]) -> None:
    """Record attendance once per person and activity, creating unknown activities."""
    if not attends:
        return
    keys = {a["activity"] for a in attends}
    activity_ids = _existing(session, m.Activity.key, keys)
    for attend in attends:
        if attend["activity"] not in activity_ids:
            # Attendance can arrive before its activity's description; keep a placeholder.
            row = m.Activity(key=attend["activity"], community_id=attend["community_id"])
            session.add(row)
            session.flush()
            activity_ids[row.key] = row.id
    pairs: dict[tuple[int, int], Any] = {}
    for attend in attends:
        pairs.setdefault((activity_ids[attend["activity"]], attend["person_id"]), attend["ts"])
    stored: set[tuple[int, int]] = set()
    ids = sorted({activity_id for activity_id, _ in pairs})
    for chunk in chunked(ids):
        query = select(m.Attendance.activity_id, m.Attendance.person_id).where(
            m.Attendance.activity_id.in_(chunk)
        )
        stored.update((a, p) for a, p in session.execute(query))
    fresh = [
        {"activity_id": a, "person_id": p, "ts": ts}
        for (a, p), ts in pairs.items()
        if (a, p) not in stored
    ]
    if fresh:
        session.connection().execute(insert(m.table(m.Attendance)), fresh)


def apply_refunds(session: Session, refunds: list[Event]) -> None:
    """Mark refunded orders; a refund for an unknown order stays only in the event log."""
    for event in refunds:
        session.execute(
            update(m.Order)
            .where(m.Order.order_key == event.get("order"), m.Order.status == "paid")
            .values(status="refunded", refunded_at=event.ts)
        )
