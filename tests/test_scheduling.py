"""Spaced repetition and question choice: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.scheduling import (
    FIRST_INTERVAL_DAYS,
    INITIAL_EASE,
    MIN_EASE,
    RELEARN_DELAY,
    SECOND_INTERVAL_DAYS,
    SKIP_DELAY,
    ReviewState,
    choose_next_question,
    filter_pool,
    quality,
    schedule_after_grade,
    schedule_after_skip,
)
from tests.practice_fixtures import make_question

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
POOL = tuple(make_question(f"q{i}", difficulty=1 + i % 3) for i in range(9))


def seen(
    question_id: str, *, due_in: timedelta, score: float | None = 0.8, seen_ago: timedelta = timedelta(0)
) -> ReviewState:
    """A review state due ``due_in`` from NOW (negative: overdue)."""
    return ReviewState(question_id, due_at=NOW + due_in, last_seen_at=NOW - seen_ago, last_score=score, seen_count=1)


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.0, 0), (0.09, 0), (0.1, 1), (0.45, 2), (0.5, 3), (0.69, 3), (0.7, 4), (0.89, 4), (0.9, 5), (1.0, 5)],
)
def test_quality_rounds_score_to_sm2_scale(score: float, expected: int) -> None:
    """A score maps to SM-2 quality 0-5 with halves rounded up, so 0.5 is the pass mark."""
    assert quality(score) == expected


def test_good_answers_grow_the_interval() -> None:
    """Recalled answers go 1 day, 6 days, then 6 × ease days, each due that far from the answer."""
    first = schedule_after_grade(None, "q1", 1.0, NOW)
    assert (first.repetitions, first.interval_days, first.due_at) == (1, FIRST_INTERVAL_DAYS, NOW + timedelta(days=1))
    later = NOW + timedelta(days=1)
    second = schedule_after_grade(first, "q1", 1.0, later)
    assert second.interval_days == SECOND_INTERVAL_DAYS
    assert second.due_at == later + timedelta(days=SECOND_INTERVAL_DAYS)
    third = schedule_after_grade(second, "q1", 1.0, later)
    assert third.interval_days == pytest.approx(SECOND_INTERVAL_DAYS * second.ease)
    assert third.ease > INITIAL_EASE
    assert (third.seen_count, third.last_score, third.last_seen_at) == (3, 1.0, later)


def test_failed_answer_is_relearnt_soon_and_lowers_ease() -> None:
    """A weak answer resets the repetitions, comes back after RELEARN_DELAY and lowers the ease (not below 1.3)."""
    state = schedule_after_grade(schedule_after_grade(None, "q1", 1.0, NOW), "q1", 1.0, NOW)
    failed = schedule_after_grade(state, "q1", 0.2, NOW)
    assert (failed.repetitions, failed.interval_days) == (0, 0.0)
    assert failed.due_at == NOW + RELEARN_DELAY
    assert failed.ease < state.ease
    for _ in range(10):
        failed = schedule_after_grade(failed, "q1", 0.0, NOW)
    assert failed.ease == MIN_EASE


def test_skip_puts_off_without_touching_sm2_state() -> None:
    """A skip keeps repetitions, interval, ease and score, counts as seen and is due after SKIP_DELAY."""
    assert schedule_after_skip(None, "q1", NOW) == ReviewState(
        "q1", due_at=NOW + SKIP_DELAY, last_seen_at=NOW, seen_count=1
    )
    graded = schedule_after_grade(None, "q1", 0.9, NOW)
    skipped = schedule_after_skip(graded, "q1", NOW + timedelta(hours=1))
    assert (skipped.repetitions, skipped.interval_days, skipped.ease, skipped.last_score) == (
        graded.repetitions,
        graded.interval_days,
        graded.ease,
        graded.last_score,
    )
    assert skipped.due_at == NOW + timedelta(hours=1) + SKIP_DELAY
    assert skipped.seen_count == 2


def test_filter_pool_by_topic_and_difficulty() -> None:
    """No topics means all topics; difficulty keeps one level only."""
    questions = [make_question("a", "t1", 1), make_question("b", "t2", 2), make_question("c", "t1", 2)]
    assert [q.id for q in filter_pool(questions)] == ["a", "b", "c"]
    assert [q.id for q in filter_pool(questions, topics=["t1"])] == ["a", "c"]
    assert [q.id for q in filter_pool(questions, topics=["t1"], difficulty=2)] == ["c"]
    assert filter_pool(questions, topics=["t3"]) == ()


def test_empty_pool_gives_none() -> None:
    """Only an empty pool yields no question."""
    assert choose_next_question((), {}, last_question_id=None, now=NOW, seed=1) is None


def test_single_question_pool_repeats_it() -> None:
    """With one question, asking again gives that question even though it was the last one."""
    only = (POOL[0],)
    assert choose_next_question(only, {}, last_question_id=POOL[0].id, now=NOW, seed=1) == POOL[0]


def test_unseen_come_first_easiest_level_first() -> None:
    """Unseen questions come before due ones, and level 1 ones before level 2 and 3."""
    reviews = {q.id: seen(q.id, due_in=-timedelta(days=30), score=0.0) for q in POOL[:6]}
    picked = choose_next_question(POOL, reviews, last_question_id=None, now=NOW, seed=7)
    assert picked is not None
    assert picked.id not in reviews
    order = []
    remaining = list(POOL)
    while remaining:
        chosen = choose_next_question(remaining, {}, last_question_id=None, now=NOW, seed=7)
        assert chosen is not None
        order.append(chosen.difficulty)
        remaining.remove(chosen)
    assert order == sorted(order)


def test_unseen_order_is_stable_per_user_and_varies_between_users() -> None:
    """The same user always gets the same first question; different users get different ones."""
    level_one = [q for q in POOL if q.difficulty == 1]
    firsts = {
        seed: choose_next_question(level_one, {}, last_question_id=None, now=NOW, seed=seed) for seed in range(20)
    }
    assert firsts[3] == choose_next_question(level_one, {}, last_question_id=None, now=NOW, seed=3)
    assert len({q.id for q in firsts.values() if q}) > 1


def test_due_questions_most_overdue_first() -> None:
    """With nothing unseen, the most overdue question comes before less overdue and not-due ones."""
    reviews = {q.id: seen(q.id, due_in=timedelta(days=3), score=0.0) for q in POOL}
    reviews["q4"] = seen("q4", due_in=-timedelta(hours=1), score=0.9)
    reviews["q7"] = seen("q7", due_in=-timedelta(days=2), score=0.9)
    picked = choose_next_question(POOL, reviews, last_question_id=None, now=NOW, seed=1)
    assert picked is not None
    assert picked.id == "q7"
    picked = choose_next_question(POOL, reviews, last_question_id="q7", now=NOW, seed=1)
    assert picked is not None
    assert picked.id == "q4"


def test_weakest_when_nothing_is_due() -> None:
    """With nothing unseen or due, the lowest last score wins; equal scores go to the least recently seen."""
    reviews = {q.id: seen(q.id, due_in=timedelta(days=3), score=0.9) for q in POOL}
    reviews["q2"] = seen("q2", due_in=timedelta(days=1), score=0.31, seen_ago=timedelta(hours=1))
    reviews["q5"] = seen("q5", due_in=timedelta(days=1), score=0.29, seen_ago=timedelta(hours=5))
    picked = choose_next_question(POOL, reviews, last_question_id=None, now=NOW, seed=1)
    assert picked is not None
    assert picked.id == "q5"
    picked = choose_next_question(POOL, reviews, last_question_id="q5", now=NOW, seed=1)
    assert picked is not None
    assert picked.id == "q2"


@given(
    size=st.integers(min_value=2, max_value=6),
    states=st.lists(st.tuples(st.integers(-72, 72), st.one_of(st.none(), st.floats(0, 1))), min_size=0, max_size=6),
    last=st.integers(0, 5),
    seed=st.integers(0, 10_000),
)
def test_never_the_same_question_twice_in_a_row(
    size: int, states: list[tuple[int, float | None]], last: int, seed: int
) -> None:
    """Whatever the review states, a pool of two or more never repeats the last question."""
    pool = POOL[:size]
    reviews = {
        q.id: seen(q.id, due_in=timedelta(hours=hours), score=score)
        for q, (hours, score) in zip(pool, states, strict=False)
    }
    last_id = pool[last % size].id
    picked = choose_next_question(pool, reviews, last_question_id=last_id, now=NOW, seed=seed)
    assert picked is not None
    assert picked.id != last_id
