"""The bot end to end: real python-telegram-bot over HTTP to the Bot API emulator on loopback.

Each test builds the application with the production composition root
(``bot.telegram_app.app.build_application``), on a SQLite file in ``tmp_path`` (or the
PostgreSQL database named by ``TEST_DATABASE_URL``), and plays users through
``tests.emulator``. Nothing inside python-telegram-bot is mocked; waits use the emulator's
helpers, which return as soon as the bot acts. Bad input and forged buttons, which need no
HTTP round trip, are tested offline in ``test_telegram_offline.py``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text

from bot.domain.bank import Bank
from bot.domain.grading import Grader
from bot.domain.models import Question
from bot.storage.db import create_engine_from_url
from tests.emulator import EmulatedUser, StoredMessage, TelegramEmulator
from tests.practice_fixtures import real_grader
from tests.telegram_fixtures import RunningBot, running_bot

# database_url: a SQLite file, or the PostgreSQL database named by TEST_DATABASE_URL;
# emulator: a fresh Bot API emulator on loopback.
pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot, running against the emulator."""
    async with running_bot(emulator, database_url) as running:
        yield running


def _asked_question(message: StoredMessage, bank: Bank) -> Question:
    """The bank question a bot message asks."""
    assert message.text is not None
    found = [q for q in bank.questions if q.question in message.text]
    assert len(found) == 1, message.text
    return found[0]


def _partial_answer(question: Question, grader: Grader) -> str:
    """The shortest run of model-answer sentences that covers some concepts and misses others."""
    sentences = re.split(r"(?<=[.!?])\s+", question.model_answer)
    for end in range(1, len(sentences)):
        answer = " ".join(sentences[:end])
        grade = grader.grade(question, answer)
        if grade.covered and grade.missed:
            return answer
    raise AssertionError(f"no partial answer for {question.id}")


async def _row_counts(database_url: str, user_id: int) -> dict[str, int]:
    engine = create_engine_from_url(database_url)
    try:
        async with engine.connect() as connection:
            counts = {}
            for table, column in (("users", "id"), ("attempts", "user_id"), ("reviews", "user_id")):
                query = text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :user_id")
                counts[table] = (await connection.execute(query, {"user_id": user_id})).scalar_one()
            return counts
    finally:
        await engine.dispose()


async def _ask(user: EmulatedUser, *args: str) -> StoredMessage:
    user.send_command("question", " ".join(args))
    return await user.wait_for_bot_message()


# ---- the conversation ------------------------------------------------------------------------


async def test_full_conversation(emulator: TelegramEmulator, bot: RunningBot, database_url: str) -> None:
    """/start, /question, /hint twice, an answer with covered and missed concepts, Next, /stats, /delete_me."""
    commands = emulator.commands()
    assert commands is not None
    assert {c["command"] for c in commands} >= {"start", "question", "next", "hint", "answer", "delete_me"}

    alice = emulator.create_user("Alice <&>")
    alice.start()
    welcome = await alice.wait_for_bot_message()
    assert welcome.text is not None
    assert "Hi, Alice <&>! I am your mock ML interviewer." in welcome.text

    asked = await _ask(alice, "metrics")
    question = _asked_question(asked, bot.practice.bank)
    assert question.topic == "metrics"
    assert "Evaluation and metrics" in (asked.text or "")
    assert len(question.hints) >= 2

    for index in (1, 2):
        alice.send_command("hint")
        hint = await alice.wait_for_bot_message()
        assert f"Hint {index}/{len(question.hints)}:" in (hint.text or "")
        assert question.hints[index - 1] in (hint.text or "")

    answer = _partial_answer(question, real_grader())
    alice.send_text(answer)
    feedback = await alice.wait_for_bot_message()
    body = feedback.text or ""
    assert re.search(r"[▰▱]{10} \d+%", body)
    assert "2 hints used" in body
    assert "Covered" in body
    assert "you said “" in body
    assert "Missed" in body
    assert "Model answer" in body
    assert feedback.button_texts == ["➡️ Next question", "💡 Hint", "🔁 Retry", "📘 Show model answer"]

    press = alice.press_button(feedback, data="n")
    following = await alice.wait_for_bot_message()
    assert _asked_question(following, bot.practice.bank).id != question.id
    await press.wait_answer()

    alice.send_command("stats")
    stats = await alice.wait_for_bot_message()
    assert "Answered: 1 · given up: 0" in (stats.text or "")
    assert re.search(r"Evaluation and metrics: 1/\d+ seen, average \d+%", stats.text or "")
    chart = await alice.wait_for_bot_message()  # /stats ends with its chart
    assert "photo" in chart.data

    assert (await _row_counts(database_url, alice.id))["attempts"] == 1
    alice.send_command("delete_me")
    confirm = await alice.wait_for_bot_message()
    assert "cannot be undone" in (confirm.text or "")
    alice.press_button(confirm, text="Yes, delete everything")
    done = await alice.wait_for_bot_message()
    assert "all your data is deleted" in (done.text or "")
    assert await _row_counts(database_url, alice.id) == {"users": 0, "attempts": 0, "reviews": 0}


