"""Stored reports: the JSON codec, the snapshot service and the data version it follows."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, select, text, update
from tests.retain.retain_fixture import EVENTS, ev

from quanzi.analytics import cache, report_codec
from quanzi.analytics.report_catalog import REPORTS
from quanzi.analytics.reports import Report, declare, params_text
from quanzi.services import reports
from quanzi.services.audit import audit
from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.store.models_reports import ReportSnapshot


@dataclass(frozen=True)
class Point:
    """A registered value object for the codec tests."""

    at: datetime
    tags: tuple[str, ...] = ()


@dataclass
class Box:
    """A registered container with a field that is not an init argument."""

    points: list[Point]
    by_pair: dict[tuple[str, str], int]
    total: int = field(init=False, default=0)


@dataclass
class Stranger:
    """Never registered: the codec must refuse it."""

    value: int


report_codec.register(Point, Box)


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    cache.forget()


def test_codec_round_trips_dates_tuples_maps_and_value_objects() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    box = Box(
        points=[Point(datetime(2026, 3, 1, 9, 0, tzinfo=shanghai), ("a", "b"))],
        by_pair={("grape", "tier"): 3},
    )
    box.total = 7
    value = {
        "box": box,
        "day": date(2026, 3, 2),
        "utc": datetime(2026, 3, 2, 1, 2, 3, 456, tzinfo=UTC),
        "naive": datetime(2026, 3, 2, 1, 2, 3),
        "span": timedelta(days=2, seconds=5),
        "ints": {1: "one", 2: "two"},
        "dollar": {"$dt": "not a date"},
        "mixed": [1, 1.5, None, True, "文字", (1, 2)],
    }
    back = report_codec.loads(report_codec.dumps(value))
    assert back == value
    assert back["box"].total == 7
    # The zone itself comes back, not only the offset: templates print it the same way.
    assert back["box"].points[0].at.tzinfo == shanghai
    assert back["utc"].tzinfo is UTC
    assert back["naive"].tzinfo is None
    assert isinstance(back["mixed"][5], tuple)


def test_codec_refuses_what_it_does_not_know() -> None:
    with pytest.raises(TypeError):
        report_codec.dumps(Stranger(1))
    with pytest.raises(TypeError):
        report_codec.dumps({"a": {1, 2}})
    # A body naming any other class (say, one whose construction runs code) is refused.
    for body in (
        {"$obj": "Stranger", "fields": {"value": 1}},
        {"$obj": "Popen", "fields": {"args": ["rm", "-rf", "/"]}},
        {"$obj": "Point", "fields": {"at": None, "tags": [], "extra": 1}},
    ):
        with pytest.raises(report_codec.CodecError):
            report_codec.loads(json.dumps(body))
    with pytest.raises(report_codec.CodecError):
        report_codec.loads("{not json")


def test_shape_follows_the_fields_of_the_stored_classes() -> None:
    assert report_codec.shape([Point]) == report_codec.shape([Point])
    assert report_codec.shape([Point]) != report_codec.shape([Box])
    assert REPORTS["ladder"].stamp.startswith("1.")


@pytest.fixture
def grape(engine: Engine) -> Engine:
    ingest_objects(engine, [dict(e) for e in EVENTS])
    return engine


def _calls(name: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Count the computations of report `name`."""
    calls: list[dict[str, Any]] = []
    original = REPORTS[name]

    def compute(engine: Engine, **params: Any) -> Any:
        calls.append(params)
        return original.compute(engine, **params)

    monkeypatch.setitem(REPORTS, name, dataclasses.replace(original, compute=compute))
    return calls


def _snapshot(engine: Engine, name: str) -> ReportSnapshot:
    with reading(engine) as session:
        return session.scalars(select(ReportSnapshot).where(ReportSnapshot.name == name)).one()


