"""The service layer: one transaction per user action, the domain's rules applied to the rows of ``bot.storage``.

``build_services`` wires the services of one process once; every front end (the Telegram
bot, the console, the tests) starts from it and talks to ``Services.conversation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.domain.bank import Bank
from bot.domain.grading import Grader
from bot.domain.groups import COOLDOWN, QUESTION_TIME
from bot.services.conversation import Conversation
from bot.services.daily import CLAIM_LEASE, PUSH_GRACE, DailyPush
from bot.services.decks import UserDecks
from bot.services.group_push import GroupPush
from bot.services.groups import Groups
from bot.services.interviews import Interviews
from bot.services.library import Library
from bot.services.practice import Clock, Practice, utc_now
from bot.services.preferences import Preferences
from bot.storage.unit_of_work import SessionFactory


@dataclass(frozen=True)
class Services:
    """The services of one process, wired once."""

    practice: Practice
    preferences: Preferences
    interviews: Interviews
    conversation: Conversation
    daily: DailyPush
    library: Library
    decks: UserDecks
    groups: Groups
    group_push: GroupPush


def build_services(
    bank: Bank,
    sessionmaker: SessionFactory,
    *,
    grader: Grader | None = None,
    bank_paths: Sequence[Path],
    clock: Clock = utc_now,
    default_timezone: str = "UTC",
    default_daily_time: str = "09:00",
    push_grace: timedelta = PUSH_GRACE,
    group_question_time: timedelta = QUESTION_TIME,
    group_cooldown: timedelta = COOLDOWN,
    push_lease: timedelta = CLAIM_LEASE,
) -> Services:
    """Every service over one database and one clock, serving ``bank`` (the bank files, loaded from
    ``bank_paths``; ``grader``: its grader, if already made). ``Services.library.load()`` then
    adds the published decks from the database (after the migrations)."""
    practice = Practice(
        bank,
        grader or bank.make_grader(),
        sessionmaker,
        clock,
        default_timezone=default_timezone,
        default_daily_time=default_daily_time,
    )
    preferences = Preferences(practice)
    interviews = Interviews(practice)
    library = Library(practice, bank_paths)
    groups = Groups(
        practice, question_time=group_question_time, cooldown=group_cooldown, default_timezone=default_timezone
    )
    return Services(
        practice=practice,
        preferences=preferences,
        interviews=interviews,
        conversation=Conversation(practice, preferences, interviews),
        daily=DailyPush(practice, grace=push_grace, lease=push_lease),
        library=library,
        decks=UserDecks(practice, library),
        groups=groups,
        group_push=GroupPush(groups, grace=push_grace, lease=push_lease),
    )
