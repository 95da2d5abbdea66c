"""The operations calendar (SOP, 社群运营日历): organ activities scheduled from templates.

A template says which organ is due how often and when (a daily topic at 9:00, the daily
report at 21:00, a KOL share every week, a salon every month). Each scheduled slot is
done when an `activity` event of its organ arrives within the slot's period (the day,
the ISO week or the month); otherwise it is upcoming, due, or overdue once its grace
time has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

EVERY = ("day", "week", "month")
GRACE = {"day": timedelta(hours=3), "week": timedelta(days=1), "month": timedelta(days=3)}


@dataclass(frozen=True)
class Template:
    """One recurring organ activity: `every` day/week/month at `at`.

    `weekday` (1 = Monday … 7 = Sunday) places weekly slots, and monthly ones on that
    weekday of the month's `week` (1 = first); a monthly template without a weekday
    falls on day `week` of the month.
    """

    organ: str
    title: str
    every: str = "day"
    at: time = time(9, 0)
    weekday: int | None = None
    week: int = 1

    def __post_init__(self) -> None:
        if self.every not in EVERY:
            raise ValueError(f"every must be one of {EVERY}")
        if self.weekday is not None and not 1 <= self.weekday <= 7:
            raise ValueError("weekday must be 1 (Monday) to 7 (Sunday)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Template:
        """Build a template from `{"organ","title","every","at":"HH:MM","weekday","week"}`."""
        hour, minute = (int(x) for x in str(data.get("at", "09:00")).split(":"))
        return cls(
            organ=str(data["organ"]),
            title=str(data.get("title") or data["organ"]),
            every=str(data.get("every", "day")),
            at=time(hour, minute),
            weekday=data.get("weekday"),
            week=int(data.get("week", 1)),
        )


DEFAULT_TEMPLATES = (
    Template("daily_topic", "每日话题", "day", time(9, 0)),
    Template("daily_report", "社群日报", "day", time(21, 0)),
    Template("kol_share", "每周 KOL 分享", "week", time(20, 0), weekday=3),
    Template("salon", "每月沙龙", "month", time(14, 0), weekday=6, week=1),
)


@dataclass(frozen=True)
class Slot:
    """One scheduled occurrence of a template and its state at `as_of`."""

    template: Template
    due: datetime
    start: datetime  # the period in which a matching activity counts
    end: datetime
    status: str  # done / upcoming / due / overdue
    done_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data."""
        return {
            "organ": self.template.organ,
            "title": self.template.title,
            "every": self.template.every,
            "due": self.due.isoformat(),
            "status": self.status,
            "done_at": self.done_at.astimezone(self.due.tzinfo).isoformat()
            if self.done_at
            else None,
        }


def _periods(template: Template, first: date, last: date) -> Iterable[tuple[date, date, date]]:
    """Yield (period start, period end, due day) for every period touching [first, last]."""
    if template.every == "day":
        day = first
        while day <= last:
            yield day, day + timedelta(days=1), day
            day += timedelta(days=1)
    elif template.every == "week":
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            yield (
                monday,
                monday + timedelta(days=7),
                monday + timedelta(days=(template.weekday or 1) - 1),
            )
            monday += timedelta(days=7)
    else:
        month = first.replace(day=1)
        while month <= last:
            following = (month + timedelta(days=32)).replace(day=1)
            if template.weekday is None:
                due = month + timedelta(days=min(template.week, 28) - 1)
            else:
                offset = (template.weekday - 1 - month.weekday()) % 7
                due = month + timedelta(days=offset + 7 * (template.week - 1))
                if due >= following:
                    due = following - timedelta(days=1)
            yield month, following, due
            month = following


def schedule(
    templates: Sequence[Template],
    done: Mapping[str, Sequence[datetime]],
    first: date,
    last: date,
    as_of: datetime,
    tz: tzinfo,
) -> list[Slot]:
    """Lay the templates' slots over the local days [first, last] and judge each at `as_of`.

    `done` maps an organ to the times its `activity` events arrived.
    """
    slots: list[Slot] = []
    for template in templates:
        times = sorted(done.get(template.organ, ()))
        for start_day, end_day, due_day in _periods(template, first, last):
            start = datetime.combine(start_day, time(0), tz)
            end = datetime.combine(end_day, time(0), tz)
            due = datetime.combine(due_day, template.at, tz)
            if not first <= due_day <= last:
                continue
            hit = next((t for t in times if start <= t < end and t <= as_of), None)
            if hit is not None:
                status = "done"
            elif as_of < due:
                status = "upcoming"
            elif as_of < due + GRACE[template.every]:
                status = "due"
            else:
                status = "overdue"
            slots.append(Slot(template, due, start, end, status, hit))
    return sorted(slots, key=lambda s: (s.due, s.template.organ))
