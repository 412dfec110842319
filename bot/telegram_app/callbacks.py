"""The data of every inline button, built and parsed here and nowhere else.

A button is a frozen dataclass: ``pack()`` gives its callback data (``prefix:field:…``, at most
64 bytes, Telegram's limit) and ``parse(data)`` reads it back, or returns None for data no
keyboard of ours makes (junk, a forged id out of range). The composition root registers one
``CallbackQueryHandler`` per button class with ``pattern=Button.matches``, so each handler
only ever sees its own, well-formed data and reads it with ``Button.of(update)``.

Callback data names questions, rounds, decks, topics and choices, never a user: whoever
presses a button acts for themselves, and the services look every id up together with the
presser's own user id. Round and deck ids are never given out twice (AUTOINCREMENT on SQLite,
sequences on PostgreSQL), so a button of a deleted round finds nothing rather than a new one.
A Yes under "Are you sure?" carries when the question was asked (``_instant``, whole
milliseconds): the services refuse it when it is too old or older than the data it would
delete (``bot.domain.conversation.confirmation_stands``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal, Self, TypeVar

from telegram import Update

MAX_BYTES = 64
"""Telegram's limit on callback data."""
MAX_ID = 2**31 - 1
"""Round and deck ids are 32-bit integers: larger numbers in forged data are refused before the database."""
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
"""A question or topic id."""
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_/+-]{0,59}$")
"""An IANA zone name."""
ALL_TOPICS = "*"
"""In a topic field: every topic (mixed, in rounds)."""
T = TypeVar("T")


def _pack(prefix: str, *fields: object) -> str:
    return ":".join((prefix, *(str(field) for field in fields)))


def _fields(data: str, prefix: str, low: int, high: int | None = None) -> list[str] | None:
    """The fields after ``prefix``, if there are ``low`` to ``high`` of them (``high`` defaults to ``low``)."""
    head, *fields = data.split(":")
    head_parts = prefix.split(":")
    if [head, *fields[: len(head_parts) - 1]] != head_parts:
        return None
    fields = fields[len(head_parts) - 1 :]
    return fields if low <= len(fields) <= (low if high is None else high) else None


def _id_then(data: str, prefix: str, read: Callable[[str], T | None]) -> tuple[int, T | None] | None:
    """An id, then optionally one more field that ``read`` reads; None if either is junk."""
    fields = _fields(data, prefix, 1, 2)
    number = _number(fields[0]) if fields else None
    if fields is None or number is None:
        return None
    extra = read(fields[1]) if len(fields) == 2 else None
    return None if len(fields) == 2 and extra is None else (number, extra)


def _number(text: str) -> int | None:
    """A non-negative id, or None (junk or out of range)."""
    if not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _word(text: str) -> str | None:
    return text if _WORD.match(text) else None


def _stamp(instant: datetime) -> str:
    """A moment as whole milliseconds since the epoch (13 digits)."""
    return str(int(instant.timestamp() * 1000))


