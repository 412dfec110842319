"""The practice loop's results and rules: what asking, hinting, answering, revealing and skipping return.

Pure: the frozen dataclasses the practice service returns (adapters ``match`` on them and
the rendering modules turn them into text), and the small rules they follow.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Protocol

from bot.domain.bank import Bank
from bot.domain.grading import HINT_COST, MIN_REACHABLE, Grade
from bot.domain.models import Question
from bot.domain.pushtime import zone

MAX_ANSWER_CHARS = 4000
"""Answers are graded and stored up to this length."""
WEAKEST_TOPICS = 3


@dataclass(frozen=True, slots=True)
class Asked:
    """A question is now open for the user."""

    question: Question
    hints_total: int
    is_repeat: bool
    """The user has seen this question before."""
    replaced: Question | None = None
    """The question that was open before and got skipped to make room for this one."""
    topic_title: str = ""
    """The title of the question's topic (a private deck's topics are not in the bank's list)."""


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """The question the user is answering now."""

    question: Question
    asked_at: datetime
    hints_used: int
    hints_total: int
    max_score_now: float


@dataclass(frozen=True, slots=True)
class HintGiven:
    """The next hint, and what it costs."""

    text: str
    index: int
    """1-based."""
    total: int
    max_score_now: float
    """Best score still reachable after this hint."""


@dataclass(frozen=True, slots=True)
class NoMoreHints:
    """Every hint of the open question has been given."""

    total: int


@dataclass(frozen=True, slots=True)
class NoOpenQuestion:
    """There is no open question (or, if ``stale``, the button belongs to a question no longer open)."""

    stale: bool = False


@dataclass(frozen=True, slots=True)
class Feedback:
    """A graded answer."""

    question: Question
    grade: Grade
    attempt_id: int
    hints_used: int
    best_score_before: float | None
    """Best earlier score on this question; None on the first attempt."""
    attempts_on_question: int
    """Attempts on this question including this one."""
    truncated: bool = False
    """Only the first ``MAX_ANSWER_CHARS`` characters were graded and kept."""


@dataclass(frozen=True, slots=True)
class Revealed:
    """The user gave up: show the model answer."""

    question: Question
    hints_used: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """The open question was closed without an answer."""

    question: Question


@dataclass(frozen=True, slots=True)
class NothingToRetry:
    """No earlier question to re-ask (none yet, or it left the bank)."""


@dataclass(frozen=True, slots=True)
class UnknownTopic:
    """A topic the bank does not have."""

    topic: str
    valid: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EmptyPool:
    """No question matches the topics and difficulty."""

    topics: tuple[str, ...]
    difficulty: int | None


@dataclass(frozen=True, slots=True)
class TopicProgress:
    """One topic's progress."""

    topic: str
    title: str
    answered: int
    average: float | None
    """Average score of graded answers; None with none."""
    questions_seen: int
    questions_total: int


@dataclass(frozen=True, slots=True)
class Stats:
    """A user's progress. Give-ups are counted apart and left out of the averages and the streak."""

    answered: int
    given_up: int
    average_score: float | None
    streak_days: int
    per_topic: tuple[TopicProgress, ...]
    weakest_topics: tuple[TopicProgress, ...]


# ---- pure helpers ------------------------------------------------------------------------------


def topic_id(text: str) -> str:
    """Topic ids are lowercase with dashes; accept "Deep_Learning" for "deep-learning"."""
    return text.strip().casefold().replace("_", "-").replace(" ", "-")


def reachable_score(hints_used: int) -> float:
    """Best score reachable after this many hints (the grader's own rule)."""
    return max(MIN_REACHABLE, 1.0 - HINT_COST * hints_used) if hints_used > 0 else 1.0


def streak_days(days: Collection[date], today: date) -> int:
    """Consecutive days with an answer, ending today or (if none yet today) yesterday."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


class ScoredAttempt(Protocol):
    """What progress needs of one recorded attempt."""

    @property
    def topic(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def gave_up(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...


def progress(
    attempts: Sequence[ScoredAttempt], seen: Collection[str], bank: Bank, *, timezone: str, now: datetime
) -> Stats:
    """/stats from a user's attempts and seen questions: answers, average, streak in their zone, per topic."""
    tz = zone(timezone)
    graded = [a for a in attempts if not a.gave_up]
    days = {a.created_at.astimezone(tz).date() for a in graded}
    per_topic = tuple(_topic_progress(bank, topic, title, graded, seen) for topic, title in bank.topics.items())
    ranked = sorted((t for t in per_topic if t.average is not None), key=lambda t: (t.average or 0.0, t.topic))
    return Stats(
        answered=len(graded),
        given_up=len(attempts) - len(graded),
        average_score=fmean(a.score for a in graded) if graded else None,
        streak_days=streak_days(days, now.astimezone(tz).date()),
        per_topic=per_topic,
        weakest_topics=tuple(ranked[:WEAKEST_TOPICS]),
    )


def _topic_progress(
    bank: Bank, topic: str, title: str, graded: Sequence[ScoredAttempt], seen: Collection[str]
) -> TopicProgress:
    """One topic's line in the stats."""
    scores = [a.score for a in graded if a.topic == topic]
    questions = bank.in_topic(topic)
    return TopicProgress(
        topic=topic,
        title=title,
        answered=len(scores),
        average=fmean(scores) if scores else None,
        questions_seen=sum(q.id in seen for q in questions),
        questions_total=len(questions),
    )
