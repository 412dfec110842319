"""The practice loop: ask, hint, answer, reveal, skip, retry, stats; and the users the other services act for.

Every public method opens one session and one transaction, is scoped by the user id the
adapter passes in (the sender of the update: nobody can touch another user's rows), and
returns a frozen dataclass from ``bot.domain``; no ORM object leaves the service layer.
Expected outcomes that are not errors (no open question, unknown topic, no hints left, …)
are results of their own for the adapter to ``match`` on; ``UnknownUserError`` means the
adapter skipped ``touch_user``.

The methods ending in ``_in`` are the same steps inside a caller's transaction, on a user row
the caller has locked: the conversation service (``bot.services.conversation``) uses them to
decide between an interview round and practice in one transaction, and the daily push and
interview rounds use them to open questions and record answers.

Long answers: only the first ``MAX_ANSWER_CHARS`` characters are graded *and* stored, so the
quotes in the stored attempt always point into the stored text; ``Feedback.truncated`` tells
the adapter to say so. Skipping records no attempt and no score; the question is marked seen
and put off for a day (``scheduling.SKIP_DELAY``), so it does not come straight back as "unseen".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

from bot.domain.bank import Bank
from bot.domain.conversation import ConfirmationExpired, confirmation_stands
from bot.domain.grading import Grade, Grader
from bot.domain.models import Question
from bot.domain.practice import (
    MAX_ANSWER_CHARS,
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    OpenQuestion,
    Revealed,
    Skipped,
    Stats,
    UnknownTopic,
    progress,
    reachable_score,
    topic_id,
)
from bot.domain.pushtime import canonical_timezone, parse_daily_time
from bot.domain.scheduling import (
    ReviewState,
    choose_next_question,
    filter_pool,
    schedule_after_grade,
    schedule_after_skip,
)
from bot.domain.users import UserInfo, UserRef, UserState, user_id_of
from bot.services.pools import Pools
from bot.services.rows import block, close_open, open_on, review_state, settings_of
from bot.storage import repository
from bot.storage.models import Attempt, User
from bot.storage.unit_of_work import Session, SessionFactory, transaction

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: aware UTC."""
    return datetime.now(UTC)


class UnknownUserError(LookupError):
    """The user has no row yet: the adapter must call ``touch_user`` first."""


