"""One simulated day's events: drawn in any order, then sorted by time and numbered."""

from __future__ import annotations

from datetime import date
from itertools import accumulate
from random import Random
from typing import Any

DAY_END = 86_399
# Relative chat volume by hour of day: quiet nights, peaks at the commute, lunch and evening.
_HOUR_WEIGHTS = (
    0.4, 0.2, 0.08, 0.05, 0.05, 0.15, 0.6, 1.6, 2.6, 2.2, 1.9, 2.1,
    2.9, 2.1, 1.6, 1.6, 1.7, 1.9, 2.2, 2.7, 3.3, 3.6, 2.6, 1.3,
)  # fmt: skip
_HOUR_CUM = tuple(accumulate(_HOUR_WEIGHTS))
_HOURS = tuple(range(24))

Event = dict[str, Any]


class DayLog:
    """Collects a day's events; `flush` returns them in time order with ids and timestamps."""

    def __init__(self, rng: Random, day: int, today: date, id_prefix: str, next_id: int) -> None:
        self.rng = rng
        self.day = day
        self.date = today
        self._ts_prefix = today.isoformat() + "T"
        self._id_prefix = id_prefix
        self.next_id = next_id
        self._items: list[tuple[int, int, Event, Event | None]] = []
        # When each (person, community) pair first became possible today (a join, a
        # community's launch) and last acted, so nobody speaks before joining or after leaving.
        self._floor: dict[tuple[int, str], int] = {}
        self._last: dict[tuple[int, str], int] = {}
        self.opened: dict[str, int] = {}
        self.joins: dict[str, int] = {}
        self.orders: dict[str, int] = {}
        self.last_sec = 0  # the second of the event added last, for follow-ups to build on

    def clock(self, lo: int = 0, hi: int = DAY_END) -> int:
        """Draw a second of the day in [lo, hi], following the daily rhythm of chat."""
        hi = min(hi, DAY_END)
        if lo >= hi:
            return hi
        for _ in range(4):
            hour = self.rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0]
            sec = hour * 3600 + self.rng.randrange(3600)
            if lo <= sec <= hi:
                return sec
        return self.rng.randint(lo, hi)

    def floor(self, person: int, community: str) -> int:
        """Return the earliest second today at which `person` may act in `community`."""
        return max(self._floor.get((person, community), 0), self._floor.get((-1, community), 0))

    def last(self, person: int, community: str) -> int:
        """Return the last second today at which `person` acted in `community` (or 0)."""
        return max(self._last.get((person, community), 0), self.floor(person, community))

    def open_community(self, community: str, sec: int) -> None:
        """Record that `community` begins at `sec` today; nothing may happen in it earlier."""
        self._floor[(-1, community)] = sec
        self.opened[community] = sec

    def mark_join(self, person: int, community: str, sec: int) -> None:
        """Record that `person` joined `community` at `sec` today."""
        self._floor[(person, community)] = sec + 1

    def touch(self, person: int, community: str, sec: int) -> None:
        """Record that `person` took part in something in `community` at `sec` today."""
        slot = (person, community)
        if self._last.get(slot, -1) < sec:
            self._last[slot] = sec

    def add(
        self,
        sec: int,
        kind: str,
        community: str | None,
        person: tuple[int, str, str] | None,
        reply: Event | None = None,
        **fields: Any,
    ) -> Event:
        """Add one event at second `sec`; `person` is (idx, key, name); None fields are dropped."""
        sec = min(max(sec, 0), DAY_END)
        event: Event = {"id": "", "ts": "", "kind": kind}
        if community is not None:
            event["community"] = community
        if person is not None:
            idx, key, name = person
            event["person"] = key
            event["name"] = name
            if community is not None and idx >= 0:
                self.touch(idx, community, sec)
        if reply is not None:
            event["reply_to"] = ""
        for field, value in fields.items():
            if value is not None:
                event[field] = value
        self._items.append((sec, len(self._items), event, reply))
        self.last_sec = sec
        return event

    def flush(self) -> list[Event]:
        """Return the day's events sorted by time, numbered, with reply_to resolved."""
        self._items.sort(key=lambda item: (item[0], item[1]))
        out: list[Event] = []
        for sec, _, event, reply in self._items:
            hours, rest = divmod(sec, 3600)
            event["ts"] = f"{self._ts_prefix}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}+08:00"
            event["id"] = f"{self._id_prefix}{self.next_id:09d}"
            self.next_id += 1
            if reply is not None:
                # A reply always sorts after what it answers, so that id is already set.
                event["reply_to"] = reply["id"]
            out.append(event)
        self._items = []
        return out
