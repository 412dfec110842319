"""A bot process killed in the middle of a daily push run: the next one sends the rest, soon, and once each.

Two real ``python -m bot`` processes, one after the other, on one database and one Bot API
emulator, as a deployment restarts a crashed worker. The first claims a batch of due
subscribers and starts sending (slowly: ``TELEGRAM_RATE_LIMIT`` is low); once some have their
question, the emulator holds every further sendMessage unanswered (so none of them reaches a
user) and the process is killed with SIGKILL. The second process (at the usual rate) must send everybody else:
those nobody had claimed at its first run, and those the dead process had claimed but not sent
once their lease (``PUSH_LEASE_SECONDS``, short here) runs out, without a second question to
anybody. Runs on SQLite and on PostgreSQL (``TEST_DATABASE_URL``); about a minute, most of it
two start-ups.

``PUSH_CRASH_LEASE_S`` changes the lease for a measurement (the default deployment's is 120 s).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.users import UserInfo
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate
from tests.emulator import EmulatedUser, TelegramEmulator
from tests.practice_fixtures import FrozenClock, real_bank, real_grader
from tests.test_telegram_daily import DAILY_HEADER
from tests.test_two_processes import START_TIMEOUT_S, bot_process

pytest_plugins = ["tests.practice_fixtures"]

SUBSCRIBERS = 80
"""More than one claim batch (50): some claimed by the dead run, some by nobody."""
SENT_BEFORE_THE_KILL = 8
LEASE_S = int(os.environ.get("PUSH_CRASH_LEASE_S", "15"))
TICK_S = 60.0
"""The push job runs every minute (and once right after start)."""


async def subscribe_due_now(database_url: str, users: list[EmulatedUser]) -> None:
    """Each user subscribed at the minute before now (UTC): due when the bot starts."""
    await migrate(database_url)
    now = datetime.now(UTC)
    engine = create_engine_from_url(database_url)
    try:
        practice = Practice(
            real_bank(), real_grader(), make_sessionmaker(engine), FrozenClock(now - timedelta(minutes=2))
        )
        preferences = Preferences(practice)
        due_at = f"{now - timedelta(minutes=1):%H:%M}"
        for user in users:
            await practice.touch_user(UserInfo(user.id, user.chat_id))
            await preferences.subscribe(user.id, due_at, "UTC")
    finally:
        await engine.dispose()


def daily_counts(emulator: TelegramEmulator, users: list[EmulatedUser]) -> Counter[int]:
    """Daily questions each user has received."""
    return Counter({u.id: sum(DAILY_HEADER in (m.text or "") for m in emulator.bot_messages(u.chat_id)) for u in users})


async def test_a_kill_in_the_middle_of_a_push_run_delays_the_rest_by_the_lease_not_ten_minutes(
    database_url: str, tmp_path: Path
) -> None:
    """Killed after a few pushes: the restarted process sends every other subscriber their one question
    within the lease and a minute's tick of the kill (it used to take the fixed ten-minute lease)."""
    lease = {"PUSH_LEASE_SECONDS": str(LEASE_S)}
    async with TelegramEmulator() as emulator:
        users = [emulator.create_user(f"Sub{n}") for n in range(SUBSCRIBERS)]
        await subscribe_due_now(database_url, users)
        async with bot_process(emulator, database_url, tmp_path, TELEGRAM_RATE_LIMIT="4", **lease) as first:
            deadline = time.monotonic() + START_TIMEOUT_S
            while sum(daily_counts(emulator, users).values()) < SENT_BEFORE_THE_KILL:
                assert time.monotonic() < deadline, "the first process pushed nothing"
                await asyncio.sleep(0.1)
            emulator.delay_responses("sendMessage", 3600, times=None)  # in flight from now on: never delivered
            await asyncio.sleep(1.0)  # what was delivered before is recorded as sent
            delivered = daily_counts(emulator, users)
            first.process.kill()
            killed_at = time.monotonic()
            await first.process.wait()
        emulator.clear_faults()
        assert 0 < sum(delivered.values()) < SUBSCRIBERS

        async with bot_process(emulator, database_url, tmp_path, **lease):
            limit = LEASE_S + TICK_S + START_TIMEOUT_S
            while len(+daily_counts(emulator, users)) < SUBSCRIBERS:
                assert time.monotonic() - killed_at < limit, f"{SUBSCRIBERS - len(+daily_counts(emulator, users))} left"
                await asyncio.sleep(0.5)
            rest_s = time.monotonic() - killed_at
            await asyncio.sleep(2.0)  # nothing more comes
            counts = daily_counts(emulator, users)
    print(
        f"\n{sum(delivered.values())} pushed before the kill; the other {SUBSCRIBERS - sum(delivered.values())} "
        f"{rest_s:.0f} s after it (lease {LEASE_S} s)"
    )
    assert set(counts.values()) == {1}, "one question each, never two"
