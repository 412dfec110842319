"""The practice loop end to end on a real database, with the real bank and a frozen clock."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.bank import Bank
from bot.domain.grading import Verdict
from bot.domain.practice import (
    MAX_ANSWER_CHARS,
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    UnknownTopic,
    streak_days,
)
from bot.domain.scheduling import SKIP_DELAY
from bot.domain.users import InvalidSetting, UserSettings
from bot.services.practice import Practice, UnknownUserError
from bot.services.preferences import Preferences
from bot.storage import repository
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.storage.models import Attempt, Review, User
from tests.practice_fixtures import FrozenClock, make_question, real_bank, real_grader, small_bank, user_info

pytest_plugins = ["tests.practice_fixtures"]

ALICE, BOB = 1001, 2002
GOOD_ANSWER = "Alpha comes first, then beta, then gamma, and delta closes the list."


async def ask(practice: Practice, user_id: int = ALICE, topic: str | None = None) -> Asked:
    """Ask and insist that a question was opened."""
    result = await practice.ask(user_id, topic)
    assert isinstance(result, Asked), result
    return result


async def answer(practice: Practice, text: str, user_id: int = ALICE) -> Feedback:
    """Answer and insist that it was graded."""
    result = await practice.answer(user_id, text)
    assert isinstance(result, Feedback), result
    return result


async def count_rows(sessionmaker: async_sessionmaker[AsyncSession], user_id: int) -> tuple[int, int, int]:
    """How many user, attempt and review rows the user has."""
    async with sessionmaker() as session:
        users = await session.scalar(select(func.count()).select_from(User).where(User.id == user_id))
        attempts = await session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == user_id))
        reviews = await session.scalar(select(func.count()).select_from(Review).where(Review.user_id == user_id))
    return users or 0, attempts or 0, reviews or 0


# ---- users and settings ----------------------------------------------------------------------


async def test_touch_user_creates_then_updates(practice: Practice, clock: FrozenClock) -> None:
    """The first touch creates the user (is_new); later touches refresh the profile and last-seen time."""
    first = await practice.touch_user(user_info(ALICE))
    assert first.is_new
    assert first.settings == UserSettings((), None, "UTC", None)
    assert first.open_question_id is None
    clock.advance(hours=1)
    again = await practice.touch_user(user_info(ALICE, first_name="Alice", username="alice"))
    assert not again.is_new
    assert (again.first_name, again.username, again.created_at, again.last_seen_at) == (
        "Alice",
        "alice",
        first.created_at,
        clock.now,
    )


async def test_new_users_get_the_configured_defaults(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """New users get the deployment's zone and are not subscribed; /subscribe without a time uses
    the default time; bad defaults fail at start."""
    practice = Practice(
        real_bank(), real_grader(), sessionmaker, clock, default_timezone="europe/paris", default_daily_time="8:00"
    )
    assert (await practice.touch_user(user_info(ALICE))).settings == UserSettings((), None, "Europe/Paris", None)
    subscribed = await Preferences(practice).subscribe(ALICE)
    assert isinstance(subscribed, UserSettings)
    assert subscribed.daily_time == "08:00"
    await Preferences(practice).set_daily_time(ALICE, None)
    assert (await practice.touch_user(user_info(ALICE))).settings.next_push_at is None
    with pytest.raises(ValueError, match="time zone"):
        Practice(real_bank(), real_grader(), sessionmaker, clock, default_timezone="Nowhere/Town")
    with pytest.raises(ValueError, match="HH:MM"):
        Practice(real_bank(), real_grader(), sessionmaker, clock, default_daily_time="noon")


async def test_unknown_user_must_be_touched_first(practice: Practice) -> None:
    """Asking for a user never touched is an adapter bug; reading or answering just finds nothing."""
    with pytest.raises(UnknownUserError):
        await practice.ask(ALICE)
    assert await practice.answer(ALICE, "hello") == NoOpenQuestion()
    assert await practice.hint(ALICE) == NoOpenQuestion()
    assert await practice.open_question(ALICE) is None
    stats = await practice.stats(ALICE)
    assert (stats.answered, stats.average_score, stats.streak_days) == (0, None, 0)
    assert await practice.delete_user(ALICE) == 0


async def test_settings_are_validated_and_normalised(practice: Practice, preferences: Preferences) -> None:
    """Topics are checked against the bank and kept in bank order; difficulty, zone and time are checked."""
    await practice.touch_user(user_info(ALICE))
    assert await preferences.set_topics(ALICE, ["nope"]) == UnknownTopic("nope", tuple(real_bank().topics))
    settings = await preferences.set_topics(ALICE, ["Metrics", "deep_learning", "metrics"])
    assert isinstance(settings, UserSettings)
    assert settings.topics == ("deep-learning", "metrics")
    assert isinstance(await preferences.set_difficulty(ALICE, 4), InvalidSetting)
    assert (await preferences.set_difficulty(ALICE, 2)) == UserSettings(("deep-learning", "metrics"), 2, "UTC", None)
    assert isinstance(await preferences.set_timezone(ALICE, "Mars/Olympus"), InvalidSetting)
    assert isinstance(await preferences.set_daily_time(ALICE, "25:00"), InvalidSetting)
    await preferences.set_timezone(ALICE, "europe/berlin")
    await preferences.set_daily_time(ALICE, "7:05")
    # START is Monday 10 March 09:00 UTC, past 07:05 in Berlin (UTC+1 in March): next is Tuesday's.
    next_push = datetime(2025, 3, 11, 6, 5, tzinfo=UTC)
    expected = UserSettings(
        ("deep-learning", "metrics"), 2, "Europe/Berlin", "07:05", next_push_at=next_push, zone_chosen=True
    )
    assert await preferences.settings(ALICE) == expected
    assert (await preferences.set_topics(ALICE, [])) == replace(expected, topics=())


async def test_ask_follows_topics_and_difficulty(practice: Practice, preferences: Preferences) -> None:
    """Questions come from the user's topics at their level; an explicit topic overrides the topics."""
    await practice.touch_user(user_info(ALICE))
    await preferences.set_topics(ALICE, ["metrics"])
    await preferences.set_difficulty(ALICE, 1)
    for _ in range(5):
        asked = await ask(practice)
        assert (asked.question.topic, asked.question.difficulty) == ("metrics", 1)
    asked = await ask(practice, topic="svm-knn")
    assert (asked.question.topic, asked.question.difficulty) == ("svm-knn", 1)


