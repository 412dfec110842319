"""Measure the Telegram bot end to end through the Bot API emulator, beside an echo bot.

    python benchmarks/bot_benchmark.py [--users 100] [--questions 10] [--samples 200]
                                       [--limiter both|off|production] [--timeout 60]

Everything is real: python-telegram-bot 22 talking HTTP to ``tests.emulator`` on loopback,
the application from ``build_application`` (the production composition root), the shipped
bank and grader, and a migrated SQLite file in a temporary directory. Waits use the
emulator's helpers, which return the moment the bot's reply reaches it; times are
``time.perf_counter`` from injecting the user's message to that moment.

Prints (figures only, nothing is asserted):
1. reply latency, median and p95: a minimal echo bot (one MessageHandler replying with the
   text) and our bot grading an answer to an open question, the same number of samples,
   in rotating order, emulators with identical settings, and the ratio (goal: <= 1.5x). As a
   diagnostic, a third minimal bot replies to every text with a real feedback message (HTML
   and its four buttons): what sending the reply costs without our handlers, grading or database;
2. concurrency: N users each asking /question and answering M questions at once
   (asyncio.gather), with errors (missing replies, apologies, unexpected replies, ERROR
   records in the bot's log, exceptions), wall time, throughput and reply latency.

The rate limiter. ``build_application`` installs ``GroupRateLimiter`` (30 requests in any
second for the whole bot, Telegram's global flood limit, and 20 sends a minute per group). A
benchmark that sends faster than that measures the limiter, not the bot. So each part runs
twice by default: ``off``: the same limiter class with limits too high to matter, which is
what the bot itself costs; ``production``: the limiter exactly as configured, to show its
effect. Both bots always get the same limiter setting. The time every request spent queued
in the limiter is measured and printed, so the effect is a figure, not a guess.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dtm
import functools
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# PTB's timedelta durations (what the tests use): avoids a deprecation warning per RetryAfter.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from pydantic import SecretStr
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.domain.bank import DEFAULT_BANK_DIR, Bank, load_bank
from bot.domain.grading import Grader
from bot.domain.models import Question
from bot.domain.practice import Feedback
from bot.rendering import texts
from bot.services import build_services
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.telegram_app import app as app_module
from bot.telegram_app.app import build_application
from bot.telegram_app.flood import FloodGuard
from bot.telegram_app.group_rate import GroupRateLimiter
from bot.telegram_app.keyboards import feedback_keyboard
from tests.emulator import EmulatedUser, StoredMessage, TelegramEmulator, WaitTimeoutError

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
MODES = ("off", "production")
WARMUP = 10
"""Samples per bot run before measuring (connections, caches, first queries)."""
SAMPLES_PER_USER = 4
"""In the latency part a fresh user takes over after this many samples (8 messages): a real user
types for seconds between messages, a benchmark loop does not, and the bot's per-user flood
guard (10 messages per 5 s, as configured in production) must not be what is measured."""
RELAXED_BURST = 1_000_000
"""The flood guard's burst in the concurrency part unless ``--flood-guard production``."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


# ---- the rate limiter, measured -----------------------------------------------------------------

NO_LIMIT = 10**9
"""A limit no benchmark reaches: the limiter's "off"."""


