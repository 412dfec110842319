"""The practice loop shared by the Telegram bot and the console: ask, hint, answer, reveal, skip, stats.

Every method opens one session and one transaction, is scoped by the user id the adapter
passes in (the sender of the update: nobody can touch another user's rows), and returns a
frozen dataclass; no ORM object leaves this module. Expected outcomes that are not errors
(no open question, unknown topic, no hints left, …) are returned as their own result types
for the adapter to ``match`` on; ``UnknownUserError`` means the adapter skipped ``touch_user``.

Long answers: only the first ``MAX_ANSWER_CHARS`` characters are graded *and* stored, so the
quotes in the stored attempt always point into the stored text; ``Feedback.truncated`` tells
the adapter to say so. (A Telegram message is at most 4,096 characters, so this mostly
bites in the console.)

Skipping records no attempt and no score; the question is marked seen and put off for a
day (``scheduling.SKIP_DELAY``), so it does not come straight back as "unseen".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from statistics import fmean
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import object_session

from bot.domain.bank import Bank
from bot.domain.grading import Grade, Grader
from bot.domain.models import Question
from bot.domain.pool import PoolCache, QuestionPool, StoredDeck, build_pool
from bot.domain.practice import (
    MAX_ANSWER_CHARS,
    WEAKEST_TOPICS,
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
    TopicProgress,
    UnknownTopic,
    reachable_score,
    streak_days,
    topic_id,
)
from bot.domain.pushtime import canonical_timezone, next_occurrence, parse_daily_time, zone
from bot.domain.scheduling import (
    ReviewState,
    choose_next_question,
    filter_pool,
    schedule_after_grade,
    schedule_after_skip,
)
from bot.domain.users import (
    DIFFICULTIES,
    InvalidSetting,
    UserInfo,
    UserRef,
    UserSettings,
    UserState,
    resolve_timezone,
    user_id_of,
)
from bot.storage import decks as deck_storage
from bot.storage import repository
from bot.storage.models import Attempt, Review, User

logger = logging.getLogger(__name__)


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock: aware UTC."""
    return datetime.now(UTC)


# ---- results ---------------------------------------------------------------------------------


class UnknownUserError(LookupError):
    """The user has no row yet: the adapter must call ``touch_user`` first."""


def _state(review: Review) -> ReviewState:
    """The scheduler's view of a review row."""
    return ReviewState(
        question_id=review.question_id,
        due_at=review.due_at,
        last_seen_at=review.last_seen_at,
        repetitions=review.repetitions,
        interval_days=review.interval_days,
        ease=review.ease,
        last_score=review.last_score,
        seen_count=review.seen_count,
    )


def _settings(user: User) -> UserSettings:
    """The settings columns of a user row."""
    return UserSettings(
        tuple(user.topics),
        user.difficulty,
        user.timezone,
        user.daily_time,
        weekdays_only=user.push_weekdays_only,
        next_push_at=user.next_push_at,
    )


def block(user: User, now: datetime) -> None:
    """The user blocked the bot: remember when, and unsubscribe them (they can subscribe again)."""
    user.blocked_at = now
    user.daily_time = None
    refresh_next_push(user, now)


def refresh_next_push(user: User, now: datetime) -> None:
    """Recompute when the user's next daily question is due, after any change to its settings.

    Not subscribed (or blocked) means no next push. The unique delivery row per local day
    still guarantees one push a day, even if a new time makes "today" due again.
    """
    if user.daily_time is None or user.blocked_at is not None:
        user.next_push_at = None
        return
    user.next_push_at, _ = next_occurrence(
        user.daily_time, user.timezone, weekdays_only=user.push_weekdays_only, after=now
    )


def _close(user: User) -> None:
    """Forget the open question; ``last_question_id`` stays for Retry."""
    user.open_question_id = None
    user.open_asked_at = None
    user.hints_used = 0


_POOL = "question-pool"
"""``session.info`` key of the pool ``pool_in`` found for a user in that transaction."""


# ---- the service -------------------------------------------------------------------------------


