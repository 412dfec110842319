"""Two bot processes on one PostgreSQL database: a deck published through one is served by the other within a minute.

Two real ``python -m bot`` processes, each long-polling its own Bot API emulator (two bots:
two pollers on one token would get 409 Conflict), share one database and one bank folder, as
two instances of a deployment do. No restart: the second process picks the publish up with
the job that runs every minute. Then a broken change (a published deck whose questions clash
with the bank, written straight into the database) reaches both at their next minute: both
refuse it, log why, and keep serving the bank they had.

PostgreSQL only (``TEST_DATABASE_URL``): that is the database several processes share in
production. It takes up to two minutes, most of it waiting for minute ticks.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.domain.bank import DEFAULT_BANK_DIR
from bot.storage.db import create_engine_from_url, make_sessionmaker
from tests.emulator import EmulatedUser, TelegramEmulator
from tests.practice_fixtures import TEST_DATABASE_URL
from tests.test_decks import GOOD_DECK
from tests.test_library import store_clashing_deck

pytest_plugins = ["tests.practice_fixtures"]

pytestmark = pytest.mark.skipif(not os.environ.get(TEST_DATABASE_URL), reason="needs PostgreSQL (TEST_DATABASE_URL)")

ADMIN_ID = 4242
MINUTE_S = 60.0
PICKUP_SLACK_S = 20.0
"""Beyond the minute: the job's own start jitter and rebuilding the bank's grader on two slow cores."""
START_TIMEOUT_S = 90.0


class BotProcess:
    """``python -m bot`` against one emulator, its log lines collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode(errors="replace").rstrip())

    def logged(self, pattern: str) -> bool:
        """Whether a log line so far matches ``pattern``."""
        return any(re.search(pattern, line) for line in self.log)

    async def stop(self) -> None:
        """SIGINT, as an operator would; the log is read to its end."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(self.process.wait(), timeout=60)
        await self._reader


@asynccontextmanager
async def bot_process(
    emulator: TelegramEmulator, database_url: str, cwd: Path, **settings: str
) -> AsyncIterator[BotProcess]:
    """A bot process talking to ``emulator`` (``settings``: more environment, e.g. ``PUSH_LEASE_SECONDS``),
    started and answering /start, stopped at the end (unless the test killed it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_", "BANK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_BASE_URL=emulator.url,
        DATABASE_URL=database_url,
        BANK_PATH=str(DEFAULT_BANK_DIR),
        ADMIN_IDS=str(ADMIN_ID),
        LOG_LEVEL="INFO",
        PTB_TIMEDELTA="1",
        **settings,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=cwd, stderr=asyncio.subprocess.PIPE
    )
    running = BotProcess(process)
    try:
        greeter = emulator.create_user("Greeter")
        greeter.start()
        await greeter.wait_for_bot_message(timeout=START_TIMEOUT_S)
        yield running
    finally:
        await running.stop()


async def ask(user: EmulatedUser, topic: str) -> str:
    user.send_command("question", topic)
    return (await user.wait_for_bot_message(timeout=30)).text or ""


async def seconds_until(check: Callable[[], Awaitable[bool]], limit_s: float, interval_s: float = 2.0) -> float:
    """Seconds until ``check()`` comes true (failing after ``limit_s``)."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(interval_s)
    raise AssertionError(f"not within {limit_s} s")


async def test_a_deck_published_through_one_process_is_served_by_the_other_within_a_minute(
    database_url: str, tmp_path: Path
) -> None:
    """Publish through A; B serves it within a minute, no restart; a broken change is then refused by both."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # The second process starts once the first has migrated the database (two migrations at once would race).
    async with (
        TelegramEmulator() as emulator_a,
        TelegramEmulator(token=_other_token(emulator_a.token)) as emulator_b,
        bot_process(emulator_a, database_url, tmp_path / "a") as first,
        bot_process(emulator_b, database_url, tmp_path / "b") as second,
    ):
        admin = emulator_a.create_user("Admin", user_id=ADMIN_ID)
        admin.send_document(GOOD_DECK.encode(), "feature-stores.md")
        saved = await admin.wait_for_bot_message(timeout=30)
        topic = re.search(r"/question (\S+)", saved.text or "")
        assert topic is not None, saved.text
        publish = next(b["callback_data"] for b in saved.buttons if b["callback_data"].startswith("ud:p:"))
        bob = emulator_b.create_user("Bob")
        assert "I have no topic" in await ask(bob, topic[1]), "B does not serve the deck before it is published"

        admin.press_button(saved, data=publish)
        reloaded = await admin.wait_for_bot_message(timeout=30)
        assert "Bank reloaded" in (reloaded.text or ""), reloaded.text

        async def served_by_b() -> bool:
            return "🎯 Feature stores" in await ask(bob, topic[1])

        pickup_s = await seconds_until(served_by_b, MINUTE_S + PICKUP_SLACK_S)
        print(f"\nthe other process served the published deck after {pickup_s:.1f} s")
        assert second.logged(r"Bank version \d+ in service: \d+ questions, 1 published decks")

        # A broken change, as if written by hand: a deck whose every question id is the bank's.
        await _publish_a_clashing_deck(database_url)

        async def refused_by_both() -> bool:
            return all(p.logged("Bank version .* refused: copy.yaml:") for p in (first, second))

        refused_s = await seconds_until(refused_by_both, MINUTE_S + PICKUP_SLACK_S)
        print(f"both processes refused the broken change after {refused_s:.1f} s")
        alice = emulator_a.create_user("Alice")
        for user in (alice, bob):
            assert "🎯 Feature stores" in await ask(user, topic[1]), "the previous bank is still in service"
            assert "I have no topic “copy”" in await ask(user, "copy")


def _other_token(token: str) -> str:
    """A second bot's token, shaped like the first (the emulators must not share one)."""
    bot_id, secret = token.split(":", 1)
    return f"{int(bot_id) + 1}:{secret}"


async def _publish_a_clashing_deck(database_url: str) -> None:
    engine = create_engine_from_url(database_url)
    try:
        await store_clashing_deck(make_sessionmaker(engine))
    finally:
        await engine.dispose()
