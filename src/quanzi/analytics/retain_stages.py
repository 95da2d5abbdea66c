"""Stage counts and the flows between stages (`quanzi stages`), from the last recompute."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, select

from quanzi.analytics.retain_common import community
from quanzi.domain.retain_stages import STAGES
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading


def stage_summary(engine: Engine, community_key: str | None = None) -> dict[str, Any]:
    """Return `{"stages": {stage: n}, "flows": [{"from","to","count"}]}`.

    With a community, only people who have (or had) a membership of it are counted.
    Flows are every recorded move between two stages; a first placement has no "from"
    and is not a flow (see `entries`).
    """
    with reading(engine) as session:
        people = select(m.Person.id, m.Person.stage)
        if community_key is not None:
            cid = community(session, community_key).id
            members = select(m.Membership.person_id).where(m.Membership.community_id == cid)
            people = people.where(m.Person.id.in_(members))
        counts: Counter[str] = Counter()
        ids: set[int] = set()
        for pid, stage in session.execute(people):
            ids.add(pid)
            counts[stage or "user"] += 1
        moves = select(r.StageChange.person_id, r.StageChange.from_stage, r.StageChange.to_stage)
        flows: Counter[tuple[str, str]] = Counter()
        for pid, before, after in session.execute(moves):
            if before is not None and pid in ids:
                flows[(before, after)] += 1
    order = {s: i for i, s in enumerate(STAGES)}
    return {
        "stages": {stage: counts.get(stage, 0) for stage in STAGES},
        "flows": [
            {"from": a, "to": b, "count": n}
            for (a, b), n in sorted(
                flows.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])
            )
        ],
    }


def entries(engine: Engine) -> dict[str, int]:
    """Return how many people were first placed on each stage (the Sankey's "新进入")."""
    with reading(engine) as session:
        query = select(r.StageChange.to_stage).where(r.StageChange.from_stage.is_(None))
        counts = Counter(session.scalars(query))
    return {stage: counts.get(stage, 0) for stage in STAGES}


def stage_history(engine: Engine) -> list[dict[str, Any]]:
    """Return stage counts at each recompute checkpoint, for a chart over time."""
    with reading(engine) as session:
        query = select(r.StageChange.ts, r.StageChange.person_id, r.StageChange.to_stage).order_by(
            r.StageChange.ts
        )
        current: dict[int, str] = {}
        series: list[dict[str, Any]] = []
        last_ts = None
        for ts, pid, stage in session.execute(query):
            if last_ts is not None and ts != last_ts:
                series.append({"ts": last_ts.isoformat(), **Counter(current.values())})
            current[pid] = stage
            last_ts = ts
        if last_ts is not None:
            series.append({"ts": last_ts.isoformat(), **Counter(current.values())})
    return [{"ts": p["ts"], **{s: p.get(s, 0) for s in STAGES}} for p in series]