def _instant(text: str) -> datetime | None:
    """The moment ``_stamp`` wrote, exact to the millisecond, or None (junk)."""
    if not text.isdigit() or len(text) > 15:
        return None
    milliseconds = int(text)
    return datetime.fromtimestamp(milliseconds // 1000, UTC) + timedelta(milliseconds=milliseconds % 1000)


def fits(data: str) -> bool:
    """Whether the data fits Telegram's limit (long topic ids may not)."""
    return len(data.encode()) <= MAX_BYTES


class Button:
    """A kind of inline button: what it does is its class, its data the fields."""

    PREFIX: ClassVar[str]

    def pack(self) -> str:
        """The callback data."""
        raise NotImplementedError

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The button this data came from, or None if no keyboard of ours makes it."""
        raise NotImplementedError

    @classmethod
    def matches(cls, data: object) -> bool:
        """The ``CallbackQueryHandler`` pattern: only this button's well-formed data."""
        return isinstance(data, str) and cls.parse(data) is not None

    @classmethod
    def of(cls, update: Update) -> Self:
        """The button pressed in ``update`` (its handler's pattern has checked the data)."""
        query = update.callback_query
        button = cls.parse(query.data or "") if query is not None else None
        assert button is not None, f"{cls.__name__}'s handler is registered with pattern={cls.__name__}.matches"
        return button


# ---- practice -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NextQuestion(Button):
    """Next question (under feedback and the topic picker)."""

    PREFIX: ClassVar[str] = "n"

    def pack(self) -> str:
        return self.PREFIX

    @classmethod
    def parse(cls, data: str) -> Self | None:
        return cls() if data == cls.PREFIX else None


@dataclass(frozen=True, slots=True)
class QuestionButton(Button):
    """A button acting on one question: the base of Hint, Reveal, Retry, RetryWithHint, ModelAnswer, Review."""

    question_id: str

    def pack(self) -> str:
        return _pack(self.PREFIX, self.question_id)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        question_id = _word(fields[0]) if fields else None
        return cls(question_id) if question_id else None


class Hint(QuestionButton):
    """Hint under a question: only while it is the open one."""

    PREFIX: ClassVar[str] = "h"


class Reveal(QuestionButton):
    """Show model answer under a question: give up on it."""

    PREFIX: ClassVar[str] = "a"


class Retry(QuestionButton):
    """Retry under feedback: the question asked again."""

    PREFIX: ClassVar[str] = "r"


class RetryWithHint(QuestionButton):
    """Hint under feedback: the question asked again, with its first hint."""

    PREFIX: ClassVar[str] = "rh"


class ModelAnswer(QuestionButton):
    """Show model answer under feedback (the question is closed already)."""

    PREFIX: ClassVar[str] = "m"


@dataclass(frozen=True, slots=True)
class ToggleTopic(Button):
    """A topic in the topic picker (``*``: all topics)."""

    PREFIX: ClassVar[str] = "t"
    topic: str

    def pack(self) -> str:
        return _pack(self.PREFIX, self.topic)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        topic = fields[0] if fields and (fields[0] == ALL_TOPICS or _word(fields[0])) else None
        return cls(topic) if topic else None


@dataclass(frozen=True, slots=True)
class SetLevel(Button):
    """A level in the topic picker (0: any level)."""

    PREFIX: ClassVar[str] = "d"
    level: int

    def pack(self) -> str:
        return _pack(self.PREFIX, self.level)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        return cls(int(fields[0])) if fields and fields[0] in {"0", "1", "2", "3"} else None


@dataclass(frozen=True, slots=True)
class PickZone(Button):
    """Change time zone: shows the zone buttons."""

    PREFIX: ClassVar[str] = "tz:?"

    def pack(self) -> str:
        return self.PREFIX

    @classmethod
    def parse(cls, data: str) -> Self | None:
        return cls() if data == cls.PREFIX else None


@dataclass(frozen=True, slots=True)
class SetZone(Button):
    """One of the common time zones."""

    PREFIX: ClassVar[str] = "tz"
    zone: str

    def pack(self) -> str:
        return _pack(self.PREFIX, self.zone)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        return cls(fields[0]) if fields and _ZONE.match(fields[0]) else None


@dataclass(frozen=True, slots=True)
class PushDays(Button):
    """Every day / Weekdays only, under /settings."""

    PREFIX: ClassVar[str] = "days"
    days: Literal["every", "weekdays"]

    def pack(self) -> str:
        return _pack(self.PREFIX, self.days)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        if fields == ["every"]:
            return cls("every")
        return cls("weekdays") if fields == ["weekdays"] else None


@dataclass(frozen=True, slots=True)
class DeleteAccount(Button):
    """The /delete_me confirmation: yes (delete everything, with when it was asked) or no."""

    PREFIX: ClassVar[str] = "del"
    confirmed: bool
    asked_at: datetime | None = None
    """When /delete_me asked (Yes only); None in the data of earlier versions, which no longer deletes."""

    def pack(self) -> str:
        if not self.confirmed:
            return _pack(self.PREFIX, "no")
        return _pack(self.PREFIX, "yes", *([_stamp(self.asked_at)] if self.asked_at else []))

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1, 2)
        if fields == ["no"]:
            return cls(confirmed=False)
        if not fields or fields[0] != "yes":
            return None
        asked_at = _instant(fields[1]) if len(fields) == 2 else None
        return cls(True, asked_at) if len(fields) == 1 or asked_at else None


# ---- mock interviews ------------------------------------------------------------------------------

ROUND = "iv"


@dataclass(frozen=True, slots=True)
class RoundChoice(Button):
    """A round's length, topic (``*``: mixed) and level: an option button, or Start (``go``)."""

    PREFIX: ClassVar[str] = f"{ROUND}:o"
    length: int
    topic: str
    level: int

    def pack(self) -> str:
        return _pack(self.PREFIX, self.length, self.topic, self.level)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 3)
        if fields is None:
            return None
        length, topic, level = fields
        if not (length.isdigit() and len(length) <= 2 and level.isdigit() and len(level) == 1):
            return None
        return cls(int(length), topic, int(level)) if topic == ALL_TOPICS or _word(topic) else None


class StartRound(RoundChoice):
    """Start the interview: the round the options describe."""

    PREFIX: ClassVar[str] = f"{ROUND}:go"


