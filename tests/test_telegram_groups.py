"""Study groups end to end: python-telegram-bot over HTTP to the Bot API emulator, a group and three members.

Alice and Bob administer the group (Alice created it), Carol is a member. The service clock
is frozen (``FrozenClock``) so the daily question comes when the test says; pushes run as the
JobQueue runs them (the group push runner, ``push``).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
from collections import Counter
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.domain.daily import Status
from bot.telegram_app.daily import TAKEN_OVER, PushReport
from bot.telegram_app.group_daily import GROUP_PUSH_JOB
from tests.emulator import EmulatedUser, GroupChat, StoredMessage, TelegramEmulator
from tests.practice_fixtures import FrozenClock
from tests.telegram_fixtures import RunningBot, bot_settings, running_bot

pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]

NOW = dtm.datetime(2026, 11, 23, 7, 0, tzinfo=dtm.UTC)
"""A Monday, 08:00 in Berlin."""
DAILY = "Today's question for the group"
ONLY_ADMINS = "Only group admins can change this."


@pytest_asyncio.fixture
async def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, database_url, clock=clock) as running:
        yield running


async def push(running: RunningBot) -> PushReport:
    """One group push run, as the JobQueue starts it."""
    return await running.app.bot_data.group_push_runner.run(running.app.bot, wait=True)


async def command(user: EmulatedUser, group: GroupChat, name: str, args: str = "") -> str:
    user.send_command(name, args, mention_bot=True, chat=group)
    return (await group.wait_for_bot_message()).text or ""


def daily_questions(group: GroupChat) -> list[StoredMessage]:
    return [m for m in group.bot_messages() if DAILY in (m.text or "")]


async def study_group(emulator: TelegramEmulator) -> tuple[GroupChat, EmulatedUser, EmulatedUser, EmulatedUser]:
    """Alice's group with Bob as a second admin and Carol as a member; the bot added by Bob (it says hello)."""
    alice, bob, carol = (emulator.create_user(name) for name in ("Alice", "Bob", "Carol"))
    group = emulator.create_group("ML prep", [alice, bob, carol], admins=[bob], bot_is_member=False)
    group.add_bot(by=bob)
    hello = await group.wait_for_bot_message()
    assert "Reply to my question to answer" in (hello.text or "")
    return group, alice, bob, carol


async def subscribed_group(
    emulator: TelegramEmulator,
) -> tuple[GroupChat, EmulatedUser, EmulatedUser, EmulatedUser]:
    group, alice, bob, carol = await study_group(emulator)
    assert "Daily question on" in await command(bob, group, "subscribe", "09:00 Europe/Berlin")
    return group, alice, bob, carol


def percent_of(text: str) -> int:
    found = re.search(r"(\d+)%", text)
    assert found is not None, text
    return int(found[1])


# ---- joining and the admins ------------------------------------------------------------------------


async def test_an_admin_subscribes_the_group_and_a_member_is_refused(
    emulator: TelegramEmulator, bot: RunningBot
) -> None:
    """Carol (member) is refused /subscribe, /settings, /topics, /unsubscribe, /reveal; Bob (admin) subscribes."""
    group, _alice, bob, carol = await study_group(emulator)
    for name, args in (
        ("subscribe", "09:00 Europe/Berlin"),
        ("settings", ""),
        ("topics", "metrics"),
        ("unsubscribe", ""),
    ):
        assert await command(carol, group, name, args) == ONLY_ADMINS
    assert await command(carol, group, "reveal") == ONLY_ADMINS
    confirmation = await command(bob, group, "subscribe", "09:00 Europe/Berlin")
    assert "Daily question on for this group: 09:00, every day, time zone Europe/Berlin" in confirmation
    assert "Mon 23 Nov at 09:00 group time" in confirmation
    assert "Topics: all topics" in await command(bob, group, "settings")
    assert "Evaluation and metrics; any level" in await command(bob, group, "topics", "metrics")


