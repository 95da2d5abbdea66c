"""The five organs (seed 000) and a community's health score, with its reasons.

"Small as a sparrow, it has all five organs": a retained community has a daily report,
shared files, activities, closed-door meetings and team building; 003 adds a daily topic,
red packets now and then, and a KOL sharing. Each purpose sets how often each organ is
expected (a cadence in days, or None when the purpose does not need it). The score is the
weighted share of expected organs kept up, plus how alive the chat is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

FIVE = ("daily_report", "file", "activity", "closed_meeting", "team_building")
EXTRAS = ("daily_topic", "red_packet", "kol_share", "salon", "lecture")
ORGANS = FIVE + EXTRAS
LABELS = {
    "daily_report": "日报",
    "file": "群文件",
    "activity": "活动",
    "closed_meeting": "闭门会",
    "team_building": "团建",
    "daily_topic": "每日话题",
    "red_packet": "红包",
    "kol_share": "KOL 分享",
    "salon": "沙龙",
    "lecture": "讲座",
}
# Salons and lectures are activities too: they keep the `activity` organ alive.
FEEDS = {"salon": ("activity",), "lecture": ("activity",)}

# Expected cadence in days per purpose (None = not expected of this purpose).
TARGETS: dict[str, dict[str, int | None]] = {
    # 留住人: all five organs, a topic a day, a KOL share a week (000, 003).
    "retain": {
        "daily_report": 1,
        "file": 30,
        "activity": 30,
        "closed_meeting": 90,
        "team_building": 180,
        "daily_topic": 1,
        "red_packet": 30,
        "kol_share": 7,
    },
    # 过滤人: paid rungs must show what the money buys: reports, files, events, meetings.
    "filter": {
        "daily_report": 1,
        "file": 30,
        "activity": 30,
        "closed_meeting": 90,
        "team_building": 365,
        "daily_topic": 1,
        "kol_share": 7,
    },
    # 吸引人: daily content, monthly free events, perks (000's status-symbol benefits).
    "attract": {
        "daily_report": 7,
        "file": 60,
        "activity": 30,
        "team_building": 365,
        "daily_topic": 1,
        "red_packet": 14,
        "kol_share": 14,
    },
}
WEIGHTS = {
    "daily_report": 3.0,
    "file": 2.0,
    "activity": 3.0,
    "closed_meeting": 2.0,
    "team_building": 2.0,
    "daily_topic": 2.0,
    "red_packet": 1.0,
    "kol_share": 2.0,
    "salon": 1.0,
    "lecture": 1.0,
}
LIVELINESS_WEIGHT = 5.0
ACTIVE_SHARE_TARGET = 0.10  # 90-9-1: a tenth of members speaking in two weeks is healthy
RECENT_DAYS = 14
DYING_DROP = 0.5  # messages fell by half against the two weeks before


@dataclass(frozen=True)
class OrganSeen:
    """What the log shows of one organ in one community."""

    last: datetime | None = None
    times: tuple[datetime, ...] = ()  # within the look-back, newest last


@dataclass(frozen=True)
class ChatPulse:
    """How alive a community's chat is: the last two fortnights."""

    members: int = 0
    speakers_recent: int = 0
    messages_recent: int = 0
    messages_before: int = 0


@dataclass
class OrganStatus:
    """An organ's state: present or missing, last seen, cadence against the target."""

    organ: str
    present: bool
    last: datetime | None
    target_days: int | None
    count: int
    status: str  # ok / slow / stale / missing / not_due / optional
    score: float | None  # 0–1, None when not counted

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of `quanzi health`'s organ entry."""
        return {
            "present": self.present,
            "last": self.last.isoformat() if self.last else None,
            "target_days": self.target_days,
            "count": self.count,
            "status": self.status,
        }


@dataclass
class Health:
    """A community's health score (0–100) with the reasons behind it."""

    score: int
    organs: dict[str, OrganStatus]
    reasons: list[str] = field(default_factory=list)
    warning: bool = False  # early warning: activity is dying


def targets_for(purpose: str | None, overrides: Mapping[str, Any] | None = None) -> dict:
    """Return the organ cadence targets of a purpose, with a community's overrides."""
    base = dict(TARGETS.get(purpose or "retain", TARGETS["retain"]))
    for organ, days in (overrides or {}).items():
        if organ not in ORGANS:
            raise ValueError(f"unknown organ {organ!r}")
        base[organ] = None if days in (None, 0) else int(days)
    return base


