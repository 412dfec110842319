"""Reading what users type after ``/interview`` and ``/timelimit``."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from bot.domain.interview.results import BadRoundArgs, RoundSpec
from bot.domain.interview.rules import (
    DEFAULT_LENGTH,
    DEFAULT_LEVEL,
    LEVEL_WORDS,
    LEVELS,
    MAX_LENGTH,
    MAX_TIME_LIMIT_S,
    MIN_LENGTH,
    MIN_TIME_LIMIT_S,
    MIXED_WORDS,
    OFF_WORDS,
    ArgProblem,
)
from bot.domain.practice import topic_id
from bot.domain.users import InvalidSetting

_INTEGER = re.compile(r"^[+-]?\d+$")
_TIME_LIMIT = re.compile(r"^(\d{1,6})\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?$")


def parse_round_args(words: Iterable[str], topics: Collection[str]) -> RoundSpec | BadRoundArgs:
    """Read ``/interview [n] [topic|mixed] [level]`` in any order; missing parts take the defaults."""
    length: int | None = None
    level: int | None = None
    topic: str | None = None
    topic_given = False
    for raw in words:
        word = raw.strip().casefold()
        if not word:
            continue
        if _INTEGER.match(word):
            if length is not None:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            length = int(word)
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                return BadRoundArgs(raw, ArgProblem.LENGTH)
        elif word in LEVEL_WORDS:
            if level is not None:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            level = LEVEL_WORDS[word]
        elif word in MIXED_WORDS or topic_id(word) in topics:
            if topic_given:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            topic_given = True
            topic = None if word in MIXED_WORDS else topic_id(word)
        else:
            return BadRoundArgs(raw, ArgProblem.UNKNOWN)
    return RoundSpec(length or DEFAULT_LENGTH, topic, level or DEFAULT_LEVEL)


def parse_time_limit(text: str) -> int | InvalidSetting | None:
    """Seconds from "120", "90s", "2m" or "2 min"; None from "off"; else why not."""
    value = text.strip().casefold()
    if value in OFF_WORDS:
        return None
    match = _TIME_LIMIT.match(value)
    expected = f"a number of seconds from {MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S} (e.g. 120 or 2m), or off"
    if match is None:
        return InvalidSetting("time limit", text.strip(), expected)
    seconds = int(match[1]) * (60 if (match[2] or "s").startswith("m") else 1)
    if not MIN_TIME_LIMIT_S <= seconds <= MAX_TIME_LIMIT_S:
        return InvalidSetting("time limit", text.strip(), expected)
    return seconds


def spec_from_choice(length: int, topic: str, level: int, topics: Collection[str]) -> RoundSpec | None:
    """The round an options button describes (``*``: mixed topics), or None for a choice no keyboard offers."""
    if topic != "*" and topic not in topics:
        return None
    spec = RoundSpec(length, None if topic == "*" else topic, level)
    return spec if MIN_LENGTH <= spec.length <= MAX_LENGTH and spec.level in LEVELS else None
