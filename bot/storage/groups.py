"""Database functions of study groups: the group, its questions, members' answers, rankings and leaderboards.

Keyword-only arguments, the session passed in, never a commit. Every function is scoped by
one group (its ``group_id`` or current ``chat_id``): none reads or changes another group's
rows, which is what keeps one group from ever seeing another's members or scores.

Groups and their questions are locked ``FOR NO KEY UPDATE`` on PostgreSQL (``key_share``): it
serialises the actions on one group as ``FOR UPDATE`` would, but not the foreign-key checks of
rows being added under it (an answer's), which take ``KEY SHARE`` on the group and would
otherwise deadlock against a ``/reveal`` holding the group and waiting for the question.
Locks are taken in one order: group, then question, then user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Result, delete, func, select, update

from bot.domain.groups import CloseReason, Tally
from bot.storage.group_models import Group, GroupAnswer, GroupDelivery, GroupMember, GroupQuestion
from bot.storage.models import User
from bot.storage.repository import dialect_insert
from bot.storage.unit_of_work import Session

OPEN = "open"
CLOSED = "closed"


# ---- the group ---------------------------------------------------------------------------------------


async def get_group(*, session: Session, chat_id: int, for_update: bool = False) -> Group | None:
    """The group now at ``chat_id``, or None."""
    stmt = select(Group).where(Group.chat_id == chat_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def upsert_group(
    *, session: Session, chat_id: int, title: str, supergroup: bool, now: datetime, timezone: str
) -> tuple[Group, bool]:
    """The group at ``chat_id`` (created if new: ``timezone`` is a new group's), locked until commit; True if created.

    ``INSERT … ON CONFLICT DO NOTHING`` first, so two first commands at once cannot both create it.
    """
    insert = dialect_insert(session)
    created = await session.execute(
        insert(Group)
        .values(
            chat_id=chat_id,
            title=title[:256],
            supergroup=supergroup,
            active=True,
            created_at=now,
            topics=[],
            timezone=timezone,
            push_weekdays_only=False,
        )
        .on_conflict_do_nothing(index_elements=[Group.chat_id])
        .returning(Group.id)
    )
    is_new = created.scalar_one_or_none() is not None
    stmt = select(Group).where(Group.chat_id == chat_id).with_for_update(key_share=True)
    group = (await session.execute(stmt, execution_options={"populate_existing": True})).scalar_one()
    if title:
        group.title = title[:256]
    group.supergroup = group.supergroup or supergroup
    return group, is_new


async def move_group(*, session: Session, old_chat_id: int, new_chat_id: int) -> bool:
    """The group at ``old_chat_id`` is now at ``new_chat_id`` (an upgrade to a supergroup); False if unknown.

    A row the new chat got in the moments between the upgrade and this call (the bot's
    ``my_chat_member`` there can come first) holds nothing yet but that moment: it gives way.
    """
    old = await get_group(session=session, chat_id=old_chat_id, for_update=True)
    if old is None:
        return False
    newcomer = await get_group(session=session, chat_id=new_chat_id, for_update=True)
    if newcomer is not None:
        await delete_group_rows(session=session, group_id=newcomer.id)
    old.chat_id = new_chat_id
    old.supergroup = True
    await session.flush()
    return True


async def group_by_id(*, session: Session, group_id: int, for_update: bool = False) -> Group | None:
    """The group by its own id (a push claim's), or None."""
    stmt = select(Group).where(Group.id == group_id)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_group_rows(*, session: Session, group_id: int) -> int:
    """Delete the group and everything of it (children first, so the count is right); how many rows went."""
    removed = 0
    for stmt in (
        delete(GroupAnswer).where(GroupAnswer.group_id == group_id),
        delete(GroupMember).where(GroupMember.group_id == group_id),
        delete(GroupDelivery).where(GroupDelivery.group_id == group_id),
        delete(GroupQuestion).where(GroupQuestion.group_id == group_id),
        delete(Group).where(Group.id == group_id),
    ):
        removed += _rowcount(await session.execute(stmt.execution_options(synchronize_session=False)))
    return removed


# ---- questions ----------------------------------------------------------------------------------------


async def open_question(*, session: Session, group_id: int, for_update: bool = False) -> GroupQuestion | None:
    """The group's open question, if any."""
    stmt = select(GroupQuestion).where(GroupQuestion.group_id == group_id, GroupQuestion.status == OPEN)
    if for_update:
        stmt = stmt.with_for_update(key_share=True)
    return (await session.execute(stmt.order_by(GroupQuestion.id.desc()).limit(1))).scalar_one_or_none()


async def question_by_id(*, session: Session, group_question_id: int) -> GroupQuestion | None:
    """A group question by id (a push claim's), or None."""
    return await session.get(GroupQuestion, group_question_id)


async def question_by_message(*, session: Session, chat_id: int, message_id: int) -> GroupQuestion | None:
    """The open question posted as ``message_id`` in ``chat_id``, locked (answers to it queue on it)."""
    stmt = (
        select(GroupQuestion)
        .where(GroupQuestion.chat_id == chat_id, GroupQuestion.message_id == message_id, GroupQuestion.status == OPEN)
        .with_for_update(key_share=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_question(
    *,
    session: Session,
    group: Group,
    question_id: str,
    topic: str,
    origin: str,
    now: datetime,
    closes_at: datetime,
) -> GroupQuestion:
    """Open a question in the group (its message id comes once it is sent) and start the cool-down."""
    row = GroupQuestion(
        group_id=group.id,
        question_id=question_id,
        topic=topic,
        origin=origin,
        chat_id=group.chat_id,
        status=OPEN,
        opened_at=now,
        closes_at=closes_at,
    )
    session.add(row)
    group.last_posted_at = now
    await session.flush()
    return row


async def set_message(*, session: Session, group_question_id: int, chat_id: int, message_id: int) -> None:
    """Telegram accepted the question as ``message_id`` in ``chat_id``: replies to it are answers from now on."""
    await session.execute(
        update(GroupQuestion)
        .where(GroupQuestion.id == group_question_id)
        .values(chat_id=chat_id, message_id=message_id)
        .execution_options(synchronize_session=False)
    )


async def close_question(*, session: Session, group_question_id: int, now: datetime, reason: str) -> bool:
    """Close the question if it is still open; True for the one caller that closed it."""
    result = await session.execute(
        update(GroupQuestion)
        .where(GroupQuestion.id == group_question_id, GroupQuestion.status == OPEN)
        .values(status=CLOSED, closed_at=now, close_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def forget_question(*, session: Session, group_question_id: int) -> None:
    """A question that was never posted (sending it failed): gone, answers impossible."""
    await session.execute(
        delete(GroupQuestion)
        .where(GroupQuestion.id == group_question_id, GroupQuestion.message_id.is_(None))
        .execution_options(synchronize_session=False)
    )


async def close_expired(*, session: Session, now: datetime, limit: int) -> list[GroupQuestion]:
    """Up to ``limit`` open questions past their closing time, closed now; those this caller closed.

    Locked ``FOR UPDATE SKIP LOCKED``, so of two bot processes only one closes (and announces) each.
    """
    stmt = (
        select(GroupQuestion)
        .where(GroupQuestion.status == OPEN, GroupQuestion.closes_at <= now)
        .order_by(GroupQuestion.closes_at, GroupQuestion.id)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    rows = list((await session.execute(stmt)).scalars().all())
    for row in rows:
        row.status, row.closed_at, row.close_reason = CLOSED, now, CloseReason.EXPIRED
    await session.flush()
    return rows


async def asked_before(*, session: Session, group_id: int) -> dict[str, datetime]:
    """Each question the group was asked, and when last."""
    stmt = (
        select(GroupQuestion.question_id, func.max(GroupQuestion.opened_at))
        .where(GroupQuestion.group_id == group_id)
        .group_by(GroupQuestion.question_id)
    )
    return {row[0]: row[1] for row in (await session.execute(stmt)).all()}


async def recent_question_ids(*, session: Session, group_id: int, limit: int) -> list[int]:
    """The group's latest posted questions, newest first (ids)."""
    stmt = (
        select(GroupQuestion.id)
        .where(GroupQuestion.group_id == group_id, GroupQuestion.message_id.is_not(None))
        .order_by(GroupQuestion.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


# ---- members and answers ------------------------------------------------------------------------------


async def member_user(
    *, session: Session, user_id: int, first_name: str, username: str | None, language: str | None, now: datetime
) -> User:
    """The member's user row (their attempts and reviews hang off it), created if they never wrote privately.

    A row created here has ``blocked_at`` set: the bot cannot message someone who never started
    it. Their first private message clears it (``repository.upsert_user``). Locked until commit.
    """
    insert = dialect_insert(session)
    await session.execute(
        insert(User)
        .values(
            id=user_id,
            chat_id=user_id,
            first_name=first_name[:256],
            username=username,
            language=language,
            created_at=now,
            last_seen_at=now,
            topics=[],
            timezone="UTC",
            hints_used=0,
            blocked_at=now,
        )
        .on_conflict_do_nothing(index_elements=[User.id])
    )
    stmt = select(User).where(User.id == user_id).with_for_update()
    user = (await session.execute(stmt, execution_options={"populate_existing": True})).scalar_one()
    user.last_seen_at = now
    return user


async def member(*, session: Session, group_id: int, user_id: int, name: str, now: datetime) -> GroupMember:
    """The member's row in the group (created on their first answer), with the name rankings show."""
    row = await session.get(GroupMember, (group_id, user_id))
    if row is None:
        row = GroupMember(group_id=group_id, user_id=user_id, display_name=name, joined_at=now)
        session.add(row)
    row.display_name = name
    return row


async def tries(*, session: Session, group_question_id: int, user_id: int) -> list[GroupAnswer]:
    """The member's earlier answers to the question, first try first."""
    stmt = (
        select(GroupAnswer)
        .where(GroupAnswer.group_question_id == group_question_id, GroupAnswer.user_id == user_id)
        .order_by(GroupAnswer.try_number)
    )
    return list((await session.execute(stmt)).scalars().all())


async def add_answer(
    *,
    session: Session,
    question: GroupQuestion,
    user_id: int,
    try_number: int,
    score: float,
    points: int,
    now: datetime,
) -> None:
    """Record one member's graded reply."""
    session.add(
        GroupAnswer(
            group_question_id=question.id,
            group_id=question.group_id,
            user_id=user_id,
            try_number=try_number,
            score=score,
            points=points,
            answered_at=now,
        )
    )
    await session.flush()


async def ranking(*, session: Session, group_question_id: int) -> list[tuple[str, float]]:
    """(name, score) of each member's counted answer to the question, in answer order."""
    stmt = (
        select(GroupMember.display_name, GroupAnswer.score)
        .join(
            GroupMember, (GroupMember.group_id == GroupAnswer.group_id) & (GroupMember.user_id == GroupAnswer.user_id)
        )
        .where(GroupAnswer.group_question_id == group_question_id, GroupAnswer.try_number == 1)
        .order_by(GroupAnswer.answered_at, GroupAnswer.id)
    )
    return [(name, score) for name, score in (await session.execute(stmt)).all()]


async def tallies(*, session: Session, group_id: int, since: datetime | None = None) -> list[Tally]:
    """Every member's points and counted answers in the group (since ``since``, if given)."""
    conditions: list[Any] = [GroupAnswer.group_id == group_id, GroupAnswer.try_number == 1]
    if since is not None:
        conditions.append(GroupAnswer.answered_at >= since)
    stmt = (
        select(GroupAnswer.user_id, GroupMember.display_name, func.sum(GroupAnswer.points), func.count())
        .join(
            GroupMember, (GroupMember.group_id == GroupAnswer.group_id) & (GroupMember.user_id == GroupAnswer.user_id)
        )
        .where(*conditions)
        .group_by(GroupAnswer.user_id, GroupMember.display_name)
    )
    return [Tally(u, name, int(points or 0), int(n)) for u, name, points, n in (await session.execute(stmt)).all()]


async def answered(
    *, session: Session, group_id: int, user_ids: Sequence[int], question_ids: Sequence[int]
) -> dict[int, set[int]]:
    """Which of ``question_ids`` each of ``user_ids`` answered in the group."""
    if not user_ids or not question_ids:
        return {}
    stmt = select(GroupAnswer.user_id, GroupAnswer.group_question_id).where(
        GroupAnswer.group_id == group_id,
        GroupAnswer.try_number == 1,
        GroupAnswer.user_id.in_(list(user_ids)),
        GroupAnswer.group_question_id.in_(list(question_ids)),
    )
    found: dict[int, set[int]] = {}
    for user_id, question_id in (await session.execute(stmt)).all():
        found.setdefault(user_id, set()).add(question_id)
    return found


def _rowcount(result: Result[Any]) -> int:
    """Rows a DML statement touched."""
    assert isinstance(result, CursorResult)
    return result.rowcount
