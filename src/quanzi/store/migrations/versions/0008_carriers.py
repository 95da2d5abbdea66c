"""carriers: alerts to operators for carriers that cannot be acted on by API

Revision ID: 0008
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "carrier_alert",
        sa.Column("id", BigId, nullable=False),
        sa.Column("community_id", BigId, nullable=False),
        sa.Column("person_id", BigId, nullable=True),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("acknowledged_at", Ts, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_carrier_alert_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_carrier_alert_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_alert")),
        sa.UniqueConstraint("event_id", "kind", name=op.f("uq_carrier_alert_event_kind")),
    )
    op.create_index(op.f("ix_carrier_alert_community_id"), "carrier_alert", ["community_id"])
    op.create_index(op.f("ix_carrier_alert_created_at"), "carrier_alert", ["created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_carrier_alert_created_at"), table_name="carrier_alert")
    op.drop_index(op.f("ix_carrier_alert_community_id"), table_name="carrier_alert")
    op.drop_table("carrier_alert")
