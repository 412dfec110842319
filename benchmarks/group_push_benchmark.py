"""Measure the groups' daily push: 1,000 groups of ten answering members each, through the emulator.

    python benchmarks/group_push_benchmark.py [--groups 1000] [--members 10] [--rate 30] [--per-group 20]
                                              [--database-url URL] [--skip-pressure]

Everything is real: python-telegram-bot 22 long-polling ``tests.emulator`` over loopback HTTP,
the application from ``build_application`` (its ``GroupRateLimiter`` at ``--rate`` messages a
second overall and ``--per-group`` a minute per group, as ``TELEGRAM_RATE_LIMIT`` and
``TELEGRAM_GROUP_RATE_LIMIT`` set them), the shipped bank and grader, and a migrated database
(a SQLite file unless ``--database-url`` names an empty PostgreSQL database). The emulator
enforces Telegram's 20 messages a minute per group (a 21st gets 429), so a group over its
limit would show as 429s.

1. Groups are inserted subscribed and due; one push run (what the JobQueue job runs) posts
   their questions. Then every member replies to their group's question at once (a strong, a
   partial or a weak answer); one member per group has started the bot privately and also
   gets the full feedback there. Printed: group questions posted (and groups with more than
   one), replies graded (in the group, and rows in ``group_answers``), the most messages any
   group got in any 60 s, 429s, and the overall send rate against the configured limit.
2. Pressure (unless ``--skip-pressure``): 50 groups whose ten members each answer twice, 21
   messages per group within seconds: the window holds the 21st back until the minute is over.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from push_benchmark import empty_database
from pydantic import SecretStr
from sqlalchemy import func, insert, select

from bot.config import Settings
from bot.domain.daily import Status
from bot.domain.models import Question
from bot.storage.db import create_engine_from_url
from bot.storage.group_models import Group, GroupAnswer
from bot.storage.models import User
from bot.telegram_app.daily import PushReport
from tests.emulator import EmulatedUser, GroupChat, TelegramEmulator
from tests.practice_fixtures import real_bank
from tests.telegram_fixtures import RunningBot, running_bot

NOW = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)
"""The service clock: every group is due at 08:00 UTC, 30 s ago."""
DAILY = "Today's question for the group"


def fixed_clock() -> datetime:
    return NOW


async def insert_rows(url: str, groups: list[GroupChat], starters: list[EmulatedUser]) -> None:
    """The groups, subscribed at 08:00 UTC and due; the members who started the bot privately."""
    engine = create_engine_from_url(url)
    async with engine.begin() as connection:
        await connection.execute(
            insert(Group),
            [
                {
                    "chat_id": g.id,
                    "title": g.title,
                    "supergroup": False,
                    "active": True,
                    "created_at": NOW - timedelta(days=1),
                    "topics": [],
                    "timezone": "UTC",
                    "daily_time": "08:00",
                    "push_weekdays_only": False,
                    "next_push_at": NOW - timedelta(seconds=30),
                }
                for g in groups
            ],
        )
        await connection.execute(
            insert(User),
            [
                {
                    "id": u.id,
                    "chat_id": u.id,
                    "first_name": u.first_name,
                    "created_at": NOW - timedelta(days=1),
                    "last_seen_at": NOW - timedelta(days=1),
                    "topics": [],
                    "timezone": "UTC",
                    "hints_used": 0,
                }
                for u in starters
            ],
        )
    await engine.dispose()


def answer_for(question: Question, index: int) -> str:
    """A strong, a partial or a weak answer, by turns."""
    if index % 3 == 0:
        return question.model_answer
    if index % 3 == 1:
        return question.model_answer.split(". ")[0]
    return "Not sure, I think it depends on the data and maybe the learning rate."


def settings_for(emulator: TelegramEmulator, url: str, rate: int, per_group: int) -> Settings:
    return Settings(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.url,
        database_url=url,
        telegram_rate_limit=rate,
        telegram_group_rate_limit=per_group,
        _env_file=None,  # type: ignore[call-arg]
    )


async def wait_for_sends(emulator: TelegramEmulator, group_ids: set[int], expected: int, within: float) -> int:
    """Poll the call log until ``expected`` messages reached the groups (or ``within`` s passed); how many did."""
    deadline = time.monotonic() + within
    count = 0
    while time.monotonic() < deadline:
        count = sum(
            1 for r in emulator.calls.select("sendMessage", ok=True) if r.chat_id and int(r.chat_id) in group_ids
        )
        if count >= expected:
            return count
        await asyncio.sleep(2.0)
    return count


async def scenario(url: str, *, groups: int, members: int, tries: int, rate: int, per_group: int, label: str) -> None:
    """One push to ``groups`` groups, then every member answering ``tries`` times; figures printed."""
    bank = real_bank()
    by_text = {q.question: q for q in bank.questions}
    async with TelegramEmulator() as emulator:
        emulator.set_rate_limit(None, per_group_per_minute=20)
        chats: list[GroupChat] = []
        people: dict[int, list[EmulatedUser]] = {}
        starters: list[EmulatedUser] = []
        for number in range(groups):
            team = [
                emulator.create_user(f"M{number}x{i}", user_id=600_000_000 + number * 100 + i, started=i == 0)
                for i in range(members)
            ]
            group = emulator.create_group(f"Group {number}", team)
            chats.append(group)
            people[group.id] = team
            starters.append(team[0])
        await insert_rows(url, chats, starters)
        ids = {g.id for g in chats}
        settings = settings_for(emulator, url, rate, per_group)
        async with running_bot(emulator, url, settings=settings, clock=fixed_clock) as running:
            started = time.perf_counter()
            report = await push(running)
            push_wall = time.perf_counter() - started
            questions = [m for g in chats for m in g.bot_messages() if DAILY in (m.text or "")]
            per_group_questions = Counter(m.chat_id for m in questions)
            started = time.perf_counter()
            for group in chats:
                question = next(m for m in group.bot_messages() if DAILY in (m.text or ""))
                asked = by_text[next(t for t in by_text if t in (question.text or ""))]
                for attempt in range(tries):
                    for index, member in enumerate(people[group.id]):
                        member.reply(question, answer_for(asked, index + attempt))
            replies = groups * members * tries
            timeout = 120 + 3 * (groups + replies) / rate + (70 if tries > 1 else 0)
            delivered = await wait_for_sends(emulator, ids, len(questions) + replies, timeout)
            answer_wall = time.perf_counter() - started
            await emulator.wait_until_updates_consumed()
        engine = create_engine_from_url(url)
        async with engine.connect() as connection:
            graded_rows = (await connection.execute(select(func.count()).select_from(GroupAnswer))).scalar_one()
        await engine.dispose()

        sends = sorted(r.finished for r in emulator.calls.select("sendMessage", ok=True))
        private = sum(1 for r in emulator.calls.select("sendMessage", ok=True) if r.chat_id and int(r.chat_id) > 0)
        limited = len([r for r in emulator.calls.records if r.status == 429])
        peaks = emulator.peak_sends(60)
        span = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
        steady = [t for t in sends if t >= sends[0] + 1.0]
        pace = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan")
        busiest, first = 0, 0
        for last, moment in enumerate(sends):  # the most sends in any 1 s window, two pointers
            while sends[first] <= moment - 1.0:
                first += 1
            busiest = max(busiest, last - first + 1)
        print(
            f"== {label}: {groups:,} groups x {members} members, {tries} answer(s) each; "
            f"limits {rate}/s, {per_group}/min/group =="
        )
        print(
            f"  push run: {report.outcomes[Status.SENT]:,} sent in {push_wall:.1f} s; group questions posted: "
            f"{len(questions):,} in {len(per_group_questions):,} groups; groups with more than one: "
            f"{sum(1 for n in per_group_questions.values() if n > 1)}"
        )
        print(
            f"  replies: {replies:,} sent by members; graded lines in the groups: {delivered - len(questions):,}; "
            f"group_answers rows: {graded_rows:,}; private feedback messages: {private:,}; took {answer_wall:.1f} s"
        )
        print(
            f"  per group: most messages in any 60 s: {max(peaks.values(), default=0)} (limit {per_group}); "
            f"groups over 20: {sum(1 for n in peaks.values() if n > 20)}; 429s from the emulator: {limited}"
        )
        print(
            f"  overall: {len(sends):,} messages in {span:.1f} s = {(len(sends) - 1) / span:.1f} msg/s; "
            f"after the first second {pace:.1f} msg/s = {100 * pace / rate:.1f}% of {rate}/s; "
            f"busiest 1 s window: {busiest}"
        )


async def push(running: RunningBot) -> PushReport:
    return await running.app.bot_data.group_push_runner.run(running.app.bot, wait=True)


async def main(args: argparse.Namespace) -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as directory:
        url = await empty_database(args.database_url, directory, "groups")
        await scenario(
            url,
            groups=args.groups,
            members=args.members,
            tries=1,
            rate=args.rate,
            per_group=args.per_group,
            label="daily push",
        )
        if not args.skip_pressure:
            url = await empty_database(args.database_url, directory, "pressure")
            await scenario(
                url, groups=50, members=10, tries=2, rate=args.rate, per_group=args.per_group, label="pressure"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rate", type=int, default=30, help="the configured overall limit in messages per second")
    parser.add_argument("--per-group", type=int, default=20, help="the configured limit per group per minute")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite files)")
    parser.add_argument("--skip-pressure", action="store_true")
    asyncio.run(main(parser.parse_args()))
