"""Study groups, core side: the rules (pure), then the group service and the groups' daily claim on a real
database with a frozen clock (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``), and the per-group send window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.groups import (
    CloseReason,
    CoolingDown,
    GroupAsked,
    GroupClosed,
    GroupDeleted,
    GroupGraded,
    GroupInfo,
    NotGroupAdmin,
    QuestionStillOpen,
    Tally,
    answer_streak,
    choose_group_question,
    place,
    points_for,
    question_ranking,
    week_start,
)
from bot.domain.models import Question
from bot.domain.users import UserInfo
from bot.rendering import texts
from bot.services import build_services
from bot.services.group_push import GroupPush
from bot.services.groups import Groups
from bot.services.practice import Practice
from bot.telegram_app.group_rate import SendWindows, group_of
from tests.practice_fixtures import FrozenClock, make_question, real_bank, real_grader, small_bank, user_info

pytest_plugins = ["tests.practice_fixtures"]

CHAT = GroupInfo(-4000000001, "ML prep")
OTHER = GroupInfo(-4000000002, "Another group")
GOOD = "Alpha comes first, then beta, then gamma, and delta closes the list."


def member(user_id: int, name: str) -> UserInfo:
    return UserInfo(user_id, user_id, name)


# ---- the rules ---------------------------------------------------------------------------------------


def test_points_are_the_score_out_of_ten() -> None:
    assert [points_for(s) for s in (0.0, 0.04, 0.55, 0.96, 1.0, 1.3)] == [0, 0, 6, 10, 10, 10]


def test_equal_points_share_a_place() -> None:
    """Standard competition ranking: 1, 2, 2, 4; ties listed by answers, then name."""
    tallies = [Tally(1, "Ann", 20, 2), Tally(2, "Ben", 15, 2), Tally(3, "Cy", 15, 3), Tally(4, "Di", 3, 1)]
    assert [(number, t.name) for number, t in place(tallies)] == [(1, "Ann"), (2, "Cy"), (2, "Ben"), (4, "Di")]


def test_a_streak_counts_questions_in_a_row_and_the_open_one_does_not_break_it() -> None:
    recent = [9, 8, 7, 6, 5]  # newest first; 9 is still open
    assert answer_streak(recent, {8, 7, 5}, open_question=9) == 2
    assert answer_streak(recent, {9, 8, 7, 5}, open_question=9) == 3
    assert answer_streak(recent, {8, 7}, open_question=None) == 0


def test_the_week_starts_on_monday_at_midnight_on_the_groups_clock() -> None:
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already Monday 00:30 in Berlin
    assert week_start(sunday_night_utc, "Europe/Berlin") == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert week_start(sunday_night_utc, "UTC") == datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def test_a_group_gets_questions_it_never_had_then_the_oldest() -> None:
    questions = [make_question(f"q{i}") for i in range(4)]
    seen = {"q0": datetime(2026, 1, 1, tzinfo=UTC), "q1": datetime(2026, 1, 2, tzinfo=UTC)}
    assert choose_group_question(questions, seen, seed=1) in questions[2:]
    everything = {**seen, "q2": datetime(2026, 1, 3, tzinfo=UTC), "q3": datetime(2025, 12, 1, tzinfo=UTC)}
    assert choose_group_question(questions, everything, seed=1) == questions[3]


def test_a_questions_ranking_is_best_first() -> None:
    ranking = question_ranking([("Ann", 0.4), ("Ben", 0.9), ("Cy", 0.4)])
    assert [(p.place, p.name) for p in ranking] == [(1, "Ben"), (2, "Ann"), (2, "Cy")]


# ---- the service -------------------------------------------------------------------------------------


@pytest.fixture
def groups(small_practice: Practice) -> Groups:
    return Groups(small_practice)


async def ask(groups: Groups, chat: GroupInfo = CHAT, message_id: int = 100) -> GroupAsked:
    asked = await groups.question(chat)
    assert isinstance(asked, GroupAsked)
    await groups.posted(asked.group_question_id, chat.chat_id, message_id)
    return asked


async def answer(
    groups: Groups, user: UserInfo, text: str = GOOD, chat: GroupInfo = CHAT, message_id: int = 100
) -> GroupGraded:
    graded = await groups.answer(chat.chat_id, message_id, user, text)
    assert graded is not None
    return graded


async def test_one_open_question_at_a_time_and_a_cool_down(groups: Groups, clock: FrozenClock) -> None:
    await ask(groups)
    assert await groups.question(CHAT) == QuestionStillOpen(100)
    assert isinstance(await groups.reveal(CHAT, admin=True), GroupClosed)
    assert await groups.question(CHAT) == CoolingDown(timedelta(minutes=10))
    clock.advance(minutes=10)
    assert isinstance(await groups.question(CHAT), GroupAsked)


async def test_the_first_answer_counts_later_tries_are_practice_and_the_fourth_is_ignored(
    groups: Groups, small_practice: Practice
) -> None:
    await ask(groups)
    alice = member(1, "Alice")
    first = await answer(groups, alice, "alpha only")
    second = await answer(groups, alice, GOOD)
    third = await answer(groups, alice, GOOD)
    assert (first.counted, second.counted, third.last_try) == (True, False, True)
    assert second.score > first.score and second.counted_score == first.score
    assert await groups.answer(CHAT.chat_id, 100, alice, GOOD) is None
    board = await groups.leaderboard(CHAT, alice.id)
    assert [(p.name, p.points, p.answers) for p in board.all_time.top] == [("Alice", points_for(first.score), 1)]
    stats = await small_practice.stats(alice.id)
    assert stats.answered == 3, "every graded try is the member's own practice"


async def test_replies_to_anything_but_the_open_question_are_ignored(groups: Groups) -> None:
    await ask(groups)
    assert await groups.answer(CHAT.chat_id, 101, member(1, "Alice"), GOOD) is None
    assert await groups.answer(OTHER.chat_id, 100, member(1, "Alice"), GOOD) is None
    await groups.reveal(CHAT, admin=True)
    assert await groups.answer(CHAT.chat_id, 100, member(1, "Alice"), GOOD) is None


async def test_private_feedback_only_for_who_started_the_bot_and_the_hint_once(
    groups: Groups, small_practice: Practice
) -> None:
    await ask(groups)
    await small_practice.touch_user(user_info(1, first_name="Alice"))  # Alice wrote to the bot privately
    alice = await answer(groups, member(1, "Alice"))
    bob = await answer(groups, member(2, "Bob"), "beta")
    bob_again = await answer(groups, member(2, "Bob"), "gamma")
    assert alice.private is not None and not alice.hint_private
    assert bob.private is None and bob.hint_private
    assert bob_again.private is None and not bob_again.hint_private, "the hint comes once"
    assert (await small_practice.stats(2)).answered == 2


async def test_admin_only_actions_refuse_members(groups: Groups) -> None:
    for result in (
        await groups.subscribe(CHAT, ["09:00"], admin=False),
        await groups.unsubscribe(CHAT, admin=False),
        await groups.settings(CHAT, admin=False),
        await groups.topics(CHAT, ["basics"], admin=False),
        await groups.reveal(CHAT, admin=False),
        await groups.delete_group(CHAT, admin=False, confirmed=True),
    ):
        assert result == NotGroupAdmin()


async def test_the_leaderboard_is_strictly_per_group(groups: Groups) -> None:
    """Alice answers in two groups: each group sees only its own members and points."""
    await ask(groups, CHAT)
    await ask(groups, OTHER, message_id=200)
    await answer(groups, member(1, "Alice"), GOOD)
    await answer(groups, member(2, "Bob"), "alpha")
    await answer(groups, member(1, "Alice"), "delta", chat=OTHER, message_id=200)
    await answer(groups, member(3, "Carol"), GOOD, chat=OTHER, message_id=200)
    mine = await groups.leaderboard(CHAT, 2)
    theirs = await groups.leaderboard(OTHER, 2)
    assert [p.name for p in mine.all_time.top] == ["Alice", "Bob"]
    assert [p.name for p in theirs.all_time.top] == ["Carol", "Alice"]
    assert not theirs.asker_has_points and mine.asker_has_points
    alice_here = next(p for p in mine.all_time.top if p.name == "Alice")
    alice_there = next(p for p in theirs.all_time.top if p.name == "Alice")
    assert alice_here.points == 10 and alice_there.points < 10


async def test_this_week_and_all_time(groups: Groups, clock: FrozenClock) -> None:
    await ask(groups)
    await answer(groups, member(1, "Alice"))
    await groups.reveal(CHAT, admin=True)
    clock.advance(days=7)
    await ask(groups, message_id=300)
    await answer(groups, member(2, "Bob"), "alpha beta", message_id=300)
    board = await groups.leaderboard(CHAT, 1)
    assert [p.name for p in board.week.top] == ["Bob"]
    assert [p.name for p in board.all_time.top] == ["Alice", "Bob"]
    assert [p.streak for p in board.all_time.top] == [1, 1], "the open question breaks no streak yet"
    await groups.reveal(CHAT, admin=True)
    board = await groups.leaderboard(CHAT, 1)
    assert [p.streak for p in board.all_time.top] == [0, 1]


async def test_the_top_ten_and_the_askers_own_place(groups: Groups) -> None:
    await ask(groups)
    for number in range(12):
        words = " ".join(["alpha", "beta", "gamma", "delta"][: 1 + number % 4])
        await answer(groups, member(100 + number, f"M{number:02d}"), words)
    board = await groups.leaderboard(CHAT, 108)  # M00, M04, M08 said one word: the lowest, M08 listed last
    assert len(board.all_time.top) == 10
    assert board.all_time.own is not None and board.all_time.own.name == "M08" and board.all_time.own.is_asker
    assert board.all_time.own.place == board.all_time.top[-1].place, "a tie shares the place"
    assert (await groups.leaderboard(CHAT, 101)).all_time.own is None, "an asker in the top ten is marked there"


async def test_delete_me_removes_the_members_group_answers_and_leaderboard_entries(
    groups: Groups, small_practice: Practice
) -> None:
    await ask(groups)
    await answer(groups, member(1, "Alice"))
    await answer(groups, member(2, "Bob"), "alpha")
    await small_practice.delete_user(1)
    board = await groups.leaderboard(CHAT, 2)
    assert [p.name for p in board.all_time.top] == ["Bob"]
    closed = await groups.reveal(CHAT, admin=True)
    assert isinstance(closed, GroupClosed) and [p.name for p in closed.ranking] == ["Bob"]


async def test_delete_group_removes_the_groups_rows_and_members_keep_their_progress(
    groups: Groups, small_practice: Practice
) -> None:
    await ask(groups)
    await answer(groups, member(1, "Alice"))
    deleted = await groups.delete_group(CHAT, admin=True, confirmed=True)
    assert isinstance(deleted, GroupDeleted) and deleted.rows >= 4
    assert (await groups.leaderboard(CHAT, 1)).all_time.top == ()
    assert (await small_practice.stats(1)).answered == 1


async def test_a_question_closes_after_its_time_once(groups: Groups, clock: FrozenClock) -> None:
    await ask(groups)
    await answer(groups, member(1, "Alice"))
    clock.advance(hours=11, minutes=59)
    assert await groups.close_expired() == []
    clock.advance(minutes=1)
    [closed] = await groups.close_expired()
    assert closed.reason is CloseReason.EXPIRED and [p.name for p in closed.ranking] == ["Alice"]
    assert await groups.close_expired() == []


async def test_an_upgrade_keeps_scores_and_settings_and_removal_unsubscribes(groups: Groups) -> None:
    await groups.subscribe(CHAT, ["09:00", "Europe/Berlin"], admin=True)
    await ask(groups)
    await answer(groups, member(1, "Alice"))
    supergroup = GroupInfo(-1001000000001, "ML prep", supergroup=True)
    assert await groups.joined(supergroup), "the supergroup's my_chat_member may come first"
    assert await groups.migrated(CHAT.chat_id, supergroup.chat_id)
    assert not await groups.migrated(CHAT.chat_id, supergroup.chat_id), "the second migrate message changes nothing"
    board = await groups.leaderboard(supergroup, 1)
    assert [p.name for p in board.all_time.top] == ["Alice"]
    view = await groups.settings(supergroup, admin=True)
    assert not isinstance(view, NotGroupAdmin) and view.settings.daily_time == "09:00"
    assert await groups.left(supergroup.chat_id)
    view = await groups.settings(supergroup, admin=True)
    assert not isinstance(view, NotGroupAdmin)
    assert view.settings.daily_time is None and view.settings.next_push_at is None


# ---- the groups' daily claim -------------------------------------------------------------------------


async def test_each_group_gets_one_question_a_day_and_the_next_push_closes_the_open_one(
    groups: Groups, clock: FrozenClock
) -> None:
    push = GroupPush(groups)
    await groups.subscribe(CHAT, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)
    [claim] = await push.claim_due()
    assert claim.closing is None
    await push.mark_sent(claim, CHAT.chat_id, 500)
    assert await push.claim_due() == []
    await answer(groups, member(1, "Alice"), message_id=500)
    clock.advance(days=1)
    [tomorrow] = await push.claim_due()
    assert tomorrow.closing is not None and tomorrow.closing.reason is CloseReason.NEXT_PUSH
    assert [p.name for p in tomorrow.closing.ranking] == ["Alice"]


async def test_two_processes_claim_each_group_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Two GroupPush services (two bot processes) claim at the same moment: every group once."""
    bank = small_bank()
    pushes = [
        GroupPush(Groups(Practice(bank, bank.make_grader(), sessionmaker, clock)), batch=3, instance=f"p{i}")
        for i in range(2)
    ]
    chats = [GroupInfo(-4000000100 - i, f"G{i}") for i in range(10)]
    for chat in chats:
        await pushes[0].groups.subscribe(chat, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)

    async def drain(push: GroupPush) -> list[int]:
        claimed = []
        while claims := await push.claim_due():
            claimed += [c.chat_id for c in claims]
        return claimed

    first, second = await asyncio.gather(drain(pushes[0]), drain(pushes[1]))
    assert sorted(first + second) == sorted(c.chat_id for c in chats)


