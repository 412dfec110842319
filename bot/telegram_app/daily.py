"""The daily push on python-telegram-bot's JobQueue (APScheduler underneath): send what ``DailyPush`` claims.

Every minute (and once right after start, to catch up after downtime) a run claims due
subscribers in batches and sends each batch concurrently; the bot's ``AIORateLimiter`` keeps
the whole bot under Telegram's overall limit. Per message:

- 429 ``RetryAfter``: the limiter already waits and retries a few times; if it still fails,
  this loop waits ``retry_after`` and tries again;
- network errors and timeouts: retried with exponential backoff;
- 403 ``Forbidden``: the user blocked the bot; they are unsubscribed and the run goes on;
- 400 ``BadRequest`` and anything unexpected: recorded as failed, logged, and the run goes on.

One run at a time per process: a tick that finds a run still going (10,000 subscribers take
minutes at 30 messages a second) returns at once; the running one keeps claiming until
nobody is due, so it picks up whoever became due meanwhile. While a batch is being sent its
claims are renewed every third of the lease (``PUSH_LEASE_SECONDS``), so a slow run (429s,
a slow network) keeps them and only a dead one's are sent by another process; a claim this
run lost anyway (it stalled for a whole lease) is not sent by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.daily import Claim, Status
from bot.domain.practice import Asked
from bot.rendering import texts
from bot.services.daily import DailyPush
from bot.telegram_app.context import BotApplication, Context
from bot.telegram_app.keyboards import question_keyboard, switch_keyboard

logger = logging.getLogger(__name__)

PUSH_JOB = "daily-push"
TICK = dtm.timedelta(minutes=1)
CATCH_UP_DELAY = dtm.timedelta(seconds=2)
"""The first run after start: pushes missed while the bot was down (within the grace period)."""
SEND_ATTEMPTS = 4
RETRY_BASE_S = 1.0
"""Backoff after a network error: 1 s, 2 s, 4 s."""
RENEWALS_PER_LEASE = 3
TAKEN_OVER = "taken over"
"""An outcome that is no delivery status: another process took the claim over, so this run did not send it."""

Sleep = Callable[[float], Awaitable[Any]]
Renew = Callable[[set[int]], Awaitable[set[int]]]
"""A push service's ``renew``: the claims still held of those asked for, their lease started again."""


@dataclass
class PushReport:
    """What one run did (for logs, tests and the benchmark)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    skipped_run: bool = False
    """Another run was still going, so this one did nothing."""

    @property
    def total(self) -> int:
        """Claims handled."""
        return sum(self.outcomes.values())


class HeldClaims:
    """The claims of one batch while it is being sent (daily or group push): those not ``done`` yet are
    renewed every third of the lease; those another process took over meanwhile (this run stalled for a
    whole lease) are ``lost``, and this run must not send them."""

    def __init__(self, renew: Renew, lease: dtm.timedelta, delivery_ids: Iterable[int], what: str) -> None:
        self._renew = renew
        self._every = lease.total_seconds() / RENEWALS_PER_LEASE
        self._what = what
        self._held = set(delivery_ids)
        self._lost: set[int] = set()

    def lost(self, delivery_id: int) -> bool:
        """Another process has taken this claim over: sending it now would be a second message."""
        return delivery_id in self._lost

    def done(self, delivery_id: int) -> None:
        """The claim is reported (sent, failed, or lost): no more renewals for it."""
        self._held.discard(delivery_id)

    async def keep(self) -> None:
        """Renew the claims still held every third of the lease, noting those lost. Runs until cancelled."""
        while True:
            await asyncio.sleep(self._every)
            asked = set(self._held)
            try:
                kept = await self._renew(asked)
            except Exception:  # the database is down, say: the claims may expire, and be sent by another run
                logger.exception("Could not renew %d %s claims", len(asked), self._what)
                continue
            self._lost |= (asked & self._held) - kept  # those finished meanwhile are not lost


@contextlib.asynccontextmanager
async def renewing(
    renew: Renew, lease: dtm.timedelta, delivery_ids: Iterable[int], what: str
) -> AsyncIterator[HeldClaims]:
    """Keep a batch's claims (``HeldClaims``) while the block sends them; renewals stop when it ends."""
    held = HeldClaims(renew, lease, delivery_ids, what)
    keeping = asyncio.create_task(held.keep())
    try:
        yield held
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping


