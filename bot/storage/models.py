"""The database schema as typed SQLAlchemy models: users, their attempts and their review schedule.

Every table other than ``users`` is keyed by the Telegram user id with ``ON DELETE CASCADE``,
so deleting a user removes all of their rows. Times are timezone-aware UTC in Python and
stored portably by :class:`UTCDateTime`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names: Alembic can then drop or alter them by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

QUESTION_ID_LENGTH = 64
TOPIC_LENGTH = 64


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as
    UTC wall time and the zone is put back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes (their zone is a guess) and normalise to UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the driver gave back."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the naming convention and the portable UTC datetime type."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class User(Base):
    """A Telegram user, their settings and the question they are answering now."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty_range"),
        CheckConstraint("hints_used >= 0", name="hints_used_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """The Telegram user id: every query is scoped by it."""
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Topic ids to practise; empty means every topic."""
    difficulty: Mapped[int | None] = mapped_column(SmallInteger)
    """Only questions of this level (1-3); None means every level."""
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    daily_time: Mapped[str | None] = mapped_column(String(5))
    """Local "HH:MM" of the daily question; None means not subscribed."""
    last_daily_time: Mapped[str | None] = mapped_column(String(5))
    """The daily question's time as last chosen, kept after /unsubscribe: /subscribe alone brings it back."""
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The user said which zone they are in (a command or a button): /subscribe need not ask."""
    push_weekdays_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Daily questions on Monday to Friday only (in the user's own time zone)."""
    next_push_at: Mapped[datetime | None] = mapped_column(index=True)
    """The next daily question is due at this UTC instant; None when not subscribed.

    Kept up to date from ``daily_time``, ``timezone`` and the days whenever one of them
    changes and whenever a push is claimed, so finding who is due is one index range scan."""
    blocked_at: Mapped[datetime | None]
    """When Telegram said the user blocked the bot (403); cleared when they write again."""

    open_question_id: Mapped[str | None] = mapped_column(String(QUESTION_ID_LENGTH))
    open_asked_at: Mapped[datetime | None]
    hints_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_question_id: Mapped[str | None] = mapped_column(String(QUESTION_ID_LENGTH))
    """The question asked most recently: never asked twice in a row, and what "Retry" re-opens."""
    interview_time_limit_s: Mapped[int | None] = mapped_column(Integer)
    """Seconds per question in a mock interview round; None means no time limit (the default)."""
    deck_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped whenever one of the user's private decks is added, removed or published; 0 means
    the user never had one, so practising needs no look at the ``decks`` table."""


class Attempt(Base):
    """One graded answer, or a give-up (model answer revealed)."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_id_question_id", "user_id", "question_id"),
        Index("ix_attempts_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_LENGTH))
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    """Copied from the bank so stats survive a question being removed from it."""
    answer_text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    coverage: Mapped[float] = mapped_column(Float)
    """Covered concept weight over the total, before penalties."""
    max_score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(16))
    """The grader's verdict; None for a give-up."""
    covered: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``[{"name", "weight", "quote"}]``: the concepts hit and the user's words that hit them."""
    missed: Mapped[list[str]] = mapped_column(JSON)
    contradicted: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    hints_used: Mapped[int] = mapped_column(Integer)
    gave_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class Review(Base):
    """The spaced-repetition state of one question for one user (SM-2, see ``bot.domain.scheduling``)."""

    __tablename__ = "reviews"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_LENGTH), primary_key=True)
    repetitions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    interval_days: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    ease: Mapped[float] = mapped_column(Float, default=2.5, server_default="2.5")
    due_at: Mapped[datetime]
    last_score: Mapped[float | None] = mapped_column(Float)
    """Score of the latest graded attempt; None if the question was only ever skipped."""
    seen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_seen_at: Mapped[datetime]


