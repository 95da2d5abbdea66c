"""Tables of fission campaigns: the campaign, its inviters' codes and its 群活码 groups.
Written only by `quanzi.services.attract_campaigns`; created by migration 0007."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class Campaign(Base):
    """A 任务宝 / 群裂变 campaign: target communities, window, stay hours, reward stages."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The same key as the `campaign` field of `invite` events.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    communities: Mapped[list[str]] = mapped_column(JSON, default=list)  # community keys
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    stay_hours: Mapped[float] = mapped_column(default=24.0)
    # [{"friends": N, "reward": "…"}], ascending by friends.
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active / closed
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class InviteCode(Base):
    """One inviter's code in one campaign (HMAC of campaign and inviter), for poster links."""

    __tablename__ = "invite_code"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_invite_code_campaign_person"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime]


class CampaignGroup(Base):
    """One group behind a campaign's 群活码: its join link or QR text, capacity, QR expiry."""

    __tablename__ = "campaign_group"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    link: Mapped[str] = mapped_column(Text)
    # WeChat groups stop admitting by QR past 200 members.
    capacity: Mapped[int] = mapped_column(Integer, default=200)
    # WeChat group QR codes expire 7 days after they are made.
    qr_expires_at: Mapped[datetime]
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(100))
