"""Mock interview rounds in the database: start, answer, follow up, hint, pass, cancel, debrief, history.

The rules (planning, follow-ups, lateness, verdicts) are pure and live in
``bot.domain.interview``; how a round's rows record each step is in
``bot.services.interview_rows``; this service decides when each step happens. Main answers
are also recorded as practice attempts (so ``/stats`` and spaced repetition see them);
follow-ups and passes are not. Like ``Practice``, every public method is one transaction,
scoped by the acting user's id, and returns frozen dataclasses. The ``_in`` methods are the
same steps on a round the caller has already locked with ``active_in``: the conversation
service uses them to decide between a round and practice in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import fmean

from bot.domain.bank import Bank
from bot.domain.interview.debrief import build_debrief
from bot.domain.interview.plan import plan_round
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    AnswerGraded,
    Debrief,
    FollowUpAsked,
    FollowUpGraded,
    History,
    NoActiveRound,
    NoHintOnFollowUp,
    RoundEnded,
    RoundHint,
    RoundSpec,
    RoundStarted,
    RoundStep,
    RoundSummary,
    TimeLimitSet,
)
from bot.domain.interview.rules import (
    HISTORY_ROUNDS,
    LEVELS,
    MAX_LENGTH,
    MAX_TIME_LIMIT_S,
    MIN_LENGTH,
    MIN_TIME_LIMIT_S,
    HireVerdict,
    RoundStatus,
    Stage,
)
from bot.domain.models import Question
from bot.domain.practice import MAX_ANSWER_CHARS, EmptyPool, NoMoreHints, UnknownTopic, reachable_score
from bot.domain.users import InvalidSetting, UserRef, user_id_of
from bot.services.interview_rows import (
    asked_step,
    current_step,
    facts_of,
    grade_follow_up,
    item_report,
    record_answer,
    record_pass,
)
from bot.services.practice import Practice
from bot.storage import interviews as store
from bot.storage import repository
from bot.storage.models import InterviewItem, InterviewRound, User
from bot.storage.unit_of_work import Session

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ActiveRound:
    """A user's round in progress, locked for this transaction, with its questions in order."""

    row: InterviewRound
    items: list[InterviewItem]

    @property
    def item(self) -> InterviewItem:
        """The question being asked now."""
        return self.items[self.row.position]


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
        async with self.practice.transaction() as session:
            return await self.start_in(session, await self.practice.user_in(session, who), spec)

    async def start_in(
        self, session: Session, user: User, spec: RoundSpec
    ) -> RoundStarted | AlreadyInRound | UnknownTopic | EmptyPool:
        """``start`` inside the caller's transaction."""
        if not MIN_LENGTH <= spec.length <= MAX_LENGTH or spec.level not in LEVELS:
            raise ValueError(f"invalid round {spec!r}: parse_round_args checks what users type")
        now = self.practice.now()
        pool = self.practice.pools.pool_of(user)
        if spec.topic is not None and spec.topic not in pool.bank.topics:
            return UnknownTopic(spec.topic, tuple(pool.bank.topics))
        active = await store.active_round(session=session, user_id=user.id, for_update=True)
        if active is not None:
            items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
            step = current_step(pool, active, items, now)
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
        first = asked_step(round_row, items[0], plan[0], now)
        return RoundStarted(round_row.id, spec, first, tuple(q.kind for q in plan), put_aside)

    async def current(self, who: UserRef) -> RoundStep | None:
        """Where the user's round stands (for reminders), or None without one. Changes nothing but last-seen."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await store.active_round(session=session, user_id=user.id)
            if active is None:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
            return current_step(self.practice.pools.pool_of(user), active, items, self.practice.now())

    async def active_in(self, session: Session, user: User) -> ActiveRound | None:
        """The user's round in progress, locked until commit (after the user's row), or None."""
        row = await store.active_round(session=session, user_id=user.id, for_update=True)
        if row is None:
            return None
        items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
        return ActiveRound(row, items) if 0 <= row.position < len(items) else None

    def step_in(self, user: User, active: ActiveRound) -> RoundStep | None:
        """Where a locked round stands (None: nothing left that the user's pool still has)."""
        return current_step(self.practice.pools.pool_of(user), active.row, active.items, self.practice.now())

    async def answer(self, who: UserRef, text: str) -> Answered | NoActiveRound:
        """Grade an answer to the round's current question or follow-up and move the round on."""
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, None, None)
            if isinstance(found, NoActiveRound):
                return found
            return await self.answer_in(session, *found, text)

    async def answer_in(self, session: Session, user: User, active: ActiveRound, text: str) -> Answered:
        """``answer`` inside the caller's transaction, on a round it has locked."""
        now = self.practice.now()
        graded_text = text[:MAX_ANSWER_CHARS]
        pool = self.practice.pools.pool_of(user)
        item = active.item
        question = pool.get(item.question_id)
        if question is None:
            return await self._pass(session, user, active, question=None)
        grader = pool.grader_for(question)
        if item.stage == Stage.FOLLOW_UP:
            graded: AnswerGraded | FollowUpGraded = grade_follow_up(
                active.row, item, question, graded_text, grader=grader, now=now
            )
        else:
            grade = grader.grade(question, graded_text, hints_used=item.hints_used)
            await self.practice.record_answer_in(
                session, user.id, question, grade, answer_text=graded_text, hints_used=item.hints_used, now=now
            )
            graded = record_answer(
                active.row, item, question, grade, text=graded_text, question_terms=grader.question_terms, now=now
            )
        if len(text) > MAX_ANSWER_CHARS:
            graded = replace(graded, truncated=True)
        if isinstance(graded, AnswerGraded) and graded.follow_up_coming:
            step = self.step_in(user, active)
            assert step is not None
            return Answered(graded, step)
        return Answered(graded, await self._advance(session, user, active))

    async def pass_question(
        self, who: UserRef, round_id: int | None = None, position: int | None = None, *, follow_up: bool = False
    ) -> Answered | NoActiveRound:
        """Pass on the current question (it counts 0) or, with ``follow_up``, its follow-up (no credit).

        With ``round_id`` and ``position`` (from a button) they must be current, and the stage
        must match ``follow_up``, else the result is stale.
        """
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            user, active = found
            if round_id is not None and (active.item.stage == Stage.FOLLOW_UP) != follow_up:
                return NoActiveRound(stale=True)
            return await self.pass_in(session, user, active)

    async def pass_in(self, session: Session, user: User, active: ActiveRound) -> Answered:
        """``pass_question`` (whatever the current step is) inside the caller's transaction."""
        question = self.practice.pools.pool_of(user).get(active.item.question_id)
        return await self._pass(session, user, active, question=question)

    async def hint(
        self, who: UserRef, round_id: int | None = None, position: int | None = None
    ) -> RoundHint | NoMoreHints | NoHintOnFollowUp | NoActiveRound:
        """The next hint of the round's current question; each lowers its reachable score, as in practice."""
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            hinted = self.hint_in(*found)
            if isinstance(hinted, NoHintOnFollowUp) and round_id is not None:
                return NoActiveRound(stale=True)  # the Hint button belongs to the question, now past
            return hinted

    def hint_in(self, user: User, active: ActiveRound) -> RoundHint | NoMoreHints | NoHintOnFollowUp:
        """``hint`` on a round the caller has locked."""
        item = active.item
        question = self.practice.pools.pool_of(user).get(item.question_id)
        step = self.step_in(user, active)
        if isinstance(step, FollowUpAsked):
            return NoHintOnFollowUp(step)
        total = len(question.hints) if question else 0
        if question is None or item.hints_used >= total:
            return NoMoreHints(total)
        item.hints_used += 1
        return RoundHint(
            active.row.id,
            item.position,
            question.hints[item.hints_used - 1],
            item.hints_used,
            total,
            reachable_score(item.hints_used),
        )

    async def cancel(self, who: UserRef, round_id: int | None = None) -> RoundEnded | NoActiveRound:
        """End the round now, with a debrief of what was answered (``round_id`` from a button must be current)."""
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, None)
            if isinstance(found, NoActiveRound):
                return found
            return await self.cancel_in(session, *found)

    async def cancel_in(self, session: Session, user: User, active: ActiveRound) -> RoundEnded:
        """``cancel`` inside the caller's transaction."""
        debrief = await self._finish(session, user, active, status=RoundStatus.CANCELLED)
        logger.info("User %d cancelled interview round %d", user.id, active.row.id)
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
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await store.get_round(session=session, user_id=user.id, round_id=round_id)
            if row is None or row.status == RoundStatus.ACTIVE:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
            return await self._debrief(session, user, row, items)

    # ---- internals --------------------------------------------------------------------------------

    async def _locked(
        self, session: Session, who: UserRef, round_id: int | None, position: int | None
    ) -> tuple[User, ActiveRound] | NoActiveRound:
        """The locked user and their round in progress; or why there is none.

        ``round_id`` and ``position`` come from buttons: they must name the user's own round
        in progress (and its current question), else the button is stale. The lookup is by
        the acting user's id, so another user's round id is simply not found.
        """
        stale = round_id is not None
        # Most calls come from users with no round: one read, no write. Otherwise lock user, then round.
        if await store.active_round(session=session, user_id=user_id_of(who)) is None:
            return NoActiveRound(stale=stale)
        user = await self.practice.user_in(session, who)
        active = await self.active_in(session, user)
        if active is None or (round_id is not None and active.row.id != round_id):
            return NoActiveRound(stale=stale)
        if position is not None and position != active.row.position:
            return NoActiveRound(stale=True)
        return user, active

    async def _pass(self, session: Session, user: User, active: ActiveRound, *, question: Question | None) -> Answered:
        passed = record_pass(active.row, active.item, question, self.practice.now())
        return Answered(passed, await self._advance(session, user, active))

    async def _advance(self, session: Session, user: User, active: ActiveRound) -> RoundStep | Debrief:
        """Ask the next question the user's pool still has, or finish the round with its debrief."""
        now = self.practice.now()
        pool = self.practice.pools.pool_of(user)
        round_row = active.row
        while round_row.position + 1 < len(active.items):
            round_row.position += 1
            item = active.item
            question = pool.get(item.question_id)
            if question is not None:
                item.stage = Stage.ASKED
                item.asked_at = now
                return asked_step(round_row, item, question, now)
        return await self._finish(session, user, active, status=RoundStatus.FINISHED)

    async def _finish(self, session: Session, user: User, active: ActiveRound, *, status: RoundStatus) -> Debrief:
        round_row = active.row
        round_row.status = status
        round_row.finished_at = self.practice.now()
        debrief = await self._debrief(session, user, round_row, active.items)
        round_row.score = debrief.score
        round_row.verdict = debrief.verdict.value if debrief.verdict else None
        logger.info("User %d ended interview round %d: %s", user.id, round_row.id, round_row.verdict)
        return debrief

    async def _debrief(
        self, session: Session, user: User, round_row: InterviewRound, items: Sequence[InterviewItem]
    ) -> Debrief:
        attempts = await repository.list_attempts(session=session, user_id=user.id)
        reviews = await repository.list_reviews(session=session, user_id=user.id)
        bank = self.practice.pools.pool_of(user).bank
        by_topic: dict[str, list[float]] = {}
        for attempt in attempts:
            if not attempt.gave_up:
                by_topic.setdefault(attempt.topic, []).append(attempt.score)
        return build_debrief(
            facts_of(round_row),
            [item_report(item, bank) for item in items],
            bank,
            all_time={topic: fmean(scores) for topic, scores in by_topic.items()},
            seen={r.question_id for r in reviews},
            now=self.practice.now(),
        )