class Practice:
    """The practice loop over a bank, a grader and a database."""

    def __init__(
        self,
        bank: Bank,
        grader: Grader,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock = utc_now,
        *,
        default_timezone: str = "UTC",
        default_daily_time: str = "09:00",
    ) -> None:
        self._public = QuestionPool(bank, grader)
        self._public_vocabulary: frozenset[str] | None = None
        self._pools = PoolCache()
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

    @property
    def bank(self) -> Bank:
        """The bank in service (``replace_bank`` changes it, together with its grader)."""
        return self._public.bank

    @property
    def grader(self) -> Grader:
        """The grader of the bank in service."""
        return self._public.grader

    def replace_bank(self, bank: Bank) -> None:
        """Serve ``bank`` from now on, with a grader of its own (a bank reload without a restart).

        Both change together, between two awaits, so no request sees one without the other.
        A user's open question that the new bank lacks reads as no open question.
        """
        self._public = QuestionPool(bank, bank.make_grader())
        self._public_vocabulary = None
        self._pools.clear()

    # ---- users and settings --------------------------------------------------------------

    async def touch_user(self, user: UserInfo) -> UserState:
        """Create the user or refresh their profile and last-seen time."""
        async with self._transaction() as session:
            row, created = await self._upsert(session, user)
            return UserState(
                id=row.id,
                chat_id=row.chat_id,
                first_name=row.first_name,
                username=row.username,
                language=row.language,
                settings=_settings(row),
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                is_new=created,
                open_question_id=row.open_question_id if self._open_of(row) else None,
            )

    async def settings(self, who: UserRef) -> UserSettings:
        """The user's settings."""
        async with self._transaction() as session:
            return _settings(await self._user(session, who))

    async def set_topics(self, who: UserRef, topics: Iterable[str]) -> UserSettings | UnknownTopic:
        """Practise only these topics (none: all); stored in bank order without duplicates."""
        wanted = {topic_id(t) for t in topics}
        async with self._transaction() as session:
            user = await self._user(session, who)
            known = self.pool_of(user).bank.topics
            unknown = sorted(t for t in wanted if t not in known)
            if unknown:
                return UnknownTopic(unknown[0], tuple(known))
            user.topics = [t for t in known if t in wanted]
            return _settings(user)

    async def set_difficulty(self, who: UserRef, level: int | None) -> UserSettings | InvalidSetting:
        """Practise only one level (1-3), or every level with None."""
        if level is not None and level not in DIFFICULTIES:
            return InvalidSetting("difficulty", str(level), "1, 2, 3 or none")
        async with self._transaction() as session:
            user = await self._user(session, who)
            user.difficulty = level
            return _settings(user)

    async def set_timezone(self, who: UserRef, name: str) -> UserSettings | InvalidSetting:
        """Set the time zone used for streaks and the daily question: an IANA name or a UTC offset."""
        zone_name = resolve_timezone(name)
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self._transaction() as session:
            user = await self._user(session, who)
            user.timezone = zone_name
            refresh_next_push(user, self._now())
            return _settings(user)

    async def set_daily_time(self, who: UserRef, value: str | None) -> UserSettings | InvalidSetting:
        """Set the local "HH:MM" of the daily question, or None to unsubscribe."""
        normalised = parse_daily_time(value) if value is not None else None
        if value is not None and normalised is None:
            return InvalidSetting("daily_time", value, "a time such as 09:30")
        async with self._transaction() as session:
            user = await self._user(session, who)
            user.daily_time = normalised
            refresh_next_push(user, self._now())
            return _settings(user)

    async def subscribe(
        self, who: UserRef, daily_time: str | None = None, timezone: str | None = None
    ) -> UserSettings | InvalidSetting:
        """Subscribe to the daily question at ``daily_time`` (default: the configured one) in
        ``timezone`` (default: the user's current zone); both checked before anything changes."""
        normalised = parse_daily_time(daily_time) if daily_time is not None else self.default_daily_time
        if normalised is None:
            return InvalidSetting("daily_time", daily_time or "", "a time such as 09:30")
        zone_name = resolve_timezone(timezone) if timezone is not None else None
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self._transaction() as session:
            user = await self._user(session, who)
            user.daily_time = normalised
            if zone_name is not None:
                user.timezone = zone_name
            refresh_next_push(user, self._now())
            return _settings(user)

    async def set_push_days(self, who: UserRef, *, weekdays_only: bool) -> UserSettings:
        """Daily questions every day, or Monday to Friday only."""
        async with self._transaction() as session:
            user = await self._user(session, who)
            user.push_weekdays_only = weekdays_only
            refresh_next_push(user, self._now())
            return _settings(user)

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: remember it and unsubscribe them (they can subscribe again)."""
        async with self._transaction() as session:
            user = await repository.get_user(session=session, user_id=user_id, for_update=True)
            if user is not None:
                block(user, self._now())

    async def delete_user(self, user_id: int) -> int:
        """Delete every row of the user; returns how many rows went."""
        async with self._transaction() as session:
            removed = await repository.delete_user_data(session=session, user_id=user_id)
        logger.info("Deleted user %d (%d rows)", user_id, removed)
        return removed

    # ---- the loop --------------------------------------------------------------------------

    async def ask(self, who: UserRef, topic: str | None = None) -> Asked | UnknownTopic | EmptyPool:
        """Open the next question, from ``topic`` or else the user's topics, at their difficulty.

        A question still open is skipped first (``Asked.replaced``).
        """
        chosen = topic_id(topic) if topic is not None else None
        now = self._now()
        async with self._transaction() as session:
            user = await self._user(session, who)
            topics = self.pool_of(user).bank.topics
            if chosen is not None and chosen not in topics:
                return UnknownTopic(topic or "", tuple(topics))
            chosen_question = await self.choose_for(session, user, now, chosen)
            if isinstance(chosen_question, EmptyPool):
                return chosen_question
            question, is_repeat = chosen_question
            replaced = await self.open_in(session, user, question, now)
            title = self.pool_of(user).topic_title(question.topic)
            return Asked(question, len(question.hints), is_repeat=is_repeat, replaced=replaced, topic_title=title)

    # Building blocks for services that compose their own transaction (the daily push).

    async def choose_for(
        self, session: AsyncSession, user: User, now: datetime, topic: str | None = None
    ) -> tuple[Question, bool] | EmptyPool:
        """The question spaced repetition picks for ``user`` now, and whether they saw it before.

        From ``topic`` if given, else the user's topics, at the user's difficulty. Changes nothing.
        """
        bank = (await self.pool_in(session, user)).bank
        topics = (topic,) if topic else tuple(t for t in user.topics if t in bank.topics)
        pool = filter_pool(bank.questions, topics=topics, difficulty=user.difficulty)
        if not pool:
            return EmptyPool(topics, user.difficulty)
        reviews = {r.question_id: _state(r) for r in await repository.list_reviews(session=session, user_id=user.id)}
        question = choose_next_question(pool, reviews, last_question_id=user.last_question_id, now=now, seed=user.id)
        assert question is not None, "the pool is not empty"
        return question, question.id in reviews

    async def open_in(self, session: AsyncSession, user: User, question: Question, now: datetime) -> Question | None:
        """Make ``question`` the user's open question; the one open before is skipped and returned."""
        replaced = await self._skip_open(session, user, now)
        self._open(user, question, now)
        return replaced

    # Building blocks for mock interview rounds (``bot.services.interview``).

    async def user_in(self, session: AsyncSession, who: UserRef) -> User:
        """The acting user's row, locked; created or refreshed in ``session`` when ``who`` is a ``UserInfo``."""
        return await self._user(session, who)

    async def close_open_in(self, session: AsyncSession, user: User, now: datetime) -> Question | None:
        """Put the user's open question aside as skipped (if there is one) and return it."""
        return await self._skip_open(session, user, now)

    async def record_answer_in(
        self,
        session: AsyncSession,
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
        await self._reschedule(session, user_id, question.id, grade.score, now)
        return attempt

    async def retry(self, who: UserRef, question_id: str | None = None) -> Asked | NothingToRetry:
        """Re-open the last question (or ``question_id``) for a fresh attempt.

        If that question is already open it stays as it is: retrying must not refund hints.
        """
        user_id = user_id_of(who)
        now = self._now()
        async with self._transaction() as session:
            user = await self._user(session, who)
            target = question_id or user.last_question_id
            question = self.pool_of(user).get(target) if target else None
            if question is None:
                return NothingToRetry()
            seen = await repository.get_review(session=session, user_id=user_id, question_id=question.id)
            is_repeat = seen is not None
            open_now = self._open_of(user)
            if open_now is not None and open_now.id == question.id:
                title = self.pool_of(user).topic_title(question.topic)
                return Asked(question, len(question.hints), is_repeat=is_repeat, topic_title=title)
            replaced = await self._skip_open(session, user, now)
            self._open(user, question, now)
            title = self.pool_of(user).topic_title(question.topic)
            return Asked(question, len(question.hints), is_repeat=is_repeat, replaced=replaced, topic_title=title)

    async def open_question(self, user_id: int) -> OpenQuestion | None:
        """The question the user is answering, if any."""
        async with self._transaction() as session:
            user = await repository.get_user(session=session, user_id=user_id)
            if user is not None:
                await self.pool_in(session, user)
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
        async with self._transaction() as session:
            found = await self._locked_open(session, who, question_id)
            if isinstance(found, NoOpenQuestion):
                return found
            user, question = found
            total = len(question.hints)
            if user.hints_used >= total:
                return NoMoreHints(total)
            user.hints_used += 1
            return HintGiven(
                question.hints[user.hints_used - 1], user.hints_used, total, reachable_score(user.hints_used)
            )

    async def answer(self, who: UserRef, text: str) -> Feedback | NoOpenQuestion:
        """Grade an answer to the open question, record it, reschedule the question and close it."""
        async with self._transaction() as session:
            return await self.answer_in(session, who, text)

    async def answer_in(self, session: AsyncSession, who: UserRef, text: str) -> Feedback | NoOpenQuestion:
        """``answer`` inside the caller's transaction (a free-text message that is not a round's answer)."""
        user_id = user_id_of(who)
        graded_text = text[:MAX_ANSWER_CHARS]
        now = self._now()
        found = await self._locked_open(session, who, None)
        if isinstance(found, NoOpenQuestion):
            return found
        user, question = found
        hints_used = user.hints_used
        grade = self.pool_of(user).grader_for(question).grade(question, graded_text, hints_used=hints_used)
        earlier, best_before = await repository.question_history(
            session=session, user_id=user_id, question_id=question.id
        )
        attempt = await self.record_answer_in(
            session, user_id, question, grade, answer_text=graded_text, hints_used=hints_used, now=now
        )
        _close(user)
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
        user_id = user_id_of(who)
        now = self._now()
        async with self._transaction() as session:
            found = await self._locked_open(session, who, question_id)
            if isinstance(found, NoOpenQuestion):
                return found
            user, question = found
            hints_used = user.hints_used
            await repository.record_attempt(
                session=session,
                user_id=user_id,
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
            await self._reschedule(session, user_id, question.id, 0.0, now)
            _close(user)
            return Revealed(question, hints_used)

    async def skip(self, who: UserRef, question_id: str | None = None) -> Skipped | NoOpenQuestion:
        """Close the open question without a score; it is put off for a day."""
        async with self._transaction() as session:
            found = await self._locked_open(session, who, question_id)
            if isinstance(found, NoOpenQuestion):
                return found
            user, question = found
            await self._skip_open(session, user, self._now())
            return Skipped(question)

    # ---- progress --------------------------------------------------------------------------

    async def stats(self, who: UserRef) -> Stats:
        """Answers, average, streak in the user's time zone, and progress per topic."""
        user_id = user_id_of(who)
        async with self._transaction() as session:
            user = (
                await self._user(session, who)
                if isinstance(who, UserInfo)
                else await repository.get_user(session=session, user_id=who)
            )
            attempts = await repository.list_attempts(session=session, user_id=user_id)
            reviews = await repository.list_reviews(session=session, user_id=user_id)
            bank = (await self.pool_in(session, user)).bank if user else self.bank
        tz = zone(user.timezone if user else "UTC")
        graded = [a for a in attempts if not a.gave_up]
        days = {a.created_at.astimezone(tz).date() for a in graded}
        seen = {r.question_id for r in reviews}
        per_topic = tuple(
            self._topic_progress(bank, topic, title, graded, seen) for topic, title in bank.topics.items()
        )
        ranked = sorted((t for t in per_topic if t.average is not None), key=lambda t: (t.average or 0.0, t.topic))
        return Stats(
            answered=len(graded),
            given_up=len(attempts) - len(graded),
            average_score=fmean(a.score for a in graded) if graded else None,
            streak_days=streak_days(days, self._now().astimezone(tz).date()),
            per_topic=per_topic,
            weakest_topics=tuple(ranked[:WEAKEST_TOPICS]),
        )

    @staticmethod
    def _topic_progress(
        bank: Bank, topic: str, title: str, graded: Sequence[repository.AttemptRow], seen: Collection[str]
    ) -> TopicProgress:
        """One topic's line in the stats."""
        scores = [a.score for a in graded if a.topic == topic]
        questions = bank.in_topic(topic)
        return TopicProgress(
            topic=topic,
            title=title,
            answered=len(scores),
            average=fmean(scores) if scores else None,
            questions_seen=sum(q.id in seen for q in questions),
            questions_total=len(questions),
        )

    # ---- internals -------------------------------------------------------------------------

    # ---- question pools: the bank plus a user's private decks (``bot.domain.pool``) ------

    async def pool_in(self, session: AsyncSession, user: User) -> QuestionPool:
        """The questions ``user`` practises, built (or found cached) for their deck version.

        Costs nothing for users without private decks; for the others one query when their
        decks changed, then the CPU work of parsing them off the event loop.
        """
        if not user.deck_version:
            return self._public
        bank, version = self.bank, user.deck_version
        cached = self._pools.get(user.id, version, bank)
        if cached is not None:
            session.info[(_POOL, user.id)] = cached
            return cached
        rows = await deck_storage.private_decks(session=session, owner_id=user.id)
        stored = [StoredDeck(r.id, r.topic, r.title, r.yaml_text) for r in rows]
        public = self._public
        if self._public_vocabulary is None:
            self._public_vocabulary = await asyncio.to_thread(public.bank.vocabulary)
        pool = await asyncio.to_thread(build_pool, public, stored, self._public_vocabulary)
        self._pools.put(user.id, version, bank, pool)
        session.info[(_POOL, user.id)] = pool
        return pool

    def pool_of(self, user: User) -> QuestionPool:
        """The user's pool as ``pool_in`` found it in this transaction (the bank in service if none)."""
        if not user.deck_version:
            return self._public
        session = object_session(user)
        pool = session.info.get((_POOL, user.id)) if session is not None else None
        return cast(QuestionPool, pool) if pool is not None else self._public

    async def find_question(self, who: UserRef, question_id: str) -> Question | None:
        """A question the user may see: the bank's, or one of their own private decks' (never another user's)."""
        if (question := self.bank.get(question_id)) is not None:
            return question
        async with self._transaction() as session:
            return self.pool_of(await self._user(session, who)).get(question_id)

    async def topics_of(self, who: UserRef) -> dict[str, str]:
        """Topic ids and titles the user can practise: the bank's, then their private decks'."""
        async with self._transaction() as session:
            return dict(self.pool_of(await self._user(session, who)).bank.topics)

    def known_topics(self, user_id: int) -> Mapping[str, str]:
        """Topic titles for showing the user's rounds and results, without a query: the bank's,
        plus their private decks' as last built (only titles: a stale one is harmless)."""
        pool = self._pools.latest(user_id, self.bank)
        return (pool or self._public).bank.topics

    def now(self) -> datetime:
        """The service's clock (injected in tests), aware UTC."""
        return self._now()

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One session and one transaction, for services that compose the building blocks above."""
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """One session and one transaction: committed on success, rolled back on error."""
        async with self._sessionmaker() as session, session.begin():
            yield session

    def _now(self) -> datetime:
        """The injected clock's time, checked to be aware and given in UTC."""
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return now.astimezone(UTC)

    async def _user(self, session: AsyncSession, who: UserRef) -> User:
        """The acting user's row, locked for this transaction.

        Given a ``UserInfo`` (what an adapter knows about the sender), the row is created or
        refreshed in this same transaction, so one update costs one transaction. Given a bare
        id, the user must exist already.
        """
        if isinstance(who, UserInfo):
            user = (await self._upsert(session, who))[0]
        else:
            found = await repository.get_user(session=session, user_id=who, for_update=True)
            if found is None:
                raise UnknownUserError(f"no user {who}: call touch_user first")
            user = found
        await self.pool_in(session, user)
        return user

    async def _upsert(self, session: AsyncSession, info: UserInfo) -> tuple[User, bool]:
        """Create the user or refresh their profile and last-seen time; True if created."""
        row, created = await repository.upsert_user(
            session=session,
            user_id=info.id,
            chat_id=info.chat_id,
            first_name=info.first_name,
            username=info.username,
            language=info.language,
            now=self._now(),
            timezone=self._default_timezone,
        )
        if created:
            logger.info("New user %d", info.id)
        return row, created

    def _open_of(self, user: User) -> Question | None:
        """The user's open question, if it is still in the bank (or their decks)."""
        return self.pool_of(user).get(user.open_question_id) if user.open_question_id else None

    async def _locked_open(
        self, session: AsyncSession, who: UserRef, question_id: str | None
    ) -> tuple[User, Question] | NoOpenQuestion:
        """The locked user and their open question, or why there is none."""
        if isinstance(who, UserInfo):
            user: User | None = await self._user(session, who)  # its pool found too
        else:
            user = await repository.get_user(session=session, user_id=who, for_update=True)
            if user is not None:
                await self.pool_in(session, user)
        question = self._open_of(user) if user else None
        if user is None or question is None:
            return NoOpenQuestion(stale=question_id is not None)
        if question_id is not None and question_id != question.id:
            return NoOpenQuestion(stale=True)
        return user, question

    def _open(self, user: User, question: Question, now: datetime) -> None:
        """Make ``question`` the user's open question, with no hints used yet."""
        user.open_question_id = question.id
        user.open_asked_at = now
        user.hints_used = 0
        user.last_question_id = question.id

    async def _skip_open(self, session: AsyncSession, user: User, now: datetime) -> Question | None:
        """Close the open question as skipped (if there is one) and return it."""
        question = self._open_of(user)
        _close(user)
        if question is not None:
            await self._save_review(session, user.id, question.id, lambda s: schedule_after_skip(s, question.id, now))
        return question

    async def _reschedule(
        self, session: AsyncSession, user_id: int, question_id: str, score: float, now: datetime
    ) -> None:
        """Move the question on the SM-2 schedule after an attempt scored ``score``."""
        await self._save_review(
            session, user_id, question_id, lambda s: schedule_after_grade(s, question_id, score, now)
        )

    async def _save_review(
        self,
        session: AsyncSession,
        user_id: int,
        question_id: str,
        update: Callable[[ReviewState | None], ReviewState],
    ) -> None:
        """Apply ``update`` to the user's review row of the question, creating the row if needed."""
        row = await repository.get_review(session=session, user_id=user_id, question_id=question_id)
        state = update(_state(row) if row else None)
        if row is None:
            row = Review(user_id=user_id, question_id=question_id)
            session.add(row)
        row.repetitions = state.repetitions
        row.interval_days = state.interval_days
        row.ease = state.ease
        row.due_at = state.due_at
        row.last_score = state.last_score
        row.seen_count = state.seen_count
        row.last_seen_at = state.last_seen_at
