"""Stored heavy reports: one per report and parameters, valid for one data version.
Written only by `quanzi.services.reports`; created by migration 0011."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId, JoinRequest, Membership


class ReportSnapshot(Base):
    """A report computed for one state of the data (its data version), kept across restarts."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("name", "params", name="uq_report_snapshot_name_params"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # The parameters as canonical JSON (sorted keys), e.g. {"ladder":"main"}.
    params: Mapped[str] = mapped_column(String(500))
    # The data version the body was computed at; any other version means recompute.
    version: Mapped[str] = mapped_column(String(500))
    # The report's format and the stored classes' shape: another code version reads no body.
    format: Mapped[str] = mapped_column(String(60))
    computed_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


# The data version reads the newest screening decision: from the index, not a scan.
Index("ix_join_request_decided_at", JoinRequest.decided_at)
# The review queue lists requests newest first, of one verdict or of all.
Index("ix_join_request_verdict_ts", JoinRequest.verdict, JoinRequest.ts)
Index("ix_join_request_ts", JoinRequest.ts)
# Members per community (overview, health) counted from the index alone.
Index(
    "ix_membership_community_status_person",
    Membership.community_id,
    Membership.status,
    Membership.person_id,
)