async def test_unknown_topic_and_empty_pool(practice: Practice, preferences: Preferences) -> None:
    """An unknown topic lists the valid ones; a topic without questions at the user's level says so."""
    await practice.touch_user(user_info(ALICE))
    assert await practice.ask(ALICE, "astrology") == UnknownTopic("astrology", tuple(real_bank().topics))
    levels = {q.difficulty for q in real_bank().in_topic("features")}
    missing = next(level for level in (1, 2, 3) if level not in levels)
    await preferences.set_difficulty(ALICE, missing)
    assert await practice.ask(ALICE, "features") == EmptyPool(("features",), missing)
    assert await practice.open_question(ALICE) is None


# ---- the loop --------------------------------------------------------------------------------


async def test_ask_opens_a_question(practice: Practice, clock: FrozenClock) -> None:
    """Asking stores the question as open with no hints used, and remembers it as the last question."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    assert not asked.is_repeat
    assert asked.hints_total == len(asked.question.hints)
    assert asked.replaced is None
    assert asked.question.difficulty == 1, "unseen questions start at the easiest level"
    opened = await practice.open_question(ALICE)
    assert opened is not None
    assert (opened.question, opened.asked_at, opened.hints_used, opened.max_score_now) == (
        asked.question,
        clock.now,
        0,
        1.0,
    )


async def test_answer_is_graded_recorded_and_closes_the_question(
    practice: Practice, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """An answer is graded, stored with its concepts, reschedules the question and closes it."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    feedback = await answer(practice, asked.question.model_answer)
    assert feedback.question == asked.question
    assert feedback.grade.verdict == Verdict.STRONG
    assert feedback.grade.covered
    assert (feedback.hints_used, feedback.best_score_before, feedback.attempts_on_question) == (0, None, 1)
    assert await practice.open_question(ALICE) is None
    assert await practice.answer(ALICE, "again") == NoOpenQuestion()
    async with sessionmaker() as session:
        stored = await repository.get_attempt(session=session, user_id=ALICE, attempt_id=feedback.attempt_id)
        review = await repository.get_review(session=session, user_id=ALICE, question_id=asked.question.id)
    assert stored is not None
    assert (stored.answer_text, stored.score, stored.gave_up, stored.created_at) == (
        asked.question.model_answer,
        feedback.grade.score,
        False,
        clock.now,
    )
    assert [c["name"] for c in stored.covered] == [c.name for c in feedback.grade.covered]
    assert stored.missed == list(feedback.grade.missed)
    assert review is not None
    assert (review.repetitions, review.seen_count, review.last_score) == (1, 1, feedback.grade.score)
    assert review.due_at > clock.now


