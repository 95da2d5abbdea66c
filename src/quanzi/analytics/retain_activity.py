"""Each person's active moments as arrays (µs since the epoch, UTC), for churn and cohorts.

A large store has tens of millions of active events; held as datetimes in per-person lists
they cost more to build than to read, so they are read as text or µs and kept in one
sorted array, cut by person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from quanzi.domain.retain_replay import from_us, to_us
from quanzi.store import models as m

US = 1_000_000
DAY_US = 86_400 * US
WEEK_US = 7 * DAY_US
# Offsets change on quarter hours (every zone's transitions fall on them); a quarter whose
# two ends disagree is looked up moment by moment.
QUARTER_US = 15 * 60 * US
FETCH = 20_000


@dataclass(frozen=True)
class Activity:
    """People's active moments: `moments[bounds[i]:bounds[i + 1]]` are `people[i]`'s, sorted."""

    people: np.ndarray
    bounds: np.ndarray
    moments: np.ndarray

    def items(self) -> Iterator[tuple[int, np.ndarray]]:
        """Each person id with their moments."""
        for i, pid in enumerate(self.people.tolist()):
            yield pid, self.moments[self.bounds[i] : self.bounds[i + 1]]

    def days_of(self, zone: tzinfo) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Each person id with their moments and those moments' local days in `zone`."""
        days = local_days(self.moments, zone)  # once for everyone: offsets per quarter hour
        for i, pid in enumerate(self.people.tolist()):
            cut = slice(self.bounds[i], self.bounds[i + 1])
            yield pid, self.moments[cut], days[cut]

    def of(self, pid: int) -> np.ndarray:
        """The moments of person `pid` (none when never active)."""
        i = int(np.searchsorted(self.people, pid))
        if i == len(self.people) or self.people[i] != pid:
            return self.moments[:0]
        return self.moments[self.bounds[i] : self.bounds[i + 1]]


def _micros(values: list[Any]) -> np.ndarray:
    """Stored times as µs: SQLite's UTC text parsed in C, datetimes (PostgreSQL) one by one."""
    if values and isinstance(values[0], str):
        return np.array(values, dtype="datetime64[us]").view(np.int64)
    return np.array([to_us(v) for v in values], dtype=np.int64)


def load_activity(session: Session, kinds: tuple[str, ...], cid: int | None) -> Activity:
    """Read the moments of `kinds` events by a person, in community `cid` or anywhere."""
    acted = (m.Event.kind.in_(kinds), m.Event.person_id.is_not(None))
    # Per community (and in none), so the (community, kind, time, person) index answers
    # without visiting the rows of the log.
    places = (
        [m.Event.community_id == cid]
        if cid is not None
        else [m.Event.community_id.in_(select(m.Community.id)), m.Event.community_id.is_(None)]
    )
    people: list[np.ndarray] = []
    moments: list[np.ndarray] = []
    stored = type_coerce(m.Event.ts, String)  # the stored value, not a datetime per row
    for place in places:
        query = select(m.Event.person_id, stored).where(place, *acted)
        # Core, not the ORM: its per-row bookkeeping was most of the read.
        result = session.connection().execute(query.execution_options(yield_per=FETCH))
        for rows in result.partitions():
            who, when = zip(*rows, strict=True)
            people.append(np.array(who, dtype=np.int64))
            moments.append(_micros(list(when)))
    if not people:
        empty = np.zeros(0, dtype=np.int64)
        return Activity(empty, np.zeros(1, dtype=np.int64), empty)
    who_all, when_all = np.concatenate(people), np.concatenate(moments)
    order = np.lexsort((when_all, who_all))
    who_all, when_all = who_all[order], when_all[order]
    unique, starts = np.unique(who_all, return_index=True)
    return Activity(unique, np.append(starts, len(who_all)), when_all)


def local_days(moments: np.ndarray, zone: tzinfo) -> np.ndarray:
    """The local calendar day (days since 1970-01-01 in `zone`) of each moment."""
    if not len(moments):
        return moments.copy()
    quarters = moments // QUARTER_US
    first = int(quarters.min())
    span = np.arange(first, int(quarters.max()) + 1)

    def offset(us: int) -> int:
        shift = from_us(us).astimezone(zone).utcoffset()
        return int(shift.total_seconds() * US) if shift is not None else 0

    starts = np.array([offset(int(q) * QUARTER_US) for q in span], dtype=np.int64)
    ends = np.array([offset(int(q + 1) * QUARTER_US - 1) for q in span], dtype=np.int64)
    shifts = starts[quarters - first]
    split = (starts != ends)[quarters - first]
    if split.any():
        shifts[split] = [offset(int(us)) for us in moments[split]]
    return (moments + shifts) // DAY_US