async def test_a_claim_whose_process_died_is_posted_again_after_the_lease(groups: Groups, clock: FrozenClock) -> None:
    push = GroupPush(groups, lease=timedelta(minutes=10))
    await groups.subscribe(CHAT, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)
    [claim] = await push.claim_due()  # ... and the process dies before posting
    clock.advance(minutes=5)
    assert await push.claim_due() == []
    clock.advance(minutes=6)
    [again] = await push.claim_due()
    assert again.retry and again.group_question_id == claim.group_question_id
    await push.mark_sent(again, CHAT.chat_id, 600)
    assert await push.claim_due() == []


LEASE = timedelta(seconds=30)
"""A short lease, as ``PUSH_LEASE_SECONDS`` may set it."""


async def test_the_configured_lease_is_the_groups_and_an_unrenewed_claim_is_taken_over_after_it(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """``PUSH_LEASE_SECONDS`` (``build_services``' ``push_lease``) is the group push's lease too: a claim whose
    run died, so nobody renews it, is posted again by another process once that short lease has passed."""
    services = build_services(small_bank(), sessionmaker, bank_paths=(), clock=clock, push_lease=LEASE)
    live = services.group_push
    assert live.lease == LEASE
    dead = GroupPush(services.groups, lease=LEASE, instance="crashed:1")
    await services.groups.subscribe(CHAT, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)
    [claim] = await dead.claim_due()  # ... and the process dies before posting
    clock.advance(seconds=29)
    assert await live.claim_due() == [], "the lease is not over yet"
    clock.advance(seconds=2)
    [again] = await live.claim_due()
    assert again.retry and again.group_question_id == claim.group_question_id
    assert await dead.renew({claim.delivery_id}) == set(), "the dead run's claim is not its own any more"
    await live.mark_sent(again, CHAT.chat_id, 600)
    assert await live.claim_due() == []


async def test_a_run_renewing_its_claims_keeps_them_past_several_leases(groups: Groups, clock: FrozenClock) -> None:
    """A slow run renewing every two thirds of a lease keeps its claims for four leases; another instance
    claims nothing meanwhile, nor after the run has reported them."""
    slow = GroupPush(groups, lease=LEASE, instance="slow:1")
    other = GroupPush(groups, lease=LEASE, instance="other:2")
    for chat in (CHAT, OTHER):
        await groups.subscribe(chat, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)
    claims = await slow.claim_due()
    ids = {c.delivery_id for c in claims}
    assert len(ids) == 2
    for _ in range(6):  # two minutes of posting, renewed every 20 s
        clock.advance(seconds=20)
        assert await slow.renew(ids) == ids
        assert await other.claim_due() == []
    for claim, message_id in zip(claims, (700, 701), strict=True):
        await slow.mark_sent(claim, claim.chat_id, message_id)
    clock.advance(minutes=5)
    assert await other.claim_due() == []
    assert await slow.renew(ids) == set(), "reported claims are nobody's to renew"


async def test_a_stalled_run_learns_it_lost_its_claim_and_the_group_is_claimed_once(
    groups: Groups, clock: FrozenClock
) -> None:
    """A run that stops renewing for a whole lease (it stalled) has its unposted claim taken over, once; its
    next renewal leaves that claim out (so its runner does not post it) and keeps the one it still holds."""
    stalled = GroupPush(groups, lease=LEASE, instance="stalled:1")
    other = GroupPush(groups, lease=LEASE, instance="other:2")
    for chat in (CHAT, OTHER):
        await groups.subscribe(chat, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 8, 1, tzinfo=UTC)
    posted, unposted = await stalled.claim_due()
    await stalled.mark_sent(posted, posted.chat_id, 800)
    clock.advance(seconds=31)  # the run stalls for a whole lease
    [taken] = await other.claim_due()
    assert taken.retry and (taken.delivery_id, taken.group_question_id) == (
        unposted.delivery_id,
        unposted.group_question_id,
    )
    assert await stalled.renew({unposted.delivery_id}) == set(), "the stalled run no longer holds the claim"
    assert await other.renew({taken.delivery_id}) == {taken.delivery_id}
    clock.advance(seconds=20)  # within the renewed lease: not taken back, and the posted one never
    assert await stalled.claim_due() == []
    await other.mark_sent(taken, taken.chat_id, 801)
    clock.advance(minutes=5)
    assert await stalled.claim_due() == [] and await other.claim_due() == []


async def test_a_push_missed_by_more_than_the_grace_period_is_skipped(groups: Groups, clock: FrozenClock) -> None:
    push = GroupPush(groups, grace=timedelta(hours=3))
    await groups.subscribe(CHAT, ["08:00", "UTC"], admin=True)
    clock.now = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)
    assert await push.claim_due() == []
    clock.now = datetime(2025, 3, 12, 8, 0, tzinfo=UTC)
    assert len(await push.claim_due()) == 1


