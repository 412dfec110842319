"""The study groups' tables: groups, their questions, members' answers, members, and daily-question claims.

A group is keyed by its own ``id``; ``chat_id`` is the Telegram chat it is now, so a group
upgraded to a supergroup (a new chat id) keeps every row that hangs off it: one ``UPDATE`` of
``chat_id``. Answers and members also reference ``users`` with ``ON DELETE CASCADE``, so a
member's ``/delete_me`` takes their group answers and leaderboard entries with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import QUESTION_ID_LENGTH, TOPIC_LENGTH, Base


class Group(Base):
    """A group or supergroup the bot is (or was) in, and its daily-question settings."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    """The Telegram chat id now (a supergroup's after an upgrade)."""
    title: Mapped[str] = mapped_column(String(256), default="")
    supergroup: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    """The bot is a member; False once it was removed (the group is then unsubscribed)."""
    created_at: Mapped[datetime]
    left_at: Mapped[datetime | None]

    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[int | None] = mapped_column(SmallInteger)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    daily_time: Mapped[str | None] = mapped_column(String(5))
    push_weekdays_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_push_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the group's next daily question is due (UTC); None when not subscribed or not active."""
    last_posted_at: Mapped[datetime | None]
    """When the group's latest question was posted: the start of /question's cool-down."""


class GroupQuestion(Base):
    """One question posted in a group. ``status`` is ``open`` until it closes (``closed``).

    ``message_id`` is set once Telegram accepted the message, in ``chat_id`` (the chat the group
    was then): members' replies to that message are its answers.
    """

    __tablename__ = "group_questions"
    __table_args__ = (
        Index("ix_group_questions_group_id_status", "group_id", "status"),
        Index("ix_group_questions_chat_id_message_id", "chat_id", "message_id"),
        Index("ix_group_questions_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("groups.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(QUESTION_ID_LENGTH))
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    origin: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(16))


class GroupAnswer(Base):
    """One member's reply to a group question, graded. ``try_number`` 1 is the one the group counts."""

    __tablename__ = "group_answers"
    __table_args__ = (
        UniqueConstraint("group_question_id", "user_id", "try_number"),
        Index("ix_group_answers_group_id_answered_at", "group_id", "answered_at"),
        Index("ix_group_answers_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_question_id: Mapped[int] = mapped_column(Integer, ForeignKey("group_questions.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    try_number: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)
    """What the answer adds to the member's points: ``points_for(score)`` for the first try, else 0."""
    answered_at: Mapped[datetime]


class GroupMember(Base):
    """Someone who answered in a group: the name rankings show, and whether the private-feedback hint was given."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime]
    hinted_at: Mapped[datetime | None]
    """When the member was told, once, that starting the bot privately brings full feedback."""


class GroupDelivery(Base):
    """One group's daily question on one local day: the claim that makes group pushes exactly-once.

    The same mechanism as ``deliveries`` (one row per group and local date, unique), kept in
    its own table and functions (``bot.storage.group_deliveries``).
    """

    __tablename__ = "group_deliveries"
    __table_args__ = (
        UniqueConstraint("group_id", "local_date"),
        Index("ix_group_deliveries_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("groups.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    scheduled_for: Mapped[datetime]
    group_question_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime]
    """When it was claimed, or its claim last renewed by the run posting it (the lease counts from here)."""
    claimed_by: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(256))
