"""Who acts and what they chose: the user as an adapter knows them, their settings, and the rules for changing them.

Pure: no database, no Telegram. Services turn a ``UserInfo`` into a locked row; adapters
build it from whoever sent the update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.pushtime import canonical_timezone, is_offset_like, offset_zone

DIFFICULTIES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """Who is talking to the bot, as the adapter knows them."""

    id: int
    chat_id: int
    first_name: str = ""
    username: str | None = None
    language: str | None = None


UserRef = int | UserInfo
"""Who acts: the sender as the adapter knows them (created or refreshed in the same
transaction), or the id of a user who already exists."""


def user_id_of(who: UserRef) -> int:
    """The Telegram user id of ``who``."""
    return who.id if isinstance(who, UserInfo) else who


@dataclass(frozen=True, slots=True)
class UserSettings:
    """What a user practises and when the daily question comes."""

    topics: tuple[str, ...]
    """Topic ids; empty means every topic."""
    difficulty: int | None
    """Only this level (1-3); None means every level."""
    timezone: str
    daily_time: str | None
    """Local "HH:MM" of the daily question; None means not subscribed."""
    weekdays_only: bool = False
    """Daily questions Monday to Friday only."""
    next_push_at: datetime | None = None
    """When the next daily question is due (UTC); None when not subscribed."""
    zone_chosen: bool = False
    """The user said which zone they are in (with a command or a button), so /subscribe need not ask."""


@dataclass(frozen=True, slots=True)
class UserState:
    """A user after ``touch_user``."""

    id: int
    chat_id: int
    first_name: str
    username: str | None
    language: str | None
    settings: UserSettings
    created_at: datetime
    last_seen_at: datetime
    is_new: bool
    """This call created the user (show the welcome)."""
    open_question_id: str | None


class Setting(StrEnum):
    """What an ``InvalidSetting`` of the user's settings is about (the rendering words each for people)."""

    DAILY_TIME = "daily time"
    TIMEZONE = "time zone"
    UTC_OFFSET = "UTC offset"
    """An offset such as UTC+5:30 that no fixed-offset zone has (whole hours only)."""
    DIFFICULTY = "difficulty"


@dataclass(frozen=True, slots=True)
class InvalidSetting:
    """A setting value that cannot be used, and what would be accepted."""

    name: str
    """A ``Setting``, or another setting's name (an interview's "time limit")."""
    value: str
    expected: str


def resolve_timezone(name: str) -> str | InvalidSetting:
    """The zone to store for what a user typed: an IANA name (any case) or a whole-hour UTC offset."""
    canonical = canonical_timezone(name) or offset_zone(name)
    if canonical is not None:
        return canonical
    if is_offset_like(name):
        return InvalidSetting(
            Setting.UTC_OFFSET, name, "a whole-hour offset such as UTC+3, or your city's zone such as Asia/Kolkata"
        )
    return InvalidSetting(Setting.TIMEZONE, name, "a time zone such as Europe/Berlin, or an offset such as UTC+3")
