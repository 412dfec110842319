"""Settings: /topics (and difficulty), /settings, /subscribe, /unsubscribe, /delete_me, and their buttons."""

from __future__ import annotations

import html

from telegram import Update

from bot.domain.conversation import (
    BadSubscribeArgument,
    NotSubscribed,
    SettingsUsage,
    SettingsView,
    Subscribed,
    TopicChoice,
)
from bot.domain.practice import UnknownTopic
from bot.domain.users import InvalidSetting
from bot.rendering import settings_texts, texts
from bot.telegram_app import callbacks
from bot.telegram_app.context import Context
from bot.telegram_app.keyboards import delete_keyboard, settings_keyboard, topics_keyboard, zone_keyboard
from bot.telegram_app.replies import answer_query, edit, send, sender


async def topics_command(update: Update, context: Context) -> None:
    """/topics: a keyboard to choose topics and difficulty (``/topics metrics hard`` chooses at once)."""
    result = await context.bot_data.conversation.topics(sender(update), context.args or [])
    await _send_topics(update, context, result)


async def _send_topics(update: Update, context: Context, result: TopicChoice | UnknownTopic) -> None:
    if isinstance(result, UnknownTopic):
        await send(update, context, texts.unknown_topic(result))
    else:
        text = settings_texts.topic_choices(result.topics, result.titles, result.difficulty)
        await send(update, context, text, topics_keyboard(result))


async def settings_command(update: Update, context: Context) -> None:
    """/settings, or /settings time|zone|days <value>: show or change the settings."""
    conversation = context.bot_data.conversation
    if not context.args:
        await _send_settings(update, context, await conversation.settings(sender(update)))
        return
    result = await conversation.change_setting(sender(update), context.args)
    match result:
        case SettingsUsage():
            await send(update, context, settings_texts.SETTINGS_USAGE)
        case TopicChoice() | UnknownTopic():
            await _send_topics(update, context, result)
        case _:
            await _send_settings(update, context, result)


async def _send_settings(update: Update, context: Context, result: SettingsView | InvalidSetting) -> None:
    if isinstance(result, InvalidSetting):
        await send(update, context, settings_texts.invalid_setting(result))
        return
    current = result.settings
    markup = settings_keyboard(subscribed=current.daily_time is not None, weekdays_only=current.weekdays_only)
    await send(update, context, settings_texts.settings(current, result.titles), markup)


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [zone]: the daily question (without a time the last one, without a zone the current one)."""
    result = await context.bot_data.conversation.subscribe(sender(update), context.args or [])
    match result:
        case BadSubscribeArgument(argument=argument):
            await send(update, context, settings_texts.bad_subscribe_argument(argument))
        case InvalidSetting():
            await send(update, context, settings_texts.invalid_setting(result, command="subscribe"))
        case Subscribed(settings=current, zone_known=zone_known):
            markup = None if zone_known else zone_keyboard()
            await send(update, context, settings_texts.subscribed(current, zone_known=zone_known), markup)


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe: no more daily questions."""
    result = await context.bot_data.conversation.unsubscribe(sender(update))
    await send(
        update,
        context,
        settings_texts.NOT_SUBSCRIBED if isinstance(result, NotSubscribed) else settings_texts.UNSUBSCRIBED,
    )


async def delete_me_command(update: Update, context: Context) -> None:
    """/delete_me: ask for confirmation before deleting everything (the Yes expires)."""
    asked = await context.bot_data.conversation.ask_delete_me(sender(update))
    await send(update, context, texts.DELETE_CONFIRM, delete_keyboard(asked))


# ---- buttons ------------------------------------------------------------------------------------------


async def toggle_topic_button(update: Update, context: Context) -> None:
    """A topic in the picker: switched on or off, the picker redrawn in place."""
    button = callbacks.ToggleTopic.of(update)
    result = await context.bot_data.conversation.toggle_topic(sender(update), button.topic)
    if isinstance(result, UnknownTopic):
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await _redraw_topics(update, result)
    await answer_query(update, settings_texts.TOPIC_SAVED)


async def set_level_button(update: Update, context: Context) -> None:
    """A level in the picker (or any level): saved, the picker redrawn in place."""
    button = callbacks.SetLevel.of(update)
    result = await context.bot_data.conversation.set_difficulty(sender(update), button.level or None)
    if isinstance(result, InvalidSetting):
        await answer_query(update, html.unescape(settings_texts.invalid_setting(result)))
        return
    await _redraw_topics(update, result)
    await answer_query(update, settings_texts.TOPIC_SAVED)


async def _redraw_topics(update: Update, choice: TopicChoice) -> None:
    await edit(
        update, settings_texts.topic_choices(choice.topics, choice.titles, choice.difficulty), topics_keyboard(choice)
    )


async def pick_zone_button(update: Update, context: Context) -> None:
    """Change time zone: the common zones as buttons."""
    await send(update, context, settings_texts.ZONE_PICK, zone_keyboard())
    await answer_query(update)


async def set_zone_button(update: Update, context: Context) -> None:
    """A time zone: saved, the settings shown."""
    button = callbacks.SetZone.of(update)
    result = await context.bot_data.conversation.set_timezone(sender(update), button.zone)
    if isinstance(result, InvalidSetting):
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await _send_settings(update, context, result)
    await answer_query(update)


async def push_days_button(update: Update, context: Context) -> None:
    """Every day / Weekdays only: saved, the settings shown."""
    button = callbacks.PushDays.of(update)
    weekdays_only = button.days == "weekdays"
    await _send_settings(
        update, context, await context.bot_data.conversation.set_push_days(sender(update), weekdays_only=weekdays_only)
    )
    await answer_query(update)


async def delete_button(update: Update, context: Context) -> None:
    """The /delete_me confirmation: everything deleted (unless the Yes expired), or kept."""
    button = callbacks.DeleteAccount.of(update)
    if button.confirmed:
        removed = await context.bot_data.conversation.delete_me(sender(update), button.asked_at)
        await send(update, context, texts.deleted(removed))
    else:
        await send(update, context, texts.DELETE_KEPT)
    await answer_query(update)
