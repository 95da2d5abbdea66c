"""The people one ingest batch names: loaded and written in bulk, not row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from quanzi.store import models as m
from quanzi.store.db import chunked

# Columns read for every named person; profile facts (region, tags, consent) are only written.
TRACKED = ("first_seen", "name", "name_at", "source", "inviter_id")


@dataclass(slots=True)
class PersonState:
    """The columns of one person that ingest reads, and the changes it makes."""

    id: int
    key: str
    first_seen: datetime
    name: str | None = None
    name_at: datetime | None = None
    source: str | None = None
    inviter_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def set(self, column: str, value: Any) -> None:
        """Change one column; a profile column (not read) is always written."""
        if column not in TRACKED:
            self.changes[column] = value
        elif getattr(self, column) != value:
            setattr(self, column, value)
            self.changes[column] = value


def split_person_key(key: str) -> tuple[str, str]:
    """Split `qq:10001` into its carrier and account."""
    carrier, _, account = key.partition(":")
    return carrier, account


class PersonBook:
    """Maps person keys to their state for one batch, and writes the changes back."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_key: dict[str, PersonState] = {}

    def __getitem__(self, key: str) -> PersonState:
        return self.by_key[key]

    def resolve(self, first_seen: dict[str, datetime]) -> None:
        """Load every named person, creating (with an identity) those never seen before."""
        keys = sorted(first_seen)
        columns = [getattr(m.Person, c) for c in ("id", "key", *TRACKED)]
        for chunk in chunked(keys):
            query = select(*columns).where(m.Person.key.in_(chunk))
            for found in self.session.execute(query):
                self.by_key[found[1]] = PersonState(*found)
        fresh: list[dict[str, Any]] = [
            {"key": key, "tags": [], "first_seen": ts}
            for key, ts in first_seen.items()
            if key not in self.by_key
        ]
        if not fresh:
            return
        # Plain executemany then a lookup: RETURNING forces one statement per row on SQLite.
        self.session.connection().execute(insert(m.table(m.Person)), fresh)
        fresh_keys = [row["key"] for row in fresh]
        ids: dict[str, int] = {}
        for chunk in chunked(fresh_keys):
            query = select(m.Person.key, m.Person.id).where(m.Person.key.in_(chunk))
            ids.update({key: person_id for key, person_id in self.session.execute(query)})
        identities = []
        for row in fresh:
            key: str = row["key"]
            person_id = ids[key]
            self.by_key[key] = PersonState(id=person_id, key=key, first_seen=row["first_seen"])
            carrier, account = split_person_key(key)
            identities.append({"person_id": person_id, "carrier": carrier, "account": account})
        self.session.connection().execute(insert(m.table(m.Identity)), identities)

    def write(self) -> None:
        """Write back changed columns, one executemany per set of columns changed together."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for state in self.by_key.values():
            if state.changes:
                columns = tuple(sorted(state.changes))
                groups.setdefault(columns, []).append({"id": state.id, **state.changes})
        for rows in groups.values():
            self.session.execute(update(m.Person), rows)
