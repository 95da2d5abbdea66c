"""store: index the event log by time, so the newest and oldest event are found at once

Revision ID: 0010
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_event_ts", "event", ["ts"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_event_ts", table_name="event")
