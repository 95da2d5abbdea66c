"""retain: stage history, stage recompute runs, engagement per person per community

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, quanzi.store.models.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "stage_change",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        _ts("ts"),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_stage_change_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_change")),
    )
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_change_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_stage_change_ts", ["ts"], unique=False)

    op.create_table(
        "stage_run",
        sa.Column("id", BIG_ID, nullable=False),
        _ts("as_of"),
        _ts("computed_at"),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_run")),
    )

    op.create_table(
        "engagement",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("person_id", BIG_ID, nullable=False),
        sa.Column("community_id", BIG_ID, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _ts("last_active", nullable=True),
        _ts("as_of"),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_engagement_community_id_community")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_engagement_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement")),
        sa.UniqueConstraint("person_id", "community_id", name="uq_engagement_person_community"),
    )
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_engagement_community_score", ["community_id", "score"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("engagement", schema=None) as batch_op:
        batch_op.drop_index("ix_engagement_community_score")
    op.drop_table("engagement")
    op.drop_table("stage_run")
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_change_ts")
        batch_op.drop_index(batch_op.f("ix_stage_change_person_id"))
    op.drop_table("stage_change")
