"""Database functions of the daily push: who is due, the claim that makes a push exactly-once, and its outcome.

Keyword-only arguments, the session passed in, never a commit (the caller owns the unit of
work). See ``bot.services.daily`` for how a push run uses them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update

from bot.domain.daily import AdminStats, Status
from bot.storage.group_models import GroupDelivery
from bot.storage.models import Delivery, User
from bot.storage.repository import dialect_insert
from bot.storage.unit_of_work import Session

ERROR_CHARS = 256
"""``deliveries.error`` is this long at most."""


async def due_subscribers(*, session: Session, now: datetime, limit: int) -> Sequence[User]:
    """Up to ``limit`` subscribers whose next daily question is due, earliest first, locked.

    An index range scan on ``next_push_at`` (NULL for everybody not subscribed). On PostgreSQL
    the rows are locked ``FOR UPDATE SKIP LOCKED``, so bot processes running side by side take
    different subscribers instead of queueing on the same ones; SQLite has one writer anyway.
    """
    stmt = (
        select(User)
        .where(User.next_push_at <= now)
        .order_by(User.next_push_at, User.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def claim_delivery(
    *,
    session: Session,
    user_id: int,
    local_date: date,
    scheduled_for: datetime,
    question_id: str | None,
    status: str,
    now: datetime,
    claimed_by: str,
) -> int | None:
    """Insert the user's delivery row for ``local_date``; its id, or None if that day already has one.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: of any number of processes trying at
    once, exactly one gets an id.
    """
    insert = dialect_insert(session)
    stmt = (
        insert(Delivery)
        .values(
            user_id=user_id,
            local_date=local_date,
            scheduled_for=scheduled_for,
            question_id=question_id,
            status=status,
            claimed_at=now,
            claimed_by=claimed_by,
            attempts=0,
            finished_at=None if status == "claimed" else now,
        )
        .on_conflict_do_nothing(index_elements=[Delivery.user_id, Delivery.local_date])
        .returning(Delivery.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def set_error(*, session: Session, delivery_id: int, error: str) -> None:
    """Say why a delivery was recorded as it was (a skipped push, say)."""
    await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(error=error[:ERROR_CHARS]))


async def finish_claim(
    *, session: Session, delivery_id: int, status: str, now: datetime, error: str | None = None
) -> None:
    """Record the outcome of a claimed push (only while it is still claimed: a late report changes nothing)."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == Status.CLAIMED)
        .values(status=status, finished_at=now, error=error[:ERROR_CHARS] if error else None)
        .execution_options(synchronize_session=False)
    )


async def renew_claims(
    *,
    session: Session,
    delivery_ids: Collection[int],
    claimed_by: str,
    now: datetime,
    table: type[Delivery] | type[GroupDelivery] = Delivery,
) -> set[int]:
    """Claims of ``claimed_by`` still being sent: their lease starts again at ``now``; the ids it still holds
    (one another process took over after its lease ran out is not among them). ``table``: the personal
    pushes' ``deliveries`` or the groups' ``group_deliveries``, whose claims work the same way."""
    if not delivery_ids:
        return set()
    renewed = await session.execute(
        update(table)
        .where(
            table.id.in_(delivery_ids),
            table.status == Status.CLAIMED,
            table.claimed_by == claimed_by,
        )
        .values(claimed_at=now)
        .returning(table.id)
        .execution_options(synchronize_session=False)
    )
    return {delivery_id for (delivery_id,) in renewed}


async def expire_stale_claims(
    *, session: Session, claimed_before: datetime, scheduled_before: datetime, now: datetime, error: str
) -> list[int]:
    """Claims of dead runs that are too late to send now: failed; their ids."""
    expired = await session.execute(
        update(Delivery)
        .where(
            Delivery.status == Status.CLAIMED,
            Delivery.claimed_at < claimed_before,
            Delivery.scheduled_for < scheduled_before,
        )
        .values(status=Status.FAILED, finished_at=now, error=error)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return [delivery_id for (delivery_id,) in expired]


async def take_over_stale_claims(
    *, session: Session, claimed_before: datetime, now: datetime, claimed_by: str
) -> list[tuple[int, int, str | None, date]]:
    """Claims of dead runs, taken over by ``claimed_by``: (delivery id, user id, question id, local date) each."""
    rows = await session.execute(
        update(Delivery)
        .where(Delivery.status == Status.CLAIMED, Delivery.claimed_at < claimed_before)
        .values(claimed_at=now, claimed_by=claimed_by, attempts=Delivery.attempts + 1)
        .returning(Delivery.id, Delivery.user_id, Delivery.question_id, Delivery.local_date)
        .execution_options(synchronize_session=False)
    )
    return [(delivery_id, user_id, question_id, day) for delivery_id, user_id, question_id, day in rows]


async def push_figures(*, session: Session, now: datetime, day_start: datetime, active_since: datetime) -> AdminStats:
    """What /admin shows: users, subscribers, who is due, pushes finished since ``day_start`` by outcome,
    and users seen since ``active_since``."""
    users = await session.scalar(select(func.count()).select_from(User)) or 0
    subscribers = await session.scalar(select(func.count()).where(User.next_push_at.is_not(None))) or 0
    due_now = await session.scalar(select(func.count()).where(User.next_push_at <= now)) or 0
    active = await session.scalar(select(func.count()).where(User.last_seen_at >= active_since)) or 0
    counts = await session.execute(
        select(Delivery.status, func.count()).where(Delivery.finished_at >= day_start).group_by(Delivery.status)
    )
    by_status: dict[str, int] = {row[0]: row[1] for row in counts}
    return AdminStats(
        users=users,
        subscribers=subscribers,
        sent_today=by_status.get(Status.SENT, 0),
        failed_today=by_status.get(Status.FAILED, 0),
        blocked_today=by_status.get(Status.BLOCKED, 0),
        skipped_today=by_status.get(Status.SKIPPED, 0),
        active_this_week=active,
        due_now=due_now,
    )
