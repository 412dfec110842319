"""Who sent an update, and replying to its chat: the sends every handler module shares.

``send`` sends HTML. ``send_rich`` is for messages that quote the user's words or long bank
text: if Telegram rejects the markup or the length (400), it sends the message again as
plain text, cut to Telegram's limit, so the user still gets it. The ``send_*`` functions
below render a result that several handlers reply with (a question, a round's step, a
debrief) with its keyboard; the words come from ``bot.rendering``.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest

from bot.domain.interview.results import Answered, Debrief, RoundStep
from bot.domain.practice import Asked, EmptyPool, NothingToRetry, Stats, UnknownTopic
from bot.domain.users import UserInfo
from bot.rendering import debrief_texts, texts
from bot.rendering import interview_texts as itexts
from bot.rendering.charts import ChartLabels, TopicBar
from bot.telegram_app.chart_worker import render_in_worker
from bot.telegram_app.context import Context
from bot.telegram_app.keyboards import debrief_keyboard, question_keyboard, step_keyboard

logger = logging.getLogger(__name__)

_PLAIN_FALLBACK_ERRORS = ("message is too long", "can't parse entities")
"""Telegram's 400 descriptions after which a message is worth resending as plain text."""


def sender(update: Update) -> UserInfo:
    """The user who sent the update (or pressed the button), as the services know them."""
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


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Redraw the message whose button was pressed (False if it is no longer accessible or unchanged)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    try:
        await query.message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
        return False
    return True


async def answer_query(update: Update, notice: str | None = None) -> None:
    """Answer the button press (with a short notice, or none): the button stops spinning."""
    query = update.callback_query
    assert query is not None
    await query.answer(notice)


# ---- results several handlers reply with -------------------------------------------------------------


async def send_asked(
    update: Update, context: Context, result: Asked | UnknownTopic | EmptyPool | NothingToRetry
) -> None:
    """A new practice question with its buttons, or why there is none."""
    markup = question_keyboard(result.question.id, result.hints_total) if isinstance(result, Asked) else None
    await send_rich(update, context, texts.asked(result), markup)


async def send_step(update: Update, context: Context, step: RoundStep) -> None:
    """A round's current question or follow-up, with Hint, Pass and End."""
    titles = context.bot_data.conversation.titles(step_user(update))
    await send_rich(update, context, itexts.step(step, titles), step_keyboard(step))


async def send_answered(update: Update, context: Context, result: Answered) -> None:
    """What an answer or a pass in a round earned, then the next step or the debrief."""
    await send_rich(update, context, itexts.graded(result.graded))
    if isinstance(result.next, Debrief):
        await send_debrief(update, context, result.next)
    else:
        await send_step(update, context, result.next)


async def send_debrief(update: Update, context: Context, debrief: Debrief) -> None:
    """The debrief, then its chart as a photo (skipped if nothing was answered or rendering fails)."""
    titles = context.bot_data.conversation.titles(step_user(update))
    await send_rich(update, context, debrief_texts.debrief(debrief, titles), debrief_keyboard(debrief))
    if debrief.answered == 0:
        return
    bars = [TopicBar(t.title, t.round_score, t.all_time) for t in debrief.per_topic]
    await send_chart(update, context, bars, debrief_texts.debrief_chart_labels(), debrief_texts.chart_caption(debrief))


async def send_stats(update: Update, context: Context, stats: Stats) -> None:
    """/stats: the text, then the all-time average per topic as a chart (none before any answer)."""
    await send(update, context, texts.stats(stats))
    bars = [TopicBar(t.title, None, t.average) for t in stats.per_topic if t.average is not None]
    if bars:
        await send_chart(update, context, bars, debrief_texts.stats_chart_labels(), debrief_texts.STATS_CHART_CAPTION)


async def send_chart(update: Update, context: Context, bars: list[TopicBar], labels: ChartLabels, caption: str) -> None:
    """A chart drawn in the worker process, as a photo; a chart that fails is logged, not fatal."""
    await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_PHOTO)
    try:
        png = await render_in_worker(bars, labels)
    except Exception:  # a chart is a bonus: the text already went, so log and carry on
        logger.exception("Could not render a chart")
        return
    await context.bot.send_photo(chat_id(update), png, caption=caption)


def step_user(update: Update) -> int:
    """The id of the user whose results are shown (their private decks' topic titles included)."""
    user = update.effective_user
    assert user is not None
    return user.id
