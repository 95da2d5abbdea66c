"""The ladder's pure rules on hand-computed fixtures (see ladder_fixture.py for the sums)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from quanzi.domain.ladder import (
    Presence,
    Purchase,
    Rung,
    Stay,
    ladder_report,
    stays_from,
)
from quanzi.domain.ladder_tasks import (
    Deed,
    TaskRule,
    describe_reward,
    reward_price,
    task_effect,
    task_progress,
)
from tests.ladder.ladder_fixture import EXPECTED, RUNGS, at, ladder_events

CST = timezone(timedelta(hours=8))


def fixture_objects() -> tuple[list[Rung], list[Purchase], list[Presence]]:
    """Read the fixture's events into value objects (crew left out, as the caller does)."""
    rungs = [Rung(key, price, rank, name) for rank, (key, price, name) in enumerate(RUNGS)]
    refunded = {e["order"] for e in ladder_events() if e["kind"] == "refund"}
    purchases: list[Purchase] = []
    presences: list[Presence] = []
    for e in ladder_events():
        ts = datetime.fromisoformat(e["ts"])
        if e["kind"] == "purchase":
            purchases.append(
                Purchase(e["person"], e["community"], ts, e["amount"], e["order"] in refunded)
            )
        elif e["kind"] in ("join", "leave") and e.get("role") != "owner":
            presences.append(Presence(e["person"], e["community"], ts, e["kind"]))
    return rungs, purchases, presences


def test_report_matches_the_hand_computed_numbers() -> None:
    rungs, purchases, presences = fixture_objects()
    report = ladder_report("steps", rungs, purchases, stays_from(presences))
    assert report.to_dict() == EXPECTED
    assert report.step_days[("free", "r100")] == [4.0, 5.0, 10.0]
    assert report.from_below("r500") == (1, 3)
    assert report.from_below("free") is None


def test_rungs_are_ordered_by_rank_whatever_the_input_order() -> None:
    rungs, purchases, presences = fixture_objects()
    report = ladder_report("steps", reversed(rungs), purchases, stays_from(presences))
    assert [r.community for r in report.rungs] == ["free", "r100", "r500", "r1000"]


def test_a_refund_removes_the_payer_and_the_revenue() -> None:
    rungs, purchases, presences = fixture_objects()
    refunded = [
        Purchase(p.person, p.community, p.ts, p.amount, p.refunded or p.person == "wx:e")
        for p in purchases
    ]
    report = ladder_report("steps", rungs, refunded, stays_from(presences)).to_dict()
    assert report["rungs"][2] == {
        "community": "r500", "price": 500, "members": 3, "payers": 2, "revenue": 1000,
    }  # fmt: skip
    assert report["provenance"]["r500"] == {"free": 1, "r100": 1}
    assert report["step_up"][2]["rate"] == 0.5  # A of A and D


def test_empty_ladder_has_no_rates() -> None:
    rungs = [Rung("a", 0, 0), Rung("b", 100, 1)]
    report = ladder_report("x", rungs, [], []).to_dict()
    assert report["step_up"] == [{"from": "a", "to": "b", "rate": None, "median_days": None}]
    assert report["provenance"] == {"a": {}, "b": {}}


def test_stays_from_joins_and_leaves() -> None:
    t = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(8)]
    stays = stays_from(
        [
            Presence("p", "c", t[3], "leave"),  # history starts mid-way: was a member
            Presence("p", "c", t[4], "join"),
            Presence("p", "c", t[5], "join"),  # a second join while in changes nothing
            Presence("p", "c", t[6], "leave"),
            Presence("p", "c", t[7], "leave"),  # a second leave changes nothing
            Presence("q", "c", t[1], "join"),
        ]
    )
    assert sorted(stays, key=lambda s: (s.person, s.start or t[0])) == [
        Stay("p", "c", None, t[3]),
        Stay("p", "c", t[4], t[6]),
        Stay("q", "c", t[1], None),
    ]
    assert Stay("q", "c", t[1], None).covers(t[2])
    assert not Stay("q", "c", t[1], None).covers(t[1])  # joining at the very moment: not yet


def test_task_progress_counts_each_key_once_inside_the_window() -> None:
    rule = TaskRule("attend", 2, at(0), at(10))
    deeds = [
        Deed("a", at(1), "act-1"),
        Deed("a", at(2), "act-1"),  # the same activity again
        Deed("a", at(3), "act-2"),  # second distinct: done here
        Deed("b", at(11), "act-3"),  # after the window
        Deed("b", at(5), "act-4"),
        Deed("z", at(5), "act-4"),  # not eligible
    ]
    progress = task_progress(rule, deeds, ["a", "b", "c"], CST)
    assert progress["a"].value == 2 and progress["a"].completed_at == at(3)
    assert progress["b"].value == 1 and not progress["b"].completed
    assert progress["c"].value == 0 and "z" not in progress


def test_speaking_days_are_local_dates() -> None:
    rule = TaskRule("speak_days", 2, at(0), at(10))
    # 23:30 and 00:30 in Shanghai are two days, though one UTC day apart by an hour.
    first = datetime(2026, 3, 2, 23, 30, tzinfo=CST)
    deeds = [
        Deed("a", first, "m1"),
        Deed("a", first + timedelta(minutes=10), "m2"),
        Deed("a", first + timedelta(hours=1), "m3"),
    ]
    progress = task_progress(rule, deeds, ["a"], CST)["a"]
    assert progress.value == 2 and progress.completed_at == first + timedelta(hours=1)


def test_spending_sums_yuan_and_completes_at_the_crossing_order() -> None:
    rule = TaskRule("spend", 150, at(0), at(10))
    deeds = [Deed("a", at(1), "o1", 79.0), Deed("a", at(2), "o2", 49.0), Deed("a", at(3), "o3", 58)]
    progress = task_progress(rule, deeds, ["a"], CST)["a"]
    assert progress.value == 186 and progress.completed_at == at(3)


def test_task_effect_compares_completers_with_the_rest() -> None:
    rule = TaskRule("invite", 1, at(0), at(10))
    deeds = [Deed("a", at(1), "f1"), Deed("b", at(2), "f2"), Deed("c", at(20), "f3")]
    progress = task_progress(rule, deeds, ["a", "b", "c", "d", "e"], CST)
    effect = task_effect(progress, stepped=["a", "c"])
    assert effect.to_dict() == {
        "completers": {"people": 2, "stepped": 1, "rate": 0.5},
        "others": {"people": 3, "stepped": 1, "rate": 0.3333},
        "lift": 1.5,
    }


def test_rewards_and_their_words() -> None:
    assert reward_price(1000, "percent", 20) == 800
    assert reward_price(500, "fixed", 100) == 400
    assert reward_price(500, "fixed", 900) == 0
    assert reward_price(500, "price", 388) == 388
    assert reward_price(500, "price", 900) == 500  # never dearer than the list price
    assert describe_reward("percent", 20) == "8 折（减 20%）"
    assert describe_reward("percent", 15) == "8.5 折（减 15%）"
    assert describe_reward("fixed", 30) == "立减 ¥30"
