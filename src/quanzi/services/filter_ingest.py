"""What the filter does to each ingest batch: screen join requests, set intent strata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from quanzi.domain import strata
from quanzi.services.screening import screen_join_rows
from quanzi.store import models as m

if TYPE_CHECKING:
    from quanzi.services.projector import BatchProjector


def on_batch(
    session: Session, projector: BatchProjector, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Screen the batch's join requests (before they are stored) and place new arrivals."""
    screen_join_rows(session, projector, rows["join_request"])
    set_strata(session, projector, rows)


def set_strata(
    session: Session, projector: BatchProjector, rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Set a first arrival's stratum from their source; purchases and attendance raise it."""
    arrivals = [
        {"pid": state.id, "stratum": stratum}
        for state in projector.persons.by_key.values()
        if "source" in state.changes and (stratum := strata.from_source(state.source))
    ]
    person = m.table(m.Person)
    if arrivals:
        # Only people not yet placed: an earlier purchase may already have made them strong.
        session.connection().execute(
            update(person)
            .where(person.c.id == bindparam("pid"), person.c.stratum.is_(None))
            .values(stratum=bindparam("stratum")),
            arrivals,
        )
    buyers = sorted({r["person_id"] for r in rows["purchase"] if r["person_id"]})
    if buyers:
        session.execute(
            update(m.Person)
            .where(m.Person.id.in_(buyers), m.Person.stratum.is_distinct_from("strong"))
            .values(stratum="strong")
        )
    attendees = sorted({r["person_id"] for r in rows["attend"] if r["person_id"]})
    if attendees:
        session.execute(
            update(m.Person)
            .where(
                m.Person.id.in_(attendees),
                m.Person.stratum.is_(None) | (m.Person.stratum == "weak"),
            )
            .values(stratum="intent")
        )
