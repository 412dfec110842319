"""Telegram's flood limits for the whole bot and for each group: ``GroupRateLimiter``.

Telegram allows a bot about 30 messages a second overall and about 20 a minute in one group.
python-telegram-bot's ``AIORateLimiter`` keeps the overall pace and retries after a 429, and it
has a per-group limit too, but a leaky bucket of 20 a minute lets up to 40 messages through in
one minute (a full bucket, then the refill). Telegram counts messages in any minute, so the
group limit here is a sliding window instead: at most ``per_group`` sends to one group in any
``window`` seconds, each send counted from the moment its request *finished*, so the server
(which counts on arrival, a little later than we start) can never see one more.

Implemented as PTB's documented extension point ``BaseRateLimiter``: the group window first,
then the request goes through an ``AIORateLimiter`` (its own group limit off) for the overall
pace and the retries. Only sending methods count for the window; ``getChatMember`` and the
like do not.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

JSONDict = dict[str, Any]
"""A Bot API request's data or answer (PTB types it the same way)."""

SEND_METHODS = frozenset(
    name.casefold()
    for name in (
        "sendMessage sendPhoto sendDocument sendAudio sendVideo sendAnimation sendVoice sendVideoNote "
        "sendSticker sendMediaGroup sendLocation sendVenue sendContact sendPoll sendDice sendInvoice "
        "copyMessage copyMessages forwardMessage forwardMessages"
    ).split()
)
"""The Bot API methods that put a message in a chat (what Telegram's per-group limit counts)."""
GROUP_WINDOW_S = 60.0
IDLE_GROUPS_KEPT = 1024
"""Window states kept before idle ones (nothing in flight, nothing in the window) are dropped."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(slots=True)
class _Window:
    in_flight: int = 0
    finished: deque[float] = field(default_factory=deque)


class GroupWindows:
    """At most ``limit`` sends per ``window`` seconds to each group, counted from each send's end."""

    def __init__(
        self, limit: int, window: float = GROUP_WINDOW_S, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be positive and window greater than zero")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._windows: dict[int | str, _Window] = {}

    async def acquire(self, group: int | str) -> None:
        """Wait until one more send to ``group`` fits its window, and take the slot."""
        state = self._windows.setdefault(group, _Window())
        while True:
            now = self._clock()
            while state.finished and state.finished[0] <= now - self.window:
                state.finished.popleft()
            if state.in_flight + len(state.finished) < self.limit:
                state.in_flight += 1
                return
            # Full: wait for the oldest send to leave the window (or, all in flight, for one to end).
            delay = state.finished[0] + self.window - now if state.finished else 1.0
            await self._sleep(max(delay, 0.01))

    def release(self, group: int | str) -> None:
        """The send to ``group`` ended (sent or not): it counts in the window from now."""
        state = self._windows[group]
        state.in_flight -= 1
        state.finished.append(self._clock())
        if len(self._windows) > IDLE_GROUPS_KEPT:
            self._prune()

    def sent_in_window(self, group: int | str) -> int:
        """Sends to ``group`` in flight or within the window (for tests and logs)."""
        state = self._windows.get(group)
        if state is None:
            return 0
        now = self._clock()
        return state.in_flight + sum(1 for t in state.finished if t > now - self.window)

    def _prune(self) -> None:
        now = self._clock()
        idle = [
            key
            for key, state in self._windows.items()
            if state.in_flight == 0 and (not state.finished or state.finished[-1] <= now - self.window)
        ]
        for key in idle:
            del self._windows[key]


def group_of(endpoint: str, data: JSONDict) -> int | str | None:
    """The group a request sends a message to, or None (not a send, or not a group)."""
    if endpoint.casefold() not in SEND_METHODS:
        return None
    chat_id = data.get("chat_id")
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id  # "@supergroupname"
    return chat_id if isinstance(chat_id, int) and chat_id < 0 else None


class GroupRateLimiter(BaseRateLimiter[int]):
    """The overall limit and 429 retries of ``AIORateLimiter``, plus an exact per-group window for sends."""

    __slots__ = ("_inner", "windows")

    def __init__(self, overall_per_second: float, per_group_per_minute: int, *, max_retries: int) -> None:
        self._inner = AIORateLimiter(overall_max_rate=overall_per_second, group_max_rate=0, max_retries=max_retries)
        self.windows = GroupWindows(per_group_per_minute)

    async def initialize(self) -> None:
        """Start the inner limiter."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Stop the inner limiter."""
        await self._inner.shutdown()

    async def process_request(  # noqa: PLR0917 (the signature is PTB's)
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for the group's window (sends to groups only), then the overall limit, then send."""
        group = group_of(endpoint, data)
        if group is None:
            return await self._inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        await self.windows.acquire(group)
        try:
            return await self._inner.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            self.windows.release(group)
