"""Mock interview rounds on a real database, with the real bank and grader and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.bank import Bank
from bot.domain.grading import Grade, Verdict
from bot.domain.interview.arguments import parse_round_args, parse_time_limit
from bot.domain.interview.debrief import build_debrief, verdict_for
from bot.domain.interview.plan import choose_follow_up, difficulty_ladder, follow_up_targets, plan_round
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    AnswerGraded,
    AskedInRound,
    BadRoundArgs,
    Debrief,
    FollowUpAsked,
    FollowUpGraded,
    FollowUpReport,
    ItemReport,
    NoActiveRound,
    NoHintOnFollowUp,
    QuestionPassed,
    RoundEnded,
    RoundFacts,
    RoundHint,
    RoundSpec,
    RoundStarted,
    RoundStep,
    TimeLimitSet,
    TopicScore,
)
from bot.domain.interview.rules import (
    DEFAULT_LENGTH,
    FOLLOW_UP_CREDIT,
    LATE_FACTOR,
    MAX_LENGTH,
    MIN_LENGTH,
    ArgProblem,
    HireVerdict,
    ItemStatus,
    ReasonCode,
    RoundStatus,
    StepKind,
)
from bot.domain.models import Concept, Kind, Question
from bot.domain.practice import Asked, Feedback, NoMoreHints, UnknownTopic
from bot.domain.users import InvalidSetting, UserInfo
from bot.rendering import debrief_texts
from bot.services.conversation import Conversation
from bot.services.daily import DailyPush
from bot.services.interviews import Interviews
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.storage.models import InterviewItem, InterviewRound
from tests.practice_fixtures import START, FrozenClock, make_question, real_bank, real_grader, user_info

pytest_plugins = ["tests.practice_fixtures"]

ALICE, BOB = user_info(1001), user_info(2002)


@pytest.fixture
def interviews(practice: Practice) -> Interviews:
    """The interview service over the practice fixture (real bank, fresh database, frozen clock)."""
    return Interviews(practice)


# ---- answers the tests give ----------------------------------------------------------------------


def concept_sentence(concept: Concept) -> str:
    """A sentence that states one concept in the words of its first alias."""
    return f"In my view {concept.aliases[0]} is what matters here."


def gap_answer(question: Question) -> str:
    """An answer stating every concept but the heaviest one (so it misses an important idea)."""
    heaviest = max(question.concepts, key=lambda c: c.weight)
    return " ".join(concept_sentence(c) for c in question.concepts if c is not heaviest)


def answer_that_leaves_a_gap(question: Question) -> str | None:
    """``gap_answer`` if grading it really leaves a follow-up-worthy gap, else None."""
    answer = gap_answer(question)
    grade = real_grader().grade(question, answer)
    return answer if follow_up_targets(question, grade) else None


def recovering_answer(step: FollowUpAsked) -> str:
    """A follow-up answer stating every targeted concept."""
    concepts = [c for c in step.question.concepts if c.name in step.concepts]
    return " ".join(concept_sentence(c) for c in concepts)


def strong_answer(step: RoundStep) -> str:
    """The model answer (to a question or a follow-up)."""
    return step.question.model_answer


def weak_answer(step: RoundStep) -> str:
    """A non-answer."""
    return "I don't know"


async def play(
    interviews: Interviews, who: UserInfo, first: RoundStep, answer: Callable[[RoundStep], str], clock: FrozenClock
) -> Debrief:
    """Answer every question and follow-up of a round with ``answer``, a minute each; the debrief."""
    step: RoundStep = first
    for _ in range(2 * MAX_LENGTH + 1):
        clock.advance(minutes=1)
        result = await interviews.answer(who, answer(step))
        assert isinstance(result, Answered), result
        if isinstance(result.next, Debrief):
            return result.next
        step = result.next
    raise AssertionError("the round never ended")


async def start(interviews: Interviews, who: UserInfo = ALICE, spec: RoundSpec | None = None) -> RoundStarted:
    """Start a round and insist that it started."""
    result = await interviews.start(who, spec or RoundSpec())
    assert isinstance(result, RoundStarted), result
    return result


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type[object], user_id: int) -> int:
    """Rows of ``model`` belonging to the user."""
    column = model.user_id  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).where(column == user_id))).scalar_one())


# ---- pure: arguments, ladder, plan ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], RoundSpec(DEFAULT_LENGTH, None, 2)),
        (["8"], RoundSpec(8, None, 2)),
        (["hard", "metrics", "3"], RoundSpec(3, "metrics", 3)),
        (["Mixed", "easy"], RoundSpec(DEFAULT_LENGTH, None, 1)),
        (["senior", "Deep_Learning"], RoundSpec(DEFAULT_LENGTH, "deep-learning", 3)),
        (["0"], BadRoundArgs("0", ArgProblem.LENGTH)),
        (["100"], BadRoundArgs("100", ArgProblem.LENGTH)),
        (["-3"], BadRoundArgs("-3", ArgProblem.LENGTH)),
        (["astrology"], BadRoundArgs("astrology", ArgProblem.UNKNOWN)),
        (["5", "8"], BadRoundArgs("8", ArgProblem.REPEATED)),
        (["easy", "hard"], BadRoundArgs("hard", ArgProblem.REPEATED)),
        (["metrics", "mixed"], BadRoundArgs("mixed", ArgProblem.REPEATED)),
    ],
)
def test_round_arguments_in_any_order_with_clear_errors(words: list[str], expected: object) -> None:
    """/interview [n] [topic|mixed] [level] in any order; out-of-range, unknown and repeated parts are named."""
    assert parse_round_args(words, {"metrics": "Metrics", "deep-learning": "Deep learning"}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("120", 120), ("90s", 90), ("2m", 120), ("2 min", 120), ("off", None), ("0", None)],
)
def test_time_limit_values(text: str, expected: int | None) -> None:
    """Seconds, minutes or off."""
    assert parse_time_limit(text) == expected


@pytest.mark.parametrize("text", ["5", "2h", "soon", "100000", "-5"])
def test_bad_time_limits_are_explained(text: str) -> None:
    """Values out of range or unreadable come back as an InvalidSetting saying what is expected."""
    result = parse_time_limit(text)
    assert isinstance(result, InvalidSetting)
    assert "seconds" in result.expected


@pytest.mark.parametrize(
    ("length", "level", "ladder"),
    [
        (3, 2, (1, 2, 3)),
        (5, 2, (1, 2, 2, 2, 3)),
        (8, 2, (1, 1, 2, 2, 2, 2, 3, 3)),
        (5, 1, (1, 1, 1, 1, 2)),
        (5, 3, (2, 3, 3, 3, 3)),
    ],
)
def test_difficulty_ladder_warms_up_and_ends_harder(length: int, level: int, ladder: tuple[int, ...]) -> None:
    """A warm-up one level below, the core at the level, the end one above (clipped to 1-3)."""
    assert difficulty_ladder(length, level) == ladder


def test_plan_mixes_kinds_and_goes_from_easy_to_hard() -> None:
    """A mixed round of each length has at least three kinds and several topics, in non-decreasing difficulty."""
    bank = real_bank()
    for length in (3, 5, 8):
        plan = plan_round(bank.questions, length=length, level=2, last_seen={}, now=START, seed="alice")
        assert len(plan) == len(set(plan)) == length
        assert [q.difficulty for q in plan] == sorted(q.difficulty for q in plan)
        assert plan[0].difficulty == 1
        assert plan[-1].difficulty == 3
        assert len({q.kind for q in plan}) >= 3
        assert len({q.topic for q in plan}) >= min(length, 3)
    five = plan_round(bank.questions, length=5, level=2, last_seen={}, now=START, seed="alice")
    assert five[0].kind is Kind.CONCEPTUAL  # the warm-up is a concept question


def test_plan_prefers_questions_not_seen_recently() -> None:
    """Questions seen in the last week are avoided while unseen ones of the same kind and level exist."""
    bank = real_bank()
    first = plan_round(bank.questions, length=5, level=2, last_seen={}, now=START, seed=1)
    seen = {q.id: START - timedelta(days=1) for q in first}
    second = plan_round(bank.questions, length=5, level=2, last_seen=seen, now=START, seed=1)
    assert not {q.id for q in first} & {q.id for q in second}
    long_ago = {q.id: START - timedelta(days=60) for q in first}
    third = plan_round(bank.questions, length=5, level=2, last_seen=long_ago, now=START, seed=1)
    assert [q.difficulty for q in third] == [1, 2, 2, 2, 3]


def test_follow_up_is_the_bank_one_sharing_words_with_the_gap_or_none() -> None:
    """The follow-up with most words of the missed concept wins; none sharing any means a phrased one."""
    question = replace(
        make_question("fu"),
        concepts=(
            Concept("alpha", ("alpha",), 1.0),
            Concept("class weights", ("class weights", "cost-sensitive loss"), 2.0),
            Concept("threshold tuning", ("tune the threshold",), 2.0),
        ),
        follow_ups=("How would you tune the decision threshold?", "Why do class weights help a rare class?"),
    )
    terms = real_grader().question_terms
    weights, threshold = question.concepts[1], question.concepts[2]
    assert choose_follow_up(question, [weights], terms) == "Why do class weights help a rare class?"
    assert choose_follow_up(question, [threshold], terms) == "How would you tune the decision threshold?"
    assert choose_follow_up(question, [question.concepts[0]], terms) is None
    assert choose_follow_up(replace(question, follow_ups=()), [weights], terms) is None


def test_follow_up_targets_heavy_gaps_but_not_a_non_answer() -> None:
    """Missed concepts of weight >= 2 are targeted heaviest first; "I don't know" gets no follow-up."""
    question = replace(
        make_question("fu"),
        concepts=(Concept("a", ("alpha",), 1.0), Concept("b", ("beta",), 3.0), Concept("c", ("gamma",), 2.0)),
    )
    grade = Grade(0.6, Verdict.PARTIAL, (), ("b", "c"))
    assert [c.name for c in follow_up_targets(question, grade)] == ["b", "c"]
    assert follow_up_targets(question, replace(grade, missed=("a",), score=0.8)) == ()
    assert [c.name for c in follow_up_targets(question, replace(grade, missed=("a",), score=0.2))] == ["a"]
    assert follow_up_targets(question, replace(grade, score=0.0, notes=("no-answer",))) == ()


def _item(position: int, score: float, **changes: object) -> ItemReport:
    base = ItemReport(
        position=position,
        question_id=f"q{position}",
        question=None,
        topic="t",
        kind="conceptual",
        difficulty=2,
        status=ItemStatus.ANSWERED,
        answer_score=score,
        final_score=score,
        hints_used=0,
        late=False,
        elapsed_s=60,
        contradicted=(),
        missed=(),
        follow_up=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_verdict_rules() -> None:
    """Average sets the verdict; wrong statements and lateness lower it; follow-up recoveries can lift it."""
    topics = [TopicScore("t", "T", 0.8, None)]
    strong = [_item(i, 0.8) for i in range(5)]
    assert verdict_for(strong, topics)[0] is HireVerdict.STRONG_HIRE
    wrong = [_item(0, 0.8, contradicted=("L1 gives sparse weights",)), *strong[1:]]
    verdict, reasons = verdict_for(wrong, topics)
    assert verdict is HireVerdict.LEAN_HIRE
    assert ReasonCode.CONTRADICTIONS in {r.code for r in reasons}
    late = [replace(item, late=True) for item in strong]
    assert verdict_for(late, topics)[0] is HireVerdict.LEAN_HIRE
    recovered = FollowUpReport(None, ("x",), answered=True, score=1.0, credited=("x",), late=False)
    middling = [_item(i, 0.45, follow_up=recovered if i < 3 else None) for i in range(5)]
    verdict, reasons = verdict_for(middling, [TopicScore("t", "T", 0.45, None)])
    assert verdict is HireVerdict.LEAN_HIRE
    assert any(r.code is ReasonCode.RECOVERIES and r.count == 3 and r.of == 3 for r in reasons)
    assert verdict_for([_item(0, 0.1), _item(1, 0.0)], [TopicScore("t", "T", 0.05, None)])[0] is HireVerdict.NO_HIRE
    assert verdict_for([_item(0, 0.0, status=ItemStatus.UNANSWERED, final_score=None)], topics) == (None, ())


# ---- the service -------------------------------------------------------------------------------


async def test_start_plans_a_mixed_round_and_asks_the_first_question(interviews: Interviews) -> None:
    """The round's questions mix kinds and go from easy to hard; the first is asked now, untimed."""
    started = await start(interviews)
    assert started.first.position == 0
    assert started.first.total == DEFAULT_LENGTH
    assert started.first.seconds_left is None
    assert len(set(started.kinds)) >= 3
    assert started.first.question.difficulty == 1
    assert await interviews.current(ALICE) == started.first
    again = await interviews.start(ALICE, RoundSpec(3))
    assert isinstance(again, AlreadyInRound)
    assert again.step == started.first


