"""The bot under pressure: floods, Telegram's failures on sends, and webhook mode.

Like ``test_telegram_e2e.py``, every end-to-end test runs the production application
(``build_application``) with real python-telegram-bot over HTTP against the emulator in
``tests.emulator``; failures are injected on the emulator's side, never inside PTB.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import text
from telegram.ext import Application

from bot.rendering import texts
from bot.storage.db import create_engine_from_url
from bot.telegram_app.app import webhook_options
from bot.telegram_app.flood import FLOOD_BURST, FLOOD_WINDOW_S, Admission, FloodGuard, PerUserUpdateProcessor
from tests.emulator import EmulatedUser, StoredMessage, TelegramEmulator
from tests.telegram_fixtures import FakeClock, RunningBot, bot_settings, running_bot

# database_url: a SQLite file, or the PostgreSQL database named by TEST_DATABASE_URL;
# emulator: a fresh Bot API emulator on loopback.
pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
HANDLERS_LOGGER = "bot.telegram_app.handlers"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot, long-polling the emulator, its flood guard on a clock the test moves."""
    async with running_bot(emulator, database_url, flood_clock=FakeClock()) as running:
        yield running


async def _eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (up to 5 s) for a condition outside the emulator, such as a database row, checking every 50 ms."""
    try:
        async with asyncio.timeout(5.0):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.05)  # the database has no change notification to wait on
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def _blocked_at(database_url: str, user_id: int) -> object:
    engine = create_engine_from_url(database_url)
    try:
        async with engine.connect() as connection:
            query = text("SELECT blocked_at FROM users WHERE id = :user_id")
            return (await connection.execute(query, {"user_id": user_id})).scalar_one_or_none()
    finally:
        await engine.dispose()


async def _timed_reply(user: EmulatedUser, action: Callable[[], object]) -> tuple[StoredMessage, float]:
    """Do ``action`` and return the bot's next message to ``user`` with the seconds it took."""
    started = time.perf_counter()
    action()
    reply = await user.wait_for_bot_message(timeout=15)
    return reply, time.perf_counter() - started


# ---- the flood guard on its own ----------------------------------------------------------------


def test_flood_guard_allows_a_burst_then_notifies_once_then_drops() -> None:
    """Ten at once pass, the eleventh earns the notice, the rest are dropped until tokens come back."""
    clock = FakeClock()
    guard = FloodGuard(burst=10, window_s=5.0, clock=clock)
    decisions = [guard.admit(1) for _ in range(50)]
    assert decisions[:10] == [Admission.PROCESS] * 10
    assert decisions[10] == Admission.NOTIFY
    assert set(decisions[11:]) == {Admission.DROP}
    assert guard.admit(2) == Admission.PROCESS  # another user is not affected

    clock.now += 0.5  # one token back (10 per 5 s)
    assert guard.admit(1) == Admission.PROCESS
    assert guard.admit(1) == Admission.NOTIFY  # a new flood gets a new notice


def test_flood_guard_forgets_quiet_users() -> None:
    """Buckets of users who have been quiet for a whole window are dropped, so memory stays bounded."""
    clock = FakeClock()
    guard = FloodGuard(burst=10, window_s=5.0, clock=clock)
    for user_id in range(1000):
        guard.admit(user_id)
    assert len(guard) == 1000
    clock.now += 5.0
    guard.admit(5000)
    assert len(guard) == 1


def test_flood_guard_rejects_nonsense_limits() -> None:
    """A burst below one or an empty window is a configuration error."""
    with pytest.raises(ValueError, match="burst"):
        FloodGuard(burst=0)
    with pytest.raises(ValueError, match="window_s"):
        FloodGuard(window_s=0)


# ---- floods end to end ------------------------------------------------------------------------


async def test_one_users_flood_does_not_slow_others(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """50 messages at once from Alice: Bob is answered as fast as without them, Alice gets one notice."""
    alice = emulator.create_user("Alice")
    bob = emulator.create_user("Bob")
    _, baseline = await _timed_reply(bob, lambda: bob.send_command("question"))

    for number in range(50):
        alice.send_text(f"spam {number}")
    bob_reply, flooded = await _timed_reply(bob, lambda: bob.send_command("question"))
    assert "🎯" in (bob_reply.text or "")
    assert len(alice.bot_messages()) < FLOOD_BURST + 1, "Bob waited for Alice's whole queue"
    assert flooded < baseline + 5.0

    replies = [await alice.wait_for_bot_message(timeout=15) for _ in range(FLOOD_BURST + 1)]
    notices = [r for r in replies if r.text == texts.SLOW_DOWN]
    assert len(notices) == 1
    assert all(r.text == texts.NUDGE_NO_QUESTION for r in replies if r not in notices)
    await emulator.assert_no_bot_message(alice.id, within=0.5)  # the rest were dropped, not queued
    await emulator.wait_until_updates_consumed()

    assert bot.flood_clock is not None
    bot.flood_clock.now += FLOOD_WINDOW_S  # the window passes: Alice is served normally again
    alice.send_command("help")
    assert "How it works" in ((await alice.wait_for_bot_message()).text or "")
    processor = bot.app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)

    async def locks_released() -> bool:
        return processor.users_in_flight == 0

    await _eventually(locks_released, "the per-user locks to be cleaned up")


