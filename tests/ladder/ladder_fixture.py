"""A hand-made ladder whose every number is worked out by hand in the comments below.

Rungs: free (¥0) → r100 → r500 → r1000. Day N means 2026-03-01 10:00 (+08:00) plus N days.
- A: joins free d0; pays r100 d10, joins it; pays r500 d40, joins it; pays r1000 d70.
- B: joins free d1; pays r100 d5 and renews it d100 (revenue twice, one payer).
- C: joins free d2; never pays.
- D: joins free d3; pays r100 d20 and joins, refunded d22 and leaves: not a payer of r100;
  pays r500 d30 from the free group (a rung skipper).
- E: never a member anywhere; pays r500 d50 (arrives straight from outside).
- F: never in free; pays r100 d15 (outside), joins; pays r1000 d60 from r100 (skips r500).
- G: joins free d4, leaves d8; pays r100 d9 (outside: left before paying).
- boss: the owner, in every rung; the crew is not counted as members.

Members (ever): free A B C D G = 5; r100 A B D F G = 5; r500 A D E = 3; r1000 A F = 2.
Payers: r100 A B F G = 4 (¥500: B twice); r500 A D E = 3 (¥1,500); r1000 A F = 2 (¥2,000).
Step-up free→r100: of 5 members, A (10 d), B (4 d), G (5 d) later paid: 0.6, median 5.
Step-up r100→r500: of 4 payers only A (d10→d40, 30 d): 0.25, median 30.
Step-up r500→r1000: of 3 payers only A (d40→d70, 30 d): 0.3333, median 30.
Provenance r100: A, B from free; F, G outside. r500: A from r100, D from free, E outside.
r1000: F from r100, A from r500.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=CST)
RUNGS = [
    ("free", 0, "免费群"),
    ("r100", 100, "百元群"),
    ("r500", 500, "五百群"),
    ("r1000", 1000, "千元群"),
]


def at(day: float, minutes: int = 0) -> datetime:
    """Day N of the fixture, plus some minutes."""
    return T0 + timedelta(days=day, minutes=minutes)


class Builder:
    """Collects canonical events with unique ids."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, when: datetime, community: str, **fields: Any) -> None:
        n = len(self.events) + 1
        self.events.append(
            {
                "id": f"lf-{n}",
                "ts": when.isoformat(),
                "kind": kind,
                "community": community,
                **fields,
            }
        )

    def join(self, person: str, community: str, day: float, minutes: int = 0, **kw: Any) -> None:
        self.add("join", at(day, minutes), community, person=person, **kw)

    def leave(self, person: str, community: str, day: float, minutes: int = 0) -> None:
        self.add("leave", at(day, minutes), community, person=person, reason="leave")

    def pay(self, person: str, community: str, day: float, order: str, amount: float) -> None:
        self.add(
            "purchase", at(day), community, person=person, item=f"tier:{community}",
            amount=amount, order=order,
        )  # fmt: skip


def ladder_events() -> list[dict[str, Any]]:
    """The fixture as canonical events."""
    b = Builder()
    for rank, (key, price, name) in enumerate(RUNGS):
        b.add("community", at(-10), key, name=name, purpose="filter", price=price,
              ladder="steps", rank=rank)  # fmt: skip
        b.join("wx:boss", key, -9, role="owner")
    # A
    b.join("wx:a", "free", 0)
    b.pay("wx:a", "r100", 10, "A-100", 100)
    b.join("wx:a", "r100", 10, 60, source="ladder")
    b.pay("wx:a", "r500", 40, "A-500", 500)
    b.join("wx:a", "r500", 40, 60, source="ladder")
    b.pay("wx:a", "r1000", 70, "A-1000", 1000)
    b.join("wx:a", "r1000", 70, 60, source="ladder")
    # B
    b.join("wx:b", "free", 1)
    b.pay("wx:b", "r100", 5, "B-100", 100)
    b.join("wx:b", "r100", 5, 60, source="ladder")
    b.pay("wx:b", "r100", 100, "B-100-renew", 100)
    # C
    b.join("wx:c", "free", 2)
    # D
    b.join("wx:d", "free", 3)
    b.pay("wx:d", "r100", 20, "D-100", 100)
    b.join("wx:d", "r100", 20, 60, source="ladder")
    b.add("refund", at(22), "r100", person="wx:d", order="D-100")
    b.leave("wx:d", "r100", 22, 10)
    b.pay("wx:d", "r500", 30, "D-500", 500)
    b.join("wx:d", "r500", 30, 60, source="ladder")
    # E
    b.pay("wx:e", "r500", 50, "E-500", 500)
    b.join("wx:e", "r500", 50, 60, source="official_account")
    # F
    b.pay("wx:f", "r100", 15, "F-100", 100)
    b.join("wx:f", "r100", 15, 60, source="official_account")
    b.pay("wx:f", "r1000", 60, "F-1000", 1000)
    b.join("wx:f", "r1000", 60, 60, source="ladder")
    # G
    b.join("wx:g", "free", 4)
    b.leave("wx:g", "free", 8)
    b.pay("wx:g", "r100", 9, "G-100", 100)
    b.join("wx:g", "r100", 9, 60, source="ladder")
    return b.events


EXPECTED = {
    "ladder": "steps",
    "rungs": [
        {"community": "free", "price": 0, "members": 5, "payers": 0, "revenue": 0},
        {"community": "r100", "price": 100, "members": 5, "payers": 4, "revenue": 500},
        {"community": "r500", "price": 500, "members": 3, "payers": 3, "revenue": 1500},
        {"community": "r1000", "price": 1000, "members": 2, "payers": 2, "revenue": 2000},
    ],
    "step_up": [
        {"from": "free", "to": "r100", "rate": 0.6, "median_days": 5.0},
        {"from": "r100", "to": "r500", "rate": 0.25, "median_days": 30.0},
        {"from": "r500", "to": "r1000", "rate": 0.3333, "median_days": 30.0},
    ],
    "provenance": {
        "free": {},
        "r100": {"free": 2, "outside": 2},
        "r500": {"free": 1, "r100": 1, "outside": 1},
        "r1000": {"r100": 1, "r500": 1},
    },
}
