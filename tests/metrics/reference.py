"""The metrics computed the plain way, in Python over ORM rows: the definitions' yardstick."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from quanzi.metrics.results import MetricRow, clean
from quanzi.store import models as m
from quanzi.store.db import reading


def reference_rows(engine: Engine, tz_name: str) -> list[MetricRow]:
    """Return every registered metric's rows, computed without ibis."""
    tz = ZoneInfo(tz_name)
    cells: dict[tuple[str, str, date], Any] = {}
    sets: dict[tuple[str, str, date], set[int]] = defaultdict(set)

    def add(metric: str, key: str, ts: Any, amount: float = 1) -> None:
        cell = (metric, key, ts.astimezone(tz).date())
        cells[cell] = cells.get(cell, 0) + amount

    with reading(engine) as session:
        keys = dict(session.execute(select(m.Community.id, m.Community.key)).all())
        events = session.execute(select(m.Event.ts, m.Event.kind, m.Event.community_id,
                                        m.Event.person_id))  # fmt: skip
        net: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        for ts, kind, community_id, person_id in events:
            add("events", kind, ts)
            if community_id is None:
                continue
            key = keys[community_id]
            if kind == "message" and person_id is not None:
                add("messages", key, ts)
                sets[("active_people", key, ts.astimezone(tz).date())].add(person_id)
            elif kind in ("join", "leave"):
                add(kind + "s", key, ts)
                net[key][ts.astimezone(tz).date()] += 1 if kind == "join" else -1
        for order in session.scalars(select(m.Order).where(m.Order.status == "paid")):
            key = keys[order.community_id]
            add("orders", key, order.ts)
            add("gmv", key, order.ts, order.amount)
            if order.person_id is not None:
                sets[("payers", key, order.ts.astimezone(tz).date())].add(order.person_id)
        for invite in session.scalars(select(m.Invite)):
            add("invites", invite.campaign or "", invite.ts)
            sets[("inviters", invite.campaign or "", invite.ts.astimezone(tz).date())].add(
                invite.inviter_id
            )
    for cell, people in sets.items():
        cells[cell] = len(people)
    for key, days in net.items():
        running = 0
        for day in sorted(days):
            running += days[day]
            cells[("members", key, day)] = running
    return sorted(MetricRow(metric, key, day, clean(metric, value))
                  for (metric, key, day), value in cells.items())  # fmt: skip
