"""Telegram handlers: parse the update, call ``Practice``, render with ``bot.rendering.texts``, reply.

Every handler acts for ``update.effective_user`` (the sender, or the person who pressed a
button): callback data only ever names a question, never a user, so forged data cannot reach
anybody else's rows. Wiring and order live in ``app.py``.
"""

from __future__ import annotations

import html
import logging
import re
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.domain.practice import (
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    UnknownTopic,
    topic_id,
)
from bot.domain.pushtime import is_offset_like
from bot.domain.users import InvalidSetting, UserInfo, UserRef, UserSettings, user_id_of
from bot.rendering import texts
from bot.services.daily import DailyPush
from bot.services.practice import Practice
from bot.telegram_app import interview_handlers
from bot.telegram_app.keyboards import question_keyboard, settings_keyboard, zone_keyboard
from bot.telegram_app.replies import send, send_rich, sender

logger = logging.getLogger(__name__)

PRACTICE_KEY = "practice"
"""``application.bot_data`` key of the ``Practice`` service (set by the composition root)."""
DAILY_KEY = "daily"
"""``application.bot_data`` key of the ``DailyPush`` service."""
_TIME_LIKE = re.compile(r"^\d{1,2}[:.h]\d{2}$")
"""An argument meant as a time of day (checked properly by the service), not as a zone."""
ADMINS_KEY = "admin_ids"
"""``application.bot_data`` key of the frozenset of admin user ids (``ADMIN_IDS``)."""

Context = ContextTypes.DEFAULT_TYPE


# ---- helpers -------------------------------------------------------------------------------


def _practice(context: Context) -> Practice:
    return cast(Practice, context.bot_data[PRACTICE_KEY])


def _acting(update: Update, context: Context) -> tuple[Practice, UserInfo]:
    """The service and the sender. Passing the sender's ``UserInfo`` to a service method creates
    or refreshes their row in the same transaction as the action: one transaction per update."""
    return _practice(context), sender(update)


async def _touch(update: Update, context: Context) -> None:
    """Create or refresh the sender's row, for handlers that have nothing else to store."""
    await _practice(context).touch_user(sender(update))


def feedback_keyboard(question_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BUTTON_NEXT, callback_data="n"),
                InlineKeyboardButton(texts.BUTTON_HINT, callback_data=f"rh:{question_id}"),
            ],
            [
                InlineKeyboardButton(texts.BUTTON_RETRY, callback_data=f"r:{question_id}"),
                InlineKeyboardButton(texts.BUTTON_MODEL, callback_data=f"m:{question_id}"),
            ],
        ]
    )


def _topics_keyboard(selected: tuple[str, ...], titles: dict[str, str], difficulty: int | None) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    buttons = [
        InlineKeyboardButton(("✅ " if topic in selected else "") + title, callback_data=f"t:{topic}")
        for topic, title in titles.items()
    ]
    rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
    rows.append([InlineKeyboardButton(("✅ " if not selected else "") + texts.BUTTON_ALL_TOPICS, callback_data="t:*")])
    levels = [(0, texts.BUTTON_ANY_LEVEL), *texts.LEVEL_NAMES.items()]
    rows.append(
        [
            InlineKeyboardButton(("✅ " if (difficulty or 0) == level else "") + name, callback_data=f"d:{level}")
            for level, name in levels
        ]
    )
    rows.append([InlineKeyboardButton(texts.BUTTON_NEXT, callback_data="n")])
    return InlineKeyboardMarkup(rows)


async def ask(update: Update, context: Context, practice: Practice, who: UserRef, topic: str | None) -> None:
    """Open a question and send it (or say why there is none)."""
    result = await practice.ask(who, topic)
    await _send_asked(update, context, practice, result)


async def _send_asked(
    update: Update,
    context: Context,
    practice: Practice,
    result: Asked | UnknownTopic | EmptyPool | NothingToRetry,
) -> None:
    match result:
        case Asked(question=q):
            text = texts.question(result, result.topic_title or practice.bank.topics.get(q.topic, q.topic))
            await send(update, context, text, question_keyboard(q.id, result.hints_total))
        case UnknownTopic():
            await send(update, context, texts.unknown_topic(result))
        case EmptyPool():
            await send(update, context, texts.empty_pool(result))
        case NothingToRetry():
            await send(update, context, texts.NOTHING_TO_RETRY)