async def test_an_anonymous_admin_is_an_admin(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """In a supergroup, an anonymous administrator writes as the group itself: accepted as an admin."""
    alice, dana = emulator.create_user("Alice"), emulator.create_user("Dana")
    group = emulator.create_group("Cohort", [alice, dana], supergroup=True)
    group.promote(dana, anonymous=True, custom_title="Mentor")
    assert "Daily question on" in await command(dana, group, "subscribe", "18:00 UTC")


# ---- the daily question, exactly once --------------------------------------------------------------


async def test_the_daily_question_is_posted_once_also_across_a_restart(
    emulator: TelegramEmulator, database_url: str, bot: RunningBot, clock: FrozenClock
) -> None:
    group, *_ = await subscribed_group(emulator)
    clock.now = NOW + dtm.timedelta(minutes=59)
    assert (await push(bot)).total == 0
    clock.now = NOW + dtm.timedelta(hours=1)
    assert (await push(bot)).outcomes == Counter({Status.SENT: 1})
    [question] = daily_questions(group)
    assert "Reply to this message to answer" in (question.text or "")
    assert (await push(bot)).total == 0, "one question per group and local day"
    async with running_bot(emulator, database_url, clock=clock) as restarted:
        clock.now += dtm.timedelta(minutes=5)
        assert (await push(restarted)).total == 0
    assert len(daily_questions(group)) == 1


async def test_two_bot_instances_post_each_groups_question_once(
    emulator: TelegramEmulator, database_url: str, clock: FrozenClock
) -> None:
    """Two processes on one database (PostgreSQL: FOR UPDATE SKIP LOCKED) push at the same moment."""
    settings = bot_settings(emulator, database_url)
    async with running_bot(emulator, database_url, clock=clock, settings=settings) as first:
        groups = []
        for number in range(6):
            admin = emulator.create_user(f"Admin{number}")
            group = emulator.create_group(f"Group {number}", [admin])
            assert "Daily question on" in await command(admin, group, "subscribe", "08:00 UTC")
            groups.append(group)
        async with running_bot(emulator, database_url, clock=clock, settings=settings) as second:
            clock.now = NOW + dtm.timedelta(hours=1, minutes=1)
            reports = await asyncio.gather(push(first), push(second))
    assert sum(r.outcomes[Status.SENT] for r in reports) == len(groups)
    assert [len(daily_questions(g)) for g in groups] == [1] * len(groups)


async def test_a_run_that_stalls_past_its_lease_loses_the_claim_and_the_group_gets_one_question(
    emulator: TelegramEmulator, database_url: str, clock: FrozenClock
) -> None:
    """With a 15 s lease: the first instance's run claims the group's question, then waits 7 s for Telegram
    (429 on the closing of the open question) while the service clock jumps past the lease before its first
    renewal (5 s in), so it stalled for a whole lease. The second instance takes the claim over and posts the
    question; the first run's renewal finds the claim gone, and it does not post the question again."""
    settings = bot_settings(emulator, database_url, push_lease_seconds=15)
    async with running_bot(emulator, database_url, clock=clock, settings=settings) as first:
        group, _alice, bob, carol = await study_group(emulator)
        assert "Daily question on" in await command(bob, group, "subscribe", "09:00 Europe/Berlin")
        assert "Question for the group" in await command(carol, group, "question")  # the push closes it first
        clock.now = NOW + dtm.timedelta(hours=1, minutes=1)
        wait = emulator.fail_with_retry_after("sendMessage", retry_after=7, chat_id=group.id)
        async with running_bot(emulator, database_url, clock=clock, settings=settings) as second:
            stalled = asyncio.create_task(push(first))
            for _ in range(200):
                if wait.hits:
                    break
                await asyncio.sleep(0.05)
            assert wait.hits == 1, "the first run did not claim and announce the closing"
            clock.advance(seconds=16)  # the first run's claim is now a whole lease old, not yet renewed
            took_over = await push(second)
            first_report = await stalled
    assert took_over.outcomes == Counter({Status.SENT: 1})
    assert first_report.outcomes == Counter({TAKEN_OVER: 1})
    assert len(daily_questions(group)) == 1
    assert any("Ranking" in (m.text or "") for m in group.bot_messages()), "the first run still closed the old one"


# ---- answering by reply ---------------------------------------------------------------------------


async def test_members_reply_and_get_a_short_graded_line_and_the_starter_full_feedback_privately(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    """Alice has started the bot privately, Bob has not; Carol's chatter gets no answer."""
    group, alice, bob, carol = await subscribed_group(emulator)
    alice.start()
    await alice.wait_for_bot_message()
    group.privacy_mode = False  # the bot now sees every message: it must still stay quiet
    clock.now = NOW + dtm.timedelta(hours=1)
    await push(bot)
    question = await group.wait_for_bot_message()
    assert daily_questions(group) == [question]
    open_question = bot.practice.bank.get(
        next(q.id for q in bot.practice.bank.questions if q.question in (question.text or ""))
    )
    assert open_question is not None

    alice_answer = alice.reply(question, open_question.model_answer)
    alice_line = await group.wait_for_bot_message()
    assert alice_line.reply_to_message_id == alice_answer.message_id
    assert alice_line.text is not None and alice_line.text.startswith("Alice: ")
    assert "Model answer" not in alice_line.text and "private chat" not in alice_line.text
    private = await alice.wait_for_bot_message()
    assert "Your answer in the group" in (private.text or "") and "Covered" in (private.text or "")
    assert "model answer comes in the group when the question closes" in (private.text or "")

    bob_answer = bob.reply(question, "No idea, something about the data maybe")
    bob_line = await group.wait_for_bot_message()
    assert (bob_line.text or "").startswith("Bob: ")
    assert "Start a private chat with me" in (bob_line.text or ""), "a one-time hint for who never started the bot"
    assert emulator.bot_messages(bob.chat_id) == []

    carol.send_text("lunch anyone?", chat=group)
    carol.reply(alice_line, "nice one!")  # a reply to the bot, but not to its question
    carol.send_command("stats", mention_bot=False, chat=group)
    await emulator.wait_until_updates_consumed()
    reply_to_stats = await group.wait_for_bot_message()
    assert "works in a private chat" in (reply_to_stats.text or "")
    carol.send_command("frobnicate", chat=group)
    bob.edit_message(bob_answer, "Actually: regularisation", chat=group)  # graded as first sent: no answer
    await emulator.wait_until_updates_consumed()
    await group.assert_no_bot_message(within=0.5)
    assert not any("understand" in (m.text or "") for m in group.bot_messages())

    stats = await bot.practice.stats(alice.id)
    assert stats.answered == 1, "a group answer counts in the member's own /stats"


async def test_reveal_posts_the_model_answer_and_the_ranking_and_the_leaderboard_orders_by_points(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    group, alice, bob, carol = await subscribed_group(emulator)
    clock.now = NOW + dtm.timedelta(hours=1)
    await push(bot)
    question = await group.wait_for_bot_message()
    assert daily_questions(group) == [question]
    asked = next(q for q in bot.practice.bank.questions if q.question in (question.text or ""))
    bob.reply(question, asked.model_answer)
    bob_score = percent_of((await group.wait_for_bot_message()).text or "")
    carol.reply(question, "I think it is about gradient descent and overfitting.")
    carol_score = percent_of((await group.wait_for_bot_message()).text or "")
    assert bob_score > carol_score
    carol.reply(question, asked.model_answer)  # a second try: graded, but the first one counts
    second = (await group.wait_for_bot_message()).text or ""
    assert "your first answer" in second

    assert await command(carol, group, "reveal") == ONLY_ADMINS
    revealed = await command(alice, group, "reveal")
    assert "Model answer" in revealed
    ranking = revealed.split("Ranking", 1)[1]
    assert ranking.index("Bob") < ranking.index("Carol")
    assert f"Bob — {bob_score}%" in ranking and f"Carol — {carol_score}%" in ranking
    assert "no open question" in (await command(alice, group, "reveal")).lower()

    board = await command(carol, group, "leaderboard")
    week = board.split("This week", 1)[1].split("All time", 1)[0]
    assert week.index("Bob") < week.index("Carol")
    assert "1. Bob" in week and "2. Carol" in week


async def test_a_question_for_everyone_with_question_and_its_cool_down(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    group, alice, bob, carol = await study_group(emulator)
    carol.send_command("question", "metrics", mention_bot=True, chat=group)
    posted = await group.wait_for_bot_message()
    assert "Question for the group" in (posted.text or "") and "metrics" in (posted.text or "")
    assert "open question" in await command(alice, group, "question")
    await command(bob, group, "reveal")
    waiting = await command(alice, group, "question")
    assert "The next question can come in 10 min" in waiting
    clock.advance(minutes=10)
    alice.send_command("question", mention_bot=True, chat=group)
    assert "Question for the group" in ((await group.wait_for_bot_message()).text or "")


# ---- leaving, upgrading, buttons ---------------------------------------------------------------------


async def test_removing_the_bot_unsubscribes_the_group(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    group, _alice, bob, _carol = await subscribed_group(emulator)
    group.remove_bot(by=bob)
    await emulator.wait_until_updates_consumed()
    clock.now = NOW + dtm.timedelta(hours=1)
    assert (await push(bot)).total == 0
    assert daily_questions(group) == []
    group.add_bot(by=bob)  # added again: welcome back, but not subscribed until an admin says so
    await group.wait_for_bot_message()
    clock.now += dtm.timedelta(days=1)
    assert (await push(bot)).total == 0


async def test_an_upgrade_to_a_supergroup_keeps_the_scores_and_the_subscription(
    emulator: TelegramEmulator, bot: RunningBot, clock: FrozenClock
) -> None:
    group, alice, bob, _carol = await subscribed_group(emulator)
    clock.now = NOW + dtm.timedelta(hours=1)
    await push(bot)
    question = await group.wait_for_bot_message()
    assert daily_questions(group) == [question]
    asked = next(q for q in bot.practice.bank.questions if q.question in (question.text or ""))
    alice.reply(question, asked.model_answer)
    await group.wait_for_bot_message()
    before = await command(bob, group, "leaderboard")
    old_id = group.id
    group.migrate(by=bob)
    assert group.id != old_id
    await emulator.wait_until_updates_consumed()
    after = await command(bob, group, "leaderboard")
    assert "1. Alice" in after
    assert after == before
    clock.now += dtm.timedelta(days=1)
    assert (await push(bot)).outcomes == Counter({Status.SENT: 1})
    assert len(daily_questions(group)) == 1, "the next day's question goes to the supergroup"
    closing = next(m for m in group.bot_messages() if "Ranking" in (m.text or ""))
    assert "Alice" in (closing.text or "")


async def test_a_button_pressed_in_a_group_does_nothing(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """No keyboard of the bot is in a group, so a press there is forged: answered, nothing else."""
    group, alice, _bob, _carol = await study_group(emulator)
    hello = group.bot_messages()[0]
    press = alice.forge_callback(hello, "next", chat=group)
    answer = await press.wait_answer()
    assert answer.text == "Buttons work in a private chat with me."
    await group.assert_no_bot_message(within=0.3)


async def test_the_group_push_runs_on_the_job_queue(emulator: TelegramEmulator, database_url: str) -> None:
    async with running_bot(emulator, database_url, schedule_daily_push=True) as running:
        assert running.app.job_queue is not None
        names = {job.name for job in running.app.job_queue.jobs()}
        assert {GROUP_PUSH_JOB, f"{GROUP_PUSH_JOB}-catch-up"} <= names
