"""Groups on the server side: who is in them, what the bot is told, and the member methods.

Shapes follow the Bot API server (tdlib/telegram-bot-api, Client.cpp): ChatMember objects by
status, ChatMemberUpdated for my_chat_member / chat_member, the service messages a Telegram
client causes (new_chat_members, left_chat_member, migrate_to/from_chat_id), and messages
of anonymous administrators (``from`` GroupAnonymousBot, ``sender_chat`` the group).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from .messaging import MessageBuilder
from .protocol import Params, bad_request
from .state import ChatState, EmulatorState, Membership, StoredMessage

JSON = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

GROUP_ANONYMOUS_BOT_ID = 1087968824
"""Message.from of messages an anonymous administrator sends on behalf of a group."""

GROUP_ANONYMOUS_BOT: JSON = {
    "id": GROUP_ANONYMOUS_BOT_ID,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

# ChatMemberAdministrator rights in the real server's order; which ones a chat type has.
_ADMIN_RIGHTS = (
    "can_manage_chat can_change_info can_delete_messages can_invite_users can_restrict_members "
    "can_pin_messages can_manage_topics can_promote_members can_manage_video_chats can_post_stories "
    "can_edit_stories can_delete_stories can_manage_tags"
).split()
_SUPERGROUP_ONLY_RIGHTS = frozenset({"can_manage_topics"})
# What a Telegram client grants a new administrator unless told otherwise.
_RIGHTS_OFF_BY_DEFAULT = frozenset({"can_manage_topics", "can_promote_members"})
# Message fields that make a service message: every bot receives those, privacy mode or not.
SERVICE_FIELDS = frozenset(
    (
        "new_chat_members left_chat_member new_chat_title new_chat_photo delete_chat_photo "
        "group_chat_created supergroup_chat_created migrate_to_chat_id migrate_from_chat_id pinned_message"
    ).split()
)


def admin_rights(chat_type: str, overrides: dict[str, bool]) -> dict[str, bool]:
    """The rights fields of a ChatMemberAdministrator in a chat of ``chat_type``."""
    unknown = set(overrides) - set(_ADMIN_RIGHTS)
    if unknown:
        raise ValueError(f"unknown administrator rights: {sorted(unknown)}")
    names = [n for n in _ADMIN_RIGHTS if chat_type == "supergroup" or n not in _SUPERGROUP_ONLY_RIGHTS]
    return {name: overrides.get(name, name not in _RIGHTS_OFF_BY_DEFAULT) for name in names}


def member_object(user: JSON, membership: Membership | None, chat_type: str) -> JSON:
    """The ChatMember object (Owner, Administrator, Member, Left or Banned) for ``membership``."""
    status = membership.status if membership is not None else "left"
    member: JSON = {"user": copy.deepcopy(user), "status": status}
    if membership is None:
        return member
    if status == "administrator":
        member["can_be_edited"] = False  # only for admins the bot promoted itself; it never does
        member.update(admin_rights(chat_type, membership.rights))
    if status in ("creator", "administrator"):
        member["is_anonymous"] = membership.is_anonymous
        if membership.custom_title:
            member["custom_title"] = membership.custom_title
    elif status == "kicked":
        member["until_date"] = membership.until_date
    return member


def push_member_update(
    state: EmulatorState,
    chat: ChatState,
    user_id: int,
    *,
    old: Membership | None,
    new: Membership | None,
    actor: JSON,
) -> None:
    """Queue the ChatMemberUpdated for a status change: my_chat_member if it is the bot's,
    chat_member (opt-in, and only while the bot is an administrator) for anyone else's."""
    user = state.user_json(user_id)
    if user is None:
        raise KeyError(f"unknown user {user_id}")
    payload: JSON = {
        "chat": chat.chat,
        "from": actor,
        "date": state.now(),
        "old_chat_member": member_object(user, old, chat.type),
        "new_chat_member": member_object(user, new, chat.type),
    }
    if user_id == state.bot.id:
        state.updates.push("my_chat_member", payload)
    elif chat.is_admin(state.bot.id):
        state.updates.push("chat_member", payload)


