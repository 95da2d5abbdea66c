"""The five organs against cadence targets, the health score and its reasons; the SOP calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from quanzi.domain.retain_organs import ChatPulse, OrganSeen, assess, assess_organ, targets_for
from quanzi.domain.retain_sop import DEFAULT_TEMPLATES, Template, schedule

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 31, 22, tzinfo=CST)


def seen(*days_ago: float) -> OrganSeen:
    times = tuple(sorted(NOW - timedelta(days=d) for d in days_ago))
    return OrganSeen(last=times[-1] if times else None, times=times)


def test_daily_organ_kept_up_is_ok() -> None:
    status = assess_organ("daily_report", seen(*range(30)), 1, NOW, 100)
    assert (status.status, status.score, status.count, status.present) == ("ok", 1.0, 30, True)


def test_every_other_day_is_slow_and_old_is_missing() -> None:
    slow = assess_organ("daily_report", seen(*range(0, 30, 2)), 1, NOW, 100)
    assert (slow.status, slow.score, slow.count) == ("slow", 0.5, 15)
    gone = assess_organ("daily_report", seen(40), 1, NOW, 100)
    assert (gone.status, gone.score, gone.present) == ("missing", 0.0, False)
    assert gone.last == NOW - timedelta(days=40)


def test_stale_slow_cadence_and_not_yet_due() -> None:
    stale = assess_organ("kol_share", seen(20, 25), 7, NOW, 100)
    assert stale.status == "stale"
    assert stale.score == pytest.approx(2 / (30 / 7) * 0.5)
    quarterly = assess_organ("closed_meeting", seen(10), 90, NOW, 100)
    assert quarterly.status == "ok"
    assert quarterly.score == pytest.approx(0.9)
    young = assess_organ("closed_meeting", seen(), 90, NOW, 20)
    assert (young.status, young.score) == ("not_due", None)
    optional = assess_organ("salon", seen(3), None, NOW, 100)
    assert (optional.status, optional.score, optional.present) == ("optional", None, True)


def test_health_score_and_reasons_for_a_retain_community() -> None:
    pulse = ChatPulse(members=100, speakers_recent=5, messages_recent=300, messages_before=280)
    health = assess("retain", {"daily_report": seen(*range(30))}, pulse, NOW, 365)
    # Weights: report 3 + file 2 + activity 3 + meeting 2 + team 2 + topic 2 + red packet 1
    # + KOL 2 = 17, liveliness 5; earned 3 × 1 + 5 × 0.5.
    assert health.score == round(100 * 5.5 / 22)
    assert health.reasons[0] == "缺少群文件：目标每 30 天一次，从未出现"
    assert "缺少闭门会：目标每 90 天一次，从未出现" in health.reasons
    assert health.reasons[-1] == "近 14 天发言 5 人，占成员 5%（健康线 10%）"
    assert health.warning  # three or more of the five organs missing
    assert health.organs["daily_report"].to_dict() == {
        "present": True,
        "last": NOW.isoformat(),
        "target_days": 1,
        "count": 30,
        "status": "ok",
    }


def test_dying_chat_raises_the_early_warning() -> None:
    full = {o: seen(*range(0, 90)) for o in targets_for("attract") if o}
    pulse = ChatPulse(members=50, speakers_recent=10, messages_recent=30, messages_before=100)
    health = assess("attract", full, pulse, NOW, 365)
    assert health.warning
    assert health.reasons == ["预警：近 14 天消息 30 条，比前 14 天少 70%，社群在冷却"]
    assert health.score == 100


def test_community_overrides_change_targets() -> None:
    assert targets_for("retain", {"closed_meeting": None})["closed_meeting"] is None
    assert targets_for("attract", {"daily_report": 1})["daily_report"] == 1
    with pytest.raises(ValueError):
        targets_for("retain", {"dance": 7})


def test_sop_slots_done_due_overdue_upcoming() -> None:
    as_of = datetime(2026, 3, 5, 10, tzinfo=CST)  # a Thursday
    done = {
        "daily_topic": [
            datetime(2026, 3, 2, 9, 5, tzinfo=CST),
            datetime(2026, 3, 3, 8, 50, tzinfo=CST),
        ],
        "daily_report": [datetime(2026, 3, 2, 21, 10, tzinfo=CST)],
        "kol_share": [datetime(2026, 3, 5, 9, tzinfo=CST)],  # a day late, still done
    }
    slots = schedule(DEFAULT_TEMPLATES, done, date(2026, 3, 2), date(2026, 3, 8), as_of, CST)
    by = {(s.template.organ, s.due.date().day): s.status for s in slots}
    assert [by[("daily_topic", d)] for d in range(2, 9)] == [
        "done", "done", "overdue", "due", "upcoming", "upcoming", "upcoming"
    ]  # fmt: skip
    assert [by[("daily_report", d)] for d in range(2, 9)] == [
        "done", "overdue", "overdue", "upcoming", "upcoming", "upcoming", "upcoming"
    ]  # fmt: skip
    assert by[("kol_share", 4)] == "done"  # Wednesday 20:00
    assert by[("salon", 7)] == "upcoming"  # the first Saturday of March
    assert len(slots) == 16


def test_template_from_dict_and_monthly_day() -> None:
    template = Template.from_dict(
        {"organ": "closed_meeting", "every": "month", "week": 15, "at": "19:30"}
    )
    slots = schedule(
        [template], {}, date(2026, 3, 1), date(2026, 4, 30), datetime(2026, 3, 1, tzinfo=CST), CST
    )
    assert [s.due.isoformat() for s in slots] == [
        "2026-03-15T19:30:00+08:00",
        "2026-04-15T19:30:00+08:00",
    ]
    with pytest.raises(ValueError):
        Template("x", "x", every="year")
