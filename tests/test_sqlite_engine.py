"""The SQLite engine from ``create_engine_from_url``: whole results, rollback on failure, writers take turns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, exc, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine_from_url

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", Integer, nullable=False),
    Column("body", String, nullable=False, unique=True),
)


@pytest.fixture(params=["file", "memory"])
async def sqlite_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine as the bot makes it, on a file and in memory."""
    url = f"sqlite:///{tmp_path / 'engine.db'}" if request.param == "file" else "sqlite://"
    engine = create_engine_from_url(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_results_rowcounts_and_ids_are_those_of_sqlite(sqlite_engine: AsyncEngine) -> None:
    """Rows come back in order and complete; UPDATE row counts and inserted ids are SQLite's."""
    async with sqlite_engine.begin() as connection:
        await connection.execute(insert(notes), [{"owner": i % 3, "body": f"note {i}"} for i in range(100)])
        single = await connection.execute(insert(notes).values(owner=7, body="last"))
        assert single.lastrowid == 101
        changed = await connection.execute(update(notes).where(notes.c.owner == 1).values(body=notes.c.body + "!"))
        assert changed.rowcount == 33
    async with sqlite_engine.connect() as connection:
        result = await connection.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id))
        first_two = result.fetchmany(2)
        rest = result.fetchall()
        assert first_two == [(1, "note 0"), (2, "note 1!")]
        assert len(rest) == 99
        assert rest[-1] == (101, "last")
        assert (await connection.execute(select(func.count()).select_from(notes))).scalar_one() == 101
        empty = await connection.execute(select(notes).where(notes.c.owner == 99))
        assert empty.fetchone() is None


async def test_a_failed_statement_raises_and_rolls_back(sqlite_engine: AsyncEngine) -> None:
    """A constraint violation is SQLAlchemy's IntegrityError, the transaction's earlier writes are
    undone, and the connection keeps working."""
    async with sqlite_engine.begin() as connection:
        await connection.execute(insert(notes).values(owner=1, body="kept"))
    async with sqlite_engine.connect() as connection:
        await connection.begin()
        await connection.execute(insert(notes).values(owner=1, body="undone"))
        with pytest.raises(exc.IntegrityError):
            await connection.execute(insert(notes).values(owner=2, body="kept"))
        await connection.rollback()
        with pytest.raises(exc.OperationalError):
            await connection.execute(text("SELECT * FROM no_such_table"))
    async with sqlite_engine.connect() as connection:
        bodies = (await connection.execute(select(notes.c.body))).scalars().all()
    assert bodies == ["kept"]


async def test_writers_on_two_connections_take_turns(tmp_path: Path) -> None:
    """Two transactions writing at once on a file: the second waits for the first, both land."""
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'turns.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

    async def write(owner: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(insert(notes).values(owner=owner, body=f"from {owner}"))
            await asyncio.sleep(0.05)  # hold the write lock while the other one tries
            await connection.execute(insert(notes).values(owner=owner, body=f"again {owner}"))

    try:
        await asyncio.gather(write(1), write(2))
        async with engine.connect() as connection:
            owners = (await connection.execute(select(notes.c.owner).order_by(notes.c.id))).scalars().all()
    finally:
        await engine.dispose()
    assert sorted(owners) == [1, 1, 2, 2]
    assert owners[0] == owners[1]  # one transaction's rows, then the other's: they did not interleave
