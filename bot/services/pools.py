"""The bank in service, and each user's pool: the bank plus their private decks (``bot.domain.pool``).

A user without private decks (``users.deck_version == 0``, nearly everybody) practises the
bank in service itself, with no extra query. The others get a pool built from their decks'
stored YAML off the event loop, cached per deck version and bank.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.domain.bank import Bank
from bot.domain.grading import Grader
from bot.domain.pool import PoolCache, QuestionPool, StoredDeck, build_pool
from bot.storage import decks as deck_storage
from bot.storage.models import User
from bot.storage.unit_of_work import Session, session_info

_POOL = "question-pool"
"""Key of the pool ``pool_in`` found for a user, in the ``info`` of that transaction's session."""


class Pools:
    """The bank in service with its grader, and the users' pools built on it."""

    def __init__(self, bank: Bank, grader: Grader) -> None:
        self._public = QuestionPool(bank, grader)
        self._public_vocabulary: frozenset[str] | None = None
        self._cache = PoolCache()

    @property
    def bank(self) -> Bank:
        """The bank in service."""
        return self._public.bank

    @property
    def grader(self) -> Grader:
        """The grader of the bank in service."""
        return self._public.grader

    def replace(self, bank: Bank, grader: Grader | None = None) -> None:
        """Serve ``bank`` from now on, with ``grader`` (by default one made for it, on the event loop).

        Both change together, between two awaits, so no request sees one without the other.
        Users' pools are rebuilt on their next message.
        """
        self._public = QuestionPool(bank, grader or bank.make_grader())
        self._public_vocabulary = None
        self._cache.clear()

    async def pool_in(self, session: Session, user: User) -> QuestionPool:
        """The questions ``user`` practises, built (or found cached) for their deck version.

        Costs nothing for users without private decks; for the others one query when their
        decks changed, then the CPU work of parsing them off the event loop.
        """
        if not user.deck_version:
            return self._public
        bank, version = self.bank, user.deck_version
        pool = self._cache.get(user.id, version, bank)
        if pool is None:
            rows = await deck_storage.private_decks(session=session, owner_id=user.id)
            stored = [StoredDeck(r.id, r.topic, r.title, r.yaml_text) for r in rows]
            public = self._public
            if self._public_vocabulary is None:
                self._public_vocabulary = await asyncio.to_thread(public.bank.vocabulary)
            pool = await asyncio.to_thread(build_pool, public, stored, self._public_vocabulary)
            self._cache.put(user.id, version, bank, pool)
        session.info[(_POOL, user.id)] = pool
        return pool

    def pool_of(self, user: User) -> QuestionPool:
        """The user's pool as ``pool_in`` found it in this transaction (the bank in service if none)."""
        if not user.deck_version:
            return self._public
        info = session_info(user)
        pool = info.get((_POOL, user.id)) if info is not None else None
        return pool if isinstance(pool, QuestionPool) else self._public

    def known_topics(self, user_id: int) -> Mapping[str, str]:
        """Topic titles for showing the user's rounds and results, without a query: the bank's,
        plus their private decks' as last built (only titles: a stale one is harmless)."""
        pool = self._cache.latest(user_id, self.bank)
        return (pool or self._public).bank.topics
