"""Churn: at-risk cohorts, paid members not renewing, retention by join week and by source.

At risk (Common Room's "recently inactive", Orbit's "drifting away"): once active on at
least `min_active_days` days, now silent for `silent_from`–`silent_to` days, still a member.
Retention is Amplitude's N-week retention: the share of a cohort active in week N after
joining (week 0 is the joining week, counted from the join itself).

The lists are worked out without people's stages (`churn_figures`), and the stages of the
people listed are looked up after (`with_stages`): the console keeps the heavy part as a
snapshot that a stage recompute leaves current.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.analytics.retain_activity import DAY_US, WEEK_US, Activity, load_activity
from quanzi.analytics.retain_common import as_of, community, memo, zone
from quanzi.domain import vocab
from quanzi.domain.retain_replay import from_us, to_us
from quanzi.store import models as m
from quanzi.store.db import chunked, reading

ACTIVE_KINDS = ("message", "attend", "purchase")
WEEKS = 12


@dataclass(frozen=True)
class ChurnRules:
    """Windows of the at-risk cohorts (defaults from Common Room and Discourse)."""

    min_active_days: int = 5
    silent_from: int = 7
    silent_to: int = 28
    term_days: int = 365  # a paid rung lasts a year, then needs renewing
    expiring_days: int = 30


def _activity(session: Session, cid: int | None) -> Activity:
    return memo(session, ("activity", cid), lambda: load_activity(session, ACTIVE_KINDS, cid))


def _members(session: Session, cid: int | None) -> set[int]:
    query = select(m.Membership.person_id).where(m.Membership.status == "active")
    if cid is not None:
        query = query.where(m.Membership.community_id == cid)
    return set(session.scalars(query))


def _people(session: Session, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Return each person's (key, display name)."""
    rows: dict[int, tuple[str, str | None]] = {}
    for chunk in chunked(sorted(ids)):
        query = select(m.Person.id, m.Person.key, m.Person.name).where(m.Person.id.in_(chunk))
        rows.update({pid: (key, name) for pid, key, name in session.execute(query)})
    return rows


def churn_report(
    engine: Engine, community_key: str | None = None, rules: ChurnRules | None = None
) -> dict[str, Any]:
    """Return the at-risk members and the paid members not renewing, with their stages."""
    return with_stages(engine, churn_figures(engine, community_key, rules))


def with_stages(engine: Engine, churn: dict[str, Any]) -> dict[str, Any]:
    """Return `churn` (from `churn_figures`) with each listed person's current stage."""
    listed = [*churn["at_risk"], *churn["not_renewing"]]
    stages: dict[str, str | None] = {}
    with reading(engine) as session:
        for chunk in chunked(sorted({row["person"] for row in listed})):
            query = select(m.Person.key, m.Person.stage).where(m.Person.key.in_(chunk))
            stages.update({key: stage for key, stage in session.execute(query)})

    def staged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # The stage after the name, where the lists have always shown it.
        return [{"person": row["person"], "name": row["name"],
                 "stage": stages.get(row["person"]), **row} for row in rows]  # fmt: skip

    return {**churn, "at_risk": staged(churn["at_risk"]),
            "not_renewing": staged(churn["not_renewing"])}  # fmt: skip


