"""The daily question: claim who is due, exactly once per subscriber and local day, and record the outcome.

How a push run goes (the adapter's job calls ``claim_due`` until it returns nothing):

1. ``claim_due`` takes a batch of subscribers whose ``next_push_at`` has passed, locked
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two bot processes take different people).
   For each it inserts the ``deliveries`` row for that subscriber's local date (unique:
   whichever process inserts it owns the push), opens the question spaced repetition picks
   (so a plain reply is graded), and moves ``next_push_at`` to the next local occurrence, all
   in one transaction. A push found more than ``grace`` late (the bot was down) is recorded
   as ``skipped`` instead: nobody wants yesterday's 09:00 question at 3 a.m.
2. The adapter sends each claimed question and reports ``mark_sent``, ``mark_failed`` or
   ``mark_blocked`` (403: the user blocked the bot, so they are unsubscribed).
3. While its claims are being sent, the run renews them (``renew``, every third of ``lease``).
   A claim whose process died stays ``claimed`` and is no longer renewed: once ``lease`` has
   passed any process re-claims it (once per lease) and sends it again, if still within the
   grace period, so a crash delays the rest of its batch by the lease (two minutes by
   default), not more. A run that lost a claim that way (it stalled for a whole lease) does
   not send it. The only way to get two messages for one day is a crash between Telegram
   accepting a message and the ``mark_sent`` commit, a window of one database round trip.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta

from bot.domain.daily import AdminStats, Claim, Status
from bot.domain.practice import EmptyPool
from bot.domain.pushtime import local_date, next_occurrence
from bot.services.practice import Practice
from bot.services.rows import block
from bot.storage import deliveries, repository
from bot.storage import interviews as interview_store
from bot.storage.models import User
from bot.storage.unit_of_work import Session

logger = logging.getLogger(__name__)

PUSH_GRACE = timedelta(hours=3)
"""A push missed by less than this (downtime) is sent late; an older one is skipped."""
CLAIM_LEASE = timedelta(minutes=2)
"""A claim neither renewed nor reported as sent or failed for this long is taken over by another run
(``PUSH_LEASE_SECONDS``)."""
CLAIM_BATCH = 50
"""Subscribers claimed per transaction: small enough to keep locks short, big enough to keep
Telegram's rate limit busy (at 30 messages a second a batch is under two seconds of sending)."""