class MeasuredLimiter(GroupRateLimiter):
    """The bot's limiter, recording how long each chat request waited before it was sent."""

    def __init__(self, overall_per_second: int, per_group_per_minute: int, *, max_retries: int) -> None:
        super().__init__(overall_per_second, per_group_per_minute, max_retries=max_retries)
        self.waits: list[float] = []

    async def process_request(  # noqa: PLR0917 (the signature is PTB's)
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Run the request through the limiter, noting the time until it was let through."""
        entered = time.perf_counter()
        released: list[float] = []

        async def timed(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            if not released:
                released.append(time.perf_counter())
            return await callback(*call_args, **call_kwargs)

        try:
            return await super().process_request(timed, args, kwargs, endpoint, data, rate_limit_args)
        finally:
            if released and data.get("chat_id") is not None:  # only chat requests are limited
                self.waits.append(released[0] - entered)


def make_limiter(
    mode: str, overall_per_second: int = 30, per_group_per_minute: int = 20, *, max_retries: int = 0
) -> MeasuredLimiter:
    """The limiter for ``mode``: as configured (``production``) or with limits too high to matter (``off``)."""
    if mode == "off":
        overall_per_second = per_group_per_minute = NO_LIMIT
    return MeasuredLimiter(overall_per_second, per_group_per_minute, max_retries=max_retries)


# ---- the two bots -------------------------------------------------------------------------------


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def build_echo_bot(
    emulator: TelegramEmulator, mode: str, reply: tuple[str, InlineKeyboardMarkup] | None = None
) -> tuple[AnyApplication, MeasuredLimiter]:
    """The minimal python-telegram-bot echo bot, with the same kind of limiter as ours.

    With ``reply`` it answers every text with that HTML message and keyboard instead of the text:
    what sending our feedback costs, without our handlers, database or grading.
    """
    limiter = make_limiter(mode)
    application = emulator.ptb_builder().rate_limiter(limiter).build()
    if reply is None:
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
        return application, limiter
    text, keyboard = reply

    async def send_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, send_feedback))
    return application, limiter


def feedback_reply(bank: Bank, grader: Grader) -> tuple[str, InlineKeyboardMarkup]:
    """A real feedback message and its buttons: a partial answer to the bank's first question."""
    question = bank.questions[0]
    grade = grader.grade(question, _SENTENCE.split(question.model_answer)[0])
    feedback = Feedback(question, grade, attempt_id=1, hints_used=0, best_score_before=None, attempts_on_question=1)
    return texts.feedback(feedback), feedback_keyboard(question.id)


def build_our_bot(
    emulator: TelegramEmulator,
    database_url: str,
    config: RunConfig,
    *,
    flood_guard: FloodGuard | None = None,
) -> tuple[AnyApplication, MeasuredLimiter | None]:
    """Our bot from the production composition root; its GroupRateLimiter becomes a measured one."""
    settings = Settings(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.url,
        database_url=database_url,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine_from_url(database_url)
    services = build_services(
        config.bank,
        make_sessionmaker(engine),
        grader=config.grader,
        bank_paths=[DEFAULT_BANK_DIR],
    )

    def factory(*args: Any, **kwargs: Any) -> MeasuredLimiter:
        return make_limiter(config.mode, *args, **kwargs)

    extra: dict[str, Any] = {"flood_guard": flood_guard} if flood_guard is not None else {}
    with mock.patch.object(app_module, "GroupRateLimiter", factory):
        application = build_application(settings, services, engine=engine, migrate_on_start=True, **extra)
    limiter = application.bot.rate_limiter
    return application, limiter if isinstance(limiter, MeasuredLimiter) else None


@contextlib.asynccontextmanager
async def polling(application: AnyApplication) -> AsyncIterator[None]:
    """What ``run_polling`` does (post_init included), minus signals and owning the loop."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        if application.updater is None:
            raise RuntimeError("the application has no Updater")
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=2))
        await application.start()
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


# ---- bookkeeping --------------------------------------------------------------------------------


class LogCounter(logging.Handler):
    """Keeps the bot's WARNING and ERROR records (the run's log is otherwise silent)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def errors(self) -> list[logging.LogRecord]:
        """Records at ERROR or above (exceptions in handlers land here)."""
        return [r for r in self.records if r.levelno >= logging.ERROR]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank, 0 < q <= 100)."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds for printing."""
    return f"{seconds * 1000:8.2f} ms"


def limiter_note(limiter: MeasuredLimiter | None) -> str | None:
    """A warning when the limiter, not the bot, set the pace of this run."""
    if limiter is None or not limiter.waits:
        return None
    queued = sum(1 for w in limiter.waits if w > 0.001)
    if queued == 0:
        return None
    return (
        f"  NOTE: the rate limiter held back {queued}/{len(limiter.waits)} of our bot's requests "
        f"({sum(limiter.waits):.2f} s in all): these figures include Telegram's 30 msg/s global limit "
        "(GroupRateLimiter as configured), not only the bot's own work; the 'off' run is the bot's own cost."
    )


def limiter_summary(limiter: MeasuredLimiter | None) -> str:
    """How long requests waited in the rate limiter."""
    if limiter is None:
        return "limiter not measured (build_application no longer uses GroupRateLimiter)"
    waits = limiter.waits
    if not waits:
        return "no chat requests"
    queued = sum(1 for w in waits if w > 0.001)
    return (
        f"{len(waits)} chat requests, {queued} waited >1 ms in the limiter; "
        f"wait p50 {percentile(waits, 50) * 1000:.2f} ms, p95 {percentile(waits, 95) * 1000:.2f} ms, "
        f"max {max(waits) * 1000:.1f} ms, total {sum(waits):.2f} s"
    )


