"""Who sent an update, and replying to its chat: shared by every handler module.

``send`` sends HTML. ``send_rich`` is for messages that quote the user's words or long bank
text: if Telegram rejects the markup or the length (400), it sends the message again as
plain text, cut to Telegram's limit, so the user still gets it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.domain.users import UserInfo
from bot.rendering import texts

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

_PLAIN_FALLBACK_ERRORS = ("message is too long", "can't parse entities")
"""Telegram's 400 descriptions after which a message is worth resending as plain text."""


def sender(update: Update) -> UserInfo:
    """The user who sent the update (or pressed the button), as the core services know them."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None, "handlers are registered for user updates only"
    assert chat is not None
    return UserInfo(user.id, chat.id, user.first_name or "", user.username, user.language_code)


def chat_id(update: Update) -> int:
    """The chat of the update (works for messages and button presses)."""
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def send(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send an HTML message to the chat of the update."""
    return await context.bot.send_message(chat_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def send_rich(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send HTML with the user's words or the bank's text in it; if Telegram rejects its markup
    or length, send it again as plain text so the user still gets it."""
    try:
        return await send(update, context, text, markup)
    except BadRequest as exc:
        if not any(reason in exc.message.casefold() for reason in _PLAIN_FALLBACK_ERRORS):
            raise
        logger.warning("Telegram rejected a formatted message (%s); sending it as plain text", exc.message)
    plain = texts.plain(text)
    if len(plain) > texts.MAX_MESSAGE_CHARS:
        plain = plain[: texts.MAX_MESSAGE_CHARS - 1] + "…"
    return await context.bot.send_message(chat_id(update), plain, reply_markup=markup)
