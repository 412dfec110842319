"""The daily push, core side: local times and daylight saving, and exactly-once claims in the database.

The clock is injected (``FrozenClock``) and moved by the tests: nothing sleeps. Runs on
SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` is set (two processes claiming at once
is only truly concurrent there: ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.daily import Claim, Status
from bot.domain.practice import Feedback
from bot.domain.pushtime import local_date, next_occurrence, offset_zone
from bot.domain.users import InvalidSetting, UserSettings
from bot.services.daily import DailyPush
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.storage.models import Delivery
from tests.practice_fixtures import FrozenClock, real_bank, real_grader, user_info

pytest_plugins = ["tests.practice_fixtures"]

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---- when ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # 09:00 in Tokyo (UTC+9, no DST) is midnight UTC.
        ("Asia/Tokyo", utc(2026, 6, 1, 0, 30), utc(2026, 6, 2, 0, 0)),
        # New York in summer (UTC-4) and in winter (UTC-5).
        ("America/New_York", utc(2026, 7, 1, 12, 0), utc(2026, 7, 1, 13, 0)),
        ("America/New_York", utc(2026, 1, 15, 12, 0), utc(2026, 1, 15, 14, 0)),
        # A half-hour zone.
        ("Asia/Kolkata", utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 3, 30)),
        # Exactly at the push time: the next one is tomorrow's ("strictly after").
        ("UTC", utc(2026, 6, 1, 9, 0), utc(2026, 6, 2, 9, 0)),
    ],
)
def test_next_occurrence_is_the_local_time_in_the_zone(zone: str, after: datetime, expected: datetime) -> None:
    """09:00 means 09:00 on the subscriber's wall clock, whatever their zone."""
    instant, _ = next_occurrence("09:00", zone, weekdays_only=False, after=after)
    assert instant == expected


def test_daylight_saving_keeps_nine_oclock_at_nine_oclock() -> None:
    """Berlin switched to summer time on 29 March 2026 and back on 25 October: 09:00 local all along."""
    spring = [utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)]
    autumn = [utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)]
    for expected in (spring, autumn):
        after = expected[0] - timedelta(hours=1)
        seen = []
        for _ in expected:
            after, day = next_occurrence("09:00", BERLIN, weekdays_only=False, after=after)
            seen.append(after)
            assert after.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") == "09:00"
            assert day == local_date(after, BERLIN)
        assert seen == expected


def test_a_time_skipped_by_the_clock_change_comes_just_after_the_gap() -> None:
    """02:30 does not exist in Berlin on 29 March 2026: the push comes at 03:30 local, not never."""
    instant, day = next_occurrence("02:30", BERLIN, weekdays_only=False, after=utc(2026, 3, 28, 12, 0))
    assert (instant, day) == (utc(2026, 3, 29, 1, 30), date(2026, 3, 29))
    assert instant.astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") == "03:30"


def test_weekdays_only_skips_the_local_weekend() -> None:
    """After Friday's push the next one is Monday's (2026-11-20 is a Friday)."""
    instant, day = next_occurrence("09:00", BERLIN, weekdays_only=True, after=utc(2026, 11, 20, 9, 0))
    assert day == date(2026, 11, 23)
    assert instant == utc(2026, 11, 23, 8, 0)


@pytest.mark.parametrize(
    ("text", "zone"),
    [("UTC+3", "Etc/GMT-3"), ("gmt-5", "Etc/GMT+5"), ("+02:00", "Etc/GMT-2"), ("-7", "Etc/GMT+7"), ("UTC+0", "UTC")],
)
def test_utc_offsets_become_fixed_offset_zones(text: str, zone: str) -> None:
    """IANA's Etc/GMT zones have the sign inverted; we take care of it."""
    assert offset_zone(text) == zone


@pytest.mark.parametrize("text", ["UTC+5:30", "+15", "Berlin", "", "UTC+"])
def test_what_is_not_a_whole_hour_offset_is_refused(text: str) -> None:
    assert offset_zone(text) is None


# ---- subscribing -------------------------------------------------------------------------------


