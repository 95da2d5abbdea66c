"""The ladder report read from the store: rungs, tier orders and joins/leaves, on any backend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.domain.ladder import (
    BENEFITS,
    LadderReport,
    Presence,
    Purchase,
    Rung,
    Stay,
    ladder_report,
    ordered_rungs,
    stays_from,
    tier_item,
)
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_ladder import RungBenefit

DEFAULT_LADDER = "main"
# The community's own team and invited guests are not customers on the ladder.
CREW_ROLES = ("owner", "admin", "staff", "kol")


@dataclass(frozen=True)
class Benefit:
    """One promised benefit of a rung."""

    kind: str
    label: str
    text: str


@dataclass
class Claim:
    """Seed 000's claim for one rung, measured: how many payers came from the rung below."""

    community: str
    name: str
    price: float
    below: str
    below_name: str
    below_price: float
    from_below: int
    payers: int

    @property
    def share(self) -> float | None:
        """Return the share of payers who came from the rung below."""
        return round(self.from_below / self.payers, 4) if self.payers else None


@dataclass
class LadderView:
    """The report plus what the console and the CLI table show beside it."""

    report: LadderReport
    ladders: list[str]
    rungs: list[Rung]
    names: dict[str, str]
    benefits: dict[str, list[Benefit]] = field(default_factory=dict)

    def claims(self) -> list[Claim]:
        """Return, for each paid rung above another, how many payers came from just below."""
        found: list[Claim] = []
        for low, high in zip(self.rungs, self.rungs[1:], strict=False):
            pair = self.report.from_below(high.community)
            if high.free or pair is None:
                continue
            found.append(
                Claim(
                    community=high.community,
                    name=self.names[high.community],
                    price=high.price,
                    below=low.community,
                    below_name=self.names[low.community],
                    below_price=low.price,
                    from_below=pair[0],
                    payers=pair[1],
                )
            )
        return found


def ladder_keys(session: Session) -> list[str]:
    """Return the ladders that communities declare, sorted."""
    query = select(m.Community.ladder).where(m.Community.ladder.is_not(None)).distinct()
    return sorted(k for k in session.scalars(query) if k)


def pick_ladder(keys: list[str], wanted: str | None) -> str:
    """Return the ladder asked for, or the default one; raise NotFound when there is none."""
    if wanted is not None:
        if wanted not in keys:
            known = "、".join(keys) or "（无）"
            raise NotFound(f"没有付费阶梯 {wanted!r}；已有：{known}", code="ladder_not_found")
        return wanted
    if not keys:
        raise NotFound(
            "还没有付费阶梯：在 community 事件里给社群声明 ladder、rank 和 price",
            code="ladder_not_found",
        )
    return DEFAULT_LADDER if DEFAULT_LADDER in keys else keys[0]


def rung_rows(session: Session, ladder: str) -> list[m.Community]:
    """Return the communities of a ladder, bottom up."""
    rows = list(session.scalars(select(m.Community).where(m.Community.ladder == ladder)))
    return sorted(rows, key=lambda c: (c.rank or 0, c.price, c.key))