def churn_figures(
    engine: Engine, community_key: str | None = None, rules: ChurnRules | None = None
) -> dict[str, Any]:
    """Return the at-risk members and the paid members not renewing, without stages."""
    rules = rules or ChurnRules()
    tz = zone()
    with reading(engine) as session:
        now = as_of(session)
        cid = community(session, community_key).id if community_key else None
        members = _members(session, cid)
        at_risk: list[tuple[int, datetime, int]] = []
        now_us = to_us(now)
        for pid, times, local in _activity(session, cid).days_of(tz):
            if pid not in members:
                continue
            last = int(times[-1])
            silent = (now_us - last) // DAY_US  # whole days, floored as timedelta.days is
            if not rules.silent_from <= silent <= rules.silent_to:
                continue  # checked first: counting active days is the costly part
            days = len(np.unique(local))
            if days >= rules.min_active_days:
                at_risk.append((pid, from_us(last), days))
        tiers = select(m.Order.person_id, m.Order.item, m.Order.ts).where(
            m.Order.item.like("tier:%"), m.Order.status == "paid", m.Order.person_id.is_not(None)
        )
        latest: dict[tuple[int, str], datetime] = {}
        for buyer, item, ts in session.execute(tiers):
            if buyer is None:
                continue
            if community_key is None or item == f"tier:{community_key}":
                latest[(buyer, item)] = max(ts, latest.get((buyer, item), ts))
        renewals = []
        for (pid, item), paid in latest.items():
            ends = paid + timedelta(days=rules.term_days)
            if ends < now:
                renewals.append((pid, item, paid, ends, "lapsed"))
            elif ends - now <= timedelta(days=rules.expiring_days):
                renewals.append((pid, item, paid, ends, "expiring"))
        people = _people(session, {p for p, _, _ in at_risk} | {r[0] for r in renewals})

    def who(pid: int) -> dict[str, Any]:
        key, name = people[pid]
        return {"person": key, "name": name or key}

    return {
        "as_of": now.astimezone(tz).isoformat(),
        "rules": rules.__dict__,
        "at_risk": [
            {
                **who(pid),
                "last_active": last.astimezone(tz).isoformat(),
                "days_silent": (now - last).days,
                "active_days": days,
            }
            for pid, last, days in sorted(at_risk, key=lambda x: (x[1], x[0]))
        ],
        "not_renewing": [
            {
                **who(pid),
                "tier": item[5:],
                "paid_at": paid.astimezone(tz).isoformat(),
                "ends": ends.astimezone(tz).isoformat(),
                "status": status,
            }
            for pid, item, paid, ends, status in sorted(renewals, key=lambda x: x[3])
        ],
    }


def cohorts(engine: Engine, community_key: str | None = None, by: str = "week") -> list[dict]:
    """Return N-week retention per join-week cohort (`by="week"`) or per source."""
    tz = zone()
    with reading(engine) as session:
        now = as_of(session)
        cid = community(session, community_key).id if community_key else None
        joins = select(m.Membership.person_id, m.Membership.joined_at, m.Membership.source)
        if cid is not None:
            joins = joins.where(m.Membership.community_id == cid)
        first: dict[int, tuple[datetime, str | None]] = {}
        for pid, joined, source in session.execute(joins):
            if pid not in first or joined < first[pid][0]:
                first[pid] = (joined, source)
        activity = _activity(session, cid)
        members = _members(session, cid)
    groups: dict[str, list[int]] = defaultdict(list)
    for pid, (joined, source) in first.items():
        if by == "source":
            key = source or "other"
        else:
            local = joined.astimezone(tz).date()
            key = (local - timedelta(days=local.weekday())).isoformat()
        groups[key].append(pid)
    out = []
    for key in sorted(groups):
        pids = groups[key]
        weeks = min(WEEKS, int((now - min(first[p][0] for p in pids)).days // 7))
        active = [0] * (weeks + 1)
        eligible = [0] * (weeks + 1)
        for pid in pids:
            start = first[pid][0]
            # Only finished weeks count (week 0 always does), or the last one looks like a drop.
            reached = max(0, int((now - start).days // 7) - 1)
            for week in range(min(weeks, reached) + 1):
                eligible[week] += 1
            times = activity.of(pid)
            since = to_us(start)
            hit = set(((times[times >= since] - since) // WEEK_US).tolist())
            for week in hit:
                if week <= min(weeks, reached):
                    active[week] += 1
        row: dict[str, Any] = {
            "cohort": key,
            "size": len(pids),
            # Week N counts only the people who have been members for N weeks by now.
            "retention": [round(a / n, 4) for a, n in zip(active, eligible, strict=True) if n],
            "still_members": round(sum(1 for p in pids if p in members) / len(pids), 4),
        }
        if by == "source":
            row["label"] = vocab.SOURCES.get(key, key)
        out.append(row)
    return out


def churn_page(engine: Engine) -> dict[str, Any]:
    """The churn page without stages: at-risk members, paid members not renewing, cohorts by
    week and source (`page_with_stages` adds the stages)."""
    return {
        "churn": churn_figures(engine),
        "weeks": cohorts(engine),
        "sources": cohorts(engine, by="source"),
    }


def page_with_stages(engine: Engine, page: dict[str, Any]) -> dict[str, Any]:
    """Return the churn page (`churn_page`) with the listed people's current stages."""
    return {**page, "churn": with_stages(engine, page["churn"])}
