"""Fixtures for the end-to-end Telegram tests: the emulator, and the production bot running against it.

Test modules load this file with ``pytest_plugins`` and import its helpers (``running_bot``,
``RunningBot``, ``FakeClock``, ``bot_settings``). Those imports come before pytest reads
``pytest_plugins``, too late for assertion rewriting, so this module opts out (it asserts
only to narrow types): PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from pydantic import SecretStr

from bot.config import Settings
from bot.services import Services, build_services
from bot.services.practice import Practice, utc_now
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.telegram_app.app import build_application, webhook_options
from bot.telegram_app.context import BotApplication
from bot.telegram_app.daily import PushReport, PushRunner
from bot.telegram_app.flood import FloodGuard
from tests.emulator import TelegramEmulator
from tests.practice_fixtures import real_bank, real_bank_paths, real_grader


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RunningBot:
    """The application under test, the services behind it, and its flood guard's clock if frozen."""

    app: BotApplication
    services: Services
    flood_clock: FakeClock | None = None
    runner: PushRunner | None = None

    @property
    def practice(self) -> Practice:
        """The practice service (the bank in service, users' open questions)."""
        return self.services.practice

    async def push(self) -> PushReport:
        """One daily push run, as the JobQueue would start it (after any run in progress)."""
        assert self.runner is not None
        return await self.runner.run(self.app.bot, wait=True)


def bot_settings(emulator: TelegramEmulator, database_url: str, **extra: Any) -> Settings:
    """Settings for a bot talking to the emulator, ignoring any ``.env`` on the machine."""
    return Settings(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.url,
        database_url=database_url,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


@contextlib.asynccontextmanager
async def running_bot(
    emulator: TelegramEmulator,
    database_url: str,
    *,
    webhook: Settings | None = None,
    flood_clock: FakeClock | None = None,
    clock: Callable[[], dtm.datetime] | None = None,
    settings: Settings | None = None,
    schedule_daily_push: bool = False,
) -> AsyncIterator[RunningBot]:
    """The bot as ``run`` builds it, long-polling the emulator (or serving ``webhook``'s webhook).

    ``flood_clock`` freezes the per-user flood guard's clock; without it the guard uses real time.
    ``clock`` is the service's clock (a ``FrozenClock`` for the daily push). The push job is not
    put on the JobQueue unless ``schedule_daily_push``: tests run pushes with ``RunningBot.push``.
    """
    settings = webhook or settings or bot_settings(emulator, database_url)
    engine = create_engine_from_url(database_url)
    services = build_services(
        real_bank(),
        make_sessionmaker(engine),
        grader=real_grader(),
        bank_paths=real_bank_paths(),
        push_grace=dtm.timedelta(minutes=settings.push_grace_minutes),
        push_lease=dtm.timedelta(seconds=settings.push_lease_seconds),
        clock=clock or utc_now,
    )
    flood_guard = FloodGuard(clock=flood_clock) if flood_clock is not None else None
    runner = PushRunner(services.daily, retry_base_s=0.01)
    app = build_application(
        settings,
        services,
        engine=engine,
        migrate_on_start=True,
        flood_guard=flood_guard,
        push_runner=runner,
        schedule_daily_push=schedule_daily_push,
    )
    # What Application.run_polling / run_webhook do, minus signal handling and owning the loop.
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        if webhook is not None:
            await app.updater.start_webhook(**webhook_options(webhook))
        else:
            await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=2))
        await app.start()
        try:
            yield RunningBot(app, services, flood_clock, runner)
        finally:
            await app.updater.stop()
            await app.stop()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    """A fresh emulator on a free loopback port."""
    async with TelegramEmulator() as emu:
        yield emu
