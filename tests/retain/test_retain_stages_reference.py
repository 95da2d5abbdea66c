"""The array recompute gives exactly what the event-by-event reference replay gives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from quanzi.domain import retain_replay
from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_engagement import EngagementModel
from quanzi.domain.retain_stages import STAGES, PersonFacts, StageRules, place, rank
from quanzi.domain.retain_stages_batch import FactArrays, place_many, role_flags
from quanzi.services import retain_stages, retain_stages_write
from quanzi.services.ingest import ingest_objects
from quanzi.services.retain_stages import checkpoints, read_log, recompute_stages
from quanzi.store import bulk
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store import stage_log as store_stage_log
from quanzi.store.db import reading, transaction
from tests.retain.retain_fixture import EVENTS
from tests.retain.stage_reference import replay_reference
from tests.retain.stage_worlds import demo_world, random_world

CONFIGS = {
    "default": RetainConfig(),
    "iron40": RetainConfig(stages=StageRules(iron_fan_engagement=40)),
    "iron40-grace7": RetainConfig(stages=StageRules(iron_fan_engagement=40, grace_days=7)),
    # A window shorter than the span; contributions leave it between checkpoints.
    "window3": RetainConfig(engagement=EngagementModel(window_days=3)),
    "window10": RetainConfig(
        engagement=EngagementModel(window_days=10),
        stages=StageRules(fan_engagement=4, iron_fan_engagement=9, iron_fan_orders=2),
    ),
    # No decay and whole weights: scores land exactly on the thresholds.
    "flat": RetainConfig(
        engagement=EngagementModel(decay_per_30_days=1.0, window_days=14),
        stages=StageRules(fan_engagement=5, iron_fan_engagement=10, iron_fan_referrals=1),
    ),
    "silent": RetainConfig(
        engagement=EngagementModel(
            weights={"message": 0.0, "reply": 0.5, "join": 0.0, "refund": -2.5}
        ),
        stages=StageRules(fan_engagement=2, iron_fan_engagement=6, low_water=0.5),
    ),
}


def ingest(engine: Engine, events: list[dict[str, Any]]) -> None:
    report = ingest_objects(engine, [dict(e) for e in events])
    assert not report.rejected, report.rejected[:3]


def stored(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[int, Any]]:
    """Return the stored history (in row order), engagement rows and people's places."""
    with reading(engine) as session:
        changes = session.execute(
            select(
                r.StageChange.person_id, r.StageChange.ts, r.StageChange.from_stage,
                r.StageChange.to_stage, r.StageChange.reason, r.StageChange.engagement,
            ).order_by(r.StageChange.id)
        ).all()  # fmt: skip
        engagement = session.execute(
            select(
                r.Engagement.person_id, r.Engagement.community_id, r.Engagement.score,
                r.Engagement.last_active, r.Engagement.as_of,
            )
        ).all()  # fmt: skip
        people = {
            p.id: (p.stage, p.stage_reason) for p in session.execute(select(m.Person)).scalars()
        }
    return [tuple(c) for c in changes], sorted(tuple(e) for e in engagement), people


def assert_matches_reference(
    engine: Engine, config: RetainConfig, timezone: str = "", parquet: Path | None = None
) -> None:
    """Recompute (from the store, or from the export in `parquet`), then compare every
    stored row with the reference replay's."""
    tz = timezone or None
    reference = replay_reference(engine, config, timezone=tz)
    report = recompute_stages(engine, config, timezone=tz, parquet=parquet)
    changes, engagement, people = stored(engine)
    expected = [
        (c["person_id"], c["ts"], c["from_stage"], c["to_stage"], c["reason"], c["engagement"])
        for c in reference.changes
    ]
    assert report.checkpoints == reference.checkpoints
    assert len(changes) == len(expected)
    for got, want in zip(changes, expected, strict=True):
        assert got[:5] == want[:5]
        assert got[5] == pytest.approx(want[5], abs=1e-6)
        assert got[5] == want[5]  # in fact identical: edges are recomputed event by event
    want_engagement = sorted(
        (e["person_id"], e["community_id"], e["score"], e["last_active"], e["as_of"])
        for e in reference.engagement
    )
    assert engagement == want_engagement
    assert people == reference.people
    assert report.stages == dict(Counter(stage for stage, _ in people.values()))


