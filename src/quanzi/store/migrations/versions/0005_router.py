"""router: group-buy drops and their pickup lines

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "groupbuy_drop",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("community_id", BigId, nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("stock", sa.Float(), nullable=True),
        sa.Column("deadline", Ts, nullable=True),
        sa.Column("pickup_points", sa.JSON(), nullable=False),
        sa.Column("leader_id", BigId, nullable=True),
        sa.Column("commission_rate", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", Ts, nullable=False),
        sa.Column("closed_at", Ts, nullable=True),
        sa.Column("thread_title", sa.String(length=300), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_groupbuy_drop_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["person.id"], name=op.f("fk_groupbuy_drop_leader_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_drop")),
        sa.UniqueConstraint("key", name=op.f("uq_groupbuy_drop_key")),
    )
    op.create_index(op.f("ix_groupbuy_drop_community_id"), "groupbuy_drop", ["community_id"])
    op.create_index(op.f("ix_groupbuy_drop_item"), "groupbuy_drop", ["item"])
    op.create_table(
        "groupbuy_line",
        sa.Column("id", BigId, nullable=False),
        sa.Column("drop_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("person_id", BigId, nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("over_stock", sa.Boolean(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("picked_up", sa.Boolean(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("updated_at", Ts, nullable=False),
        sa.ForeignKeyConstraint(
            ["drop_id"], ["groupbuy_drop.id"], name=op.f("fk_groupbuy_line_drop_id_groupbuy_drop")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_groupbuy_line_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupbuy_line")),
        sa.UniqueConstraint(
            "drop_id", "name", "occurrence", name=op.f("uq_groupbuy_line_drop_name")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("groupbuy_line")
    op.drop_index(op.f("ix_groupbuy_drop_item"), table_name="groupbuy_drop")
    op.drop_index(op.f("ix_groupbuy_drop_community_id"), table_name="groupbuy_drop")
    op.drop_table("groupbuy_drop")
