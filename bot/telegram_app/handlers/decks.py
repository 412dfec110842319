"""Users' own decks: a deck sent as a document, /mydecks, and the deck buttons.

Anyone can send a CSV, Markdown or YAML deck as a file in a private chat. It is checked off
the event loop against the sender's own pool; a deck with problems is rejected with their
line numbers and nothing is stored. A clean one is stored at once as the sender's private
deck, with buttons to practise it, delete it, and suggest it to the admins (who get a
message with a Publish button; an admin's own deck gets that button directly). Every owner
action looks the deck up by the presser's id and the deck id (``bot.services.decks``), and
Publish checks the presser against ``ADMIN_IDS`` first.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

from bot.domain.conversation import ConfirmationExpired
from bot.domain.decks import (
    ACCEPTED,
    MAX_DECK_BYTES,
    AlreadySubmitted,
    DeckInfo,
    DeckLimit,
    DeckNotFound,
    DeckPublished,
    DeckRejected,
    ReloadFailed,
)
from bot.rendering import deck_texts, texts
from bot.telegram_app import callbacks
from bot.telegram_app.context import Context
from bot.telegram_app.handlers.admin import is_admin
from bot.telegram_app.keyboards import deck_keyboard, delete_deck_keyboard, my_decks_keyboard, publish_keyboard
from bot.telegram_app.replies import answer_query, edit, send, send_asked, sender

logger = logging.getLogger(__name__)


async def deck_received(update: Update, context: Context) -> None:
    """A document: check it as the sender's deck; reject it with line numbers, or store it privately."""
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    who = sender(update)
    document = message.document
    name = document.file_name or "deck"
    if not name.casefold().endswith(ACCEPTED):  # a CV, a photo sent as a file: not meant as a deck
        await send(update, context, texts.unsupported("files") + "\n" + deck_texts.DECK_FORMATS)
        return
    if document.file_size is not None and document.file_size > MAX_DECK_BYTES:
        await send(update, context, deck_texts.too_big(name))
        return
    await context.bot.send_chat_action(who.chat_id, ChatAction.TYPING)
    data = bytes(await (await document.get_file()).download_as_bytearray())
    decks = context.bot_data.decks
    checked = await decks.check(who, name, data)
    added = checked if isinstance(checked, DeckLimit | DeckRejected) else await decks.add(who, checked)
    match added:
        case DeckLimit():
            await send(update, context, deck_texts.limit(added))
        case DeckRejected(problems=problems):
            logger.info("Deck from user %d rejected: %d problem(s)", who.id, len(problems))
            await send(update, context, deck_texts.rejected(name, problems))
        case DeckInfo():
            await send(
                update, context, deck_texts.saved(name, added), deck_keyboard(added, admin=is_admin(context, who.id))
            )


async def my_decks_command(update: Update, context: Context) -> None:
    """/mydecks: the sender's decks, each with its buttons."""
    who = sender(update)
    mine = await context.bot_data.decks.mine(who)
    markup = my_decks_keyboard(mine, admin=is_admin(context, who.id)) if mine else None
    await send(update, context, deck_texts.my_decks(mine), markup)


# ---- buttons ------------------------------------------------------------------------------------------


async def practise_button(update: Update, context: Context) -> None:
    """Practise a deck: a question from its topic."""
    button = callbacks.PractiseDeck.of(update)
    found = await context.bot_data.decks.get(sender(update), button.deck_id)
    if isinstance(found, DeckNotFound):
        await answer_query(update, deck_texts.DECK_GONE)
        return
    await send_asked(update, context, await context.bot_data.conversation.practise(sender(update), found.topic))
    await answer_query(update)


async def delete_button(update: Update, context: Context) -> None:
    """Delete a private deck: asks first (the Yes expires)."""
    button = callbacks.DeleteDeck.of(update)
    asked = await context.bot_data.decks.ask_delete(sender(update), button.deck_id)
    if isinstance(asked, DeckNotFound):
        await answer_query(update, deck_texts.DECK_GONE)
        return
    await send(update, context, deck_texts.delete_confirm(asked.deck), delete_deck_keyboard(asked))
    await answer_query(update)


async def delete_confirmed_button(update: Update, context: Context) -> None:
    """Yes, delete it (unless the question is too old: then it asks to press Delete again)."""
    button = callbacks.DeleteDeckConfirmed.of(update)
    deleted = await context.bot_data.decks.delete(sender(update), button.deck_id, asked_at=button.asked_at)
    if isinstance(deleted, DeckNotFound):
        await answer_query(update, deck_texts.DECK_GONE)
        return
    if isinstance(deleted, ConfirmationExpired):
        await answer_query(update, deck_texts.DELETE_DECK_EXPIRED)
        return
    await _edit_or_send(update, context, deck_texts.deleted(deleted))
    await answer_query(update)


async def keep_button(update: Update, context: Context) -> None:
    """Keep it."""
    await _edit_or_send(update, context, deck_texts.DECK_KEPT)
    await answer_query(update)


async def submit_button(update: Update, context: Context) -> None:
    """The owner suggests their deck for everyone: the admins each get a message with a Publish button."""
    button = callbacks.SubmitDeck.of(update)
    result = await context.bot_data.decks.submit(sender(update), button.deck_id)
    match result:
        case DeckNotFound():
            await answer_query(update, deck_texts.DECK_GONE)
            return
        case AlreadySubmitted(deck=deck):
            await send(update, context, deck_texts.submitted(deck, already=True))
        case DeckInfo() as deck:
            await send(update, context, deck_texts.submitted(deck, already=False))
            who = sender(update)
            text = deck_texts.for_review(who.first_name, who.username, deck)
            for admin in sorted(context.bot_data.admin_ids):
                await _tell(context, admin, text, publish_keyboard([deck]))
    await answer_query(update)


async def publish_button(update: Update, context: Context) -> None:
    """An admin publishes a user's deck: the bank reloaded with it, the owner told."""
    who = sender(update)
    if not is_admin(context, who.id):
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    result = await context.bot_data.decks.publish(callbacks.PublishDeck.of(update).deck_id)
    match result:
        case DeckNotFound():
            await send(update, context, deck_texts.DECK_GONE)
        case ReloadFailed():
            await send(update, context, deck_texts.reloaded(result))
        case DeckPublished(deck=deck, reloaded=reloaded, shadowed=shadowed):
            await send(update, context, deck_texts.reloaded(reloaded))
            if deck.owner_id != who.id:
                await _tell(context, deck.owner_id, deck_texts.published_to_owner(deck))
            for hidden in shadowed:
                await _tell(context, hidden.owner_id, deck_texts.shadowed_to_owner(hidden))
    await answer_query(update)


async def _tell(context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A message to someone other than the sender; a chat that is closed to the bot is logged, not fatal."""
    try:
        await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        logger.warning("Could not message chat %d: %s", chat_id, exc)


async def _edit_or_send(update: Update, context: Context, text: str) -> None:
    try:
        if await edit(update, text):
            return
    except TelegramError:
        pass
    await send(update, context, text)
