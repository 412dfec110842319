"""Database functions for users' own decks (``bot.services.decks``): the session passed in, never a commit.

Every function but the two admin ones is scoped by the owner's id, so no user can read or
change another user's deck, whatever id a button carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.decks import DeckStatus
from bot.storage.models import Deck


async def private_decks(*, session: AsyncSession, owner_id: int) -> Sequence[Deck]:
    """The owner's decks that only they practise, oldest first."""
    stmt = select(Deck).where(Deck.owner_id == owner_id, Deck.status == DeckStatus.PRIVATE).order_by(Deck.id)
    return (await session.scalars(stmt)).all()


async def list_decks(*, session: AsyncSession, owner_id: int) -> Sequence[Deck]:
    """Every deck the owner sent, private or published, oldest first."""
    return (await session.scalars(select(Deck).where(Deck.owner_id == owner_id).order_by(Deck.id))).all()


async def get_deck(*, session: AsyncSession, owner_id: int, deck_id: int) -> Deck | None:
    """The owner's deck with this id, or None (also when the id is someone else's deck)."""
    stmt = select(Deck).where(Deck.id == deck_id, Deck.owner_id == owner_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_deck(
    *,
    session: AsyncSession,
    owner_id: int,
    topic: str,
    title: str,
    filename: str,
    questions: int,
    yaml_text: str,
    now: datetime,
) -> Deck:
    """Store a checked deck as the owner's private deck."""
    deck = Deck(
        owner_id=owner_id,
        topic=topic,
        title=title,
        filename=filename,
        questions=questions,
        yaml_text=yaml_text,
        status=DeckStatus.PRIVATE,
        created_at=now,
    )
    session.add(deck)
    await session.flush()
    return deck


async def get_deck_for_admin(*, session: AsyncSession, deck_id: int) -> Deck | None:
    """Any user's deck (admins publishing it; the caller checks the admin)."""
    return (await session.execute(select(Deck).where(Deck.id == deck_id).with_for_update())).scalar_one_or_none()


async def submitted_decks(*, session: AsyncSession) -> Sequence[Deck]:
    """Private decks whose owners asked for them to be published, oldest request first (admins)."""
    stmt = (
        select(Deck)
        .where(Deck.status == DeckStatus.PRIVATE, Deck.submitted_at.is_not(None))
        .order_by(Deck.submitted_at, Deck.id)
    )
    return (await session.scalars(stmt)).all()


async def delete_deck(*, session: AsyncSession, deck: Deck) -> None:
    """Delete one deck row (the caller found it by its owner)."""
    await session.delete(deck)


async def other_private_decks(*, session: AsyncSession, deck_id: int) -> Sequence[Deck]:
    """Every user's private decks but ``deck_id`` (admins publishing it: which of them it shadows)."""
    stmt = select(Deck).where(Deck.status == DeckStatus.PRIVATE, Deck.id != deck_id).order_by(Deck.id)
    return (await session.scalars(stmt)).all()