def set_status(state: EmulatorState, chat: ChatState, user_id: int, new: Membership, actor: JSON) -> None:
    """Change someone's standing in a group and tell the bot as Telegram does."""
    old = chat.members.get(user_id)
    chat.members[user_id] = new
    push_member_update(state, chat, user_id, old=old, new=new, actor=actor)


def sender_fields(chat: ChatState, user: JSON) -> tuple[JSON, JSON]:
    """Message.from and extra fields of a message ``user`` writes in ``chat``.

    An anonymous administrator writes on behalf of the group: ``from`` is GroupAnonymousBot,
    ``sender_chat`` the group, and a custom title becomes the ``author_signature``.
    """
    membership = chat.members.get(int(user["id"]))
    if chat.type == "private" or membership is None or not (membership.is_admin and membership.is_anonymous):
        return copy.deepcopy(user), {}
    extra: JSON = {"sender_chat": copy.deepcopy(chat.chat)}
    if membership.custom_title:
        extra["author_signature"] = membership.custom_title
    return dict(GROUP_ANONYMOUS_BOT), extra


def actor_json(state: EmulatorState, chat: ChatState, user_id: int) -> JSON:
    """ChatMemberUpdated.from / Message.from for someone acting in ``chat``."""
    user = state.user_json(user_id)
    if user is None:
        raise KeyError(f"unknown user {user_id}")
    return sender_fields(chat, user)[0]


def post_service_message(
    state: EmulatorState, chat: ChatState, sender: JSON, fields: JSON, *, bot_told: bool = False
) -> StoredMessage:
    """Add a service message to ``chat``. The bot gets it if it is in the chat (privacy mode
    never hides service messages), or if ``bot_told`` says Telegram tells it anyway."""
    message = state.add_message(chat, sender, fields, from_bot=False)
    if bot_told or chat.is_member(state.bot.id):
        state.updates.push("message", message.snapshot())
    return message


def remove_from_group(state: EmulatorState, chat: ChatState, user_id: int, status: str, actor: JSON) -> StoredMessage:
    """Someone leaves (``left``) or is removed (``kicked``); returns the left_chat_member message.

    The bot is told about its own removal with my_chat_member and, in a basic group only,
    also with the left_chat_member service message.
    """
    if not chat.is_member(user_id):
        raise ValueError(f"{user_id} is not a member of chat {chat.id}")
    set_status(state, chat, user_id, Membership(status), actor)
    user = state.user_json(user_id)
    about_bot = user_id == state.bot.id
    return post_service_message(
        state, chat, actor, {"left_chat_member": user}, bot_told=about_bot and chat.type == "group"
    )