def crew_pairs(session: Session, community_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Return (community id, person id) of the crew in these communities."""
    query = select(m.Membership.community_id, m.Membership.person_id).where(
        m.Membership.community_id.in_(list(community_ids)), m.Membership.role.in_(CREW_ROLES)
    )
    return {(c, p) for c, p in session.execute(query)}


def load_presences(
    session: Session, communities: dict[int, str], *, skip_crew: bool = True, by_id: bool = False
) -> list[Presence]:
    """Return the joins and leaves in these communities, crew left out.

    With `by_id` a person is named by their row id (as text) rather than their key: the
    same grouping, read from the event index alone, for figures that name nobody.
    """
    crew = crew_pairs(session, communities) if skip_crew else set()
    moves = (m.Event.kind.in_(("join", "leave")), m.Event.community_id.in_(list(communities)))
    query: Any
    if by_id:
        query = select(
            m.Event.community_id, m.Event.person_id, m.Event.person_id, m.Event.ts, m.Event.kind
        ).where(*moves, m.Event.person_id.is_not(None))
    else:
        query = (
            select(m.Event.community_id, m.Event.person_id, m.Person.key, m.Event.ts, m.Event.kind)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .where(*moves)
        )
    return [
        Presence(str(key), communities[community_id], ts, kind)
        for community_id, person_id, key, ts, kind in session.execute(query)
        if community_id is not None and (community_id, person_id) not in crew
    ]


def load_tier_purchases(
    session: Session, communities: Iterable[str], *, by_id: bool = False
) -> list[Purchase]:
    """Return the purchases of these rungs (`tier:<community>`), refunded ones marked."""
    items = {tier_item(key): key for key in communities}
    bought = m.Order.item.in_(list(items))
    query: Any
    if by_id:
        query = select(
            m.Order.item, m.Order.person_id, m.Order.ts, m.Order.amount, m.Order.status
        ).where(bought, m.Order.person_id.is_not(None))
    else:
        query = (
            select(m.Order.item, m.Person.key, m.Order.ts, m.Order.amount, m.Order.status)
            .join(m.Person, m.Person.id == m.Order.person_id)
            .where(bought)
        )
    return [
        Purchase(str(key), items[item], ts, amount, status == "refunded")
        for item, key, ts, amount, status in session.execute(query)
    ]


def load_benefits(session: Session, community_ids: dict[int, str]) -> dict[str, list[Benefit]]:
    """Return each rung's promised benefits in their order."""
    query = (
        select(RungBenefit)
        .where(RungBenefit.community_id.in_(list(community_ids)))
        .order_by(RungBenefit.community_id, RungBenefit.position, RungBenefit.id)
    )
    found: dict[str, list[Benefit]] = defaultdict(list)
    for row in session.scalars(query):
        label = BENEFITS.get(row.kind, row.kind)
        found[community_ids[row.community_id]].append(Benefit(row.kind, label, row.text))
    return dict(found)


def load_stays(session: Session, ladder: str) -> tuple[list[Rung], list[Stay]]:
    """Return a ladder's rungs and its members' spans of membership."""
    rows = rung_rows(session, ladder)
    rungs = [Rung(c.key, c.price, c.rank or 0, c.name or c.key) for c in rows]
    return rungs, stays_from(load_presences(session, {c.id: c.key for c in rows}))


def rungs_of_ladder(engine: Engine, ladder: str | None = None) -> list[Rung]:
    """Return a ladder's rungs bottom up (the default ladder when None), without its report."""
    with reading(engine) as session:
        rows = rung_rows(session, pick_ladder(ladder_keys(session), ladder))
        return ordered_rungs(Rung(c.key, c.price, c.rank or 0, c.name or c.key) for c in rows)


def build_ladder(engine: Engine, ladder: str | None = None) -> LadderView:
    """Compute the report of one ladder (the default one when None)."""
    with reading(engine) as session:
        keys = ladder_keys(session)
        chosen = pick_ladder(keys, ladder)
        rows = rung_rows(session, chosen)
        ids = {c.id: c.key for c in rows}
        rungs = ordered_rungs(Rung(c.key, c.price, c.rank or 0, c.name or c.key) for c in rows)
        # The report counts people and names none: row ids group them as keys would.
        stays = stays_from(load_presences(session, ids, by_id=True))
        purchases = load_tier_purchases(session, ids.values(), by_id=True)
        report = ladder_report(chosen, rungs, purchases, stays)
        return LadderView(
            report=report,
            ladders=keys,
            rungs=rungs,
            names={r.community: r.name for r in rungs},
            benefits=load_benefits(session, ids),
        )


def chart_data(view: LadderView) -> dict[str, Any]:
    """The numbers the ladder page's charts draw: funnel, provenance flows, step-up times."""
    names = view.names
    report = view.report
    links = []
    for target, sources in report.provenance.items():
        for source, count in sources.items():
            label = "阶梯外" if source == "outside" else names.get(source, source)
            links.append({"source": f"来自 {label}", "target": names[target], "value": count})
    return {
        "rungs": [
            {"name": names[r.community], "members": r.members, "payers": r.payers}
            for r in report.rungs
        ],
        "links": links,
        "steps": [
            {
                "name": f"{_price(s.source, view)} → {_price(s.target, view)}",
                "rate": s.rate,
                "median_days": s.median_days,
                "days": report.step_days.get((s.source, s.target), []),
            }
            for s in report.step_up
        ],
    }


def _price(community: str, view: LadderView) -> str:
    """A rung's short label by its price: 免费, ¥100."""
    rung = next(r for r in view.rungs if r.community == community)
    return "免费" if rung.free else f"¥{rung.price:,.0f}"
