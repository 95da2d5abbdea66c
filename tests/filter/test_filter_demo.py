"""The demo world 「果园鲜生」: its marketing accounts are caught with reasons, its people pass."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from quanzi.domain import filter_rules
from quanzi.domain.screening import Screener
from quanzi.domain.screening_stream import request_from_raw, screen_stream
from quanzi.sim import SimConfig, names, simulate


@pytest.fixture(scope="module")
def requests() -> list[dict[str, Any]]:
    """The join requests of the default world; marketing accounts use the stock avatars."""
    return [e for e in simulate(SimConfig(seed=1)) if e["kind"] == "join_request"]


def outcome(requests: list[dict[str, Any]], config: dict[str, Any]) -> Counter[tuple[bool, str]]:
    verdicts = screen_stream(Screener(config), [request_from_raw(r) for r in requests])
    return Counter(
        (r["avatar"] in names.STOCK_AVATARS, v.verdict)
        for r, v in zip(requests, verdicts, strict=True)
    )


def test_default_rules_catch_most_spam_and_no_ordinary_person(
    requests: list[dict[str, Any]],
) -> None:
    counts = outcome(requests, filter_rules.DEFAULTS)
    assert counts == {
        (False, "admit"): 305,
        (True, "reject"): 25,
        (True, "review"): 15,
        (True, "admit"): 4,
    }


def test_with_the_stock_avatars_blocked_every_spam_account_is_caught(
    requests: list[dict[str, Any]],
) -> None:
    # docs/filter-demo.toml lists the six stock avatars the simulated sellers share.
    text = (Path(__file__).parents[2] / "docs" / "filter-demo.toml").read_text(encoding="utf-8")
    assert sorted(filter_rules.load(text)["avatar_blocklist"]) == sorted(names.STOCK_AVATARS)
    counts = outcome(requests, filter_rules.load(text))
    assert counts == {(False, "admit"): 305, (True, "reject"): 44}


def test_each_spam_verdict_says_why(requests: list[dict[str, Any]]) -> None:
    spam = [r for r in requests if r["avatar"] in names.STOCK_AVATARS]
    verdicts = screen_stream(Screener(), [request_from_raw(r) for r in spam])
    caught = [v for v in verdicts if v.verdict != "admit"]
    assert all(v.reasons for v in caught)
    rules = Counter(reason.rule for v in caught for reason in v.reasons)
    assert set(rules) == {
        "name.a_prefix",
        "name.jie",
        "name.reduplicated",
        "name.ad_words",
        "avatar.ring",
        "comment.contact",
        "comment.ad_words",
    }
