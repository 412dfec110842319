"""The daily question's results: what a push run claims, the statuses of a delivery, and what /admin shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.models import Question


class Status:
    """Values of ``deliveries.status``."""

    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Claim:
    """One daily question this process must now send."""

    delivery_id: int
    user_id: int
    chat_id: int
    question: Question
    local_date: date
    scheduled_for: datetime
    replaced: Question | None
    """A question that was open and got put aside for this one."""
    is_repeat: bool = False
    """The user has seen this question before (a spaced-repetition review)."""
    retry: bool = False
    """Re-claimed after another run died before reporting."""
    in_round: bool = False
    """The user is in a mock interview round: their messages answer the round until it ends,
    so the question waits (it stays open) and the push says so."""
    topic_title: str = ""
    """The title of the question's topic (one of the user's private decks' topics included)."""
    other_open: Question | None = None
    """Re-sent after its run died, to a user who has opened another question since: that one stays
    open (a plain reply answers it), and the push says so and offers to switch."""


@dataclass(frozen=True, slots=True)
class AdminStats:
    """What ``/admin`` shows."""

    users: int
    subscribers: int
    sent_today: int
    failed_today: int
    blocked_today: int
    skipped_today: int
    active_this_week: int
    due_now: int