class PushRunner:
    """Claims due pushes and sends them, one run at a time in this process."""

    def __init__(self, daily: DailyPush, *, retry_base_s: float = RETRY_BASE_S, sleep: Sleep = asyncio.sleep) -> None:
        self.daily = daily
        self._retry_base_s = retry_base_s
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def run(self, bot: Bot, *, wait: bool = False) -> PushReport:
        """Push to everybody due now. If a run is going, return at once (or with ``wait``, run after it)."""
        if self._lock.locked() and not wait:
            return PushReport(skipped_run=True)
        report = PushReport()
        async with self._lock:
            while claims := await self.daily.claim_due():
                ids = (claim.delivery_id for claim in claims)
                async with renewing(self.daily.renew, self.daily.lease, ids, "daily push") as held:
                    outcomes = await asyncio.gather(*(self._deliver(bot, claim, held) for claim in claims))
                report.outcomes.update(outcomes)
        if report.total:
            logger.info("Daily push run: %s", dict(report.outcomes))
        return report

    async def _deliver(self, bot: Bot, claim: Claim, held: HeldClaims) -> str:
        """Send one claimed question and record the outcome (unless the claim was lost); never raises."""
        try:
            return await self._send_with_retries(bot, claim, held)
        except Exception as exc:  # one user's failure must not stop the run
            logger.exception("Daily push %d to user %d failed", claim.delivery_id, claim.user_id)
            await self._record_failure(claim, f"{type(exc).__name__}: {exc}")
            return Status.FAILED
        finally:
            held.done(claim.delivery_id)

    async def _send_with_retries(self, bot: Bot, claim: Claim, held: HeldClaims) -> str:
        topics = self.daily.practice.bank.topics
        asked = Asked(claim.question, len(claim.question.hints), is_repeat=claim.is_repeat, replaced=claim.replaced)
        text = texts.daily_question(asked, claim.topic_title or topics.get(claim.question.topic, claim.question.topic))
        markup = question_keyboard(claim.question.id, len(claim.question.hints))
        if claim.in_round:
            text += "\n\n" + texts.DAILY_IN_ROUND
        elif claim.other_open is not None:
            text += "\n\n" + texts.daily_other_open(claim.other_open)
            markup = switch_keyboard(claim.question.id)
        error = "not sent"
        for attempt in range(1, SEND_ATTEMPTS + 1):
            if held.lost(claim.delivery_id):
                logger.warning("Push %d to user %d was taken over by another process", claim.delivery_id, claim.user_id)
                return TAKEN_OVER
            try:
                await bot.send_message(claim.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
            except Forbidden as exc:
                logger.info("User %d blocked the bot (%s): unsubscribed", claim.user_id, exc.message)
                await self.daily.mark_blocked(claim.delivery_id, claim.user_id)
                return Status.BLOCKED
            except RetryAfter as exc:
                error = f"flood control: {exc.message}"
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait)
                logger.warning("Telegram asked to wait %.0f s before pushing to user %d", seconds, claim.user_id)
                await self._sleep(seconds)
            except BadRequest as exc:  # before NetworkError: PTB derives BadRequest from it
                logger.warning("Telegram refused the push to user %d: %s", claim.user_id, exc.message)
                await self._record_failure(claim, exc.message)
                return Status.FAILED
            except NetworkError as exc:  # connection errors and TimedOut: worth another try
                error = f"network: {exc.message}"
                if attempt < SEND_ATTEMPTS:
                    await self._sleep(self._retry_base_s * 2 ** (attempt - 1))
            except TelegramError as exc:
                logger.warning("Telegram refused the push to user %d: %s", claim.user_id, exc.message)
                await self._record_failure(claim, exc.message)
                return Status.FAILED
            else:
                await self.daily.mark_sent(claim.delivery_id)
                return Status.SENT
        logger.warning("Gave up pushing to user %d after %d attempts: %s", claim.user_id, SEND_ATTEMPTS, error)
        await self._record_failure(claim, error)
        return Status.FAILED

    async def _record_failure(self, claim: Claim, error: str) -> None:
        try:
            await self.daily.mark_failed(claim.delivery_id, error)
        except Exception:  # the database may be what failed; the claim then expires and is retried
            logger.exception("Could not record the failed push %d", claim.delivery_id)


async def push_job(context: Context) -> None:
    """The JobQueue callback, every minute: follow the bank's version, then one push run (at once if one is going).

    Following first: a publish or /reload through another process reaches this one within a
    minute, even while a long push run holds the runner.
    """
    try:
        await context.bot_data.library.follow()
    except Exception:  # the database is down, say: the bank in service stays, the next tick tries again
        logger.exception("Could not follow the bank's version")
    try:
        await context.bot_data.push_runner.run(context.bot)
    except Exception:  # the database is down, say: log it, and the next tick tries again
        logger.exception("Daily push run failed")


def schedule_push(application: BotApplication, now: dtm.datetime | None = None) -> None:
    """Run the push every minute on the minute, and once right after start (catch-up)."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    now = now or dtm.datetime.now(dtm.UTC)
    next_minute = now.replace(second=0, microsecond=0) + TICK
    # max_instances > 1: a tick during a long run starts, sees the run and returns, instead of
    # APScheduler logging a "maximum number of running instances" warning every minute.
    job_kwargs = {"max_instances": 3, "coalesce": True, "misfire_grace_time": 30}
    job_queue.run_repeating(push_job, interval=TICK, first=next_minute, name=PUSH_JOB, job_kwargs=job_kwargs)
    job_queue.run_once(push_job, when=CATCH_UP_DELAY, name=f"{PUSH_JOB}-catch-up")