def migrate_group(state: EmulatorState, chat: ChatState, actor: JSON) -> ChatState:
    """Upgrade a basic group to a new supergroup, with the updates Telegram sends the bot.

    The old group gets ``migrate_to_chat_id`` (from the user who upgraded it), the bot a
    my_chat_member for the supergroup (left -> its status), and the supergroup, as its
    first message, ``migrate_from_chat_id`` sent by GroupAnonymousBot on behalf of the
    supergroup. Members keep their roles; the old group stops accepting writes.
    """
    if chat.type != "group" or chat.migrated_to is not None:
        raise ValueError(f"chat {chat.id} is not a basic group that can be upgraded")
    new_chat: JSON = {"id": state.new_group_id(supergroup=True), "title": chat.chat["title"], "type": "supergroup"}
    members = {user_id: copy.deepcopy(m) for user_id, m in chat.members.items() if m.is_member}
    bot_membership = members.pop(state.bot.id, None)
    supergroup = state.add_chat(new_chat, members=members)
    supergroup.privacy_mode = chat.privacy_mode
    supergroup.migrated_from = chat.id
    post_service_message(state, chat, actor, {"migrate_to_chat_id": supergroup.id})
    chat.migrated_to = supergroup.id
    if bot_membership is not None:
        set_status(state, supergroup, state.bot.id, bot_membership, actor)
    post_service_message(
        state,
        supergroup,
        dict(GROUP_ANONYMOUS_BOT),
        {"sender_chat": copy.deepcopy(new_chat), "migrate_from_chat_id": chat.id},
    )
    return supergroup


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity covers (offsets are in UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


def bot_sees(state: EmulatorState, chat: ChatState, message: StoredMessage) -> bool:
    """Whether the bot receives a user's message in ``chat``.

    In groups the bot must be a member. Service messages always reach it. In privacy mode
    (unless the bot is an administrator) it gets only commands for it (``/cmd`` or
    ``/cmd@thisbot`` at the start), messages mentioning ``@thisbot``, and replies to its
    own messages.
    """
    if chat.type == "private":
        return True
    if not chat.is_member(state.bot.id):
        return False
    data = message.data
    if SERVICE_FIELDS & data.keys():
        return True
    if not state.privacy_mode_in(chat) or chat.is_admin(state.bot.id):
        return True
    replied = data.get("reply_to_message")
    if isinstance(replied, dict) and replied.get("from", {}).get("id") == state.bot.id:
        return True
    text = message.text or message.caption or ""
    username = state.bot.username.lower()
    for entity in message.entities:
        covered = _utf16_slice(text, int(entity["offset"]), int(entity["length"]))
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            target = covered.split("@", 1)[1] if "@" in covered else None
            if target is None or target.lower() == username:
                return True
        if entity["type"] == "mention" and covered[1:].lower() == username:
            return True
    return False


class MemberApi:
    """getChatMember, getChatAdministrators, getChatMemberCount and leaveChat."""

    def __init__(self, state: EmulatorState, build: MessageBuilder) -> None:
        self.state = state
        self.build = build

    def handlers(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getChatMemberCount": self.get_chat_member_count,
            "leaveChat": self.leave_chat,
        }

    async def get_chat_member(self, params: Params) -> JSON:
        """getChatMember: the user's ChatMember by status ("left" for known users not in it).

        The bot may always ask about itself; about others only where it could write
        (a kicked bot gets 403, an upgraded group 400 with migrate_to_chat_id).
        """
        chat = self.build.chat(params.chat_id())
        user_id = params.required_integer("user_id")
        self.build.check_access(chat, "read" if user_id == self.state.bot.id else "members")
        user = self.state.user_json(user_id)
        if user is None:
            raise bad_request("user not found")
        if chat.type != "private":
            return member_object(user, chat.members.get(user_id), chat.type)
        if user_id not in (chat.id, self.state.bot.id):
            return member_object(user, None, chat.type)
        if user_id == self.state.bot.id and chat.blocked:
            return member_object(user, Membership("kicked"), chat.type)
        return member_object(user, Membership("member"), chat.type)

    async def get_chat_administrators(self, params: Params) -> list[JSON]:
        """getChatAdministrators: the creator first, then the administrators (the bot too)."""
        chat = self.build.chat(params.chat_id())
        self.build.check_access(chat, "members")
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [(user_id, m) for user_id, m in chat.members.items() if m.is_admin]
        admins.sort(key=lambda item: item[1].status != "creator")
        return [member_object(self.state.user_json(user_id) or {}, m, chat.type) for user_id, m in admins]

    async def get_chat_member_count(self, params: Params) -> int:
        """getChatMemberCount: members now in the chat, the bot included."""
        chat = self.build.chat(params.chat_id())
        self.build.check_access(chat, "members")
        if chat.type == "private":
            return 2
        return sum(1 for m in chat.members.values() if m.is_member)

    async def leave_chat(self, params: Params) -> bool:
        """leaveChat: the bot leaves a group (my_chat_member member -> left, from the bot)."""
        chat = self.build.chat(params.chat_id())
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.build.check_access(chat, "write")
        remove_from_group(self.state, chat, self.state.bot.id, "left", self.state.bot_user_json())
        return True
