"""Decks sent to the bot as documents, /mydecks, and the admins' /decks and /reload.

Anyone can send a CSV, Markdown or YAML deck as a file in a private chat. It is checked off
the event loop against the sender's own pool (``UserDecks.check``); a deck with problems is
rejected with their line numbers and nothing is stored. A clean one is stored at once as the
sender's private deck, with buttons to practise it, delete it, and suggest it to the admins
(who get a message with a Publish button; an admin's own deck gets that button directly).

Buttons are ``ud:<action>:<deck id>``. Every owner action looks the deck up by the presser's
id *and* the deck id, so a forged or stale button finds nothing that is not the presser's;
``publish`` checks the presser against ``ADMIN_IDS`` first.
"""

from __future__ import annotations

import html
import logging
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.domain.decks import (
    ACCEPTED,
    MAX_DECK_BYTES,
    AlreadySubmitted,
    DeckInfo,
    DeckLimit,
    DeckNotFound,
    DeckRejected,
    Reloaded,
    ReloadFailed,
)
from bot.rendering import texts
from bot.services.decks import UserDecks
from bot.services.library import Library
from bot.telegram_app import handlers
from bot.telegram_app.replies import send, sender

logger = logging.getLogger(__name__)

LIBRARY_KEY = "library"
USER_DECKS_KEY = "user_decks"
MAX_PROBLEMS_SHOWN = 15

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, library: Library) -> None:  # type: ignore[type-arg]
    """Add /reload, /decks, /mydecks, the document handler and the deck buttons (before the general ones)."""
    application.bot_data[LIBRARY_KEY] = library
    application.bot_data[USER_DECKS_KEY] = UserDecks(library.practice, library)
    application.add_handler(CommandHandler("reload", reload_command))
    application.add_handler(CommandHandler("decks", waiting_decks_command))
    application.add_handler(CommandHandler("mydecks", my_decks_command))
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL, deck_received))
    application.add_handler(CallbackQueryHandler(deck_button, pattern=r"^ud:"))


def _library(context: Context) -> Library:
    return cast(Library, context.bot_data[LIBRARY_KEY])


def _decks(context: Context) -> UserDecks:
    return cast(UserDecks, context.bot_data[USER_DECKS_KEY])


def _is_admin(context: Context, user_id: int) -> bool:
    return user_id in context.bot_data.get(handlers.ADMINS_KEY, frozenset())


async def _refused(update: Update, context: Context) -> bool:
    """An admin command from anyone else: answered as an unknown command (True), as if it did not exist."""
    user = update.effective_user
    if user is not None and _is_admin(context, user.id):
        return False
    await handlers.unknown_command(update, context)
    return True


def _problems(lines: tuple[str, ...]) -> str:
    shown = "\n".join(f"• {html.escape(line)}" for line in lines[:MAX_PROBLEMS_SHOWN])
    more = len(lines) - MAX_PROBLEMS_SHOWN
    return shown + (f"\n… and {more} more" if more > 0 else "")


# ---- admins: /reload and /decks -------------------------------------------------------------


async def reload_command(update: Update, context: Context) -> None:
    """/reload: load the bank files and published decks again; a broken bank is rejected."""
    if await _refused(update, context):
        return
    result = await _library(context).reload()
    await send(update, context, _reload_text(result))


def _reload_text(result: Reloaded | ReloadFailed) -> str:
    if isinstance(result, Reloaded):
        return texts.BANK_RELOADED.format(questions=result.questions, topics=result.topics, decks=result.decks)
    return texts.BANK_RELOAD_FAILED + "\n" + _problems(result.problems)


async def waiting_decks_command(update: Update, context: Context) -> None:
    """/decks (admins): the decks users asked to publish, each with a Publish button."""
    if await _refused(update, context):
        return
    waiting = await _decks(context).submitted()
    if not waiting:
        await send(update, context, texts.DECKS_WAITING_NONE)
        return
    lines = [texts.DECKS_WAITING_HEAD]
    lines += [
        f"{n}. “{html.escape(d.title)}” (<code>{html.escape(d.topic)}</code>), {d.questions} questions, "
        f"user {d.owner_id}"
        for n, d in enumerate(waiting, 1)
    ]
    keyboard = [[_button(texts.BUTTON_PUBLISH_DECK, d, "p")] for d in waiting[:20]]
    await send(update, context, "\n".join(lines), InlineKeyboardMarkup(keyboard))


