"""attract: stored fission campaigns, inviters' codes and 群活码 groups

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "campaign",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("communities", sa.JSON(), nullable=False),
        sa.Column("starts_at", Ts, nullable=False),
        sa.Column("ends_at", Ts, nullable=False),
        sa.Column("stay_hours", sa.Float(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("key", name=op.f("uq_campaign_key")),
    )
    op.create_table(
        "invite_code",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_invite_code_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_invite_code_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_code")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_code_code")),
        sa.UniqueConstraint(
            "campaign_id", "person_id", name=op.f("uq_invite_code_campaign_person")
        ),
    )
    op.create_index(op.f("ix_invite_code_person_id"), "invite_code", ["person_id"])
    op.create_table(
        "campaign_group",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("community_id", BigId, nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("qr_expires_at", Ts, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("added_at", Ts, nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_group_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
            name=op.f("fk_campaign_group_community_id_community"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_group")),
    )
    op.create_index(op.f("ix_campaign_group_campaign_id"), "campaign_group", ["campaign_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_campaign_group_campaign_id"), table_name="campaign_group")
    op.drop_table("campaign_group")
    op.drop_index(op.f("ix_invite_code_person_id"), table_name="invite_code")
    op.drop_table("invite_code")
    op.drop_table("campaign")
