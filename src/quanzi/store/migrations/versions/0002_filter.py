"""filter: rule sets, avatar blocklist, review decisions, join request lookups

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import quanzi.store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = quanzi.store.models.UtcDateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "filter_rules",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["community.id"], name=op.f("fk_filter_rules_community_id_community")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_rules")),
        sa.UniqueConstraint("community_id", name=op.f("uq_filter_rules_community_id")),
    )
    op.create_table(
        "avatar_block",
        sa.Column("id", ID, nullable=False),
        sa.Column("phash", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_avatar_block")),
        sa.UniqueConstraint("phash", name=op.f("uq_avatar_block_phash")),
    )
    op.create_table(
        "screen_review",
        sa.Column("id", ID, nullable=False),
        sa.Column("join_request_id", ID, nullable=False),
        sa.Column("before", sa.String(length=20), nullable=True),
        sa.Column("after", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("ts", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["join_request_id"],
            ["join_request.id"],
            name=op.f("fk_screen_review_join_request_id_join_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screen_review")),
    )
    with op.batch_alter_table("screen_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screen_review_join_request_id"), ["join_request_id"], unique=False
        )
    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.create_index("ix_join_request_avatar", ["avatar"], unique=False)
        batch_op.create_index("ix_join_request_inviter_id", ["inviter_id"], unique=False)
        batch_op.create_index("ix_join_request_via", ["via"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.drop_index("ix_join_request_via")
        batch_op.drop_index("ix_join_request_inviter_id")
        batch_op.drop_index("ix_join_request_avatar")
    with op.batch_alter_table("screen_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screen_review_join_request_id"))
    op.drop_table("screen_review")
    op.drop_table("avatar_block")
    op.drop_table("filter_rules")