async def test_restart_between_question_and_answer(database_url: str, engine: AsyncEngine, clock: FrozenClock) -> None:
    """A question asked before a restart (new engine, new Practice) is still open after it and gets graded."""
    del engine  # requested only so the database is migrated; each "process" below opens its own engine
    first_engine = create_engine_from_url(database_url)
    before = Practice(real_bank(), real_grader(), make_sessionmaker(first_engine), clock)
    await before.touch_user(user_info(ALICE))
    asked = await ask(before)
    await before.hint(ALICE)
    await first_engine.dispose()

    clock.advance(minutes=5)
    second_engine = create_engine_from_url(database_url)
    try:
        after = Practice(real_bank(), real_grader(), make_sessionmaker(second_engine), clock)
        opened = await after.open_question(ALICE)
        assert opened is not None
        assert (opened.question.id, opened.hints_used) == (asked.question.id, 1)
        feedback = await answer(after, asked.question.model_answer)
    finally:
        await second_engine.dispose()
    assert feedback.question.id == asked.question.id
    assert feedback.hints_used == 1
    assert feedback.grade.score > 0.5


async def test_hints_lower_the_reachable_score_and_run_out(practice: Practice) -> None:
    """Each hint is the next one with a lower reachable score; then hints run out; the grade uses them."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    total = asked.hints_total
    reachable = [1.0]
    for index in range(1, total + 1):
        hint = await practice.hint(ALICE, asked.question.id)
        assert isinstance(hint, HintGiven)
        assert (hint.text, hint.index, hint.total) == (asked.question.hints[index - 1], index, total)
        assert hint.max_score_now < reachable[-1]
        reachable.append(hint.max_score_now)
    assert await practice.hint(ALICE) == NoMoreHints(total)
    opened = await practice.open_question(ALICE)
    assert opened is not None
    assert (opened.hints_used, opened.max_score_now) == (total, reachable[-1])
    feedback = await answer(practice, asked.question.model_answer)
    assert feedback.hints_used == total
    assert feedback.grade.max_score == pytest.approx(reachable[-1])
    assert feedback.grade.score <= reachable[-1]


async def test_hint_without_open_question(practice: Practice) -> None:
    """No open question gives NoOpenQuestion; a button for a question no longer open is marked stale."""
    await practice.touch_user(user_info(ALICE))
    assert await practice.hint(ALICE) == NoOpenQuestion()
    asked = await ask(practice)
    assert await practice.hint(ALICE, "some-old-question") == NoOpenQuestion(stale=True)
    await answer(practice, "no idea")
    assert await practice.hint(ALICE, asked.question.id) == NoOpenQuestion(stale=True)


async def test_reveal_counts_as_given_up(practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Revealing records a zero-score give-up, fails the review, closes the question, and stats count it apart."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    await practice.hint(ALICE)
    assert await practice.reveal(ALICE) == Revealed(asked.question, 1)
    assert await practice.reveal(ALICE) == NoOpenQuestion()
    async with sessionmaker() as session:
        rows = await repository.list_attempts(session=session, user_id=ALICE)
        review = await repository.get_review(session=session, user_id=ALICE, question_id=asked.question.id)
    assert [(r.score, r.gave_up) for r in rows] == [(0.0, True)]
    assert review is not None
    assert (review.repetitions, review.last_score) == (0, 0.0)
    stats = await practice.stats(ALICE)
    assert (stats.answered, stats.given_up, stats.average_score, stats.streak_days) == (0, 1, None, 0)


async def test_skip_records_nothing_and_puts_the_question_off(
    practice: Practice, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Skipping closes the question without an attempt; it is put off a day and not asked next."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    assert await practice.skip(ALICE, asked.question.id) == Skipped(asked.question)
    assert await practice.skip(ALICE) == NoOpenQuestion()
    async with sessionmaker() as session:
        assert await repository.list_attempts(session=session, user_id=ALICE) == []
        review = await repository.get_review(session=session, user_id=ALICE, question_id=asked.question.id)
    assert review is not None
    assert (review.due_at, review.last_score, review.seen_count) == (clock.now + SKIP_DELAY, None, 1)
    following = [(await ask(practice)).question.id for _ in range(3)]
    assert asked.question.id not in following


async def test_asking_again_replaces_the_open_question(practice: Practice) -> None:
    """A new question while one is open skips the open one and says which."""
    await practice.touch_user(user_info(ALICE))
    first = await ask(practice)
    second = await ask(practice)
    assert second.replaced == first.question
    assert second.question != first.question


async def test_retry_reopens_the_last_question(practice: Practice) -> None:
    """Retry re-asks the last question with fresh hints; retrying an open question keeps its hints."""
    await practice.touch_user(user_info(ALICE))
    assert await practice.retry(ALICE) == NothingToRetry()
    asked = await ask(practice)
    await practice.hint(ALICE)
    retried = await practice.retry(ALICE)
    assert isinstance(retried, Asked)
    opened = await practice.open_question(ALICE)
    assert opened is not None
    assert (opened.question, opened.hints_used) == (asked.question, 1), "retry must not refund hints"
    first = await answer(practice, "it is about something")
    retried = await practice.retry(ALICE)
    assert isinstance(retried, Asked)
    assert (retried.question, retried.is_repeat) == (asked.question, True)
    second = await answer(practice, asked.question.model_answer)
    assert (second.attempts_on_question, second.best_score_before, second.hints_used) == (2, first.grade.score, 0)
    assert await practice.retry(ALICE, "not-in-the-bank") == NothingToRetry()


async def test_long_answers_are_cut(practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Only the first MAX_ANSWER_CHARS characters are graded and stored, and the feedback says so."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    feedback = await answer(practice, asked.question.model_answer + " filler" * 1000)
    assert feedback.truncated
    async with sessionmaker() as session:
        stored = await repository.get_attempt(session=session, user_id=ALICE, attempt_id=feedback.attempt_id)
    assert stored is not None
    assert len(stored.answer_text) == MAX_ANSWER_CHARS


async def test_concurrent_answers_grade_once(
    practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Two answers racing for one open question: one is graded, the other finds it closed."""
    await practice.touch_user(user_info(ALICE))
    asked = await ask(practice)
    results = await asyncio.gather(*(practice.answer(ALICE, asked.question.model_answer) for _ in range(3)))
    assert sorted(type(r).__name__ for r in results) == ["Feedback", "NoOpenQuestion", "NoOpenQuestion"]
    assert (await count_rows(sessionmaker, ALICE))[1] == 1