async def test_unknown_topic_and_a_short_topic(interviews: Interviews) -> None:
    """An unknown topic is refused with the valid ones; a topic smaller than the round shortens it."""
    unknown = await interviews.start(ALICE, RoundSpec(5, "astrology"))
    assert isinstance(unknown, UnknownTopic)
    assert "metrics" in unknown.valid
    smallest = min(interviews.bank.topics, key=lambda t: len(interviews.bank.in_topic(t)))
    size = len(interviews.bank.in_topic(smallest))
    if size >= MAX_LENGTH:
        pytest.skip("every topic has enough questions for the longest round")
    started = await start(interviews, spec=RoundSpec(MAX_LENGTH, smallest))
    assert started.shortened
    assert started.first.total == size
    assert started.first.question.topic == smallest


async def test_a_gap_gets_one_follow_up_that_credits_the_concept(interviews: Interviews, clock: FrozenClock) -> None:
    """An answer missing a heavy concept gets one follow-up; covering it there raises the question's score."""
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    step: RoundStep = started.first
    gap = None
    while gap is None:  # the first question whose gap answer really leaves a gap
        assert isinstance(step, AskedInRound)
        gap = answer_that_leaves_a_gap(step.question)
        if gap is None:
            result = await interviews.answer(ALICE, step.question.model_answer)
            assert isinstance(result, Answered)
            assert not isinstance(result.next, Debrief), "no question in the round could leave a gap"
            step = result.next
            if isinstance(step, FollowUpAsked):
                result = await interviews.answer(ALICE, step.question.model_answer)
                assert isinstance(result, Answered) and not isinstance(result.next, Debrief)
                step = result.next
    question = step.question
    graded = await interviews.answer(ALICE, gap)
    assert isinstance(graded, Answered)
    assert isinstance(graded.graded, AnswerGraded)
    assert graded.graded.follow_up_coming
    follow_up = graded.next
    assert isinstance(follow_up, FollowUpAsked)
    assert follow_up.question == question
    heaviest = max(question.concepts, key=lambda c: c.weight)
    assert follow_up.concepts[0] == heaviest.name
    assert follow_up.text is None or follow_up.text in question.follow_ups
    assert isinstance(await interviews.hint(ALICE), NoHintOnFollowUp)

    recovered = await interviews.answer(ALICE, recovering_answer(follow_up))
    assert isinstance(recovered, Answered)
    credit = recovered.graded
    assert isinstance(credit, FollowUpGraded)
    assert heaviest.name in credit.credited
    total = sum(c.weight for c in question.concepts)
    expected_gain = FOLLOW_UP_CREDIT * sum(c.weight for c in question.concepts if c.name in credit.credited) / total
    assert credit.score_after == pytest.approx(min(1.0, credit.score_before + expected_gain))
    assert credit.score_after > credit.score_before
    # At most one follow-up: the next thing is a new question (or the end), never a second follow-up.
    assert not isinstance(recovered.next, FollowUpAsked)
    if isinstance(recovered.next, AskedInRound):
        assert recovered.next.position == follow_up.position + 1


