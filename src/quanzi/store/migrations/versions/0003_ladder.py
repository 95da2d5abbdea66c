"""ladder: rung benefits, step-up tasks and redemptions, segments, offers

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, quanzi.store.models.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "rung_benefit",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _ts("updated_at"),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_rung_benefit_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rung_benefit")),
    )
    with op.batch_alter_table("rung_benefit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rung_benefit_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "step_task",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.Column("target_community_id", BIG_ID, nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("anywhere", sa.Boolean(), nullable=False),
        _ts("starts_at"),
        _ts("ends_at"),
        sa.Column("reward_kind", sa.String(length=20), nullable=False),
        sa.Column("reward_value", sa.Float(), nullable=False),
        _ts("redeem_until"),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_step_task_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["target_community_id"],
            ["community.id"],
            name=op.f("fk_step_task_target_community_id_community"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_task")),
        sa.UniqueConstraint("key", name=op.f("uq_step_task_key")),
    )
    with op.batch_alter_table("step_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_task_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "segment",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("key", name=op.f("uq_segment_key")),
    )

    op.create_table(
        "task_redemption",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("task_id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("order_id", BIG_ID, nullable=False),
        _ts("completed_at"),
        sa.Column("list_price", sa.Float(), nullable=False),
        sa.Column("reward_price", sa.Float(), nullable=False),
        sa.Column("paid", sa.Float(), nullable=False),
        _ts("ts"),
        _ts("recorded_at"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_task_redemption_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_task_redemption_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["step_task.id"], name=op.f("fk_task_redemption_task_id_step_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_redemption")),
        sa.UniqueConstraint("task_id", "person_id", name="uq_task_redemption_task"),
    )
    with op.batch_alter_table("task_redemption", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_redemption_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "offer",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("list_price", sa.Float(), nullable=True),
        sa.Column("segment_id", BIG_ID, nullable=True),
        sa.Column("stratum", sa.String(length=20), nullable=True),
        _ts("starts_at"),
        _ts("ends_at"),
        _ts("created_at"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segment.id"], name=op.f("fk_offer_segment_id_segment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer")),
        sa.UniqueConstraint("key", name=op.f("uq_offer_key")),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_segment_id"), ["segment_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_segment_id"))
    op.drop_table("offer")
    with op.batch_alter_table("task_redemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_redemption_person_id"))
    op.drop_table("task_redemption")
    op.drop_table("segment")
    with op.batch_alter_table("step_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_task_community_id"))
    op.drop_table("step_task")
    with op.batch_alter_table("rung_benefit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rung_benefit_community_id"))
    op.drop_table("rung_benefit")
