"""Admins (``ADMIN_IDS``): /admin, /reload and /decks. To anybody else they do not exist."""

from __future__ import annotations

import logging

from telegram import Update

from bot.rendering import deck_texts, texts
from bot.telegram_app.context import Context
from bot.telegram_app.handlers.messages import unknown_command
from bot.telegram_app.keyboards import publish_keyboard
from bot.telegram_app.replies import send, sender

logger = logging.getLogger(__name__)


def is_admin(context: Context, user_id: int) -> bool:
    """Whether the user is in ``ADMIN_IDS``."""
    return user_id in context.bot_data.admin_ids


async def _refused(update: Update, context: Context) -> bool:
    """An admin command from anyone else: answered as an unknown command (True), as if it did not exist."""
    user = update.effective_user
    if user is not None and is_admin(context, user.id):
        return False
    logger.info("User %s tried an admin command", user.id if user else "?")
    await unknown_command(update, context)
    return True


async def admin_command(update: Update, context: Context) -> None:
    """/admin: push and usage figures."""
    if await _refused(update, context):
        return
    await context.bot_data.conversation.touch(sender(update))
    await send(update, context, texts.admin(await context.bot_data.daily.admin_stats()))


async def reload_command(update: Update, context: Context) -> None:
    """/reload: the bank files and published decks again; a broken bank is rejected, the old one stays."""
    if await _refused(update, context):
        return
    await send(update, context, deck_texts.reloaded(await context.bot_data.library.reload()))


async def waiting_decks_command(update: Update, context: Context) -> None:
    """/decks: the decks users asked to publish, each with a Publish button."""
    if await _refused(update, context):
        return
    waiting = await context.bot_data.decks.submitted()
    markup = publish_keyboard(waiting[: deck_texts.MAX_WAITING_SHOWN]) if waiting else None
    await send(update, context, deck_texts.waiting(waiting), markup)
