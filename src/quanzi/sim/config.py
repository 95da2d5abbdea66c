"""The simulator's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SimConfig:
    """What world to simulate: the random seed, how many days, how many distinct persons."""

    seed: int = 1
    days: int = 180
    people: int = 2000
    start: date = date(2026, 5, 1)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days 至少为 1")
        if self.people < 100:
            raise ValueError("people 至少为 100")
