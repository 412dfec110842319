"""The rules of a mock interview round in one place: lengths, levels, follow-ups, lateness, verdict steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.grading import STRONG_AT
from bot.domain.models import Kind

DEFAULT_LENGTH = 5
LENGTH_CHOICES = (3, 5, 8)
"""What the /interview keyboard offers."""
MIN_LENGTH, MAX_LENGTH = 3, 10
DEFAULT_LEVEL = 2
LEVELS = (1, 2, 3)

FOLLOW_UP_MIN_WEIGHT = 2.0
"""A missed concept this heavy is worth a follow-up."""
FOLLOW_UP_BELOW = 0.5
"""Under this score any missed concept is worth one (the heaviest two are targeted)."""
MAX_FOLLOW_UP_CONCEPTS = 3
FOLLOW_UP_CREDIT = 0.75
"""A concept recovered in the follow-up earns this fraction of what it would have earned first time."""
LATE_FACTOR = 0.5
"""A late answer (or follow-up credit) counts this fraction in the round score."""
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 30, 3600

RECENT = timedelta(days=7)
"""Questions seen within this are avoided when planning (not excluded)."""
HISTORY_ROUNDS = 10

STRENGTH_AT = STRONG_AT
"""A topic scored at least this in the round is a strength..."""
GAP_BELOW = 0.5
"""...and under this a gap."""
NEXT_STEPS = 3

KIND_ORDER = {Kind.CONCEPTUAL: 0, Kind.APPLIED: 1, Kind.CODING: 2, Kind.CASE_STUDY: 3}
"""Within one difficulty an interviewer goes from concepts to practice to the open case."""

LEVEL_WORDS = {"easy": 1, "junior": 1, "medium": 2, "mid": 2, "middle": 2, "hard": 3, "senior": 3}
MIXED_WORDS = frozenset({"mixed", "mix", "all", "any"})
OFF_WORDS = frozenset({"off", "none", "no", "0"})


class RoundStatus(StrEnum):
    """Where a round is."""

    ACTIVE = "active"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Stage(StrEnum):
    """Where one question of a round is (``interview_items.stage``)."""

    PENDING = "pending"
    ASKED = "asked"
    FOLLOW_UP = "follow-up"
    DONE = "done"
    PASSED = "passed"


class HireVerdict(StrEnum):
    """How an interviewer sums a round up."""

    STRONG_HIRE = "strong hire"
    LEAN_HIRE = "lean hire"
    LEAN_NO_HIRE = "lean no hire"
    NO_HIRE = "no hire"


class ItemStatus(StrEnum):
    """How one question of a round ended, for the debrief."""

    ANSWERED = "answered"
    PASSED = "passed"
    UNANSWERED = "unanswered"
    """Not reached (the round was cancelled), or the question left the bank."""


class ArgProblem(StrEnum):
    """What is wrong with an /interview argument."""

    LENGTH = "length"
    """A number of questions out of range."""
    REPEATED = "repeated"
    """Two lengths, two topics or two levels."""
    UNKNOWN = "unknown"
    """Neither a number, a topic, "mixed" nor a level."""


class ReasonCode(StrEnum):
    """One reason behind a verdict (rendered by the adapter's texts)."""

    AVERAGE = "average"
    STRONG_TOPIC = "strong-topic"
    WEAK_TOPIC = "weak-topic"
    CONTRADICTIONS = "contradictions"
    RECOVERIES = "recoveries"
    NO_RECOVERIES = "no-recoveries"
    LATE = "late"
    HINTS = "hints"
    PASSED = "passed"


class StepKind(StrEnum):
    """What a next step asks of the user."""

    REVIEW = "review"
    """Go over a question of this round that went badly."""
    NEW = "new"
    """An unseen question in a weak topic."""
    STRETCH = "stretch"
    """An unseen, harder question in the weakest topic of a strong round."""


def seconds_left(asked_at: datetime | None, limit_s: int | None, now: datetime) -> int | None:
    """Whole seconds left to answer (0 or less: time is up); None when untimed."""
    if limit_s is None or asked_at is None:
        return None
    return limit_s - int((now - asked_at).total_seconds())


def is_late(asked_at: datetime | None, limit_s: int | None, now: datetime) -> bool:
    """Whether an answer now comes after the time limit (never when untimed)."""
    if limit_s is None or asked_at is None:
        return False
    return (now - asked_at).total_seconds() > limit_s
