"""The fission report: the invite ledger recomputed from the event log, K, cycle time, tree."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, func, or_, select, true, union
from sqlalchemy.orm import Session, aliased

from quanzi.analytics.attract_campaigns import codes_of, derived_invites, stored_rules
from quanzi.domain import attract_ledger as ledger
from quanzi.domain.attract_campaign import DEFAULT_STAGES, CampaignRules, Stage
from quanzi.domain.attract_ledger import History, InviteFact, Outcome, Stay
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.db import LOOKUP_CHUNK, chunked, reading

WHOLE_SCAN_PEOPLE = 20 * LOOKUP_CHUNK


@dataclass(frozen=True)
class Ledger:
    """The judged invites of a campaign (or all), with what the figures need."""

    outcomes: list[Outcome]
    first_join: dict[str, datetime]  # of each person an invite names
    names: dict[str, str]
    now: datetime | None
    rules: dict[str, CampaignRules] = field(default_factory=dict)
    campaign: str | None = None

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The reward stages: the stored campaign's, else the default 3/5/10 friends."""
        rule = self.rules.get(self.campaign or "")
        if rule is not None and rule.stages:
            return rule.stages
        return tuple(Stage(n, f"第 {i} 阶") for i, n in enumerate(DEFAULT_STAGES, start=1))


def load_ledger(
    engine: Engine,
    campaign: str | None = None,
    window_hours: float | None = None,
    *,
    with_names: bool = True,
) -> Ledger:
    """Judge every invite of `campaign` (all campaigns when None) against the event log.

    `with_names=False` skips reading display names (the figures do not show them).
    """
    # A stored campaign is judged by its own targets, window and stay hours (unless
    # `window_hours` is given); any other campaign key keeps the stay of `window_hours`
    # (24 by default) and the communities its invites point at as targets.
    inviter, invitee = aliased(m.Person), aliased(m.Person)
    with reading(engine) as session:
        query = (
            select(m.Invite.event_id, m.Invite.ts, inviter.key, invitee.key,
                   m.Community.key, m.Invite.campaign)
            .select_from(m.Invite)
            .join(inviter, inviter.id == m.Invite.inviter_id)
            .join(invitee, invitee.id == m.Invite.invitee_id)
            .join(m.Community, m.Community.id == m.Invite.community_id)
        )  # fmt: skip
        if campaign is not None:
            query = query.where(m.Invite.campaign == campaign)
        invites = [InviteFact(*row) for row in session.execute(query)]
        rules = stored_rules(session, campaign)
        derived = derived_invites(session, codes_of(session, campaign), invites)
        invites += derived
        if campaign is not None and not invites and campaign not in rules:
            raise NotFound(f"活动 {campaign} 没有任何邀请记录", code="campaign_not_found")
        if window_hours is not None:
            stay = timedelta(hours=window_hours)
            rules = {k: replace(r, stay=stay) for k, r in rules.items()}
        moves = _moves(session, campaign, derived)
        rejected = session.execute(
            select(m.Person.key, m.Community.key)
            .select_from(m.JoinRequest)
            .join(m.Person, m.Person.id == m.JoinRequest.person_id)
            .join(m.Community, m.Community.id == m.JoinRequest.community_id)
            .where(m.JoinRequest.verdict == "reject")
        ).all()
        now = session.scalar(select(func.max(m.Event.ts)))
        people = {p for i in invites for p in (i.inviter, i.invitee)} if with_names else set()
        names = _names(session, people) if with_names else {}
    stays, first_join = _stays(moves)
    window = timedelta(hours=24 if window_hours is None else window_hours)
    history = History(stays, [(str(p), str(c)) for p, c in rejected], now, window)
    outcomes = ledger.judge(invites, history, rules)
    return Ledger(outcomes, first_join, names, now, rules, campaign)


