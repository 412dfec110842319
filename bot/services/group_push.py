"""The groups' daily question: claim due groups exactly once per local day, and record the outcome.

The same claim as the personal push (``bot.services.daily``), in its own table and module:

1. ``claim_due`` takes a batch of groups whose ``next_push_at`` has passed, locked (``FOR
   UPDATE SKIP LOCKED`` on PostgreSQL, so two bot processes take different groups). For each
   it inserts the ``group_deliveries`` row of that group's local date (unique: whichever process
   inserts it owns the day), closes the question still open (its model answer and ranking go
   out first), opens the new one and moves ``next_push_at`` on, in one transaction. A push more
   than ``grace`` late is recorded as skipped.
2. The adapter posts and reports ``mark_sent`` (with the message id, from which on replies to
   it are answers), ``mark_failed``, or ``mark_removed`` (403: the bot is no longer in the group).
3. While its claims are being posted, the run renews them (``renew``, every third of ``lease``,
   ``PUSH_LEASE_SECONDS`` as for the personal push). A claim whose process died is no longer
   renewed: once ``lease`` has passed another process takes it over and posts the same question
   again (if still within the grace period). A run that lost a claim that way (it stalled for a
   whole lease) does not post it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime, timedelta

from bot.domain.daily import Status
from bot.domain.groups import CloseReason, GroupClaim, GroupClosed, Origin
from bot.domain.models import Question
from bot.domain.pushtime import local_date, next_occurrence
from bot.services.daily import CLAIM_LEASE, PUSH_GRACE, instance_name
from bot.services.groups import Groups
from bot.storage import group_deliveries
from bot.storage import groups as store
from bot.storage.group_models import Group
from bot.storage.unit_of_work import Session

logger = logging.getLogger(__name__)

CLAIM_BATCH = 50
"""Groups claimed per transaction."""


class GroupPush:
    """Claims and records the groups' daily questions over the group service."""

    def __init__(
        self,
        groups: Groups,
        *,
        grace: timedelta = PUSH_GRACE,
        lease: timedelta = CLAIM_LEASE,
        batch: int = CLAIM_BATCH,
        instance: str | None = None,
    ) -> None:
        if grace <= timedelta(0) or lease <= timedelta(0) or batch < 1:
            raise ValueError("grace and lease must be positive, batch at least 1")
        self.groups = groups
        self.practice = groups.practice
        self.grace = grace
        self.lease = lease
        self.batch = batch
        self.instance = instance or instance_name()

    async def claim_due(self) -> list[GroupClaim]:
        """Claim the next batch of due group questions (stale claims first); empty when none is left."""
        now = self.practice.now()
        stale = await self._take_over_stale(now)
        if stale:
            return stale
        while True:
            claims: list[GroupClaim] = []
            async with self.practice.transaction() as session:
                due = await group_deliveries.due_groups(session=session, now=now, limit=self.batch)
                for group in due:
                    claim = await self._claim_one(session, group, now)
                    if claim is not None:
                        claims.append(claim)
            if claims or not due:
                return claims

    async def _claim_one(self, session: Session, group: Group, now: datetime) -> GroupClaim | None:
        """Claim (or skip) one due group's question, close its open one, and move its schedule on."""
        scheduled = group.next_push_at
        assert scheduled is not None, "due_groups returns groups with a next push"
        assert group.daily_time is not None, "only subscribed groups have a next push"
        day = local_date(scheduled, group.timezone)
        group.next_push_at, _ = next_occurrence(
            group.daily_time,
            group.timezone,
            weekdays_only=group.push_weekdays_only,
            after=max(scheduled, now - self.grace),
        )
        if now - scheduled > self.grace:
            await self._record(session, group, day, scheduled, Status.SKIPPED, now, "too late")
            logger.info("Skipped group %d's push of %s: %s late", group.chat_id, day, now - scheduled)
            return None
        chosen = await self.groups.choose_in(session, group, None)
        if not isinstance(chosen, Question):
            await self._record(session, group, day, scheduled, Status.SKIPPED, now, "no question matches")
            return None
        delivery_id = await self._record(session, group, day, scheduled, Status.CLAIMED, now)
        if delivery_id is None:
            logger.info("Group %d already had its question of %s", group.chat_id, day)
            return None
        closing: GroupClosed | None = None
        open_now = await store.open_question(session=session, group_id=group.id, for_update=True)
        if open_now is not None and open_now.message_id is None:
            await store.forget_question(session=session, group_question_id=open_now.id)
        elif open_now is not None:
            closing = await self.groups.close_in(session, group, open_now, CloseReason.NEXT_PUSH, now)
        asked = await self.groups.open_in(session, group, chosen, Origin.DAILY, now)
        await group_deliveries.set_question(
            session=session, delivery_id=delivery_id, group_question_id=asked.group_question_id
        )
        return GroupClaim(
            delivery_id,
            group.id,
            group.chat_id,
            asked.group_question_id,
            chosen,
            asked.topic_title,
            day,
            closing=closing,
        )

    async def _record(  # noqa: PLR0917 (one row's columns)
        self,
        session: Session,
        group: Group,
        day: date,
        scheduled: datetime,
        status: str,
        now: datetime,
        error: str | None = None,
    ) -> int | None:
        return await group_deliveries.claim(
            session=session,
            group_id=group.id,
            local_date=day,
            scheduled_for=scheduled,
            status=status,
            now=now,
            claimed_by=self.instance,
            error=error,
        )

    async def _take_over_stale(self, now: datetime) -> list[GroupClaim]:
        """Claims whose run died before reporting, taken over (the same question posted again)."""
        claims: list[GroupClaim] = []
        async with self.practice.transaction() as session:
            rows = await group_deliveries.take_over_stale(
                session=session,
                claimed_before=now - self.lease,
                scheduled_after=now - self.grace,
                now=now,
                claimed_by=self.instance,
            )
            for delivery_id, group_id, group_question_id, day in rows:
                group = await store.group_by_id(session=session, group_id=group_id)
                row = (
                    await store.question_by_id(session=session, group_question_id=group_question_id)
                    if group_question_id is not None
                    else None
                )
                question = self.practice.bank.get(row.question_id) if row is not None else None
                if group is None or row is None or question is None or not group.active:
                    await group_deliveries.finish(
                        session=session, delivery_id=delivery_id, status=Status.FAILED, now=now, error="gone"
                    )
                    continue
                logger.warning("Re-posting group push %d to group %d: its run did not finish", delivery_id, group_id)
                title = self.practice.bank.topics.get(question.topic, question.topic)
                claims.append(
                    GroupClaim(delivery_id, group.id, group.chat_id, row.id, question, title, day, retry=True)
                )
        return claims

    async def renew(self, delivery_ids: Collection[int]) -> set[int]:
        """The run posting these claims is alive: their lease starts again now. The ids still held (a claim
        another process took over, after this run stalled for a whole lease, is not among them)."""
        async with self.practice.transaction() as session:
            return await group_deliveries.renew_claims(
                session=session, delivery_ids=delivery_ids, claimed_by=self.instance, now=self.practice.now()
            )

    async def mark_sent(self, claim: GroupClaim, chat_id: int, message_id: int) -> None:
        """The question is in the group as ``message_id``: replies to it are answers from now on."""
        async with self.practice.transaction() as session:
            await store.set_message(
                session=session, group_question_id=claim.group_question_id, chat_id=chat_id, message_id=message_id
            )
            await group_deliveries.finish(
                session=session, delivery_id=claim.delivery_id, status=Status.SENT, now=self.practice.now()
            )

    async def mark_failed(self, claim: GroupClaim, error: str) -> None:
        """Posting failed for good: recorded, and the question that never went out is forgotten."""
        async with self.practice.transaction() as session:
            await group_deliveries.finish(
                session=session,
                delivery_id=claim.delivery_id,
                status=Status.FAILED,
                now=self.practice.now(),
                error=error,
            )
            await store.forget_question(session=session, group_question_id=claim.group_question_id)

    async def mark_removed(self, claim: GroupClaim, chat_id: int) -> None:
        """Telegram said 403: the bot is not in the group any more. Recorded, and the group unsubscribed."""
        async with self.practice.transaction() as session:
            await group_deliveries.finish(
                session=session,
                delivery_id=claim.delivery_id,
                status=Status.BLOCKED,
                now=self.practice.now(),
                error="the bot is not in the group",
            )
            await store.forget_question(session=session, group_question_id=claim.group_question_id)
        await self.groups.left(chat_id)
