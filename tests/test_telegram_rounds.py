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