async def test_subscribe_validates_and_schedules(
    practice: Practice, preferences: Preferences, clock: FrozenClock
) -> None:
    """Bad times and zones change nothing; a good subscription has its next push in UTC."""
    clock.now = utc(2026, 11, 21, 6, 0)  # 07:00 in Berlin
    await practice.touch_user(user_info(1))
    assert isinstance(await preferences.subscribe(1, "25:00", BERLIN), InvalidSetting)
    assert isinstance(await preferences.subscribe(1, "08:00", "Mars/Olympus"), InvalidSetting)
    half_hour = await preferences.subscribe(1, "08:00", "UTC+5:30")
    assert isinstance(half_hour, InvalidSetting)
    assert "Asia/Kolkata" in half_hour.expected
    assert (await preferences.settings(1)).daily_time is None
    result = await preferences.subscribe(1, "8:00", "europe/berlin")
    assert result == UserSettings((), None, BERLIN, "08:00", next_push_at=utc(2026, 11, 21, 7, 0), zone_chosen=True)
    later = await preferences.set_daily_time(1, "06:30")  # already past today: tomorrow
    assert isinstance(later, UserSettings)
    assert later.next_push_at == utc(2026, 11, 22, 5, 30)
    moved = await preferences.set_timezone(1, "UTC+3")
    assert isinstance(moved, UserSettings)
    assert (moved.timezone, moved.next_push_at) == ("Etc/GMT-3", utc(2026, 11, 22, 3, 30))
    stopped = await preferences.set_daily_time(1, None)
    assert isinstance(stopped, UserSettings)
    assert stopped.next_push_at is None


# ---- claiming ------------------------------------------------------------------------------------


def make_daily(practice: Practice, **options: object) -> DailyPush:
    return DailyPush(practice, instance="test", **options)  # type: ignore[arg-type]


async def subscribe(practice: Practice, user_id: int, daily_time: str, zone: str) -> None:
    await practice.touch_user(user_info(user_id))
    assert isinstance(await Preferences(practice).subscribe(user_id, daily_time, zone), UserSettings)


async def drain(daily: DailyPush, *, mark: bool = True) -> list[Claim]:
    """Claim everything due now, marking each as sent (what the adapter does)."""
    claims: list[Claim] = []
    while batch := await daily.claim_due():
        claims.extend(batch)
        if mark:
            for claim in batch:
                await daily.mark_sent(claim.delivery_id)
    return claims


async def test_each_subscriber_gets_one_push_a_day_at_their_local_time(practice: Practice, clock: FrozenClock) -> None:
    """Three zones, two days, a tick every 10 minutes: each push once, at the first tick after it is due."""
    clock.now = utc(2026, 11, 20, 23, 55)
    await subscribe(practice, 1, "09:00", "Asia/Tokyo")  # 00:00 UTC
    await subscribe(practice, 2, "09:00", BERLIN)  # 08:00 UTC in winter
    await subscribe(practice, 3, "07:25", "America/New_York")  # 12:25 UTC
    daily = make_daily(practice)
    received: dict[int, list[tuple[datetime, datetime]]] = {1: [], 2: [], 3: []}
    while clock.now < utc(2026, 11, 23, 0, 0):
        for claim in await drain(daily):
            received[claim.user_id].append((claim.scheduled_for, clock.now))
        clock.advance(minutes=10)
    assert [s for s, _ in received[1]] == [utc(2026, 11, 21, 0, 0), utc(2026, 11, 22, 0, 0)]
    assert [s for s, _ in received[2]] == [utc(2026, 11, 21, 8, 0), utc(2026, 11, 22, 8, 0)]
    assert [s for s, _ in received[3]] == [utc(2026, 11, 21, 12, 25), utc(2026, 11, 22, 12, 25)]
    for pushes in received.values():
        assert all(timedelta(0) <= at - scheduled < timedelta(minutes=10) for scheduled, at in pushes)


async def test_a_push_across_the_spring_switch_stays_at_local_nine(practice: Practice, clock: FrozenClock) -> None:
    """Claimed at 08:00 UTC on Saturday and at 07:00 UTC on Sunday, the day Berlin moves its clocks."""
    clock.now = utc(2026, 3, 27, 20, 0)
    await subscribe(practice, 1, "09:00", BERLIN)
    daily = make_daily(practice)
    claimed = []
    while clock.now < utc(2026, 3, 30, 12, 0):
        claimed += [(c.scheduled_for, c.local_date) for c in await drain(daily)]
        clock.advance(minutes=15)
    assert claimed == [
        (utc(2026, 3, 28, 8, 0), date(2026, 3, 28)),
        (utc(2026, 3, 29, 7, 0), date(2026, 3, 29)),
        (utc(2026, 3, 30, 7, 0), date(2026, 3, 30)),
    ]


