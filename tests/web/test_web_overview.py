"""The overview analytics on a small hand-made event set, on every backend."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from quanzi.analytics.overview import build_overview
from quanzi.services.ingest import ingest_objects


def test_overview_numbers_on_hand_made_events(engine: Engine, hand_made: list[dict]) -> None:
    assert ingest_objects(engine, hand_made).stored == len(hand_made)
    overview = build_overview(engine)

    assert overview.as_of.isoformat() == "2026-03-31T12:00:00+08:00"
    assert overview.timezone == "Asia/Shanghai"
    rows = {c.key: c for c in overview.communities}
    assert [c.key for c in overview.communities] == ["c-free", "c-100"]  # by ladder rank
    free, paid = rows["c-free"], rows["c-100"]
    assert (free.members, free.active_7d, free.joins_30d, free.leaves_30d) == (2, 1, 2, 1)
    assert (paid.members, paid.active_7d, paid.joins_30d, paid.leaves_30d) == (1, 1, 1, 0)
    assert (free.name, free.carrier_label, free.purpose_label, free.model_label) == (
        "免费体验群",
        "QQ 群",
        "吸引人",
        "种草群",
    )
    assert (paid.carrier_label, paid.purpose_label, paid.model_label, paid.price) == (
        "微信群",
        "过滤人",
        "路由群",
        100.0,
    )

    totals = overview.totals
    assert (totals.communities, totals.people, totals.members, totals.active_7d) == (2, 3, 2, 1)
    assert (totals.joins_30d, totals.leaves_30d, totals.events) == (3, 1, 12)

    assert [(k.kind, k.label, k.count) for k in overview.event_mix] == [
        ("join", "入群", 4),
        ("message", "消息", 4),
        ("community", "社群声明", 2),
        ("leave", "退群", 1),
        ("purchase", "购买", 1),
    ]


def test_daily_series_is_cut_in_local_days(engine: Engine, hand_made: list[dict]) -> None:
    ingest_objects(engine, hand_made)
    daily = build_overview(engine).daily
    assert daily[0].day == date(2026, 2, 20) and daily[-1].day == date(2026, 3, 31)
    assert len(daily) == 40  # every day present, zeros included
    joins = {d.day.isoformat(): d.joins for d in daily if d.joins}
    leaves = {d.day.isoformat(): d.leaves for d in daily if d.leaves}
    assert joins == {"2026-03-01": 1, "2026-03-11": 1, "2026-03-20": 1, "2026-03-28": 1}
    assert leaves == {"2026-03-25": 1}

    # The same join falls on 03-10 when days are cut in UTC.
    utc = build_overview(engine, timezone="UTC").daily
    assert {d.day.isoformat() for d in utc if d.joins} == {
        "2026-03-01",
        "2026-03-10",
        "2026-03-20",
        "2026-03-28",
    }


def test_windows_follow_the_newest_event_not_the_clock(
    engine: Engine, hand_made: list[dict]
) -> None:
    ingest_objects(engine, hand_made)
    # One later message moves "now" to 04-12: Alice's 03-30 message leaves the 7-day window
    # of c-free, and the 03-11 join leaves the 30-day window (which now starts 03-13).
    late = {
        "id": "m9",
        "ts": "2026-04-12T12:00:00+08:00",
        "kind": "message",
        "community": "c-100",
        "person": "qq:alice",
    }
    ingest_objects(engine, [late])
    rows = {c.key: c for c in build_overview(engine).communities}
    assert (rows["c-free"].active_7d, rows["c-free"].joins_30d) == (0, 1)
    assert rows["c-100"].active_7d == 1


def test_empty_database(engine: Engine) -> None:
    overview = build_overview(engine)
    assert overview.communities == [] and overview.daily == [] and overview.event_mix == []
    assert overview.totals.events == 0
    data = overview.to_dict()
    assert data["totals"]["communities"] == 0 and isinstance(data["as_of"], str)


def test_to_dict_is_plain_json(engine: Engine, hand_made: list[dict]) -> None:
    ingest_objects(engine, hand_made)
    data = build_overview(engine).to_dict()
    assert data["daily"][0] == {"day": "2026-02-20", "joins": 0, "leaves": 0}
    assert data["communities"][1]["key"] == "c-100"
    assert data["event_mix"][0] == {"kind": "join", "label": "入群", "count": 4}


def test_community_order_is_the_same_on_every_backend(engine: Engine) -> None:
    declared = [
        ("d1", "loose-retain", {"purpose": "retain"}),
        ("d2", "main-100", {"ladder": "main", "rank": 1, "price": 100}),
        ("d3", "loose-attract", {"purpose": "attract"}),
        ("d4", "main-free", {"ladder": "main", "rank": 0}),
        ("d5", "undeclared-purpose", {}),
    ]
    ts = "2026-03-01T09:00:00+08:00"
    ingest_objects(
        engine,
        [{"id": i, "ts": ts, "kind": "community", "community": k, **f} for i, k, f in declared],
    )
    assert [c.key for c in build_overview(engine).communities] == [
        "main-free",
        "main-100",
        "loose-attract",
        "loose-retain",
        "undeclared-purpose",
    ]