class QuestionIndex:
    """Finds the bank question a bot message asks, and the answers the simulated users give."""

    def __init__(self, bank: Bank) -> None:
        self.questions = list(bank.questions)

    def find(self, text: str | None) -> Question | None:
        """The question whose text the message contains."""
        if not text:
            return None
        found = [q for q in self.questions if q.question in text]
        return found[0] if len(found) == 1 else None

    @staticmethod
    def answer(question: Question, index: int) -> str:
        """Alternately the full example answer and its first sentence (a partial answer)."""
        if index % 2 == 0:
            return question.model_answer
        return _SENTENCE.split(question.model_answer)[0]


def is_feedback(message: StoredMessage) -> bool:
    """Whether a reply looks like graded feedback (score bar and model answer)."""
    body = message.text or ""
    return "Model answer" in body and texts.ERROR_APOLOGY not in body


@dataclass(frozen=True)
class RunConfig:
    """What every part of the benchmark shares."""

    bank: Bank
    grader: Grader
    mode: str
    """The rate limiter: "off" or "production"."""
    reply_timeout: float
    log: LogCounter
    production_flood_guard: bool = False
    """Concurrency part: keep the per-user flood guard as configured (simulated users type instantly)."""


# ---- 1. latency ---------------------------------------------------------------------------------


@dataclass
class LatencyRun:
    """One bot's latency samples."""

    name: str
    samples: list[float] = field(default_factory=list)
    extra: list[float] = field(default_factory=list)
    """For our bot: /question → question latency (not part of the comparison)."""


class EchoSampler:
    """One echo round trip per sample; ``expected`` is the reply when it is not the text itself."""

    def __init__(self, emulator: TelegramEmulator, timeout: float, expected: str | None = None) -> None:
        self.user = emulator.create_user("Echo")
        self.timeout = timeout
        self.expected = expected
        self.count = 0

    async def sample(self, run: LatencyRun | None) -> None:
        """Send a text and wait for its echo."""
        self.count += 1
        text = f"echo sample {self.count}: what is overfitting?"
        started = time.perf_counter()
        self.user.send_text(text)
        reply = await self.user.wait_for_bot_message(self.timeout)
        elapsed = time.perf_counter() - started
        if self.expected is None and reply.text != text:
            raise RuntimeError(f"echo bot replied {reply.text!r}")
        if self.expected is not None and not (reply.text and self.expected in reply.text):
            raise RuntimeError(f"feedback echo bot replied {reply.text!r}")
        if run is not None:
            run.samples.append(elapsed)


class BotSampler:
    """/question (timed apart), then the measured answer → feedback round trip."""

    def __init__(self, emulator: TelegramEmulator, index: QuestionIndex, timeout: float) -> None:
        self.emulator = emulator
        self.index = index
        self.timeout = timeout
        self.count = 0
        self.user: EmulatedUser | None = None

    async def sample(self, run: LatencyRun | None) -> None:
        """Ask a question, answer it, wait for the feedback."""
        if self.user is None or self.count % SAMPLES_PER_USER == 0:
            self.user = self.emulator.create_user(f"Latency {self.count}")
        user = self.user
        started = time.perf_counter()
        user.send_command("question")
        asked = await user.wait_for_bot_message(self.timeout)
        question_time = time.perf_counter() - started
        question = self.index.find(asked.text)
        if question is None:
            raise RuntimeError(f"/question got {asked.text!r}")
        answer = self.index.answer(question, self.count)
        self.count += 1
        started = time.perf_counter()
        user.send_text(answer)
        feedback = await user.wait_for_bot_message(self.timeout)
        elapsed = time.perf_counter() - started
        if not is_feedback(feedback):
            raise RuntimeError(f"the answer got {feedback.text!r}")
        if run is not None:
            run.samples.append(elapsed)
            run.extra.append(question_time)