async def _send_hint(update: Update, context: Context, result: HintGiven | NoMoreHints | NoOpenQuestion) -> None:
    match result:
        case HintGiven():
            await send(update, context, texts.hint(result))
        case NoMoreHints():
            await send(update, context, texts.no_more_hints(result))
        case NoOpenQuestion():
            await send(update, context, texts.NO_OPEN_QUESTION)


# ---- commands ------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """/start [topic]: welcome; a deep-link payload naming a topic asks from it."""
    practice = _practice(context)
    state = await practice.touch_user(sender(update))
    await send(update, context, texts.welcome(state.first_name, is_new=state.is_new))
    payload = context.args[0] if context.args else None
    if payload and topic_id(payload) in practice.bank.topics:
        await ask(update, context, practice, state.id, payload)


async def help_command(update: Update, context: Context) -> None:
    """/help: every command."""
    await _touch(update, context)
    await send(update, context, texts.HELP)


async def question_command(update: Update, context: Context) -> None:
    """/question [topic] and /next: open a new question (during an interview round: leave it first?)."""
    practice, who = _acting(update, context)
    topic = " ".join(context.args) if context.args else None
    if topic is not None and len(topic) > 64:
        await send(update, context, texts.BAD_ARGUMENT.format(argument="that topic", usage=texts.QUESTION_USAGE))
        return
    if await interview_handlers.route_question(update, context, topic):
        return
    await ask(update, context, practice, who, topic)


async def topics_command(update: Update, context: Context) -> None:
    """/topics: a keyboard to choose topics and difficulty."""
    practice, who = _acting(update, context)
    current = await practice.settings(who)
    titles = await practice.topics_of(who)  # the bank's topics, then the user's own decks'
    await send(
        update,
        context,
        texts.topic_choices(current.topics, titles, current.difficulty),
        _topics_keyboard(current.topics, titles, current.difficulty),
    )


async def hint_command(update: Update, context: Context) -> None:
    """/hint: the next hint of the open question (or of the interview round's question)."""
    if await interview_handlers.route_hint(update, context):
        return
    practice, who = _acting(update, context)
    await _send_hint(update, context, await practice.hint(who))


async def answer_command(update: Update, context: Context) -> None:
    """/answer: give up and show the model answer (in a round: pass on its question)."""
    if await interview_handlers.route_pass(update, context):
        return
    practice, who = _acting(update, context)
    result = await practice.reveal(who)
    await _send_revealed(update, context, result)


async def _send_revealed(update: Update, context: Context, result: Revealed | NoOpenQuestion) -> None:
    if isinstance(result, Revealed):
        await send_rich(update, context, texts.revealed(result), feedback_keyboard(result.question.id))
    else:
        await send(update, context, texts.NO_OPEN_QUESTION)


async def skip_command(update: Update, context: Context) -> None:
    """/skip: close the open question without a score (in a round: pass on its question)."""
    if await interview_handlers.route_pass(update, context):
        return
    practice, who = _acting(update, context)
    result = await practice.skip(who)
    await send(update, context, texts.skipped(result) if isinstance(result, Skipped) else texts.NO_OPEN_QUESTION)


async def stats_command(update: Update, context: Context) -> None:
    """/stats: the user's progress, then a chart of it by topic."""
    practice, who = _acting(update, context)
    stats = await practice.stats(who)
    await send(update, context, texts.stats(stats))
    await interview_handlers.send_stats_chart(update, context, stats)


async def settings_command(update: Update, context: Context) -> None:
    """/settings, or /settings time|zone|days <value>: show or change the settings."""
    practice, who = _acting(update, context)
    args = context.args or []
    if not args:
        current = await practice.settings(who)
        markup = settings_keyboard(subscribed=current.daily_time is not None, weekdays_only=current.weekdays_only)
        await send(update, context, texts.settings(current, practice.bank.topics), markup)
        return
    name, values = args[0].casefold(), args[1:]
    value = " ".join(values)
    result: UserSettings | InvalidSetting
    match name:
        case "time" if value:
            result = await practice.set_daily_time(who, value)
        case "zone" | "timezone" | "tz" if value:
            result = await practice.set_timezone(who, value)
        case "days" if value.casefold() in {"every", "daily", "all", "weekdays", "workdays"}:
            result = await practice.set_push_days(who, weekdays_only=value.casefold() in {"weekdays", "workdays"})
        case "topics" | "difficulty" | "level":
            await topics_command(update, context)
            return
        case _:
            await send(update, context, texts.SETTINGS_USAGE)
            return
    await _send_settings_result(update, context, practice, result)


