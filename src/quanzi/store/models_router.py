"""Router groups: group-buy drops and the lines of their pickup lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class Drop(Base):
    """A group buy opened in one group: product, price, stock, deadline, pickup points."""

    __tablename__ = "groupbuy_drop"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    item: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))
    price: Mapped[float] = mapped_column(Float, default=0.0)
    unit: Mapped[str | None] = mapped_column(String(20))
    stock: Mapped[float | None] = mapped_column(Float)
    deadline: Mapped[datetime | None]
    pickup_points: Mapped[list[str]] = mapped_column(default=list)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    commission_rate: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / closed
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # The 接龙 thread this drop follows (its title), when it was captured from one.
    thread_title: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DropLine(Base):
    """One line of a drop's pickup list: who, how many, note, amount, paid, picked up."""

    __tablename__ = "groupbuy_line"
    __table_args__ = (
        UniqueConstraint("drop_id", "name", "occurrence", name="uq_groupbuy_line_drop_name"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    drop_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_drop.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Which of this name's lines it is: one person may take two lines of a 接龙.
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    seq: Mapped[int | None] = mapped_column(Integer)
    qty: Mapped[float] = mapped_column(Float, default=1.0)
    unit: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(20), default="jielong")  # jielong / api / manual
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / removed
    over_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    picked_up: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Notice(Base):
    """A message waiting to be posted in a group by the bot (or by hand on WeChat)."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # arrival / …
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / sent
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
