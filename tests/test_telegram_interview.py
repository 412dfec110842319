"""Mock interviews end to end: the production bot over real python-telegram-bot, driven through the emulator.

Rounds, follow-ups, the debrief and its chart photo, a restart in the middle of a round,
/cancel, /stats' chart and time limits. Bad input, forged buttons, the options keyboard and
commands inside a round are tested offline, in ``test_telegram_offline.py``.
The flood guard runs on a fake clock that the tests move one second per user action, so a
full round typed at test speed is not mistaken for a flood.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.domain.bank import Bank
from bot.domain.interview.plan import follow_up_targets
from bot.domain.interview.results import AskedInRound, FollowUpAsked
from bot.domain.models import Question
from bot.rendering.charts import PNG_MAGIC
from bot.services.interviews import Interviews
from bot.telegram_app.flood import FloodGuard
from tests.emulator import EmulatedUser, StoredMessage, TelegramEmulator
from tests.practice_fixtures import FrozenClock, real_bank, real_grader
from tests.telegram_fixtures import FakeClock, RunningBot, running_bot
from tests.test_interview import gap_answer

pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot against the emulator, its flood guard on a fake clock."""
    async with running_bot(emulator, database_url, flood_clock=FakeClock()) as running:
        yield running


def interviews_of(bot: RunningBot) -> Interviews:
    """The bot's interview service."""
    return bot.services.interviews


def pace(bot: RunningBot) -> None:
    """A second passes for the flood guard (a person types slower than a test)."""
    if bot.flood_clock is not None:
        bot.flood_clock.now += 1.0


def asked(message: StoredMessage, bank: Bank) -> Question:
    """The bank question a bot message asks (or follows up on)."""
    text = message.text or ""
    found = [q for q in bank.questions if q.question in text]
    assert len(found) == 1, text
    return found[0]


def is_photo(message: StoredMessage) -> bool:
    """Whether the bot sent a photo."""
    return "photo" in message.data


async def start_round(user: EmulatedUser, bot: RunningBot, *args: str) -> StoredMessage:
    """/interview with arguments: the start message, then the first question (returned)."""
    pace(bot)
    user.send_command("interview", " ".join(args))
    intro = await user.wait_for_bot_message()
    assert "Mock interview" in (intro.text or ""), intro.text
    first = await user.wait_for_bot_message()
    assert "Question 1/" in (first.text or ""), first.text
    return first


async def say(user: EmulatedUser, bot: RunningBot, text: str) -> StoredMessage:
    """Send a text; the bot's first reply."""
    pace(bot)
    user.send_text(text)
    return await user.wait_for_bot_message()


def covering(question: Question, names: list[str]) -> str:
    """An answer stating the named concepts of ``question``."""
    return " ".join(f"In my view {c.aliases[0]} is what matters here." for c in question.concepts if c.name in names)


def test_an_empty_flood_guard_is_kept() -> None:
    """A new guard tracks nobody (``len`` 0) yet is truthy, so ``build_application``'s
    ``flood_guard or FloodGuard()`` keeps the one given (and its fake clock, which these tests need)."""
    assert len(FloodGuard()) == 0
    assert FloodGuard()


# ---- a whole round ----------------------------------------------------------------------------------


