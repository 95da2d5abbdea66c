"""retain: each stage recompute keeps digests of the rows it stored

The next recompute compares digests, not the stored rows, to find which of them it would
write again (a rerun rewrites nothing; new events only the latest checkpoints' rows).

Revision ID: 0012
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("stage_run") as batch:
        batch.add_column(sa.Column("digests", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("stage_run") as batch:
        batch.drop_column("digests")
