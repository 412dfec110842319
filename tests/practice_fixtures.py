"""Fixtures for the storage and practice tests: a real, migrated database, a frozen clock and banks.

The database is a SQLite file in ``tmp_path``, or the PostgreSQL server named by the
``TEST_DATABASE_URL`` environment variable (every table in it is dropped before and after
each test, so the same tests run on both: never point it at a database you care about).

Test modules load this file with ``pytest_plugins = ["tests.practice_fixtures"]`` and may
import its helpers too. Those imports come before pytest reads ``pytest_plugins``, too late
for assertion rewriting, which pytest would warn about (an error here); this module asserts
nothing, so it opts out: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.bank import DEFAULT_BANK_DIR, Bank, load_bank
from bot.domain.glossary import Glossary
from bot.domain.grading import Grader
from bot.domain.models import Concept, Kind, Question
from bot.domain.users import UserInfo
from bot.services.conversation import Conversation
from bot.services.interviews import Interviews
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate

TEST_DATABASE_URL = "TEST_DATABASE_URL"
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
"""A Monday morning: the frozen clock starts here."""


class FrozenClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a ``timedelta(**delta)``; returns the new time."""
        self.now += timedelta(**delta)
        return self.now


def real_bank_paths() -> list[Path]:
    """Where ``real_bank`` comes from: ``TEST_BANK_PATH``, or the shipped bank."""
    path = os.environ.get("TEST_BANK_PATH")
    return [Path(path)] if path else [DEFAULT_BANK_DIR]


@cache
def real_bank() -> Bank:
    """The shipped bank, loaded once per run (validation grades every example answer).

    ``TEST_BANK_PATH`` points the bot's tests at another bank folder, e.g. a snapshot of
    the last commit while bank files are being edited."""
    return load_bank(real_bank_paths())


@cache
def real_grader() -> Grader:
    """The shipped bank's grader."""
    return real_bank().make_grader()


def make_question(question_id: str, topic: str = "basics", difficulty: int = 1) -> Question:
    """A small question whose answer is graded by the words "alpha", "beta", "gamma", "delta"."""
    return Question(
        id=question_id,
        topic=topic,
        kind=Kind.CONCEPTUAL,
        difficulty=difficulty,
        question=f"Question {question_id}: name the four Greek letters.",
        why_asked="To test the loop.",
        how_to_answer="Name them.",
        example_answers=("Alpha comes first, then beta, then gamma, and delta closes the list.",),
        concepts=tuple(Concept(word, (word,)) for word in ("alpha", "beta", "gamma", "delta")),
        hints=("The first is alpha.", "The second is beta.", "The third is gamma."),
    )


def small_bank(*questions: Question) -> Bank:
    """A hand-built bank of the given questions (three easy "basics" ones by default)."""
    chosen = questions or tuple(make_question(f"q{i}") for i in range(1, 4))
    topics = {q.topic: q.topic.title() for q in chosen}
    return Bank(tuple(chosen), topics, Glossary())


async def _drop_everything(url: str) -> None:
    """Drop every table, whatever created it, so each test starts from an empty database."""
    engine = create_engine_from_url(url)
    try:
        async with engine.begin() as connection:
            metadata = MetaData()
            await connection.run_sync(metadata.reflect)
            await connection.run_sync(metadata.drop_all)
    finally:
        await engine.dispose()


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: PostgreSQL from ``TEST_DATABASE_URL``, else a SQLite file."""
    url = os.environ.get(TEST_DATABASE_URL)
    if not url:
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    await _drop_everything(url)
    yield url
    await _drop_everything(url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the migrated database."""
    await migrate(database_url)
    engine = create_engine_from_url(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the migrated database."""
    return make_sessionmaker(engine)


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen clock at ``START``."""
    return FrozenClock()


@pytest.fixture
def practice(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Practice:
    """The practice loop over the real bank and a fresh database."""
    return Practice(real_bank(), real_grader(), sessionmaker, clock)


@pytest.fixture
def small_practice(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> Practice:
    """The practice loop over three easy hand-built questions."""
    bank = small_bank()
    return Practice(bank, bank.make_grader(), sessionmaker, clock)


@pytest.fixture
def preferences(practice: Practice) -> Preferences:
    """Settings over the practice fixture."""
    return Preferences(practice)


@pytest.fixture
def conversation(practice: Practice, preferences: Preferences) -> Conversation:
    """The conversation service both front ends call, over the practice fixture."""
    return Conversation(practice, preferences, Interviews(practice))


def user_info(user_id: int = 1001, **changes: str) -> UserInfo:
    """A private-chat user (chat id = user id)."""
    return UserInfo(
        id=user_id,
        chat_id=user_id,
        first_name=changes.get("first_name", f"User{user_id}"),
        username=changes.get("username"),
        language=changes.get("language", "en"),
    )
