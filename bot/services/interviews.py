"""Mock interview rounds in the database: start, answer, follow up, hint, pass, cancel, debrief, history.

The rules (planning, follow-ups, lateness, verdicts) are pure and live in
``bot.domain.interview``; this service applies them to a user's rows. Main answers are also
recorded as practice attempts (so ``/stats`` and spaced repetition see them); follow-ups and
passes are not. Like ``Practice``, every public method is one transaction, scoped by the
acting user's id, and returns frozen dataclasses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from statistics import fmean

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.bank import Bank
from bot.domain.grading import Grader
from bot.domain.interview.debrief import build_debrief
from bot.domain.interview.plan import (
    choose_follow_up,
    follow_up_gain,
    follow_up_question,
    follow_up_targets,
    plan_round,
)
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    AnswerGraded,
    AskedInRound,
    Debrief,
    FollowUpAsked,
    FollowUpGraded,
    FollowUpReport,
    History,
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
    RoundSummary,
    TimeLimitSet,
)
from bot.domain.interview.rules import (
    HISTORY_ROUNDS,
    LATE_FACTOR,
    LEVELS,
    MAX_LENGTH,
    MAX_TIME_LIMIT_S,
    MIN_LENGTH,
    MIN_TIME_LIMIT_S,
    HireVerdict,
    ItemStatus,
    RoundStatus,
    Stage,
    is_late,
    seconds_left,
)
from bot.domain.models import Question
from bot.domain.pool import QuestionPool
from bot.domain.practice import (
    MAX_ANSWER_CHARS,
    EmptyPool,
    Feedback,
    NoMoreHints,
    NoOpenQuestion,
    UnknownTopic,
    reachable_score,
)
from bot.domain.users import InvalidSetting, UserRef, user_id_of
from bot.services.practice import Practice
from bot.storage import interviews as store
from bot.storage import repository
from bot.storage.models import InterviewItem, InterviewRound, User

logger = logging.getLogger(__name__)


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


# ---- the service ------------------------------------------------------------------------------


class Interviews:
    """Mock interview rounds over the practice service's bank, grader, database and clock."""

    def __init__(self, practice: Practice) -> None:
        self.practice = practice

    @property
    def bank(self) -> Bank:
        """The practice service's bank, read on every use: it may be reloaded while the bot runs."""
        return self.practice.bank

    # ---- settings -------------------------------------------------------------------------------

    async def set_time_limit(self, who: UserRef, seconds: int | None) -> TimeLimitSet | InvalidSetting:
        """Set the per-question time limit (``MIN_TIME_LIMIT_S``..``MAX_TIME_LIMIT_S``), or None for none."""
        if seconds is not None and not MIN_TIME_LIMIT_S <= seconds <= MAX_TIME_LIMIT_S:
            expected = f"{MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S} seconds, or off"
            return InvalidSetting("time limit", str(seconds), expected)
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            user.interview_time_limit_s = seconds
            active = await store.active_round(session=session, user_id=user.id)
            return TimeLimitSet(seconds, in_round=active is not None)

    async def time_limit(self, who: UserRef) -> TimeLimitSet:
        """The user's per-question time limit."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await store.active_round(session=session, user_id=user.id)
            return TimeLimitSet(user.interview_time_limit_s, in_round=active is not None)

    # ---- the round --------------------------------------------------------------------------------

    async def start(self, who: UserRef, spec: RoundSpec) -> RoundStarted | AlreadyInRound | UnknownTopic | EmptyPool:
        """Plan a round and ask its first question; a practice question still open is put aside.

        The round draws from the bank and the user's own private decks, like practice does."""
        if not MIN_LENGTH <= spec.length <= MAX_LENGTH or spec.level not in LEVELS:
            raise ValueError(f"invalid round {spec!r}: parse_round_args checks what users type")
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            pool = self.practice.pool_of(user)
            if spec.topic is not None and spec.topic not in pool.bank.topics:
                return UnknownTopic(spec.topic, tuple(pool.bank.topics))
            active = await store.active_round(session=session, user_id=user.id, for_update=True)
            if active is not None:
                items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
                step = self._step(pool, active, items, now)
                if step is not None:
                    return AlreadyInRound(step)
                active.status = RoundStatus.CANCELLED  # nothing left to ask in it (the bank changed)
                active.finished_at = now
            candidates = [q for q in pool.bank.questions if spec.topic is None or q.topic == spec.topic]
            if not candidates:
                return EmptyPool((spec.topic,) if spec.topic else (), spec.level)
            reviews = await repository.list_reviews(session=session, user_id=user.id)
            started_before = await store.count_rounds(session=session, user_id=user.id)
            plan = plan_round(
                candidates,
                length=spec.length,
                level=spec.level,
                last_seen={r.question_id: r.last_seen_at for r in reviews},
                now=now,
                seed=f"{user.id}:{started_before}",
            )
            put_aside = await self.practice.close_open_in(session, user, now)
            round_row = InterviewRound(
                user_id=user.id,
                topic=spec.topic,
                level=spec.level,
                length=len(plan),
                status=RoundStatus.ACTIVE,
                position=0,
                time_limit_s=user.interview_time_limit_s,
                started_at=now,
            )
            items = [
                InterviewItem(
                    user_id=user.id,
                    position=position,
                    question_id=q.id,
                    topic=q.topic,
                    kind=q.kind.value,
                    difficulty=q.difficulty,
                    stage=Stage.ASKED if position == 0 else Stage.PENDING,
                    asked_at=now if position == 0 else None,
                    hints_used=0,
                    covered=[],
                    missed=[],
                    contradicted=[],
                    follow_up_concepts=[],
                    follow_up_credited=[],
                )
                for position, q in enumerate(plan)
            ]
            await store.add_round(session=session, round_row=round_row, items=items)
            logger.info("User %d started interview round %d (%d questions)", user.id, round_row.id, len(plan))
            first = self._asked(round_row, items[0], plan[0], now)
            return RoundStarted(round_row.id, spec, first, tuple(q.kind for q in plan), put_aside)

    async def current(self, who: UserRef) -> RoundStep | None:
        """Where the user's round stands (for reminders), or None without one. Changes nothing but last-seen."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await store.active_round(session=session, user_id=user.id)
            if active is None:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
            return self._step(self.practice.pool_of(user), active, items, now)

    async def answer(self, who: UserRef, text: str) -> Answered | NoActiveRound:
        """Grade an answer to the round's current question or follow-up and move the round on."""
        now = self.practice.now()
        graded_text = text[:MAX_ANSWER_CHARS]
        truncated = len(text) > MAX_ANSWER_CHARS
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, None, None)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            pool = self.practice.pool_of(user)
            item = items[round_row.position]
            question = pool.get(item.question_id)
            if question is None:
                return await self._pass(session, user, round_row, items, question=None, now=now)
            grader = pool.grader_for(question)
            if item.stage == Stage.FOLLOW_UP:
                graded: AnswerGraded | FollowUpGraded = self._grade_follow_up(
                    round_row, item, question, graded_text, grader=grader, now=now
                )
            else:
                graded = await self._grade_answer(
                    session, user, round_row, item, grader=grader, question=question, text=graded_text, now=now
                )
            if truncated:
                graded = replace(graded, truncated=True)
            if isinstance(graded, AnswerGraded) and graded.follow_up_coming:
                step = self._step(pool, round_row, items, now)
                assert step is not None
                return Answered(graded, step)
            return Answered(graded, await self._advance(session, user, round_row, items, now))

    async def answer_any(self, who: UserRef, text: str) -> Answered | Feedback | NoOpenQuestion:
        """Free text: the answer to the round's question if a round is running, else to the open
        practice question (``Practice.answer``), else ``NoOpenQuestion``.

        Most users have no round: for them the check and the practice answer share one
        transaction, so a message costs one BEGIN and one COMMIT.
        """
        async with self.practice.transaction() as session:
            if await store.active_round(session=session, user_id=user_id_of(who)) is None:
                return await self.practice.answer_in(session, who, text)
        in_round = await self.answer(who, text)
        if isinstance(in_round, NoActiveRound):  # the round ended in between
            return await self.practice.answer(who, text)
        return in_round

    async def pass_question(
        self, who: UserRef, round_id: int | None = None, position: int | None = None, *, follow_up: bool = False
    ) -> Answered | NoActiveRound:
        """Pass on the current question (it counts 0) or, with ``follow_up``, its follow-up (no credit).

        With ``round_id`` and ``position`` (from a button) they must be current, and the stage
        must match ``follow_up``, else the result is stale.
        """
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            item = items[round_row.position]
            if round_id is not None and (item.stage == Stage.FOLLOW_UP) != follow_up:
                return NoActiveRound(stale=True)
            question = self.practice.pool_of(user).get(item.question_id)
            return await self._pass(session, user, round_row, items, question=question, now=now)

    async def hint(
        self, who: UserRef, round_id: int | None = None, position: int | None = None
    ) -> RoundHint | NoMoreHints | NoHintOnFollowUp | NoActiveRound:
        """The next hint of the round's current question; each lowers its reachable score, as in practice."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            pool = self.practice.pool_of(user)
            item = items[round_row.position]
            question = pool.get(item.question_id)
            step = self._step(pool, round_row, items, now)
            if isinstance(step, FollowUpAsked):
                if round_id is not None:
                    return NoActiveRound(stale=True)  # the Hint button belongs to the question, now past
                return NoHintOnFollowUp(step)
            total = len(question.hints) if question else 0
            if question is None or item.hints_used >= total:
                return NoMoreHints(total)
            item.hints_used += 1
            return RoundHint(
                round_row.id,
                item.position,
                question.hints[item.hints_used - 1],
                item.hints_used,
                total,
                reachable_score(item.hints_used),
            )

    async def cancel(self, who: UserRef, round_id: int | None = None) -> RoundEnded | NoActiveRound:
        """End the round now, with a debrief of what was answered (``round_id`` from a button must be current)."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, None)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            debrief = await self._finish(session, user, round_row, items, status=RoundStatus.CANCELLED, now=now)
            logger.info("User %d cancelled interview round %d", user.id, round_row.id)
            return RoundEnded(debrief)

    async def history(self, who: UserRef, limit: int = HISTORY_ROUNDS) -> History:
        """The user's rounds, newest first (the one in progress included)."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            rounds = await store.list_rounds(session=session, user_id=user.id, limit=limit)
            summaries = []
            for row in rounds:
                items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
                answered = sum(item.stage in {Stage.DONE, Stage.PASSED, Stage.FOLLOW_UP} for item in items)
                summaries.append(
                    RoundSummary(
                        round_id=row.id,
                        started_at=row.started_at,
                        status=RoundStatus(row.status),
                        topic=row.topic,
                        level=row.level,
                        answered=answered,
                        total=row.length,
                        score=row.score,
                        verdict=HireVerdict(row.verdict) if row.verdict else None,
                    )
                )
            return History(tuple(summaries), user.timezone)

    async def debrief(self, who: UserRef, round_id: int) -> Debrief | None:
        """The debrief of one of the user's ended rounds (None: no such round of theirs, or still running)."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await store.get_round(session=session, user_id=user.id, round_id=round_id)
            if row is None or row.status == RoundStatus.ACTIVE:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
            return await self._debrief(session, user, row, items, now)

    # ---- internals --------------------------------------------------------------------------------

    async def _locked(
        self, session: AsyncSession, who: UserRef, round_id: int | None, position: int | None
    ) -> tuple[User, InterviewRound, list[InterviewItem]] | NoActiveRound:
        """The locked user, their active round and its items; or why there is none.

        ``round_id`` and ``position`` come from buttons: they must name the user's own round
        in progress (and its current question), else the button is stale. The lookup is by
        the acting user's id, so another user's round id is simply not found.
        """
        stale = round_id is not None
        # Most free text comes from users with no round: one read, no write, and the practice
        # loop (which refreshes the user anyway) takes over. Otherwise lock user, then round.
        if await store.active_round(session=session, user_id=user_id_of(who)) is None:
            return NoActiveRound(stale=stale)
        user = await self.practice.user_in(session, who)
        round_row = await store.active_round(session=session, user_id=user.id, for_update=True)
        if round_row is None or (round_id is not None and round_row.id != round_id):
            return NoActiveRound(stale=stale)
        items = await store.round_items(session=session, user_id=user.id, round_id=round_row.id)
        if not 0 <= round_row.position < len(items):
            return NoActiveRound(stale=stale)
        if position is not None and position != round_row.position:
            return NoActiveRound(stale=True)
        return user, round_row, items

    def _asked(self, round_row: InterviewRound, item: InterviewItem, question: Question, now: datetime) -> AskedInRound:
        return AskedInRound(
            round_id=round_row.id,
            position=item.position,
            total=round_row.length,
            question=question,
            hints_used=item.hints_used,
            time_limit_s=round_row.time_limit_s,
            seconds_left=seconds_left(item.asked_at, round_row.time_limit_s, now),
        )

    def _step(
        self, pool: QuestionPool, round_row: InterviewRound, items: Sequence[InterviewItem], now: datetime
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
        return self._asked(round_row, item, question, now)

    async def _grade_answer(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        item: InterviewItem,
        *,
        grader: Grader,
        question: Question,
        text: str,
        now: datetime,
    ) -> AnswerGraded:
        grade = grader.grade(question, text, hints_used=item.hints_used)
        late = is_late(item.asked_at, round_row.time_limit_s, now)
        await self.practice.record_answer_in(
            session, user.id, question, grade, answer_text=text, hints_used=item.hints_used, now=now
        )
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
            item.follow_up_text = choose_follow_up(question, targets, grader.question_terms)
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
            elapsed_s=_elapsed(item.asked_at, now),
            counted=counted,
            follow_up_coming=bool(targets),
            time_limit_s=round_row.time_limit_s,
        )

    def _grade_follow_up(
        self,
        round_row: InterviewRound,
        item: InterviewItem,
        question: Question,
        text: str,
        *,
        grader: Grader,
        now: datetime,
    ) -> FollowUpGraded:
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
            elapsed_s=_elapsed(item.follow_up_asked_at, now),
            score_before=before,
            score_after=after,
            time_limit_s=round_row.time_limit_s,
        )

    async def _pass(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: list[InterviewItem],
        *,
        question: Question | None,
        now: datetime,
    ) -> Answered:
        item = items[round_row.position]
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
        passed = QuestionPassed(
            round_row.id, item.position, round_row.length, question, follow_up, item.final_score or 0.0
        )
        return Answered(passed, await self._advance(session, user, round_row, items, now))

    async def _advance(
        self, session: AsyncSession, user: User, round_row: InterviewRound, items: list[InterviewItem], now: datetime
    ) -> RoundStep | Debrief:
        """Ask the next question the user's pool still has, or finish the round with its debrief."""
        pool = self.practice.pool_of(user)
        while round_row.position + 1 < len(items):
            round_row.position += 1
            item = items[round_row.position]
            question = pool.get(item.question_id)
            if question is not None:
                item.stage = Stage.ASKED
                item.asked_at = now
                return self._asked(round_row, item, question, now)
        return await self._finish(session, user, round_row, items, status=RoundStatus.FINISHED, now=now)

    async def _finish(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: list[InterviewItem],
        *,
        status: RoundStatus,
        now: datetime,
    ) -> Debrief:
        round_row.status = status
        round_row.finished_at = now
        debrief = await self._debrief(session, user, round_row, items, now)
        round_row.score = debrief.score
        round_row.verdict = debrief.verdict.value if debrief.verdict else None
        logger.info("User %d ended interview round %d: %s", user.id, round_row.id, round_row.verdict)
        return debrief

    async def _debrief(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: Sequence[InterviewItem],
        now: datetime,
    ) -> Debrief:
        attempts = await repository.list_attempts(session=session, user_id=user.id)
        reviews = await repository.list_reviews(session=session, user_id=user.id)
        bank = self.practice.pool_of(user).bank
        by_topic: dict[str, list[float]] = {}
        for attempt in attempts:
            if not attempt.gave_up:
                by_topic.setdefault(attempt.topic, []).append(attempt.score)
        return build_debrief(
            _facts(round_row),
            [item_report(item, bank) for item in items],
            bank,
            all_time={topic: fmean(scores) for topic, scores in by_topic.items()},
            seen={r.question_id for r in reviews},
            now=now,
        )


def _elapsed(since: datetime | None, now: datetime) -> int:
    return max(0, int((now - since).total_seconds())) if since is not None else 0


def _facts(round_row: InterviewRound) -> RoundFacts:
    """What the debrief needs from a round row."""
    return RoundFacts(
        round_id=round_row.id,
        spec=RoundSpec(round_row.length, round_row.topic, round_row.level),
        status=RoundStatus(round_row.status),
        started_at=round_row.started_at,
        finished_at=round_row.finished_at,
        time_limit_s=round_row.time_limit_s,
    )
