"""A person's rights under PIPL: see everything held on them, and be forgotten."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, String, cast, or_, select
from sqlalchemy.orm import Session

from quanzi.errors import NotFound
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow

# Fields of an event payload that hold personal content rather than facts to count.
PERSONAL_FIELDS = ("name", "text", "comment", "avatar")
PERSON_FIELDS = ("person", "inviter", "invitee", "leader")


def _person(session: Session, key: str) -> m.Person:
    person = session.scalars(select(m.Person).where(m.Person.key == key)).one_or_none()
    if person is None:
        identity = session.scalars(
            select(m.Identity).where(
                m.Identity.carrier == key.partition(":")[0],
                m.Identity.account == key.partition(":")[2],
            )
        ).one_or_none()
        if identity is not None:
            person = session.get(m.Person, identity.person_id)
    if person is None:
        raise NotFound(f"找不到人员 {key}", code="person_not_found")
    return person


def _columns(row: m.Base) -> dict[str, Any]:
    values = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _mentioning(session: Session, person: m.Person) -> list[m.Event]:
    """Events about the person: their own, and those naming their key anywhere."""
    escaped = person.key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(m.Event).where(
        or_(
            m.Event.person_id == person.id,
            cast(m.Event.payload, String).like(f"%{escaped}%", escape="\\"),
        )
    )
    return list(session.scalars(query.order_by(m.Event.ts, m.Event.id)))


def export_person(engine: Engine, key: str) -> dict[str, Any]:
    """Return all data held on one person as plain JSON-ready values."""
    with reading(engine) as session:
        person = _person(session, key)

        def rows(model: type[m.Base], *conditions: Any) -> list[dict[str, Any]]:
            return [_columns(r) for r in session.scalars(select(model).where(or_(*conditions)))]

        return {
            "person": _columns(person),
            "identities": rows(m.Identity, m.Identity.person_id == person.id),
            "memberships": rows(m.Membership, m.Membership.person_id == person.id),
            "join_requests": rows(m.JoinRequest, m.JoinRequest.person_id == person.id),
            "orders": rows(m.Order, m.Order.person_id == person.id),
            "invites": rows(
                m.Invite, m.Invite.inviter_id == person.id, m.Invite.invitee_id == person.id
            ),
            "attendance": rows(m.Attendance, m.Attendance.person_id == person.id),
            "events": [
                {"id": e.source_id, "ts": e.ts.isoformat(), **e.payload}
                for e in _mentioning(session, person)
            ],
        }


def _scrub(payload: dict[str, Any], key: str, alias: str, own: bool) -> dict[str, Any]:
    """Return the payload with the person's key replaced and, if theirs, content removed."""
    cleaned = dict(payload)
    for field in PERSON_FIELDS:
        if cleaned.get(field) == key:
            cleaned[field] = alias
    if isinstance(cleaned.get("mentions"), list):
        cleaned["mentions"] = [alias if p == key else p for p in cleaned["mentions"]]
    if own:
        for field in PERSONAL_FIELDS:
            cleaned.pop(field, None)
        if cleaned.get("kind") == "person":
            for field in ("region", "tags"):
                cleaned.pop(field, None)
    return cleaned


def forget_person(engine: Engine, key: str, *, actor: str = "cli") -> dict[str, Any]:
    """Erase a person's personal data and anonymise their events; counts and totals stay."""
    with transaction(engine) as session:
        person = _person(session, key)
        alias = f"forgotten:{person.id}"
        original_key = person.key
        events = _mentioning(session, person)
        for event in events:
            event.payload = _scrub(
                event.payload, original_key, alias, own=event.person_id == person.id
            )
        for request in session.scalars(
            select(m.JoinRequest).where(m.JoinRequest.person_id == person.id)
        ):
            request.name = request.comment = request.avatar = None
        for identity in session.scalars(
            select(m.Identity).where(m.Identity.person_id == person.id)
        ):
            session.delete(identity)
        person.key = alias
        person.name = person.region = None
        person.tags = []
        person.consent = None
        person.forgotten_at = utcnow()
        audit(session, actor, "person.forget", alias, events_anonymised=len(events))
        return {"person": alias, "events_anonymised": len(events)}
