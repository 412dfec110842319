"""Study groups: the bot joining and leaving, /question, answers by reply, /reveal, /leaderboard, the admins' commands.

In a group the bot speaks only when spoken to: a command of its own, or a reply to its
question. Chatter, replies to anyone else, edits and unknown commands get no handler at all,
so no "I didn't understand" ever lands in a group. Who is an administrator is asked of
Telegram (``getChatMember``, cached briefly); an anonymous administrator writes as the group
itself (``sender_chat`` is the chat), which only administrators can.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.domain.conversation import BadSubscribeArgument, SettingsUsage
from bot.domain.groups import (
    ConfirmDeleteGroup,
    CoolingDown,
    GroupAsked,
    GroupClosed,
    GroupDeleted,
    GroupInfo,
    GroupSettingsView,
    GroupSubscribed,
    GroupTopics,
    NoOpenGroupQuestion,
    NotGroupAdmin,
    QuestionStillOpen,
)
from bot.domain.practice import EmptyPool, UnknownTopic
from bot.domain.users import InvalidSetting, UserInfo
from bot.rendering import group_texts, settings_texts, texts
from bot.telegram_app.context import Context
from bot.telegram_app.group_daily import post

logger = logging.getLogger(__name__)

ADMIN_CACHE_S = 60.0
"""How long an answer of ``getChatMember`` about someone's role is trusted."""
_ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
_IN_GROUP = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.RESTRICTED})
_DELETE_CONFIRM_WORDS = frozenset({"confirm", "yes"})


