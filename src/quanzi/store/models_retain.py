"""Tables of the retain area: stage history, stage recompute runs, engagement per community."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class StageChange(Base):
    """A person's move between relationship stages, as the recompute placed it (retain)."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_ts", "ts"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    ts: Mapped[datetime]
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    engagement: Mapped[float] = mapped_column(Float, default=0.0)


class StageRun(Base):
    """One recompute of stages: up to which event and which time it saw."""

    __tablename__ = "stage_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    as_of: Mapped[datetime]
    computed_at: Mapped[datetime]
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    # Digests of what this run stored (JSON: per checkpoint, of the engagement table and of
    # everyone's final places, with the people's count and largest id), so the next run knows
    # which stored rows it would write again without reading them.
    digests: Mapped[str | None] = mapped_column(Text)


class Engagement(Base):
    """A person's engagement in one community at the last recompute (retain)."""

    __tablename__ = "engagement"
    __table_args__ = (
        UniqueConstraint("person_id", "community_id", name="uq_engagement_person_community"),
        Index("ix_engagement_community_score", "community_id", "score"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    last_active: Mapped[datetime | None]
    as_of: Mapped[datetime]
