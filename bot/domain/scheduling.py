"""Which question to ask next: spaced repetition (SM-2) driven by the automatic grade.

Pure functions of their arguments: no I/O and no clock (``now`` is passed in).

**Schedule.** Each graded attempt becomes an SM-2 quality ``q = round(5 * score)`` (0-5).
With ``q >= 3`` (a score of 0.5 or more) the question counts as recalled: the interval goes
1 day, 6 days, then times the ease factor. Below that it is relearnt: repetitions reset and
it is due again after ``RELEARN_DELAY``. The ease moves by SM-2's formula (never below 1.3),
so questions answered weakly come back more often. Hints lower the reachable score and a
give-up scores 0, so both feed the schedule without special cases. A skipped question keeps
its SM-2 state but is put off for ``SKIP_DELAY``.

**Choice.** Unseen questions first: easier levels first, shuffled within a level by a hash of
the user's seed and the question id (stable for a user, different between users). Then due
questions, most overdue first (weaker last score breaks ties). Then the rest, weakest last
score first and least recently seen first. Never the question asked last, unless it is the
only one in the pool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.models import Question

INITIAL_EASE = 2.5
MIN_EASE = 1.3
PASS_QUALITY = 3
"""SM-2's threshold: quality 3 or more counts as recalled."""
FIRST_INTERVAL_DAYS = 1.0
SECOND_INTERVAL_DAYS = 6.0
RELEARN_DELAY = timedelta(minutes=10)
"""A failed question is due again soon; unseen questions still come first."""
SKIP_DELAY = timedelta(days=1)
"""A skipped question waits a day, so "skip" does not bring it straight back."""
WEAKNESS_STEP = 0.1
"""Last scores this close count as equally weak, so recency decides between them."""


@dataclass(frozen=True, slots=True)
class ReviewState:
    """One user's spaced-repetition state for one question."""

    question_id: str
    due_at: datetime
    last_seen_at: datetime
    repetitions: int = 0
    interval_days: float = 0.0
    ease: float = INITIAL_EASE
    last_score: float | None = None
    """Score of the latest graded attempt; None if the question was only skipped."""
    seen_count: int = 0


def quality(score: float) -> int:
    """The SM-2 quality (0-5) of a score in [0, 1], rounding halves up."""
    return min(5, max(0, int(score * 5 + 0.5)))


def next_ease(ease: float, q: int) -> float:
    """SM-2's ease update: good answers raise it slightly, poor ones lower it a lot."""
    return max(MIN_EASE, ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))


def schedule_after_grade(state: ReviewState | None, question_id: str, score: float, now: datetime) -> ReviewState:
    """The new state after an answer graded ``score`` (0 for a give-up)."""
    current = state or ReviewState(question_id, due_at=now, last_seen_at=now)
    q = quality(score)
    if q >= PASS_QUALITY:
        repetitions = current.repetitions + 1
        if repetitions == 1:
            interval = FIRST_INTERVAL_DAYS
        elif repetitions == 2:
            interval = SECOND_INTERVAL_DAYS
        else:
            interval = max(current.interval_days, SECOND_INTERVAL_DAYS) * current.ease
        due_at = now + timedelta(days=interval)
    else:
        repetitions, interval = 0, 0.0
        due_at = now + RELEARN_DELAY
    return replace(
        current,
        repetitions=repetitions,
        interval_days=interval,
        ease=next_ease(current.ease, q),
        due_at=due_at,
        last_score=score,
        seen_count=current.seen_count + 1,
        last_seen_at=now,
    )


def schedule_after_skip(state: ReviewState | None, question_id: str, now: datetime) -> ReviewState:
    """The new state after a skip: the SM-2 state is kept, the question is put off."""
    current = state or ReviewState(question_id, due_at=now, last_seen_at=now)
    return replace(current, due_at=now + SKIP_DELAY, seen_count=current.seen_count + 1, last_seen_at=now)


def filter_pool(
    questions: Iterable[Question], *, topics: Iterable[str] = (), difficulty: int | None = None
) -> tuple[Question, ...]:
    """The questions of the given topics (none given: all) at the given level (None: all)."""
    wanted = frozenset(topics)
    return tuple(
        q for q in questions if (not wanted or q.topic in wanted) and (difficulty is None or q.difficulty == difficulty)
    )


def shuffle_key(seed: int | str, question_id: str) -> bytes:
    """A per-user pseudo-random but stable sort key (``hash()`` is salted per process)."""
    return hashlib.sha256(f"{seed}:{question_id}".encode()).digest()


def choose_next_question(
    candidates: Sequence[Question],
    reviews: Mapping[str, ReviewState],
    *,
    last_question_id: str | None,
    now: datetime,
    seed: int | str,
) -> Question | None:
    """The question to ask next from ``candidates``; None only when there are none."""
    pool = [q for q in candidates if q.id != last_question_id] or list(candidates)
    if not pool:
        return None
    unseen = [q for q in pool if q.id not in reviews]
    if unseen:
        return min(unseen, key=lambda q: (q.difficulty, shuffle_key(seed, q.id)))
    due = [q for q in pool if reviews[q.id].due_at <= now]
    if due:
        return min(due, key=lambda q: (reviews[q.id].due_at, _weakness(reviews[q.id]), q.id))
    return min(pool, key=lambda q: (_weakness(reviews[q.id]), reviews[q.id].last_seen_at, q.id))


def _weakness(state: ReviewState) -> float:
    """Sort key: lower is weaker. Never graded (only skipped) counts as weakest."""
    score = state.last_score if state.last_score is not None else 0.0
    return round(score / WEAKNESS_STEP) * WEAKNESS_STEP
