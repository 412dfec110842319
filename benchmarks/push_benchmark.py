"""Measure the daily push: 10,000 subscribers through the emulator, one and two bot instances, and the due query.

    python benchmarks/push_benchmark.py [--subscribers 10000] [--rate 30] [--rows 1000000]
                                        [--database-url URL] [--skip-push] [--skip-query]

Everything is real: python-telegram-bot 22 talking HTTP to ``tests.emulator`` on loopback,
the application from ``build_application`` (its ``AIORateLimiter`` set to ``--rate``
messages a second, as ``TELEGRAM_RATE_LIMIT`` sets it), the shipped bank, and a migrated
database (a SQLite file in a temporary directory unless ``--database-url`` names an empty
PostgreSQL database). Subscribers are inserted in bulk, all due one minute ago; a push run
is what the JobQueue job runs.

Prints (figures only, nothing is asserted):
1. one instance: messages delivered, chats with more than one push, failures, and the
   sustained send rate (messages between the first and last delivery over that time) as a
   share of the configured limit;
2. two instances sharing the database, each limited to ``rate / 2`` (the deployment rule
   for N processes on one token), the same figures for both together;
3. the due query among ``--rows`` subscription rows: the time to claim a batch and to list
   everybody due in one minute, with the query plan.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from pydantic import SecretStr
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.bank import DEFAULT_BANK_DIR, Bank, load_bank
from bot.domain.daily import Status
from bot.services import build_services
from bot.services.daily import CLAIM_BATCH
from bot.storage import deliveries
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate
from bot.storage.models import Delivery, User
from bot.telegram_app.app import build_application
from bot.telegram_app.daily import PushReport, PushRunner
from tests.emulator import TelegramEmulator

NOW = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)
"""The service clock during the push: every subscriber is due at 08:00 UTC, 30 s ago."""
CHUNK = 5_000


def fixed_clock() -> datetime:
    return NOW


async def empty_database(url: str | None, directory: str, name: str) -> str:
    """A migrated, empty database: a new SQLite file, or the given one with every table dropped."""
    if url is None:
        url = f"sqlite:///{directory}/{name}.db"
    else:
        engine = create_engine_from_url(url)
        async with engine.begin() as connection:
            metadata = MetaData()
            await connection.run_sync(metadata.reflect)
            await connection.run_sync(metadata.drop_all)
        await engine.dispose()
    await migrate(url)
    return url


async def insert_subscribers(engine: AsyncEngine, ids: Sequence[int], *, spread: bool = False) -> None:
    """Bulk-insert subscribers at 08:00 UTC (``spread``: next pushes spread over a whole day)."""
    rng = random.Random(7)
    async with engine.begin() as connection:
        for start in range(0, len(ids), CHUNK):
            rows = []
            for user_id in ids[start : start + CHUNK]:
                due = NOW - timedelta(seconds=30)
                if spread:
                    due = NOW.replace(hour=0, minute=0, second=0) + timedelta(minutes=rng.randrange(24 * 60))
                rows.append(
                    {
                        "id": user_id,
                        "chat_id": user_id,
                        "first_name": f"U{user_id}",
                        "created_at": NOW - timedelta(days=1),
                        "last_seen_at": NOW - timedelta(days=1),
                        "topics": [],
                        "timezone": "UTC",
                        "daily_time": f"{due.hour:02d}:{due.minute:02d}",
                        "push_weekdays_only": False,
                        "next_push_at": due,
                        "hints_used": 0,
                    }
                )
            await connection.execute(insert(User), rows)


def settings_for(emulator: TelegramEmulator, url: str, rate: int) -> Settings:
    return Settings(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.url,
        database_url=url,
        telegram_rate_limit=rate,
        _env_file=None,  # type: ignore[call-arg]
    )


async def push_run(bank: Bank, url: str, subscribers: int, rate: int, instances: int) -> None:
    """Subscribers due now, ``instances`` bots on one database each limited to rate/instances."""
    async with TelegramEmulator() as emulator:
        first_id = 500_000_000
        ids = list(range(first_id, first_id + subscribers))
        for user_id in ids:
            emulator.create_user(f"U{user_id}", user_id=user_id)
        setup = create_engine_from_url(url)
        await insert_subscribers(setup, ids)
        await setup.dispose()

        per_instance = max(1, rate // instances)
        apps = []
        for _ in range(instances):
            engine = create_engine_from_url(url)
            services = build_services(
                bank,
                make_sessionmaker(engine),
                bank_paths=[DEFAULT_BANK_DIR],
                clock=fixed_clock,
            )
            runner = PushRunner(services.daily)
            app = build_application(
                settings_for(emulator, url, per_instance),
                services,
                engine=engine,
                push_runner=runner,
                schedule_daily_push=False,
            )
            apps.append((app, runner))

        # Pushing needs no updates: the instances are initialised but do not poll (two pollers on
        # one token get 409 Conflict from Telegram, and from the emulator).
        async with contextlib_all([app for app, _ in apps]):
            started = time.perf_counter()
            reports: list[PushReport] = await asyncio.gather(*(runner.run(app.bot) for app, runner in apps))
            wall = time.perf_counter() - started

        sends = [r for r in emulator.calls.select("sendMessage", ok=True) if r.chat_id and int(r.chat_id) in set(ids)]
        per_chat = Counter(int(r.chat_id or 0) for r in sends)
        times = sorted(r.finished for r in sends)
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        sustained = (len(times) - 1) / span if len(times) > 1 else float("nan")
        failed = sum(r.outcomes[Status.FAILED] + r.outcomes[Status.BLOCKED] for r in reports)
        check = create_engine_from_url(url)
        async with check.connect() as connection:
            sent_rows = (
                await connection.execute(
                    select(text("count(*)")).select_from(Delivery).where(Delivery.status == Status.SENT)
                )
            ).scalar_one()
        await check.dispose()
        per_second = Counter(int(t - times[0]) for t in times)
        full_seconds = [per_second[s] for s in range(1, int(span))] if span > 2 else []
        label = "1 instance" if instances == 1 else f"{instances} instances, {per_instance}/s each"
        print(f"== push to {subscribers:,} subscribers, {label} (configured limit {rate}/s in total) ==")
        print(
            f"  delivered {len(sends):,} messages to {len(per_chat):,} chats; chats with >1 push: "
            f"{sum(1 for c in per_chat.values() if c > 1)}; missing: {subscribers - len(per_chat):,}"
        )
        print(f"  per instance: {[r.outcomes[Status.SENT] for r in reports]} sent; failed or blocked: {failed}")
        print(f"  deliveries rows marked sent: {sent_rows:,}")
        share = 100 * sustained / rate
        print(f"  wall time {wall:.1f} s; rate first to last {sustained:.1f} msg/s = {share:.1f}% of {rate}/s")
        steady = [t for t in times if t >= times[0] + 1.0]
        if len(steady) > 1:
            # The limiter lets a first burst of `rate` messages through at once; after it, the steady pace.
            pace = (len(steady) - 1) / (steady[-1] - steady[0])
            print(f"  after the first second: {pace:.1f} msg/s = {100 * pace / rate:.1f}% of the limit")
        if full_seconds:
            print(
                f"  messages per full second: min {min(full_seconds)}, median {statistics.median(full_seconds)}, "
                f"max {max(full_seconds)}"
            )


class contextlib_all:  # noqa: N801 (reads as a function at the call site)
    """Enter several async context managers together, exit them in reverse order."""

    def __init__(self, managers: list[Any]) -> None:
        self._managers = managers

    async def __aenter__(self) -> None:
        for manager in self._managers:
            await manager.__aenter__()

    async def __aexit__(self, *exc_info: object) -> None:
        for manager in reversed(self._managers):
            await manager.__aexit__(*exc_info)


async def due_query(url: str, rows: int, repeats: int = 20) -> None:
    """Time the due-subscribers queries among ``rows`` subscription rows spread over a day."""
    engine = create_engine_from_url(url)
    started = time.perf_counter()
    await insert_subscribers(engine, list(range(1, rows + 1)), spread=True)
    load = time.perf_counter() - started
    sessionmaker = make_sessionmaker(engine)
    minute_end = NOW.replace(second=0)
    minute_start = minute_end - timedelta(minutes=1)
    batch_times, minute_times = [], []
    due_in_minute = 0
    for _ in range(repeats):
        async with sessionmaker() as session, session.begin():
            t = time.perf_counter()
            users = await deliveries.due_subscribers(session=session, now=minute_start, limit=CLAIM_BATCH)
            batch_times.append(time.perf_counter() - t)
            assert len(users) == CLAIM_BATCH
            await session.rollback()
        async with engine.connect() as connection:
            t = time.perf_counter()
            result = await connection.execute(
                select(User.id).where(User.next_push_at > minute_start, User.next_push_at <= minute_end)
            )
            due_in_minute = len(result.all())
            minute_times.append(time.perf_counter() - t)
    dialect = engine.dialect.name
    explain = "EXPLAIN QUERY PLAN" if dialect == "sqlite" else "EXPLAIN"
    async with engine.connect() as connection:
        plan = (
            await connection.execute(
                text(f"{explain} SELECT id FROM users WHERE next_push_at <= :now ORDER BY next_push_at LIMIT 50"),
                {"now": minute_end.replace(tzinfo=None) if dialect == "sqlite" else minute_end},
            )
        ).all()
    await engine.dispose()
    print(f"== due query among {rows:,} subscription rows ({dialect}; loaded in {load:.1f} s) ==")
    print(
        f"  claim batch (FOR UPDATE SKIP LOCKED on PostgreSQL, {CLAIM_BATCH} rows): "
        f"median {1000 * statistics.median(batch_times):.2f} ms, max {1000 * max(batch_times):.2f} ms"
    )
    print(
        f"  everybody due in one minute ({due_in_minute} rows): "
        f"median {1000 * statistics.median(minute_times):.2f} ms, max {1000 * max(minute_times):.2f} ms"
    )
    print("  plan: " + " | ".join(str(row[-1]) for row in plan))


async def main(args: argparse.Namespace) -> None:
    bank = load_bank()
    print(f"bank: {len(bank.questions)} questions; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as directory:
        if not args.skip_push:
            url = await empty_database(args.database_url, directory, "one")
            await push_run(bank, url, args.subscribers, args.rate, 1)
            url = await empty_database(args.database_url, directory, "two")
            await push_run(bank, url, args.subscribers, args.rate, 2)
        if not args.skip_query:
            url = await empty_database(args.database_url, directory, "rows")
            await due_query(url, args.rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=30, help="the configured limit in messages per second")
    parser.add_argument("--rows", type=int, default=1_000_000, help="subscription rows for the due query")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite files)")
    parser.add_argument("--skip-push", action="store_true")
    parser.add_argument("--skip-query", action="store_true")
    asyncio.run(main(parser.parse_args()))
