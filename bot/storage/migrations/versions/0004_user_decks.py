"""Users' own decks: the ``decks`` table and the per-user deck version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add ``users.deck_version`` and the ``decks`` table."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deck_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "decks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("filename", sa.String(length=256), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("submitted_at", UTC_DATETIME, nullable=True),
        sa.Column("published_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_decks_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decks")),
        sa.UniqueConstraint("owner_id", "topic", name=op.f("uq_decks_owner_id")),
    )
    op.create_index("ix_decks_status_submitted_at", "decks", ["status", "submitted_at"], unique=False)


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_decks_status_submitted_at", table_name="decks")
    op.drop_table("decks")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deck_version")
