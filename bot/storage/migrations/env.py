"""Alembic environment: runs on a connection handed over by ``bot.storage.db`` or on its own async engine."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection

from bot.storage.db import create_engine_from_url
from bot.storage.models import Base

target_metadata = Base.metadata


def _configure(**kwargs: Any) -> None:
    # Batch mode lets later migrations ALTER tables on SQLite, which recreates them to do so.
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True, **kwargs)


def run_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    _configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_on_connection(connection: Connection) -> None:
    """Run the migrations on a live synchronous connection."""
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    """Open an engine for the configured URL and run the migrations on it."""
    engine = create_engine_from_url(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on_connection)
    finally:
        await engine.dispose()


def run_online() -> None:
    """Use the caller's connection if it gave one, else connect to ``sqlalchemy.url``."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on_connection(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or set sqlalchemy.url")
    asyncio.run(run_with_own_engine(url))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