async def test_feedback_buttons_retry_hint_and_model_answer(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """Under feedback: Show model answer sends the bank's answer, Retry re-asks the same question,
    and Hint re-asks it with its first hint; each acts on the presser's own question."""
    alice = emulator.create_user("Alice")
    question = _asked_question(await _ask(alice, "metrics"), bot.practice.bank)
    alice.send_text(_partial_answer(question, real_grader()))
    feedback = await alice.wait_for_bot_message()

    alice.press_button(feedback, data=f"m:{question.id}")
    shown = await alice.wait_for_bot_message()
    first_sentence = question.model_answer.split(". ")[0]
    assert html.unescape(shown.text or "").startswith(first_sentence)
    assert await bot.practice.open_question(alice.id) is None  # showing the answer changes nothing

    alice.press_button(feedback, data=f"r:{question.id}")
    again = await alice.wait_for_bot_message()
    assert _asked_question(again, bot.practice.bank).id == question.id
    reopened = await bot.practice.open_question(alice.id)
    assert reopened is not None
    assert reopened.question.id == question.id
    assert reopened.hints_used == 0

    alice.send_text(_partial_answer(question, real_grader()))
    feedback = await alice.wait_for_bot_message()
    alice.press_button(feedback, data=f"rh:{question.id}")
    asked = await alice.wait_for_bot_message()
    hint = await alice.wait_for_bot_message()
    assert _asked_question(asked, bot.practice.bank).id == question.id
    assert f"Hint 1/{len(question.hints)}:" in (hint.text or "")
    reopened = await bot.practice.open_question(alice.id)
    assert reopened is not None
    assert reopened.hints_used == 1


async def test_restart_between_question_and_answer(emulator: TelegramEmulator, database_url: str) -> None:
    """The open question and used hints live in the database: a new application grades the answer."""
    alice = emulator.create_user("Alice")
    async with running_bot(emulator, database_url) as first:
        alice.start()
        await alice.wait_for_bot_message()
        question = _asked_question(await _ask(alice), first.practice.bank)
        alice.send_command("hint")
        await alice.wait_for_bot_message()

    alice.send_text(question.model_answer)  # sent while the bot is down
    async with running_bot(emulator, database_url):
        feedback = await alice.wait_for_bot_message()
    body = feedback.text or ""
    assert "1 hint used" in body
    assert "Covered" in body
    assert re.search(r"[▰▱]{10} \d+%", body)


# ---- failures, and the real entry point ------------------------------------------------------


async def test_errors_are_logged_then_apologised_for(
    emulator: TelegramEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing Telegram call inside a handler: the global error handler logs it, then apologises."""
    alice = emulator.create_user("Alice")
    emulator.fail_with_bad_request("sendMessage", "can't parse entities", times=1, chat_id=alice.id)
    with caplog.at_level(logging.ERROR, logger="bot.telegram_app.handlers"):
        alice.send_command("help")
        apology = await alice.wait_for_bot_message()
    assert "Sorry, something went wrong" in (apology.text or "")
    assert any("Error while handling an update" in r.getMessage() for r in caplog.records)


async def test_python_m_bot_runs_long_polling_and_never_logs_the_token(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path
) -> None:
    """``python -m bot`` migrates, registers the menu, answers /start, stops on SIGINT, and logs no token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_BASE_URL=emulator.url,
        DATABASE_URL=database_url,
        LOG_LEVEL="DEBUG",
        PTB_TIMEDELTA="1",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    try:
        alice = emulator.create_user("Alice")
        alice.start()
        welcome = await alice.wait_for_bot_message(timeout=60)
        assert "mock ML interviewer" in (welcome.text or "")
        assert emulator.commands() is not None
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Starting with" in log
    assert emulator.token not in log
    assert emulator.token.split(":")[1] not in log