async def test_a_failed_follow_up_moves_on_without_a_second_one(interviews: Interviews) -> None:
    """A follow-up answered badly earns nothing and the round moves to the next question."""
    started = await start(interviews)
    step: RoundStep = started.first
    for _ in range(DEFAULT_LENGTH):
        assert isinstance(step, AskedInRound)
        gap = answer_that_leaves_a_gap(step.question)
        if gap is not None:
            break
        result = await interviews.answer(ALICE, "I don't know")
        assert isinstance(result, Answered)
        assert isinstance(result.next, AskedInRound)
        step = result.next
    else:
        pytest.fail("no question could leave a gap")
    result = await interviews.answer(ALICE, gap)
    assert isinstance(result, Answered)
    assert isinstance(result.next, FollowUpAsked)
    position = result.next.position
    failed = await interviews.answer(ALICE, "Something entirely unrelated about the weather today.")
    assert isinstance(failed, Answered)
    assert isinstance(failed.graded, FollowUpGraded)
    assert failed.graded.credited == ()
    assert failed.graded.score_after == failed.graded.score_before
    assert not isinstance(failed.next, FollowUpAsked)
    if isinstance(failed.next, AskedInRound):
        assert failed.next.position == position + 1


async def test_hints_in_a_round_lower_the_reachable_score_and_are_counted(
    interviews: Interviews, clock: FrozenClock
) -> None:
    """/hint in a round works like practice: each lowers the best score; the debrief counts them."""
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    total = started.first.hints_total
    assert total >= 1
    hint = await interviews.hint(ALICE)
    assert isinstance(hint, RoundHint)
    assert (hint.index, hint.total, hint.max_score_now) == (1, total, 0.85)
    for _ in range(total - 1):
        assert isinstance(await interviews.hint(ALICE), RoundHint)
    assert isinstance(await interviews.hint(ALICE), NoMoreHints)
    result = await interviews.answer(ALICE, started.first.question.model_answer)
    assert isinstance(result, Answered)
    assert isinstance(result.graded, AnswerGraded)
    assert result.graded.hints_used == total
    assert result.graded.grade.score <= result.graded.grade.max_score < 1.0
    step = result.next
    assert not isinstance(step, Debrief)
    debrief = await play(interviews, ALICE, step, strong_answer, clock)
    assert debrief.hints_used == total


