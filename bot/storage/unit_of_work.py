"""One session and one transaction per user action: what services use instead of importing SQLAlchemy.

Services own the unit of work (they decide what one user action changes) but never build
SQL: they open ``transaction(factory)``, call the repository functions of this package with
the session, and change the rows those return. Committed on success, rolled back on error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import object_session

Session = AsyncSession
"""The session a service passes to repository functions."""
SessionFactory = async_sessionmaker[AsyncSession]
"""Makes sessions (``bot.storage.db.make_sessionmaker``)."""


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[Session]:
    """One session and one transaction: committed on success, rolled back on error."""
    async with factory() as session, session.begin():
        yield session


def session_info(row: object) -> dict[Any, Any] | None:
    """The ``info`` dict of the session a row was loaded in (None once detached): per-transaction notes."""
    session = object_session(row)
    return session.info if session is not None else None
