"""Users' own decks: private to their owner until an admin publishes them.

Anyone can send a deck (CSV, Markdown or a bank YAML file). It is checked like an admin's
(``bot.services.library.check_deck``) against the sender's own pool: the bank in service plus
their other decks, so ids and topics stay unique for them. A clean deck is stored in the
``decks`` table as the sender's private deck and served to them alone
(``Practice.pool_in``); a broken one is rejected with its line numbers and nothing is stored.

The owner can practise it (``/question <topic>``), delete it, or ask the admins to publish
it. Publishing, by an admin, writes it to the published decks and reloads the bank
(``Library.publish``): its questions keep their ids, so the owner's progress carries over.

Every owner-side action is scoped by the acting user's id in the query itself, so a deck id
in a forged button finds nothing that is not the presser's.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from bot.domain.conversation import ConfirmationExpired, confirmation_stands
from bot.domain.decks import (
    AlreadySubmitted,
    DeckInfo,
    DeckLimit,
    DeckNotFound,
    DeckPublished,
    DeckReady,
    DeckRejected,
    DeckStatus,
    DeleteDeckAsked,
    ReloadFailed,
)
from bot.domain.pool import OwnedDeck, StoredDeck, shadowed_by
from bot.domain.users import UserRef
from bot.services.library import Library
from bot.services.practice import Practice
from bot.storage import decks as storage
from bot.storage.models import Deck, User

logger = logging.getLogger(__name__)

MAX_DECKS_PER_USER = 20
"""Private decks one user may keep (each is checked whole on every new one)."""
MAX_PRIVATE_QUESTIONS = 300
"""Questions in one user's private decks together."""


def _info(row: Deck) -> DeckInfo:
    return DeckInfo(
        id=row.id,
        owner_id=row.owner_id,
        topic=row.topic,
        title=row.title,
        filename=row.filename,
        questions=row.questions,
        status=row.status,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
    )


def _bump(user: User) -> None:
    """The user's decks changed: every process rebuilds their pool on their next message."""
    user.deck_version = (user.deck_version or 0) + 1