# ---- everyone: a deck sent as a document, and /mydecks --------------------------------------------


async def deck_received(update: Update, context: Context) -> None:
    """A document: check it as the sender's deck; reject it with line numbers, or store it privately."""
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    who = sender(update)
    document = message.document
    name = document.file_name or "deck"
    if not name.casefold().endswith(ACCEPTED):  # a CV, a photo sent as a file: not meant as a deck
        await send(update, context, texts.unsupported("files") + "\n" + texts.DECK_FORMATS)
        return
    if document.file_size is not None and document.file_size > MAX_DECK_BYTES:
        await send(update, context, texts.DECK_REJECTED.format(name=html.escape(name)) + texts.DECK_TOO_BIG)
        return
    await context.bot.send_chat_action(who.chat_id, "typing")
    data = bytes(await (await document.get_file()).download_as_bytearray())
    decks = _decks(context)
    checked = await decks.check(who, name, data)
    if isinstance(checked, DeckLimit):
        await send(update, context, texts.DECK_LIMIT.format(decks=checked.decks, questions=checked.questions))
        return
    if isinstance(checked, DeckRejected):
        logger.info("Deck from user %d rejected: %d problem(s)", who.id, len(checked.problems))
        await send(
            update, context, texts.DECK_REJECTED.format(name=html.escape(name)) + "\n" + _problems(checked.problems)
        )
        return
    added = await decks.add(who, checked)
    if isinstance(added, DeckLimit):
        await send(update, context, texts.DECK_LIMIT.format(decks=added.decks, questions=added.questions))
        return
    if isinstance(added, DeckRejected):
        await send(
            update, context, texts.DECK_REJECTED.format(name=html.escape(name)) + "\n" + _problems(added.problems)
        )
        return
    text = texts.DECK_SAVED.format(
        name=html.escape(name), title=html.escape(added.title), count=added.questions, topic=html.escape(added.topic)
    )
    await send(update, context, text, _deck_keyboard(added, admin=_is_admin(context, who.id)))


async def my_decks_command(update: Update, context: Context) -> None:
    """/mydecks: the sender's decks, each with its buttons."""
    mine = await _decks(context).mine(sender(update))
    if not mine:
        await send(update, context, texts.MY_DECKS_NONE)
        return
    lines = [texts.MY_DECKS_HEAD]
    lines += [
        texts.DECK_LINE.format(
            n=n, title=html.escape(d.title), topic=html.escape(d.topic), count=d.questions, status=_status(d)
        )
        for n, d in enumerate(mine, 1)
    ]
    user = update.effective_user
    assert user is not None
    admin = _is_admin(context, user.id)
    rows: list[list[InlineKeyboardButton]] = []
    for deck in mine:
        if not deck.is_private:  # part of the bank now: practise it, nothing else
            rows.append([_button(texts.BUTTON_PRACTISE_DECK, deck, "q")])
            continue
        rows.append([_button(texts.BUTTON_PRACTISE_DECK, deck, "q"), _button(texts.BUTTON_DELETE_DECK, deck, "d")])
        if admin or deck.submitted_at is None:
            rows.append([_share_button(deck, admin)])
    await send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def _status(deck: DeckInfo) -> str:
    if not deck.is_private:
        return texts.DECK_STATUS_PUBLISHED
    return texts.DECK_STATUS_SUBMITTED if deck.submitted_at is not None else texts.DECK_STATUS_PRIVATE


def _button(label: str, deck: DeckInfo, action: str) -> InlineKeyboardButton:
    title = deck.title if len(deck.title) <= 24 else deck.title[:23] + "…"
    return InlineKeyboardButton(label.format(title=title), callback_data=f"ud:{action}:{deck.id}")


def _share_button(deck: DeckInfo, admin: bool) -> InlineKeyboardButton:
    return _button(texts.BUTTON_PUBLISH_DECK, deck, "p") if admin else _button(texts.BUTTON_SUBMIT_DECK, deck, "s")


def _deck_keyboard(deck: DeckInfo, *, admin: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(texts.BUTTON_PRACTISE_DECK, deck, "q")],
            [_share_button(deck, admin), _button(texts.BUTTON_DELETE_DECK, deck, "d")],
        ]
    )