@pytest.fixture
def grape(engine: Engine) -> Engine:
    ingest(engine, EVENTS)
    return engine


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fixture_matches_reference(grape: Engine, name: str) -> None:
    assert_matches_reference(grape, CONFIGS[name])


@pytest.mark.parametrize("name", ["default", "window10", "flat"])
def test_demo_world_matches_reference(engine: Engine, name: str) -> None:
    ingest(engine, demo_world())
    assert_matches_reference(engine, CONFIGS[name])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", ["default", "window3", "window10", "flat", "silent"])
def test_random_world_matches_reference(engine: Engine, seed: int, name: str) -> None:
    ingest(engine, random_world(seed))
    assert_matches_reference(engine, CONFIGS[name])


def test_other_timezone_matches_reference(engine: Engine) -> None:
    ingest(engine, random_world(7))
    assert_matches_reference(engine, CONFIGS["window10"], "America/New_York")


def test_every_score_recomputed_event_by_event_still_matches(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the tolerance wide open every score goes the exact way: same rows.
    monkeypatch.setattr(retain_replay, "TOLERANCE", 1e9)
    ingest(engine, random_world(3))
    assert_matches_reference(engine, CONFIGS["window10"])


def test_portable_writes_match_reference(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # The SQLAlchemy Core inserts and updates other backends get, here on SQLite.
    monkeypatch.setattr(bulk, "RAW_SQLITE_WRITES", False)
    ingest(engine, random_world(1))
    assert_matches_reference(engine, CONFIGS["default"])
    assert_matches_reference(engine, CONFIGS["iron40-grace7"])  # people's stages rewritten


def test_fallbacks_match_reference(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ids too large to pack into one value, and too many communities for a dense table.
    monkeypatch.setattr(store_stage_log, "PACKED_BITS", 0)
    monkeypatch.setattr(retain_replay, "DENSE_CELLS", 0)
    monkeypatch.setattr(retain_replay, "SCANS", 0)  # an index by person at once
    ingest(engine, random_world(5))
    assert_matches_reference(engine, CONFIGS["flat"])
    assert_matches_reference(engine, CONFIGS["window10"])


def history(engine: Engine, config: RetainConfig, generic: bool = False) -> Any:
    with reading(engine) as session:
        first, last, newest = session.execute(
            select(func.min(m.Event.ts), func.max(m.Event.ts), func.max(m.Event.id))
        ).one()
        prices = {c.key: c.price for c in session.scalars(select(m.Community))}
        reader = retain_stages._read_generic if generic else read_log
        log = reader(session, newest)
        points = checkpoints(first, last, retain_stages.ZoneInfo("Asia/Shanghai"))
        return log, retain_replay.replay_log(log, config, prices, points)


def test_vector_placement_agrees_with_place_and_edges_are_exact(engine: Engine) -> None:
    ingest(engine, random_world(2, events=900))
    _, flat = history(engine, CONFIGS["flat"])
    assert flat.disagreements == 0
    assert flat.exact > 0  # whole scores on the thresholds went the exact way
    _, default = history(engine, CONFIGS["default"])
    assert default.disagreements == 0


def test_portable_reader_reads_what_the_sqlite_reader_reads(engine: Engine) -> None:
    ingest(engine, random_world(4))
    fast, fast_history = history(engine, CONFIGS["default"])
    portable, portable_history = history(engine, CONFIGS["default"], generic=True)
    # Row order is the backend's: compare in id order.
    for name in ("message_ts", "message_person", "message_community", "message_type"):
        got = getattr(fast, name)[np.argsort(fast.message_id)]
        want = getattr(portable, name)[np.argsort(portable.message_id)]
        assert np.array_equal(got, want), name
    fast_order, portable_order = np.argsort(fast.id), np.argsort(portable.id)
    for name in ("ts", "id", "kind", "community", "person", "inviter", "amount"):
        got, want = getattr(fast, name), getattr(portable, name)
        assert np.array_equal(got[fast_order], want[portable_order]), name
    assert [fast.role[i] for i in fast_order] == [portable.role[i] for i in portable_order]
    # Codes are named in each reader's own way: the same keys must share codes alike.
    assert partition(fast.order[fast_order]) == partition(portable.order[portable_order])
    assert tier_names(fast)[fast_order].tolist() == tier_names(portable)[portable_order].tolist()
    assert (fast.order >= 0).any() and (fast.tier >= 0).any()
    assert fast_history == portable_history
    assert fast_history.changes and len(fast_history.engagement)


def partition(codes: np.ndarray) -> list[int]:
    """Return each code as the position where it first occurs (-1 stays -1)."""
    first: dict[int, int] = {}
    return [-1 if c < 0 else first.setdefault(c, i) for i, c in enumerate(codes.tolist())]


def tier_names(log: Any) -> np.ndarray:
    """Return the paid rung each event buys, by name (None for none)."""
    names = np.array([*log.tiers, None], dtype=object)
    return names[log.tier]


def test_empty_store(engine: Engine) -> None:
    report = recompute_stages(engine)
    assert (report.people, report.changes, report.checkpoints) == (0, 0, 0)


NOW = datetime(2026, 3, 31, tzinfo=UTC)
facts = st.builds(
    PersonFacts,
    engagement=st.sampled_from([0.0, 7.9, 19.99, 20.0, 25.0, 79.0, 80.0, 100.0, 130.5]),
    communities=st.integers(0, 3),
    roles=st.frozensets(st.sampled_from(["owner", "kol", "member", "leader"]), max_size=2),
    orders=st.integers(0, 6),
    top_tier_price=st.sampled_from([0.0, 199.0, 4999.0, 5000.0]),
    referrals=st.integers(0, 3),
)


@given(
    rows=st.lists(
        st.tuples(facts, st.sampled_from([None, *STAGES]), st.integers(0, 30)), max_size=40
    ),
    low_water=st.sampled_from([0.8, 0.5, 1.0]),
    partner_tier=st.sampled_from([5000.0, 0.0]),
)
def test_place_many_places_like_place(
    rows: list[tuple[PersonFacts, str | None, int]], low_water: float, partner_tier: float
) -> None:
    rules = StageRules(low_water=low_water, partner_tier_price=partner_tier)
    flags = [role_flags(f.roles, rules) for f, _, _ in rows]
    arrays = FactArrays(
        engagement=np.array([f.engagement for f, _, _ in rows], dtype=np.float64),
        communities=np.array([f.communities for f, _, _ in rows], dtype=np.int64),
        partner_role=np.array([p for p, _ in flags], dtype=np.bool_),
        iron_fan_role=np.array([i for _, i in flags], dtype=np.bool_),
        orders=np.array([f.orders for f, _, _ in rows], dtype=np.int64),
        top_tier_price=np.array([f.top_tier_price for f, _, _ in rows], dtype=np.float64),
        referrals=np.array([f.referrals for f, _, _ in rows], dtype=np.int64),
    )
    promoted = [NOW - timedelta(days=days) for _, _, days in rows]
    got = place_many(
        arrays,
        rules,
        np.array([rank(c) for _, c, _ in rows], dtype=np.int8),
        np.array([NOW - p < timedelta(days=rules.grace_days) for p in promoted], dtype=np.bool_),
    )
    want = [
        rank(place(f, rules, current=c, promoted_at=p, as_of=NOW).stage)
        for (f, c, _), p in zip(rows, promoted, strict=True)
    ]
    assert got.tolist() == want


@pytest.mark.parametrize("seed", range(5))
def test_event_by_event_scores_are_bitwise_the_reference_replays(seed: int) -> None:
    # The path taken near thresholds and rounding edges must reproduce the reference's
    # float arithmetic exactly, not approximately.
    from tests.retain.stage_reference import Replay

    rng = np.random.default_rng(seed)
    model = EngagementModel(window_days=int(rng.choice([3, 30, 365])))
    replay = Replay(RetainConfig(engagement=model), {})
    start = datetime(2026, 3, 2, tzinfo=UTC)
    seconds = np.sort(rng.integers(0, 90 * 86400, size=300))
    kinds = rng.choice(["message", "reply", "attend", "refund", "purchase"], size=300)
    points = [start + timedelta(days=7 * w, hours=int(rng.integers(0, 3))) for w in range(14)]
    expected, i = [], 0
    for point in points:
        while i < len(seconds) and start + timedelta(seconds=int(seconds[i])) <= point:
            replay._credit(1, start + timedelta(seconds=int(seconds[i])), str(kinds[i]), None)
            i += 1
        replay.checkpoint(point)
        expected.append(replay.people[1].eng)
    own = retain_replay._Own(
        np.array([retain_replay.to_us(start) + int(s) * 1_000_000 for s in seconds]),
        np.array([model.weight(str(k)) for k in kinds]),
        np.full(len(seconds), -1),
    )
    points_us = np.array([retain_replay.to_us(p) for p in points])
    exact = retain_replay._Exact(model, points, points_us, 0, own)
    assert [exact.at(k) for k in range(len(points))] == expected


def history_ids(engine: Engine) -> list[tuple[Any, ...]]:
    """Return the stored history rows with their row ids, in row order."""
    with reading(engine) as session:
        c = r.StageChange
        query = select(c.id, c.person_id, c.ts, c.to_stage, c.reason).order_by(c.id)
        return [tuple(row) for row in session.execute(query)]


def test_a_recompute_after_new_events_keeps_the_history_it_shares(engine: Engine) -> None:
    world = random_world(4)
    events = world[:3] + sorted(world[3:], key=lambda e: e["ts"])
    ingest(engine, events[:600])
    recompute_stages(engine)
    before = history_ids(engine)
    ingest(engine, events[600:])  # the last weeks arrive
    assert_matches_reference(engine, CONFIGS["default"])
    after = history_ids(engine)
    shared = next(i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b)
    assert shared > 10  # the rows before the new events were kept, ids and all
    assert after[:shared] == before[:shared]
    assert all(row[0] > before[shared - 1][0] for row in after[shared:])  # written anew
    assert len(after) > len(before)


def test_a_rerun_rewrites_no_history(engine: Engine) -> None:
    ingest(engine, random_world(6))
    recompute_stages(engine)
    before = history_ids(engine)
    assert_matches_reference(engine, CONFIGS["default"])
    assert history_ids(engine) == before  # the same rows under the same ids


@pytest.mark.parametrize("name", ["default", "iron40", "window3"])
def test_digests_keep_the_checkpoints_a_row_comparison_keeps(engine: Engine, name: str) -> None:
    world = random_world(4)
    events = world[:3] + sorted(world[3:], key=lambda e: e["ts"])
    ingest(engine, events[:600])
    recompute_stages(engine)
    ingest(engine, events[600:])  # the last weeks arrive
    _, new = history(engine, CONFIGS[name])
    with reading(engine) as session:
        known = retain_stages_write.last_digests(session)
        by_digest = retain_stages_write._digest_prefix(session, known, new)
        by_rows = retain_stages_write._stored_prefix(session, new.changes)
    # The digests keep the leading checkpoints whose rows are all the same: up to the last
    # checkpoint boundary the rows agree to.
    boundaries = [0, *np.cumsum([rows for _, rows, _ in new.digests]).tolist()]
    assert by_digest[0] in boundaries
    assert by_digest[0] <= by_rows[0]
    assert boundaries[boundaries.index(by_digest[0]) + 1] >= by_rows[0]
    if by_digest[0]:  # the same last row kept, by its id
        assert by_digest[1] == history_ids(engine)[by_digest[0] - 1][0]
    if name == "default":
        assert by_digest[0] > 10


def test_a_rerun_reads_no_stored_rows_back(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(engine, random_world(6))
    recompute_stages(engine)
    before = history_ids(engine), engagement_ids(engine)

    def refused(*args: Any) -> Any:
        raise AssertionError("stored rows read back")

    monkeypatch.setattr(retain_stages_write, "_stored_prefix", refused)
    monkeypatch.setattr(retain_stages_write, "_engagement_diff", refused)
    monkeypatch.setattr(retain_stages_write, "_set_people", refused)
    assert_matches_reference(engine, CONFIGS["default"])
    assert (history_ids(engine), engagement_ids(engine)) == before


def test_people_are_set_again_when_they_or_their_places_differ(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_set_people = retain_stages_write._set_people

    def counted(session: Any, history: Any) -> Any:
        calls.append(len(history.people))
        return real_set_people(session, history)

    monkeypatch.setattr(retain_stages_write, "_set_people", counted)
    world = random_world(3)
    events = world[:3] + sorted(world[3:], key=lambda e: e["ts"])
    ingest(engine, events[:150])
    assert_matches_reference(engine, CONFIGS["default"])
    assert_matches_reference(engine, CONFIGS["default"])  # the same people, the same places
    assert len(calls) == 1
    assert_matches_reference(engine, CONFIGS["flat"])  # other places
    assert len(calls) == 2
    ingest(engine, events[150:])  # new people
    assert_matches_reference(engine, CONFIGS["iron40-grace7"])
    assert len(calls) == 3 and calls[-1] > calls[0]
    with transaction(engine) as session:  # someone with no events, whose stage is not set
        newcomer = m.Person(key="qq:no-events", first_seen=datetime(2026, 3, 1, tzinfo=UTC))
        session.add(newcomer)
        session.flush()
        newcomer_id = newcomer.id
    assert_matches_reference(engine, CONFIGS["iron40-grace7"])  # the newcomer placed too
    assert len(calls) == 4
    assert stored(engine)[2][newcomer_id] == retain_stages_write.DEFAULT_PLACE


def test_rows_changed_behind_the_last_run_or_no_digests_are_compared_row_by_row(
    engine: Engine,
) -> None:
    from sqlalchemy import delete, update

    ingest(engine, random_world(6))
    recompute_stages(engine)
    with transaction(engine) as session:  # rows lost outside any recompute
        session.execute(delete(r.StageChange).where(r.StageChange.id == 1))
        session.execute(delete(r.Engagement).where(r.Engagement.id == 1))
    assert_matches_reference(engine, CONFIGS["default"])
    before = history_ids(engine)
    with transaction(engine) as session:  # as a run by an older version leaves it
        session.execute(update(r.StageRun).values(digests=None))
    assert_matches_reference(engine, CONFIGS["default"])
    assert history_ids(engine) == before  # compared row by row: all kept


def engagement_ids(engine: Engine) -> list[tuple[Any, ...]]:
    """Return the stored engagement rows with their row ids, in row order."""
    with reading(engine) as session:
        e = r.Engagement
        query = select(e.id, e.person_id, e.community_id, e.score, e.as_of).order_by(e.id)
        return [tuple(row) for row in session.execute(query)]


def test_engagement_is_kept_on_a_rerun_updated_in_place_and_rewritten(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted: list[int] = []  # engagement rows inserted, per recompute
    real_insert = retain_stages_write.insert_rows

    def counted(session: Any, model: Any, columns: Any, rows: Any, **kw: Any) -> None:
        if model is r.Engagement:
            inserted.append(len(rows))
        real_insert(session, model, columns, rows, **kw)

    monkeypatch.setattr(retain_stages_write, "insert_rows", counted)
    world = random_world(3)
    events = world[:3] + sorted(world[3:], key=lambda e: e["ts"])
    ingest(engine, events[:700])
    recompute_stages(engine)
    before = engagement_ids(engine)
    assert before
    assert_matches_reference(engine, CONFIGS["iron40"])  # other stage rules, same engagement
    assert engagement_ids(engine) == before  # the same rows under the same ids
    # Another decay: the same (person, community) cells, other scores, updated in place.
    faster = RetainConfig(engagement=EngagementModel(decay_per_30_days=0.7))
    assert_matches_reference(engine, faster)
    updated = engagement_ids(engine)
    assert [row[:3] for row in updated] == [row[:3] for row in before]
    assert sum(a[3] != b[3] for a, b in zip(updated, before, strict=True)) > len(before) // 2
    assert inserted == [len(before), 0, 0]  # the first write, then none
    assert_matches_reference(engine, CONFIGS["window3"])  # cells only joins filled go
    assert len(engagement_ids(engine)) < len(before)
    assert inserted[-1] == 0
    ingest(engine, events[700:])  # new people and cells: inserted beside the updated rows
    assert_matches_reference(engine, CONFIGS["default"])
    after = engagement_ids(engine)
    assert len(after) > len(before)
    assert 0 < inserted[-1] < len(after)
    assert len({row[4] for row in after}) == 1  # every row at the later as-of time
    assert after[0][4] > before[0][4]


def test_the_engagement_table_worked_out_by_a_forked_child_is_the_same(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi import parallel

    ingest(engine, random_world(5))
    children: list[int] = []
    real_in_child = parallel.in_child

    def counted(work: Any) -> Any:
        children.append(1)
        return real_in_child(work)

    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)  # a child even on one core
    monkeypatch.setattr(retain_stages, "PARALLEL_EVENTS", 0)
    monkeypatch.setattr(retain_stages, "in_child", counted)
    assert_matches_reference(engine, CONFIGS["window10"])
    assert children == [1]


def indexes(engine: Engine) -> set[str]:
    """Return the names of the secondary indexes on the stage tables."""
    from sqlalchemy import inspect

    found = inspect(engine)
    return {ix["name"] for t in ("stage_change", "engagement") for ix in found.get_indexes(t)}


def test_a_crash_midway_through_the_write_keeps_rows_and_indexes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(engine, random_world(1))
    recompute_stages(engine)
    before, names = stored(engine), indexes(engine)
    assert "ix_stage_change_person_id" in names and "ix_engagement_community_score" in names
    real_insert = retain_stages_write.insert_rows

    def insert_then_crash(session: Any, model: Any, columns: Any, rows: Any, **kw: Any) -> None:
        real_insert(session, model, columns, rows, **kw)
        if model is r.Engagement:  # the history rows are in, the indexes not yet rebuilt
            raise RuntimeError("killed")

    monkeypatch.setattr(retain_stages_write, "insert_rows", insert_then_crash)
    with pytest.raises(RuntimeError, match="killed"):  # another window: engagement differs
        recompute_stages(engine, CONFIGS["window3"])
    assert indexes(engine) == names
    assert stored(engine) == before


def stored_text(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Return the stage tables' rows exactly as SQLite holds them (times as their text)."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        changes = connection.execute(
            "SELECT person_id, ts, from_stage, to_stage, reason, engagement FROM stage_change "
            "ORDER BY id"
        ).fetchall()
        engagement = connection.execute(
            "SELECT person_id, community_id, score, last_active, as_of FROM engagement "
            "ORDER BY person_id, community_id"
        ).fetchall()
    return changes, engagement


def test_the_cursor_stores_the_text_sqlalchemy_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.store import migrate
    from quanzi.store.db import get_engine

    # Times with fractions of a second, which sqlite3 writes only where there are some.
    world = random_world(2)
    for i, event in enumerate(world):
        if i % 3:
            moment = datetime.fromisoformat(event["ts"]) + timedelta(microseconds=7 * i + 1)
            event["ts"] = moment.isoformat()
    stored = []
    for raw in (True, False):
        path = tmp_path / f"raw-{raw}.db"
        engine = get_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        ingest(engine, world)
        monkeypatch.setattr(bulk, "RAW_SQLITE_WRITES", raw)
        recompute_stages(engine)
        stored.append(stored_text(path))
    assert stored[0] == stored[1]
    assert any("." in row[3] for row in stored[0][1] if row[3])  # fractions were written
