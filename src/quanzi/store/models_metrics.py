"""Metric tables filled incrementally: per-metric fill state and per-day values."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class MetricFill(Base):
    """How far one metric has been filled: a step is `started` before and `done` after."""

    __tablename__ = "metric_fill"

    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # started / done
    # Every event up to this id is reflected in the metric's values.
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # The event id the step in progress fills up to; a re-run after a crash redoes that step.
    target_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # The newest local day that has a value (None until the first fill finds any event).
    last_day: Mapped[date | None]
    updated_at: Mapped[datetime]


class MetricValue(Base):
    """One metric's value for one key (a community or a campaign) on one local day."""

    __tablename__ = "metric_value"
    __table_args__ = (
        UniqueConstraint("metric", "key", "day", name="uq_metric_value_metric_key_day"),
        Index("ix_metric_value_metric_day", "metric", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    metric: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(200))
    day: Mapped[date]
    value: Mapped[float] = mapped_column(Float)
