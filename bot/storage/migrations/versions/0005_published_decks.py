"""Published decks in the database: ``published_decks``, the ``bank_state`` version row, and ``DECKS_DIR`` imported.

Published decks used to be YAML files in ``DECKS_DIR`` and in one process's memory: a second
bot process never saw a publish, and a platform that wipes its disk on deploy lost them.
This migration copies the files found in ``DECKS_DIR`` (handed over by
``bot.storage.db.migrate_engine``; none when it is not given) into ``published_decks`` once.
The files are left where they are; nothing reads them any more.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from alembic import context, op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
logger = logging.getLogger(__name__)


def upgrade() -> None:
    """Create the two tables, start the bank at version 1, and import the published deck files."""
    decks = op.create_table(
        "published_decks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("filename", sa.String(length=256), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("source_deck_id", sa.Integer(), nullable=True),
        sa.Column("published_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_decks")),
        sa.UniqueConstraint("topic", name=op.f("uq_published_decks_topic")),
    )
    state = op.create_table(
        "bank_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_state")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(state, [{"id": 1, "version": 1, "changed_at": now}])
    rows = _deck_files(context.config.attributes.get("decks_dir"), now)
    if rows:
        op.bulk_insert(decks, rows)


def _deck_files(folder: Path | None, now: datetime) -> list[dict[str, Any]]:
    """The published deck files of ``folder`` as rows, one per topic (a file that cannot be read is logged and left)."""
    if folder is None or not Path(folder).is_dir():
        return []
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
            data = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            logger.warning("Published deck %s not imported: %s", path, exc)
            continue
        topic = data.get("topic") if isinstance(data, dict) else None
        questions = data.get("questions") if isinstance(data, dict) else None
        if not isinstance(topic, str) or not isinstance(questions, list) or topic in rows:
            logger.warning("Published deck %s not imported: no topic and questions, or a topic seen before", path)
            continue
        title = data.get("title")
        rows[topic] = {
            "topic": topic[:64],
            "title": str(title or topic)[:256],
            "filename": path.name[:256],
            "questions": len(questions),
            "yaml_text": text,
            "source_deck_id": None,
            "published_at": now,
        }
    logger.info("Imported %d published deck(s) from %s", len(rows), folder)
    return list(rows.values())


def downgrade() -> None:
    """Drop both tables (the published decks in them are lost: export them first)."""
    op.drop_table("bank_state")
    op.drop_table("published_decks")
