"""The ibis metrics give the same figures as the hand-written analytics they generalise."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Engine, func, select

from quanzi.analytics.groupbuy import gmv_report
from quanzi.analytics.overview import build_overview
from quanzi.analytics.retain_report import daily_report
from quanzi.metrics.definitions import METRICS
from quanzi.metrics.engines import connect_database
from quanzi.metrics.results import MetricRow, compute
from quanzi.store import models as m
from quanzi.store.db import reading
from tests.metrics.conftest import TZ


def metric_rows(db_url: str) -> dict[tuple[str, str, date], float]:
    source = connect_database(db_url)
    try:
        rows: list[MetricRow] = compute(source, list(METRICS.values()), TZ)
    finally:
        source.close()
    return {(row.metric, row.key, row.day): row.value for row in rows}


def test_daily_report_figures(world: Engine, db_url: str) -> None:
    cells = metric_rows(db_url)
    days = sorted({day for (_, _, day) in cells})
    with reading(world) as session:
        keys = sorted(session.scalars(select(m.Community.key)))
    checked = 0
    for key in keys:
        for day in days[::7]:
            report = daily_report(world, key, day)
            for field, metric in (
                ("joins", "joins"),
                ("leaves", "leaves"),
                ("active_members", "active_people"),
                ("messages", "messages"),
            ):
                assert cells.get((metric, key, day), 0) == report[field], (key, day, field)
                checked += report[field] > 0
    assert checked > 20  # the sample holds real activity, not only zeros


def test_overview_daily_joins_and_leaves(world: Engine, db_url: str) -> None:
    cells = metric_rows(db_url)
    totals: dict[tuple[str, date], float] = defaultdict(float)
    for (metric, _, day), value in cells.items():
        totals[(metric, day)] += value
    daily = build_overview(world, timezone=TZ).daily
    assert sum(flow.joins for flow in daily) > 0
    for flow in daily:
        assert (flow.joins, flow.leaves) == (
            totals[("joins", flow.day)],
            totals[("leaves", flow.day)],
        )


def test_gmv_report_by_day_for_router_groups(world: Engine, db_url: str) -> None:
    cells = metric_rows(db_url)
    with reading(world) as session:
        routers = set(session.scalars(select(m.Community.key).where(m.Community.model == "router")))
    by_day: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for (metric, key, day), value in cells.items():
        if key in routers and metric in ("gmv", "orders"):
            by_day[day.isoformat()][0 if metric == "gmv" else 1] += value
    report = gmv_report(world)["by_day"]
    assert report
    assert {row["key"]: row["orders"] for row in report} == {d: v[1] for d, v in by_day.items()}
    for row in report:
        # Both round to the fen: per group here, per day there.
        assert abs(row["gmv"] - by_day[row["key"]][0]) < 0.02


def test_members_at_the_last_day_are_the_active_memberships(world: Engine, db_url: str) -> None:
    last: dict[str, float] = {}
    for (metric, key, _), value in sorted(metric_rows(db_url).items()):
        if metric == "members":
            last[key] = value
    with reading(world) as session:
        active = dict(
            session.execute(
                select(m.Community.key, func.count())
                .join(m.Membership, m.Membership.community_id == m.Community.id)
                .where(m.Membership.status == "active")
                .group_by(m.Community.key)
            ).all()
        )
    assert last == active
