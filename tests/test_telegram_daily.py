"""The daily push end to end: python-telegram-bot over HTTP to the Bot API emulator, with an injected clock.

Subscribing and settings are driven as a user would (commands and buttons; bad input to them
is tested offline, in ``test_telegram_offline.py``); pushes run as
the JobQueue runs them (``RunningBot.push``), with the service's clock set by the test, so
"09:00 tomorrow" takes no time. Telegram's failures (429, 403, dropped connections) come
from the emulator's fault injection.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections import Counter
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import select

from bot.domain.daily import Status
from bot.services.daily import DailyPush
from bot.storage.models import Delivery
from bot.telegram_app.daily import PUSH_JOB
from tests.emulator import EmulatedUser, StoredMessage, TelegramEmulator
from tests.practice_fixtures import FrozenClock
from tests.telegram_fixtures import RunningBot, bot_settings, running_bot

pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]

ADMIN_ID = 777
NOW = dtm.datetime(2026, 11, 21, 6, 0, tzinfo=dtm.UTC)
"""A Saturday, 07:00 in Berlin."""
DAILY_HEADER = "Your daily interview question"


@pytest_asyncio.fixture
async def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    settings = bot_settings(emulator, database_url, admin_ids=(ADMIN_ID,))
    async with running_bot(emulator, database_url, clock=clock, settings=settings) as running:
        yield running


async def command(user: EmulatedUser, name: str, args: str = "") -> str:
    user.send_command(name, args)
    reply = await user.wait_for_bot_message()
    return reply.text or ""


async def subscribers(emulator: TelegramEmulator, count: int, args: str = "08:00 UTC") -> list[EmulatedUser]:
    users = []
    for number in range(count):
        user = emulator.create_user(f"Sub{number}")
        assert "Daily question on" in await command(user, "subscribe", args)
        users.append(user)
    return users


def daily_messages(emulator: TelegramEmulator, user: EmulatedUser) -> list[StoredMessage]:
    return [m for m in emulator.bot_messages(user.chat_id) if DAILY_HEADER in (m.text or "")]


# ---- subscribing -----------------------------------------------------------------------------------


async def test_subscribe_then_the_question_arrives_at_local_time_and_a_reply_is_graded(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    """/subscribe 09:00 Europe/Berlin at 07:00 Berlin time: nothing at 08:59, the question at 09:00."""
    alice = emulator.create_user("Alice")
    confirmation = await command(alice, "subscribe", "09:00 Europe/Berlin")
    assert "Daily question on: 09:00, every day, time zone Europe/Berlin" in confirmation
    assert "Sat 21 Nov at 09:00 your time" in confirmation
    clock.now = NOW + dtm.timedelta(hours=1, minutes=59)
    assert (await bot.push()).total == 0
    assert daily_messages(emulator, alice) == []
    clock.now = NOW + dtm.timedelta(hours=2)
    report = await bot.push()
    assert report.outcomes == Counter({Status.SENT: 1})
    pushed = await alice.wait_for_bot_message()
    assert daily_messages(emulator, alice) == [pushed]
    assert pushed.button_texts[-1] == "📘 Show model answer"
    opened = await bot.practice.open_question(alice.id)
    assert opened is not None
    assert opened.question.question in (pushed.text or "")
    alice.send_text(opened.question.model_answer)
    feedback = await alice.wait_for_bot_message()
    assert "Covered" in (feedback.text or "")
    assert (await bot.push()).total == 0, "one question per local day"


async def test_settings_change_time_zone_and_days_and_unsubscribe(emulator: TelegramEmulator, bot: RunningBot) -> None:
    dave = emulator.create_user("Dave")
    assert "Daily question: off" in await command(dave, "settings")
    await command(dave, "subscribe", "07:30 UTC")
    assert "Time zone: Etc/GMT-3" in await command(dave, "settings", "zone UTC+3")
    assert "08:15, every day" in await command(dave, "settings", "time 8:15")
    dave.send_command("settings")
    shown = await dave.wait_for_bot_message()
    dave.press_button(shown, data="days:weekdays")
    changed = await dave.wait_for_bot_message()
    assert "08:15, Monday to Friday" in (changed.text or "")
    assert "✅ Weekdays only" in changed.button_texts
    assert "Daily question off" in await command(dave, "unsubscribe")
    assert "not subscribed" in await command(dave, "unsubscribe")
    assert (await bot.services.preferences.settings(dave.id)).next_push_at is None


# ---- Telegram's failures ------------------------------------------------------------------------


async def test_a_429_is_waited_out_and_the_push_still_arrives_once(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    [erin] = await subscribers(emulator, 1)
    fault = emulator.fail_with_retry_after("sendMessage", retry_after=1, chat_id=erin.chat_id)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    report = await bot.push()
    assert fault.hits == 1
    assert report.outcomes == Counter({Status.SENT: 1})
    assert len(daily_messages(emulator, erin)) == 1


async def test_a_dropped_connection_is_retried(emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock) -> None:
    [frank] = await subscribers(emulator, 1)
    fault = emulator.drop_connection("sendMessage", chat_id=frank.chat_id)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    assert (await bot.push()).outcomes == Counter({Status.SENT: 1})
    assert fault.hits == 1
    assert len(daily_messages(emulator, frank)) == 1


async def test_a_user_who_blocked_the_bot_is_unsubscribed_and_the_others_still_get_theirs(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    users = await subscribers(emulator, 4)
    blocked = users[1]
    emulator.fail_with_forbidden("sendMessage", chat_id=blocked.chat_id, times=None)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    report = await bot.push()
    assert report.outcomes == Counter({Status.SENT: 3, Status.BLOCKED: 1})
    assert [len(daily_messages(emulator, u)) for u in users] == [1, 0, 1, 1]
    assert (await bot.services.preferences.settings(blocked.id)).daily_time is None
    clock.now += dtm.timedelta(days=1)
    assert (await bot.push()).outcomes == Counter({Status.SENT: 3})


async def test_a_bad_request_is_recorded_as_failed_and_the_run_goes_on(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    users = await subscribers(emulator, 2)
    fault = emulator.fail_with_bad_request("sendMessage", "chat not found", chat_id=users[0].chat_id)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    report = await bot.push()
    assert fault.hits == 1
    assert report.outcomes == Counter({Status.SENT: 1, Status.FAILED: 1})


async def test_catch_up_after_downtime_within_the_grace_period(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    """Subscribers at 07:00 and 02:00 UTC, bot back at 08:30: the first is sent, the second skipped."""
    early = emulator.create_user("Early")
    await command(early, "subscribe", "02:00 UTC")  # 06:00 now: tomorrow's 02:00
    [late] = await subscribers(emulator, 1, "07:00 UTC")
    clock.now = dtm.datetime(2026, 11, 22, 8, 30, tzinfo=dtm.UTC)  # the bot was "down" since yesterday
    report = await bot.push()
    assert report.outcomes == Counter({Status.SENT: 1})
    assert (len(daily_messages(emulator, late)), len(daily_messages(emulator, early))) == (1, 0)


# ---- scale-out, scheduling, admin -----------------------------------------------------------


async def test_two_bot_instances_push_every_subscriber_exactly_once(
    emulator: TelegramEmulator, database_url: str, clock: FrozenClock
) -> None:
    """Two processes of the bot on one database run the same push at the same moment."""
    settings = bot_settings(emulator, database_url)
    async with running_bot(emulator, database_url, clock=clock, settings=settings) as first:
        users = await subscribers(emulator, 24)
        async with running_bot(emulator, database_url, clock=clock, settings=settings) as second:
            clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
            reports = await asyncio.gather(first.push(), second.push())
    assert sum(r.outcomes[Status.SENT] for r in reports) == len(users)
    assert [len(daily_messages(emulator, u)) for u in users] == [1] * len(users)


async def test_a_slow_run_keeps_its_claims_and_another_instance_sends_nothing_twice(
    emulator: TelegramEmulator, database_url: str, clock: FrozenClock
) -> None:
    """Telegram makes one push wait (429, retry after 6 s) past a 10 s lease: the run renews its claim
    meanwhile, so a second instance's push run then sends nothing, and the user gets one question."""
    settings = bot_settings(emulator, database_url, push_lease_seconds=10)
    async with running_bot(emulator, database_url, clock=clock, settings=settings) as first:
        [slow] = await subscribers(emulator, 1)
        emulator.fail_with_retry_after("sendMessage", retry_after=6, chat_id=slow.chat_id)
        clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
        async with running_bot(emulator, database_url, clock=clock, settings=settings) as second:
            run = asyncio.create_task(first.push())
            for _ in range(100):
                if await claimed_at(first) is not None:
                    break
                await asyncio.sleep(0.05)
            clock.advance(seconds=11)  # the lease has run out since the claim...
            renewed = clock.now
            for _ in range(100):  # ...but the run renews it (every third of the lease)
                if await claimed_at(first) == renewed:
                    break
                await asyncio.sleep(0.1)
            assert await claimed_at(first) == renewed, "the claim was not renewed"
            assert (await second.push()).total == 0
            report = await run
    assert report.outcomes == Counter({Status.SENT: 1})
    assert len(daily_messages(emulator, slow)) == 1