async def test_the_pushed_question_is_open_and_a_reply_is_graded(practice: Practice, clock: FrozenClock) -> None:
    """The daily question becomes the open question, chosen by the same rules as /question."""
    clock.now = utc(2026, 11, 21, 7, 59)
    await subscribe(practice, 1, "09:00", BERLIN)
    daily = make_daily(practice)
    assert await daily.claim_due() == []
    clock.advance(minutes=1)
    [claim] = await daily.claim_due()
    opened = await practice.open_question(1)
    assert opened is not None
    assert opened.question == claim.question
    feedback = await practice.answer(1, claim.question.model_answer)
    assert isinstance(feedback, Feedback)
    assert feedback.question == claim.question


async def test_changing_the_time_later_that_day_does_not_push_twice(
    practice: Practice, preferences: Preferences, clock: FrozenClock
) -> None:
    """One question per local day: a new time that is "due again today" waits for tomorrow."""
    clock.now = utc(2026, 11, 21, 7, 0)
    await subscribe(practice, 1, "09:00", BERLIN)
    clock.now = utc(2026, 11, 21, 8, 1)
    daily = make_daily(practice)
    assert len(await drain(daily)) == 1
    await preferences.set_daily_time(1, "18:00")
    clock.now = utc(2026, 11, 21, 17, 0)
    assert await drain(daily) == []
    clock.now = utc(2026, 11, 22, 17, 0)
    assert [c.local_date for c in await drain(daily)] == [date(2026, 11, 22)]


