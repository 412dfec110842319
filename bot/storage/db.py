"""Engines, sessions and migrations: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by URL.

Alembic is configured in code (no ``alembic.ini``), so ``migrate`` works from any directory.
New revision, from the repository root::

    python -c "from bot.storage.db import new_revision; new_revision('sqlite:///dev.db', 'what changed')"
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, exc
from sqlalchemy.engine import URL, AdaptedConnection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import PoolResetState

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for the lock before giving up."""

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def async_url(url: str | URL) -> URL:
    """The URL with its async driver: ``sqlite://`` → aiosqlite, ``postgres(ql)://`` → asyncpg."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")
    parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    if parsed.get_backend_name() == "postgresql" and "sslmode" in parsed.query:
        # Hosted DATABASE_URLs say ?sslmode=require, a libpq option asyncpg calls "ssl".
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url.database)


def create_engine_from_url(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for the URL, with SQLite made safe for a concurrent bot."""
    parsed = async_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, pool_pre_ping=True, **kwargs)
    memory = _is_sqlite_memory(parsed)
    if not memory and parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
    if not memory:  # an in-memory database is one StaticPool connection anyway
        # Every transaction takes SQLite's one write lock at BEGIN (below), so a second connection
        # in this process could only wait for it in SQLite's busy handler, which polls with sleeps
        # of up to 100 ms. One pooled connection makes the wait a queue that hands the connection
        # over the moment it comes back, and never opens (and discards) an overflow connection,
        # each with its own aiosqlite thread, under load. Other processes still wait on the lock.
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs}
    # The reset on return is done below, only when a transaction is still open.
    kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(parsed, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, wal=not memory)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, wal: bool) -> None:
    """Foreign keys on, WAL, ``BEGIN IMMEDIATE`` transactions, and a reset on return only when needed.

    pysqlite's own transaction handling starts a transaction only at the first write, so
    two requests that both read and then write would fail with "database is locked" instead
    of waiting; taking the write lock at BEGIN makes every transaction wait its turn.

    aiosqlite runs every call on the connection's own thread, and each call is a round trip
    from the event loop to that thread and back; SQLAlchemy makes four of them for a statement
    (cursor, execute, fetch, close). BEGIN and the reset are done here with one call each, or
    none, through public APIs: SQLAlchemy's ``run_async`` and aiosqlite's ``execute_fetchall``
    and ``in_transaction``.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, and much faster
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        adapted = cast(AdaptedConnection, connection.connection.dbapi_connection)  # aiosqlite's, adapted
        try:  # one call on aiosqlite's thread, where exec_driver_sql would make three
            adapted.run_async(lambda driver: driver.execute_fetchall("BEGIN IMMEDIATE"))
        except sqlite3.Error as error:  # as exec_driver_sql would raise it, e.g. "database is locked"
            raise exc.DBAPIError.instance("BEGIN IMMEDIATE", (), error, sqlite3.Error) from error

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # SQLAlchemy's default reset calls rollback() on every return to the pool, one more call
        # on the thread, even after a commit. This one rolls back only a transaction left open.
        if state.asyncio_safe and not state.terminate_only and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (results are built from them)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | URL | None = None) -> Config:
    """Alembic configured in code: our migrations folder, and the URL if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        rendered = async_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


async def migrate(url: str | URL) -> None:
    """Bring the database at ``url`` to the latest schema (Alembic ``upgrade head``)."""
    engine = create_engine_from_url(url)
    try:
        await migrate_engine(engine)
    finally:
        await engine.dispose()


async def migrate_engine(engine: AsyncEngine, *, decks_dir: Path | None = None) -> None:
    """Run ``upgrade head`` on an existing engine, in one transaction.

    ``decks_dir`` is where published decks were kept as files before they moved to the
    database: migration 0005 imports them (once, when it runs).
    """
    logger.info("Migrating the database %s", engine.url.render_as_string(hide_password=True))
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, decks_dir)


def _upgrade(connection: Connection, decks_dir: Path | None = None) -> None:
    config = alembic_config()
    # env.py uses this connection instead of opening its own (Alembic's "connection sharing").
    config.attributes["connection"] = connection
    config.attributes["decks_dir"] = decks_dir
    command.upgrade(config, "head")


def new_revision(url: str | URL, message: str) -> None:
    """Autogenerate the next numbered migration from the models and the database at ``url`` (dev tool)."""
    numbers = [int(p.name[:4]) for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    command.revision(
        alembic_config(url), message=message, autogenerate=True, rev_id=f"{max(numbers, default=0) + 1:04d}"
    )
