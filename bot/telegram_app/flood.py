"""Fair concurrency: many users at once, each user's own updates in order, floods cut short.

PTB processes updates one at a time by default, so one user sending fifty messages would
delay everybody else. ``PerUserUpdateProcessor`` lets updates of different users run
concurrently while each user's updates still run one after another (a user's answer must
be graded before their next command sees the result). ``FloodGuard`` is a token bucket per
user: past the burst, the user gets one "slow down" notice and the rest of the flood is
dropped before it reaches a handler, the database or a lock, so it costs others nothing.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.rendering import texts

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
"""Updates in flight at once (across users); one user has at most one of them running."""
FLOOD_BURST = 10
"""Messages a user may send at once before the guard steps in."""
FLOOD_WINDOW_S = 5.0
"""Seconds in which a full burst is earned back (so 10 messages per 5 s on average)."""


class Admission(Enum):
    """What the flood guard decides for one update."""

    PROCESS = "process"
    NOTIFY = "notify"  # the first update over the limit: answer with the slow-down notice
    DROP = "drop"  # later ones in the same flood: ignored


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    notified: bool = False


class FloodGuard:
    """A token bucket per user: ``burst`` updates at once, refilled at ``burst / window_s`` per second.

    ``clock`` (monotonic seconds) is injected so tests can move time instead of sleeping.
    Buckets of users who have been quiet long enough to be full again are forgotten, so
    memory stays bounded by the users active in the last window.
    """

    def __init__(
        self,
        burst: int = FLOOD_BURST,
        window_s: float = FLOOD_WINDOW_S,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or window_s <= 0:
            raise ValueError("burst must be positive and window_s greater than zero")
        self.burst = burst
        self.window_s = window_s
        self._rate = burst / window_s
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._next_prune = clock() + window_s

    def admit(self, user_id: int) -> Admission:
        """Take one token for ``user_id``: process, notify once, or drop."""
        now = self._clock()
        self._prune(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(tokens=float(self.burst), updated=now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.notified = False
            return Admission.PROCESS
        if bucket.notified:
            return Admission.DROP
        bucket.notified = True
        return Admission.NOTIFY

    def __len__(self) -> int:
        """Users currently tracked."""
        return len(self._buckets)

    def __bool__(self) -> bool:
        """Always true: a guard tracking nobody yet is still a guard (``__len__`` alone would make it
        falsy, and ``build_application``'s ``flood_guard or FloodGuard()`` would silently replace it)."""
        return True

    def _prune(self, now: float) -> None:
        """Forget users whose bucket has refilled completely (at most once per window)."""
        if now < self._next_prune:
            return
        self._next_prune = now + self.window_s
        full = [
            user_id
            for user_id, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self._rate >= self.burst
        ]
        for user_id in full:
            del self._buckets[user_id]


@dataclass(slots=True)
class _UserLock:
    lock: asyncio.Lock
    users: int = 0  # updates holding or waiting for the lock; the entry goes when it is 0


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across users, sequential per user, with the flood guard in front.

    Updates without a user (channel posts, polls) run concurrently without a lock. Locks
    are created on a user's first update and removed when none of their updates is left,
    so the table holds only users with updates in flight.
    """

    __slots__ = ("_guard", "_locks")

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES, guard: FloodGuard | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._guard = guard
        self._locks: dict[int, _UserLock] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: locks belong to updates in flight."""

    @property
    def users_in_flight(self) -> int:
        """Users with an update running or waiting (the size of the lock table)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Check the flood guard, then run the update under its user's lock."""
        if not isinstance(update, Update) or update.effective_user is None:
            await coroutine
            return
        sender = _sender_id(update)
        admission = self._guard.admit(sender) if self._guard is not None else Admission.PROCESS
        if admission is not Admission.PROCESS:
            _discard(coroutine)
            if admission is Admission.NOTIFY:
                logger.info("User %d is flooding; further messages are dropped for now", sender)
                await _notify_flood(update)
            return
        entry = self._locks.get(sender)
        if entry is None:
            entry = self._locks[sender] = _UserLock(asyncio.Lock())
        entry.users += 1
        try:
            async with entry.lock:
                await coroutine
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[sender]


def _sender_id(update: Update) -> int:
    """Whose turn and flood bucket an update is: the user's, or for a message written as a chat (an
    anonymous group administrator, whose ``from`` is the one GroupAnonymousBot of every group) that chat's."""
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    assert update.effective_user is not None
    return update.effective_user.id


def _discard(coroutine: Awaitable[Any]) -> None:
    """Close a processing coroutine that will never run (so Python does not warn about it)."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()


async def _notify_flood(update: Update) -> None:
    """Tell the flooding user to slow down (best effort: a failure here is only logged)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:  # a group's chat is shared: the flood is dropped quietly
        return
    try:
        await update.get_bot().send_message(chat.id, texts.SLOW_DOWN)
    except TelegramError:
        logger.warning("Could not send the slow-down notice to chat %s", chat.id, exc_info=True)