async def measure_latency(config: RunConfig, samples: int) -> None:
    """Echo bot and our bot (and an echo bot replying with a feedback message, to show what the
    reply itself costs), in rotating order, on emulators with identical settings."""
    bank, mode, timeout, log = config.bank, config.mode, config.reply_timeout, config.log
    log.records.clear()
    index = QuestionIndex(bank)
    reply = feedback_reply(bank, config.grader)
    with tempfile.TemporaryDirectory(prefix="bot-benchmark-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bot.sqlite3'}"
        async with TelegramEmulator() as echo_emulator, TelegramEmulator() as bot_emulator, TelegramEmulator() as big:
            echo_app, echo_limiter = build_echo_bot(echo_emulator, mode)
            big_app, _ = build_echo_bot(big, mode, reply)
            our_app, our_limiter = build_our_bot(bot_emulator, database_url, config)
            async with polling(echo_app), polling(big_app), polling(our_app):
                echo, ours = EchoSampler(echo_emulator, timeout), BotSampler(bot_emulator, index, timeout)
                big_echo = EchoSampler(big, timeout, expected=texts.plain(reply[0]).split("\n")[0])
                for _ in range(WARMUP):
                    await echo.sample(None)
                    await big_echo.sample(None)
                    await ours.sample(None)
                echo_limiter.waits.clear()
                if our_limiter is not None:
                    our_limiter.waits.clear()
                echo_run, our_run = LatencyRun("echo bot"), LatencyRun("our bot")
                big_run = LatencyRun("echo bot replying with a feedback message")
                pairs: list[tuple[EchoSampler | BotSampler, LatencyRun]] = [
                    (echo, echo_run),
                    (big_echo, big_run),
                    (ours, our_run),
                ]
                for i in range(samples):
                    for sampler, run in pairs[i % 3 :] + pairs[: i % 3]:  # each bot first, second, third in turn
                        await sampler.sample(run)

    print(
        f"\n== 1. Reply latency, limiter {mode!r}: {samples} samples per bot (after {WARMUP} warm-up),"
        " rotating order =="
    )
    print(
        f"  our bot: a fresh user every {SAMPLES_PER_USER} samples, so its per-user flood guard stays as configured"
        " and is never tripped"
    )
    for run in (echo_run, our_run):
        print(f"  {run.name:<40} median {ms(statistics.median(run.samples))}   p95 {ms(percentile(run.samples, 95))}")
    print(
        f"  {'our bot, /question → question (extra)':<40} median {ms(statistics.median(our_run.extra))}"
        f"   p95 {ms(percentile(our_run.extra, 95))}"
    )
    median_ratio = statistics.median(our_run.samples) / statistics.median(echo_run.samples)
    p95_ratio = percentile(our_run.samples, 95) / percentile(echo_run.samples, 95)
    verdict = "within" if median_ratio <= 1.5 else "NOT within"
    print(f"  ratio our/echo: median {median_ratio:.2f}x, p95 {p95_ratio:.2f}x ({verdict} the 1.5x goal at the median)")
    big_ratio = statistics.median(big_run.samples) / statistics.median(echo_run.samples)
    print(
        f"  diagnostic: {big_run.name} ({len(reply[0])} characters of HTML, 4 buttons):"
        f" median {ms(statistics.median(big_run.samples))}   p95 {ms(percentile(big_run.samples, 95))}"
        f" ({big_ratio:.2f}x the echo bot: sending the reply alone, no handlers, grading or database)"
    )
    print(f"  limiter, echo bot: {limiter_summary(echo_limiter)}")
    print(f"  limiter, our bot:  {limiter_summary(our_limiter)}")
    if note := limiter_note(our_limiter):
        print(note)
    print(f"  bot log: {len(log.errors())} ERROR records, {len(log.records) - len(log.errors())} warnings")


# ---- 2. concurrency -----------------------------------------------------------------------------


@dataclass
class LoadStats:
    """What the simulated users saw."""

    sent: int = 0
    replies: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str) -> None:
        """Count an error (and keep the first few for the report)."""
        self.errors[kind] += 1
        if len(self.examples) < 3:
            self.examples.append(f"{kind}: {detail[:300]}")


async def _round_trip(
    user: EmulatedUser, send: Callable[[], object], stats: LoadStats, reply_timeout: float
) -> StoredMessage:
    started = time.perf_counter()
    send()
    stats.sent += 1
    reply = await user.wait_for_bot_message(reply_timeout)
    stats.latencies.append(time.perf_counter() - started)
    stats.replies += 1
    if texts.ERROR_APOLOGY in (reply.text or ""):
        stats.error("apology", f"user {user.id}")
    if texts.SLOW_DOWN in (reply.text or ""):
        stats.error("flood guard's slow-down notice", f"user {user.id}")
    return reply


async def simulated_user(
    user: EmulatedUser, questions: int, index: QuestionIndex, stats: LoadStats, reply_timeout: float
) -> None:
    """/question → the question → an answer → the feedback, ``questions`` times; stops at the first miss."""
    for number in range(questions):
        try:
            asked = await _round_trip(user, functools.partial(user.send_command, "question"), stats, reply_timeout)
            question = index.find(asked.text)
            if question is None:
                stats.error("unexpected reply to /question", repr(asked.text))
                return
            answer = index.answer(question, user.id + number)
            feedback = await _round_trip(user, functools.partial(user.send_text, answer), stats, reply_timeout)
            if "Model answer" not in (feedback.text or ""):
                stats.error("unexpected reply to an answer", repr(feedback.text))
                return
        except WaitTimeoutError as exc:
            stats.error(f"no reply within {reply_timeout:g} s", str(exc).splitlines()[0])
            return


