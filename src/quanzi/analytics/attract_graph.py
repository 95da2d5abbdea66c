"""The interaction graph from the log (replies, mentions, invites) and the reach it gives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from quanzi.domain.attract_graph import IDEAL, Graph, reach_by_degree
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.db import json_list, reading

REPLY, MENTION, INVITE = "reply", "mention", "invite"
FETCH = 20_000


@dataclass
class Interactions:
    """Directed edges toward the person who drew attention, with their age in days."""

    people: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    age: list[float] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def node(self, person: str) -> int:
        """The index of `person`, added on first sight."""
        if person not in self.index:
            self.index[person] = len(self.people)
            self.people.append(person)
        return self.index[person]

    def edge(self, source: str, target: str, kind: str, age: float) -> None:
        """Add one interaction from `source` toward `target`."""
        if source != target:
            self.src.append(self.node(source))
            self.dst.append(self.node(target))
            self.kind.append(kind)
            self.age.append(age)

    def graph(self, half_life_days: float | None = None) -> Graph:
        """The graph, each edge weighted 0.5 ** (age / half-life) when a half-life is given."""
        ages = np.asarray(self.age, dtype=np.float64)
        weight = None if half_life_days is None else 0.5 ** (ages / half_life_days)
        return Graph.build(len(self.people), self.src, self.dst, weight)


def _community_id(session: Any, community: str | None) -> int | None:
    if community is None:
        return None
    found = session.scalar(select(m.Community.id).where(m.Community.key == community))
    if found is None:
        raise NotFound(f"找不到社群 {community}", code="community_not_found")
    return int(found)


def load_interactions(engine: Engine, community: str | None = None) -> Interactions:
    """Replies (replier → author), mentions and invites (invitee → inviter), plus members."""
    out = Interactions()
    inviter, invitee = aliased(m.Person), aliased(m.Person)
    with reading(engine) as session:
        cid = _community_id(session, community)
        now: datetime | None = session.scalar(select(func.max(m.Event.ts)))
        # Each reply is matched to the message it answers through the unique source id, in
        # SQL: a map of every message's id was most of the memory on a large store.
        target, target_person = aliased(m.Event), aliased(m.Person)
        reply_to = m.Event.payload["reply_to"].as_string()
        mentions = m.Event.payload["mentions"].as_string()
        answered = [target.source_id == reply_to, target.kind == "message"]
        if cid is not None:
            answered.append(target.community_id == cid)
        pointing = (
            select(m.Event.ts, m.Event.id, m.Person.key, mentions,
                   target.ts, target.id, target_person.key)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .outerjoin(target, and_(*answered))
            .outerjoin(target_person, target_person.id == target.person_id)
            .where(m.Event.kind == "message", or_(reply_to.is_not(None), mentions.is_not(None)))
        )  # fmt: skip
        if cid is not None:
            pointing = pointing.where(m.Event.community_id == cid)
        if session.get_bind().dialect.name == "sqlite":
            # A substring test first (a superset, far cheaper than parsing each message).
            text = type_coerce(m.Event.payload, String)
            pointing = pointing.where(
                or_(func.instr(text, '"reply_to"') > 0, func.instr(text, '"mentions"') > 0)
            )
        rows = session.execute(
            pointing.order_by(m.Event.ts, m.Event.id).execution_options(yield_per=FETCH)
        )
        for ts, eid, person, mentioned, answered_ts, answered_id, author in rows:
            age = (now - ts).total_seconds() / 86400 if now else 0.0
            # Only a message seen before this one (in log order) can be replied to.
            if author is not None and (answered_ts, answered_id) <= (ts, eid):
                out.edge(person, author, REPLY, age)
            for whom in json_list(mentioned):
                out.edge(person, str(whom), MENTION, age)
        invites = (
            select(m.Invite.ts, inviter.key, invitee.key)
            .join(inviter, inviter.id == m.Invite.inviter_id)
            .join(invitee, invitee.id == m.Invite.invitee_id)
        )
        members = select(m.Person.key).join(m.Membership, m.Membership.person_id == m.Person.id)
        if cid is not None:
            invites = invites.where(m.Invite.community_id == cid)
            members = members.where(m.Membership.community_id == cid)
        for ts, who, whom in session.execute(invites):
            out.edge(whom, who, INVITE, (now - ts).total_seconds() / 86400 if now else 0.0)
        for (person,) in session.execute(members.distinct()):
            out.node(person)
        out.names = {k: n or k for k, n in session.execute(select(m.Person.key, m.Person.name))
                     if k in out.index}  # fmt: skip
    return out


def reach_report(engine: Engine, community: str | None = None) -> dict[str, Any]:
    """The CLI contract of `quanzi reach`: mean people at 1, 2, 3 degrees beside the ideal."""
    found = load_interactions(engine, community)
    reach = person_reach(found)
    means = reach.means()
    return {
        "people": len(found.people),
        "degree1": round(float(means[0]), 2),
        "degree2": round(float(means[1]), 2),
        "degree3": round(float(means[2]), 2),
        "sampled": reach.sampled,
        "ideal": dict(IDEAL),
    }


@dataclass
class Reach:
    """People at exactly 1, 2, 3 degrees from each of `sources` (rows of `counts`).

    On a graph of up to EXACT_REACH_PEOPLE people the sources are everyone; past that,
    the means come from a seeded random sample of SAMPLED_SOURCES people, and the
    ranking from that sample and the TOP_CANDIDATES people with the most ties.
    """

    sources: np.ndarray
    counts: np.ndarray
    sample: np.ndarray  # which rows are the random sample the means are taken over
    sampled: bool

    def means(self) -> np.ndarray:
        """Mean people at each degree over the sample (everyone when exact)."""
        rows = self.counts[self.sample]
        return rows.mean(axis=0) if len(rows) else np.zeros(3)


# Exact reach is a search from every person: quadratic, so past this size it is sampled.
EXACT_REACH_PEOPLE = 20_000
SAMPLED_SOURCES = 2_000
TOP_CANDIDATES = 500
SAMPLE_SEED = 7


def person_reach(found: Interactions) -> Reach:
    """Counts at exactly 1, 2 and 3 degrees in the undirected graph, sampled when large."""
    n = len(found.people)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Reach(empty, np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=bool), False)
    adjacency = found.graph().undirected()
    if n <= EXACT_REACH_PEOPLE:
        everyone = np.arange(n)
        return Reach(everyone, reach_by_degree(adjacency, everyone), np.ones(n, bool), False)
    sample = np.random.default_rng(SAMPLE_SEED).choice(n, SAMPLED_SOURCES, replace=False)
    ties = np.diff(adjacency.indptr)
    most_tied = np.argsort(-ties, kind="stable")[:TOP_CANDIDATES]
    sources = np.union1d(sample, most_tied)
    counts = reach_by_degree(adjacency, sources)
    return Reach(sources, counts, np.isin(sources, sample), True)


def top_reach(found: Interactions, reach: Reach, top: int = 20) -> list[dict[str, Any]]:
    """The people who reach most within three degrees (of those searched from)."""
    totals = reach.counts.sum(axis=1)
    order = np.argsort(-totals, kind="stable")[:top]
    rows = []
    for i in order:
        person = found.people[int(reach.sources[i])]
        counts = reach.counts[i]
        rows.append({"person": person, "name": found.names.get(person, person),
                     "degree1": int(counts[0]), "degree2": int(counts[1]),
                     "degree3": int(counts[2]), "total": int(totals[i])})  # fmt: skip
    return rows


def metcalfe(engine: Engine) -> list[dict[str, Any]]:
    """People who had joined by each month's end and Metcalfe's n² for that month."""
    first: dict[int | None, datetime] = {}
    with reading(engine) as session:
        # In a community, then in none: each answered by the (community, kind, time, person)
        # index without visiting the log's rows (a large store's joins are scattered).
        for place in (m.Event.community_id.in_(select(m.Community.id)),
                      m.Event.community_id.is_(None)):  # fmt: skip
            query = (
                select(m.Event.person_id, func.min(m.Event.ts))
                .where(place, m.Event.kind == "join")
                .group_by(m.Event.person_id)
            )
            for person, ts in session.execute(query):
                if ts is not None and (person not in first or ts < first[person]):
                    first[person] = ts
    months = Counter(ts.strftime("%Y-%m") for ts in first.values())
    rows, total = [], 0
    for month in sorted(months):
        total += months[month]
        rows.append({"month": month, "people": total, "n2": total * total})
    return rows