@dataclass
class AdminCache:
    """Who is an administrator of which group, as Telegram last said (for ``ADMIN_CACHE_S`` seconds)."""

    ttl_s: float = ADMIN_CACHE_S
    max_entries: int = 4096

    def __post_init__(self) -> None:
        self._seen: dict[tuple[int, int], tuple[float, bool]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """The cached answer, or None if unknown or stale."""
        entry = self._seen.get((chat_id, user_id))
        return entry[1] if entry is not None and time.monotonic() - entry[0] < self.ttl_s else None

    def put(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        """Remember Telegram's answer."""
        if len(self._seen) >= self.max_entries:
            self._seen.clear()
        self._seen[(chat_id, user_id)] = (time.monotonic(), is_admin)


def group_of(update: Update) -> GroupInfo:
    """The group the update is in."""
    chat = update.effective_chat
    assert chat is not None
    return GroupInfo(chat.id, chat.title or "", chat.type == ChatType.SUPERGROUP)


def member_of(message: Message) -> UserInfo | None:
    """Who wrote ``message`` as a member (their private chat id is their user id); None for the group itself
    (an anonymous administrator), channels and bots, whose answers nobody can be credited with."""
    user = message.from_user
    if user is None or user.is_bot or message.sender_chat is not None:
        return None
    return UserInfo(user.id, user.id, user.first_name or "", user.username, user.language_code)


async def is_admin(update: Update, context: Context) -> bool:
    """Whether the sender administers this group: anonymous administrators write as the group itself."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    if message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    user = message.from_user
    if user is None:
        return False
    cache = context.bot_data.group_admins
    known = cache.get(chat.id, user.id)
    if known is not None:
        return known
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        logger.warning("Could not check %d's role in group %d: %s", user.id, chat.id, exc)
        return False
    admin = member.status in _ADMIN_STATUSES
    cache.put(chat.id, user.id, admin)
    return admin


async def say(update: Update, context: Context, text: str, *, reply_to: int | None = None) -> Message:
    """Send HTML to the group, as a reply to the command (or to ``reply_to``)."""
    message = update.effective_message
    target = reply_to if reply_to is not None else (message.message_id if message is not None else None)
    return await post(context.bot, group_of(update).chat_id, text, target)


# ---- membership ------------------------------------------------------------------------------------


async def bot_membership_changed(update: Update, context: Context) -> None:
    """The bot was added to a group (it says hello once) or removed from it (the group is unsubscribed)."""
    change = update.my_chat_member
    assert change is not None
    new, old = change.new_chat_member.status, change.old_chat_member.status
    chat_id = change.chat.id
    groups = context.bot_data.groups
    if new in _IN_GROUP:
        info = GroupInfo(chat_id, change.chat.title or "", change.chat.type == ChatType.SUPERGROUP)
        if await groups.joined(info) and old not in _IN_GROUP:
            await post(context.bot, chat_id, group_texts.welcome(context.bot.username))
    else:
        await groups.left(chat_id)


async def migrated(update: Update, context: Context) -> None:
    """The group became a supergroup: its settings, questions and scores move to the new chat id.

    Telegram sends two service messages (``migrate_to_chat_id`` in the old group,
    ``migrate_from_chat_id`` in the new one). Moving the rows is idempotent, so both are taken;
    PTB's ``migrate_chat_data`` is called for the first only (a second call would replace the
    moved chat data with an empty one).
    """
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        await context.bot_data.groups.migrated(message.chat.id, message.migrate_to_chat_id)
        context.application.migrate_chat_data(message=message)
    elif message.migrate_from_chat_id:
        await context.bot_data.groups.migrated(message.migrate_from_chat_id, message.chat.id)


# ---- questions and answers --------------------------------------------------------------------------


async def question_command(update: Update, context: Context) -> None:
    """/question [topic] in a group: a question for everyone (one at a time, with a cool-down)."""
    topic = " ".join(context.args)[:64] if context.args else None
    groups = context.bot_data.groups
    result = await groups.question(group_of(update), topic)
    match result:
        case GroupAsked():
            try:
                sent = await post(context.bot, group_of(update).chat_id, group_texts.question(result))
            except Exception:
                await groups.not_posted(result.group_question_id)
                raise
            await groups.posted(result.group_question_id, sent.chat_id, sent.message_id)
        case QuestionStillOpen(message_id=message_id):
            await say(update, context, group_texts.STILL_OPEN, reply_to=message_id)
        case CoolingDown(wait=wait):
            await say(update, context, group_texts.cooling_down(wait))
        case UnknownTopic():
            await say(update, context, texts.unknown_topic(result))
        case EmptyPool():
            await say(update, context, group_texts.empty_pool())


async def reply_answer(update: Update, context: Context) -> None:
    """A reply to one of the bot's messages: graded if it replies to the open question, else ignored."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    member = member_of(message)
    if replied is None or member is None or message.text is None:
        return
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    last_name = message.from_user.last_name if message.from_user else None
    result = await context.bot_data.groups.answer(
        message.chat.id, replied.message_id, member, message.text, last_name=last_name
    )
    if result is None:
        return
    await say(update, context, group_texts.graded(result, context.bot.username))
    if result.private is not None:
        try:
            await context.bot.send_message(member.id, group_texts.private_feedback(result), parse_mode=ParseMode.HTML)
        except Forbidden:
            logger.info("User %d cannot get private messages from the bot", member.id)
            await context.bot_data.conversation.mark_blocked(member.id)


async def reveal_command(update: Update, context: Context) -> None:
    """/reveal (admins): close the open question; its model answer and the ranking."""
    result = await context.bot_data.groups.reveal(group_of(update), admin=await is_admin(update, context))
    match result:
        case GroupClosed():
            await say(update, context, group_texts.closed(result), reply_to=result.message_id)
        case NoOpenGroupQuestion():
            await say(update, context, group_texts.NO_OPEN_QUESTION)
        case NotGroupAdmin():
            await say(update, context, group_texts.ONLY_ADMINS)


async def leaderboard_command(update: Update, context: Context) -> None:
    """/leaderboard: this group's points, this week and all time."""
    message = update.effective_message
    assert message is not None
    asker = message.from_user.id if message.from_user is not None and message.sender_chat is None else 0
    board = await context.bot_data.groups.leaderboard(group_of(update), asker)
    await say(update, context, group_texts.leaderboard(board))


# ---- the admins' commands -----------------------------------------------------------------------------


async def subscribe_command(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [zone] (admins): the group's daily question."""
    result = await context.bot_data.groups.subscribe(
        group_of(update), context.args or [], admin=await is_admin(update, context)
    )
    match result:
        case GroupSubscribed(settings=current):
            await say(update, context, group_texts.subscribed(current))
        case BadSubscribeArgument(argument=argument):
            await say(update, context, settings_texts.bad_subscribe_argument(argument))
        case InvalidSetting():
            await say(update, context, settings_texts.invalid_setting(result) + "\n" + group_texts.SUBSCRIBE_USAGE)
        case NotGroupAdmin():
            await say(update, context, group_texts.ONLY_ADMINS)


async def unsubscribe_command(update: Update, context: Context) -> None:
    """/unsubscribe (admins): no more daily questions in the group."""
    result = await context.bot_data.groups.unsubscribe(group_of(update), admin=await is_admin(update, context))
    if isinstance(result, NotGroupAdmin):
        await say(update, context, group_texts.ONLY_ADMINS)
    else:
        await say(update, context, group_texts.unsubscribed(was_subscribed=result.was_subscribed))


async def settings_command(update: Update, context: Context) -> None:
    """/settings (admins): the group's settings, or /settings time|zone|days <value>."""
    groups, admin = context.bot_data.groups, await is_admin(update, context)
    if context.args:
        result = await groups.change_setting(group_of(update), context.args, admin=admin)
    else:
        result = await groups.settings(group_of(update), admin=admin)
    match result:
        case GroupSettingsView(settings=current, titles=titles):
            await say(update, context, group_texts.settings(current, titles))
        case GroupTopics():
            await say(update, context, group_texts.topics(result))
        case InvalidSetting():
            await say(update, context, settings_texts.invalid_setting(result) + "\n" + group_texts.SETTINGS_USAGE)
        case UnknownTopic():
            await say(update, context, texts.unknown_topic(result))
        case SettingsUsage():
            await say(update, context, group_texts.SETTINGS_USAGE)
        case NotGroupAdmin():
            await say(update, context, group_texts.ONLY_ADMINS)


async def topics_command(update: Update, context: Context) -> None:
    """/topics [topics] [level] (admins): what the group's questions are about."""
    result = await context.bot_data.groups.topics(
        group_of(update), context.args or [], admin=await is_admin(update, context)
    )
    match result:
        case GroupTopics():
            await say(update, context, group_texts.topics(result))
        case UnknownTopic():
            await say(update, context, texts.unknown_topic(result))
        case NotGroupAdmin():
            await say(update, context, group_texts.ONLY_ADMINS)


async def delete_group_command(update: Update, context: Context) -> None:
    """/delete_group (admins): what it deletes; /delete_group confirm deletes the group's data."""
    confirmed = any(word.casefold() in _DELETE_CONFIRM_WORDS for word in context.args or [])
    result = await context.bot_data.groups.delete_group(
        group_of(update), admin=await is_admin(update, context), confirmed=confirmed
    )
    match result:
        case ConfirmDeleteGroup():
            await say(update, context, group_texts.CONFIRM_DELETE)
        case GroupDeleted(rows=rows):
            await say(update, context, group_texts.deleted(rows))
        case NotGroupAdmin():
            await say(update, context, group_texts.ONLY_ADMINS)


async def help_command(update: Update, context: Context) -> None:
    """/help and /start in a group: how the bot works here."""
    await say(update, context, group_texts.group_help(context.bot.username))


async def private_only_command(update: Update, context: Context) -> None:
    """A command of the private chat (/stats, /hint, ...) typed in a group: where it works."""
    message = update.effective_message
    assert message is not None
    command = (message.text or "/").split()[0].lstrip("/").split("@")[0]
    await say(update, context, group_texts.private_only(command, context.bot.username))


async def button_in_group(update: Update, context: Context) -> None:
    """A button pressed in a group: the bot puts none there, so it is forged or stale. Answered, and stopped
    before any private-chat button handler could act on it."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or chat.type == ChatType.PRIVATE:
        return
    await query.answer(group_texts.PRIVATE_BUTTON)
    raise ApplicationHandlerStop
