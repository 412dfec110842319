"""Interview rounds as a candidate sees them (issue 14), offline: what a round ended early, a round of
passes and a round with nothing answered come to; follow-ups; blank messages; question kinds; decks.

Like ``test_telegram_offline.py``, each test runs the production application with
``tests.offline``'s ``OfflineRequest`` in place of HTTP and reads what the user's chat shows.
The tests never name a bank question: they answer whatever the round asks, with its model
answer, a pass, or an answer built from the concepts of the question asked.
"""

from __future__ import annotations

import re

from bot.domain.bank import Bank
from bot.domain.interview.plan import follow_up_targets
from bot.domain.interview.results import AskedInRound
from bot.domain.models import Question
from bot.rendering.debrief_texts import VERDICT_NAMES
from tests.offline import OfflineBot, OfflineUser, Replies, Sent
from tests.practice_fixtures import real_grader
from tests.test_interview import concept_sentence
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


# ---- 4. follow-ups ----------------------------------------------------------------------------------------


def _about(text: str, question: Question) -> dict[str, int]:
    """How many words (as the grader sees them) a text shares with each concept of the question."""
    terms = real_grader().question_terms
    words = terms(text)
    return {
        c.name: len(words & frozenset().union(terms(c.name), *(terms(a) for a in c.aliases))) for c in question.concepts
    }


def follow_up_on_covered_ground(bank: Bank) -> tuple[Question, str, str] | None:
    """A question, an answer leaving out one heavy concept, and the bank follow-up that alone shares
    words with the gap although it shares more with an idea the answer covered (so asking it would
    ask again what the answer said); None if the bank has no such case."""
    grader = real_grader()
    for question in bank.questions:
        for left_out in question.concepts:
            answer = " ".join(concept_sentence(c) for c in question.concepts if c is not left_out)
            grade = grader.grade(question, answer)
            targets = {c.name for c in follow_up_targets(question, grade)}
            covered = {c.name for c in grade.covered}
            if not targets or not covered:
                continue
            sharing = [f for f in question.follow_ups if any(_about(f, question)[n] for n in targets)]
            if len(sharing) != 1:
                continue
            about = _about(sharing[0], question)
            if max(about[n] for n in covered) > max(about[n] for n in targets):
                return question, answer, sharing[0]
    return None


async def test_a_follow_up_never_asks_again_what_the_answer_said(offline_bot: OfflineBot) -> None:
    """An answer covering every idea but one: the follow-up is about the idea left out, not the bank's
    follow-up about an idea the answer already explained."""
    bank = offline_bot.practice.bank
    found = follow_up_on_covered_ground(bank)
    assert found is not None, "the bank has no follow-up that shares words with one idea but is about another"
    question, answer, covered_follow_up = found
    others = [q for q in bank.in_topic(question.topic) if q is not question][:2]
    offline_bot.practice.replace_bank(
        Bank((question, *others), {question.topic: bank.topics[question.topic]}, bank.glossary, bank.contrasts),
        real_grader(),
    )
    alice = offline_bot.user("Alice")
    message: Sent = await start_round(alice, "3", question.topic)
    for _ in range(3):
        if asked(message, bank) == question:
            break
        message = last_text(await answer_well(alice, asked(message, bank)))
    assert asked(message, bank) == question
    replies = await alice.say(answer)
    assert "One follow-up on that" in replies[0].text, replies[0].text
    follow_up = replies[1].text
    assert "Follow-up" in follow_up
    assert covered_follow_up not in follow_up


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


# ---- 11. question kinds ---------------------------------------------------------------------------------


async def test_behavioural_questions_are_asked_as_behavioural(offline_bot: OfflineBot) -> None:
    """A round on the behavioural topic labels each question "behavioural", not coding or case study."""
    alice = offline_bot.user("Alice")
    message = await start_round(alice, "3", "behavioural")
    for number in range(1, 4):
        header = message.text.splitlines()[0]
        assert f"Question {number}/3" in header
        assert header.endswith("· behavioural"), header
        message = last_text(await alice.press(message, text="⏭ Pass"))


# ---- 12. decks: the formats the bot accepts --------------------------------------------------------------


async def test_the_bot_names_every_deck_format_it_accepts(offline_bot: OfflineBot) -> None:
    """/mydecks with no deck, a PDF sent as a file and /help all name .csv, .md and .yaml decks, as the
    README does: a bank YAML topic file is a deck too."""
    alice = offline_bot.user("Alice")
    replies = [await alice.command("mydecks"), await alice.send_media("document"), await alice.command("help")]
    for text in (r.text for r in replies):
        assert all(suffix in text for suffix in (".csv", ".md", ".yaml")), text
