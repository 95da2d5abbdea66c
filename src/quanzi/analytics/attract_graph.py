"""The interaction graph from the log (replies, mentions, invites) and the reach it gives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import aliased

from quanzi.domain.attract_graph import IDEAL, Graph, reach_by_degree
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.db import reading

REPLY, MENTION, INVITE = "reply", "mention", "invite"


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
        messages = (
            select(m.Event.source_id, m.Event.ts, m.Event.id, m.Person.key)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .where(m.Event.kind == "message")
        )
        if cid is not None:
            messages = messages.where(m.Event.community_id == cid)
        # Payloads are read only for replies and mentions (a fraction of all messages):
        # decoding every message's JSON was most of this page's time.
        reply_to = m.Event.payload["reply_to"].as_string()
        mentions = m.Event.payload["mentions"].as_string()
        pointing = messages.add_columns(m.Event.payload).where(
            or_(reply_to.is_not(None), mentions.is_not(None))
        )
        author = {sid: (ts, eid, person) for sid, ts, eid, person in session.execute(messages)}
        for _, ts, eid, person, payload in session.execute(
            pointing.order_by(m.Event.ts, m.Event.id)
        ):
            age = (now - ts).total_seconds() / 86400 if now else 0.0
            target = author.get(payload.get("reply_to") or "")
            # Only a message seen before this one (in log order) can be replied to.
            if target and target[:2] <= (ts, eid):
                out.edge(person, target[2], REPLY, age)
            for mentioned in payload.get("mentions") or []:
                out.edge(person, str(mentioned), MENTION, age)
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
    counts = person_reach(found)
    people = len(found.people)
    means = counts.mean(axis=0) if people else np.zeros(3)
    return {
        "people": people,
        "degree1": round(float(means[0]), 2),
        "degree2": round(float(means[1]), 2),
        "degree3": round(float(means[2]), 2),
        "ideal": dict(IDEAL),
    }


def person_reach(found: Interactions) -> np.ndarray:
    """Each person's counts at exactly 1, 2 and 3 degrees in the undirected graph."""
    if not found.people:
        return np.zeros((0, 3), dtype=np.int64)
    graph = found.graph()
    return reach_by_degree(graph.undirected(), np.arange(graph.n))


def top_reach(found: Interactions, counts: np.ndarray, top: int = 20) -> list[dict[str, Any]]:
    """The people who reach most within three degrees."""
    totals = counts.sum(axis=1)
    order = np.argsort(-totals, kind="stable")[:top]
    return [{"person": found.people[i], "name": found.names.get(found.people[i], found.people[i]),
             "degree1": int(counts[i, 0]), "degree2": int(counts[i, 1]),
             "degree3": int(counts[i, 2]), "total": int(totals[i])} for i in order]  # fmt: skip


def metcalfe(engine: Engine) -> list[dict[str, Any]]:
    """People who had joined by each month's end and Metcalfe's n² for that month."""
    with reading(engine) as session:
        firsts = session.execute(
            select(func.min(m.Event.ts)).where(m.Event.kind == "join").group_by(m.Event.person_id)
        ).scalars()
        months = Counter(ts.strftime("%Y-%m") for ts in firsts if ts is not None)
    rows, total = [], 0
    for month in sorted(months):
        total += months[month]
        rows.append({"month": month, "people": total, "n2": total * total})
    return rows
