"""The persistence layer on a real database: URLs, migrations, types, repository functions."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, delete, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage import repository
from bot.storage.db import alembic_config, async_url, create_engine_from_url, migrate
from bot.storage.models import Attempt, Base, Review, User
from tests.practice_fixtures import START

pytest_plugins = ["tests.practice_fixtures"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/bot.db", "sqlite+aiosqlite:///data/bot.db"),
        ("sqlite+aiosqlite:////abs/bot.db", "sqlite+aiosqlite:////abs/bot.db"),
        ("postgres://u:p@db:5432/bot", "postgresql+asyncpg://u:p@db:5432/bot"),
        ("postgresql://u:p@db/bot", "postgresql+asyncpg://u:p@db/bot"),
        ("postgresql+psycopg2://u:p@db/bot", "postgresql+asyncpg://u:p@db/bot"),
        ("postgresql://u:p@db/bot?sslmode=require", "postgresql+asyncpg://u:p@db/bot?ssl=require"),
    ],
)
def test_async_url_picks_the_async_driver(url: str, expected: str) -> None:
    """Plain, Heroku-style and sync-driver URLs are rewritten to aiosqlite or asyncpg."""
    assert async_url(url).render_as_string(hide_password=False) == expected


def test_async_url_rejects_other_databases() -> None:
    """A database we do not support fails with a clear message."""
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        async_url("mysql://u:p@db/bot")


def _diff(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    """Autogenerate finds no difference between the migrated schema and the models (types and defaults too)."""
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff, Base.metadata) == []


async def test_migration_comparison_would_notice_a_change(engine: AsyncEngine) -> None:
    """The comparison is not vacuous: a model column missing from the migrations shows up as a diff."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["reviews"].append_column(Column("extra", Integer, nullable=True))
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff, changed)
    assert [(op[0], op[2], op[3].name) for op in diff] == [("add_column", "reviews", "extra")]


async def test_migrate_is_idempotent_and_records_head(database_url: str, engine: AsyncEngine) -> None:
    """Migrating an up-to-date database again changes nothing; the version table names the newest revision."""
    await migrate(database_url)
    async with engine.connect() as connection:
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None
    assert version == head


async def test_downgrade_to_base_and_upgrade_again(engine: AsyncEngine) -> None:
    """The initial migration's downgrade drops everything it created, and upgrading again restores it."""

    def run(connection: Connection, direction: str) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, direction)(config, "base" if direction == "downgrade" else "head")
        return sorted(inspect(connection).get_table_names())

    async with engine.begin() as connection:
        assert await connection.run_sync(run, "downgrade") == ["alembic_version"]
    async with engine.begin() as connection:
        assert await connection.run_sync(run, "upgrade") == sorted(["alembic_version", *Base.metadata.tables])


async def test_migration_0006_keeps_every_row_and_ids_are_never_given_out_twice(database_url: str) -> None:
    """A database at 0005 with a round, its items and a deck: after 0006 every row is still there (the rounds'
    items too, which SQLite's table copy would otherwise cascade away), the daily time is kept aside, and
    after deleting the user a new round and deck get new ids, never the deleted ones (buttons carry them)."""
    engine = create_engine_from_url(database_url)

    def upgrade(connection: Connection, target: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, target)

    user = "INSERT INTO users (id, chat_id, first_name, created_at, last_seen_at, timezone, daily_time, topics) "
    user += "VALUES (7, 7, 'Ann', :now, :now, 'Asia/Tokyo', '07:45', '[]')"
    # Ids as the database hands them out (PostgreSQL's sequences skip rows inserted with an explicit id).
    round_row = "INSERT INTO interview_rounds (user_id, level, length, status, started_at) "
    round_row += "VALUES (7, 2, 3, 'active', :now) RETURNING id"
    item = "INSERT INTO interview_items (round_id, user_id, position, question_id, topic, kind, difficulty, stage, "
    item += "covered, missed, contradicted, follow_up_concepts, follow_up_credited) "
    item += "VALUES (:round, 7, 0, 'overfitting', 'basics', 'conceptual', 1, 'asked', '[]', '[]', '[]', '[]', '[]')"
    deck = "INSERT INTO decks (owner_id, topic, title, filename, questions, yaml_text, status, created_at) "
    deck += "VALUES (7, :topic, 'T', 'd.md', 1, 'x', 'private', :now) RETURNING id"
    count = "SELECT COUNT(*) FROM {table}"
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade, "0005")
            await connection.execute(text(user), {"now": START})
            old_round = (await connection.execute(text(round_row), {"now": START})).scalar_one()
            await connection.execute(text(item), {"round": old_round})
            old_deck = (await connection.execute(text(deck), {"topic": "mine", "now": START})).scalar_one()
        async with engine.begin() as connection:
            await connection.run_sync(upgrade, "head")
        async with engine.begin() as connection:
            for table in ("users", "interview_rounds", "interview_items", "decks"):
                assert (await connection.execute(text(count.format(table=table)))).scalar_one() == 1, table
            kept = await connection.execute(text("SELECT last_daily_time, timezone_chosen FROM users"))
            assert tuple(kept.one()) in {("07:45", False), ("07:45", 0)}
            await connection.execute(text("DELETE FROM users WHERE id = 7"))
            assert (await connection.execute(text(count.format(table="interview_items")))).scalar_one() == 0
            await connection.execute(text(user), {"now": START})
            new_round = "INSERT INTO interview_rounds (user_id, level, length, status, started_at) "
            new_round += "VALUES (7, 2, 3, 'active', :now) RETURNING id"
            assert (await connection.execute(text(new_round), {"now": START})).scalar_one() > old_round
            new_deck = "INSERT INTO decks (owner_id, topic, title, filename, questions, yaml_text, status, created_at) "
            new_deck += "VALUES (7, 'mine', 'T', 'd.md', 1, 'x', 'private', :now) RETURNING id"
            assert (await connection.execute(text(new_deck), {"now": START})).scalar_one() > old_deck
    finally:
        await engine.dispose()


