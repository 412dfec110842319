"""The SQLite engine from ``create_engine_from_url``: whole results, rollbacks, writers taking turns, the lock."""

from __future__ import annotations

import asyncio
import contextlib
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


@contextlib.asynccontextmanager
async def two_processes(
    tmp_path: Path, *, busy_timeout: float = 30.0
) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one SQLite file with the notes table, as two bot processes would have them;
    the second waits ``busy_timeout`` seconds for the write lock."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first = create_engine_from_url(url)
    second = create_engine_from_url(url, connect_args={"timeout": busy_timeout})
    try:
        async with first.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.parametrize("processes", [1, 2])
async def test_transactions_that_read_then_write_take_turns(tmp_path: Path, processes: int) -> None:
    """Two transactions that each read, then write, at the same time on one file, from one bot
    process or from two: the second waits for the first instead of failing "database is locked",
    and both land whole."""

    async def write(engine: AsyncEngine, owner: int) -> None:
        async with engine.begin() as connection:
            seen = (await connection.execute(select(func.count()).select_from(notes))).scalar_one()
            await asyncio.sleep(0.05)  # the other transaction tries meanwhile
            await connection.execute(insert(notes).values(owner=owner, body=f"{owner} saw {seen}"))
            await connection.execute(insert(notes).values(owner=owner, body=f"again {owner}"))

    async with two_processes(tmp_path) as (first, second):
        await asyncio.gather(write(first, 1), write(first if processes == 1 else second, 2))
        async with first.connect() as connection:
            rows = (await connection.execute(select(notes.c.owner, notes.c.body).order_by(notes.c.id))).all()
    one, other = rows[0].owner, rows[2].owner
    assert [row.owner for row in rows] == [one, one, other, other]  # one after the other
    assert rows[0].body == f"{one} saw 0"
    assert rows[2].body == f"{other} saw 2"  # the second read after the first had committed


async def test_a_transaction_left_open_is_rolled_back_when_its_connection_is_returned(tmp_path: Path) -> None:
    """Writes of a transaction nobody committed are undone when the connection goes back to the
    pool, and the write lock is free for the next transaction and for other processes."""
    async with two_processes(tmp_path, busy_timeout=1.0) as (engine, other_process):
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await connection.commit()  # SQLAlchemy's transaction is over; the driver starts one it never sees
            await driver.execute_fetchall("BEGIN IMMEDIATE")
            await driver.execute_fetchall("INSERT INTO notes (owner, body) VALUES (1, 'never committed')")
        async with other_process.begin() as connection:
            await connection.execute(insert(notes).values(owner=2, body="written elsewhere"))
        async with engine.begin() as connection:
            await connection.execute(insert(notes).values(owner=3, body="written here"))
            bodies = (await connection.execute(select(notes.c.body).order_by(notes.c.id))).scalars().all()
    assert bodies == ["written elsewhere", "written here"]


async def test_a_writer_that_never_gets_the_lock_fails_with_sqlalchemys_error(tmp_path: Path) -> None:
    """When another process holds the write lock past the busy timeout, BEGIN fails with
    SQLAlchemy's OperationalError ("database is locked"), and the engine works once the lock is free."""
    async with two_processes(tmp_path, busy_timeout=0.1) as (holder, waiter):
        async with holder.begin() as held:
            await held.execute(insert(notes).values(owner=1, body="holding the lock"))
            with pytest.raises(exc.OperationalError, match="database is locked"):
                async with waiter.begin() as connection:
                    await connection.execute(insert(notes).values(owner=2, body="blocked"))
        async with waiter.begin() as connection:
            await connection.execute(insert(notes).values(owner=2, body="after"))
            count = (await connection.execute(select(func.count()).select_from(notes))).scalar_one()
    assert count == 2
