"""Failure injection, flood control and the log of every call the bot made."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .protocol import ApiError, too_many_requests

JSON = dict[str, Any]

# Methods that send a message and therefore count against flood limits by default.
SENDING_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage sendPhoto sendDocument sendAudio sendVideo sendAnimation sendVoice sendVideoNote "
        "sendSticker sendMediaGroup sendLocation sendContact sendPoll sendDice copyMessage forwardMessage"
    ).split()
)


@dataclass
class Fault:
    """One injected failure rule.

    kind: "error" (answer with error_code/description/parameters), "drop" (close the
    connection without answering; with ``after_processing`` the call takes effect first,
    so the bot can't know whether it did) or "delay" (answer normally after ``delay`` s).
    ``remaining`` counts how many more matching calls it applies to (None = all).
    """

    kind: str
    method: str | None
    chat_id: str | None
    remaining: int | None
    error: ApiError | None = None
    delay: float = 0.0
    after_processing: bool = False
    hits: int = 0

    def matches(self, method: str, chat_id: str | None) -> bool:
        """Whether this fault applies to a call of ``method`` for ``chat_id``."""
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class FaultPlan:
    """The injected faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Add a fault rule and return it."""
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: str | None) -> Fault | None:
        """Return (and use up once) the first fault matching this call."""
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def clear(self) -> None:
        """Remove every fault rule."""
        self.faults.clear()


@dataclass
class RateLimit:
    """Flood control settings: at most N counted calls per second globally and per chat, and
    per minute in each group or supergroup (Telegram's "about 20 messages per minute")."""

    global_per_second: int | None = 30
    per_chat_per_second: int | None = None
    per_group_per_minute: int | None = None
    methods: frozenset[str] = SENDING_METHODS
    retry_after: int | None = None
    _global: deque[float] = field(default_factory=deque)
    _chats: dict[str, deque[float]] = field(default_factory=dict)
    _groups: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, method: str, chat_id: str | None, is_group: bool, now: float) -> None:
        """Raise a 429 ApiError if this call exceeds a limit; otherwise count it."""
        if method.lower() not in self.methods:
            return
        windows: list[tuple[deque[float], int, float]] = []
        if self.global_per_second:
            windows.append((self._global, self.global_per_second, 1.0))
        if chat_id is not None and self.per_chat_per_second:
            windows.append((self._chats.setdefault(chat_id, deque()), self.per_chat_per_second, 1.0))
        if chat_id is not None and is_group and self.per_group_per_minute:
            windows.append((self._groups.setdefault(chat_id, deque()), self.per_group_per_minute, 60.0))
        for window, limit, span in windows:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                wait = window[0] + span - now
                raise too_many_requests(self.retry_after or max(1, math.ceil(wait)))
        for window, _limit, _span in windows:
            window.append(now)


@dataclass
class CallRecord:
    """One HTTP call of the bot (or a method executed from a webhook reply)."""

    seq: int
    method: str
    params: JSON
    chat_id: str | None
    started: float
    wall_time: float
    finished: float = 0.0
    status: int = 0
    ok: bool = False
    description: str | None = None
    fault: str | None = None

    @property
    def duration(self) -> float:
        """Seconds between receiving the request and answering it."""
        return self.finished - self.started


class CallLog:
    """Every call with timestamps, plus counters for benchmarks."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def begin(self, method: str, params: JSON, chat_id: str | None) -> CallRecord:
        """Record the start of a call."""
        record = CallRecord(
            seq=len(self.records) + 1,
            method=method,
            params=params,
            chat_id=chat_id,
            started=time.perf_counter(),
            wall_time=time.time(),
        )
        self.records.append(record)
        return record

    @staticmethod
    def finish(record: CallRecord, status: int, description: str | None = None) -> None:
        """Record how a call ended (status 0 = connection dropped)."""
        record.finished = time.perf_counter()
        record.status = status
        record.ok = status == 200
        record.description = description

    def select(self, method: str | None = None, *, ok: bool | None = None) -> list[CallRecord]:
        """Calls of ``method`` (case-insensitive; None = all), optionally only (un)successful."""
        wanted = method.lower() if method else None
        return [
            r for r in self.records if (wanted is None or r.method.lower() == wanted) and (ok is None or r.ok == ok)
        ]

    def rate(self, method: str = "sendMessage") -> float:
        """Successful calls of ``method`` per second, between the first and last of them."""
        done = self.select(method, ok=True)
        if len(done) < 2:
            return 0.0
        span = done[-1].finished - done[0].finished
        return (len(done) - 1) / span if span > 0 else float("inf")
