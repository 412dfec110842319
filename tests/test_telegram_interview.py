"""Mock interviews end to end: the production bot over real python-telegram-bot, driven through the emulator.

Rounds, follow-ups, the debrief and its chart photo, a restart in the middle of a round,
/cancel, /question during a round, /stats' chart, time limits, bad input and forged buttons.
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


async def test_question_during_a_round_asks_to_leave_it_first(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/question in a round offers Leave or Stay: Stay repeats the question; Leave debriefs, then asks one."""
    bank = bot.practice.bank
    alice = emulator.create_user("Alice")
    first = await start_round(alice, bot, "3")
    question = asked(first, bank)
    pace(bot)
    alice.send_command("question", "metrics")
    prompt = await alice.wait_for_bot_message()
    assert "Leave the round for a practice question?" in (prompt.text or "")
    assert prompt.button_texts == ["🚪 Leave the round", "🎤 Stay in the round"]

    pace(bot)
    alice.press_button(prompt, text="🎤 Stay in the round")
    assert "the round goes on" in ((await alice.wait_for_bot_message()).text or "")
    again = await alice.wait_for_bot_message()
    assert asked(again, bank) == question
    assert "Question 1/3" in (again.text or "")

    pace(bot)
    alice.press_button(prompt, text="🚪 Leave the round")
    debrief = await alice.wait_for_bot_message()
    assert "ended early" in (debrief.text or "")
    assert "0/3 questions answered" in (debrief.text or "")
    practice_question = await alice.wait_for_bot_message()  # nothing answered: no chart
    assert asked(practice_question, bank).topic == "metrics"
    stale = alice.press_button(prompt, text="🎤 Stay in the round")
    assert "over" in ((await stale.wait_answer()).text or "")
    reply = await say(alice, bot, "precision and recall")
    assert "Model answer" in (reply.text or "")  # free text is a practice answer again


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


