"""Helpers to run python-telegram-bot against the emulator."""

from __future__ import annotations

import contextlib
import datetime as dtm
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, TelegramObject
from telegram.ext import Application

if TYPE_CHECKING:
    from .server import TelegramEmulator

AppT = TypeVar("AppT", bound=Application[Any, Any, Any, Any, Any, Any])
_PTB_INTERNALS = frozenset({"_bot", "api_kwargs", "_frozen", "_id_attrs"})


def make_bot(emulator: TelegramEmulator, **kwargs: Any) -> Bot:
    """A bare ``telegram.Bot`` pointed at the emulator (use ``async with``)."""
    return Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url, **kwargs)


@contextlib.asynccontextmanager
async def run_polling(app: AppT, *, poll_timeout: float = 2.0, **kwargs: Any) -> AsyncIterator[AppT]:
    """Initialize ``app``, poll the emulator and process updates for the block's duration.

    ``poll_timeout`` is the long-polling timeout in seconds; stopping does not wait for it because the
    emulator ends an abandoned long poll as soon as PTB closes the connection.
    Extra keyword arguments go to ``Updater.start_polling``.
    """
    async with app:
        if app.updater is None:
            raise RuntimeError("the application has no Updater")
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=poll_timeout), **kwargs)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def unknown_fields(obj: object, path: str = "object") -> list[str]:
    """Where PTB met fields it doesn't know (kept in ``api_kwargs``), searched recursively.

    ``assert unknown_fields(update) == []`` checks that an object the emulator produced
    deserialised completely. Raw slot values are read, so deprecated properties (which
    warn) are not touched.
    """
    if isinstance(obj, list | tuple):
        return [found for index, item in enumerate(obj) for found in unknown_fields(item, f"{path}[{index}]")]
    if not isinstance(obj, TelegramObject):
        return []
    found = [f"{path}.{name}" for name in obj.api_kwargs]
    for name, value in obj._get_attrs(include_private=True).items():
        if name not in _PTB_INTERNALS:
            found += unknown_fields(value, f"{path}.{name.lstrip('_')}")
    return found