async def _send_settings_result(
    update: Update, context: Context, practice: Practice, result: UserSettings | InvalidSetting
) -> None:
    if isinstance(result, InvalidSetting):
        await send(update, context, texts.invalid_setting(result) + "\n" + texts.SETTINGS_USAGE)
    else:
        markup = settings_keyboard(subscribed=result.daily_time is not None, weekdays_only=result.weekdays_only)
        await send(update, context, texts.settings(result, practice.bank.topics), markup)


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [zone]: the daily question, at the default time and current zone if not given."""
    practice, who = _acting(update, context)
    daily_time: str | None = None
    zone_words: list[str] = []
    for argument in context.args or []:
        if daily_time is None and _TIME_LIKE.match(argument):
            daily_time = argument
        else:
            zone_words.append(argument)
    zone = " ".join(zone_words) or None
    if zone is not None and len(zone_words) > 1 and not is_offset_like(zone):
        await send(update, context, texts.bad_subscribe_argument(zone))
        return
    result = await practice.subscribe(who, daily_time, zone)
    if isinstance(result, InvalidSetting):
        await send(update, context, texts.invalid_setting(result) + "\n" + texts.SUBSCRIBE_USAGE)
        return
    await send(
        update, context, texts.subscribed(result, zone_given=zone is not None), None if zone else zone_keyboard()
    )


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe: no more daily questions."""
    practice, who = _acting(update, context)
    before = await practice.settings(who)
    if before.daily_time is None:
        await send(update, context, texts.NOT_SUBSCRIBED)
        return
    await practice.set_daily_time(who, None)
    await send(update, context, texts.UNSUBSCRIBED)


async def admin_command(update: Update, context: Context) -> None:
    """/admin: push and usage figures, for the ids in ADMIN_IDS only (others see an unknown command)."""
    user = update.effective_user
    assert user is not None
    if user.id not in context.bot_data.get(ADMINS_KEY, frozenset()):
        logger.info("User %d tried /admin", user.id)
        await unknown_command(update, context)
        return
    await _touch(update, context)
    daily = cast(DailyPush, context.bot_data[DAILY_KEY])
    await send(update, context, texts.admin(await daily.admin_stats()))


async def delete_me_command(update: Update, context: Context) -> None:
    """/delete_me: ask for confirmation before deleting everything."""
    await _touch(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BUTTON_DELETE_YES, callback_data="del:yes"),
                InlineKeyboardButton(texts.BUTTON_DELETE_NO, callback_data="del:no"),
            ]
        ]
    )
    await send(update, context, texts.DELETE_CONFIRM, keyboard)


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel: end the interview round (with a partial debrief), or put the open question aside."""
    if await interview_handlers.route_cancel(update, context):
        return
    practice, who = _acting(update, context)
    result = await practice.skip(who)
    await send(update, context, texts.CANCELLED if isinstance(result, Skipped) else texts.CANCELLED_NOTHING)


# ---- messages ------------------------------------------------------------------------------


async def text_answer(update: Update, context: Context) -> None:
    """Free text: the answer to the interview round's question, else to the open question, else a nudge."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    result = await interview_handlers.answer_text(update, context, message.text)
    if result is None:  # it was a round's answer, and the round has replied
        return
    if isinstance(result, Feedback):
        await send_rich(update, context, texts.feedback(result), feedback_keyboard(result.question.id))
    else:
        await send(update, context, texts.NUDGE_NO_QUESTION)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None
    await _touch(update, context)
    command = (message.text or "/").split()[0]
    await send(update, context, texts.unknown_command(command))


async def unsupported_message(update: Update, context: Context) -> None:
    """Stickers, photos, voice notes, files and other media: ask for text."""
    message = update.effective_message
    assert message is not None
    kinds = (
        ("sticker", "stickers"),
        ("photo", "photos"),
        ("voice", "voice messages"),
        ("video_note", "video messages"),
        ("document", "files"),
        ("video", "videos"),
        ("audio", "audio"),
    )
    kind = next((name for attr, name in kinds if getattr(message, attr, None)), "this kind of message")
    await send(update, context, texts.unsupported(kind))


async def edited_message(update: Update, context: Context) -> None:
    """An edited message: explain that answers are graded as first sent."""
    await send(update, context, texts.EDITED_MESSAGE)


async def chat_member_changed(update: Update, context: Context) -> None:
    """The user blocked the bot (remembered: no pushes) or unblocked it (back to normal)."""
    change = update.my_chat_member
    assert change is not None
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status == ChatMemberStatus.BANNED:
        logger.info("User %d blocked the bot", change.from_user.id)
        await _practice(context).mark_blocked(change.from_user.id)
    elif status == ChatMemberStatus.MEMBER:
        await _touch(update, context)  # writing or unblocking clears the blocked mark


