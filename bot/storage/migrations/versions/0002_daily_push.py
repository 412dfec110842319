"""Daily push: the next-push index on users, weekdays-only, and the deliveries claim table.

Also drops two columns nothing reads any more: ``open_message_id`` and ``last_push_at``
(replaced by ``deliveries``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the push columns and the deliveries table."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("push_weekdays_only", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("next_push_at", UTC_DATETIME, nullable=True))
        batch.drop_column("open_message_id")
        batch.drop_column("last_push_at")
    op.create_index("ix_users_next_push_at", "users", ["next_push_at"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("scheduled_for", UTC_DATETIME, nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("error", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deliveries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("user_id", "local_date", name=op.f("uq_deliveries_user_id")),
    )
    op.create_index("ix_deliveries_status_claimed_at", "deliveries", ["status", "claimed_at"], unique=False)


def downgrade() -> None:
    """Drop the deliveries table and the push columns; restore the two dropped columns (empty)."""
    op.drop_index("ix_deliveries_status_claimed_at", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_users_next_push_at", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("last_push_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("open_message_id", sa.BigInteger(), nullable=True))
        batch.drop_column("next_push_at")
        batch.drop_column("push_weekdays_only")
