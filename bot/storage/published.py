"""Database functions of the bank in service: the published decks and the bank's version row.

Keyword-only arguments, the session passed in, never a commit (``bot.services.library`` owns
the unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from bot.storage.models import BankState, PublishedDeck
from bot.storage.repository import dialect_insert
from bot.storage.unit_of_work import Session

STATE_ID = 1
"""The one row of ``bank_state``."""


async def bank_version(*, session: Session) -> int:
    """The version of the bank in service, as the last publish or /reload left it."""
    return int((await session.execute(select(BankState.version).where(BankState.id == STATE_ID))).scalar_one())


async def bump_bank_version(*, session: Session, now: datetime) -> int:
    """A publish or /reload changed the bank: a new version (every process reloads when it sees it)."""
    stmt = (
        update(BankState)
        .where(BankState.id == STATE_ID)
        .values(version=BankState.version + 1, changed_at=now)
        .returning(BankState.version)
    )
    return int((await session.execute(stmt)).scalar_one())


async def published_decks(*, session: Session) -> Sequence[PublishedDeck]:
    """Every published deck, oldest first."""
    return (await session.scalars(select(PublishedDeck).order_by(PublishedDeck.id))).all()


async def add_published_deck(
    *,
    session: Session,
    topic: str,
    title: str,
    filename: str,
    questions: int,
    yaml_text: str,
    source_deck_id: int | None,
    now: datetime,
) -> bool:
    """Publish a deck; False (nothing changed) if a published deck has that topic already."""
    insert = dialect_insert(session)
    stmt = (
        insert(PublishedDeck)
        .values(
            topic=topic,
            title=title,
            filename=filename,
            questions=questions,
            yaml_text=yaml_text,
            source_deck_id=source_deck_id,
            published_at=now,
        )
        .on_conflict_do_nothing(index_elements=[PublishedDeck.topic])
        .returning(PublishedDeck.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
