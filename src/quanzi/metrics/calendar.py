"""Local days as whole numbers, computed the same way by every engine."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

SECONDS_PER_DAY = 86_400
EPOCH_DAY = date(1970, 1, 1)
# Offsets are tabled over these years, wide enough for any chat history; a calendar then
# keeps only those in force over its data's span.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def _offset(tz: ZoneInfo, second: int) -> int:
    found = datetime.fromtimestamp(second, UTC).astimezone(tz).utcoffset()
    return int(found.total_seconds()) if found is not None else 0


@lru_cache(maxsize=8)
def offsets(tz_name: str) -> tuple[tuple[int, int], ...]:
    """Return (UTC second from which, offset in seconds) for each offset `tz_name` takes."""
    tz = ZoneInfo(tz_name)
    second = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(LAST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    changes = [(second, _offset(tz, second))]
    while second < end:
        following = second + SECONDS_PER_DAY
        if _offset(tz, following) != changes[-1][1]:
            # Binary search for the first second with the new offset; changes are a day apart.
            low, high = second, following
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(tz, middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high, _offset(tz, high)))
        second = following
    return tuple(changes)


def offsets_between(tz_name: str, first: int, last: int) -> tuple[tuple[int, int], ...]:
    """Return the offsets `tz_name` takes between UTC seconds `first` and `last`."""
    changes = offsets(tz_name)
    before = [change for change in changes if change[0] <= first] or [changes[0]]
    return (before[-1], *(change for change in changes if first < change[0] <= last))


@dataclass(frozen=True)
class Calendar:
    """Local days of one time zone over a span of UTC seconds that holds every row."""

    tz: str
    first: int | None = None
    last: int | None = None

    def offsets(self) -> tuple[tuple[int, int], ...]:
        """Return the offsets in force over the span (all tabled ones when it is unknown)."""
        if self.first is None or self.last is None:
            return offsets(self.tz)
        return offsets_between(self.tz, self.first, self.last)

    def day(self, ts: ir.TimestampValue) -> ir.IntegerValue:
        """Return the local day number (days since 1970-01-01) of a UTC timestamp column."""
        # Engines disagree on time zones (SQLite has none, Spark and DuckDB follow a session
        # setting) but all agree on epoch seconds; the offset table makes the rest arithmetic.
        # Offsets are limited to the data's span: Asia/Shanghai is then a single constant,
        # and a zone with summer time gets two branches a year instead of two hundred.
        seconds = ts.epoch_seconds()
        changes = self.offsets()
        offset: ir.IntegerValue = ibis.literal(changes[-1][1])
        if len(changes) > 1:
            branches = [(seconds < start, off) for (_, off), (start, _) in pairwise(changes)]
            offset = ibis.cases(*branches, else_=changes[-1][1])
        return ((seconds + offset) // SECONDS_PER_DAY).cast("int64")


def span_of(*columns: tuple[ir.Table, str]) -> tuple[int | None, int | None]:
    """Return the first and last UTC second over (table, timestamp column) pairs."""
    firsts, lasts = [], []
    for table, name in columns:
        # Convert the min and max, not every row: at 50 million rows this is 6× faster.
        column = table[name]
        found = table.aggregate(
            first=column.min().epoch_seconds().cast("float64"),
            last=column.max().epoch_seconds().cast("float64"),
        )
        row = found.to_pyarrow().to_pylist()[0]
        if row["first"] is not None:
            firsts.append(row["first"])
            lasts.append(row["last"])
    if not firsts:
        return None, None
    return math.floor(min(firsts)), math.ceil(max(lasts))


def to_date(number: int) -> date:
    """Return the date of a local day number."""
    return EPOCH_DAY + timedelta(days=int(number))


def to_number(day: date) -> int:
    """Return the local day number of a date."""
    return (day - EPOCH_DAY).days


def local_day(ts: datetime, tz_name: str) -> int:
    """Return the local day number of an aware timestamp, in Python (the reference)."""
    return to_number(ts.astimezone(ZoneInfo(tz_name)).date())


def day_start(number: int, tz_name: str) -> datetime:
    """Return the UTC instant at which local day `number` begins."""
    local = datetime.combine(to_date(number), time(), tzinfo=ZoneInfo(tz_name))
    return local.astimezone(UTC)
