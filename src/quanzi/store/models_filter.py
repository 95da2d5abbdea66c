"""Tables of the filter area: rule sets, the avatar blocklist, and reviewers' decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId, JoinRequest

# The ring and burst rules look requests up by avatar, inviter and invite code.
Index("ix_join_request_avatar", JoinRequest.avatar)
Index("ix_join_request_inviter_id", JoinRequest.inviter_id)
Index("ix_join_request_via", JoinRequest.via)


class FilterRules(Base):
    """A TOML rule set as an operator wrote it: the installation's (no community) or one's."""

    __tablename__ = "filter_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class AvatarBlock(Base):
    """An influencer or stock avatar, by perceptual hash: near copies are screened out."""

    __tablename__ = "avatar_block"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phash: Mapped[str] = mapped_column(String(30), unique=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime]


class ScreenReview(Base):
    """A reviewer's decision on a join request, with the verdict it replaced."""

    __tablename__ = "screen_review"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    join_request_id: Mapped[int] = mapped_column(ForeignKey("join_request.id"), index=True)
    before: Mapped[str | None] = mapped_column(String(20))
    after: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    ts: Mapped[datetime]