async def test_constraints_are_named_by_convention(engine: AsyncEngine) -> None:
    """Foreign keys cascade and carry the conventional names, so later migrations can address them."""

    def inspect_fks(connection: Connection) -> list[tuple[str | None, str | None]]:
        inspector = inspect(connection)
        return [
            (fk["name"], (fk.get("options") or {}).get("ondelete"))
            for table in ("attempts", "reviews")
            for fk in inspector.get_foreign_keys(table)
        ]

    async with engine.connect() as connection:
        fks = await connection.run_sync(inspect_fks)
    assert [(name, ondelete and ondelete.upper()) for name, ondelete in fks] == [
        ("fk_attempts_user_id_users", "CASCADE"),
        ("fk_reviews_user_id_users", "CASCADE"),
    ]


async def test_sqlite_gets_foreign_keys_and_wal(engine: AsyncEngine) -> None:
    """On SQLite every connection enforces foreign keys and the file uses write-ahead logging."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    async with engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one() == "wal"


async def test_sqlite_file_folder_is_created(tmp_path: Any) -> None:
    """A SQLite URL pointing into a folder that does not exist yet still works."""
    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'bot.db'}"
    await migrate(url)
    assert (tmp_path / "new" / "folder" / "bot.db").is_file()


async def _add_user(session: AsyncSession, user_id: int, now: datetime = START) -> User:
    user, _ = await repository.upsert_user(
        session=session, user_id=user_id, chat_id=user_id, first_name="A", username=None, language=None, now=now
    )
    return user


async def _add_attempt(session: AsyncSession, user_id: int, question_id: str = "q1", score: float = 0.5) -> Attempt:
    return await repository.record_attempt(
        session=session,
        user_id=user_id,
        question_id=question_id,
        topic="basics",
        answer_text="an answer",
        score=score,
        coverage=score,
        max_score=1.0,
        verdict="partial",
        covered=[{"name": "alpha", "weight": 1.0, "quote": "alpha"}],
        missed=["beta"],
        contradicted=[],
        hints_used=0,
        gave_up=False,
        now=START,
    )


async def test_datetimes_come_back_aware_utc(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A datetime in any zone is stored as UTC and read back aware, equal to the original instant."""
    berlin = timezone(timedelta(hours=1))
    written = datetime(2025, 3, 10, 10, 30, 15, 123456, tzinfo=berlin)
    async with sessionmaker() as session, session.begin():
        await _add_user(session, 1, now=written)
    async with sessionmaker() as session:
        user = await repository.get_user(session=session, user_id=1)
    assert user is not None
    assert user.created_at == written
    assert user.created_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A naive datetime is a bug (which zone?), so writing one fails."""
    with pytest.raises(Exception, match="naive datetime"):
        async with sessionmaker() as session, session.begin():
            await _add_user(session, 1, now=datetime(2025, 3, 10, 9, 0))


async def test_upsert_user_creates_then_refreshes(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The first upsert creates the user; the next one updates the profile but keeps created_at and settings."""
    async with sessionmaker() as session, session.begin():
        user, created = await repository.upsert_user(
            session=session, user_id=1, chat_id=1, first_name="A", username=None, language="en", now=START
        )
        assert created
        user.topics = ["metrics"]
        user.blocked_at = START
    later = START + timedelta(days=2)
    async with sessionmaker() as session, session.begin():
        user, created = await repository.upsert_user(
            session=session, user_id=1, chat_id=55, first_name="B", username="bee", language="de", now=later
        )
        assert not created
        assert (user.chat_id, user.first_name, user.username, user.language) == (55, "B", "bee", "de")
        assert (user.created_at, user.last_seen_at, user.topics, user.blocked_at) == (START, later, ["metrics"], None)


