"""Small database functions: keyword-only arguments, the session passed in, never a commit.

The caller owns the unit of work (``async with session.begin():``). Every function is
scoped by ``user_id``: none can read or change another user's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.scheduling import ReviewState
from bot.storage.group_models import GroupAnswer, GroupMember
from bot.storage.models import Attempt, Deck, Delivery, InterviewItem, InterviewRound, Review, User


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """The columns stats need from one attempt."""

    question_id: str
    topic: str
    score: float
    gave_up: bool
    created_at: datetime


async def get_user(*, session: AsyncSession, user_id: int, for_update: bool = False) -> User | None:
    """The user, or None. ``for_update`` locks the row until commit (PostgreSQL; SQLite locks at BEGIN)."""
    stmt = select(User).where(User.id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def upsert_user(
    *,
    session: AsyncSession,
    user_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    language: str | None,
    now: datetime,
    timezone: str = "UTC",
) -> tuple[User, bool]:
    """Create the user or refresh their profile; returns the locked row and whether it is new.

    ``timezone`` is a new user's default; an existing user keeps theirs. New users are not subscribed.
    A returning user (the common case) costs one statement, ``UPDATE … RETURNING``; a new one
    ``INSERT … ON CONFLICT DO NOTHING RETURNING``, so two first messages arriving together
    cannot both create the user: the one that loses the race refreshes the winner's row.
    Either way the row comes back locked until commit.
    """
    refresh = (
        update(User)
        .where(User.id == user_id)
        .values(
            chat_id=chat_id,
            first_name=first_name,
            username=username,
            language=language,
            last_seen_at=now,
            blocked_at=None,  # they wrote to us, so they have not blocked the bot
        )
        .returning(User)
    )
    options = {"populate_existing": True}
    user = (await session.scalars(refresh, execution_options=options)).one_or_none()
    if user is not None:
        return user, False
    values: dict[str, Any] = {
        "id": user_id,
        "chat_id": chat_id,
        "first_name": first_name,
        "username": username,
        "language": language,
        "created_at": now,
        "last_seen_at": now,
        "topics": [],
        "timezone": timezone,
        "hints_used": 0,
    }
    insert = dialect_insert(session)
    create = insert(User).values(values).on_conflict_do_nothing(index_elements=[User.id]).returning(User)
    user = (await session.scalars(create, execution_options=options)).one_or_none()
    if user is not None:
        return user, True
    return (await session.scalars(refresh, execution_options=options)).one(), False


async def record_attempt(
    *,
    session: AsyncSession,
    user_id: int,
    question_id: str,
    topic: str,
    answer_text: str,
    score: float,
    coverage: float,
    max_score: float,
    verdict: str | None,
    covered: list[dict[str, Any]],
    missed: list[str],
    contradicted: list[dict[str, Any]],
    hints_used: int,
    gave_up: bool,
    now: datetime,
) -> Attempt:
    """Add one attempt and flush it, so its id is known."""
    attempt = Attempt(
        user_id=user_id,
        question_id=question_id,
        topic=topic,
        answer_text=answer_text,
        score=score,
        coverage=coverage,
        max_score=max_score,
        verdict=verdict,
        covered=covered,
        missed=missed,
        contradicted=contradicted,
        hints_used=hints_used,
        gave_up=gave_up,
        created_at=now,
    )
    session.add(attempt)
    await session.flush()
    return attempt


async def question_history(*, session: AsyncSession, user_id: int, question_id: str) -> tuple[int, float | None]:
    """How many attempts the user made on a question, and their best score (None if none)."""
    stmt = select(func.count(Attempt.id), func.max(Attempt.score)).where(
        Attempt.user_id == user_id, Attempt.question_id == question_id
    )
    count, best = (await session.execute(stmt)).one()
    return int(count), None if best is None else float(best)


async def list_attempts(*, session: AsyncSession, user_id: int) -> list[AttemptRow]:
    """Every attempt of the user, oldest first, without the answer texts."""
    stmt = (
        select(Attempt.question_id, Attempt.topic, Attempt.score, Attempt.gave_up, Attempt.created_at)
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.created_at, Attempt.id)
    )
    return [AttemptRow(*row) for row in (await session.execute(stmt)).all()]


async def get_attempt(*, session: AsyncSession, user_id: int, attempt_id: int) -> Attempt | None:
    """One of the user's attempts by id; another user's attempt is None."""
    stmt = select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_review(*, session: AsyncSession, user_id: int, question_id: str) -> Review | None:
    """The user's review state for a question, or None if never seen."""
    return await session.get(Review, (user_id, question_id))


async def save_review(*, session: AsyncSession, user_id: int, state: ReviewState) -> None:
    """Store the user's review state of ``state.question_id``, creating the row the first time."""
    row = await session.get(Review, (user_id, state.question_id))
    if row is None:
        row = Review(user_id=user_id, question_id=state.question_id)
        session.add(row)
    row.repetitions = state.repetitions
    row.interval_days = state.interval_days
    row.ease = state.ease
    row.due_at = state.due_at
    row.last_score = state.last_score
    row.seen_count = state.seen_count
    row.last_seen_at = state.last_seen_at


async def list_reviews(*, session: AsyncSession, user_id: int) -> Sequence[Review]:
    """Every review state of the user."""
    return (await session.execute(select(Review).where(Review.user_id == user_id))).scalars().all()


async def delete_user_data(*, session: AsyncSession, user_id: int) -> int:
    """Delete every row of the user; returns how many rows went.

    Children are deleted explicitly rather than left to ``ON DELETE CASCADE``, so the count is
    right and nothing survives on a SQLite connection opened without foreign keys.
    """
    statements = (
        delete(Attempt).where(Attempt.user_id == user_id),
        delete(Review).where(Review.user_id == user_id),
        delete(Delivery).where(Delivery.user_id == user_id),
        delete(InterviewItem).where(InterviewItem.user_id == user_id),
        delete(InterviewRound).where(InterviewRound.user_id == user_id),
        delete(Deck).where(Deck.owner_id == user_id),
        # Their answers and leaderboard entries in study groups (the groups themselves stay).
        delete(GroupAnswer).where(GroupAnswer.user_id == user_id),
        delete(GroupMember).where(GroupMember.user_id == user_id),
        delete(User).where(User.id == user_id),
    )
    removed = 0
    for stmt in statements:
        removed += _rowcount(await session.execute(stmt))
    return removed


def dialect_insert(session: AsyncSession) -> Any:
    """The dialect's ``insert`` (PostgreSQL or SQLite), which has ``on_conflict_do_nothing``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _rowcount(result: Result[Any]) -> int:
    """Rows a DML statement touched (``execute`` is typed as returning a plain ``Result``)."""
    return cast(CursorResult[Any], result).rowcount
