"""reports: stored heavy reports per data version; indexes that keep console pages bounded

The newest screening decision (part of the data version) is read from an index; the
community/kind/time index of the event log also holds the person, so counting people in
a window reads the index alone, as do members per community; the review queue is read
newest first from an index.

Revision ID: 0011
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "report_snapshot",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("params", sa.String(length=500), nullable=False),
        sa.Column("version", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=60), nullable=False),
        sa.Column("computed_at", Ts, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshot")),
        sa.UniqueConstraint("name", "params", name=op.f("uq_report_snapshot_name_params")),
    )
    op.create_index("ix_join_request_decided_at", "join_request", ["decided_at"])
    op.create_index("ix_join_request_verdict_ts", "join_request", ["verdict", "ts"])
    op.create_index("ix_join_request_ts", "join_request", ["ts"])
    op.create_index(
        "ix_membership_community_status_person",
        "membership",
        ["community_id", "status", "person_id"],
    )
    op.create_index(
        "ix_event_community_kind_ts_person", "event", ["community_id", "kind", "ts", "person_id"]
    )
    op.drop_index("ix_event_community_kind_ts", table_name="event")


def downgrade() -> None:
    """Revert this revision."""
    op.create_index("ix_event_community_kind_ts", "event", ["community_id", "kind", "ts"])
    op.drop_index("ix_event_community_kind_ts_person", table_name="event")
    op.drop_index("ix_membership_community_status_person", table_name="membership")
    op.drop_index("ix_join_request_ts", table_name="join_request")
    op.drop_index("ix_join_request_verdict_ts", table_name="join_request")
    op.drop_index("ix_join_request_decided_at", table_name="join_request")
    op.drop_table("report_snapshot")
