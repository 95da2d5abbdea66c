"""A hand-made stored campaign whose ledger is computed by hand in the tests.

Campaign `spring` targets g1 and g2, runs 0 h – 100 h after T0, wants 48 h stays, and pays
stages at 1, 2 and 4 valid friends. `side` is not a target. b hands out a code instead of
sending invites: joins that carry it are b's invites (derived).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from quanzi.domain.attract_campaign import Stage
from quanzi.services import attract_campaigns as service
from quanzi.services.ingest import ingest_objects

T0 = datetime.fromisoformat("2026-04-01T09:00:00+08:00")
STAGES = [Stage(1, "贴纸"), Stage(2, "优惠券"), Stage(4, "水果箱")]


def at(hours: float) -> datetime:
    """The time `hours` after T0."""
    return T0 + timedelta(hours=hours)


class World:
    """Builds the events in order with readable helpers."""

    def __init__(self) -> None:
        self.out: list[dict[str, Any]] = []

    def add(self, kind: str, hours: float, community: str, person: str, **extra: Any) -> None:
        self.out.append({"id": f"s{len(self.out)}", "ts": at(hours).isoformat(), "kind": kind,
                         "community": community, "person": f"wx:{person}", **extra})  # fmt: skip

    def invite(self, hours: float, inviter: str, invitee: str, community: str = "g1") -> None:
        self.add("invite", hours, community, inviter, inviter=f"wx:{inviter}",
                 invitee=f"wx:{invitee}", campaign="spring", via="poster")  # fmt: skip

    def join(self, hours: float, person: str, community: str = "g1", **extra: Any) -> None:
        self.add("join", hours, community, person, name=person.upper(), **extra)


def seeds() -> list[dict[str, Any]]:
    """Communities and the people there before the campaign."""
    w = World()
    for key in ("g1", "g2", "side"):
        w.out.append({"id": f"c-{key}", "ts": at(-48).isoformat(), "kind": "community",
                      "community": key, "name": f"{key} 群", "carrier": "wechat"})  # fmt: skip
    w.join(-24, "a")
    w.join(-24, "b")
    w.join(-24, "o", "g2")
    return w.out


def campaign_events(code: str) -> list[dict[str, Any]]:
    """Every rule of a stored campaign's ledger, in time order (ids apart from the seeds')."""
    w = World()
    w.invite(-5, "a", "q")  # outside_window: before the start
    w.join(1, "q")
    w.invite(2, "a", "c")  # valid
    w.invite(2, "a", "d", "side")  # not_target
    w.invite(2, "a", "e", "g2")  # left_early: 26 h of the 48 h asked
    w.invite(2, "a", "o", "g2")  # not_new
    w.invite(3, "b", "c")  # duplicate: a asked first
    w.join(3, "c", inviter="wx:a")
    w.join(3, "d", "side")
    w.join(4, "e", "g2")
    w.join(5, "f", "g2", via=code)  # derived from b's code: valid
    w.invite(6, "a", "h")  # valid
    w.join(7, "h")
    w.invite(7.5, "a", "j")  # valid: a's invite comes before b's code
    w.join(8, "j", via=code)  # derived from b's code: duplicate
    w.add("leave", 30, "g2", "e", reason="leave")
    w.invite(90, "b", "i")  # in_window: joined at 100 h, now is 120 h
    w.join(100, "i")
    w.invite(110, "a", "g")  # outside_window: after the end
    w.join(111, "g")
    w.add("message", 120, "g1", "a", text="谢谢大家")
    for event in w.out:
        event["id"] = "k" + event["id"]
    return w.out


def load(engine: Engine, stay_hours: float = 48) -> str:
    """Store the campaign, issue b's code, ingest the world; return b's code."""
    ingest_objects(engine, seeds())
    service.create_campaign(
        engine, key="spring", name="春季老带新", communities=["g1", "g2"], starts_at=at(0),
        ends_at=at(100), stages=STAGES, stay_hours=stay_hours, actor="tester",
    )  # fmt: skip
    code, _ = service.issue_code(engine, "spring", "wx:b", actor="tester")
    ingest_objects(engine, campaign_events(code))
    return code