async def test_the_daily_question_uses_the_real_bank(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """With the shipped bank: a group's /topics choice is what it gets, and the model answer scores high."""
    groups = Groups(Practice(real_bank(), real_grader(), sessionmaker, clock))
    await groups.topics(CHAT, ["metrics"], admin=True)
    asked = await ask(groups)
    assert asked.question.topic == "metrics"
    graded = await answer(groups, member(1, "Alice"), asked.question.model_answer)
    assert graded.score > 0.8


# ---- the per-group send window -------------------------------------------------------------------------


class SteppedTime:
    """A monotonic clock whose sleep moves it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_group_gets_at_most_twenty_sends_in_any_minute() -> None:
    time = SteppedTime()
    windows = SendWindows(20, clock=time, sleep=time.sleep)
    sent: list[float] = []
    for _ in range(45):
        await windows.acquire(-42)
        sent.append(time.now)
        time.now += 0.1  # the request takes 100 ms
        windows.release(-42)
    for index in range(len(sent) - 20):
        assert sent[index + 20] - sent[index] >= 60.0
    assert sent[19] - sent[0] < 2.0, "the first twenty go at once"
    await windows.acquire(-43)  # another group is not held up
    assert windows.sent_in_window(-43) == 1


def test_only_sends_to_groups_count() -> None:
    assert group_of("sendMessage", {"chat_id": -4001}) == -4001
    assert group_of("sendPhoto", {"chat_id": "-1001234"}) == -1001234
    assert group_of("sendMessage", {"chat_id": 5}) is None
    assert group_of("getChatMember", {"chat_id": -4001}) is None


def test_questions_of_the_small_bank_are_graded_by_four_words() -> None:
    """The fixture questions: the good answer names all four letters (a guard for the tests above)."""
    question: Question = make_question("q1")
    grade = small_bank(question).make_grader().grade(question, GOOD)
    assert grade.score > 0.9


async def test_concurrent_senders_keep_to_the_overall_window_in_order() -> None:
    """Sixty requests at once through a 30-a-second window: never 31 in a second, served first come first."""
    time = SteppedTime()
    windows = SendWindows(30, 1.0, clock=time, sleep=time.sleep)
    started: list[tuple[int, float]] = []

    async def request(number: int) -> None:
        await windows.acquire("*")
        started.append((number, time.now))
        windows.release("*")

    await asyncio.gather(*(request(n) for n in range(60)))
    assert [number for number, _ in started] == list(range(60))
    moments = [moment for _, moment in started]
    assert all(moments[i + 30] - moments[i] >= 1.0 for i in range(30))


def test_the_console_says_groups_need_telegram() -> None:
    """The console's /help names study groups among what needs Telegram."""
    assert "Study groups" in texts.CONSOLE_HELP and "need Telegram" in texts.CONSOLE_HELP
