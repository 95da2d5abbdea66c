"""metrics: fill state and per-day values of the incrementally filled metrics

Revision ID: 0009
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "metric_fill",
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("target_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("updated_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("metric", name=op.f("pk_metric_fill")),
    )
    op.create_table(
        "metric_value",
        sa.Column("id", BigId, nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_value")),
        sa.UniqueConstraint("metric", "key", "day", name=op.f("uq_metric_value_metric_key_day")),
    )
    op.create_index("ix_metric_value_metric_day", "metric_value", ["metric", "day"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_metric_value_metric_day", table_name="metric_value")
    op.drop_table("metric_value")
    op.drop_table("metric_fill")
