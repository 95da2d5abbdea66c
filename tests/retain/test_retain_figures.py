"""Stages, health, questions, daily report, churn and cohorts on a fixture with known answers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from quanzi.analytics.retain_churn import ChurnRules, churn_report, cohorts
from quanzi.analytics.retain_health import health_report
from quanzi.analytics.retain_questions import question_list, question_summary
from quanzi.analytics.retain_report import daily_report
from quanzi.analytics.retain_stages import entries, stage_history, stage_summary
from quanzi.domain.retain_config import RetainConfig
from quanzi.domain.retain_engagement import Contribution, EngagementModel
from quanzi.domain.retain_stages import StageRules
from quanzi.errors import NotFound
from quanzi.services.ingest import ingest_objects
from quanzi.services.retain_stages import needs_recompute, recompute_stages
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading
from tests.retain.retain_fixture import EVENTS, at


@pytest.fixture
def grape(engine: Engine) -> Engine:
    report = ingest_objects(engine, [dict(e) for e in EVENTS])
    assert report.stored == len(EVENTS) and not report.rejected
    return engine


def test_recompute_places_everyone_with_history(grape: Engine) -> None:
    assert needs_recompute(grape)
    report = recompute_stages(grape)
    # Mondays 03-02, 03-09, 03-16 (local), then the newest event 03-20 12:00.
    assert (report.checkpoints, report.people, report.changes) == (4, 4, 6)
    assert not needs_recompute(grape)
    with reading(grape) as session:
        people = {p.key: (p.stage, p.stage_reason) for p in session.scalars(select(m.Person))}
        history = session.execute(
            select(m.Person.key, r.StageChange.from_stage, r.StageChange.to_stage, r.StageChange.ts)
            .join(m.Person, m.Person.id == r.StageChange.person_id)
            .order_by(r.StageChange.ts, m.Person.key)
        ).all()
    assert people["wx:zhou"] == ("partner", "合伙人：担任群主")
    assert people["wx:b"] == ("member", "会员：是 1 个社群的成员")
    assert people["wx:c"] == ("user", "降为普通用户：已不在任何社群中")
    assert people["wx:a"][0] == "fan"
    assert people["wx:a"][1].startswith("粉丝：互动分 ")
    moves = [(key, before, after, ts.strftime("%m-%d")) for key, before, after, ts in history]
    assert moves == [
        ("wx:a", None, "member", "03-01"),  # Monday 03-02 00:00 local is 03-01 16:00 UTC
        ("wx:zhou", None, "partner", "03-01"),
        ("wx:a", "member", "fan", "03-08"),
        ("wx:b", None, "member", "03-08"),
        ("wx:c", None, "member", "03-08"),
        ("wx:c", "member", "user", "03-20"),
    ]
    assert stage_summary(grape) == {
        "stages": {"user": 1, "member": 1, "fan": 1, "iron_fan": 0, "partner": 1},
        "flows": [
            {"from": "member", "to": "user", "count": 1},
            {"from": "member", "to": "fan", "count": 1},
        ],
    }
    assert entries(grape) == {"user": 0, "member": 3, "fan": 0, "iron_fan": 0, "partner": 1}
    assert [(p["member"], p["fan"]) for p in stage_history(grape)] == [(1, 0), (2, 1), (1, 1)]


def test_engagement_per_community_is_stored(grape: Engine) -> None:
    recompute_stages(grape)
    model = EngagementModel()
    as_of = at("20T12:00:00")
    expected = model.score(
        [
            Contribution(at("02T10:00:00"), "join"),
            Contribution(at("02T11:00:00"), "message"),
            Contribution(at("02T15:00:00"), "purchase"),
        ],
        as_of,
    )
    with reading(grape) as session:
        row = session.execute(
            select(r.Engagement.score, r.Engagement.last_active)
            .join(m.Person, m.Person.id == r.Engagement.person_id)
            .where(m.Person.key == "wx:b")
        ).one()
    assert row.score == pytest.approx(expected, abs=1e-3)
    assert row.last_active == at("02T15:00:00")


def test_stage_summary_of_one_community_and_unknown_community(grape: Engine) -> None:
    recompute_stages(grape)
    assert stage_summary(grape, "grape")["stages"]["partner"] == 1
    with pytest.raises(NotFound, match="没有找到社群 'nope'"):
        stage_summary(grape, "nope")


def test_rules_change_the_ladder_and_hysteresis_holds(grape: Engine) -> None:
    def reason_of_a() -> str | None:
        with reading(grape) as session:
            person = session.scalar(select(m.Person).where(m.Person.key == "wx:a"))
            assert person is not None and person.stage == "iron_fan"
            return person.stage_reason

    # Promoted on 03-09 at ≥ 40, decayed below 40 since: held, first by the 14-day grace…
    recompute_stages(grape, RetainConfig(stages=StageRules(iron_fan_engagement=40)))
    assert reason_of_a() == "保持铁粉：升级后 14 天内不降级"
    # …and with a 7-day grace, by staying above the low-water mark (80% of 40 = 32).
    recompute_stages(grape, RetainConfig(stages=StageRules(iron_fan_engagement=40, grace_days=7)))
    reason = reason_of_a()
    assert reason is not None
    assert reason.startswith("保持铁粉：互动分 3")
    assert reason.endswith("≥ 32；复购 5 单 ≥ 3.2（降级线为门槛的 80%）")


def test_health_of_the_fixture(grape: Engine) -> None:
    [health] = health_report(grape, "grape")
    organs = health["organs"]
    assert organs["daily_report"]["present"] is True
    assert organs["daily_report"]["last"] == "2026-03-02T13:00:00+00:00"
    assert organs["daily_report"]["status"] == "stale"
    assert organs["closed_meeting"] == {
        "present": False,
        "last": None,
        "target_days": 90,
        "count": 0,
        "status": "not_due",
    }
    assert set(organs) >= {"daily_report", "file", "activity", "closed_meeting", "team_building"}
    # Counted: report (3) and topic (2), each 1 of 19.125 expected, halved as stale; KOL
    # share missing (2); 1 of 3 members spoke in 14 days, above the 10% line (5).
    age = (at("20T12:00:00") - at("01T09:00:00")).total_seconds() / 86400
    assert health["score"] == round(100 * (5 * 0.5 / age + 5) / 12)
    assert "缺少KOL 分享：目标每 7 天一次，从未出现" in health["reasons"]
    assert "日报已 17 天没有了：目标每天一次" in health["reasons"]


def test_questions_with_first_answers(grape: Engine) -> None:
    assert question_list(grape, "grape") == [
        {
            "message": "q1",
            "asked_at": "2026-03-02T10:05:00+08:00",
            "answered_at": "2026-03-02T10:25:00+08:00",
            "seconds": 1200,
        },
        {
            "message": "q2",
            "asked_at": "2026-03-02T11:00:00+08:00",
            "answered_at": "2026-03-02T11:02:00+08:00",
            "seconds": 120,
        },
        {
            "message": "q3",
            "asked_at": "2026-03-03T12:00:00+08:00",
            "answered_at": None,
            "seconds": None,
        },
    ]
    assert [q["message"] for q in question_list(grape, "grape", date(2026, 3, 3))] == ["q3"]
    [summary] = question_summary(grape, "grape")
    assert summary["questions"] == 3
    assert summary["unanswered_share"] == round(1 / 3, 4)
    assert (summary["median_seconds"], summary["p90_seconds"]) == (660, 1200)
    assert summary["within_sla_share"] == round(2 / 3, 4)
    assert summary["by"] == {"reply": 1, "mention": 0, "follow": 1}


def test_daily_report(grape: Engine) -> None:
    report = daily_report(grape, "grape", date(2026, 3, 2))
    assert {k: report[k] for k in ("joins", "leaves", "members", "active_members", "messages")} == {
        "joins": 1,
        "leaves": 0,
        "members": 3,
        "active_members": 3,
        "messages": 4,
    }
    assert [(t["person"], t["messages"]) for t in report["top_contributors"]] == [
        ("wx:a", 1),
        ("wx:b", 1),
    ]
    assert (report["questions"], report["unanswered"]) == (2, [])
    assert (report["orders"], report["gmv"]) == (2, 200.0)
    assert [(c["organ"], c["ts"]) for c in report["coming"]] == [
        ("kol_share", "2026-03-04T20:00:00+08:00"),
        ("salon", "2026-03-07T14:00:00+08:00"),
    ]
    assert report["text"].splitlines()[0] == "【葡萄团购群 · 社群日报】3月2日 周一"
    assert "· 订单：2 单，成交额 ¥200" in report["text"]
    day3 = daily_report(grape, "grape", date(2026, 3, 3))
    assert [q["message"] for q in day3["unanswered"]] == ["q3"]
    assert "   · 12:00 能开发票吗" in day3["text"]


def test_churn_and_renewals(grape: Engine) -> None:
    recompute_stages(grape)
    data = churn_report(grape)
    assert [(p["person"], p["days_silent"], p["active_days"]) for p in data["at_risk"]] == [
        ("wx:a", 10, 6)
    ]
    assert data["not_renewing"] == []
    lapsed = churn_report(grape, "grape", ChurnRules(term_days=10))["not_renewing"]
    assert [(p["person"], p["tier"], p["status"]) for p in lapsed] == [("wx:b", "grape", "lapsed")]


def test_cohorts_by_week_and_source(grape: Engine) -> None:
    assert cohorts(grape) == [
        {"cohort": "2026-02-23", "size": 2, "retention": [1.0, 0.5], "still_members": 1.0},
        {"cohort": "2026-03-02", "size": 2, "retention": [1.0, 0.0], "still_members": 0.5},
    ]
    by_source = {row["cohort"]: row for row in cohorts(grape, by="source")}
    assert by_source["fission_poster"]["still_members"] == 0.0
    assert by_source["official_account"]["label"] == "公众号"
    assert by_source["official_account"]["retention"] == [1.0, 1.0]
