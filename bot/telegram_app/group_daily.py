"""The groups' daily question on the JobQueue: post what ``GroupPush`` claims, and close expired questions.

Every minute (and once right after start) a run first announces the questions open longer
than ``GROUP_QUESTION_HOURS`` (model answer and ranking), then claims due groups in batches
and posts each batch concurrently: the closing of the group's previous question, then the new
one. The bot's ``GroupRateLimiter`` keeps every group under its per-minute limit and the bot
under its overall one. Per group:

- 429 ``RetryAfter``: the limiter already waits and retries; if it still fails, wait and retry here;
- ``ChatMigrated``: the group became a supergroup; its rows move to the new chat id and the
  message goes there;
- network errors and timeouts: retried with backoff;
- 403 ``Forbidden``: the bot is no longer in the group; it is unsubscribed;
- 400 and anything unexpected: recorded as failed, logged, and the run goes on.

While a batch is being posted its claims are renewed every third of the lease
(``PUSH_LEASE_SECONDS``), as the personal push's are (``HeldClaims``): a slow run keeps them
and only a dead one's are posted by another process; a claim this run lost anyway (it stalled
for a whole lease) has its question posted by the process that took it over, not by this run.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.daily import Status
from bot.domain.groups import GroupAsked, GroupClaim, GroupClosed, Origin
from bot.rendering import group_texts
from bot.services.group_push import GroupPush
from bot.telegram_app.context import BotApplication, Context
from bot.telegram_app.daily import TAKEN_OVER, HeldClaims, PushReport, renewing

logger = logging.getLogger(__name__)

GROUP_PUSH_JOB = "group-push"
TICK = dtm.timedelta(minutes=1)
CATCH_UP_DELAY = dtm.timedelta(seconds=3)
SEND_ATTEMPTS = 4
RETRY_BASE_S = 1.0

Sleep = Callable[[float], Awaitable[Any]]


class GroupGoneError(Exception):
    """Telegram said 403: the bot is not in the group (any more)."""


class ClaimLostError(Exception):
    """Another process took the claim over (this run stalled for a whole lease): it posts the question."""


async def post(bot: Bot, chat_id: int, text: str, reply_to: int | None = None) -> Message:
    """Send HTML to a group, as a reply to ``reply_to`` if given (still sent if that message is gone)."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to is not None else None
    return await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_parameters=reply)