def instance_name() -> str:
    """Who claims: host and process id (shows in the deliveries table and the logs)."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}"


class DailyPush:
    """Claims and records daily pushes over the practice service's bank and database."""

    def __init__(
        self,
        practice: Practice,
        *,
        grace: timedelta = PUSH_GRACE,
        lease: timedelta = CLAIM_LEASE,
        batch: int = CLAIM_BATCH,
        instance: str | None = None,
    ) -> None:
        if grace <= timedelta(0) or lease <= timedelta(0) or batch < 1:
            raise ValueError("grace and lease must be positive, batch at least 1")
        self.practice = practice
        self.grace = grace
        self.lease = lease
        self.batch = batch
        self.instance = instance or instance_name()

    async def claim_due(self) -> list[Claim]:
        """Claim the next batch of due pushes (stale claims of dead runs first); empty when none is left.

        Late pushes that are skipped rather than claimed do not end the run: it goes on until
        it has something to send or nobody is due.
        """
        now = self.practice.now()
        stale = await self._reclaim_stale(now)
        if stale:
            return stale
        while True:
            claims: list[Claim] = []
            async with self.practice.transaction() as session:
                due = await deliveries.due_subscribers(session=session, now=now, limit=self.batch)
                for user in due:
                    claim = await self._claim_one(session, user, now)
                    if claim is not None:
                        claims.append(claim)
            if claims or not due:
                return claims

    async def _claim_one(self, session: Session, user: User, now: datetime) -> Claim | None:
        """Claim (or skip) one due subscriber's push and move their schedule on."""
        scheduled = user.next_push_at
        assert scheduled is not None, "due_subscribers returns users with a next push"
        assert user.daily_time is not None, "only subscribers have a next push"
        day = local_date(scheduled, user.timezone)
        late = now - scheduled > self.grace
        # Whatever happens below, this occurrence is dealt with: the next one is after it,
        # or after the grace window if we are so late that several were missed.
        user.next_push_at, _ = next_occurrence(
            user.daily_time,
            user.timezone,
            weekdays_only=user.push_weekdays_only,
            after=max(scheduled, now - self.grace),
        )
        if late:
            await self._record(session, user, day, scheduled, None, Status.SKIPPED, now)
            logger.info("Skipped user %d's push of %s: %s late", user.id, day, now - scheduled)
            return None
        chosen = await self.practice.choose_for(session, user, now)
        if isinstance(chosen, EmptyPool):
            await self._record(session, user, day, scheduled, None, Status.SKIPPED, now, "no question matches")
            return None
        question, is_repeat = chosen
        delivery_id = await self._record(session, user, day, scheduled, question.id, Status.CLAIMED, now)
        if delivery_id is None:
            logger.info("User %d already had a push for %s", user.id, day)
            return None
        replaced = await self.practice.open_in(session, user, question, now)
        in_round = await interview_store.active_round(session=session, user_id=user.id) is not None
        title = self.practice.pools.pool_of(user).topic_title(question.topic)
        return Claim(
            delivery_id,
            user.id,
            user.chat_id,
            question,
            day,
            scheduled,
            replaced,
            is_repeat,
            in_round=in_round,
            topic_title=title,
        )

    async def _record(  # noqa: PLR0917 (one row's columns)
        self,
        session: Session,
        user: User,
        day: date,
        scheduled: datetime,
        question_id: str | None,
        status: str,
        now: datetime,
        error: str | None = None,
    ) -> int | None:
        delivery_id = await deliveries.claim_delivery(
            session=session,
            user_id=user.id,
            local_date=day,
            scheduled_for=scheduled,
            question_id=question_id,
            status=status,
            now=now,
            claimed_by=self.instance,
        )
        if delivery_id is not None and error is not None:
            await deliveries.set_error(session=session, delivery_id=delivery_id, error=error)
        return delivery_id

    async def _reclaim_stale(self, now: datetime) -> list[Claim]:
        """Take over claims whose run died before reporting; give up on those past the grace period."""
        cutoff = now - self.lease
        async with self.practice.transaction() as session:
            expired = await deliveries.expire_stale_claims(
                session=session,
                claimed_before=cutoff,
                scheduled_before=now - self.grace,
                now=now,
                error="claim expired past the grace period",
            )
            for delivery_id in expired:
                logger.warning("Gave up on push %d: its run died and it is now too late", delivery_id)
            rows = await deliveries.take_over_stale_claims(
                session=session, claimed_before=cutoff, now=now, claimed_by=self.instance
            )
            claims: list[Claim] = []
            for delivery_id, user_id, question_id, day in rows:
                user = await repository.get_user(session=session, user_id=user_id, for_update=True)
                pool = await self.practice.pools.pool_in(session, user) if user is not None else None
                question = pool.get(question_id) if pool is not None and question_id else None
                if user is None or pool is None or question is None:
                    await self._finish(session, delivery_id, Status.FAILED, now, "question left the bank")
                    continue
                # The dead run opened this question; if the user has opened another since (they asked
                # for one), that one stays open and the push says so: a plain reply answers that one.
                other_open = None
                if user.open_question_id is None:
                    await self.practice.open_in(session, user, question, now)
                elif user.open_question_id != question.id:
                    other_open = pool.get(user.open_question_id)
                in_round = await interview_store.active_round(session=session, user_id=user.id) is not None
                logger.warning("Re-sending push %d to user %d: its run did not finish", delivery_id, user_id)
                claims.append(
                    Claim(
                        delivery_id,
                        user_id,
                        user.chat_id,
                        question,
                        day,
                        now,
                        None,
                        retry=True,
                        in_round=in_round,
                        topic_title=pool.topic_title(question.topic),
                        other_open=other_open,
                    )
                )
            return claims

    async def renew(self, delivery_ids: Collection[int]) -> set[int]:
        """The run sending these claims is alive: their lease starts again now. The ids still held (a claim
        another process took over, after this run stalled for a whole lease, is not among them)."""
        async with self.practice.transaction() as session:
            return await deliveries.renew_claims(
                session=session, delivery_ids=delivery_ids, claimed_by=self.instance, now=self.practice.now()
            )

    async def mark_sent(self, delivery_id: int) -> None:
        """The question reached the user."""
        async with self.practice.transaction() as session:
            await self._finish(session, delivery_id, Status.SENT, self.practice.now())

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        """Sending failed for good (after retries); counted in /admin."""
        async with self.practice.transaction() as session:
            await self._finish(session, delivery_id, Status.FAILED, self.practice.now(), error)

    async def mark_blocked(self, delivery_id: int, user_id: int) -> None:
        """Telegram said 403: the user blocked the bot. Record it and unsubscribe them."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            await self._finish(session, delivery_id, Status.BLOCKED, now, "the user blocked the bot")
            user = await repository.get_user(session=session, user_id=user_id, for_update=True)
            if user is not None:
                block(user, now)

    async def _finish(
        self, session: Session, delivery_id: int, status: str, now: datetime, error: str | None = None
    ) -> None:
        await deliveries.finish_claim(session=session, delivery_id=delivery_id, status=status, now=now, error=error)

    async def admin_stats(self) -> AdminStats:
        """Subscribers, today's pushes by outcome (UTC day), and users active in the last 7 days."""
        now = self.practice.now()
        day_start = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
        async with self.practice.transaction() as session:
            return await deliveries.push_figures(
                session=session, now=now, day_start=day_start, active_since=now - timedelta(days=7)
            )
