"""Operator-typed dates and times: a local day (2026-05-01) or a full ISO time."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo


def read_local(value: str, tz: ZoneInfo, *, end: bool = False) -> datetime:
    """Read a whole local day (its first instant, or its last with `end`) or an ISO time.

    A time without an offset is taken in `tz`; unreadable text raises ValueError.
    """
    value = value.strip()
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        return datetime.combine(day, time.max if end else time.min, tz)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
