"""Database functions of the groups' daily question: which groups are due, the exactly-once claim, its outcome.

The same mechanism as the personal push (``bot.storage.deliveries``), on its own table: one
``group_deliveries`` row per group and local date, inserted ``ON CONFLICT DO NOTHING`` (the
process that inserts it owns that day's question), due groups locked ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, claims renewed while their run is alive (``renew_claims``, the personal
push's function on this table) and taken over once a lease has passed without a renewal.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import select, update

from bot.domain.daily import Status
from bot.storage import deliveries
from bot.storage.group_models import Group, GroupDelivery
from bot.storage.repository import dialect_insert
from bot.storage.unit_of_work import Session

ERROR_CHARS = 256


async def due_groups(*, session: Session, now: datetime, limit: int) -> Sequence[Group]:
    """Up to ``limit`` groups whose daily question is due, earliest first, locked (skipping locked ones)."""
    stmt = (
        select(Group)
        .where(Group.next_push_at <= now)
        .order_by(Group.next_push_at, Group.id)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    return (await session.scalars(stmt)).all()


async def claim(
    *,
    session: Session,
    group_id: int,
    local_date: date,
    scheduled_for: datetime,
    status: str,
    now: datetime,
    claimed_by: str,
    error: str | None = None,
) -> int | None:
    """Insert the group's delivery row for ``local_date``; its id, or None if that day already has one."""
    insert = dialect_insert(session)
    stmt = (
        insert(GroupDelivery)
        .values(
            group_id=group_id,
            local_date=local_date,
            scheduled_for=scheduled_for,
            status=status,
            claimed_at=now,
            claimed_by=claimed_by,
            attempts=0,
            finished_at=None if status == Status.CLAIMED else now,
            error=error[:ERROR_CHARS] if error else None,
        )
        .on_conflict_do_nothing(index_elements=[GroupDelivery.group_id, GroupDelivery.local_date])
        .returning(GroupDelivery.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def set_question(*, session: Session, delivery_id: int, group_question_id: int) -> None:
    """The question the claimed delivery posts."""
    await session.execute(
        update(GroupDelivery)
        .where(GroupDelivery.id == delivery_id)
        .values(group_question_id=group_question_id)
        .execution_options(synchronize_session=False)
    )


async def finish(*, session: Session, delivery_id: int, status: str, now: datetime, error: str | None = None) -> None:
    """Record the outcome of a claimed delivery (only while it is still claimed)."""
    await session.execute(
        update(GroupDelivery)
        .where(GroupDelivery.id == delivery_id, GroupDelivery.status == Status.CLAIMED)
        .values(status=status, finished_at=now, error=error[:ERROR_CHARS] if error else None)
        .execution_options(synchronize_session=False)
    )


async def renew_claims(*, session: Session, delivery_ids: Collection[int], claimed_by: str, now: datetime) -> set[int]:
    """Group claims of ``claimed_by`` still being posted: their lease starts again at ``now``; the ids it still
    holds (one another process took over after its lease ran out is not among them)."""
    return await deliveries.renew_claims(
        session=session, delivery_ids=delivery_ids, claimed_by=claimed_by, now=now, table=GroupDelivery
    )


async def take_over_stale(
    *, session: Session, claimed_before: datetime, scheduled_after: datetime, now: datetime, claimed_by: str
) -> list[tuple[int, int, int | None, date]]:
    """Claims of dead runs still worth sending, taken over: (delivery id, group id, group question id, date).

    Claims too late to send (scheduled before ``scheduled_after``) are marked failed instead.
    """
    await session.execute(
        update(GroupDelivery)
        .where(
            GroupDelivery.status == Status.CLAIMED,
            GroupDelivery.claimed_at < claimed_before,
            GroupDelivery.scheduled_for < scheduled_after,
        )
        .values(status=Status.FAILED, finished_at=now, error="claim expired past the grace period")
        .execution_options(synchronize_session=False)
    )
    rows = await session.execute(
        update(GroupDelivery)
        .where(GroupDelivery.status == Status.CLAIMED, GroupDelivery.claimed_at < claimed_before)
        .values(claimed_at=now, claimed_by=claimed_by, attempts=GroupDelivery.attempts + 1)
        .returning(GroupDelivery.id, GroupDelivery.group_id, GroupDelivery.group_question_id, GroupDelivery.local_date)
        .execution_options(synchronize_session=False)
    )
    return [(delivery_id, group_id, question, day) for delivery_id, group_id, question, day in rows]