async def measure_concurrency(config: RunConfig, users: int, questions: int) -> None:
    """``users`` users answering ``questions`` questions each, all at once."""
    bank, mode, timeout, log = config.bank, config.mode, config.reply_timeout, config.log
    log.records.clear()
    index = QuestionIndex(bank)
    stats = LoadStats()
    with tempfile.TemporaryDirectory(prefix="bot-benchmark-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bot.sqlite3'}"
        async with TelegramEmulator() as emulator:
            guard = None if config.production_flood_guard else FloodGuard(burst=RELAXED_BURST)
            application, limiter = build_our_bot(emulator, database_url, config, flood_guard=guard)
            async with polling(application):
                people = [emulator.create_user(f"User {n}") for n in range(users)]
                started = time.perf_counter()
                results = await asyncio.gather(
                    *(simulated_user(person, questions, index, stats, timeout) for person in people),
                    return_exceptions=True,
                )
                wall = time.perf_counter() - started
                concurrent_updates = application.concurrent_updates
    for result in results:
        if isinstance(result, BaseException):
            stats.error("exception in a simulated user", repr(result))
    for record in log.errors():
        stats.error("ERROR in the bot's log", f"{record.name}: {record.getMessage()}")
    expected = users * questions * 2

    print(f"\n== 2. Concurrency, limiter {mode!r}: {users} users x {questions} questions, all at once ==")
    if config.production_flood_guard:
        print("  per-user flood guard: as configured in production (instant simulated users may trip it)")
    else:
        print(
            f"  per-user flood guard: burst raised to {RELAXED_BURST:,} (simulated users reply instantly, "
            "no human does; --flood-guard production keeps it)"
        )
    print(f"  messages: {stats.sent} sent by users, {stats.replies} replies (expected {expected} each)")
    print(f"  errors: {sum(stats.errors.values())}" + "".join(f"; {k}: {v}" for k, v in stats.errors.items()))
    for example in stats.examples:
        print(f"    e.g. {example}")
    throughput = f"{stats.replies / wall:.1f} replies/s ({stats.sent / wall:.1f} user msgs/s)"
    print(f"  wall time {wall:.2f} s, throughput {throughput}")
    if stats.latencies:
        print(
            f"  reply latency under load: p50 {ms(percentile(stats.latencies, 50))}, "
            f"p95 {ms(percentile(stats.latencies, 95))}, max {ms(max(stats.latencies))}"
        )
    print(f"  limiter: {limiter_summary(limiter)}")
    if note := limiter_note(limiter):
        print(note)
    print(f"  updates processed {'one at a time' if concurrent_updates == 1 else f'{concurrent_updates} at a time'}")
    warnings = len(log.records) - len(log.errors())
    print(f"  bot log: {len(log.errors())} ERROR records, {warnings} warnings")


# ---- main ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=100, help="simulated users in the concurrency part")
    parser.add_argument("--questions", type=int, default=10, help="questions each simulated user answers")
    parser.add_argument("--samples", type=int, default=200, help="latency samples per bot")
    parser.add_argument(
        "--limiter",
        choices=("both", *MODES),
        default="both",
        help="off: the bot's limiter with limits too high to matter; production: as build_application configures it",
    )
    parser.add_argument(
        "--flood-guard",
        choices=("relaxed", "production"),
        default="relaxed",
        help="concurrency part: the per-user flood guard with a huge burst (default), or as configured",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for any one reply")
    args = parser.parse_args(argv)

    log = LogCounter()
    root = logging.getLogger()
    root.handlers[:] = [log]
    root.setLevel(logging.WARNING)

    loaded = time.perf_counter()
    bank = load_bank()
    grader = bank.make_grader()
    loaded = time.perf_counter() - loaded
    print(f"bank: {len(bank.questions)} questions in {len(bank.topics)} topics (loaded and checked in {loaded:.1f} s)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; SQLite file in a temp dir; emulator on loopback")
    modes = MODES if args.limiter == "both" else (args.limiter,)
    configs = [RunConfig(bank, grader, mode, args.timeout, log, args.flood_guard == "production") for mode in modes]
    for config in configs:
        asyncio.run(measure_latency(config, args.samples))
    for config in configs:
        asyncio.run(measure_concurrency(config, args.users, args.questions))


if __name__ == "__main__":
    main()
