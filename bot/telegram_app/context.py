"""What every handler reaches through ``context``: the services, typed (``ContextTypes(bot_data=BotServices)``).

python-telegram-bot creates ``bot_data`` itself, by calling its type with no arguments; the
composition root (``app.build_application``) fills every field in before the first update
is handled. Handlers then read ``context.bot_data.conversation`` and friends: no string
keys, no casts.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.services.conversation import Conversation
from bot.services.daily import DailyPush
from bot.services.decks import UserDecks
from bot.services.groups import Groups
from bot.services.library import Library

if TYPE_CHECKING:  # the push runners' modules import this one, for their jobs' Context
    from bot.telegram_app.daily import PushRunner
    from bot.telegram_app.group_daily import GroupPushRunner
    from bot.telegram_app.handlers.groups import AdminCache


class BotServices:
    """The services of one bot process, shared by its handlers and jobs (``context.bot_data``)."""

    conversation: Conversation
    """Every user action of the conversation (practice, settings, rounds)."""
    decks: UserDecks
    """Users' own decks."""
    library: Library
    """The bank in service: reloads and published decks."""
    daily: DailyPush
    """The daily question's claims and outcomes (and /admin's figures)."""
    push_runner: PushRunner
    """Claims due daily questions and sends them (the push job's)."""
    groups: Groups
    """Every action in a study group."""
    group_push_runner: GroupPushRunner
    """Posts the groups' daily questions and closes expired ones (the group push job's)."""
    group_admins: AdminCache
    """Who administers which group, as Telegram said a moment ago."""
    admin_ids: frozenset[int] = frozenset()
    """``ADMIN_IDS``: who may use /admin, /reload and /decks, and publish decks."""


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotServices]
"""The ``context`` argument of every handler and job."""
CONTEXT_TYPES = ContextTypes(bot_data=BotServices)
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
"""What every handler is: ``async def name(update, context) -> None``."""
BotApplication = Application[ExtBot[int], Context, dict[Any, Any], dict[Any, Any], BotServices, JobQueue[Context]]
"""The application the composition root builds (its bot rate-limited: ``AIORateLimiter`` retries are ints)."""


def new_job_queue() -> JobQueue[Context]:
    """The JobQueue, typed for our context (``ApplicationBuilder.context_types`` does not retype it)."""
    return JobQueue()
