"""A round's rows, read and written the same way everywhere: its current step, a graded answer, a follow-up, a pass.

These functions change the ORM objects of one round in memory (the caller's transaction
writes them) and build the domain's results from them; ``bot.services.interviews`` decides
when each happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain.bank import Bank
from bot.domain.grading import Grade, Grader
from bot.domain.interview.plan import choose_follow_up, follow_up_gain, follow_up_question, follow_up_targets
from bot.domain.interview.results import (
    AnswerGraded,
    AskedInRound,
    FollowUpAsked,
    FollowUpGraded,
    FollowUpReport,
    ItemReport,
    QuestionPassed,
    RoundFacts,
    RoundSpec,
    RoundStep,
)
from bot.domain.interview.rules import LATE_FACTOR, ItemStatus, RoundStatus, Stage, is_late, seconds_left
from bot.domain.models import Question
from bot.domain.pool import QuestionPool
from bot.storage.models import InterviewItem, InterviewRound


def asked_step(round_row: InterviewRound, item: InterviewItem, question: Question, now: datetime) -> AskedInRound:
    return AskedInRound(
        round_id=round_row.id,
        position=item.position,
        total=round_row.length,
        question=question,
        hints_used=item.hints_used,
        time_limit_s=round_row.time_limit_s,
        seconds_left=seconds_left(item.asked_at, round_row.time_limit_s, now),
    )


def current_step(
    pool: QuestionPool, round_row: InterviewRound, items: Sequence[InterviewItem], now: datetime
) -> RoundStep | None:
    """The current question or follow-up of a round (None: nothing left that the user's pool still has)."""
    if not 0 <= round_row.position < len(items):
        return None
    item = items[round_row.position]
    question = pool.get(item.question_id)
    if question is None:
        return None
    if item.stage == Stage.FOLLOW_UP:
        return FollowUpAsked(
            round_id=round_row.id,
            position=item.position,
            total=round_row.length,
            question=question,
            text=item.follow_up_text,
            concepts=tuple(item.follow_up_concepts),
            time_limit_s=round_row.time_limit_s,
            seconds_left=seconds_left(item.follow_up_asked_at, round_row.time_limit_s, now),
        )
    return asked_step(round_row, item, question, now)


def record_answer(
    round_row: InterviewRound,
    item: InterviewItem,
    question: Question,
    grade: Grade,
    *,
    text: str,
    question_terms: Callable[[str], frozenset[str]],
    now: datetime,
) -> AnswerGraded:
    """Store a graded answer on its item, with the follow-up it earns (if any); what it counts for in the round."""
    late = is_late(item.asked_at, round_row.time_limit_s, now)
    counted = grade.score * (LATE_FACTOR if late else 1.0)
    item.answer_text = text
    item.answered_at = now
    item.score = grade.score
    item.max_score = grade.max_score
    item.verdict = grade.verdict.value
    item.covered = [c.name for c in grade.covered]
    item.missed = list(grade.missed)
    item.contradicted = [c.name for c in grade.contradicted]
    item.late = late
    item.final_score = counted
    targets = follow_up_targets(question, grade)
    if targets:
        item.stage = Stage.FOLLOW_UP
        item.follow_up_text = choose_follow_up(question, targets, question_terms)
        item.follow_up_concepts = [c.name for c in targets]
        item.follow_up_asked_at = now
    else:
        item.stage = Stage.DONE
    return AnswerGraded(
        round_id=round_row.id,
        position=item.position,
        total=round_row.length,
        question=question,
        grade=grade,
        hints_used=item.hints_used,
        late=late,
        elapsed_s=elapsed(item.asked_at, now),
        counted=counted,
        follow_up_coming=bool(targets),
        time_limit_s=round_row.time_limit_s,
    )


def grade_follow_up(
    round_row: InterviewRound,
    item: InterviewItem,
    question: Question,
    text: str,
    *,
    grader: Grader,
    now: datetime,
) -> FollowUpGraded:
    """Grade a follow-up answer against the concepts it targets, and credit what it recovers."""
    targets = [c for name in item.follow_up_concepts for c in question.concepts if c.name == name]
    restricted = follow_up_question(question, targets, item.follow_up_text)
    grade = grader.grade(restricted, text)
    credited = tuple(c.name for c in grade.covered)
    late = is_late(item.follow_up_asked_at, round_row.time_limit_s, now)
    before = item.final_score or 0.0
    cap = item.max_score if item.max_score is not None else 1.0
    gain = follow_up_gain(question, credited, cap) * (LATE_FACTOR if late else 1.0)
    after = max(before, min(cap, before + gain))
    item.follow_up_answer = text
    item.follow_up_answered_at = now
    item.follow_up_score = grade.coverage
    item.follow_up_credited = list(credited)
    item.follow_up_late = late
    item.final_score = after
    item.stage = Stage.DONE
    return FollowUpGraded(
        round_id=round_row.id,
        position=item.position,
        total=round_row.length,
        question=question,
        concepts=tuple(item.follow_up_concepts),
        grade=grade,
        credited=credited,
        late=late,
        elapsed_s=elapsed(item.follow_up_asked_at, now),
        score_before=before,
        score_after=after,
        time_limit_s=round_row.time_limit_s,
    )


def record_pass(
    round_row: InterviewRound, item: InterviewItem, question: Question | None, now: datetime
) -> QuestionPassed:
    """A pass on the current question (it counts 0) or its follow-up (no credit), or on a question that
    left the bank (it does not count)."""
    follow_up = item.stage == Stage.FOLLOW_UP
    if follow_up:
        item.follow_up_answered_at = now
        item.follow_up_score = 0.0
        item.stage = Stage.DONE
    else:
        item.answered_at = now
        item.score = 0.0
        item.final_score = 0.0 if question is not None else None
        item.stage = Stage.PASSED
    return QuestionPassed(round_row.id, item.position, round_row.length, question, follow_up, item.final_score or 0.0)


def item_report(item: InterviewItem, bank: Bank) -> ItemReport:
    """An item row as the debrief shows it."""
    stage = Stage(item.stage)
    status = {
        Stage.DONE: ItemStatus.ANSWERED,
        Stage.FOLLOW_UP: ItemStatus.ANSWERED,
        Stage.PASSED: ItemStatus.PASSED,
    }.get(stage, ItemStatus.UNANSWERED)
    if status is ItemStatus.PASSED and item.final_score is None:
        status = ItemStatus.UNANSWERED  # skipped because the question left the bank: it does not count
    follow_up = None
    if item.follow_up_concepts:
        follow_up = FollowUpReport(
            text=item.follow_up_text,
            concepts=tuple(item.follow_up_concepts),
            answered=item.follow_up_answered_at is not None,
            score=item.follow_up_score,
            credited=tuple(item.follow_up_credited),
            late=item.follow_up_late,
        )
    elapsed = None
    if item.asked_at is not None and item.answered_at is not None:
        elapsed = (item.answered_at - item.asked_at).total_seconds()
        if item.follow_up_asked_at is not None and item.follow_up_answered_at is not None:
            elapsed += (item.follow_up_answered_at - item.follow_up_asked_at).total_seconds()
    return ItemReport(
        position=item.position,
        question_id=item.question_id,
        question=bank.get(item.question_id),
        topic=item.topic,
        kind=item.kind,
        difficulty=item.difficulty,
        status=status,
        answer_score=item.score,
        final_score=item.final_score if status is not ItemStatus.UNANSWERED else None,
        hints_used=item.hints_used,
        late=item.late,
        elapsed_s=None if elapsed is None else int(elapsed),
        contradicted=tuple(item.contradicted),
        missed=tuple(item.missed),
        follow_up=follow_up,
    )


def elapsed(since: datetime | None, now: datetime) -> int:
    """Whole seconds since ``since`` (0 if it never started)."""
    return max(0, int((now - since).total_seconds())) if since is not None else 0


def facts_of(round_row: InterviewRound) -> RoundFacts:
    """What the debrief needs from a round row."""
    return RoundFacts(
        round_id=round_row.id,
        spec=RoundSpec(round_row.length, round_row.topic, round_row.level),
        status=RoundStatus(round_row.status),
        started_at=round_row.started_at,
        finished_at=round_row.finished_at,
        time_limit_s=round_row.time_limit_s,
    )