def test_a_snapshot_is_stored_and_read_back_after_a_restart(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _calls("retain_health", monkeypatch)
    first = reports.current(grape, "retain_health")
    assert calls == [{}]
    assert reports.current(grape, "retain_health") == first  # from memory
    cache.forget()  # a restart: only the stored snapshot is left
    assert reports.current(grape, "retain_health") == first
    assert calls == [{}]
    row = _snapshot(grape, "retain_health")
    assert row.params == "{}" and row.format == REPORTS["retain_health"].stamp
    assert row.version == cache.version_text(cache.data_version(grape))


def test_a_new_event_means_a_new_computation(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _calls("overview", monkeypatch)
    before = reports.current(grape, "overview")
    ingest_objects(grape, [ev("late", "20T10:00:00", "message", person="wx:a", text="在吗")])
    after = reports.current(grape, "overview")
    assert len(calls) == 2
    assert after.totals.events == before.totals.events + 1
    cache.forget()
    assert reports.current(grape, "overview") == after
    assert len(calls) == 2


def test_another_format_or_an_unreadable_body_is_recomputed(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _calls("retain_health", monkeypatch)
    good = reports.current(grape, "retain_health")
    for change in ({"format": "0.old"}, {"body": '{"$obj": "Popen", "fields": {}}'}):
        cache.forget()
        with transaction(grape) as session:
            session.execute(update(ReportSnapshot).values(**change))
        assert reports.current(grape, "retain_health") == good
    assert len(calls) == 3


@pytest.mark.parametrize("change", ["audit", "decision", "stage_run"])
def test_the_data_version_follows_edits_decisions_and_stage_runs(
    grape: Engine, change: str
) -> None:
    before = cache.data_version(grape)
    before_free = cache.data_version(grape, stages=False)
    now = datetime.now(UTC)
    with transaction(grape) as session:
        if change == "audit":
            audit(session, "ops", "test.edit", "community:grape")
        elif change == "decision":
            session.execute(update(m.JoinRequest).values(decided_at=now))
            session.add(m.JoinRequest(event_id=1, community_id=1, person_id=1, ts=now,
                                      reasons=[], decided_at=now))  # fmt: skip
        else:
            from quanzi.store.models_retain import StageRun

            session.add(StageRun(as_of=now, computed_at=now, last_event_id=0))
    assert cache.data_version(grape) != before
    # Reports that never read stages keep their version through a stage run only.
    stage_free_changed = cache.data_version(grape, stages=False) != before_free
    assert stage_free_changed == (change != "stage_run")


def test_logins_and_new_accounts_leave_the_data_version_alone(grape: Engine) -> None:
    from quanzi.services.operators import add_operator, log_in, log_out

    before = cache.data_version(grape)
    add_operator(grape, "viewer", "viewer-pass", "viewer")
    log_in(grape, "viewer", "viewer-pass")
    log_out(grape, "viewer")
    assert cache.data_version(grape) == before
    with transaction(grape) as session:
        audit(session, "viewer", "screening.decide", "join_request:1")
    assert cache.data_version(grape) != before


def test_an_empty_store_is_never_stored(engine: Engine) -> None:
    reports.current(engine, "overview")
    with reading(engine) as session:
        assert session.scalar(select(ReportSnapshot.id)) is None


def test_a_store_without_the_table_still_serves_live_figures(grape: Engine) -> None:
    live = REPORTS["retain_health"].compute(grape)
    with grape.begin() as connection:
        connection.execute(text("DROP TABLE report_snapshot"))
    assert reports.current(grape, "retain_health") == live  # the failed write is only logged


def test_later_defers_the_write(grape: Engine) -> None:
    jobs: list[reports.Job] = []
    reports.current(grape, "retain_health", later=jobs.append)
    with reading(grape) as session:
        assert session.scalar(select(ReportSnapshot.id)) is None
    assert len(jobs) == 1
    jobs[0]()
    assert _snapshot(grape, "retain_health").params == "{}"


def test_refresh_reports_computes_what_is_stale_only(grape: Engine) -> None:
    seen: list[tuple[int, int, str]] = []
    first = reports.refresh_reports(grape, lambda *step: seen.append(step))
    names = {r.name for r in first}
    # The grape store has no ladder, campaign or second variant of anything.
    assert {"overview", "retain_health", "fission", "groupbuy"} <= names
    assert all(r.computed for r in first)
    assert [s[0] for s in seen] == list(range(len(first) + 1))
    assert seen[-1] == (len(first), len(first), "")
    again = reports.refresh_reports(grape)
    assert [r.computed for r in again] == [False] * len(first)
    ingest_objects(grape, [ev("late", "20T10:00:00", "message", person="wx:a", text="好")])
    third = reports.refresh_reports(grape)
    assert all(r.computed for r in third)
    cache.forget()
    for r in third:
        stored = _stored_value(grape, r.name, r.params)
        assert stored == REPORTS[r.name].compute(grape, **r.params)


def _stored_value(engine: Engine, name: str, params: dict[str, Any]) -> Any:
    with reading(engine) as session:
        body = session.scalar(
            select(ReportSnapshot.body).where(
                ReportSnapshot.name == name, ReportSnapshot.params == params_text(params)
            )
        )
    assert body is not None
    return report_codec.loads(body)


def test_a_failing_report_does_not_stop_the_refresh(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(engine: Engine) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(REPORTS, "broken", Report("broken", 1, broken))
    done = reports.refresh_reports(grape)
    failed = [r for r in done if r.name == "broken"]
    assert failed and failed[0].error == "boom" and not failed[0].computed
    assert any(r.computed for r in done if r.name != "broken")
    with transaction(grape) as session:
        session.execute(delete(ReportSnapshot))


def test_declare_registers_the_classes() -> None:
    @dataclass
    class Declared:
        value: int

    declare(Report("declared-for-test", 1, lambda engine: Declared(1), (Declared,)))
    try:
        assert report_codec.loads(report_codec.dumps(Declared(2))) == Declared(2)
    finally:
        REPORTS.pop("declared-for-test")
        report_codec.TYPES.pop("Declared")


def test_refresh_reports_can_be_limited_to_some_reports(grape: Engine) -> None:
    from quanzi.errors import InvalidInput

    done = reports.refresh_reports(grape, names=["overview", "retain_health"])
    assert [(r.name, r.computed) for r in done] == [("overview", True), ("retain_health", True)]
    with pytest.raises(InvalidInput):
        reports.refresh_reports(grape, names=["no-such-report"])


def test_within_the_allowed_age_an_older_snapshot_is_shown_and_said_so(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.config import get_settings
    from quanzi.store.models import utcnow

    calls = _calls("overview", monkeypatch)
    before = reports.current(grape, "overview")
    ingest_objects(grape, [ev("late", "20T10:00:00", "message", person="wx:a", text="在吗")])
    monkeypatch.setenv("QUANZI_REPORT_MAX_AGE_SECONDS", "600")
    get_settings.cache_clear()
    told: list[datetime] = []
    assert reports.current(grape, "overview", stale=told.append) == before
    assert len(calls) == 1 and told == [_snapshot(grape, "overview").computed_at]
    assert reports.current(grape, "overview", stale=told.append) == before  # decoded once
    assert len(told) == 2
    # Older than allowed: computed live, with the new event, and stored for the next visit.
    with transaction(grape) as session:
        session.execute(update(ReportSnapshot).values(computed_at=utcnow() - timedelta(hours=1)))
    after = reports.current(grape, "overview", stale=told.append)
    assert len(calls) == 2 and len(told) == 2
    assert after.totals.events == before.totals.events + 1
    assert _snapshot(grape, "overview").version == cache.version_text(cache.data_version(grape))


def test_with_no_allowance_an_older_snapshot_is_never_shown(
    grape: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _calls("overview", monkeypatch)
    before = reports.current(grape, "overview")
    ingest_objects(grape, [ev("late", "20T10:00:00", "message", person="wx:a", text="在吗")])
    told: list[datetime] = []
    after = reports.current(grape, "overview", stale=told.append)
    assert len(calls) == 2 and not told
    assert after.totals.events == before.totals.events + 1
