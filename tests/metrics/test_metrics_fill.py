"""Incremental fill: new and late events update the metric tables exactly like a full recompute."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from quanzi.metrics.definitions import METRICS
from quanzi.metrics.engines import connect_database
from quanzi.metrics.results import MetricRow, compute
from quanzi.services import metrics_fill
from quanzi.services.ingest import ingest_objects
from quanzi.services.metrics_fill import stored_values, update_metrics
from quanzi.store.db import reading
from quanzi.store.models import Event, Order
from quanzi.store.models_metrics import MetricFill, MetricValue
from tests.metrics.conftest import TZ
from tests.metrics.reference import reference_rows


def full_rows(engine: Engine) -> list[MetricRow]:
    source = connect_database(engine.url.render_as_string(hide_password=False))
    try:
        return compute(source, list(METRICS.values()), TZ)
    finally:
        source.close()


def late_events(engine: Engine) -> list[dict[str, Any]]:
    """Events that arrive now but happened on the world's second day, and a late refund."""
    with reading(engine) as session:
        order = session.scalars(
            select(Order).where(Order.status == "paid").order_by(Order.ts).limit(1)
        ).one()
        community = order.community_id
    from quanzi.store.models import Community

    with reading(engine) as session:
        key = session.get_one(Community, community).key
    old = "2026-05-02T03:00:00+08:00"

    def event(n: int, kind: str, **extra: Any) -> dict[str, Any]:
        return {"id": f"late-{n}", "ts": old, "kind": kind, "community": key, **extra}

    return [
        event(1, "join", person="wx:late-a"),
        event(2, "message", person="wx:late-a", text="补录的消息"),
        event(3, "join", person="wx:late-b"),
        event(4, "leave", person="wx:late-b", reason="leave"),
        event(5, "purchase", person="wx:late-a", item="apple", amount=12.5, order="late-o"),
        event(
            6,
            "invite",
            person="wx:late-a",
            inviter="wx:late-a",
            invitee="wx:late-c",
            campaign="补录活动",
        ),
        {
            "id": "late-7",
            "ts": "2026-06-30T12:00:00+08:00",
            "kind": "refund",
            "community": key,
            "order": order.order_key,
        },
    ]


def test_incremental_fill_equals_a_full_recompute(
    engine: Engine, metrics_events: list[dict[str, Any]]
) -> None:
    split = len(metrics_events) * 2 // 3
    ingest_objects(engine, metrics_events[:split])
    first = update_metrics(engine, timezone=TZ)
    assert stored_values(engine) == full_rows(engine)
    ingest_objects(engine, metrics_events[split:] + late_events(engine))
    second = update_metrics(engine, timezone=TZ)
    assert stored_values(engine) == full_rows(engine) == reference_rows(engine, TZ)
    # Only the touched days were recomputed, not the whole history.
    again = {f.metric: f.days for f in second.metrics}
    before = {f.metric: f.days for f in first.metrics}
    assert 0 < again["invites"] < before["invites"] + again["invites"]
    assert again["messages"] < 30 and again["gmv"] < 30
    assert all(f.days == 0 for f in update_metrics(engine, timezone=TZ).metrics)
    with reading(engine) as session:
        states = session.execute(select(MetricFill.state, MetricFill.last_event_id)).all()
    assert {state for state, _ in states} == {"done"}
    assert {last for _, last in states} == {second.target_event_id}