async def test_one_users_updates_stay_in_order(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """Updates run concurrently across users but in order per user: question, hint, answer, stats."""
    alice = emulator.create_user("Alice")
    bob = emulator.create_user("Bob")
    for user in (alice, bob):
        user.send_command("question")
        user.send_command("hint")
        user.send_text("I would not know, honestly")
        user.send_command("stats")
    for user in (alice, bob):
        replies = [(await user.wait_for_bot_message()).text or "" for _ in range(4)]
        assert "🎯" in replies[0]
        assert "Hint 1/" in replies[1] or "has no hints" in replies[1]
        assert "Model answer" in replies[2]
        assert "Answered: 1" in replies[3]


# ---- Telegram's failures on sends ---------------------------------------------------------------


async def test_429_is_waited_out_and_retried(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """A 429 with retry_after=1 on sendMessage: the rate limiter waits and the reply still arrives."""
    alice = emulator.create_user("Alice")
    emulator.fail_with_retry_after("sendMessage", 1, chat_id=alice.id)
    reply, took = await _timed_reply(alice, lambda: alice.send_command("help"))
    assert "How it works" in (reply.text or "")
    assert took >= 1.0
    statuses = [r.status for r in emulator.calls.select("sendMessage") if r.chat_id == str(alice.id)]
    assert statuses == [429, 200]


async def test_403_is_logged_and_remembered_and_others_are_served(
    emulator: TelegramEmulator, bot: RunningBot, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A user who blocked the bot: no crash, no apology attempt, a log line, blocked_at set; Bob is served."""
    alice = emulator.create_user("Alice")
    bob = emulator.create_user("Bob")
    alice.send_command("help")
    await alice.wait_for_bot_message()

    emulator.fail_with_forbidden("sendMessage", chat_id=alice.id)
    with caplog.at_level(logging.WARNING, logger=HANDLERS_LOGGER):
        alice.send_command("stats")
        bob.send_command("help")
        assert "How it works" in ((await bob.wait_for_bot_message()).text or "")

        async def blocked() -> bool:
            return await _blocked_at(database_url, alice.id) is not None

        await _eventually(blocked, "alice to be marked blocked")
    assert any("refused to deliver to user" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    to_alice = [r.status for r in emulator.calls.select("sendMessage") if r.chat_id == str(alice.id)]
    assert to_alice == [200, 403]  # the apology was not even tried

    alice.send_command("help")  # writing again means the block is over
    assert "How it works" in ((await alice.wait_for_bot_message()).text or "")
    assert await _blocked_at(database_url, alice.id) is None


@pytest.mark.parametrize(
    "description",
    ['can\'t parse entities: Unsupported start tag "q" at byte offset 12', "message is too long"],
)
async def test_rejected_feedback_is_resent_as_plain_text(
    emulator: TelegramEmulator, bot: RunningBot, description: str
) -> None:
    """Telegram rejecting the feedback's HTML or length: the user still gets it, as plain text with buttons."""
    alice = emulator.create_user("Alice")
    alice.send_command("question")
    asked = await alice.wait_for_bot_message()
    question = next(q for q in bot.practice.bank.questions if q.question in (asked.text or ""))
    emulator.fail_with_bad_request("sendMessage", description, chat_id=alice.id)
    alice.send_text(question.model_answer)
    feedback = await alice.wait_for_bot_message()
    body = feedback.text or ""
    assert "Covered" in body
    assert "Model answer" in body
    assert "<b>" not in body
    assert feedback.options.get("parse_mode") is None
    assert "➡️ Next question" in feedback.button_texts
    assert not any("Sorry" in (m.text or "") for m in alice.bot_messages())


# ---- webhook mode -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_checks_the_secret_token(emulator: TelegramEmulator, database_url: str) -> None:
    """Webhook mode: signed updates from Telegram are answered; a wrong or missing secret gets 403, unprocessed."""
    port = _free_port()
    secret = "s3cret_Token-for-tests"
    settings = bot_settings(
        emulator,
        database_url,
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SecretStr(secret),
    )
    options = webhook_options(settings)
    alice = emulator.create_user("Alice")
    mallory = emulator.create_user("Mallory")
    async with running_bot(emulator, database_url, webhook=settings, flood_clock=FakeClock()):
        assert emulator.state.webhook.url == options["webhook_url"]
        assert emulator.state.webhook.secret_token == secret

        alice.start()
        assert "mock ML interviewer" in ((await alice.wait_for_bot_message()).text or "")
        assert emulator.webhook.deliveries[-1].status == 200

        forged = {
            "update_id": 999_999_999,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": mallory.id, "type": "private", "first_name": "Mallory"},
                "from": mallory.json,
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for headers in ({SECRET_HEADER: "not-the-secret"}, {}):
                async with session.post(options["webhook_url"], json=forged, headers=headers) as response:
                    assert response.status == 403
        await emulator.assert_no_bot_message(mallory.id, within=0.5)