async def test_time_limit_marks_late_answers_and_counts_them_half(interviews: Interviews, clock: FrozenClock) -> None:
    """With a limit, each question shows it; an answer after it is graded, marked late and counts half."""
    assert await interviews.time_limit(ALICE) == TimeLimitSet(None, in_round=False)
    assert isinstance(await interviews.set_time_limit(ALICE, 5), InvalidSetting)
    assert await interviews.set_time_limit(ALICE, 120) == TimeLimitSet(120, in_round=False)
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    assert (started.first.time_limit_s, started.first.seconds_left) == (120, 120)
    clock.advance(seconds=30)
    assert (await interviews.current(ALICE)) == replace(started.first, seconds_left=90)

    clock.advance(seconds=100)  # 130 s after the question: late
    late = await interviews.answer(ALICE, started.first.question.model_answer)
    assert isinstance(late, Answered)
    graded = late.graded
    assert isinstance(graded, AnswerGraded)
    assert graded.late
    assert graded.elapsed_s == 130
    assert graded.counted == pytest.approx(graded.grade.score * LATE_FACTOR)
    next_step = late.next
    if isinstance(next_step, FollowUpAsked):
        follow = await interviews.answer(ALICE, "no idea")
        assert isinstance(follow, Answered)
        next_step = follow.next
    assert isinstance(next_step, AskedInRound)
    assert next_step.seconds_left == 120  # a fresh clock for each question

    assert await interviews.set_time_limit(ALICE, None) == TimeLimitSet(None, in_round=True)
    debrief = await play(interviews, ALICE, next_step, strong_answer, clock)
    assert debrief.time_limit_s == 120  # the round keeps the limit it started with
    assert debrief.late_count == 1
    assert debrief.items[0].late
    assert debrief.items[0].final_score == pytest.approx(graded.counted, abs=0.2)
    assert any(r.code is ReasonCode.LATE and r.count == 1 for r in debrief.reasons)


