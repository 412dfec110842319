"""Ids that are never given out twice, and the daily question's time and zone kept across /unsubscribe.

Buttons carry round and deck ids. SQLite hands out the largest id in the table plus one, so
after /delete_me (or a deleted deck) the next round got id 1 again and an old Pass button acted
on the new round's question. ``AUTOINCREMENT`` makes SQLite never reuse an id, as PostgreSQL's
sequences never do. SQLite cannot alter that in place, so ``interview_rounds`` and ``decks``
are copied into new tables. The rounds' items are kept aside meanwhile: dropping the old rounds
table deletes them through ``ON DELETE CASCADE`` (the migration runs with foreign keys on, in
one transaction), and they are put back once the new table has the old name.

``users.last_daily_time`` keeps the time of the daily question after /unsubscribe (and after a
block), so /subscribe alone brings it back; ``users.timezone_chosen`` records that the user said
which zone they are in, so /subscribe does not ask again. Nobody has said so yet: existing
users are asked once more on their next /subscribe without a zone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two user columns; on SQLite, make round and deck ids AUTOINCREMENT."""
    op.add_column("users", sa.Column("last_daily_time", sa.String(length=5), nullable=True))
    op.add_column("users", sa.Column("timezone_chosen", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE users SET last_daily_time = daily_time WHERE daily_time IS NOT NULL")
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's sequences never give an id out twice
    op.execute("CREATE TABLE _interview_items_kept AS SELECT * FROM interview_items")
    for table in ("interview_rounds", "decks"):
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
    op.execute("INSERT INTO interview_items SELECT * FROM _interview_items_kept")
    op.execute("DROP TABLE _interview_items_kept")


def downgrade() -> None:
    """Drop the two user columns (round and deck ids stay AUTOINCREMENT: the earlier schema works with it)."""
    op.drop_column("users", "timezone_chosen")
    op.drop_column("users", "last_daily_time")