async def test_a_resent_push_says_so_when_the_user_opened_another_question_meanwhile(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    """A run claims Grace's push and dies before sending it; she asks /question meanwhile. The push re-sent
    after the lease says her reply still answers the question she asked for, and its button switches."""
    [grace] = await subscribers(emulator, 1)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    dead_run = DailyPush(bot.practice, instance="crashed:1", lease=bot.services.daily.lease)
    [claim] = await dead_run.claim_due()  # claimed and opened, never sent: the process died
    asked = await command(grace, "question", "metrics")
    other = await bot.practice.open_question(grace.id)
    assert other is not None
    assert other.question.id != claim.question.id
    assert other.question.question in asked
    clock.advance(seconds=bot.services.daily.lease.total_seconds() + 1)
    assert (await bot.push()).outcomes == Counter({Status.SENT: 1})
    pushed = await grace.wait_for_bot_message()
    assert daily_messages(emulator, grace) == [pushed]
    text = pushed.text or ""
    assert claim.question.question in text
    assert "meanwhile you opened another one" in text
    assert other.question.question[:60] in text
    assert "A plain reply still answers that one" in text
    assert pushed.button_texts == ["🔁 Answer this one instead"]
    still = await bot.practice.open_question(grace.id)
    assert still is not None
    assert still.question.id == other.question.id, "the question she asked for stays open"
    grace.press_button(pushed, text="🔁 Answer this one instead")
    switched = await grace.wait_for_bot_message()
    assert claim.question.question in (switched.text or "")
    assert "The previous question was skipped" in (switched.text or "")
    now_open = await bot.practice.open_question(grace.id)
    assert now_open is not None
    assert now_open.question.id == claim.question.id


async def claimed_at(bot: RunningBot) -> dtm.datetime | None:
    """When the one delivery was claimed or last renewed (None before it is claimed)."""
    async with bot.practice.transaction() as session:
        return (await session.execute(select(Delivery.claimed_at))).scalar_one_or_none()


async def test_the_push_runs_on_the_job_queue_every_minute(emulator: TelegramEmulator, database_url: str) -> None:
    """Scheduled as the production bot schedules it: every minute, plus a catch-up run at start."""
    settings = bot_settings(emulator, database_url)
    async with running_bot(emulator, database_url, settings=settings, schedule_daily_push=True) as running:
        assert running.app.job_queue is not None
        jobs = {job.name: job for job in running.app.job_queue.jobs()}
        assert {PUSH_JOB, f"{PUSH_JOB}-catch-up"} <= set(jobs)
        trigger = jobs[PUSH_JOB].job.trigger
        assert getattr(trigger, "interval", None) == dtm.timedelta(minutes=1)


async def test_admin_sees_figures_and_others_do_not(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    await subscribers(emulator, 2)
    clock.now = NOW + dtm.timedelta(hours=2, minutes=1)
    await bot.push()
    outsider = emulator.create_user("Mallory")
    assert "I don't know the command /admin" in await command(outsider, "admin")
    admin = emulator.create_user("Admin", user_id=ADMIN_ID)
    figures = await command(admin, "admin")
    assert "Subscribers: 2" in figures
    assert "2 sent, 0 failed" in figures
