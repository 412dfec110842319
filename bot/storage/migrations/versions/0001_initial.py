"""Initial schema: users, attempts, reviews.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stored as UTC by bot.storage.models.UTCDateTime; migrations keep to plain SQLAlchemy types.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=256), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("daily_time", sa.String(length=5), nullable=True),
        sa.Column("last_push_at", UTC_DATETIME, nullable=True),
        sa.Column("blocked_at", UTC_DATETIME, nullable=True),
        sa.Column("open_question_id", sa.String(length=64), nullable=True),
        sa.Column("open_asked_at", UTC_DATETIME, nullable=True),
        sa.Column("hints_used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("open_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_question_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 3", name=op.f("ck_users_difficulty_range")),
        sa.CheckConstraint("hints_used >= 0", name=op.f("ck_users_hints_used_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.Column("missed", sa.JSON(), nullable=False),
        sa.Column("contradicted", sa.JSON(), nullable=False),
        sa.Column("hints_used", sa.Integer(), nullable=False),
        sa.Column("gave_up", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_attempts_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    op.create_index("ix_attempts_user_id_created_at", "attempts", ["user_id", "created_at"], unique=False)
    op.create_index("ix_attempts_user_id_question_id", "attempts", ["user_id", "question_id"], unique=False)
    op.create_table(
        "reviews",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("repetitions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interval_days", sa.Float(), server_default="0", nullable=False),
        sa.Column("ease", sa.Float(), server_default="2.5", nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("last_score", sa.Float(), nullable=True),
        sa.Column("seen_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reviews_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "question_id", name=op.f("pk_reviews")),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("reviews")
    op.drop_index("ix_attempts_user_id_question_id", table_name="attempts")
    op.drop_index("ix_attempts_user_id_created_at", table_name="attempts")
    op.drop_table("attempts")
    op.drop_table("users")
