"""Influence: PageRank and betweenness on the decayed graph; KOL, KOC and KOT with reasons."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from quanzi.analytics.attract_graph import (
    MENTION,
    REPLY,
    Interactions,
    load_interactions,
    metcalfe,
    person_reach,
    top_reach,
)
from quanzi.domain.attract_graph import IDEAL, betweenness, pagerank
from quanzi.domain.attract_influence import Signals, rank_roles
from quanzi.store import models as m
from quanzi.store.db import reading

HALF_LIFE_DAYS = 30.0
BETWEENNESS_SAMPLES = 150


def _money(
    engine: Engine,
) -> tuple[dict[str, tuple[int, float]], dict[str, tuple[int, int, float]], set[str]]:
    """Group-buy leaders' orders, inviters' buying invitees, and everyone who bought."""
    buyer, leader, inviter = aliased(m.Person), aliased(m.Person), aliased(m.Person)
    paid = m.Order.status == "paid"
    with reading(engine) as session:
        led = session.execute(
            select(leader.key, func.count(), func.coalesce(func.sum(m.Order.amount), 0.0))
            .join(leader, leader.id == m.Order.leader_id)
            .where(paid)
            .group_by(leader.key)
        ).all()
        brought = session.execute(
            select(inviter.key, func.count(func.distinct(buyer.id)),
                   func.count(), func.coalesce(func.sum(m.Order.amount), 0.0))
            .join(buyer, buyer.id == m.Order.person_id)
            .join(inviter, inviter.id == buyer.inviter_id)
            .where(paid)
            .group_by(inviter.key)
        ).all()  # fmt: skip
        buyers = set(
            session.execute(
                select(buyer.key)
                .join(m.Order, m.Order.person_id == buyer.id)
                .where(paid)
                .distinct()
            ).scalars()
        )
    return (
        {k: (int(n), float(a)) for k, n, a in led},
        {k: (int(b), int(n), float(a)) for k, b, n, a in brought},
        buyers,
    )


def influence(
    engine: Engine, top: int = 20, community: str | None = None, found: Interactions | None = None
) -> list[dict[str, Any]]:
    """The CLI contract of `quanzi influence`: the ranked KOL/KOC/KOT list with reasons."""
    found = found if found is not None else load_interactions(engine, community)
    n = len(found.people)
    if n == 0:
        return []
    graph = found.graph(HALF_LIFE_DAYS)
    ranks = pagerank(graph)
    between = betweenness(graph.undirected(), samples=min(n, BETWEENNESS_SAMPLES))
    replies: dict[str, float] = defaultdict(float)
    repliers: dict[str, set[int]] = defaultdict(set)
    weights = graph.weight
    for i, (s, d, kind) in enumerate(zip(found.src, found.dst, found.kind, strict=True)):
        person = found.people[d]
        if kind == REPLY:
            replies[person] += float(weights[i])
            repliers[person].add(s)
        elif kind == MENTION:
            replies[person] += 0.5 * float(weights[i])
    led, brought, buyers = _money(engine)
    signals = Signals(
        people=found.people,
        names=found.names,
        pagerank=ranks,
        betweenness=between,
        replies=dict(replies),
        repliers={k: len(v) for k, v in repliers.items()},
        brought=brought,
        buyers=buyers,
        led=led,
    )
    return rank_roles(signals, top)


def pagerank_table(engine: Engine, top: int = 20) -> list[dict[str, Any]]:
    """The people with the highest PageRank on the decayed interaction graph."""
    found = load_interactions(engine)
    if not found.people:
        return []
    ranks = pagerank(found.graph(HALF_LIFE_DAYS))
    order = np.argsort(-ranks, kind="stable")[:top]
    return [{"person": found.people[i], "name": found.names.get(found.people[i], found.people[i]),
             "pagerank": round(float(ranks[i]), 6)} for i in order]  # fmt: skip


def reach_page(engine: Engine) -> dict[str, Any]:
    """Reach beside the ideal, Metcalfe and influence from one load of the interaction graph."""
    found = load_interactions(engine)
    reach = person_reach(found)
    means = reach.means()
    observed = [round(float(v), 2) for v in means]
    charts = {"reach": {"observed": observed, "ideal": [IDEAL[f"degree{k}"] for k in (1, 2, 3)]},
              "metcalfe": metcalfe(engine)}  # fmt: skip
    top = top_reach(found, reach, 10)
    leaders = influence(engine, 20, found=found)
    # The page names only the people it lists, so only their names are kept.
    shown = {r["person"] for r in top} | {r["person"] for r in leaders}
    names = {k: v for k, v in found.names.items() if k in shown}
    return {"reach_people": len(found.people), "reach_means": observed, "top_reach": top,
            "reach_sample": int(reach.sample.sum()) if reach.sampled else None,
            "names": names, "leaders": leaders, "charts": charts}  # fmt: skip
