"""Study groups: ``groups``, ``group_questions``, ``group_answers``, ``group_members`` and ``group_deliveries``.

Written on the ``groups`` branch while 0006 was written on another, and chained after 0006
when both were merged (this migration touches no table of 0006's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the five tables of study groups."""
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("supergroup", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("left_at", UTC_DATETIME, nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("daily_time", sa.String(length=5), nullable=True),
        sa.Column("push_weekdays_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_push_at", UTC_DATETIME, nullable=True),
        sa.Column("last_posted_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_groups_chat_id")),
    )
    op.create_index("ix_groups_next_push_at", "groups", ["next_push_at"], unique=False)
    op.create_table(
        "group_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=False),
        sa.Column("closes_at", UTC_DATETIME, nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("close_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_questions_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_questions")),
    )
    op.create_index("ix_group_questions_group_id_status", "group_questions", ["group_id", "status"], unique=False)
    op.create_index("ix_group_questions_chat_id_message_id", "group_questions", ["chat_id", "message_id"], unique=False)
    op.create_index("ix_group_questions_status_closes_at", "group_questions", ["status", "closes_at"], unique=False)
    op.create_table(
        "group_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_question_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("try_number", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_question_id"],
            ["group_questions.id"],
            name=op.f("fk_group_answers_group_question_id_group_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_answers_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_answers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_answers")),
        sa.UniqueConstraint(
            "group_question_id", "user_id", "try_number", name=op.f("uq_group_answers_group_question_id")
        ),
    )
    op.create_index("ix_group_answers_group_id_answered_at", "group_answers", ["group_id", "answered_at"], unique=False)
    op.create_index("ix_group_answers_user_id", "group_answers", ["user_id"], unique=False)
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("joined_at", UTC_DATETIME, nullable=False),
        sa.Column("hinted_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_members_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_group_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_table(
        "group_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("scheduled_for", UTC_DATETIME, nullable=False),
        sa.Column("group_question_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("error", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_deliveries_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_deliveries")),
        sa.UniqueConstraint("group_id", "local_date", name=op.f("uq_group_deliveries_group_id")),
    )
    op.create_index("ix_group_deliveries_status_claimed_at", "group_deliveries", ["status", "claimed_at"], unique=False)


def downgrade() -> None:
    """Drop the five tables (every group's questions, answers and scores are lost)."""
    op.drop_index("ix_group_deliveries_status_claimed_at", table_name="group_deliveries")
    op.drop_table("group_deliveries")
    op.drop_table("group_members")
    op.drop_index("ix_group_answers_user_id", table_name="group_answers")
    op.drop_index("ix_group_answers_group_id_answered_at", table_name="group_answers")
    op.drop_table("group_answers")
    op.drop_index("ix_group_questions_status_closes_at", table_name="group_questions")
    op.drop_index("ix_group_questions_chat_id_message_id", table_name="group_questions")
    op.drop_index("ix_group_questions_group_id_status", table_name="group_questions")
    op.drop_table("group_questions")
    op.drop_index("ix_groups_next_push_at", table_name="groups")
    op.drop_table("groups")