# ---- question choice -------------------------------------------------------------------------


async def test_never_the_same_question_twice_in_a_row(
    small_practice: Practice, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Across answers, skips, reveals and time passing, no question is asked twice in a row."""
    await small_practice.touch_user(user_info(ALICE))
    previous = None
    for turn in range(30):
        asked = await ask(small_practice)
        assert asked.question.id != previous
        previous = asked.question.id
        action = turn % 3
        if action == 0:
            await answer(small_practice, GOOD_ANSWER if turn % 2 else "alpha")
        elif action == 1:
            await small_practice.skip(ALICE)
        else:
            await small_practice.reveal(ALICE)
        clock.advance(hours=turn % 7)


async def test_single_question_pool_repeats(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> None:
    """With one question in the pool, it is asked again rather than nothing."""
    bank = small_bank(make_question("only"))
    practice = Practice(bank, bank.make_grader(), sessionmaker, clock)
    await practice.touch_user(user_info(ALICE))
    assert (await ask(practice)).question.id == "only"
    await answer(practice, GOOD_ANSWER)
    again = await ask(practice)
    assert (again.question.id, again.is_repeat) == ("only", True)


async def test_unseen_first_then_due(small_practice: Practice, clock: FrozenClock) -> None:
    """Every unseen question comes before any repeat; later the one due first comes back first."""
    await small_practice.touch_user(user_info(ALICE))
    first_round = []
    for text in ("alpha", GOOD_ANSWER, GOOD_ANSWER):
        asked = await ask(small_practice)
        assert not asked.is_repeat
        first_round.append(asked.question.id)
        await answer(small_practice, text)
        clock.advance(minutes=1)
    assert len(set(first_round)) == 3
    clock.advance(minutes=30)
    weak = await ask(small_practice)
    assert (weak.question.id, weak.is_repeat) == (first_round[0], True), "the failed one is due first"
    await answer(small_practice, GOOD_ANSWER)
    clock.advance(days=2)
    due = await ask(small_practice)
    assert due.question.id == first_round[1], "then the one that fell due earliest"


async def test_different_users_get_different_orders(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Unseen questions come in a per-user order, so users do not all start with the same question."""
    practice = Practice(real_bank(), real_grader(), sessionmaker, clock)
    firsts = set()
    for user_id in range(1, 11):
        await practice.touch_user(user_info(user_id))
        firsts.add((await ask(practice, user_id)).question.id)
    assert len(firsts) > 1


# ---- progress --------------------------------------------------------------------------------


async def test_stats_and_streak_in_the_users_time_zone(
    practice: Practice, preferences: Preferences, clock: FrozenClock
) -> None:
    """Streaks count local days in the user's zone: 01:00 and 23:00 in Tokyo are one day, not two UTC days."""
    await practice.touch_user(user_info(ALICE))
    await preferences.set_timezone(ALICE, "Asia/Tokyo")  # UTC+9, no daylight saving

    async def answer_at(when: datetime, good: bool) -> Feedback:
        clock.now = when
        asked = await ask(practice)
        return await answer(practice, asked.question.model_answer if good else "no idea at all")

    # Local Tokyo days: 11 March (two answers, on two different UTC days), 12 March, 13 March.
    scores = [
        (await answer_at(datetime(2025, 3, 10, 16, 0, tzinfo=UTC), good=True)).grade.score,  # 11th 01:00 JST
        (await answer_at(datetime(2025, 3, 11, 14, 0, tzinfo=UTC), good=False)).grade.score,  # 11th 23:00 JST
        (await answer_at(datetime(2025, 3, 12, 3, 0, tzinfo=UTC), good=True)).grade.score,  # 12th 12:00 JST
        (await answer_at(datetime(2025, 3, 13, 0, 30, tzinfo=UTC), good=True)).grade.score,  # 13th 09:30 JST
    ]
    clock.now = datetime(2025, 3, 13, 14, 0, tzinfo=UTC)  # 13th 23:00 JST
    stats = await practice.stats(ALICE)
    assert (stats.answered, stats.given_up, stats.streak_days) == (4, 0, 3)
    assert stats.average_score == pytest.approx(sum(scores) / 4)

    clock.now = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)  # 14th 23:00 JST: nothing today yet, yesterday counts
    assert (await practice.stats(ALICE)).streak_days == 3
    clock.now = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)  # 15th 00:30 JST: the streak is broken
    assert (await practice.stats(ALICE)).streak_days == 0

    await preferences.set_timezone(ALICE, "UTC")
    clock.now = datetime(2025, 3, 11, 20, 0, tzinfo=UTC)
    stats = await practice.stats(ALICE)
    assert stats.streak_days == 2, "in UTC the first two answers fell on the 10th and the 11th"