async def test_catch_up_sends_inside_the_grace_period_and_skips_older_pushes(
    practice: Practice, preferences: Preferences, clock: FrozenClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """After downtime: two hours late is still sent; five hours late is recorded as skipped, not sent."""
    clock.now = utc(2026, 11, 21, 0, 0)
    await subscribe(practice, 1, "09:00", "UTC")
    await subscribe(practice, 2, "06:00", "UTC")
    clock.now = utc(2026, 11, 21, 11, 0)  # the bot was down since midnight
    daily = make_daily(practice, grace=timedelta(hours=3))
    claims = await drain(daily)
    assert [c.user_id for c in claims] == [1]
    async with sessionmaker() as session:
        rows = (await session.execute(select(Delivery.user_id, Delivery.status))).all()
    assert sorted(rows) == [(1, Status.SENT), (2, Status.SKIPPED)]
    assert (await preferences.settings(2)).next_push_at == utc(2026, 11, 22, 6, 0)


async def test_days_of_downtime_give_one_push_not_one_per_missed_day(practice: Practice, clock: FrozenClock) -> None:
    """Three days down: the missed days are skipped, today's push (within grace) is sent once."""
    clock.now = utc(2026, 11, 17, 0, 0)
    await subscribe(practice, 1, "09:00", "UTC")
    clock.now = utc(2026, 11, 20, 10, 0)
    claims = await drain(make_daily(practice))
    assert [c.local_date for c in claims] == [date(2026, 11, 20)]


async def test_restart_mid_run_neither_repeats_nor_loses_a_push(
    practice: Practice, clock: FrozenClock, database_url: str
) -> None:
    """A run claims a batch, sends one, dies. The next process sends everyone else once, and the
    claimed-but-unsent push once more after the lease; the sent one never again."""
    clock.now = utc(2026, 11, 21, 7, 59)
    for user_id in range(1, 6):
        await subscribe(practice, user_id, "08:00", "UTC")
    clock.advance(minutes=2)
    first = make_daily(practice, batch=2)
    batch = await first.claim_due()
    assert len(batch) == 2
    await first.mark_sent(batch[0].delivery_id)  # then the process dies before sending batch[1]

    engine = create_engine_from_url(database_url)
    try:
        restarted = Practice(real_bank(), real_grader(), make_sessionmaker(engine), clock)
        second = make_daily(restarted, batch=2)
        others = await drain(second)
        assert sorted(c.user_id for c in others) == [3, 4, 5]
        clock.advance(minutes=1, seconds=59)  # the dead run's lease (two minutes) is not over yet
        assert await drain(second) == []
        clock.advance(seconds=2)  # now it is: not the ten minutes it used to be
        retried = await drain(second)
        assert [(c.user_id, c.retry) for c in retried] == [(batch[1].user_id, True)]
        assert await drain(second) == []
    finally:
        await engine.dispose()


async def test_a_live_run_renews_its_claims_and_a_stalled_one_loses_them(
    practice: Practice, clock: FrozenClock, database_url: str
) -> None:
    """Claims renewed within each lease stay with their run, however long it sends; a run that stops renewing
    for a whole lease has them taken over (once), and its next renewal says it no longer holds them."""
    clock.now = utc(2026, 11, 21, 7, 59)
    for user_id in (1, 2):
        await subscribe(practice, user_id, "08:00", "UTC")
    clock.advance(minutes=2)
    slow = make_daily(practice, lease=timedelta(minutes=2))
    claims = await slow.claim_due()
    ids = {c.delivery_id for c in claims}
    engine = create_engine_from_url(database_url)
    try:
        other = DailyPush(
            Practice(real_bank(), real_grader(), make_sessionmaker(engine), clock), instance="other", lease=slow.lease
        )
        for _ in range(3):  # six minutes of sending, renewed every 90 s: never taken over
            clock.advance(seconds=90)
            assert await slow.renew(ids) == ids
            assert await other.claim_due() == []
        await slow.mark_sent(claims[0].delivery_id)
        clock.advance(minutes=2, seconds=1)  # the slow run stalls for a whole lease
        taken = await other.claim_due()
        assert [(c.user_id, c.retry) for c in taken] == [(claims[1].user_id, True)]
        assert await slow.renew(ids) == set(), "the taken claim is no longer the slow run's; the sent one is done"
        assert await other.renew({taken[0].delivery_id}) == {taken[0].delivery_id}
    finally:
        await engine.dispose()


async def test_a_blocked_user_is_unsubscribed(practice: Practice, preferences: Preferences, clock: FrozenClock) -> None:
    clock.now = utc(2026, 11, 21, 8, 59)
    await subscribe(practice, 1, "09:00", "UTC")
    clock.advance(minutes=2)
    daily = make_daily(practice)
    [claim] = await daily.claim_due()
    await daily.mark_blocked(claim.delivery_id, claim.user_id)
    settings = await preferences.settings(1)
    assert (settings.daily_time, settings.next_push_at) == (None, None)
    stats = await daily.admin_stats()
    assert (stats.subscribers, stats.blocked_today) == (0, 1)
    clock.advance(days=1)
    assert await drain(daily) == []


async def test_two_processes_push_every_subscriber_exactly_once(
    practice: Practice, clock: FrozenClock, database_url: str
) -> None:
    """Two bot processes (each its own engine and connection pool) run the same push at once."""
    clock.now = utc(2026, 11, 21, 7, 59)
    subscribers = range(1, 61)
    for user_id in subscribers:
        await subscribe(practice, user_id, "08:00", "UTC")
    clock.advance(minutes=2)
    engines = [create_engine_from_url(database_url) for _ in range(2)]
    try:
        services = [
            make_daily(Practice(real_bank(), real_grader(), make_sessionmaker(e), clock), batch=7) for e in engines
        ]
        runs = await asyncio.gather(*(drain(s) for s in services))
    finally:
        for engine in engines:
            await engine.dispose()
    pushed = Counter(c.user_id for run in runs for c in run)
    assert sorted(pushed) == list(subscribers)
    assert set(pushed.values()) == {1}


async def test_admin_stats_count_today(practice: Practice, clock: FrozenClock) -> None:
    clock.now = utc(2026, 11, 21, 7, 0)
    for user_id in (1, 2, 3):
        await subscribe(practice, user_id, "08:00", "UTC")
    await practice.touch_user(user_info(4))
    clock.advance(hours=1, minutes=1)
    daily = make_daily(practice)
    claims = await daily.claim_due()
    await daily.mark_sent(claims[0].delivery_id)
    await daily.mark_failed(claims[1].delivery_id, "network: connection reset")
    stats = await daily.admin_stats()
    assert (stats.users, stats.subscribers, stats.sent_today, stats.failed_today) == (4, 3, 1, 1)
    assert stats.active_this_week == 4
    assert stats.due_now == 0
