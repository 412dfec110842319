"""Telegram's flood limits, for the whole bot and for each group: ``GroupRateLimiter``.

Telegram allows a bot about 30 messages a second overall and about 20 a minute in one group.
python-telegram-bot's ``AIORateLimiter`` paces both with leaky buckets, which let a full
bucket through at once and then the refill: up to 60 messages in a second overall, and 40 in a
minute in one group. Telegram counts messages in any second or minute, so the limits here are
sliding windows instead (``SendWindows``): at most ``overall_per_second`` requests in any second
(every request naming a chat, as ``AIORateLimiter`` counts them) and ``per_group_per_minute``
sends to one group in any 60 s. Each request is counted from the moment it *finished*, so the
server, which counts on arrival a little after we start, can never see one more.

Implemented as PTB's documented extension point ``BaseRateLimiter``; the requests then go
through an ``AIORateLimiter`` with its own limits off, for its retries after a 429.
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
OVERALL_WINDOW_S = 1.0
_EVERY_CHAT = "*"
"""The overall window's key."""
IDLE_GROUPS_KEPT = 1024
"""Window states kept before idle ones (nothing in flight, nothing in the window) are dropped."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(slots=True)
class _Window:
    in_flight: int = 0
    finished: deque[float] = field(default_factory=deque)
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Waiters queue here in order; only the first one watches the clock."""


class SendWindows:
    """At most ``limit`` requests per ``window`` seconds for each key (a group), counted from each request's end."""

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
        """Wait until one more request for ``group`` fits its window, and take the slot."""
        state = self._windows.setdefault(group, _Window())
        async with state.turn:
            while True:
                now = self._clock()
                while state.finished and state.finished[0] <= now - self.window:
                    state.finished.popleft()
                if state.in_flight + len(state.finished) < self.limit:
                    state.in_flight += 1
                    return
                # Full: wait for the oldest to leave the window (all in flight: look again shortly).
                delay = state.finished[0] + self.window - now if state.finished else self.window / self.limit
                await self._sleep(max(delay, 0.001))

    def release(self, group: int | str) -> None:
        """The request for ``group`` ended (sent or not): it counts in the window from now."""
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
            if state.in_flight == 0
            and not state.turn.locked()
            and (not state.finished or state.finished[-1] <= now - self.window)
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
    """Sliding windows for the whole bot and for each group; ``AIORateLimiter`` (limits off) for 429 retries."""

    __slots__ = ("_retries", "groups", "overall")

    def __init__(self, overall_per_second: int, per_group_per_minute: int, *, max_retries: int) -> None:
        self._retries = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self.overall = SendWindows(overall_per_second, OVERALL_WINDOW_S)
        self.groups = SendWindows(per_group_per_minute, GROUP_WINDOW_S)

    async def initialize(self) -> None:
        """Start the inner limiter."""
        await self._retries.initialize()

    async def shutdown(self) -> None:
        """Stop the inner limiter."""
        await self._retries.shutdown()

    async def process_request(  # noqa: PLR0917 (the signature is PTB's)
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for the group's window (sends to groups), then the overall one (requests naming a chat), then send."""
        group = group_of(endpoint, data)
        counted = data.get("chat_id") is not None
        if group is not None:
            await self.groups.acquire(group)
        try:
            if counted:
                await self.overall.acquire(_EVERY_CHAT)
            try:
                return await self._retries.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            finally:
                if counted:
                    self.overall.release(_EVERY_CHAT)
        finally:
            if group is not None:
                self.groups.release(group)