class GroupPushRunner:
    """Posts the groups' daily questions and the closings of expired ones, one run at a time in this process."""

    def __init__(self, push: GroupPush, *, retry_base_s: float = RETRY_BASE_S, sleep: Sleep = asyncio.sleep) -> None:
        self.push = push
        self._retry_base_s = retry_base_s
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def run(self, bot: Bot, *, wait: bool = False) -> PushReport:
        """Close expired questions and post every group's due question. If a run is going, return at once."""
        if self._lock.locked() and not wait:
            return PushReport(skipped_run=True)
        report = PushReport()
        async with self._lock:
            while closures := await self.push.groups.close_expired():
                await asyncio.gather(*(self._announce(bot, closure) for closure in closures))
            while claims := await self.push.claim_due():
                ids = (claim.delivery_id for claim in claims)
                async with renewing(self.push.renew, self.push.lease, ids, "group push") as held:
                    outcomes = await asyncio.gather(*(self._deliver(bot, claim, held) for claim in claims))
                report.outcomes.update(outcomes)
        if report.total:
            logger.info("Group push run: %s", dict(report.outcomes))
        return report

    async def _announce(self, bot: Bot, closure: GroupClosed) -> None:
        """Post a closed question's model answer and ranking (best effort: a failure is logged)."""
        try:
            await self._send(bot, closure.chat_id, group_texts.closed(closure), closure.message_id)
        except Exception:
            logger.exception("Could not announce the closing in group %d", closure.chat_id)

    async def _deliver(self, bot: Bot, claim: GroupClaim, held: HeldClaims) -> str:
        """Post one claimed question (after the closing of the previous one) and record it, unless the claim
        was lost; never raises."""
        chat_id = claim.chat_id
        try:
            if claim.closing is not None:  # this run's alone: a run taking the claim over posts no closing
                await self._announce(bot, claim.closing)
            asked = GroupAsked(claim.group_question_id, claim.question, claim.topic_title, Origin.DAILY)
            message = await self._send(
                bot, chat_id, group_texts.question(asked), claim_lost=lambda: held.lost(claim.delivery_id)
            )
        except ClaimLostError:
            logger.warning("Group push %d to group %d was taken over by another process", claim.delivery_id, chat_id)
            return TAKEN_OVER
        except GroupGoneError:
            logger.info("Bot no longer in group %d: unsubscribed", chat_id)
            await self.push.mark_removed(claim, chat_id)
            return Status.BLOCKED
        except Exception as exc:  # one group's failure must not stop the run
            logger.warning("Group push %d to group %d failed: %s", claim.delivery_id, chat_id, exc)
            await self._record_failure(claim, f"{type(exc).__name__}: {exc}")
            return Status.FAILED
        else:  # not among the failures above: once posted, the question must not be forgotten
            await self.push.mark_sent(claim, message.chat_id, message.message_id)
            return Status.SENT
        finally:
            held.done(claim.delivery_id)

    async def _send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        reply_to: int | None = None,
        *,
        claim_lost: Callable[[], bool] = lambda: False,
    ) -> Message:
        """Send with retries; follow a group's upgrade to a supergroup; ``GroupGoneError`` on 403,
        ``ClaimLostError`` before an attempt once ``claim_lost`` says another process took the claim over."""
        error: Exception = RuntimeError("not sent")
        for attempt in range(1, SEND_ATTEMPTS + 1):
            if claim_lost():
                raise ClaimLostError
            try:
                return await post(bot, chat_id, text, reply_to)
            except Forbidden as exc:
                raise GroupGoneError(exc.message) from exc
            except ChatMigrated as exc:
                await self.push.groups.migrated(chat_id, exc.new_chat_id)
                chat_id, reply_to, error = exc.new_chat_id, None, exc
            except RetryAfter as exc:
                error = exc
                wait = exc.retry_after
                await self._sleep(wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait))
            except BadRequest:  # before NetworkError: PTB derives BadRequest from it
                raise
            except NetworkError as exc:
                error = exc
                if attempt < SEND_ATTEMPTS:
                    await self._sleep(self._retry_base_s * 2 ** (attempt - 1))
            except TelegramError:
                raise
        raise error

    async def _record_failure(self, claim: GroupClaim, error: str) -> None:
        try:
            await self.push.mark_failed(claim, error)
        except Exception:  # the database may be what failed; the claim then expires and is retried
            logger.exception("Could not record the failed group push %d", claim.delivery_id)


async def group_push_job(context: Context) -> None:
    """The JobQueue callback, every minute: one group push run (at once if one is going)."""
    try:
        await context.bot_data.group_push_runner.run(context.bot)
    except Exception:  # the database is down, say: log it, and the next tick tries again
        logger.exception("Group push run failed")


def schedule_group_push(application: BotApplication, now: dtm.datetime | None = None) -> None:
    """Run the group push every minute on the minute, and once right after start (catch-up)."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    now = now or dtm.datetime.now(dtm.UTC)
    next_minute = now.replace(second=0, microsecond=0) + TICK
    job_kwargs = {"max_instances": 3, "coalesce": True, "misfire_grace_time": 30}
    job_queue.run_repeating(
        group_push_job, interval=TICK, first=next_minute, name=GROUP_PUSH_JOB, job_kwargs=job_kwargs
    )
    job_queue.run_once(group_push_job, when=CATCH_UP_DELAY, name=f"{GROUP_PUSH_JOB}-catch-up")
