"""Interview rounds as a candidate sees them (issue 14), offline: what a round ended early, a round of
passes and a round with nothing answered come to; follow-ups; blank messages; question kinds; decks.

Like ``test_telegram_offline.py``, each test runs the production application with
``tests.offline``'s ``OfflineRequest`` in place of HTTP and reads what the user's chat shows.
The tests never name a bank question: they answer whatever the round asks, with its model
answer, a pass, or an answer built from the concepts of the question asked.
"""

from __future__ import annotations

import re

from bot.domain.interview.results import AskedInRound
from bot.domain.models import Question
from bot.rendering.debrief_texts import VERDICT_NAMES
from tests.offline import OfflineBot, OfflineUser, Replies, Sent
from tests.test_telegram_offline import asked, start_round

pytest_plugins = ["tests.practice_fixtures", "tests.offline"]


def percent_shown(text: str) -> int:
    """The round score a debrief shows under its heading (the bar and its percentage)."""
    found = re.search(r"[▰▱]{10} (\d+)%", text)
    assert found is not None, text
    return int(found[1])


def history_line(text: str) -> str:
    """The newest round's line of /history."""
    return text.splitlines()[1]


def next_steps(debrief: str) -> list[str]:
    """The numbered lines under "Next steps"."""
    section = debrief.split("Next steps", 1)[1]
    return [line for line in section.splitlines() if re.match(r"\d\. ", line)]


def last_text(replies: Replies) -> Sent:
    """The last text message of the bot's replies (a debrief's chart photo comes after it)."""
    return [m for m in replies.messages if not m.is_photo][-1]


async def answer_well(user: OfflineUser, question: Question) -> Replies:
    """The model answer; a follow-up it may bring is answered with "no idea". The last replies."""
    replies = await user.say(question.model_answer)
    if any("Follow-up" in m.text for m in replies.messages):
        replies = await user.say("no idea")
    return replies


# ---- 1. a round ended early -----------------------------------------------------------------------


async def test_a_round_ended_early_is_not_rated_as_if_complete(offline_bot: OfflineBot) -> None:
    """/interview 3 easy, the first question answered well, /cancel: the two questions not reached count 0%, so
    the debrief shows a third of the score and "too little evidence" instead of a verdict; /history the same."""
    alice = offline_bot.user("Alice")
    first = await start_round(alice, "3", "mixed", "easy")
    await answer_well(alice, asked(first, offline_bot.practice.bank))

    debrief = (await alice.command("cancel"))[0].text
    assert "(ended early): 1/3 questions answered" in debrief
    assert not any(name in debrief for name in VERDICT_NAMES.values()), debrief
    assert "Too little evidence for a verdict" in debrief
    score = percent_shown(debrief)
    assert score <= 34, debrief  # one question of three, at most 100%

    line = history_line((await alice.command("history")).text)
    assert "1/3 answered (ended early)" in line
    assert f"· {score}% ·" in line
    assert "no verdict: too little evidence" in line
    assert not any(name in line for name in VERDICT_NAMES.values()), line


# ---- 2. passed is not answered ------------------------------------------------------------------------


async def test_a_round_of_passes_says_they_were_passed(offline_bot: OfflineBot) -> None:
    """Three passes: the debrief and /history say 0/3 answered and 3 passed, never "3/3 questions answered"."""
    alice = offline_bot.user("Alice")
    message = await start_round(alice, "3")
    for _ in range(3):
        message = last_text(await alice.press(message, text="⏭ Pass"))
    debrief = message.text
    assert "Interview debrief" in debrief
    assert "3/3 questions answered" not in debrief
    assert "0/3 questions answered, 3 passed" in debrief
    line = history_line((await alice.command("history")).text)
    assert "0/3 answered, 3 passed" in line
    assert "3/3" not in line


# ---- 3. next steps follow from what was answered ------------------------------------------------------


async def test_nothing_answered_suggests_the_first_question_and_warm_ups(offline_bot: OfflineBot) -> None:
    """A hard round ended before any answer: the next steps are its first question and easier warm-ups,
    never "Stretch yourself" with a Hard question."""
    bank = offline_bot.practice.bank
    alice = offline_bot.user("Alice")
    first = asked(await start_round(alice, "3", "mixed", "hard"), bank)
    debrief = (await alice.command("cancel"))[0].text
    steps = next_steps(debrief)
    assert len(steps) == 3, debrief
    assert "Stretch" not in debrief
    assert first.question[:40] in steps[0]
    assert all("Warm up" in step for step in steps[1:]), steps
    assert not any("Hard" in step for step in steps), steps


async def test_after_passing_everything_the_next_steps_are_warm_ups_too(offline_bot: OfflineBot) -> None:
    """All three questions passed: the first one again and warm-ups one level below, no stretch."""
    bank = offline_bot.practice.bank
    alice = offline_bot.user("Alice")
    message = await start_round(alice, "3", "mixed", "medium")
    first = asked(message, bank)
    for _ in range(3):
        message = last_text(await alice.press(message, text="⏭ Pass"))
    steps = next_steps(message.text)
    assert "Stretch" not in message.text
    assert first.question[:40] in steps[0]
    assert all("Warm up" in step and "Easy" in step for step in steps[1:]), steps


# ---- 5. blank messages --------------------------------------------------------------------------------


async def test_a_blank_message_in_a_round_is_ignored(offline_bot: OfflineBot) -> None:
    """Spaces, or invisible characters only: no grade, no reply, the round stays on its question;
    the next real answer is graded as the answer to question 1."""
    alice = offline_bot.user("Alice")
    first = await start_round(alice, "3")
    step = await offline_bot.interviews.current(alice.id)
    assert isinstance(step, AskedInRound)
    for blank in ("   ", "\u00a0\u2003\t", "\u200b\u2800"):
        replies = await alice.say(blank)
        assert replies.messages == [], [m.text for m in replies.messages]
        assert await offline_bot.interviews.current(alice.id) == step
    feedback = await alice.say(asked(first, offline_bot.practice.bank).model_answer)
    assert "Question 1/3" in feedback[0].text