class UserDecks:
    """Add, list, delete and publish users' own decks."""

    def __init__(self, practice: Practice, library: Library) -> None:
        self.practice = practice
        self.library = library

    async def check(self, who: UserRef, filename: str, data: bytes) -> DeckReady | DeckRejected | DeckLimit:
        """Check a deck the user sent against their own pool (bank plus their decks); stores nothing."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            pool = await self.practice.pools.pool_in(session, user)
            rows = await storage.list_decks(session=session, owner_id=user.id)
        private = [r for r in rows if r.status == DeckStatus.PRIVATE]
        private_questions = sum(r.questions for r in private)
        if len(rows) >= MAX_DECKS_PER_USER or private_questions >= MAX_PRIVATE_QUESTIONS:
            return DeckLimit(MAX_DECKS_PER_USER, MAX_PRIVATE_QUESTIONS)
        result = await self.library.check(filename, data, pool=pool.bank)
        if isinstance(result, DeckReady) and private_questions + result.questions > MAX_PRIVATE_QUESTIONS:
            return DeckLimit(MAX_DECKS_PER_USER, MAX_PRIVATE_QUESTIONS)
        return result

    async def add(self, who: UserRef, deck: DeckReady) -> DeckInfo | DeckLimit | DeckRejected:
        """Store a checked deck as the user's private deck."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            rows = await storage.list_decks(session=session, owner_id=user.id)
            if any(r.topic == deck.topic for r in rows):
                problem = f"{deck.filename}: you already have a deck with topic {deck.topic!r}; delete it first"
                return DeckRejected(deck.filename, (problem,))
            private = sum(r.questions for r in rows if r.status == DeckStatus.PRIVATE)
            if len(rows) >= MAX_DECKS_PER_USER or private + deck.questions > MAX_PRIVATE_QUESTIONS:
                return DeckLimit(MAX_DECKS_PER_USER, MAX_PRIVATE_QUESTIONS)
            row = await storage.add_deck(
                session=session,
                owner_id=user.id,
                topic=deck.topic,
                title=deck.title,
                filename=deck.filename,
                questions=deck.questions,
                yaml_text=deck.yaml_text,
                now=now,
            )
            _bump(user)
            logger.info("User %d added private deck %d (%d questions)", user.id, row.id, row.questions)
            return _info(row)

    async def mine(self, who: UserRef) -> list[DeckInfo]:
        """The user's decks, oldest first, each private one with how much of it the bank now shadows."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            pool = await self.practice.pools.pool_in(session, user)
            rows = await storage.list_decks(session=session, owner_id=user.id)
            return [replace(_info(r), left_out=pool.left_out.get(r.id, 0)) for r in rows]

    async def get(self, who: UserRef, deck_id: int) -> DeckInfo | DeckNotFound:
        """One of the user's decks."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await storage.get_deck(session=session, owner_id=user.id, deck_id=deck_id)
            return _info(row) if row is not None else DeckNotFound()

    async def ask_delete(self, who: UserRef, deck_id: int) -> DeleteDeckAsked | DeckNotFound:
        """Delete one of the user's private decks? Asked now."""
        found = await self.get(who, deck_id)
        if isinstance(found, DeckNotFound) or not found.is_private:
            return DeckNotFound()
        return DeleteDeckAsked(found, self.practice.now())

    async def delete(
        self, who: UserRef, deck_id: int, *, asked_at: datetime | None
    ) -> DeckInfo | DeckNotFound | ConfirmationExpired:
        """Delete one of the user's private decks (a published one belongs to the bank now), for a Yes to
        the question asked at ``asked_at`` if it still stands (``confirmation_stands``)."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await storage.get_deck(session=session, owner_id=user.id, deck_id=deck_id)
            if row is None or row.status != DeckStatus.PRIVATE:
                return DeckNotFound()
            if not confirmation_stands(asked_at, self.practice.now(), since=row.created_at):
                return ConfirmationExpired()
            info = _info(row)
            await storage.delete_deck(session=session, deck=row)
            if user.topics and info.topic in user.topics:
                user.topics = [t for t in user.topics if t != info.topic]
            _bump(user)
            logger.info("User %d deleted private deck %d", user.id, info.id)
            return info

    async def submit(self, who: UserRef, deck_id: int) -> DeckInfo | DeckNotFound | AlreadySubmitted:
        """The owner asks the admins to publish one of their private decks."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await storage.get_deck(session=session, owner_id=user.id, deck_id=deck_id)
            if row is None or row.status != DeckStatus.PRIVATE:
                return DeckNotFound()
            if row.submitted_at is not None:
                return AlreadySubmitted(_info(row))
            row.submitted_at = self.practice.now()
            return _info(row)

    async def submitted(self) -> list[DeckInfo]:
        """Private decks waiting for an admin, oldest request first (admins only: the caller checks)."""
        async with self.practice.transaction() as session:
            return [_info(r) for r in await storage.submitted_decks(session=session)]

    async def publish(self, deck_id: int) -> DeckPublished | DeckNotFound | ReloadFailed:
        """Publish a user's private deck for everyone and reload the bank (admins only: the caller checks).

        The deck is checked again against the bank as it is now; if that fails the deck stays
        private and the bank in service is unchanged, in every process. Other users' private
        decks with its topic or some of its question ids drop out of their pools (the bank
        wins): they come back as ``shadowed``, for their owners to be told.
        """
        async with self.practice.transaction() as session:
            row = await storage.get_deck_for_admin(session=session, deck_id=deck_id)
            if row is None or row.status != DeckStatus.PRIVATE:
                return DeckNotFound()
            ready = DeckReady(row.filename, row.topic, row.title, row.questions, row.yaml_text)
        result = await self.library.publish(ready, source_deck_id=deck_id)
        if isinstance(result, ReloadFailed):
            return result
        async with self.practice.transaction() as session:
            row = await storage.get_deck_for_admin(session=session, deck_id=deck_id)
            if row is None:  # the owner deleted their data meanwhile; the deck is public all the same
                return DeckNotFound()
            row.status = DeckStatus.PUBLISHED
            row.published_at = self.practice.now()
            owner = await self.practice.user_in(session, row.owner_id)
            _bump(owner)
            logger.info("Deck %d of user %d published", row.id, row.owner_id)
            info = _info(row)
            others = [
                OwnedDeck(r.owner_id, StoredDeck(r.id, r.topic, r.title, r.yaml_text))
                for r in await storage.other_private_decks(session=session, deck_id=deck_id)
            ]
        # Publishing is rare and private decks are small: parsing them all, off the loop, is cheap enough.
        shadowed = await asyncio.to_thread(shadowed_by, ready.yaml_text, others)
        for hidden in shadowed:
            logger.info("Deck %d shadows %d question(s) of private deck %d", deck_id, hidden.left_out, hidden.deck_id)
        return DeckPublished(info, result, tuple(shadowed))
