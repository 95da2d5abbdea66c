"""Segments counted in SQL (on SQLite and PostgreSQL), and offers' audiences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, Select, String, cast, func, or_, select
from sqlalchemy.orm import Session

from quanzi.domain.ladder import tier_item
from quanzi.domain.ladder_segments import SegmentFilter, parse_filter
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models import utcnow
from quanzi.store.models_ladder import Offer, Segment

# The team does not receive offers: owners, admins and staff of any community.
TEAM_ROLES = ("owner", "admin", "staff")


def _like_json_string(value: str) -> str:
    """A LIKE pattern for a string inside a JSON array, wildcards escaped."""
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "%" + quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _paid(items: list[str]) -> Select[Any]:
    return select(m.Order.person_id).where(
        m.Order.item.in_(items), m.Order.status == "paid", m.Order.person_id.is_not(None)
    )


def _spent() -> Any:
    return (
        select(m.Order.person_id, func.sum(m.Order.amount).label("spent"))
        .where(m.Order.status == "paid", m.Order.person_id.is_not(None))
        .group_by(m.Order.person_id)
    )


def segment_query(session: Session, spec: SegmentFilter) -> Select[Any]:
    """Return a query of the ids of the people a filter selects (every condition must hold)."""
    team = select(m.Membership.person_id).where(m.Membership.role.in_(TEAM_ROLES))
    query = select(m.Person.id).where(m.Person.forgotten_at.is_(None), m.Person.id.not_in(team))
    if spec.regions:
        query = query.where(m.Person.region.in_(spec.regions))
    if spec.stages:
        query = query.where(m.Person.stage.in_(spec.stages))
    if spec.strata:
        query = query.where(m.Person.stratum.in_(spec.strata))
    if spec.tags:
        text = cast(m.Person.tags, String)
        query = query.where(or_(*(text.like(_like_json_string(t), escape="\\") for t in spec.tags)))
    if spec.rungs_paid:
        query = query.where(m.Person.id.in_(_paid([tier_item(k) for k in spec.rungs_paid])))
    if spec.rungs_not_paid:
        query = query.where(m.Person.id.not_in(_paid([tier_item(k) for k in spec.rungs_not_paid])))
    if spec.min_spent is not None:
        spent = _spent().having(func.sum(m.Order.amount) >= spec.min_spent)
        query = query.where(m.Person.id.in_(select(spent.subquery().c.person_id)))
    if spec.max_spent is not None:
        over = _spent().having(func.sum(m.Order.amount) > spec.max_spent)
        query = query.where(m.Person.id.not_in(select(over.subquery().c.person_id)))
    if spec.communities:
        inside = (
            select(m.Membership.person_id)
            .join(m.Community, m.Community.id == m.Membership.community_id)
            .where(m.Community.key.in_(spec.communities), m.Membership.status == "active")
        )
        query = query.where(m.Person.id.in_(inside))
    if spec.active_days is not None:
        # Days end at the newest event, as on the overview, so imported history works.
        newest = session.scalar(select(func.max(m.Event.ts))) or utcnow()
        since = newest - timedelta(days=spec.active_days)
        acted = select(m.Event.person_id).where(
            m.Event.kind.in_(("message", "attend")), m.Event.ts > since
        )
        query = query.where(m.Person.id.in_(acted))
    return query


def count_in(session: Session, spec: SegmentFilter) -> int:
    """Count the people a filter selects."""
    ids = segment_query(session, spec).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def count_segment(engine: Engine, spec: SegmentFilter) -> int:
    """Count the people a filter selects, live."""
    with reading(engine) as session:
        return count_in(session, spec)


def sample_people(engine: Engine, spec: SegmentFilter, limit: int = 20) -> list[tuple[str, str]]:
    """Return (key, name) of a few people in a segment, for a look."""
    with reading(engine) as session:
        ids = segment_query(session, spec).subquery()
        query = (
            select(m.Person.key, m.Person.name)
            .where(m.Person.id.in_(select(ids.c.id)))
            .order_by(m.Person.key)
            .limit(limit)
        )
        return [(key, name or "") for key, name in session.execute(query)]


def audience_filter(session: Session, offer: Offer) -> SegmentFilter:
    """Return the filter of an offer's audience: its segment, or everyone in its stratum."""
    if offer.segment_id is not None:
        segment = session.get(Segment, offer.segment_id)
        assert segment is not None
        return parse_filter(segment.filters)
    return SegmentFilter(strata=(offer.stratum,) if offer.stratum else ())


def audience_count(session: Session, offer: Offer) -> int:
    """Count an offer's audience now."""
    if offer.segment_id is None and not offer.stratum:
        return 0
    return count_in(session, audience_filter(session, offer))