async def test_concurrent_first_messages_create_one_user(engine: AsyncEngine) -> None:
    """Five simultaneous upserts of a new user (separate connections) all succeed and leave one row."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def upsert() -> bool:
        async with sessions() as session, session.begin():
            _, created = await repository.upsert_user(
                session=session, user_id=9, chat_id=9, first_name="N", username=None, language=None, now=START
            )
            return created

    created = await asyncio.gather(*(upsert() for _ in range(5)))
    assert sorted(created) == [False, False, False, False, True]
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(User))).scalar_one() == 1


async def test_repository_functions_do_not_commit(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Work done through the repository vanishes when the caller rolls back: the caller owns the transaction."""
    async with sessionmaker() as session:
        await session.begin()
        await _add_user(session, 1)
        await _add_attempt(session, 1)
        await session.rollback()
    async with sessionmaker() as session:
        assert await repository.get_user(session=session, user_id=1) is None


async def test_history_and_scoped_reads(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Counts and best scores are per user and question; one user's attempt id is invisible to another."""
    async with sessionmaker() as session, session.begin():
        await _add_user(session, 1)
        await _add_user(session, 2)
        first = await _add_attempt(session, 1, score=0.4)
        await _add_attempt(session, 1, score=0.7)
        await _add_attempt(session, 1, question_id="q2", score=0.9)
        await _add_attempt(session, 2, score=1.0)
    async with sessionmaker() as session:
        assert await repository.question_history(session=session, user_id=1, question_id="q1") == (2, 0.7)
        assert await repository.question_history(session=session, user_id=1, question_id="q9") == (0, None)
        assert await repository.get_attempt(session=session, user_id=2, attempt_id=first.id) is None
        mine = await repository.get_attempt(session=session, user_id=1, attempt_id=first.id)
        assert mine is not None
        assert mine.covered == [{"name": "alpha", "weight": 1.0, "quote": "alpha"}]
        rows = await repository.list_attempts(session=session, user_id=1)
        assert [(r.question_id, r.score) for r in rows] == [("q1", 0.4), ("q1", 0.7), ("q2", 0.9)]


async def _counts(session: AsyncSession, user_id: int) -> tuple[int, int, int]:
    counts: Sequence[int] = [
        (await session.execute(select(func.count()).select_from(model).where(column == user_id))).scalar_one()
        for model, column in ((User, User.id), (Attempt, Attempt.user_id), (Review, Review.user_id))
    ]
    return counts[0], counts[1], counts[2]


async def _populate(session: AsyncSession, user_id: int) -> None:
    await _add_user(session, user_id)
    await _add_attempt(session, user_id)
    await _add_attempt(session, user_id, question_id="q2")
    session.add(Review(user_id=user_id, question_id="q1", due_at=START, last_seen_at=START))


async def test_delete_user_data_removes_only_that_user(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Deleting a user removes their user, attempt and review rows, counts them, and leaves another user intact."""
    async with sessionmaker() as session, session.begin():
        await _populate(session, 1)
        await _populate(session, 2)
    async with sessionmaker() as session, session.begin():
        assert await repository.delete_user_data(session=session, user_id=1) == 4
    async with sessionmaker() as session:
        assert await _counts(session, 1) == (0, 0, 0)
        assert await _counts(session, 2) == (1, 2, 1)


async def test_foreign_keys_cascade(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Deleting the user row alone cascades to their attempts and reviews (foreign keys are enforced)."""
    async with sessionmaker() as session, session.begin():
        await _populate(session, 1)
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(User).where(User.id == 1))  # a bulk DELETE: no ORM cascade, only the database's
    async with sessionmaker() as session:
        assert await _counts(session, 1) == (0, 0, 0)


async def test_engine_for_a_new_sqlite_file_migrates_on_a_second_engine(tmp_path: Any) -> None:
    """Migrating with one engine and using another (as on restart) sees the same schema."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await migrate(url)
    engine = create_engine_from_url(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(_table_names)
    finally:
        await engine.dispose()
    assert tables == sorted(["alembic_version", *Base.metadata.tables])


def _table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())
