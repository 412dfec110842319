"""aiosqlite with one thread hop per statement instead of four.

aiosqlite runs each sqlite3 call on the connection's own thread and hands the result back to
the event loop. SQLAlchemy's aiosqlite dialect drives a statement as four such calls (make a
cursor, execute, fetch all rows, close the cursor), and every hop costs a thread wake-up and
a loop wake-up, a fraction of a millisecond each on a loaded loop. For this bot's small
statements the hops, not SQLite, were most of a reply's database time.

``connect`` returns an ``aiosqlite.Connection`` whose cursors do the whole statement in one
call on the connection's thread: make a sqlite3 cursor, execute, fetch every row, close, and
bring back the rows with ``description``, ``rowcount`` and ``lastrowid``. Everything else
(transactions, the thread, errors, ``close``) is aiosqlite's own. SQLAlchemy receives it through
``create_async_engine(..., async_creator=...)``, its documented hook for a custom driver
connection.

The trade-off: a result is read in full before it comes back, so a server-side cursor
(``stream``) gets no memory saving on SQLite. The bot never streams: its results are small.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import aiosqlite

Row = Any
Description = tuple[tuple[Any, ...], ...] | None
Result = tuple[Description, int, int | None, list[Row]]
"""What a statement brings back from the thread: description, rowcount, lastrowid, every row."""


def _execute(connection: sqlite3.Connection, sql: str, parameters: Any) -> Result:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _executemany(connection: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> Result:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


async def _on_thread(
    connection: aiosqlite.Connection,
    function: Callable[[sqlite3.Connection, str, Any], Result],
    sql: str,
    parameters: Any,
) -> Result:
    """Run ``function(sqlite3 connection, sql, parameters)`` on the connection's thread (one hop)."""
    return cast(Result, await connection._execute(function, connection._conn, sql, parameters))  # type: ignore[no-untyped-call]


class BufferedCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy uses; each ``execute`` is one call on the thread."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Row] = []
        self._next = 0

    async def execute(self, sql: str, parameters: Any = ()) -> BufferedCursor:
        """Run the statement and keep all of its rows."""
        self._take(await _on_thread(self._connection, _execute, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> BufferedCursor:
        """Run the statement once per parameter set."""
        self._take(await _on_thread(self._connection, _executemany, sql, list(parameters)))
        return self

    def _take(self, result: Result) -> None:
        self.description, self.rowcount, self.lastrowid, self._rows = result
        self._next = 0

    async def fetchone(self) -> Row | None:
        """The next row, or None."""
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        """Up to ``size`` (default ``arraysize``) more rows."""
        end = self._next + (self.arraysize if size is None else size)
        rows = self._rows[self._next : end]
        self._next += len(rows)
        return rows

    async def fetchall(self) -> list[Row]:
        """The remaining rows."""
        rows = self._rows[self._next :]
        self._next = len(self._rows)
        return rows

    async def close(self) -> None:
        """Nothing to release: the sqlite3 cursor was closed on the thread after the statement."""
        self._rows = []

    def __aiter__(self) -> BufferedCursor:
        return self

    async def __anext__(self) -> Row:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _NewCursor:
    """What ``Connection.cursor()`` returns: awaitable and an async context manager, like aiosqlite's."""

    def __init__(self, cursor: BufferedCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, BufferedCursor]:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> BufferedCursor:
        return self._cursor

    async def __aexit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self._cursor.close()


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are ``BufferedCursor``: no thread hop to create one."""

    def cursor(self) -> _NewCursor:  # type: ignore[override]
        """A cursor; making it costs no call on the thread."""
        return _NewCursor(BufferedCursor(self))


def connect(database: str | Path, **kwargs: Any) -> Connection:
    """Like ``aiosqlite.connect``: ``kwargs`` go to ``sqlite3.connect``. Await the result to open it."""
    location = str(database)

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(location, **kwargs)
        return opened

    connection = Connection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy's dialect does: never keep the process alive
    return connection


def async_creator(arguments: Sequence[Any], options: dict[str, Any]) -> Callable[[], Any]:
    """The ``async_creator`` for ``create_async_engine``: opens a ``Connection`` with these
    ``sqlite3.connect`` arguments (the ones SQLAlchemy's dialect derives from the URL)."""

    async def create() -> Connection:
        return cast(Connection, await connect(*arguments, **options))

    return create