def _every(days: int) -> str:
    return "每天" if days == 1 else f"每 {days} 天"


def assess_organ(
    organ: str, seen: OrganSeen, target: int | None, as_of: datetime, age_days: float
) -> OrganStatus:
    """Judge one organ: expected count in its window against what happened."""
    window = max(30, 3 * target) if target else 90
    recent = [t for t in seen.times if as_of - timedelta(days=window) < t <= as_of]
    present = bool(recent)
    if target is None:
        return OrganStatus(organ, present, seen.last, None, len(recent), "optional", None)
    span = min(window, max(age_days, 0.0))
    if span < target and not present:
        return OrganStatus(organ, False, seen.last, target, 0, "not_due", None)
    expected = max(1.0, span / target)
    if not present:
        status, score = "missing", 0.0
    else:
        gap = (as_of - recent[-1]).total_seconds() / 86400
        score = min(1.0, len(recent) / expected)
        if gap > 2 * target + 1:
            status, score = "stale", score * 0.5
        elif score < 0.8:
            status = "slow"
        else:
            status = "ok"
    return OrganStatus(organ, present, seen.last, target, len(recent), status, score)


def assess(
    purpose: str | None,
    seen: Mapping[str, OrganSeen],
    pulse: ChatPulse,
    as_of: datetime,
    age_days: float,
    overrides: Mapping[str, Any] | None = None,
) -> Health:
    """Score a community against the targets of its purpose; say why, organ by organ."""
    targets = targets_for(purpose, overrides)
    organs: dict[str, OrganStatus] = {}
    reasons: list[str] = []
    total = earned = 0.0
    for organ in ORGANS:
        status = assess_organ(
            organ, seen.get(organ, OrganSeen()), targets.get(organ), as_of, age_days
        )
        organs[organ] = status
        if status.score is None:
            continue
        weight = WEIGHTS[organ]
        total += weight
        earned += weight * status.score
        label, every = LABELS[organ], _every(status.target_days or 1)
        if status.status == "missing":
            never = "从未出现" if status.last is None else f"最近一次在 {status.last:%m-%d}"
            reasons.append(f"缺少{label}：目标{every}一次，{never}")
        elif status.status == "stale":
            days = (as_of - (status.last or as_of)).days
            reasons.append(f"{label}已 {days} 天没有了：目标{every}一次")
        elif status.status == "slow":
            reasons.append(f"{label}不够勤：近期 {status.count} 次，目标{every}一次")
    share = pulse.speakers_recent / pulse.members if pulse.members else 0.0
    alive = min(1.0, share / ACTIVE_SHARE_TARGET)
    total += LIVELINESS_WEIGHT
    earned += LIVELINESS_WEIGHT * alive
    if alive < 1.0:
        reasons.append(
            f"近 {RECENT_DAYS} 天发言 {pulse.speakers_recent} 人，占成员 {share:.0%}"
            f"（健康线 {ACTIVE_SHARE_TARGET:.0%}）"
        )
    warning = False
    if pulse.messages_before >= 20 and pulse.messages_recent < pulse.messages_before * DYING_DROP:
        drop = 1 - pulse.messages_recent / pulse.messages_before
        reasons.append(
            f"预警：近 {RECENT_DAYS} 天消息 {pulse.messages_recent} 条，"
            f"比前 {RECENT_DAYS} 天少 {drop:.0%}，社群在冷却"
        )
        warning = True
    elif pulse.members >= 10 and pulse.messages_recent == 0:
        reasons.append(f"预警：近 {RECENT_DAYS} 天没有人发言")
        warning = True
    missing_five = [LABELS[o] for o in FIVE if organs[o].status == "missing"]
    if len(missing_five) >= 3:
        warning = True
    score = round(100 * earned / total) if total else 0
    return Health(score, organs, reasons, warning)


def organs_of(kinds: Sequence[str]) -> list[str]:
    """Return the organs one `activity` event's organ keeps alive (itself and what it feeds)."""
    out: list[str] = []
    for organ in kinds:
        out.append(organ)
        out.extend(FEEDS.get(organ, ()))
    return out
