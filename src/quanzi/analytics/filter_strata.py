"""Intent strata per community, and the recent arrivals each stratum's playbook asks about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from quanzi.domain import strata, vocab
from quanzi.store import models as m
from quanzi.store.db import reading

RECENT_DAYS = 14


@dataclass
class StrataRow:
    """One community's active members by stratum."""

    key: str
    name: str
    counts: dict[str, int]
    unknown: int

    @property
    def total(self) -> int:
        """All active members, placed or not."""
        return sum(self.counts.values()) + self.unknown


@dataclass
class Arrival:
    """A person who joined lately, to follow up by their stratum's playbook."""

    person: str
    name: str | None
    community: str
    joined_at: datetime
    source: str | None


@dataclass
class StrataView:
    """The strata page: counts per community and the latest arrivals per stratum."""

    communities: list[StrataRow]
    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)
    as_of: datetime | None = None


def build_strata(engine: Engine, *, limit: int = 8) -> StrataView:
    """Count active members per community and stratum; list arrivals of the last two weeks."""
    ms, p, c = m.Membership, m.Person, m.Community
    with reading(engine) as session:
        names = {row.id: (row.key, row.name) for row in session.scalars(select(c))}
        counts: dict[int, dict[str | None, int]] = {cid: {} for cid in names}
        query = (
            select(ms.community_id, p.stratum, func.count())
            .join(p, p.id == ms.person_id)
            .where(ms.status == "active", ms.role == "member")
            .group_by(ms.community_id, p.stratum)
        )
        for cid, stratum, count in session.execute(query):
            counts[cid][stratum] = count
        rows = [
            StrataRow(
                key=names[cid][0],
                name=names[cid][1],
                counts={s: found.get(s, 0) for s in strata.ORDER},
                unknown=sum(n for s, n in found.items() if s not in strata.ORDER),
            )
            for cid, found in sorted(counts.items(), key=lambda kv: names[kv[0]][0])
        ]
        as_of = session.scalar(select(func.max(ms.joined_at)))
        view = StrataView(rows, {s: [] for s in strata.ORDER}, as_of)
        if as_of is None:
            return view
        for stratum in strata.ORDER:
            recent = (
                select(p.key, p.name, c.key, ms.joined_at, ms.source)
                .join(p, p.id == ms.person_id)
                .join(c, c.id == ms.community_id)
                .where(p.stratum == stratum, ms.status == "active", ms.role == "member")
                .where(ms.joined_at >= as_of - timedelta(days=RECENT_DAYS))
                .order_by(ms.joined_at.desc())
                .limit(limit)
            )
            view.arrivals[stratum] = [Arrival(*row) for row in session.execute(recent)]
    return view


def source_label(source: str | None) -> str:
    """Return a join source's Chinese name."""
    return vocab.SOURCES.get(source or "", source or "—")
