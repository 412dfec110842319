"""What the conversation service returns besides the practice and interview results, and reading command arguments.

Both front ends (Telegram and the console) parse the same command words with these
functions, through the service, and render the same results: a behaviour is written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.interview.results import Debrief, NoHintOnFollowUp, RoundHint, RoundSpec, RoundStep
from bot.domain.interview.rules import LEVEL_WORDS
from bot.domain.practice import Asked, EmptyPool, HintGiven, NoMoreHints, NoOpenQuestion, UnknownTopic, topic_id
from bot.domain.pushtime import is_offset_like, looks_like_time
from bot.domain.users import UserSettings

ANY_LEVEL_WORDS = frozenset({"any", "anylevel"})
"""``/topics any``: every difficulty level."""
ALL_TOPICS_WORDS = frozenset({"all", "*"})
"""``/topics all``: every topic."""
_DAY_WORDS = {"every": False, "daily": False, "all": False, "weekdays": True, "workdays": True}
MAX_TOPIC_ARGUMENT = 64
CONFIRMATION_TTL = timedelta(minutes=10)
"""How long a Yes under "Are you sure?" (delete everything, delete a deck) stays good."""


@dataclass(frozen=True, slots=True)
class Welcome:
    """/start: who they are, and the question a start link's topic asked (if it named one)."""

    first_name: str
    is_new: bool
    asked: Asked | EmptyPool | None = None


@dataclass(frozen=True, slots=True)
class InRound:
    """/question while an interview round runs: the round's step, and the known topic asked for (if any)."""

    step: RoundStep
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class InRoundHint:
    """/hint during a round: the round's answer (which says how to move on in a round)."""

    result: RoundHint | NoMoreHints | NoHintOnFollowUp


@dataclass(frozen=True, slots=True)
class TopicTooLong:
    """/question with an argument too long to be a topic."""


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """What the user practises now, and every topic they can choose from (titles by id, in order)."""

    topics: tuple[str, ...]
    difficulty: int | None
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SettingsView:
    """The user's settings, with the titles of their topics."""

    settings: UserSettings
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SettingsUsage:
    """/settings with words it does not understand."""


@dataclass(frozen=True, slots=True)
class Subscribed:
    """/subscribe worked; if the user never said which zone they are in, they are asked whether it is right."""

    settings: UserSettings

    @property
    def zone_known(self) -> bool:
        """The zone was given now or chosen before: no need to ask."""
        return self.settings.zone_chosen


@dataclass(frozen=True, slots=True)
class BadSubscribeArgument:
    """An argument of /subscribe that is neither a time nor a time zone."""

    argument: str


@dataclass(frozen=True, slots=True)
class NotSubscribed:
    """/unsubscribe without a subscription."""


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """/unsubscribe worked."""

    settings: UserSettings


@dataclass(frozen=True, slots=True)
class DeleteAsked:
    """/delete_me: "Are you sure?", asked at this moment (the Yes button carries it)."""

    asked_at: datetime


@dataclass(frozen=True, slots=True)
class ConfirmationExpired:
    """A Yes pressed too late, or under a question asked before the data it would delete existed: ask again."""


def confirmation_stands(asked_at: datetime | None, now: datetime, *, since: datetime) -> bool:
    """Whether a Yes to a question asked at ``asked_at`` still counts, ``now``.

    It must be at most ``CONFIRMATION_TTL`` old, and not older than ``since``, when the data it
    would delete was created: an old "Yes, delete everything" must not delete what came after
    the data it was asked about. ``asked_at`` comes from button data in whole milliseconds, so
    ``since`` is compared at that precision. None (buttons of earlier versions) never stands.
    """
    if asked_at is None:
        return False
    since_ms = since.replace(microsecond=since.microsecond // 1000 * 1000)
    return since_ms <= asked_at and now - asked_at <= CONFIRMATION_TTL


@dataclass(frozen=True, slots=True)
class LeftRound:
    """The user left their round for a practice question: the round's debrief, then the question."""

    debrief: Debrief
    asked: Asked | UnknownTopic | EmptyPool


@dataclass(frozen=True, slots=True)
class RoundOptions:
    """/interview alone: the round it would start, and the topics to pick from."""

    spec: RoundSpec
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RetriedWithHint:
    """Hint under feedback: the question asked again, then its first hint."""

    asked: Asked
    hint: HintGiven | NoMoreHints | NoOpenQuestion


# ---- command arguments ----------------------------------------------------------------------------


class SettingName(StrEnum):
    """What ``/settings <name> <value>`` changes."""

    TIME = "time"
    ZONE = "zone"
    DAYS = "days"
    TOPICS = "topics"


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One change asked for with ``/settings``."""

    name: SettingName
    value: str


def parse_setting(words: Sequence[str]) -> SettingChange | SettingsUsage:
    """``/settings time 08:30``, ``zone Europe/Berlin``, ``days weekdays|every``, ``topics``; else the usage."""
    if not words:
        return SettingsUsage()
    name, value = words[0].casefold(), " ".join(words[1:]).strip()
    if name == "time" and value:
        return SettingChange(SettingName.TIME, value)
    if name in {"zone", "timezone", "tz"} and value:
        return SettingChange(SettingName.ZONE, value)
    if name == "days" and value.casefold() in _DAY_WORDS:
        return SettingChange(SettingName.DAYS, "weekdays" if _DAY_WORDS[value.casefold()] else "every")
    if name in {"topics", "difficulty", "level"}:
        return SettingChange(SettingName.TOPICS, value)
    return SettingsUsage()


def parse_subscription(words: Sequence[str]) -> tuple[str | None, str | None] | BadSubscribeArgument:
    """``/subscribe [HH:MM] [zone]``: the time and the zone as typed (checked by the service), or what is wrong."""
    daily_time: str | None = None
    zone_words: list[str] = []
    for word in words:
        if daily_time is None and looks_like_time(word):
            daily_time = word
        else:
            zone_words.append(word)
    zone = " ".join(zone_words) or None
    if zone is not None and len(zone_words) > 1 and not is_offset_like(zone):
        return BadSubscribeArgument(zone)
    return daily_time, zone


@dataclass(frozen=True, slots=True)
class TopicArguments:
    """``/topics`` with words: the topics to practise (None: unchanged) and the level (if one was given)."""

    topics: tuple[str, ...] | None
    difficulty: int | None
    difficulty_given: bool


def parse_topic_choice(words: Sequence[str], titles: Mapping[str, str]) -> TopicArguments | UnknownTopic:
    """``/topics metrics statistics hard``, ``/topics all``, ``/topics any``: topics and level, in any order."""
    topics: list[str] | None = None
    difficulty: int | None = None
    difficulty_given = False
    for raw in (part for word in words for part in word.split(",")):
        word = raw.strip().casefold()
        if not word:
            continue
        if word in ALL_TOPICS_WORDS:
            topics = []
        elif word in LEVEL_WORDS or word in ANY_LEVEL_WORDS:
            difficulty, difficulty_given = LEVEL_WORDS.get(word), True
        elif topic_id(word) in titles:
            topics = [*(topics or []), topic_id(word)]
        else:
            return UnknownTopic(raw.strip(), tuple(titles))
    return TopicArguments(None if topics is None else tuple(topics), difficulty, difficulty_given)
