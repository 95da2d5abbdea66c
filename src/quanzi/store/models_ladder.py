"""Tables of the paid ladder: rung benefits, step-up tasks and their redemptions, segments
and offers. Written only by `quanzi.services.ladder`; created by migration 0003."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class RungBenefit(Base):
    """The benefits a rung promises its members (每日内容、每月活动、闭门会议、团建…)."""

    __tablename__ = "rung_benefit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # domain.ladder.BENEFITS
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class StepTask(Base):
    """A step-up task: reach a target in a window on one rung, earn a reward for the next."""

    __tablename__ = "step_task"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    target_community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    metric: Mapped[str] = mapped_column(String(20))  # domain.ladder.TASK_METRICS
    target: Mapped[float] = mapped_column(Float)
    # attend and speak_days count what happens in the task's rung only, or anywhere.
    anywhere: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reward_kind: Mapped[str] = mapped_column(String(20))  # percent / fixed / price
    reward_value: Mapped[float] = mapped_column(Float)
    redeem_until: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class TaskRedemption(Base):
    """A completer who bought the task's next rung: the order and the reward they were due."""

    __tablename__ = "task_redemption"
    __table_args__ = (UniqueConstraint("task_id", "person_id", name="uq_task_redemption_task"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("step_task.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    completed_at: Mapped[datetime]
    list_price: Mapped[float] = mapped_column(Float)
    reward_price: Mapped[float] = mapped_column(Float)
    paid: Mapped[float] = mapped_column(Float)
    ts: Mapped[datetime]  # when the rung was bought
    recorded_at: Mapped[datetime]


class Segment(Base):
    """A saved filter over people (人群包); `filters` is domain.segments.SegmentFilter."""

    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class Offer(Base):
    """A discount (percent or fixed) on an item, to a segment or a stratum, in a window."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # percent / fixed
    value: Mapped[float] = mapped_column(Float)
    item: Mapped[str] = mapped_column(String(200))  # tier:<community> or a product key
    list_price: Mapped[float | None] = mapped_column(Float)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"), index=True)
    stratum: Mapped[str | None] = mapped_column(String(20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
