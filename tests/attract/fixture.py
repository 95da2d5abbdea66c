"""A hand-made fission world whose ledger, reach and influence are computed by hand in the tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from quanzi.services.ingest import ingest_objects
from quanzi.services.screening_review import decide_requests
from quanzi.store import models as m
from quanzi.store.db import reading

T0 = datetime.fromisoformat("2026-03-01T09:00:00+08:00")


def at(hours: float) -> str:
    """The RFC 3339 time `hours` after T0."""
    return (T0 + timedelta(hours=hours)).isoformat()


def events() -> list[dict[str, Any]]:
    """Seeds a, b, o; campaign c1 into `fresh` and c2 into `other`; every rule of the ledger."""
    out: list[dict[str, Any]] = []

    def add(kind: str, hours: float, community: str, person: str, **extra: Any) -> None:
        out.append({"id": f"e{len(out)}", "ts": at(hours), "kind": kind,
                    "community": community, "person": person, **extra})  # fmt: skip

    def invite(hours: float, inviter: str, invitee: str, campaign: str = "c1",
               community: str = "fresh") -> None:  # fmt: skip
        add("invite", hours, community, f"wx:{inviter}", inviter=f"wx:{inviter}",
            invitee=f"wx:{invitee}", campaign=campaign, via=f"{campaign}-{inviter}")  # fmt: skip

    def join(
        hours: float, person: str, inviter: str | None = None, community: str = "fresh"
    ) -> None:
        extra = {"inviter": f"wx:{inviter}"} if inviter else {}
        add("join", hours, community, f"wx:{person}", name=person.upper(), **extra)

    out.append({"id": "c-fresh", "ts": at(-10), "kind": "community", "community": "fresh",
                "name": "鲜果群", "carrier": "wechat"})  # fmt: skip
    out.append({"id": "c-other", "ts": at(-10), "kind": "community", "community": "other",
                "name": "其它群", "carrier": "wechat"})  # fmt: skip
    for seed in ("a", "b", "o"):
        join(0, seed)
    add("message", 0.5, "fresh", "wx:a", text="今天的草莓很甜")
    invite(1, "a", "x")  # valid
    invite(1.5, "b", "x")  # duplicate: a asked first
    invite(1, "a", "a")  # self
    invite(1, "a", "o")  # not_new
    invite(1, "a", "y")  # rejected by screening
    invite(1, "b", "z")  # left_early
    invite(1, "b", "w")  # not_joined
    invite(1, "a", "p")  # valid: leaves after the window
    join(2, "x", "a")
    add("join_request", 2, "fresh", "wx:y", comment="朋友推荐", inviter="wx:a")
    join(2, "p", "a")
    join(3, "z", "b")
    add("leave", 10, "fresh", "wx:z", reason="leave")
    invite(3, "b", "x", campaign="c2", community="other")  # valid in c2
    join(4, "x", "b", community="other")
    invite(24, "x", "v")  # valid, generation 2
    join(25, "v", "x")
    add("message", 48, "fresh", "wx:v", text="同意！", reply_to="e5")
    add("leave", 48, "fresh", "wx:p", reason="leave")
    invite(120, "x", "u")  # joined, still inside the 24 h window
    join(121, "u", "x")
    add("purchase", 121.5, "fresh", "wx:v", item="strawberry", amount=50, order="o1")
    add("purchase", 121.6, "fresh", "wx:x", item="strawberry", amount=10, order="o2")
    add("purchase", 121.7, "fresh", "wx:u", item="grape", amount=30, order="o3", leader="wx:b")
    add("message", 122, "fresh", "wx:o", text="收到")
    return out


def load(engine: Engine) -> None:
    """Ingest the world and have a reviewer reject y's join request."""
    ingest_objects(engine, events())
    with reading(engine) as session:
        ids = list(session.scalars(select(m.JoinRequest.id)))
    decide_requests(engine, ids, "reject", "广告号", "tester")
