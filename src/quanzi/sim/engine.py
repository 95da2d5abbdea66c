"""The day loop behind `simulate`: one day at a time, each day's events in time order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import accumulate
from typing import Any

from quanzi.sim import cast, groupbuy, growth, moderation, talk
from quanzi.sim.config import SimConfig
from quanzi.sim.daylog import DayLog
from quanzi.sim.world import World, draw_count

FOUNDER_SHARE = 0.03  # the original workplace group, as a share of everyone


def arrival_targets(cfg: SimConfig, fixed: int) -> list[int]:
    """Return how many persons should exist by the end of each day (cumulative)."""
    weights = [
        growth.arrival_weight(cfg.start + timedelta(days=day), day) for day in range(cfg.days)
    ]
    cumulative = list(accumulate(weights))
    budget = max(0, cfg.people - fixed)
    return [fixed + round(budget * c / cumulative[-1]) for c in cumulative]


def simulate(cfg: SimConfig) -> Iterator[dict[str, Any]]:
    """Yield the world's canonical events (EVENTS.md), day by day, in time order."""
    world = World(cfg)
    founders = max(10, round(cfg.people * FOUNDER_SHARE))
    targets = arrival_targets(cfg, len(cast.CAST) + founders)
    next_id = 1
    for day, target in enumerate(targets):
        # Steps draw their own times and the day is sorted at the end, so this order only
        # decides who is already there: sellers before the invitees their buyers bring.
        log = DayLog(world.rng, day, cfg.start + timedelta(days=day), f"sim-{cfg.seed}-", next_id)
        growth.launch(world, log)
        if day == 0:
            growth.import_founders(world, log, founders)
        world.invite_room = int(max(0, target - len(world.persons)) * growth.INVITE_SHARE)
        moderation.due_kicks(world, log)
        groupbuy.deliveries(world, log)
        growth.ladder(world, log)
        groupbuy.drops(world, log)
        groupbuy.deals(world, log)
        groupbuy.member_offers(world, log)
        groupbuy.fan_shop(world, log)
        # Everyone still missing from today's target arrives on their own or as spam.
        growth.invitee_joins(world, log)
        missing = max(0, target - len(world.persons))
        spam = draw_count(world.rng, missing * moderation.SPAM_SHARE)
        moderation.spam(world, log, spam)
        growth.organic(world, log, missing - spam)
        growth.cross_joins(world, log)
        talk.chatter(world, log)
        talk.daily_organs(world, log)
        talk.calendar(world, log)
        talk.cocreation(world, log)
        groupbuy.refunds(world, log)
        moderation.member_ads(world, log)
        growth.churn(world, log)
        yield from log.flush()
        next_id = log.next_id