def test_a_crash_mid_fill_is_redone_without_duplicates(
    engine: Engine, metrics_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_objects(engine, metrics_events[:2000])
    update_metrics(engine, timezone=TZ)
    ingest_objects(engine, metrics_events[2000:] + late_events(engine))
    store = metrics_fill._store_slice
    calls = {"n": 0}

    def crashing(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 9:
            raise RuntimeError("simulated crash")
        store(*args)

    monkeypatch.setattr(metrics_fill, "CHUNK_DAYS", 4)
    monkeypatch.setattr(metrics_fill, "_store_slice", crashing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        update_metrics(engine, timezone=TZ)
    with reading(engine) as session:
        states = dict(session.execute(select(MetricFill.metric, MetricFill.state)).all())
    assert "started" in states.values() and "done" in states.values()
    monkeypatch.setattr(metrics_fill, "_store_slice", store)
    update_metrics(engine, timezone=TZ)
    expected = full_rows(engine)
    assert stored_values(engine) == expected
    with reading(engine) as session:
        assert session.scalar(select(func.count()).select_from(MetricValue)) == len(expected)
        assert set(session.scalars(select(MetricFill.state))) == {"done"}


def test_full_refill_gives_the_same_values(world: Engine) -> None:
    update_metrics(world, ["members", "gmv"], timezone=TZ)
    filled = stored_values(world)
    assert {row.metric for row in filled} == {"members", "gmv"}
    update_metrics(world, ["members", "gmv"], full=True, timezone=TZ)
    assert stored_values(world) == filled


def test_an_empty_store_fills_to_nothing(engine: Engine) -> None:
    report = update_metrics(engine, timezone=TZ)
    assert report.target_event_id == 0
    assert stored_values(engine) == []
    with reading(engine) as session:
        assert set(session.scalars(select(MetricFill.state))) == {"done"}


def test_a_fill_on_duckdb_equals_the_fill_in_the_store(
    engine: Engine, metrics_events: list[dict[str, Any]], tmp_path: Any
) -> None:
    split = len(metrics_events) * 2 // 3
    ingest_objects(engine, metrics_events[:split])
    seen: list[str] = []
    workdir = tmp_path / "work"
    workdir.mkdir()
    first = update_metrics(
        engine, timezone=TZ, via="duckdb", workdir=workdir, progress=lambda s, d, t: seen.append(s)
    )
    assert first.target_event_id > 0
    assert stored_values(engine) == full_rows(engine)
    assert "export:event" in seen and "gmv" in seen
    assert list(workdir.iterdir()) == []  # the temporary export is gone
    # New and late events afterwards: an incremental fill, on either side, stays exact.
    ingest_objects(engine, metrics_events[split:] + late_events(engine))
    second = update_metrics(engine, timezone=TZ, via="duckdb", workdir=workdir)
    assert stored_values(engine) == full_rows(engine) == reference_rows(engine, TZ)
    assert {f.days for f in second.metrics} != {0}
    assert all(f.days == 0 for f in update_metrics(engine, timezone=TZ).metrics)


def test_an_update_with_nothing_new_exports_nothing(
    engine: Engine,
    metrics_events: list[dict[str, Any]],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every fill via DuckDB first exports the store: a whole read of it, for nothing when
    # no event arrived since the last fill.
    from quanzi.metrics import export

    ingest_objects(engine, metrics_events[:-5])
    update_metrics(engine, timezone=TZ, via="duckdb", workdir=tmp_path)
    exports: list[int] = []
    real_export = export.export_parquet

    def counted(*args: Any, **kwargs: Any) -> Any:
        exports.append(1)
        return real_export(*args, **kwargs)

    monkeypatch.setattr(export, "export_parquet", counted)
    values = stored_values(engine)
    again = update_metrics(engine, timezone=TZ, via="duckdb", workdir=tmp_path)
    with reading(engine) as session:
        newest = session.scalar(select(func.max(Event.id)))
    assert exports == []
    assert again.target_event_id == newest
    assert [(f.days, f.rows, f.last_event_id) for f in again.metrics] == [(0, 0, newest)] * len(
        METRICS
    )
    assert stored_values(engine) == values
    ingest_objects(engine, metrics_events[-5:])  # something new: exported and filled again
    later = update_metrics(engine, timezone=TZ, via="duckdb", workdir=tmp_path)
    assert exports == [1]
    assert {f.days for f in later.metrics} != {0}
    assert stored_values(engine) == full_rows(engine)


def test_an_unknown_place_to_compute_is_refused(engine: Engine) -> None:
    from quanzi.errors import InvalidInput

    with pytest.raises(InvalidInput, match="未知的计算位置"):
        update_metrics(engine, timezone=TZ, via="excel")
