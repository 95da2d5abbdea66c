"""Stage counts and the flows between stages (`quanzi stages`), from the last recompute."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, func, select

from quanzi.analytics.retain_common import community
from quanzi.domain.retain_stages import STAGES
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading

CHUNK = 20_000


def stage_summary(engine: Engine, community_key: str | None = None) -> dict[str, Any]:
    """Return `{"stages": {stage: n}, "flows": [{"from","to","count"}]}`.

    With a community, only people who have (or had) a membership of it are counted.
    Flows are every recorded move between two stages; a first placement has no "from"
    and is not a flow (see `entries`). Both are counted by the database, not in Python.
    """
    with reading(engine) as session:
        people = select(m.Person.id)
        if community_key is not None:
            cid = community(session, community_key).id
            members = select(m.Membership.person_id).where(m.Membership.community_id == cid)
            people = people.where(m.Person.id.in_(members))
        by_stage = (
            select(m.Person.stage, func.count())
            .where(m.Person.id.in_(people))
            .group_by(m.Person.stage)
        )
        counts: Counter[str] = Counter()
        for stage, n in session.execute(by_stage):
            counts[stage or "user"] += n
        change = r.StageChange
        moves = (
            select(change.from_stage, change.to_stage, func.count())
            .where(change.from_stage.is_not(None), change.person_id.in_(people))
            .group_by(change.from_stage, change.to_stage)
        )
        flows: Counter[tuple[str, str]] = Counter()
        for before, after, n in session.execute(moves):
            flows[(str(before), after)] += n
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
        query = (
            select(r.StageChange.to_stage, func.count())
            .where(r.StageChange.from_stage.is_(None))
            .group_by(r.StageChange.to_stage)
        )
        counts: dict[str, int] = {stage: n for stage, n in session.execute(query)}
    return {stage: counts.get(stage, 0) for stage in STAGES}


def stage_history(engine: Engine) -> list[dict[str, Any]]:
    """Return stage counts at each recompute checkpoint, for a chart over time."""
    with reading(engine) as session:
        query = select(r.StageChange.ts, r.StageChange.person_id, r.StageChange.to_stage).order_by(
            r.StageChange.ts
        )
        current: dict[int, str] = {}
        # Counts kept as people move, not recounted over everyone at each checkpoint.
        counts: Counter[str] = Counter()
        series: list[dict[str, Any]] = []
        last_ts = None
        for ts, pid, stage in session.execute(query.execution_options(yield_per=CHUNK)):
            if last_ts is not None and ts != last_ts:
                series.append({"ts": last_ts.isoformat(), **_shown(counts)})
            before = current.get(pid)
            if before is not None:
                counts[before] -= 1
            counts[stage] += 1
            current[pid] = stage
            last_ts = ts
        if last_ts is not None:
            series.append({"ts": last_ts.isoformat(), **_shown(counts)})
    return series


def _shown(counts: Counter[str]) -> dict[str, int]:
    return {s: counts.get(s, 0) for s in STAGES}


def stages_page(engine: Engine) -> dict[str, Any]:
    """The stages page: counts and flows, first placements, and counts at each checkpoint."""
    return {
        "summary": stage_summary(engine),
        "entries": entries(engine),
        "history": stage_history(engine),
    }