async def test_a_round_survives_a_restart(
    interviews: Interviews, database_url: str, clock: FrozenClock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """New service objects on a new engine over the same database resume the round where it was."""
    started = await start(interviews)
    clock.advance(minutes=2)
    first = await interviews.answer(ALICE, started.first.question.model_answer)
    assert isinstance(first, Answered)
    before = first.next
    assert not isinstance(before, Debrief)
    if isinstance(before, AskedInRound):
        await interviews.hint(ALICE)

    engine = create_engine_from_url(database_url)
    try:
        restarted = Interviews(Practice(real_bank(), real_grader(), make_sessionmaker(engine), clock))
        resumed = await restarted.current(ALICE)
        assert resumed is not None
        assert resumed.round_id == started.round_id
        assert resumed.position == before.position
        assert resumed.question == before.question
        if isinstance(resumed, AskedInRound) and isinstance(before, AskedInRound):
            assert resumed.hints_used == (1 if before.hints_total else 0)
        debrief = await play(restarted, ALICE, resumed, strong_answer, clock)
        assert debrief.status is RoundStatus.FINISHED
        assert debrief.answered == DEFAULT_LENGTH
    finally:
        await engine.dispose()


async def test_cancel_gives_a_partial_debrief_and_history_lists_it(interviews: Interviews, clock: FrozenClock) -> None:
    """/cancel after two answers: a debrief of those two, the rest unanswered; /history shows it ended early."""
    started = await start(interviews)
    step: RoundStep = started.first
    answered = 0
    while answered < 2:
        clock.advance(minutes=1)
        result = await interviews.answer(ALICE, step.question.model_answer)
        assert isinstance(result, Answered)
        assert not isinstance(result.next, Debrief)
        if isinstance(result.graded, AnswerGraded):
            answered += 1
        step = result.next
    ended = await interviews.cancel(ALICE)
    assert isinstance(ended, RoundEnded)
    debrief = ended.debrief
    assert debrief.status is RoundStatus.CANCELLED
    assert (debrief.answered, debrief.total) == (2, DEFAULT_LENGTH)
    assert [item.status for item in debrief.items][2:] == [ItemStatus.UNANSWERED] * 3
    assert debrief.score is not None
    assert debrief.verdict is not None
    assert debrief.duration_s >= 120
    assert len(debrief.next_steps) == 3
    assert await interviews.current(ALICE) is None
    assert await interviews.cancel(ALICE) == NoActiveRound()
    assert await interviews.answer(ALICE, "hello") == NoActiveRound()

    history = await interviews.history(ALICE)
    assert len(history.rounds) == 1
    summary = history.rounds[0]
    assert (summary.status, summary.answered, summary.total) == (RoundStatus.CANCELLED, 2, DEFAULT_LENGTH)
    assert summary.score == debrief.score
    assert summary.verdict is debrief.verdict
    assert await interviews.debrief(ALICE, started.round_id) == debrief


async def test_cancel_before_any_answer_has_no_verdict(interviews: Interviews) -> None:
    """Cancelled straight away: a debrief with nothing answered, no verdict and still next steps."""
    await start(interviews)
    ended = await interviews.cancel(ALICE)
    assert isinstance(ended, RoundEnded)
    assert ended.debrief.answered == 0
    assert ended.debrief.score is None
    assert ended.debrief.verdict is None
    assert ended.debrief.reasons == ()


async def test_strong_and_weak_rounds_get_different_verdicts_and_next_steps(
    interviews: Interviews, clock: FrozenClock
) -> None:
    """Model answers earn a hire and stretch questions; "I don't know" earns no hire and reviews of the round."""
    strong_start = await start(interviews, ALICE)
    strong = await play(interviews, ALICE, strong_start.first, strong_answer, clock)
    weak_start = await start(interviews, BOB)
    weak = await play(interviews, BOB, weak_start.first, weak_answer, clock)

    assert strong.verdict in {HireVerdict.STRONG_HIRE, HireVerdict.LEAN_HIRE}
    assert weak.verdict is HireVerdict.NO_HIRE
    assert strong.score is not None and weak.score is not None
    assert strong.score > 0.7
    assert weak.score < 0.1
    assert strong.strengths and not strong.gaps
    assert weak.gaps and not weak.strengths

    assert len(strong.next_steps) == len(weak.next_steps) == 3
    assert {s.kind for s in strong.next_steps} == {StepKind.STRETCH}
    weak_kinds = [s.kind for s in weak.next_steps]
    assert weak_kinds[:2] == [StepKind.REVIEW, StepKind.REVIEW]
    weak_round = {item.question_id for item in weak.items}
    assert all(s.question.id in weak_round for s in weak.next_steps if s.kind is StepKind.REVIEW)
    strong_round = {item.question_id for item in strong.items}
    assert not {s.question.id for s in strong.next_steps} & strong_round  # new questions, not this round's
    assert [s.question.id for s in strong.next_steps] != [s.question.id for s in weak.next_steps]
    assert all(item.follow_up is None for item in weak.items)  # "I don't know" gets no follow-up


async def test_pass_counts_zero_and_stale_buttons_are_refused(interviews: Interviews) -> None:
    """Pass moves on with 0; a button naming another position or a finished round is stale."""
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    rid = started.round_id
    assert await interviews.pass_question(ALICE, rid, 0, follow_up=True) == NoActiveRound(stale=True)
    passed = await interviews.pass_question(ALICE, rid, 0)
    assert isinstance(passed, Answered)
    assert isinstance(passed.graded, QuestionPassed)
    assert passed.graded.score == 0.0
    assert await interviews.pass_question(ALICE, rid, 0) == NoActiveRound(stale=True)  # the old question's button
    assert await interviews.hint(ALICE, rid, 0) == NoActiveRound(stale=True)
    await interviews.cancel(ALICE)
    assert await interviews.cancel(ALICE, rid) == NoActiveRound(stale=True)
    assert await interviews.hint(ALICE, rid, 1) == NoActiveRound(stale=True)


async def test_another_user_cannot_touch_my_round(
    interviews: Interviews, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Bob, with Alice's round id from a forged button, can neither answer, hint, pass nor cancel it."""
    started = await start(interviews, ALICE)
    rid = started.round_id
    await interviews.time_limit(BOB)  # Bob exists
    assert await interviews.answer(BOB, started.first.question.model_answer) == NoActiveRound()
    assert await interviews.cancel(BOB, rid) == NoActiveRound(stale=True)
    assert await interviews.hint(BOB, rid, 0) == NoActiveRound(stale=True)
    assert await interviews.pass_question(BOB, rid, 0) == NoActiveRound(stale=True)
    assert await interviews.debrief(BOB, rid) is None
    assert (await interviews.history(BOB)).rounds == ()
    assert await interviews.current(ALICE) == started.first  # untouched: no hint used, still question 1
    assert await count(sessionmaker, InterviewRound, BOB.id) == 0


async def test_a_round_puts_the_practice_question_aside_and_records_attempts(
    interviews: Interviews, practice: Practice
) -> None:
    """Starting a round skips an open practice question; round answers count in /stats like practice ones."""
    asked = await practice.ask(ALICE)
    assert isinstance(asked, Asked)
    started = await start(interviews)
    assert started.put_aside == asked.question
    assert await practice.open_question(ALICE.id) is None
    result = await interviews.answer(ALICE, started.first.question.model_answer)
    assert isinstance(result, Answered)
    stats = await practice.stats(ALICE)
    assert stats.answered == 1


async def test_delete_me_removes_rounds_and_counts_them(
    interviews: Interviews, practice: Practice, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """/delete_me removes the user's rounds and items too, and the count includes them."""
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    result = await interviews.answer(ALICE, started.first.question.model_answer)
    assert isinstance(result, Answered)
    await start(interviews, BOB)
    removed = await practice.delete_user(ALICE.id)
    # user + 1 attempt + 1 review + 1 round + 3 items
    assert removed == 1 + 1 + 1 + 1 + MIN_LENGTH
    assert await count(sessionmaker, InterviewRound, ALICE.id) == 0
    assert await count(sessionmaker, InterviewItem, ALICE.id) == 0
    assert await count(sessionmaker, InterviewRound, BOB.id) == 1


def test_the_longest_debrief_fits_one_message_with_its_next_steps() -> None:
    """Ten questions with long concept names, all late, all with follow-ups: the debrief still fits
    Telegram's 4,096 characters, next steps included (question lines get terser instead)."""
    bank = real_bank()
    longest = sorted(bank.questions, key=lambda q: -len(q.question))[:MAX_LENGTH]
    reports = []
    for position, question in enumerate(longest):
        names = tuple(sorted((c.name for c in question.concepts), key=len)[-3:])
        follow_up = FollowUpReport(None, names, answered=True, score=1.0, credited=names, late=True)
        reports.append(
            replace(
                _item(position, 0.6),
                question_id=question.id,
                question=question,
                topic=question.topic,
                hints_used=2,
                late=True,
                contradicted=names[:1],
                follow_up=follow_up,
            )
        )
    facts = RoundFacts(1, RoundSpec(MAX_LENGTH, None, 2), RoundStatus.FINISHED, START, None, time_limit_s=60)
    debrief = build_debrief(facts, reports, bank, all_time={}, seen=set(), now=START + timedelta(hours=1))
    text = debrief_texts.debrief(debrief, bank.topics)
    assert len(text) <= 4096
    assert "Next steps" in text
    assert text.rstrip().endswith("</i>")  # the closing line about the buttons survived
    assert f"{MAX_LENGTH}. " in text


async def test_a_question_that_leaves_the_bank_mid_round_is_skipped(interviews: Interviews, practice: Practice) -> None:
    """The bank is reloaded without the current question: the answer moves on, the question does not count."""
    started = await start(interviews, spec=RoundSpec(MIN_LENGTH))
    gone = started.first.question
    bank = practice.bank
    practice.replace_bank(Bank(tuple(q for q in bank.questions if q.id != gone.id), bank.topics, bank.glossary))
    assert interviews.bank is practice.bank  # the service follows a reload
    result = await interviews.answer(ALICE, "anything at all")
    assert isinstance(result, Answered)
    assert isinstance(result.graded, QuestionPassed)
    assert result.graded.question is None
    assert isinstance(result.next, AskedInRound)
    assert result.next.position == 1
    ended = await interviews.cancel(ALICE)
    assert isinstance(ended, RoundEnded)
    first = ended.debrief.items[0]
    assert (first.status, first.question, first.final_score) == (ItemStatus.UNANSWERED, None, None)
    assert ended.debrief.answered == 0
    assert "no longer in the bank" in debrief_texts.debrief(ended.debrief, bank.topics)


async def test_a_daily_question_during_a_round_waits_for_the_round_to_end(
    practice: Practice, preferences: Preferences, interviews: Interviews, conversation: Conversation, clock: FrozenClock
) -> None:
    """The push still comes (marked in_round) and stays open; free text answers the round until
    it ends, then the daily question."""
    await practice.touch_user(ALICE)
    await preferences.subscribe(ALICE, clock.now.strftime("%H:%M"), "UTC")
    clock.advance(days=1, seconds=30)
    started = await start(interviews, spec=RoundSpec(3))
    claims = await DailyPush(practice, instance="test").claim_due()
    assert [(c.user_id, c.in_round) for c in claims] == [(ALICE.id, True)]
    daily_question = claims[0].question
    in_round = await conversation.answer(ALICE, "an answer meant for the round")
    assert isinstance(in_round, Answered), "the round still takes free text"
    assert isinstance(in_round.graded, AnswerGraded)
    assert in_round.graded.question == started.first.question
    assert isinstance(await interviews.cancel(ALICE), RoundEnded)
    after = await conversation.answer(ALICE, daily_question.example_answers[0])
    assert isinstance(after, Feedback)
    assert after.question.id == daily_question.id