def _moves(
    session: Session, campaign: str | None, derived: list[InviteFact]
) -> list[tuple[str, datetime, str, str]]:
    """(kind, ts, person, community) of the joins and leaves of the invites' people, in order.

    Only the stays and first joins of people an invite names bear on the ledger; no one
    else's are read (at 1,000,000 people, nearly three in four of all joins and leaves).
    `derived` are the invites read from coded joins, which name people outside the table.
    """
    named: list[Any] = [select(m.Invite.inviter_id), select(m.Invite.invitee_id)]
    if campaign is not None:
        named = [query.where(m.Invite.campaign == campaign) for query in named]
    keys = {p for invite in derived for p in (invite.inviter, invite.invitee)}
    whose: Any = m.Event.person_id.in_(union(*named))
    if len(keys) > LOOKUP_CHUNK:
        whose = true()  # too many for one IN (...): read everyone's
    elif keys:
        whose = or_(whose, m.Person.key.in_(sorted(keys)))
    # `community_id IN (communities)` changes no row (the join requires it) but lets the
    # (community, kind, time, person) index answer without visiting the log's rows,
    # which on a large store was nearly all of this report's time; sorted here instead.
    found = session.execute(
        select(m.Event.ts, m.Event.id, m.Event.kind, m.Person.key, m.Community.key)
        .select_from(m.Event)
        .join(m.Person, m.Person.id == m.Event.person_id)
        .join(m.Community, m.Community.id == m.Event.community_id)
        .where(m.Event.community_id.in_(select(m.Community.id)),
               m.Event.kind.in_(("join", "leave")), whose)
    ).all()  # fmt: skip
    in_order = sorted(found, key=itemgetter(0, 1))
    return [(kind, ts, person, place) for ts, _, kind, person, place in in_order]


def _names(session: Session, people: set[str]) -> dict[str, str]:
    """Display names of these people (by key), read a bounded IN (...) at a time."""
    names: dict[str, str] = {}
    if len(people) > WHOLE_SCAN_PEOPLE:
        # Hundreds of thousands of keys: one pass over the people beats a thousand IN (...).
        every = session.execute(select(m.Person.key, m.Person.name))
        return {key: name or key for key, name in every if key in people}
    for chunk in chunked(sorted(people), LOOKUP_CHUNK):
        query = select(m.Person.key, m.Person.name).where(m.Person.key.in_(chunk))
        names.update({key: name or key for key, name in session.execute(query)})
    return names


def _stays(moves: Any) -> tuple[list[Stay], dict[str, datetime]]:
    """Pair joins with the leaves that end them; note each person's first join."""
    open_: dict[tuple[str, str], datetime] = {}
    stays: list[Stay] = []
    first: dict[str, datetime] = {}
    for kind, ts, person, community in moves:
        key = (person, community)
        if kind == "join":
            first.setdefault(person, ts)
            if key not in open_:
                open_[key] = ts
        elif key in open_:
            stays.append(Stay(person, community, open_.pop(key), ts))
    stays.extend(Stay(p, c, ts) for (p, c), ts in open_.items())
    return stays, first


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def fission_report(
    engine: Engine, campaign: str | None = None, window_hours: float | None = None
) -> dict[str, Any]:
    """The CLI contract of `quanzi fission report`."""
    return report_of(load_ledger(engine, campaign, window_hours, with_names=False))


def report_of(book: Ledger) -> dict[str, Any]:
    """The report's figures from a judged ledger (one judging serves page and report)."""
    outcomes = book.outcomes
    reasons = Counter(o.reason for o in outcomes if o.status != ledger.VALID)
    return {
        "invites": len(outcomes),
        "valid": sum(o.status == ledger.VALID for o in outcomes),
        "invalid_by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "k_factor": _round(ledger.k_factor(outcomes)),
        "cycle_time_days": _round(ledger.cycle_time_days(outcomes, book.first_join)),
        "generations": ledger.generations(outcomes),
    }