async def test_stats_per_topic_and_weakest(practice: Practice) -> None:
    """Per-topic counts, averages and seen questions cover every bank topic; weakest lists answered topics only."""
    await practice.touch_user(user_info(ALICE))
    plan = [("metrics", True), ("metrics", False), ("svm-knn", False), ("deep-learning", True)]
    for topic, good in plan:
        asked = await ask(practice, topic=topic)
        await answer(practice, asked.question.model_answer if good else "no idea at all")
    await ask(practice, topic="features")
    await practice.skip(ALICE)
    stats = await practice.stats(ALICE)
    by_topic = {t.topic: t for t in stats.per_topic}
    bank: Bank = real_bank()
    assert list(by_topic) == list(bank.topics)
    assert by_topic["metrics"].answered == 2
    assert by_topic["metrics"].questions_seen == 2
    assert by_topic["metrics"].questions_total == len(bank.in_topic("metrics"))
    assert by_topic["metrics"].title == bank.topics["metrics"]
    assert (by_topic["features"].answered, by_topic["features"].average, by_topic["features"].questions_seen) == (
        0,
        None,
        1,
    )
    assert [t.topic for t in stats.weakest_topics] == ["svm-knn", "metrics", "deep-learning"]
    averages = [t.average or 0.0 for t in stats.weakest_topics]
    assert averages == sorted(averages)


