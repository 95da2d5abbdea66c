"""Engagement (weights × decay) and the stage ladder with its reasons and hysteresis."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from quanzi.domain.retain_config import config_from_toml
from quanzi.domain.retain_engagement import Contribution, EngagementModel
from quanzi.domain.retain_replay import JOIN, PURCHASE, REFUND, order_codes, tier_codes
from quanzi.domain.retain_replay import _once as once_only
from quanzi.domain.retain_stages import PersonFacts, StageRules, place
from quanzi.domain.retain_stages_batch import group_rows, rounded, tenths
from quanzi.errors import InvalidInput

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
RULES = StageRules()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_engagement_weights_decay_per_30_days_and_window() -> None:
    model = EngagementModel()
    contributions = [
        Contribution(ago(0), "message"),  # 1
        Contribution(ago(30), "reply"),  # 2 × 0.8
        Contribution(ago(60), "attend"),  # 4 × 0.64
        Contribution(ago(366), "purchase"),  # outside the 365-day window
        Contribution(ago(1), "leave"),  # not a contribution kind: 0
    ]
    assert model.score(contributions, NOW) == pytest.approx(1 + 1.6 + 2.56)
    assert model.value(Contribution(ago(-1), "message"), NOW) == 0  # the future counts nothing


def test_engagement_overrides_and_refund_never_goes_below_zero() -> None:
    model = EngagementModel().with_overrides({"weights": {"message": 3}, "decay_per_30_days": 0.5})
    assert model.score([Contribution(ago(30), "message")], NOW) == pytest.approx(1.5)
    assert model.score([Contribution(ago(0), "refund")], NOW) == 0.0
    with pytest.raises(ValueError):
        EngagementModel(decay_per_30_days=1.5)


@pytest.mark.parametrize(
    ("facts", "stage", "reason"),
    [
        (PersonFacts(engagement=80), "user", "普通用户：不在任何社群中"),
        (PersonFacts(engagement=10, communities=2), "member", "会员：是 2 个社群的成员"),
        (PersonFacts(engagement=30, communities=1), "fan", "粉丝：互动分 30.0 ≥ 25"),
        (
            PersonFacts(engagement=120, communities=1, orders=5),
            "iron_fan",
            "铁粉：互动分 120.0 ≥ 100；复购 5 单 ≥ 4",
        ),
        (
            PersonFacts(engagement=100, communities=1, orders=1, referrals=2),
            "iron_fan",
            "铁粉：互动分 100.0 ≥ 100；带来 2 人 ≥ 2",
        ),
        (PersonFacts(engagement=150, communities=1, orders=3), "fan", "粉丝：互动分 150.0 ≥ 25"),
        (PersonFacts(communities=1, roles=frozenset({"kol"})), "iron_fan", "铁粉：担任KOL"),
        (PersonFacts(communities=1, roles=frozenset({"leader"})), "partner", "合伙人：担任团长"),
        (
            PersonFacts(communities=1, top_tier_price=5000),
            "partner",
            "合伙人：购买了 ¥5000 的合伙人阶梯",
        ),
    ],
)
def test_every_stage_has_its_reason(facts: PersonFacts, stage: str, reason: str) -> None:
    placed = place(facts, RULES)
    assert (placed.stage, placed.reason) == (stage, reason)


def test_promotion_is_immediate_and_says_so() -> None:
    placed = place(PersonFacts(engagement=26, communities=1), RULES, current="member")
    assert (placed.stage, placed.reason) == ("fan", "升为粉丝：互动分 26.0 ≥ 25")


def test_demotion_waits_for_the_low_water_mark() -> None:
    month_ago = ago(30)
    kept = place(
        PersonFacts(engagement=85, communities=1, orders=4),
        RULES,
        current="iron_fan",
        promoted_at=month_ago,
        as_of=NOW,
    )
    assert kept.stage == "iron_fan"
    assert kept.reason == "保持铁粉：互动分 85.0 ≥ 80；复购 4 单 ≥ 3.2（降级线为门槛的 80%）"
    dropped = place(
        PersonFacts(engagement=70, communities=1, orders=4),
        RULES,
        current="iron_fan",
        promoted_at=month_ago,
        as_of=NOW,
    )
    assert (dropped.stage, dropped.reason) == ("fan", "降为粉丝：互动分 70.0 ≥ 25")
    held_fan = place(
        PersonFacts(engagement=22, communities=1), RULES, current="fan", promoted_at=month_ago
    )
    assert (held_fan.stage, held_fan.reason) == (
        "fan",
        "保持粉丝：互动分 22.0 ≥ 20（降级线为门槛的 80%）",
    )
    two_down = place(
        PersonFacts(engagement=21, communities=1), RULES, current="iron_fan", as_of=NOW
    )
    assert (two_down.stage, two_down.reason) == (
        "fan",
        "降为粉丝：互动分 21.0 ≥ 20（降级线为门槛的 80%）",
    )


def test_no_demotion_within_the_grace_period_unless_the_person_left() -> None:
    facts = PersonFacts(engagement=1, communities=1)
    held = place(facts, RULES, current="fan", promoted_at=ago(5), as_of=NOW)
    assert (held.stage, held.reason) == ("fan", "保持粉丝：升级后 14 天内不降级")
    gone = place(PersonFacts(), RULES, current="fan", promoted_at=ago(5), as_of=NOW)
    assert (gone.stage, gone.reason) == ("user", "降为普通用户：已不在任何社群中")


def test_rules_from_toml_and_clear_errors() -> None:
    config = config_from_toml(
        "[engagement]\ndecay_per_30_days = 0.9\n[engagement.weights]\nmessage = 2\n"
        '[stages]\nfan_engagement = 5\npartner_roles = ["owner"]\n'
    )
    assert config.engagement.weight("message") == 2.0
    assert config.engagement.decay_per_30_days == 0.9
    assert config.stages.fan_engagement == 5
    assert config.stages.partner_roles == frozenset({"owner"})
    with pytest.raises(InvalidInput, match=r"不是有效的 TOML.*line 2"):
        config_from_toml("[stages]\nfan_engagement = = 3\n")
    with pytest.raises(InvalidInput, match=r"\[engagement.weights\] 里没有 'like'"):
        config_from_toml("[engagement.weights]\nlike = 1\n")
    with pytest.raises(InvalidInput, match=r"stages.fan_engagement 应为数字"):
        config_from_toml('[stages]\nfan_engagement = "many"\n')
    with pytest.raises(InvalidInput, match=r"unknown stage rule 'vip'"):
        config_from_toml("[stages]\nvip = 1\n")
    with pytest.raises(InvalidInput, match=r"未知的小节 \[organs\]"):
        config_from_toml("[organs]\nx = 1\n")


def test_tenths_are_what_the_one_decimal_text_shows() -> None:
    # Halves in the text (0.25 is exact, 0.35 is just below) and products that round
    # across them (0.35 × 10 is exactly 3.5), large and small values, random ones.
    rng = np.random.default_rng(7)
    values = [0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 2.675, 1e5 + 0.05, 99.95, 24.95, 1e-9]
    values += [n / 20 for n in range(2000)] + list(rng.uniform(0, 500, 5000))
    got = tenths(np.array(values))
    assert [int(n) for n in got] == [int(f"{v:.1f}".replace(".", "")) for v in values]


def test_rounded_is_pythons_round() -> None:
    rng = np.random.default_rng(11)
    values = [0.0, -0.0, 0.0005, 0.0015, 2.675, 1.0005, 99.9995, 1e5 + 0.0005]
    values += [n / 2000 for n in range(20000)] + list(rng.uniform(0, 800, 20000))
    for digits in (1, 3):
        got = rounded(np.array(values), digits).tolist()
        want = [round(v, digits) for v in values]
        assert [(g, math.copysign(1, g)) for g in got] == [(w, math.copysign(1, w)) for w in want]


@pytest.mark.parametrize("span", [10, 1 << 40])  # one packed integer, or whole rows compared
def test_rows_alike_in_every_column_share_a_group(span: int) -> None:
    rng = np.random.default_rng(3)
    columns = (
        rng.integers(-1, 3, 3000) * span,
        rng.integers(0, 4, 3000),
        rng.choice([0.0, 99.0, 5000.0], 3000),
        rng.integers(0, 2, 3000) * span,
    )
    first, group = group_rows(columns)
    keys = list(zip(*(c.tolist() for c in columns), strict=True))
    assert len(set(keys)) == len(first) > 20
    for row, key in enumerate(keys):
        assert keys[first[group[row]]] == key  # the group's first row is alike
        assert first[group[row]] == keys.index(key)  # and is the first such row


def test_keys_seen_once_are_told_apart_from_repeats_and_exclusions() -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 3000, 5000)
    excluded = np.array([*range(0, 3000, 7), 99_999])  # one never bought
    counts = Counter(keys.tolist())
    want = [counts[k] == 1 and k % 7 != 0 for k in keys.tolist()]
    assert once_only(keys, excluded).tolist() == want
    assert 100 < sum(want) < len(keys)  # both kinds are there


def test_order_keys_are_coded_as_the_replay_compares_them() -> None:
    kinds = np.array([PURCHASE, PURCHASE, REFUND, PURCHASE, JOIN, REFUND, PURCHASE, PURCHASE])
    orders = ["a", "", "a", None, None, None, 7, "7"]
    sources = ["e1", "e2", None, "e4", None, None, "e7", "e8"]
    codes = order_codes(kinds, orders, sources).tolist()
    # A purchase without an order is keyed by its own id; a refund by the order it names
    # ("None" when it names none, as `str` gives); keys are compared as text.
    keys = ["a", "e2", "a", "e4", None, "None", "7", "7"]
    assert [c == -1 for c in codes] == [k is None for k in keys]
    distinct = {k for k in keys if k is not None}
    assert sorted({c for c in codes if c >= 0}) == list(range(len(distinct)))  # 0, 1, 2…
    for i, j in itertools.combinations(range(len(keys)), 2):
        if keys[i] is not None and keys[j] is not None:
            assert (codes[i] == codes[j]) == (keys[i] == keys[j]), (i, j)


def test_paid_rungs_are_coded_by_community() -> None:
    kinds = np.array([PURCHASE, PURCHASE, PURCHASE, JOIN, PURCHASE, PURCHASE])
    items = ["tier:vip", "mug", None, "tier:vip", "tier:", "tier:vip"]
    codes, names = tier_codes(kinds, items)
    got = [names[c] if c >= 0 else None for c in codes.tolist()]
    assert got == ["vip", None, None, None, "", "vip"]
    assert len(names) == 2


def test_rows_in_time_then_id_order_are_told_from_others() -> None:
    from quanzi.domain.retain_replay import _in_order

    rng = np.random.default_rng(8)
    for _ in range(200):
        ts = np.sort(rng.integers(0, 6, rng.integers(0, 12)))
        eid = rng.permutation(len(ts))
        want = np.array_equal(np.lexsort((eid, ts)), np.arange(len(ts)))
        assert _in_order(ts, eid) == want
        order = np.lexsort((eid, ts))
        assert _in_order(ts[order], eid[order])
    assert not _in_order(np.array([2, 1]), np.array([1, 2]))  # time runs back
    assert _in_order(np.array([1, 1, 2, 2]), np.array([3, 5, 6, 9]))  # ids rising throughout
    assert not _in_order(np.array([1, 1, 2, 2]), np.array([3, 5, 9, 6]))  # a tie out of order
    assert _in_order(np.array([1, 1, 2, 2]), np.array([3, 5, 2, 4]))  # ids fall across times
