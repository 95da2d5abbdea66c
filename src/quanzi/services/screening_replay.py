"""Replays of past join requests under a rule set: the dry run and the backtest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from quanzi.domain import filter_rules
from quanzi.domain.screening import JoinRequest
from quanzi.errors import InvalidInput
from quanzi.services.screening import CHUNK, Pending, _facts, decide, screener_for
from quanzi.services.screening_review import community_id
from quanzi.store import models as m
from quanzi.store.db import reading


@dataclass
class ReplayRow:
    """One past request: what was decided then and what the rule set decides now."""

    id: int
    ts: datetime
    person: str
    name: str | None
    was: str | None
    now: str
    reasons: list[dict[str, str]]
    paid_after: float  # yuan the person paid after the request (a false positive's price)


@dataclass
class Replay:
    """A rule set run over a community's past requests."""

    community: str
    since: datetime | None
    rows: list[ReplayRow] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return the backtest's figures, the `--json` output of `quanzi screen backtest`."""
        now = Counter(r.now for r in self.rows)
        was = Counter(r.was or "none" for r in self.rows)
        rules = Counter(reason["rule"] for r in self.rows for reason in r.reasons)
        rejected_buyers = [r for r in self.rows if r.now == "reject" and r.paid_after > 0]
        review_buyers = [r for r in self.rows if r.now == "review" and r.paid_after > 0]
        return {
            "community": self.community,
            "since": self.since.isoformat() if self.since else None,
            "requests": len(self.rows),
            "verdicts": {v: now.get(v, 0) for v in ("admit", "review", "reject")},
            "stored": dict(sorted(was.items())),
            "changed": sum(r.now != r.was for r in self.rows),
            "rejected_buyers": len({r.person for r in rejected_buyers}),
            "rejected_revenue": round(sum(r.paid_after for r in rejected_buyers), 2),
            "review_buyers": len({r.person for r in review_buyers}),
            "rules": dict(rules.most_common()),
        }


def replay(
    engine: Engine,
    community: str,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    rules: str | None = None,
) -> Replay:
    """Decide a community's past requests again (the newest `limit`, or all since a time).

    `rules` stands in for the community's stored rules; None replays the stored ones.
    """
    jr, person, inviter = m.JoinRequest, m.Person, aliased(m.Person)
    with reading(engine) as session:
        cid = community_id(session, community)
        try:
            screener = screener_for(session, cid, override=rules)
        except filter_rules.RulesError as exc:
            raise InvalidInput(str(exc), code="invalid_rules") from None
        query = (
            select(jr, person.key, inviter.key, m.Event.payload)
            .join(person, person.id == jr.person_id)
            .outerjoin(inviter, inviter.id == jr.inviter_id)
            .join(m.Event, m.Event.id == jr.event_id)
            .where(jr.community_id == cid)
            .order_by(jr.ts.desc(), jr.id.desc())
        )
        if since is not None:
            query = query.where(jr.ts >= since)
        if limit is not None:
            query = query.limit(limit)
        pending: list[Pending] = []
        for row, key, inviter_key, payload in session.execute(query):
            level, registered = _facts(payload)
            stored = {c.name: getattr(row, c.name) for c in jr.__table__.columns}
            request = JoinRequest(
                id=str(row.id),
                name=row.name or "",
                comment=row.comment or "",
                avatar=row.avatar,
                source=row.source,
                person=key,
                inviter=inviter_key,
                via=row.via,
                ts=row.ts,
                level=level,
                registered=registered,
            )
            pending.append(Pending(stored, request, screener))
        decide(session, pending)
        paid = _paid_after(session, pending)
    result = Replay(community, since)
    for item in sorted(pending, key=lambda p: (p.row["ts"], p.row["id"]), reverse=True):
        assert item.verdict is not None
        result.rows.append(
            ReplayRow(
                id=item.row["id"],
                ts=item.row["ts"],
                person=item.request.person or "",
                name=item.row["name"],
                was=item.row["verdict"],
                now=item.verdict.verdict,
                reasons=[r.to_dict() for r in item.verdict.reasons],
                paid_after=paid.get(item.row["id"], 0.0),
            )
        )
    return result


def _paid_after(session: Any, pending: list[Pending]) -> dict[int, float]:
    """Sum what each requester paid (orders not refunded) after their request."""
    people = sorted({p.row["person_id"] for p in pending})
    orders: dict[int, list[tuple[datetime, float]]] = {}
    for start in range(0, len(people), CHUNK):
        query = (
            select(m.Order.person_id, m.Order.ts, func.coalesce(m.Order.amount, 0))
            .where(m.Order.person_id.in_(people[start : start + CHUNK]))
            .where(m.Order.status == "paid")
        )
        for person_id, ts, amount in session.execute(query):
            orders.setdefault(person_id, []).append((ts, float(amount)))
    return {
        p.row["id"]: sum(a for ts, a in orders.get(p.row["person_id"], ()) if ts >= p.row["ts"])
        for p in pending
    }