def test_streak_days_counts_back_from_today_or_yesterday() -> None:
    """A streak ends today or yesterday and stops at the first day without an answer."""
    day = datetime(2025, 3, 13, tzinfo=UTC).date()
    days = {day.replace(day=d) for d in (9, 11, 12, 13)}
    assert streak_days(days, day) == 3
    assert streak_days(days - {day}, day) == 2
    assert streak_days({day.replace(day=11)}, day) == 0
    assert streak_days(set(), day) == 0


# ---- privacy ---------------------------------------------------------------------------------


async def test_delete_user_removes_everything_and_only_theirs(
    practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Deleting a user removes their user, attempts and reviews, reports the count, and leaves others alone."""
    for user_id in (ALICE, BOB):
        await practice.touch_user(user_info(user_id))
        for _ in range(2):
            asked = await ask(practice, user_id)
            await answer(practice, asked.question.model_answer, user_id)
        await ask(practice, user_id)
    bob_before = await count_rows(sessionmaker, BOB)
    assert await count_rows(sessionmaker, ALICE) == (1, 2, 2)
    assert await practice.delete_user(ALICE) == 5
    assert await count_rows(sessionmaker, ALICE) == (0, 0, 0)
    assert await count_rows(sessionmaker, BOB) == bob_before
    assert await practice.open_question(BOB) is not None
    assert (await practice.stats(ALICE)).answered == 0
    assert (await practice.touch_user(user_info(ALICE))).is_new


async def test_a_user_cannot_touch_another_users_question(
    practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Bob cannot answer, hint, reveal or skip Alice's open question, even with its id; hers stays as it was."""
    await practice.touch_user(user_info(ALICE))
    await practice.touch_user(user_info(BOB))
    asked = await ask(practice, ALICE)
    qid = asked.question.id
    assert await practice.answer(BOB, asked.question.model_answer) == NoOpenQuestion()
    assert await practice.hint(BOB, qid) == NoOpenQuestion(stale=True)
    assert await practice.reveal(BOB, qid) == NoOpenQuestion(stale=True)
    assert await practice.skip(BOB, qid) == NoOpenQuestion(stale=True)
    opened = await practice.open_question(ALICE)
    assert opened is not None
    assert (opened.question.id, opened.hints_used) == (qid, 0)
    assert await count_rows(sessionmaker, BOB) == (1, 0, 0)
    feedback = await answer(practice, asked.question.model_answer, ALICE)
    assert feedback.attempts_on_question == 1


async def test_question_removed_from_the_bank_is_not_open(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """If the bank loses the open question (edited between restarts), the user simply has none open."""
    old = small_bank(make_question("gone"), make_question("kept"))
    practice = Practice(old, old.make_grader(), sessionmaker, clock)
    await practice.touch_user(user_info(ALICE))
    while (await ask(practice)).question.id != "gone":
        pass
    new = small_bank(make_question("kept"))
    practice = Practice(new, new.make_grader(), sessionmaker, clock)
    assert await practice.open_question(ALICE) is None
    assert await practice.answer(ALICE, GOOD_ANSWER) == NoOpenQuestion()
    assert (await ask(practice)).question.id == "kept"