async def test_options_keyboard_then_start(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/interview alone shows length, topic and level buttons; choices redraw it; Start runs that round."""
    alice = emulator.create_user("Alice")
    pace(bot)
    alice.send_command("interview")
    options = await alice.wait_for_bot_message()
    assert "Now: 5 questions · mixed topics · Medium" in (options.text or "")
    assert {"✅ 5 questions", "3 questions", "8 questions", "✅ 🔀 Mixed topics", "Hard"} <= set(options.button_texts)
    pace(bot)
    alice.press_button(options, text="3 questions")
    edited = await emulator.wait_for_bot_edit(alice.id)
    assert "Now: 3 questions" in (edited.text or "")
    pace(bot)
    alice.press_button(edited, data="iv:o:3:metrics:2")
    edited = await emulator.wait_for_bot_edit(alice.id)
    pace(bot)
    alice.press_button(edited, text="Hard")
    edited = await emulator.wait_for_bot_edit(alice.id)
    assert "Now: 3 questions · Evaluation and metrics · Hard" in (edited.text or "")
    pace(bot)
    alice.press_button(edited, text="▶️ Start the interview")
    intro = await alice.wait_for_bot_message()
    assert "3 questions · Evaluation and metrics · Hard" in (intro.text or "")
    first = await alice.wait_for_bot_message()
    assert asked(first, bot.practice.bank).topic == "metrics"
    pace(bot)
    alice.press_button(edited, text="▶️ Start the interview")  # again: the round is already running
    assert "already in an interview round" in ((await alice.wait_for_bot_message()).text or "")
    assert "Question 1/3" in ((await alice.wait_for_bot_message()).text or "")


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


# ---- bad input and forged buttons ------------------------------------------------------------------


async def test_bad_arguments_stickers_and_stale_buttons_get_clear_replies(
    emulator: TelegramEmulator, bot: RunningBot
) -> None:
    """Out-of-range lengths, unknown topics and repeats are explained with an example; a sticker in a round
    asks for text and leaves the round as it was; a finished round's buttons say so."""
    alice = emulator.create_user("Alice")
    for args, expected in (
        ("0", "a round has 3 to 10 questions"),
        ("100", "a round has 3 to 10 questions"),
        ("astrology", "not a number of questions, a topic"),
        ("5 metrics metrics", "says the same thing twice"),
    ):
        pace(bot)
        alice.send_command("interview", args)
        reply = (await alice.wait_for_bot_message()).text or ""
        assert expected in reply, reply
        assert "/interview 5 metrics hard" in reply
    assert await interviews_of(bot).current(alice.id) is None

    first = await start_round(alice, bot, "3")
    pace(bot)
    alice.send_sticker()
    assert "not stickers" in ((await alice.wait_for_bot_message()).text or "")
    step = await interviews_of(bot).current(alice.id)
    assert isinstance(step, AskedInRound)
    assert (step.position, step.hints_used) == (0, 0)

    pace(bot)
    alice.send_command("hint")
    assert "Hint 1/" in ((await alice.wait_for_bot_message()).text or "")
    pace(bot)
    alice.press_button(first, text="⏭ Pass")
    assert "Passed on question 1/3" in ((await alice.wait_for_bot_message()).text or "")
    assert "Question 2/3" in ((await alice.wait_for_bot_message()).text or "")
    old = alice.press_button(first, text="💡 Hint")  # the first question's button, now past
    assert "no longer current" in ((await old.wait_answer()).text or "")
    pace(bot)
    alice.press_button(first, text="🏁 End the round")
    assert "ended early" in ((await alice.wait_for_bot_message()).text or "")
    assert is_photo(await alice.wait_for_bot_message())  # the pass counts as reached: 0%
    for text in ("🏁 End the round", "⏭ Pass"):
        stale = alice.press_button(first, text=text)
        answer = (await stale.wait_answer()).text or ""
        assert "over" in answer or "no longer current" in answer
    pace(bot)
    alice.send_command("hint")
    assert "There is no open question." in ((await alice.wait_for_bot_message()).text or "")


async def test_forged_buttons_cannot_touch_another_users_round(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """Bob, pressing forged buttons with Alice's round id, gets "over"/"not current"; Alice's round is untouched."""
    alice = emulator.create_user("Alice")
    bob = emulator.create_user("Bob")
    await start_round(alice, bot, "3")
    step = await interviews_of(bot).current(alice.id)
    assert step is not None
    rid = step.round_id
    pace(bot)
    bob.send_command("help")
    bob_message = await bob.wait_for_bot_message()
    for data in (f"iv:end:{rid}", f"iv:p:{rid}:0:q", f"iv:h:{rid}:0", f"iv:leave:{rid}", f"iv:stay:{rid}"):
        pace(bot)
        forged = bob.forge_callback(bob_message, data)
        answer = (await forged.wait_answer()).text or ""
        assert "over" in answer or "no longer current" in answer, (data, answer)
    for junk in ("iv:zz", "iv:h:99999999999999999999:0", "iv:o:99:*:2", "iv:go:5:astrology:2", "iv:rev:nope"):
        pace(bot)
        forged = bob.forge_callback(bob_message, junk)
        assert "not recognised" in ((await forged.wait_answer()).text or "")
    await emulator.assert_no_bot_message(bob.id, within=0.3)
    await emulator.assert_no_bot_message(alice.id, within=0.1)
    assert await interviews_of(bot).current(alice.id) == step
    assert await interviews_of(bot).current(bob.id) is None


async def test_skip_and_answer_during_a_round_pass_its_question(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/skip and /answer in a round pass on the round's question (not "no open question"), and the round goes on."""
    bank = bot.practice.bank
    alice = emulator.create_user("Alice")
    first = await start_round(alice, bot, "3", "mixed", "easy")
    first_question = asked(first, bank)
    pace(bot)
    alice.send_command("skip")
    passed = await alice.wait_for_bot_message()
    assert "no open question" not in (passed.text or "").casefold()
    second = passed if "2/3" in (passed.text or "") else await alice.wait_for_bot_message()
    assert "2/3" in (second.text or ""), second.text
    assert asked(second, bank) != first_question
    pace(bot)
    alice.send_command("answer")
    third = await alice.wait_for_bot_message()
    third = third if "3/3" in (third.text or "") else await alice.wait_for_bot_message()
    assert "3/3" in (third.text or ""), third.text
    pace(bot)
    alice.send_command("cancel")
    debrief = (await alice.wait_for_bot_message()).text or ""
    assert "(ended early): 2/3 questions answered" in debrief, debrief
    assert "Passed on 2 questions" in debrief
