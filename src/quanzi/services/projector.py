"""Project a batch of new events onto current state (communities, people, memberships…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from quanzi.domain.events import Event
from quanzi.services.personbook import PersonBook
from quanzi.store import models as m
from quanzi.store.bulk import insert_rows
from quanzi.store.db import chunked, rows_where_in
from quanzi.store.models import utcnow

Row = TypeVar("Row", bound=m.Base)

COMMUNITY_FIELDS = ("name", "purpose", "model", "type", "carrier", "price", "ladder", "rank")
PERSON_REFERENCE_FIELDS = ("inviter", "invitee", "leader")
# Kinds whose ledger rows point back at their event row.
EVENT_ID_KINDS = frozenset({"join_request", "purchase", "invite"})
EVENT_COLUMNS = ("source_id", "ts", "kind", "community_id", "person_id", "payload", "ingested_at")


class BatchProjector:
    """Applies one batch of fresh events inside the caller's transaction."""

    def __init__(self, session: Session, events: list[Event]) -> None:
        self.session = session
        self.events = events
        self.now = utcnow()
        self.communities: dict[str, m.Community] = {}
        self.persons = PersonBook(session)
        self.memberships: dict[tuple[int, int], m.Membership] = {}
        self.event_ids: dict[str, int] = {}

    # -- reference resolution ------------------------------------------------------------
    def resolve_communities(self) -> None:
        """Load or create every community the batch names."""
        first_ts: dict[str, datetime] = {}
        for event in self.events:
            if event.community is not None:
                key = event.community
                if key not in first_ts or event.ts < first_ts[key]:
                    first_ts[key] = event.ts
        for row in rows_where_in(self.session, m.Community, m.Community.key, set(first_ts)):
            self.communities[row.key] = row
        for key, ts in first_ts.items():
            if key not in self.communities:
                # Events may name a community before it is declared; keep them, name it later.
                row = m.Community(key=key, name=key, price=0.0, rules={}, created_at=ts)
                self.session.add(row)
                self.communities[key] = row

    def resolve_persons(self) -> None:
        """Load or create every person the batch names (actors, inviters, invitees, leaders)."""
        first_ts: dict[str, datetime] = {}
        for event in self.events:
            keys = [event.person] + [event.get(f) for f in PERSON_REFERENCE_FIELDS]
            for key in keys:
                if isinstance(key, str) and (key not in first_ts or event.ts < first_ts[key]):
                    first_ts[key] = event.ts
        self.persons.resolve(first_ts)
        self.session.flush()

    def resolve_memberships(self) -> None:
        """Load the memberships that joins, leaves and roles in this batch touch."""
        pairs = {
            (self.communities[e.community].id, self.persons[e.person].id)
            for e in self.events
            if e.kind in ("join", "leave", "person") and e.community and e.person
        }
        person_ids = {p for _, p in pairs}
        for row in rows_where_in(self.session, m.Membership, m.Membership.person_id, person_ids):
            if (row.community_id, row.person_id) in pairs:
                self.memberships[(row.community_id, row.person_id)] = row

    # -- the event log -------------------------------------------------------------------
    def insert_events(self) -> None:
        """Append the batch to the event log and remember each event's row id."""
        rows = [(e.id, e.ts, e.kind, *self.row_ids(e), e.data, self.now) for e in self.events]
        # A plain executemany: RETURNING forces one statement per row on SQLite.
        insert_rows(self.session, m.Event, EVENT_COLUMNS, rows, repeating=("ingested_at",))
        needed = [e.id for e in self.events if e.kind in EVENT_ID_KINDS]
        for chunk in chunked(needed):
            query = select(m.Event.source_id, m.Event.id).where(m.Event.source_id.in_(chunk))
            self.event_ids.update(
                {source_id: row_id for source_id, row_id in self.session.execute(query)}
            )

    def row_ids(self, event: Event) -> tuple[int | None, int | None]:
        """Return the row ids of the event's community and actor (None where it names none)."""
        community = self.communities[event.community].id if event.community else None
        return community, self.persons[event.person].id if event.person else None

    # -- state ---------------------------------------------------------------------------
    def touch_person(self, event: Event) -> None:
        """Track when the person was first seen, and their latest display name."""
        if event.person is None:
            return
        person = self.persons[event.person]
        if event.ts < person.first_seen:
            person.set("first_seen", event.ts)
        # Only a changed name is written, so name_at is when the current name first appeared;
        # an older event with another name arriving late loses to it.
        if (
            event.name
            and event.name != person.name
            and (person.name_at is None or event.ts >= person.name_at)
        ):
            person.set("name", event.name)
            person.set("name_at", event.ts)

    def person_id(self, key: Any) -> int | None:
        """Return the row id of a referenced person, or None."""
        return self.persons[key].id if isinstance(key, str) else None

    def apply_community(self, event: Event) -> None:
        """Declare or update a community; an older declaration never overwrites a newer one."""
        row = self.communities[event.community or ""]
        if row.declared_at is not None and event.ts < row.declared_at:
            return
        for name in COMMUNITY_FIELDS:
            value = event.get(name)
            if value is not None:
                setattr(row, name, float(value) if name == "price" else value)
        if "capacity" in event.data:
            row.capacity = event.get("capacity")
        row.created_at = min(row.created_at, event.ts)
        row.declared_at = event.ts

    def apply_join(self, event: Event) -> None:
        """Make the person an active member (again)."""
        community = self.communities[event.community or ""]
        person = self.persons[event.person or ""]
        pair = (community.id, person.id)
        inviter_id = self.person_id(event.get("inviter"))
        membership = self.memberships.get(pair)
        if membership is None:
            membership = m.Membership(
                community_id=community.id,
                person_id=person.id,
                joined_at=event.ts,
                changed_at=event.ts,
                status="active",
                role=event.get("role") or "member",
            )
            self.session.add(membership)
            self.memberships[pair] = membership
        elif event.ts < membership.changed_at:
            return
        membership.status = "active"
        membership.joined_at = event.ts
        membership.left_at = None
        membership.changed_at = event.ts
        if event.get("role"):
            membership.role = event.get("role")
        membership.via = event.get("via") or membership.via
        membership.source = event.get("source") or membership.source
        membership.inviter_id = inviter_id or membership.inviter_id
        # A person's own source and inviter are those of their first arrival.
        if person.source is None and event.get("source"):
            person.set("source", event.get("source"))
        if person.inviter_id is None and inviter_id and inviter_id != person.id:
            person.set("inviter_id", inviter_id)

    def apply_leave(self, event: Event) -> None:
        """Mark the membership left or kicked."""
        community = self.communities[event.community or ""]
        person = self.persons[event.person or ""]
        pair = (community.id, person.id)
        membership = self.memberships.get(pair)
        if membership is None:
            # A leave with no recorded join (history starts mid-way): the person was a member.
            membership = m.Membership(
                community_id=community.id,
                person_id=person.id,
                joined_at=event.ts,
                changed_at=event.ts,
                role="member",
            )
            self.session.add(membership)
            self.memberships[pair] = membership
        elif event.ts < membership.changed_at:
            return
        membership.status = "kicked" if event.get("reason") == "kick" else "left"
        membership.left_at = event.ts
        membership.changed_at = event.ts

    def apply_person(self, event: Event) -> None:
        """Record profile facts, and a role in one community when given."""
        person = self.persons[event.person or ""]
        for name in ("region", "consent"):
            if event.get(name) is not None:
                person.set(name, event.get(name))
        if event.get("tags") is not None:
            person.set("tags", list(dict.fromkeys(event.get("tags"))))
        role = event.get("role")
        if role and event.community:
            membership = self.memberships.get((self.communities[event.community].id, person.id))
            if membership is not None:
                membership.role = role

    def project(self) -> None:
        """Run the whole batch."""
        self.resolve_communities()
        self.resolve_persons()
        self.resolve_memberships()
        self.insert_events()
        rows: dict[str, list[dict[str, Any]]] = {
            "join_request": [],
            "purchase": [],
            "invite": [],
            "attend": [],
        }
        activities: dict[str, Event] = {}
        refunds: list[Event] = []
        for event in self.events:
            self.touch_person(event)
            kind = event.kind
            if kind == "community":
                self.apply_community(event)
            elif kind == "join":
                self.apply_join(event)
            elif kind == "leave":
                self.apply_leave(event)
            elif kind == "person":
                self.apply_person(event)
            elif kind == "activity":
                activities[event.get("activity")] = event
            elif kind == "refund":
                refunds.append(event)
            elif kind in rows:
                rows[kind].append(self.row_for(event))
        self.persons.write()
        self.session.flush()
        from quanzi.services import ledger

        ledger.upsert_activities(self.session, self, activities)
        ledger.store_rows(self.session, self, rows)
        ledger.apply_refunds(self.session, refunds)

    def row_for(self, event: Event) -> dict[str, Any]:
        """Return the insert row a join request, purchase, invite or attendance makes."""
        community_id = self.communities[event.community or ""].id
        person_id = self.person_id(event.person)
        event_id = self.event_ids.get(event.id)
        if event.kind == "join_request":
            return {
                "event_id": event_id,
                "community_id": community_id,
                "person_id": person_id,
                "ts": event.ts,
                "name": event.name,
                "comment": event.get("comment"),
                "avatar": event.get("avatar"),
                "source": event.get("source"),
                "inviter_id": self.person_id(event.get("inviter")),
                "via": event.get("via"),
                "reasons": [],
            }
        if event.kind == "purchase":
            return {
                "order_key": event.get("order") or f"event:{event.id}",
                "event_id": event_id,
                "community_id": community_id,
                "person_id": person_id,
                "item": event.get("item"),
                "qty": float(event.get("qty", 1)),
                "amount": float(event.get("amount", 0)),
                "leader_id": self.person_id(event.get("leader")),
                "source": "event",
                "status": "paid",
                "ts": event.ts,
            }
        if event.kind == "invite":
            return {
                "event_id": event_id,
                "community_id": community_id,
                "inviter_id": self.person_id(event.get("inviter")),
                "invitee_id": self.person_id(event.get("invitee")),
                "campaign": event.get("campaign"),
                "via": event.get("via"),
                "ts": event.ts,
                "status": "sent",
            }
        return {
            "activity": event.get("activity"),
            "person_id": person_id,
            "ts": event.ts,
            "community_id": community_id,
        }


def project_batch(session: Session, events: list[Event]) -> None:
    """Store `events` (all new) in the log and bring current state up to date."""
    BatchProjector(session, events).project()