class Practice:
    """The practice loop over a bank, a grader and a database; the hub the other services share.

    It owns the unit of work (``transaction``), the clock (``now``), the acting user's row
    (``user_in``) and the bank in service with the users' pools (``pools``).
    """

    def __init__(
        self,
        bank: Bank,
        grader: Grader,
        sessionmaker: SessionFactory,
        clock: Clock = utc_now,
        *,
        default_timezone: str = "UTC",
        default_daily_time: str = "09:00",
    ) -> None:
        self.pools = Pools(bank, grader)
        self._sessionmaker = sessionmaker
        self._clock = clock
        timezone = canonical_timezone(default_timezone)
        if timezone is None:
            raise ValueError(f"unknown default time zone {default_timezone!r}")
        self._default_timezone = timezone
        daily_time = parse_daily_time(default_daily_time)
        if daily_time is None:
            raise ValueError(f"default daily time {default_daily_time!r} is not HH:MM")
        self.default_daily_time = daily_time
        """What ``subscribe`` uses when no time is given."""

    # ---- the bank in service ----------------------------------------------------------------

    @property
    def bank(self) -> Bank:
        """The bank in service (``replace_bank`` changes it, together with its grader)."""
        return self.pools.bank

    @property
    def grader(self) -> Grader:
        """The grader of the bank in service."""
        return self.pools.grader

    def replace_bank(self, bank: Bank, grader: Grader | None = None) -> None:
        """Serve ``bank`` from now on (a reload without a restart); see ``Pools.replace``.

        A user's open question that the new bank lacks reads as no open question.
        """
        self.pools.replace(bank, grader)

    # ---- the unit of work ---------------------------------------------------------------------

    def now(self) -> datetime:
        """The service's clock (injected in tests), checked to be aware, in UTC."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return now.astimezone(UTC)

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """One session and one transaction: committed on success, rolled back on error."""
        return transaction(self._sessionmaker)

    async def user_in(self, session: Session, who: UserRef) -> User:
        """The acting user's row, locked until commit, with their pool found (``pools.pool_of``).

        Given a ``UserInfo`` (what an adapter knows about the sender), the row is created or
        refreshed in this same transaction, so one update costs one transaction. Given a bare
        id, the user must exist already (else ``UnknownUserError``).
        """
        user = await self._acting(session, who)
        if user is None:
            raise UnknownUserError(f"no user {who}: call touch_user first")
        return user

    async def _acting(self, session: Session, who: UserRef) -> User | None:
        """``user_in``, or None for an id nobody has."""
        if isinstance(who, UserInfo):
            user: User | None = (await self._upsert(session, who))[0]
        else:
            user = await repository.get_user(session=session, user_id=who, for_update=True)
        if user is not None:
            await self.pools.pool_in(session, user)
        return user

    async def _upsert(self, session: Session, info: UserInfo) -> tuple[User, bool]:
        """Create the user or refresh their profile and last-seen time; True if created."""
        row, created = await repository.upsert_user(
            session=session,
            user_id=info.id,
            chat_id=info.chat_id,
            first_name=info.first_name,
            username=info.username,
            language=info.language,
            now=self.now(),
            timezone=self._default_timezone,
        )
        if created:
            logger.info("New user %d", info.id)
        return row, created

    # ---- users ----------------------------------------------------------------------------------

    async def touch_user(self, user: UserInfo) -> UserState:
        """Create the user or refresh their profile and last-seen time."""
        async with self.transaction() as session:
            return (await self.touch_in(session, user))[1]

    async def touch_in(self, session: Session, info: UserInfo) -> tuple[User, UserState]:
        """``touch_user`` inside the caller's transaction: the locked row (its pool found) and the user's state."""
        row, created = await self._upsert(session, info)
        await self.pools.pool_in(session, row)
        return row, UserState(
            id=row.id,
            chat_id=row.chat_id,
            first_name=row.first_name,
            username=row.username,
            language=row.language,
            settings=settings_of(row),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            is_new=created,
            open_question_id=row.open_question_id if self._open_of(row) else None,
        )

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: remember it and unsubscribe them (they can subscribe again)."""
        async with self.transaction() as session:
            user = await repository.get_user(session=session, user_id=user_id, for_update=True)
            if user is not None:
                block(user, self.now())

    async def delete_user(self, user_id: int) -> int:
        """Delete every row of the user; returns how many rows went."""
        async with self.transaction() as session:
            removed = await repository.delete_user_data(session=session, user_id=user_id)
        logger.info("Deleted user %d (%d rows)", user_id, removed)
        return removed

    async def delete_confirmed(self, user_id: int, asked_at: datetime | None) -> int | ConfirmationExpired:
        """``delete_user`` for a Yes to "Are you sure?" asked at ``asked_at``, if it still stands (see
        ``confirmation_stands``): checked and deleted in one transaction."""
        async with self.transaction() as session:
            user = await repository.get_user(session=session, user_id=user_id, for_update=True)
            if user is None:
                return 0
            if not confirmation_stands(asked_at, self.now(), since=user.created_at):
                return ConfirmationExpired()
            removed = await repository.delete_user_data(session=session, user_id=user_id)
        logger.info("Deleted user %d (%d rows)", user_id, removed)
        return removed

    async def find_question(self, who: UserRef, question_id: str) -> Question | None:
        """A question the user may see: the bank's, or one of their own private decks' (never another user's)."""
        if (question := self.bank.get(question_id)) is not None:
            return question
        async with self.transaction() as session:
            return self.pools.pool_of(await self.user_in(session, who)).get(question_id)

    async def topics_of(self, who: UserRef) -> dict[str, str]:
        """Topic ids and titles the user can practise: the bank's, then their private decks'."""
        async with self.transaction() as session:
            return dict(self.pools.pool_of(await self.user_in(session, who)).bank.topics)

    def known_topics(self, user_id: int) -> Mapping[str, str]:
        """Topic titles to show the user's results with, without a query (see ``Pools.known_topics``)."""
        return self.pools.known_topics(user_id)

    # ---- the loop ---------------------------------------------------------------------------------

    async def ask(self, who: UserRef, topic: str | None = None) -> Asked | UnknownTopic | EmptyPool:
        """Open the next question, from ``topic`` or else the user's topics, at their difficulty.

        A question still open is skipped first (``Asked.replaced``).
        """
        async with self.transaction() as session:
            return await self.ask_in(session, await self.user_in(session, who), topic)

    async def ask_in(self, session: Session, user: User, topic: str | None) -> Asked | UnknownTopic | EmptyPool:
        """``ask`` inside the caller's transaction."""
        chosen = topic_id(topic) if topic is not None else None
        now = self.now()
        pool = self.pools.pool_of(user)
        if chosen is not None and chosen not in pool.bank.topics:
            return UnknownTopic(topic or "", tuple(pool.bank.topics))
        chosen_question = await self.choose_for(session, user, now, chosen)
        if isinstance(chosen_question, EmptyPool):
            return chosen_question
        question, is_repeat = chosen_question
        replaced = await self.open_in(session, user, question, now)
        return Asked(question, len(question.hints), is_repeat, replaced, pool.topic_title(question.topic))

    async def retry(self, who: UserRef, question_id: str | None = None) -> Asked | NothingToRetry:
        """Re-open the last question (or ``question_id``) for a fresh attempt.

        If that question is already open it stays as it is: retrying must not refund hints.
        """
        async with self.transaction() as session:
            return await self.retry_in(session, await self.user_in(session, who), question_id)

    async def retry_in(self, session: Session, user: User, question_id: str | None) -> Asked | NothingToRetry:
        """``retry`` inside the caller's transaction."""
        pool = self.pools.pool_of(user)
        target = question_id or user.last_question_id
        question = pool.get(target) if target else None
        if question is None:
            return NothingToRetry()
        seen = await repository.get_review(session=session, user_id=user.id, question_id=question.id)
        title = pool.topic_title(question.topic)
        open_now = self._open_of(user)
        if open_now is not None and open_now.id == question.id:
            return Asked(question, len(question.hints), is_repeat=seen is not None, topic_title=title)
        replaced = await self.open_in(session, user, question, self.now())
        return Asked(question, len(question.hints), seen is not None, replaced, title)

    async def open_question(self, user_id: int) -> OpenQuestion | None:
        """The question the user is answering, if any."""
        async with self.transaction() as session:
            user = await repository.get_user(session=session, user_id=user_id)
            if user is not None:
                await self.pools.pool_in(session, user)
            question = self._open_of(user) if user else None
            if user is None or question is None or user.open_asked_at is None:
                return None
            return OpenQuestion(
                question=question,
                asked_at=user.open_asked_at,
                hints_used=user.hints_used,
                hints_total=len(question.hints),
                max_score_now=reachable_score(user.hints_used),
            )

    async def hint(self, who: UserRef, question_id: str | None = None) -> HintGiven | NoOpenQuestion | NoMoreHints:
        """Give the next hint of the open question; each one lowers the reachable score.

        ``question_id`` (from a button) must match the open question, else the result is stale.
        """
        async with self.transaction() as session:
            user = await self._acting(session, who)
            return await self.hint_in(session, user, question_id) if user else NoOpenQuestion(question_id is not None)

    async def hint_in(
        self, session: Session, user: User, question_id: str | None = None
    ) -> HintGiven | NoOpenQuestion | NoMoreHints:
        """``hint`` inside the caller's transaction."""
        question = self._open_or_stale(user, question_id)
        if isinstance(question, NoOpenQuestion):
            return question
        total = len(question.hints)
        if user.hints_used >= total:
            return NoMoreHints(total)
        user.hints_used += 1
        return HintGiven(question.hints[user.hints_used - 1], user.hints_used, total, reachable_score(user.hints_used))

    async def answer(self, who: UserRef, text: str) -> Feedback | NoOpenQuestion:
        """Grade an answer to the open question, record it, reschedule the question and close it."""
        async with self.transaction() as session:
            user = await self._acting(session, who)
            return await self.answer_in(session, user, text) if user else NoOpenQuestion()

    async def answer_in(self, session: Session, user: User, text: str) -> Feedback | NoOpenQuestion:
        """``answer`` inside the caller's transaction."""
        question = self._open_or_stale(user, None)
        if isinstance(question, NoOpenQuestion):
            return question
        graded_text = text[:MAX_ANSWER_CHARS]
        hints_used = user.hints_used
        grade = self.pools.pool_of(user).grader_for(question).grade(question, graded_text, hints_used=hints_used)
        earlier, best_before = await repository.question_history(
            session=session, user_id=user.id, question_id=question.id
        )
        attempt = await self.record_answer_in(
            session, user.id, question, grade, answer_text=graded_text, hints_used=hints_used, now=self.now()
        )
        close_open(user)
        return Feedback(
            question=question,
            grade=grade,
            attempt_id=attempt.id,
            hints_used=hints_used,
            best_score_before=best_before,
            attempts_on_question=earlier + 1,
            truncated=len(text) > MAX_ANSWER_CHARS,
        )

    async def reveal(self, who: UserRef, question_id: str | None = None) -> Revealed | NoOpenQuestion:
        """Give up on the open question: a zero-score attempt, a failed review, and the model answer."""
        async with self.transaction() as session:
            user = await self._acting(session, who)
            return await self.reveal_in(session, user, question_id) if user else NoOpenQuestion(question_id is not None)

    async def reveal_in(
        self, session: Session, user: User, question_id: str | None = None
    ) -> Revealed | NoOpenQuestion:
        """``reveal`` inside the caller's transaction."""
        question = self._open_or_stale(user, question_id)
        if isinstance(question, NoOpenQuestion):
            return question
        now = self.now()
        hints_used = user.hints_used
        await repository.record_attempt(
            session=session,
            user_id=user.id,
            question_id=question.id,
            topic=question.topic,
            answer_text="",
            score=0.0,
            coverage=0.0,
            max_score=reachable_score(hints_used),
            verdict=None,
            covered=[],
            missed=[c.name for c in question.concepts],
            contradicted=[],
            hints_used=hints_used,
            gave_up=True,
            now=now,
        )
        previous = await self._review(session, user.id, question.id)
        await self._save_review(session, user.id, schedule_after_grade(previous, question.id, 0.0, now))
        close_open(user)
        return Revealed(question, hints_used)

    async def skip(self, who: UserRef, question_id: str | None = None) -> Skipped | NoOpenQuestion:
        """Close the open question without a score; it is put off for a day."""
        async with self.transaction() as session:
            user = await self._acting(session, who)
            return await self.skip_in(session, user, question_id) if user else NoOpenQuestion(question_id is not None)

    async def skip_in(self, session: Session, user: User, question_id: str | None = None) -> Skipped | NoOpenQuestion:
        """``skip`` inside the caller's transaction."""
        question = self._open_or_stale(user, question_id)
        if isinstance(question, NoOpenQuestion):
            return question
        await self.close_open_in(session, user, self.now())
        return Skipped(question)

    # ---- building blocks for the daily push and interview rounds --------------------------------

    async def choose_for(
        self, session: Session, user: User, now: datetime, topic: str | None = None
    ) -> tuple[Question, bool] | EmptyPool:
        """The question spaced repetition picks for ``user`` now, and whether they saw it before.

        From ``topic`` if given, else the user's topics, at the user's difficulty. Changes nothing.
        """
        bank = (await self.pools.pool_in(session, user)).bank
        topics = (topic,) if topic else tuple(t for t in user.topics if t in bank.topics)
        pool = filter_pool(bank.questions, topics=topics, difficulty=user.difficulty)
        if not pool:
            return EmptyPool(topics, user.difficulty)
        reviews = {
            r.question_id: review_state(r) for r in await repository.list_reviews(session=session, user_id=user.id)
        }
        question = choose_next_question(pool, reviews, last_question_id=user.last_question_id, now=now, seed=user.id)
        assert question is not None, "the pool is not empty"
        return question, question.id in reviews

    async def open_in(self, session: Session, user: User, question: Question, now: datetime) -> Question | None:
        """Make ``question`` the user's open question; the one open before is skipped and returned."""
        replaced = await self.close_open_in(session, user, now)
        open_on(user, question, now)
        return replaced

    async def close_open_in(self, session: Session, user: User, now: datetime) -> Question | None:
        """Put the user's open question aside as skipped (if there is one) and return it."""
        question = self._open_of(user)
        close_open(user)
        if question is not None:
            previous = await self._review(session, user.id, question.id)
            await self._save_review(session, user.id, schedule_after_skip(previous, question.id, now))
        return question

    async def record_answer_in(
        self,
        session: Session,
        user_id: int,
        question: Question,
        grade: Grade,
        *,
        answer_text: str,
        hints_used: int,
        now: datetime,
    ) -> Attempt:
        """Record a graded answer and move the question on its schedule (also for answers given in a round)."""
        attempt = await repository.record_attempt(
            session=session,
            user_id=user_id,
            question_id=question.id,
            topic=question.topic,
            answer_text=answer_text,
            score=grade.score,
            coverage=grade.coverage,
            max_score=grade.max_score,
            verdict=grade.verdict.value,
            covered=[{"name": c.name, "weight": c.weight, "quote": c.quote} for c in grade.covered],
            missed=list(grade.missed),
            contradicted=[{"name": c.name, "weight": c.weight, "quote": c.quote} for c in grade.contradicted],
            hints_used=hints_used,
            gave_up=False,
            now=now,
        )
        previous = await self._review(session, user_id, question.id)
        await self._save_review(session, user_id, schedule_after_grade(previous, question.id, grade.score, now))
        return attempt

    # ---- progress ---------------------------------------------------------------------------------

    async def stats(self, who: UserRef) -> Stats:
        """Answers, average, streak in the user's time zone, and progress per topic."""
        user_id = user_id_of(who)
        async with self.transaction() as session:
            user = (
                await self.user_in(session, who)
                if isinstance(who, UserInfo)
                else await repository.get_user(session=session, user_id=who)
            )
            attempts = await repository.list_attempts(session=session, user_id=user_id)
            reviews = await repository.list_reviews(session=session, user_id=user_id)
            bank = (await self.pools.pool_in(session, user)).bank if user else self.bank
        seen = {r.question_id for r in reviews}
        return progress(attempts, seen, bank, timezone=user.timezone if user else "UTC", now=self.now())

    # ---- internals --------------------------------------------------------------------------------

    def _open_of(self, user: User) -> Question | None:
        """The user's open question, if it is still in the bank (or their decks)."""
        return self.pools.pool_of(user).get(user.open_question_id) if user.open_question_id else None

    def _open_or_stale(self, user: User, question_id: str | None) -> Question | NoOpenQuestion:
        """The open question, or why there is none (``question_id`` from a button must match it)."""
        question = self._open_of(user)
        if question is None:
            return NoOpenQuestion(stale=question_id is not None)
        if question_id is not None and question_id != question.id:
            return NoOpenQuestion(stale=True)
        return question

    @staticmethod
    async def _review(session: Session, user_id: int, question_id: str) -> ReviewState | None:
        row = await repository.get_review(session=session, user_id=user_id, question_id=question_id)
        return review_state(row) if row is not None else None

    @staticmethod
    async def _save_review(session: Session, user_id: int, state: ReviewState) -> None:
        await repository.save_review(session=session, user_id=user_id, state=state)