# ---- buttons ---------------------------------------------------------------------------------------


async def deck_button(update: Update, context: Context) -> None:
    """``ud:q|d|dy|k|s|p:<deck id>``: practise, delete (ask, yes, keep), suggest, publish."""
    query = update.callback_query
    assert query is not None
    who = sender(update)
    _, action, raw_id = ((query.data or "") + "::").split(":")[:3]
    deck_id = int(raw_id) if raw_id.isdigit() else -1
    decks = _decks(context)
    notice: str | None = None
    match action:
        case "q":
            found = await decks.get(who, deck_id)
            if isinstance(found, DeckNotFound):
                notice = texts.DECK_GONE
            else:
                await handlers.ask(update, context, decks.practice, who, found.topic)
        case "d":
            found = await decks.get(who, deck_id)
            if isinstance(found, DeckNotFound) or not found.is_private:
                notice = texts.DECK_GONE
            else:
                confirm = InlineKeyboardMarkup(
                    [[_button(texts.BUTTON_DELETE_DECK_YES, found, "dy"), _button(texts.BUTTON_KEEP_DECK, found, "k")]]
                )
                text = texts.DECK_DELETE_CONFIRM.format(title=html.escape(found.title), count=found.questions)
                await send(update, context, text, confirm)
        case "dy":
            deleted = await decks.delete(who, deck_id)
            if isinstance(deleted, DeckNotFound):
                notice = texts.DECK_GONE
            else:
                await _edit_or_reply(update, context, texts.DECK_DELETED.format(title=html.escape(deleted.title)))
        case "k":
            await _edit_or_reply(update, context, texts.DECK_KEPT)
        case "s":
            notice = await _submit(update, context, deck_id)
        case "p" if _is_admin(context, who.id):
            await _publish(update, context, deck_id)
        case _:
            notice = texts.UNKNOWN_BUTTON
    await query.answer(notice)


async def _submit(update: Update, context: Context, deck_id: int) -> str | None:
    """The owner suggests their deck: the admins each get a message with a Publish button."""
    result = await _decks(context).submit(sender(update), deck_id)
    match result:
        case DeckNotFound():
            return texts.DECK_GONE
        case AlreadySubmitted(deck=deck):
            await send(update, context, texts.DECK_ALREADY_SUBMITTED.format(title=html.escape(deck.title)))
        case DeckInfo() as deck:
            await send(update, context, texts.DECK_SUBMITTED.format(title=html.escape(deck.title)))
            user = update.effective_user
            assert user is not None
            owner = html.escape(f"{user.first_name} (@{user.username})" if user.username else user.first_name)
            text = texts.DECK_FOR_REVIEW.format(
                owner=owner,
                title=html.escape(deck.title),
                topic=html.escape(deck.topic),
                count=deck.questions,
                name=html.escape(deck.filename),
            )
            markup = InlineKeyboardMarkup([[_button(texts.BUTTON_PUBLISH_DECK, deck, "p")]])
            for admin in sorted(context.bot_data.get(handlers.ADMINS_KEY, frozenset())):
                await _tell(context, admin, text, markup)
    return None


async def _publish(update: Update, context: Context, deck_id: int) -> None:
    """An admin publishes a user's deck: bank reloaded with it, the owner told."""
    result = await _decks(context).publish(deck_id)
    match result:
        case DeckNotFound():
            await send(update, context, texts.DECK_GONE)
        case ReloadFailed():
            await send(update, context, _reload_text(result))
        case (deck, reloaded):
            await send(update, context, _reload_text(reloaded))
            user = update.effective_user
            if user is None or deck.owner_id != user.id:
                text = texts.DECK_PUBLISHED_OWNER.format(title=html.escape(deck.title), topic=html.escape(deck.topic))
                await _tell(context, deck.owner_id, text)


async def _tell(context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A message to someone other than the sender; a chat that is closed to the bot is logged, not fatal."""
    try:
        await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        logger.warning("Could not message chat %d: %s", chat_id, exc)


async def _edit_or_reply(update: Update, context: Context, text: str) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML)
            return
        except TelegramError:
            pass
    await send(update, context, text)
