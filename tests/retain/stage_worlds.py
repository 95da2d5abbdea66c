"""Seeded random worlds for the stage recompute, made to hit the replay's corner cases.

Refunds (of counted, unknown and already refunded orders), repeated order ids, purchases
without an order id, leaves and rejoins, roles given by joins and by person events (in
communities left, too), inviters referenced before they ever act (and some who never do),
invites without an actor, system messages and empty replies, tier purchases of known and
unknown rungs, events exactly at a checkpoint (local Monday 00:00) and many at one
instant, and an ingest order that is not time order (ids are not in ts order).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from quanzi.sim import SimConfig, simulate

START = datetime.fromisoformat("2026-03-01T20:00:00+08:00")  # a Sunday evening
# Mostly plain members and KOLs: partner roles are rare, so engagement decides most stages.
ROLES = ("member",) * 6 + ("kol",) * 3 + ("owner", "admin", "staff", "leader")
KINDS = (
    ("message", 40),
    ("join", 12),
    ("leave", 6),
    ("person", 4),
    ("purchase", 12),
    ("refund", 5),
    ("invite", 5),
    ("activity", 3),
    ("attend", 6),
    ("join_request", 2),
)


def random_world(seed: int, events: int = 900, people: int = 40, weeks: int = 8) -> list[dict]:
    """Return a shuffled list of canonical events for one seeded world."""
    rng = random.Random(seed)
    keys = [f"wx:u{i}" for i in range(people)]
    ghosts = [f"qq:ghost{i}" for i in range(3)]  # inviters who never act themselves
    communities = {"c0": 0, "c1": 199, "c2": 5000}
    orders = [f"o{i}" for i in range(max(4, events // 12))]
    span = weeks * 7 * 24 * 60
    mondays = [
        (START + timedelta(hours=4) + timedelta(days=7 * w)).isoformat() for w in range(weeks)
    ]
    instants = [(START + timedelta(minutes=rng.randrange(span))).isoformat() for _ in range(8)]
    out: list[dict[str, Any]] = []
    for key, price in communities.items():
        out.append(
            {"id": f"decl-{key}", "ts": START.isoformat(), "kind": "community",
             "community": key, "name": key, "price": price}
        )  # fmt: skip

    def when() -> str:
        roll = rng.random()
        if roll < 0.06:
            return rng.choice(mondays)  # exactly at a checkpoint
        if roll < 0.12:
            return rng.choice(instants)  # many events at one instant
        return (
            START + timedelta(minutes=rng.randrange(span), seconds=rng.randrange(60))
        ).isoformat()

    kinds, weights = zip(*KINDS, strict=True)
    for n in range(events):
        kind = rng.choices(kinds, weights)[0]
        event: dict[str, Any] = {
            "id": f"e{seed}-{n}",
            "ts": when(),
            "kind": kind,
            "community": rng.choice(list(communities)),
            "person": rng.choice(keys),
        }
        if kind == "message":
            event["msg_type"] = rng.choice(("text", "text", "text", "image", "system"))
            if rng.random() < 0.3:
                event["reply_to"] = rng.choice(("", f"e{seed}-{rng.randrange(n + 1)}"))
        elif kind == "join":
            if rng.random() < 0.15:
                event["role"] = rng.choice(ROLES)
            if rng.random() < 0.5:
                event["inviter"] = rng.choice(keys + ghosts + [event["person"]])
        elif kind == "leave":
            event["reason"] = rng.choice(("leave", "kick"))
        elif kind == "person":
            if rng.random() < 0.3:
                del event["community"]
            if rng.random() < 0.7:
                event["role"] = rng.choice(ROLES)
        elif kind == "purchase":
            item = ("tier:c1", "tier:c2", "tier:zz", "apple", "pear")
            event["item"] = rng.choices(item, (3, 1, 1, 10, 10))[0]
            event["amount"] = rng.choice((0, 39, 68.5, 199, 5000))
            if rng.random() < 0.85:
                event["order"] = rng.choice(orders)
        elif kind == "refund":
            event["order"] = rng.choice([*orders, "nope"])
        elif kind == "invite":
            event["inviter"] = rng.choice(keys + ghosts)
            event["invitee"] = rng.choice(keys)
            if rng.random() < 0.3:
                del event["person"]
        elif kind in ("activity", "attend"):
            event["activity"] = f"a{rng.randrange(6)}"
            if kind == "activity":
                event["organ"] = "daily_report"
        out.append(event)
    # Late arrivals: ingest order is mostly, not wholly, time order.
    out[3:] = sorted(out[3:], key=lambda e: (e["ts"], rng.random() < 0.8, rng.random()))
    for _ in range(len(out) // 10):
        i, j = rng.randrange(3, len(out)), rng.randrange(3, len(out))
        out[i], out[j] = out[j], out[i]
    return out


def demo_world(days: int = 60, people: int = 400) -> list[dict[str, Any]]:
    """Return the simulated 「果园鲜生」 world's events."""
    return list(simulate(SimConfig(seed=1, days=days, people=people)))
