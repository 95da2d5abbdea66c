"""SQLAlchemy models: current state derived from the append-only event log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger primary keys still autoincrement on SQLite only as INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; SQLite keeps no offset, so store naive UTC there."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the backend gave."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def sqlite_stored(value: datetime) -> str:
    """Return an aware time as `UtcDateTime` stores it on SQLite: naive UTC text, to the µs
    (SQLAlchemy's own format), for writers that bind values on the raw cursor."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: UtcDateTime}  # noqa: RUF012


class Community(Base):
    """A community on one carrier, with its declared purpose and place on a ladder."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(20))
    carrier: Mapped[str | None] = mapped_column(String(20))
    price: Mapped[float] = mapped_column(Float, default=0.0)
    ladder: Mapped[str | None] = mapped_column(String(100), index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    # Time of the newest `community` event applied; None until the community is declared.
    declared_at: Mapped[datetime | None]


class Person(Base):
    """A person across carriers; `key` is the first identity seen (`carrier:account`)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[str | None] = mapped_column(String(30))
    stratum: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(20))
    stage_reason: Mapped[str | None] = mapped_column(Text)
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    consent: Mapped[bool | None] = mapped_column(Boolean)
    # When the person was first seen; the latest activity is read from the event log.
    first_seen: Mapped[datetime]
    # Name last set at this event time; an older event never overwrites a newer name.
    name_at: Mapped[datetime | None]
    forgotten_at: Mapped[datetime | None]


class Identity(Base):
    """One account of a person on one carrier."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("carrier", "account", name="uq_identity_carrier_account"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(30))
    account: Mapped[str] = mapped_column(String(200))


class Membership(Base):
    """A person's membership of one community: current status and role."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("community_id", "person_id", name="uq_membership_community_person"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / left / kicked
    role: Mapped[str] = mapped_column(String(20), default="member")
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    via: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(30))
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # Time of the last event applied, so an older event arriving late changes nothing.
    changed_at: Mapped[datetime]


class JoinRequest(Base):
    """A request to join a community, and the verdict on it."""

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    ts: Mapped[datetime]
    name: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    avatar: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(30))
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    via: Mapped[str | None] = mapped_column(String(200))
    verdict: Mapped[str | None] = mapped_column(String(20))  # admit / review / reject
    reasons: Mapped[list[str]] = mapped_column(default=list)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]


class Event(Base):
    """The append-only log of canonical events; `source_id` is the event's `id`."""

    __tablename__ = "event"
    __table_args__ = (
        # With the person, counts of people per community and window read the index alone.
        Index("ix_event_community_kind_ts_person", "community_id", "kind", "ts", "person_id"),
        Index("ix_event_person_ts", "person_id", "ts"),
        Index("ix_event_kind_ts", "kind", "ts"),
        # "Now" on every page is the newest event's time: min/max(ts) must not scan the log.
        Index("ix_event_ts", "ts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(200), unique=True)
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    payload: Mapped[dict[str, Any]]
    ingested_at: Mapped[datetime]


class Order(Base):
    """A purchase (a paid rung or a product), refunded or not."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_order_community_ts", "community_id", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_key: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    item: Mapped[str] = mapped_column(String(200), index=True)
    qty: Mapped[float] = mapped_column(Float, default=1.0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    source: Mapped[str] = mapped_column(String(20), default="event")  # event / jielong / api
    status: Mapped[str] = mapped_column(String(20), default="paid")  # paid / refunded
    ts: Mapped[datetime]
    refunded_at: Mapped[datetime | None]


class Invite(Base):
    """A share or referral from one person to another, with its outcome."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    campaign: Mapped[str | None] = mapped_column(String(100), index=True)
    via: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="sent")  # sent / joined / …
    reason: Mapped[str | None] = mapped_column(Text)


class Activity(Base):
    """An organ doing its work in a community: a report, a topic, a salon, a meeting."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    organ: Mapped[str | None] = mapped_column(String(30))
    title: Mapped[str | None] = mapped_column(String(300))
    ts: Mapped[datetime | None]
    host_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class Attendance(Base):
    """A person taking part in an activity."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id", name="uq_attendance_activity_person"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    ts: Mapped[datetime]


class Operator(Base):
    """A console login: admin, operator or viewer."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class AuditLog(Base):
    """Who did what to which thing, for every change an operator makes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ts: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


def table(model: type[Base]) -> Table:
    """Return a model's Core table, for executemany inserts that skip the ORM's per-row work."""
    return cast(Table, model.__table__)


from quanzi.store import models_attract as models_attract  # noqa: E402
from quanzi.store import models_carriers as models_carriers  # noqa: E402
from quanzi.store import models_filter as models_filter  # noqa: E402
from quanzi.store import models_ladder as models_ladder  # noqa: E402
from quanzi.store import models_metrics as models_metrics  # noqa: E402
from quanzi.store import models_reports as models_reports  # noqa: E402
from quanzi.store import models_retain as models_retain  # noqa: E402
from quanzi.store import models_router as models_router  # noqa: E402
