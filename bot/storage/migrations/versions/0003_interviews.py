"""Mock interviews: the per-question time limit on users, and the rounds and round items tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the time-limit column and the two interview tables."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("interview_time_limit_s", sa.Integer(), nullable=True))
    op.create_table(
        "interview_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("length", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interview_rounds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_rounds")),
    )
    op.create_index("ix_interview_rounds_user_id_status", "interview_rounds", ["user_id", "status"], unique=False)
    op.create_index(
        "ix_interview_rounds_user_id_started_at", "interview_rounds", ["user_id", "started_at"], unique=False
    )
    op.create_table(
        "interview_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("asked_at", UTC_DATETIME, nullable=True),
        sa.Column("hints_used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("max_score", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.Column("missed", sa.JSON(), nullable=False),
        sa.Column("contradicted", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("follow_up_text", sa.Text(), nullable=True),
        sa.Column("follow_up_concepts", sa.JSON(), nullable=False),
        sa.Column("follow_up_asked_at", UTC_DATETIME, nullable=True),
        sa.Column("follow_up_answer", sa.Text(), nullable=True),
        sa.Column("follow_up_answered_at", UTC_DATETIME, nullable=True),
        sa.Column("follow_up_score", sa.Float(), nullable=True),
        sa.Column("follow_up_credited", sa.JSON(), nullable=False),
        sa.Column("follow_up_late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["interview_rounds.id"],
            name=op.f("fk_interview_items_round_id_interview_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interview_items_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_items")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_interview_items_round_id")),
    )
    op.create_index("ix_interview_items_user_id", "interview_items", ["user_id"], unique=False)


def downgrade() -> None:
    """Drop the interview tables and the time-limit column."""
    op.drop_index("ix_interview_items_user_id", table_name="interview_items")
    op.drop_table("interview_items")
    op.drop_index("ix_interview_rounds_user_id_started_at", table_name="interview_rounds")
    op.drop_index("ix_interview_rounds_user_id_status", table_name="interview_rounds")
    op.drop_table("interview_rounds")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("interview_time_limit_s")
