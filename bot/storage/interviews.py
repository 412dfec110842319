"""Database functions for mock interview rounds: keyword-only arguments, the session passed in, never a commit.

Like ``bot.storage.repository``, every function is scoped by ``user_id``: a round id from a
button is only ever looked up together with the user who pressed it, so a forged id that
belongs to somebody else finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import InterviewItem, InterviewRound

ACTIVE = "active"
"""``interview_rounds.status`` of the round in progress (the other values are set by the core)."""


async def active_round(*, session: AsyncSession, user_id: int, for_update: bool = False) -> InterviewRound | None:
    """The user's round in progress, if any (the newest, should there ever be two)."""
    stmt = (
        select(InterviewRound)
        .where(InterviewRound.user_id == user_id, InterviewRound.status == ACTIVE)
        .order_by(InterviewRound.started_at.desc(), InterviewRound.id.desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_round(*, session: AsyncSession, user_id: int, round_id: int) -> InterviewRound | None:
    """One of the user's rounds by id; another user's round is None."""
    stmt = select(InterviewRound).where(InterviewRound.id == round_id, InterviewRound.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def round_items(*, session: AsyncSession, user_id: int, round_id: int) -> list[InterviewItem]:
    """The questions of one of the user's rounds, in order."""
    stmt = (
        select(InterviewItem)
        .where(InterviewItem.round_id == round_id, InterviewItem.user_id == user_id)
        .order_by(InterviewItem.position)
    )
    return list((await session.execute(stmt)).scalars().all())


async def count_rounds(*, session: AsyncSession, user_id: int) -> int:
    """How many rounds the user has started (any status)."""
    stmt = select(func.count(InterviewRound.id)).where(InterviewRound.user_id == user_id)
    return int((await session.execute(stmt)).scalar_one())


async def list_rounds(*, session: AsyncSession, user_id: int, limit: int) -> Sequence[InterviewRound]:
    """The user's newest rounds first, at most ``limit``."""
    stmt = (
        select(InterviewRound)
        .where(InterviewRound.user_id == user_id)
        .order_by(InterviewRound.started_at.desc(), InterviewRound.id.desc())
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def add_round(
    *, session: AsyncSession, round_row: InterviewRound, items: Sequence[InterviewItem]
) -> InterviewRound:
    """Insert a round and its items and flush, so the round's id is known."""
    session.add(round_row)
    await session.flush()
    for item in items:
        item.round_id = round_row.id
        session.add(item)
    await session.flush()
    return round_row