@dataclass(frozen=True, slots=True)
class RoundButton(Button):
    """A button of one round: End, Stay (and the base of the round's question buttons)."""

    round_id: int

    def pack(self) -> str:
        return _pack(self.PREFIX, self.round_id)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        round_id = _number(fields[0]) if fields else None
        return cls(round_id) if round_id is not None else None


class EndRound(RoundButton):
    """End the round: a debrief of what was answered."""

    PREFIX: ClassVar[str] = f"{ROUND}:end"


class StayInRound(RoundButton):
    """Stay in the round (after /question in a round)."""

    PREFIX: ClassVar[str] = f"{ROUND}:stay"


@dataclass(frozen=True, slots=True)
class LeaveRound(Button):
    """Leave the round, then a practice question (from the topic asked for, if it fits)."""

    PREFIX: ClassVar[str] = f"{ROUND}:leave"
    round_id: int
    topic: str | None = None

    def pack(self) -> str:
        with_topic = _pack(self.PREFIX, self.round_id, self.topic) if self.topic else None
        return with_topic if with_topic and fits(with_topic) else _pack(self.PREFIX, self.round_id)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        read = _id_then(data, cls.PREFIX, _word)
        return cls(*read) if read else None


@dataclass(frozen=True, slots=True)
class HintInRound(Button):
    """Hint under a round's question: only while it is current."""

    PREFIX: ClassVar[str] = f"{ROUND}:h"
    round_id: int
    position: int

    def pack(self) -> str:
        return _pack(self.PREFIX, self.round_id, self.position)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 2)
        round_id = _number(fields[0]) if fields else None
        if fields is None or round_id is None or not fields[1].isdigit() or len(fields[1]) > 2:
            return None
        return cls(round_id, int(fields[1]))


@dataclass(frozen=True, slots=True)
class PassInRound(Button):
    """Pass on a round's question (``q``) or its follow-up (``f``): only while it is current."""

    PREFIX: ClassVar[str] = f"{ROUND}:p"
    round_id: int
    position: int
    follow_up: bool

    def pack(self) -> str:
        return _pack(self.PREFIX, self.round_id, self.position, "f" if self.follow_up else "q")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 3)
        round_id = _number(fields[0]) if fields else None
        if fields is None or round_id is None or not fields[1].isdigit() or len(fields[1]) > 2:
            return None
        return cls(round_id, int(fields[1]), fields[2] == "f") if fields[2] in {"q", "f"} else None


class ReviewStep(QuestionButton):
    """A debrief's next step, opened as a practice question."""

    PREFIX: ClassVar[str] = f"{ROUND}:rev"


@dataclass(frozen=True, slots=True)
class NewRound(Button):
    """New interview, under a debrief: the options again."""

    PREFIX: ClassVar[str] = f"{ROUND}:new"

    def pack(self) -> str:
        return self.PREFIX

    @classmethod
    def parse(cls, data: str) -> Self | None:
        return cls() if data == cls.PREFIX else None


# ---- users' decks ----------------------------------------------------------------------------------

DECK = "ud"


@dataclass(frozen=True, slots=True)
class DeckButton(Button):
    """A button acting on one deck; the services look it up by the presser's id too."""

    deck_id: int

    def pack(self) -> str:
        return _pack(self.PREFIX, self.deck_id)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, cls.PREFIX, 1)
        deck_id = _number(fields[0]) if fields else None
        return cls(deck_id) if deck_id is not None else None


class PractiseDeck(DeckButton):
    """Practise a deck: a question from its topic."""

    PREFIX: ClassVar[str] = f"{DECK}:q"


class DeleteDeck(DeckButton):
    """Delete a private deck: asks first."""

    PREFIX: ClassVar[str] = f"{DECK}:d"


@dataclass(frozen=True, slots=True)
class DeleteDeckConfirmed(Button):
    """Yes, delete it: the deck, and when the question was asked (None in the data of earlier versions)."""

    PREFIX: ClassVar[str] = f"{DECK}:dy"
    deck_id: int
    asked_at: datetime | None = None

    def pack(self) -> str:
        return _pack(self.PREFIX, self.deck_id, *([_stamp(self.asked_at)] if self.asked_at else []))

    @classmethod
    def parse(cls, data: str) -> Self | None:
        read = _id_then(data, cls.PREFIX, _instant)
        return cls(*read) if read else None


class KeepDeck(DeckButton):
    """Keep it."""

    PREFIX: ClassVar[str] = f"{DECK}:k"


class SubmitDeck(DeckButton):
    """Suggest the deck for everyone: the admins get a Publish button."""

    PREFIX: ClassVar[str] = f"{DECK}:s"


class PublishDeck(DeckButton):
    """Publish the deck for everyone (admins only)."""

    PREFIX: ClassVar[str] = f"{DECK}:p"
