"""Step-up tasks (seed 000): progress from deeds in a window, rewards, and their effect.

A task asks members of one rung to reach a target (attend N activities, speak on N
distinct days, bring N valid friends, spend ¥X) between two dates; those who do earn a
reward for the next rung (a percentage off, an amount off, or a special price).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any


@dataclass(frozen=True, slots=True)
class Deed:
    """One thing a person did that a task can count.

    `key` de-duplicates (an activity id, an invitee, an order); `amount` is what it adds
    (1, or yuan for spending). For speaking days the caller gives each message's time and
    the rule turns it into a local date.
    """

    person: str
    ts: datetime
    key: str
    amount: float = 1.0


@dataclass(frozen=True, slots=True)
class TaskRule:
    """What a task asks: reach `target` of `metric` between `starts` and `ends`."""

    metric: str
    target: float
    starts: datetime
    ends: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """A person's progress on a task: the value reached and when the target was met."""

    person: str
    value: float
    completed_at: datetime | None

    @property
    def completed(self) -> bool:
        """Tell whether the target was met."""
        return self.completed_at is not None


def task_progress(
    rule: TaskRule, deeds: Iterable[Deed], people: Iterable[str], tz: tzinfo
) -> dict[str, Progress]:
    """Return each person's progress: deeds inside the window, each key counted once.

    For `speak_days` the key is the local date (in `tz`) of each message, so several
    messages on one day count as one day.
    """
    wanted = set(people)
    seen: dict[str, set[str]] = defaultdict(set)
    value: dict[str, float] = defaultdict(float)
    done: dict[str, datetime] = {}
    for deed in sorted(deeds, key=lambda d: (d.ts, d.key)):
        if deed.person not in wanted or not rule.starts <= deed.ts <= rule.ends:
            continue
        key = deed.ts.astimezone(tz).date().isoformat() if rule.metric == "speak_days" else deed.key
        if key in seen[deed.person]:
            continue
        seen[deed.person].add(key)
        value[deed.person] += deed.amount
        if deed.person not in done and value[deed.person] >= rule.target - 1e-9:
            done[deed.person] = deed.ts
    return {
        person: Progress(person, round(value.get(person, 0.0), 2), done.get(person))
        for person in sorted(wanted)
    }


@dataclass
class GroupRate:
    """How many of a group stepped up to the next rung."""

    people: int
    stepped: int

    @property
    def rate(self) -> float | None:
        """Return the share who stepped up, or None for an empty group."""
        return round(self.stepped / self.people, 4) if self.people else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"people": self.people, "stepped": self.stepped, "rate": self.rate}


@dataclass
class TaskEffect:
    """Step-up rate of those who completed a task against the others who could have."""

    completers: GroupRate
    others: GroupRate

    @property
    def lift(self) -> float | None:
        """Return how many times likelier completers were to step up, when both rates exist."""
        a, b = self.completers.rate, self.others.rate
        if a is None or not b:
            return None
        return round(a / b, 2)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "completers": self.completers.to_dict(),
            "others": self.others.to_dict(),
            "lift": self.lift,
        }


def task_effect(progress: Mapping[str, Progress], stepped: Iterable[str]) -> TaskEffect:
    """Compare the step-up rate of completers with that of the other eligible people."""
    up = set(stepped)
    done = {p for p, pr in progress.items() if pr.completed}
    rest = set(progress) - done
    return TaskEffect(GroupRate(len(done), len(done & up)), GroupRate(len(rest), len(rest & up)))


def reward_price(list_price: float, kind: str, value: float) -> float:
    """Return what a rung costs with a reward or offer: percent off, yuan off, or a price."""
    if kind == "percent":
        price = list_price * (100 - value) / 100
    elif kind == "fixed":
        price = list_price - value
    elif kind == "price":
        price = value
    else:
        raise ValueError(f"unknown reward kind {kind!r}")
    return round(max(0.0, min(price, list_price)), 2)


def describe_reward(kind: str, value: float) -> str:
    """Say a reward in Chinese: 8 折 (减 20%), 立减 ¥30, 专享价 ¥400."""
    if kind == "percent":
        zhe = (100 - value) / 10
        shown = f"{zhe:g}"
        return f"{shown} 折（减 {value:g}%）"
    if kind == "fixed":
        return f"立减 ¥{value:g}"
    return f"专享价 ¥{value:g}"