class Delivery(Base):
    """One daily question for one user on one local day: the claim that makes pushes exactly-once.

    The unique ``(user_id, local_date)`` pair is the guarantee: whichever bot process inserts
    the row first owns that day's push, and nobody can insert a second one. ``status`` moves
    from ``claimed`` to ``sent``, ``failed`` or ``blocked``; a push found too late (after the
    grace period) is recorded as ``skipped`` without sending.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date"),
        Index("ix_deliveries_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    """The subscriber's own calendar day this push belongs to."""
    scheduled_for: Mapped[datetime]
    """The UTC instant of the subscriber's local push time on that day."""
    question_id: Mapped[str | None] = mapped_column(String(QUESTION_ID_LENGTH))
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime]
    """When it was claimed, or its claim last renewed by the run sending it (the lease counts from here)."""
    claimed_by: Mapped[str] = mapped_column(String(64))
    """Which bot process claimed it (host and pid), for the logs and stale-claim recovery."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_at: Mapped[datetime | None]
    """When it was sent, failed for good, or skipped."""
    error: Mapped[str | None] = mapped_column(String(256))


class InterviewRound(Base):
    """One mock interview round (``bot.services.interview``): its questions are its ``interview_items``.

    ``status`` is ``active`` (at most one per user, kept so by the service under the user's row
    lock), ``finished`` or ``cancelled``. ``score`` and ``verdict`` are filled in when it ends,
    for ``/history``.
    """

    __tablename__ = "interview_rounds"
    __table_args__ = (
        Index("ix_interview_rounds_user_id_status", "user_id", "status"),
        Index("ix_interview_rounds_user_id_started_at", "user_id", "started_at"),
        # Buttons carry round ids: SQLite must never give one out twice (PostgreSQL's sequences never do).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str | None] = mapped_column(String(TOPIC_LENGTH))
    """The one topic of the round; None means mixed topics."""
    level: Mapped[int] = mapped_column(SmallInteger)
    length: Mapped[int] = mapped_column(SmallInteger)
    """Questions planned (the number of item rows)."""
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    """0-based position of the item being asked now."""
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    """The user's time limit when the round started; None means untimed."""
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(16))


class InterviewItem(Base):
    """One question of a round: its answer, grade, follow-up and the score it counts for in the round.

    ``stage`` goes ``pending`` → ``asked`` → (``follow-up`` →) ``done``, or ``passed`` when the
    candidate passed. Topic, kind and difficulty are copied from the bank so a debrief survives
    a question being removed from it.
    """

    __tablename__ = "interview_items"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        Index("ix_interview_items_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, ForeignKey("interview_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_LENGTH))
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(SmallInteger)
    stage: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime | None]
    hints_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Float)
    """The grader's score of the answer (hint and contradiction penalties in, lateness not)."""
    max_score: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(16))
    covered: Mapped[list[str]] = mapped_column(JSON, default=list)
    missed: Mapped[list[str]] = mapped_column(JSON, default=list)
    contradicted: Mapped[list[str]] = mapped_column(JSON, default=list)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    follow_up_text: Mapped[str | None] = mapped_column(Text)
    """The bank follow-up asked; None with ``follow_up_concepts`` set means one phrased from the concept."""
    follow_up_concepts: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Names of the missed concepts the follow-up is graded against (empty: no follow-up)."""
    follow_up_asked_at: Mapped[datetime | None]
    follow_up_answer: Mapped[str | None] = mapped_column(Text)
    follow_up_answered_at: Mapped[datetime | None]
    follow_up_score: Mapped[float | None] = mapped_column(Float)
    """Covered weight of the targeted concepts over their total weight."""
    follow_up_credited: Mapped[list[str]] = mapped_column(JSON, default=list)
    follow_up_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    final_score: Mapped[float | None] = mapped_column(Float)
    """What the question counts for in the round: lateness and follow-up credit applied."""


class Deck(Base):
    """A deck of questions a user sent to the bot: private to its owner until an admin publishes it.

    ``yaml_text`` is the checked bank topic file (``bank/*.yaml`` format) the deck became.
    ``status`` is ``private`` (served to the owner only), or ``published`` once an admin has
    added it to the bank for everyone (its questions keep their ids, so the owner's progress
    carries over). ``submitted_at`` is set when the owner asks the admins to publish it.
    """

    __tablename__ = "decks"
    __table_args__ = (
        UniqueConstraint("owner_id", "topic"),
        Index("ix_decks_status_submitted_at", "status", "submitted_at"),
        {"sqlite_autoincrement": True},  # buttons carry deck ids: never given out twice
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    title: Mapped[str] = mapped_column(String(256))
    filename: Mapped[str] = mapped_column(String(256))
    questions: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]


class PublishedDeck(Base):
    """A deck published for everyone: with the bank files, it is the bank in service of every bot process.

    A copy of the deck's checked topic file (``yaml_text``), apart from the user's own
    ``decks`` row: the owner deleting their data leaves the bank as it is. ``source_deck_id``
    is that row while it exists (None for decks imported from ``DECKS_DIR`` by migration 0005).
    """

    __tablename__ = "published_decks"
    __table_args__ = (UniqueConstraint("topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    title: Mapped[str] = mapped_column(String(256))
    filename: Mapped[str] = mapped_column(String(256))
    questions: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    source_deck_id: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime]


class BankState(Base):
    """One row: the version of the bank in service, bumped by every publish and ``/reload``.

    Every bot process compares it with the version it serves once a minute (the push job) and
    reloads when it moved, so a publish through one process reaches all of them.
    """

    __tablename__ = "bank_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime]


# The study groups' tables are in their own module; importing it here puts them in ``Base.metadata``
# wherever the schema is read (migrations, and their comparison with the models).
from bot.storage import group_models  # noqa: E402, F401