def inviter_board(book: Ledger, stages: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """Each inviter's valid, waiting and invalid invites and the reward stages reached."""
    needs = stages if stages is not None else tuple(s.friends for s in book.stages)
    rows: list[dict[str, Any]] = []
    for person, counts in ledger.by_inviter(book.outcomes).items():
        valid = counts[ledger.VALID]
        rows.append({"person": person, "name": book.names.get(person, person), "valid": valid,
                     "waiting": counts[ledger.WAITING], "invalid": counts[ledger.INVALID],
                     "stages": ledger.stages_reached(valid, needs)})  # fmt: skip
    rows.sort(key=lambda r: (-r["valid"], -r["waiting"], r["person"]))
    return rows


def growth_curves(book: Ledger) -> dict[str, list[Any]]:
    """Observed cumulative valid joins per day beside the curve K and the cycle time predict."""
    joins = sorted(o.joined for o in book.outcomes if o.status == ledger.VALID and o.joined)
    if not joins:
        return {"days": [], "observed": [], "predicted": []}
    start = joins[0].date()
    per_day: Counter[int] = Counter((j.date() - start).days for j in joins)
    span = max(per_day) + 1
    observed, total = [], 0
    for day in range(span):
        total += per_day[day]
        observed.append(total)
    k = ledger.k_factor(book.outcomes) or 0.0
    cycle = ledger.cycle_time_days(book.outcomes, book.first_join) or 1.0
    seeds = ledger.generations(book.outcomes)[0]
    predicted = [round(v - seeds, 2) for v in ledger.predicted_growth(seeds, k, cycle, span - 1)]
    days = [(start + timedelta(days=d)).isoformat() for d in range(span)]
    return {"days": days, "observed": observed, "predicted": predicted}


def tree(book: Ledger, limit: int = 400) -> list[dict[str, Any]]:
    """The valid-invite forest as nested nodes (largest trees first), for the tree chart."""
    children: dict[str, list[str]] = defaultdict(list)
    invited = set()
    for o in book.outcomes:
        if o.status == ledger.VALID:
            children[o.invite.inviter].append(o.invite.invitee)
            invited.add(o.invite.invitee)
    budget = [limit]

    def node(person: str, seen: frozenset[str]) -> dict[str, Any]:
        budget[0] -= 1
        kids = [
            node(c, seen | {c}) for c in children.get(person, []) if c not in seen and budget[0] > 0
        ]
        return {"name": book.names.get(person, person), "value": person, "children": kids}

    def size(person: str, seen: frozenset[str] = frozenset()) -> int:
        return 1 + sum(size(c, seen | {person}) for c in children.get(person, []) if c not in seen)

    roots = sorted((p for p in children if p not in invited), key=lambda p: (-size(p), p))
    return [node(r, frozenset({r})) for r in roots if budget[0] > 0]


def funnel(engine: Engine, book: Ledger) -> list[dict[str, Any]]:
    """Seed 002's ad funnel beside the community's own: reached → joined → bought → brought."""
    # Counted by the database: a set of everyone who ever joined grows with the store.
    # UNION keeps one NULL, as a Python set of the same ids would. Joins are read per
    # community (and in none) so the (community, kind, time, person) index answers alone.
    placed = m.Event.community_id.in_(select(m.Community.id))
    joins = [
        select(m.Event.person_id).where(where, m.Event.kind == "join")
        for where in (placed, m.Event.community_id.is_(None))
    ]
    with reading(engine) as session:
        reached = session.scalar(
            select(func.count()).select_from(union(*joins, select(m.Invite.invitee_id)).subquery())
        )
        joined = session.scalar(select(func.count()).select_from(union(*joins).subquery()))
        bought = session.scalar(
            select(func.count(func.distinct(m.Order.person_id))).where(m.Order.status == "paid")
        )
    brought = len({o.invite.inviter for o in book.outcomes if o.status == ledger.VALID})
    ours = [int(reached or 0), int(joined or 0), int(bought or 0), brought]
    labels = ["触达", "入群", "购买", "带来好友"]
    ads = [10000, 1000, 10, None]
    return [
        {"stage": s, "community": c, "ad": a} for s, c, a in zip(labels, ours, ads, strict=True)
    ]


def fission_page(engine: Engine, campaign: str | None = None) -> dict[str, Any]:
    """The fission page's ledger figures and charts: one judging of the invites serves all."""
    book = load_ledger(engine, campaign)
    charts = {"growth": growth_curves(book), "tree": tree(book), "funnel": funnel(engine, book)}
    stages = " / ".join(str(s.friends) for s in book.stages)
    return {"report": report_of(book), "board": inviter_board(book)[:50],
            "charts": charts, "stages": stages}  # fmt: skip