async def test_full_round_with_a_follow_up_a_debrief_and_its_chart(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/interview 5: five questions easy to hard, one follow-up that recovers a concept, the debrief with
    verdict, reasons and next steps, the chart as a photo, then /history and a next-step button."""
    bank = bot.practice.bank
    alice = emulator.create_user("Alice")
    message = await start_round(alice, bot, "5")
    assert message.button_texts == ["💡 Hint", "⏭ Pass", "🏁 End the round"]
    difficulties: list[int] = []
    follow_ups = 0
    for number in range(1, 6):
        assert f"Question {number}/5" in (message.text or "")
        question = asked(message, bank)
        difficulties.append(question.difficulty)
        grade = real_grader().grade(question, gap_answer(question))
        wants_gap = follow_ups == 0 and bool(follow_up_targets(question, grade)) and "no-answer" not in grade.notes
        feedback = await say(alice, bot, gap_answer(question) if wants_gap else question.model_answer)
        assert f"Question {number}/5" in (feedback.text or "")
        assert re.search(r"[▰▱]{10} \d+%", feedback.text or "")
        message = await alice.wait_for_bot_message()
        if "Follow-up" in (message.text or ""):
            follow_ups += 1
            assert "One follow-up on that" in (feedback.text or "")
            assert message.button_texts == ["⏭ Pass", "🏁 End the round"]
            step = await interviews_of(bot).current(alice.id)
            assert isinstance(step, FollowUpAsked)
            recovered = await say(alice, bot, covering(question, list(step.concepts)))
            assert "you got there" in (recovered.text or "")
            assert "now counts" in (recovered.text or "")
            message = await alice.wait_for_bot_message()
    assert follow_ups >= 1, "no question of the round left a gap worth a follow-up"
    assert difficulties == sorted(difficulties)

    debrief = message
    body = debrief.text or ""
    assert "Interview debrief: 5/5 questions answered" in body
    assert re.search(r"(Strong hire|Lean hire|Lean no hire|No hire)", body)
    assert "Why" in body
    assert "Average" in body
    assert "Recovered on" in body
    assert "follow-up ✓" in body
    assert "Hints used: 0" in body
    assert "Next steps" in body
    assert body.count("\n1. ") >= 2  # the first question and the first next step
    assert debrief.button_texts[-1] == "🎤 New interview"
    assert debrief.button_texts[:3] == ["📖 Step 1", "📖 Step 2", "📖 Step 3"]
    chart = await alice.wait_for_bot_message()
    assert is_photo(chart)
    assert "by topic" in (chart.caption or "")
    uploads = emulator.uploaded_files("photo")
    assert uploads
    assert uploads[-1].content.startswith(PNG_MAGIC)
    assert await interviews_of(bot).current(alice.id) is None

    pace(bot)
    alice.send_command("history")
    history = await alice.wait_for_bot_message()
    assert "Your interview rounds" in (history.text or "")
    assert re.search(r"mixed topics, Medium · 5/5 · \d+% · .*(hire)", history.text or "")

    pace(bot)
    press = alice.press_button(debrief, text="📖 Step 1")
    practice_question = await alice.wait_for_bot_message()
    await press.wait_answer()
    reviewed = asked(practice_question, bank)
    assert reviewed.question[:60] in body
    open_now = await bot.practice.open_question(alice.id)
    assert open_now is not None
    assert open_now.question == reviewed
    assert "Model answer" in ((await say(alice, bot, reviewed.model_answer)).text or "")  # practice grading again


async def test_a_restart_in_the_middle_of_a_round_resumes_it(emulator: TelegramEmulator, database_url: str) -> None:
    """The round lives in the database: an answer sent while the bot is down is graded by the next one."""
    bank = real_bank()
    alice = emulator.create_user("Alice")
    async with running_bot(emulator, database_url, flood_clock=FakeClock()) as first:
        message = await start_round(alice, first, "3")
        question = asked(message, bank)
        await say(alice, first, "I don't know")  # no follow-up for a non-answer
        second = await alice.wait_for_bot_message()
        assert "Question 2/3" in (second.text or "")
        question = asked(second, bank)

    alice.send_text(question.model_answer)  # sent while the bot is down
    async with running_bot(emulator, database_url, flood_clock=FakeClock()) as restarted:
        feedback = await alice.wait_for_bot_message()
        assert "Question 2/3" in (feedback.text or "")
        following = await alice.wait_for_bot_message()
        if "Follow-up" in (following.text or ""):
            await say(alice, restarted, "no idea")
            following = await alice.wait_for_bot_message()
        assert "Question 3/3" in (following.text or "")
        step = await interviews_of(restarted).current(alice.id)
        assert isinstance(step, AskedInRound)
        assert step.position == 2


async def test_cancel_ends_the_round_with_a_partial_debrief(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/cancel after one answer: a debrief of one of three questions, with its chart; then nothing to cancel."""
    bank = bot.practice.bank
    alice = emulator.create_user("Alice")
    message = await start_round(alice, bot, "3", "mixed", "easy")
    assert "Easy" in (message.text or "")
    await say(alice, bot, asked(message, bank).model_answer)
    following = await alice.wait_for_bot_message()
    if "Follow-up" in (following.text or ""):
        await say(alice, bot, "no idea")
        await alice.wait_for_bot_message()
    pace(bot)
    alice.send_command("cancel")
    debrief = await alice.wait_for_bot_message()
    body = debrief.text or ""
    assert "Interview debrief (ended early): 1/3 questions answered" in body
    assert "not answered" in body
    assert "Next steps" in body
    assert is_photo(await alice.wait_for_bot_message())
    pace(bot)
    alice.send_command("cancel")
    assert "Nothing to cancel" in ((await alice.wait_for_bot_message()).text or "")
    pace(bot)
    alice.send_command("history")
    assert "(ended early)" in ((await alice.wait_for_bot_message()).text or "")


async def test_stats_sends_a_chart_after_its_text(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/stats with answers: the text, then a chart photo; with none: the text alone."""
    alice = emulator.create_user("Alice")
    pace(bot)
    alice.send_command("stats")
    assert "No answers yet" in ((await alice.wait_for_bot_message()).text or "")
    await emulator.assert_no_bot_message(alice.id, within=0.3)
    pace(bot)
    alice.send_command("question")
    question = asked(await alice.wait_for_bot_message(), bot.practice.bank)
    await say(alice, bot, question.model_answer)
    pace(bot)
    alice.send_command("stats")
    assert "Answered: 1" in ((await alice.wait_for_bot_message()).text or "")
    chart = await alice.wait_for_bot_message()
    assert is_photo(chart)
    assert "by topic" in (chart.caption or "")
    assert emulator.uploaded_files("photo")[-1].content.startswith(PNG_MAGIC)


async def test_time_limit_shows_on_questions_and_marks_late_answers(
    emulator: TelegramEmulator, database_url: str
) -> None:
    """/timelimit 60: questions show "⏱ 1 min"; an answer after two minutes is marked late, in the debrief too."""
    clock = FrozenClock()
    alice = emulator.create_user("Alice")
    async with running_bot(emulator, database_url, flood_clock=FakeClock(), clock=clock) as bot:
        pace(bot)
        alice.send_command("timelimit")
        assert "no time limit" in ((await alice.wait_for_bot_message()).text or "")
        for bad in ("10", "soon"):
            pace(bot)
            alice.send_command("timelimit", bad)
            assert "could not use" in ((await alice.wait_for_bot_message()).text or "")
        pace(bot)
        alice.send_command("timelimit", "60")
        assert "1 min per question" in ((await alice.wait_for_bot_message()).text or "")
        first = await start_round(alice, bot, "3")
        assert "⏱ 1 min" in (first.text or "")
        clock.advance(minutes=2)
        feedback = await say(alice, bot, "I don't know")
        assert "Late" in (feedback.text or "")
        assert "2 min" in (feedback.text or "")
        assert "⏱ 1 min" in ((await alice.wait_for_bot_message()).text or "")  # the next question, a fresh minute
        pace(bot)
        alice.send_command("cancel")
        debrief = await alice.wait_for_bot_message()
        assert "⏰ late" in (debrief.text or "")
        assert "over the time limit" in (debrief.text or "")
        assert is_photo(await alice.wait_for_bot_message())
        pace(bot)
        alice.send_command("timelimit", "off")
        assert "No time limit" in ((await alice.wait_for_bot_message()).text or "")
