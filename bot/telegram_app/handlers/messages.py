"""Everything that is not a command of ours: unknown commands, media, edits, old buttons, membership, errors."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden

from bot.rendering import texts
from bot.telegram_app.context import Context
from bot.telegram_app.handlers import groups
from bot.telegram_app.replies import send, sender

logger = logging.getLogger(__name__)

_MEDIA = (
    ("sticker", "stickers"),
    ("photo", "photos"),
    ("voice", "voice messages"),
    ("video_note", "video messages"),
    ("document", "files"),
    ("video", "videos"),
    ("audio", "audio"),
)
"""Message attributes of the media we cannot read, and what the reply calls them."""


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None
    await context.bot_data.conversation.touch(sender(update))
    command = (message.text or "/").split()[0]
    await send(update, context, texts.unknown_command(command))


async def unsupported_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, files and other media: ask for text."""
    message = update.effective_message
    assert message is not None
    kind = next((name for attr, name in _MEDIA if getattr(message, attr, None)), "this kind of message")
    await send(update, context, texts.unsupported(kind))


async def edited_message(update: Update, context: Context) -> None:
    """An edited message: explain that answers are graded as first sent."""
    await send(update, context, texts.EDITED_MESSAGE)


async def unknown_button(update: Update, context: Context) -> None:
    """Button data no keyboard of ours makes (an old version's, or forged): say so."""
    query = update.callback_query
    assert query is not None
    await query.answer(texts.UNKNOWN_BUTTON)


async def chat_member_changed(update: Update, context: Context) -> None:
    """The user blocked the bot (remembered: no pushes) or unblocked it (back to normal); in a group,
    the bot joined or left it (``groups.bot_membership_changed``)."""
    change = update.my_chat_member
    assert change is not None
    if change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await groups.bot_membership_changed(update, context)
        return
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status == ChatMemberStatus.BANNED:
        logger.info("User %d blocked the bot", change.from_user.id)
        await context.bot_data.conversation.mark_blocked(change.from_user.id)
    elif status == ChatMemberStatus.MEMBER:
        await context.bot_data.conversation.touch(sender(update))  # writing or unblocking clears the blocked mark


async def error_handler(update: object, context: Context) -> None:
    """Log the exception first, then apologise to the user if there is one.

    A 403 means the user blocked the bot (or never started it): there is nobody to
    apologise to, so it is logged and remembered instead.
    """
    if isinstance(context.error, Forbidden):
        await _remember_blocked(update, context, context.error)
        return
    logger.error("Error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, texts.ERROR_APOLOGY)
        if update.callback_query is not None:
            await update.callback_query.answer()
    except Exception:  # the apology is best effort: Telegram itself may be what failed
        logger.warning("Could not apologise to chat %s", update.effective_chat.id, exc_info=True)


async def _remember_blocked(update: object, context: Context, error: Forbidden) -> None:
    """Log a 403 and mark the user as blocked, or in a group, the group as left (best effort)."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        logger.warning("Telegram refused to deliver to group %d: %s", chat.id, error.message)
        try:
            await context.bot_data.groups.left(chat.id)
        except Exception:  # the database may be what is failing; the 403 is already logged
            logger.exception("Could not mark group %d as left", chat.id)
        return
    user = update.effective_user if isinstance(update, Update) else None
    logger.warning("Telegram refused to deliver to user %s: %s", user.id if user else "?", error.message)
    if user is None:
        return
    try:
        await context.bot_data.conversation.mark_blocked(user.id)
    except Exception:  # the database may be what is failing; the 403 is already logged
        logger.exception("Could not mark user %d as blocked", user.id)