# ---- buttons -------------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    """Every inline button: ``n``, ``h:``/``a:``/``r:``/``rh:``/``m:`` + question id, ``t:``, ``d:``, ``del:``."""
    query = update.callback_query
    assert query is not None
    practice, who = _acting(update, context)
    action, _, arg = (query.data or "").partition(":")
    notice: str | None = None
    match action, arg:
        case "n", "":
            await ask(update, context, practice, who, None)
        case "h", question_id if question_id:
            hinted = await practice.hint(who, question_id)
            if isinstance(hinted, NoOpenQuestion):
                notice = texts.STALE_BUTTON
            else:
                await _send_hint(update, context, hinted)
        case "a", question_id if question_id:
            revealed = await practice.reveal(who, question_id)
            if isinstance(revealed, NoOpenQuestion):
                notice = texts.STALE_BUTTON
            else:
                await _send_revealed(update, context, revealed)
        case (("r" | "rh"), question_id) if question_id:
            # Retry re-asks the closed question; "rh" (Hint under feedback) then gives a hint too.
            retried = await practice.retry(who, question_id)
            if isinstance(retried, NothingToRetry):
                notice = texts.UNKNOWN_BUTTON
            else:
                await _send_asked(update, context, practice, retried)
                if action == "rh":
                    await _send_hint(update, context, await practice.hint(who, question_id))
        case "m", question_id if (question := await practice.find_question(who, question_id)) is not None:
            await send_rich(update, context, texts.model_answer(question))
        case "t", topic if topic:
            notice = await _toggle_topic(update, practice, who, topic)
        case "d", level if level in {"0", "1", "2", "3"}:
            notice = await _set_level(update, practice, who, int(level))
        case "tz", "?":
            await send(update, context, texts.ZONE_PICK, zone_keyboard())
        case "tz", zone_name if zone_name:
            changed = await practice.set_timezone(who, zone_name)
            if isinstance(changed, InvalidSetting):
                notice = texts.UNKNOWN_BUTTON
            else:
                await _send_settings_result(update, context, practice, changed)
        case "days", ("every" | "weekdays") as days:
            await _send_settings_result(
                update, context, practice, await practice.set_push_days(who, weekdays_only=days == "weekdays")
            )
        case "del", "yes":
            removed = await practice.delete_user(user_id_of(who))
            await send(update, context, texts.deleted(removed))
        case "del", "no":
            await send(update, context, texts.DELETE_KEPT)
        case _:
            notice = texts.UNKNOWN_BUTTON
    await query.answer(notice)


async def _toggle_topic(update: Update, practice: Practice, who: UserRef, topic: str) -> str | None:
    current = await practice.settings(who)
    if topic == "*":
        chosen: tuple[str, ...] = ()
    elif topic in current.topics:
        chosen = tuple(t for t in current.topics if t != topic)
    else:
        chosen = (*current.topics, topic)
    result = await practice.set_topics(who, chosen)
    if isinstance(result, UnknownTopic):
        return texts.UNKNOWN_BUTTON
    await _refresh_topics(update, practice, who, result.topics, result.difficulty)
    return texts.TOPIC_SAVED


async def _set_level(update: Update, practice: Practice, who: UserRef, level: int) -> str | None:
    result = await practice.set_difficulty(who, level or None)
    if isinstance(result, InvalidSetting):
        return html.unescape(texts.invalid_setting(result))
    await _refresh_topics(update, practice, who, result.topics, result.difficulty)
    return texts.TOPIC_SAVED


async def _refresh_topics(
    update: Update, practice: Practice, who: UserRef, topics: tuple[str, ...], difficulty: int | None
) -> None:
    """Redraw the topic keyboard in place (if the message is still accessible)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    titles = await practice.topics_of(who)
    await query.message.edit_text(
        texts.topic_choices(topics, titles, difficulty),
        parse_mode=ParseMode.HTML,
        reply_markup=_topics_keyboard(topics, titles, difficulty),
    )


# ---- errors --------------------------------------------------------------------------------


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
    """Log a 403 and mark the user as blocked (best effort)."""
    user = update.effective_user if isinstance(update, Update) else None
    logger.warning("Telegram refused to deliver to user %s: %s", user.id if user else "?", error.message)
    if user is None:
        return
    try:
        await _practice(context).mark_blocked(user.id)
    except Exception:  # the database may be what is failing; the 403 is already logged
        logger.exception("Could not mark user %d as blocked", user.id)
