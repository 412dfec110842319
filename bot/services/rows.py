"""A user's row read and changed the same way by every service: settings, the daily schedule, the open question.

These helpers change ORM objects in memory; the caller's transaction writes them.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Question
from bot.domain.pushtime import next_occurrence
from bot.domain.scheduling import ReviewState
from bot.domain.users import UserSettings
from bot.storage.models import Review, User


def settings_of(user: User) -> UserSettings:
    """The settings columns of a user row."""
    return UserSettings(
        tuple(user.topics),
        user.difficulty,
        user.timezone,
        user.daily_time,
        weekdays_only=user.push_weekdays_only,
        next_push_at=user.next_push_at,
        zone_chosen=user.timezone_chosen,
    )


def refresh_next_push(user: User, now: datetime) -> None:
    """Recompute when the user's next daily question is due, after any change to its settings.

    Not subscribed (or blocked) means no next push. The unique delivery row per local day
    still guarantees one push a day, even if a new time makes "today" due again.
    """
    if user.daily_time is None or user.blocked_at is not None:
        user.next_push_at = None
        return
    user.next_push_at, _ = next_occurrence(
        user.daily_time, user.timezone, weekdays_only=user.push_weekdays_only, after=now
    )


def set_daily_time(user: User, daily_time: str | None, now: datetime) -> None:
    """Subscribe at ``daily_time`` (kept as the last time chosen), or unsubscribe with None."""
    user.daily_time = daily_time
    if daily_time is not None:
        user.last_daily_time = daily_time
    refresh_next_push(user, now)


def block(user: User, now: datetime) -> None:
    """The user blocked the bot: remember when, and unsubscribe them (they can subscribe again, at the same time)."""
    user.blocked_at = now
    user.daily_time = None
    refresh_next_push(user, now)


def open_on(user: User, question: Question, now: datetime) -> None:
    """Make ``question`` the user's open question, with no hints used yet."""
    user.open_question_id = question.id
    user.open_asked_at = now
    user.hints_used = 0
    user.last_question_id = question.id


def close_open(user: User) -> None:
    """Forget the open question; ``last_question_id`` stays for Retry."""
    user.open_question_id = None
    user.open_asked_at = None
    user.hints_used = 0


def review_state(review: Review) -> ReviewState:
    """The scheduler's view of a review row."""
    return ReviewState(
        question_id=review.question_id,
        due_at=review.due_at,
        last_seen_at=review.last_seen_at,
        repetitions=review.repetitions,
        interval_days=review.interval_days,
        ease=review.ease,
        last_score=review.last_score,
        seen_count=review.seen_count,
    )
