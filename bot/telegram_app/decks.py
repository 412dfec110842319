"""Decks sent to the bot as documents, and /reload: the bank changes without a restart (admins only).

An admin sends a CSV, Markdown or YAML deck as a file. It is checked off the event loop
against the bank in service (``Library.check``); a deck with problems is rejected with
their line numbers and nothing changes. A clean one waits for the admin's confirmation
(a button), then is published and the bank reloaded. The pending deck is kept per admin in
memory, keyed by the presser's id: a forged or stale button finds nothing. Anyone else who
sends a file gets the usual "text answers only" reply.
"""

from __future__ import annotations

import html
import logging
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts
from bot.core.library import DeckReady, DeckRejected, Library, Reloaded, ReloadFailed
from bot.telegram_app import handlers

logger = logging.getLogger(__name__)

LIBRARY_KEY = "library"
PENDING_KEY = "pending_decks"
MAX_PROBLEMS_SHOWN = 15

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, library: Library) -> None:  # type: ignore[type-arg]
    """Add /reload, the document handler and the deck buttons (before the general ones)."""
    application.bot_data[LIBRARY_KEY] = library
    application.bot_data[PENDING_KEY] = {}
    application.add_handler(CommandHandler("reload", reload_command))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL & _is_admin(application), deck_received)
    )
    application.add_handler(CallbackQueryHandler(deck_button, pattern=r"^deck:"))


def _is_admin(application: Application) -> filters.MessageFilter:  # type: ignore[type-arg]
    admins = application.bot_data.get(handlers.ADMINS_KEY, frozenset())
    return filters.User(user_id=list(admins)) if admins else filters.User(user_id=[])


def _library(context: Context) -> Library:
    return cast(Library, context.bot_data[LIBRARY_KEY])


def _pending(context: Context) -> dict[int, DeckReady]:
    return cast(dict[int, DeckReady], context.bot_data[PENDING_KEY])


def _problems(lines: tuple[str, ...]) -> str:
    shown = "\n".join(f"• {html.escape(line)}" for line in lines[:MAX_PROBLEMS_SHOWN])
    more = len(lines) - MAX_PROBLEMS_SHOWN
    return shown + (f"\n… and {more} more" if more > 0 else "")


async def reload_command(update: Update, context: Context) -> None:
    """/reload: load the bank files and published decks again; a broken bank is rejected."""
    user = update.effective_user
    assert user is not None
    if user.id not in context.bot_data.get(handlers.ADMINS_KEY, frozenset()):
        await handlers.unknown_command(update, context)
        return
    result = await _library(context).reload()
    await _reply(update, context, _reload_text(result))


def _reload_text(result: Reloaded | ReloadFailed) -> str:
    if isinstance(result, Reloaded):
        return texts.BANK_RELOADED.format(questions=result.questions, topics=result.topics, decks=result.decks)
    return texts.BANK_RELOAD_FAILED + "\n" + _problems(result.problems)


async def deck_received(update: Update, context: Context) -> None:
    """An admin's document: check it as a deck; reject it with line numbers, or ask to publish it."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert message.document is not None
    assert user is not None
    document = message.document
    name = document.file_name or "deck"
    if document.file_size is not None and document.file_size > 2_000_000:
        await _reply(update, context, texts.DECK_REJECTED.format(name=html.escape(name)) + "\n• too big (2 MB at most)")
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    result = await _library(context).check(name, data)
    if isinstance(result, DeckRejected):
        logger.info("Deck %s from admin %d rejected: %d problem(s)", name, user.id, len(result.problems))
        await _reply(
            update, context, texts.DECK_REJECTED.format(name=html.escape(name)) + "\n" + _problems(result.problems)
        )
        return
    _pending(context)[user.id] = result
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BUTTON_PUBLISH.format(count=result.questions), callback_data="deck:publish"),
                InlineKeyboardButton(texts.BUTTON_DISCARD, callback_data="deck:discard"),
            ]
        ]
    )
    text = texts.DECK_READY.format(
        name=html.escape(name), count=result.questions, title=html.escape(result.title), topic=html.escape(result.topic)
    )
    await _reply(update, context, text, keyboard)


async def deck_button(update: Update, context: Context) -> None:
    """Publish or discard the presser's own pending deck."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    pending = _pending(context)
    admins = context.bot_data.get(handlers.ADMINS_KEY, frozenset())
    deck = pending.pop(user.id, None) if user.id in admins else None
    if deck is None:
        await query.answer(texts.UNKNOWN_BUTTON)
        return
    if query.data == "deck:publish":
        result = await _library(context).publish(deck)
        await _reply(update, context, _reload_text(result))
    else:
        await _reply(update, context, texts.DECK_DISCARDED)
    await query.answer()


async def _reply(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
