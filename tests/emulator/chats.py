"""The test side of groups: members join, leave and get promoted, the bot is added, promoted
and removed, and a group is upgraded to a supergroup. Members write with
``user.send_text(..., chat=group)`` and ``user.reply(message, ...)``."""

# Waiting helpers take ``timeout=`` on purpose: it is the API tests are written against.
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .members import actor_json, migrate_group, post_service_message, remove_from_group, set_status
from .state import ChatState, Membership, StoredMessage
from .waits import WAIT_S

if TYPE_CHECKING:
    from .client import EmulatedUser
    from .server import TelegramEmulator

JSON = dict[str, Any]


class GroupChat:
    """A group or supergroup created with ``TelegramEmulator.create_group()``.

    Once the group is upgraded (:meth:`migrate`) the object stands for the new supergroup,
    as Telegram clients show an upgraded group: ``id`` is then the supergroup's id and
    ``migrated_from`` the old group's. Messages the bot sent before stay in the old chat
    (``emu.bot_messages(group.migrated_from)``).
    """

    def __init__(self, emulator: TelegramEmulator, chat_id: int) -> None:
        self.emulator = emulator
        self._world = emulator.state
        self._origin_id = chat_id

    def __repr__(self) -> str:
        return f"GroupChat({self.id}, {self.title!r}, {self.type})"

    # ----------------------------------------------------------------- facts ----

    @property
    def id(self) -> int:
        """The chat id: negative, ``-100…`` for a supergroup."""
        return self.state.id

    @property
    def state(self) -> ChatState:
        """The emulator's record of the chat (its current incarnation after a migration)."""
        chat = self._world.chats[self._origin_id]
        while chat.migrated_to is not None:
            chat = self._world.chats[chat.migrated_to]
        return chat

    @property
    def type(self) -> str:
        """The chat type: group or supergroup."""
        return self.state.type

    @property
    def title(self) -> str:
        """The group's title."""
        return str(self.state.chat["title"])

    @property
    def chat_json(self) -> JSON:
        """The Chat object as it appears in messages and updates."""
        return dict(self.state.chat)

    @property
    def migrated_from(self) -> int | None:
        """The basic group's id if this supergroup was upgraded from one."""
        return self.state.migrated_from

    @property
    def privacy_mode(self) -> bool:
        """Whether privacy mode limits what the bot receives here (the bot's setting unless
        overridden; Telegram applies a changed setting only to groups the bot joins later)."""
        return self._world.privacy_mode_in(self.state)

    @privacy_mode.setter
    def privacy_mode(self, enabled: bool | None) -> None:
        self.state.privacy_mode = enabled

    def status(self, user: EmulatedUser) -> str:
        """A user's ChatMember status here: creator, administrator, member, left or kicked."""
        membership = self.state.members.get(user.id)
        return membership.status if membership is not None else "left"

    @property
    def bot_status(self) -> str:
        """The bot's ChatMember status here ("left" if it was never added)."""
        membership = self._world.bot_membership(self.state)
        return membership.status if membership is not None else "left"

    @property
    def member_ids(self) -> list[int]:
        """Ids of everyone in the group now (the bot included if it is)."""
        return [user_id for user_id, m in self.state.members.items() if m.is_member]

    # --------------------------------------------------------------- members ----

    def add_member(self, user: EmulatedUser, *, by: EmulatedUser | None = None) -> StoredMessage:
        """``by`` adds ``user`` (None: the user joins by invite link). Queues the
        ``new_chat_members`` service message, and chat_member if the bot is an admin."""
        actor = self._actor(by or user, must_be_in=by is not None)
        if self.state.is_member(user.id):
            raise ValueError(f"{user.first_name} is already in {self.title!r}")
        set_status(self._world, self.state, user.id, Membership("member"), actor)
        return post_service_message(self._world, self.state, actor, {"new_chat_members": [user.json]})

    def remove_member(self, user: EmulatedUser, *, by: EmulatedUser) -> StoredMessage:
        """An administrator removes ``user`` ("kicked" in a supergroup, "left" in a basic group,
        which has no list of removed users); queues ``left_chat_member``."""
        status = "kicked" if self.type == "supergroup" else "left"
        return remove_from_group(self._world, self.state, user.id, status, self._actor(by, admin=True))

    def leave(self, user: EmulatedUser) -> StoredMessage:
        """``user`` leaves the group; queues ``left_chat_member``."""
        return remove_from_group(self._world, self.state, user.id, "left", self._actor(user))

    def promote(
        self,
        user: EmulatedUser,
        *,
        by: EmulatedUser | None = None,
        anonymous: bool = False,
        custom_title: str | None = None,
        **rights: bool,
    ) -> None:
        """Make ``user`` an administrator (by the creator unless ``by``). ``anonymous=True``
        makes their messages come from the group itself (supergroups only, as in Telegram,
        where turning it on upgrades a basic group). ``rights`` override single rights."""
        if anonymous and self.type != "supergroup":
            raise ValueError("anonymous administrators exist only in supergroups; migrate() the group first")
        actor = self._actor(by, admin=True) if by is not None else self._creator_actor()
        if not self.state.is_member(user.id):
            raise ValueError(f"{user.first_name} is not in {self.title!r}")
        membership = Membership("administrator", anonymous, custom_title, dict(rights))
        if self.status(user) == "creator":
            membership.status = "creator"
        set_status(self._world, self.state, user.id, membership, actor)

    def demote(self, user: EmulatedUser, *, by: EmulatedUser | None = None) -> None:
        """Turn an administrator back into an ordinary member."""
        actor = self._actor(by, admin=True) if by is not None else self._creator_actor()
        if self.status(user) != "administrator":
            raise ValueError(f"{user.first_name} is not an administrator of {self.title!r}")
        set_status(self._world, self.state, user.id, Membership("member"), actor)

    # ---------------------------------------------------------------- the bot ----

    def add_bot(self, *, by: EmulatedUser, as_admin: bool = False, **rights: bool) -> StoredMessage:
        """``by`` adds the bot (as an administrator with ``as_admin``). The bot gets
        my_chat_member (left or kicked -> member/administrator, from ``by``), then the
        ``new_chat_members`` service message; it returns that message."""
        if not self._world.bot.user.get("can_join_groups", True):
            raise ValueError("the bot can't be added to groups (can_join_groups=False)")
        if self.state.is_member(self._world.bot.id):
            raise ValueError(f"the bot is already in {self.title!r}")
        actor = self._actor(by, admin=as_admin)
        membership = Membership("administrator", rights=dict(rights)) if as_admin else Membership("member")
        set_status(self._world, self.state, self._world.bot.id, membership, actor)
        return post_service_message(self._world, self.state, actor, {"new_chat_members": [self._world.bot_user_json()]})

    def remove_bot(self, *, by: EmulatedUser) -> StoredMessage:
        """An administrator removes the bot: my_chat_member -> "kicked" (until_date 0), plus,
        in a basic group only, ``left_chat_member``. Writes then get 403 "bot was kicked"."""
        actor = self._actor(by, admin=True)
        return remove_from_group(self._world, self.state, self._world.bot.id, "kicked", actor)

    def promote_bot(self, *, by: EmulatedUser | None = None, **rights: bool) -> None:
        """Make the bot an administrator (my_chat_member member -> administrator). An admin
        bot receives every message, privacy mode or not, and chat_member updates."""
        actor = self._actor(by, admin=True) if by is not None else self._creator_actor()
        if not self.state.is_member(self._world.bot.id):
            raise ValueError(f"the bot is not in {self.title!r}")
        set_status(self._world, self.state, self._world.bot.id, Membership("administrator", rights=rights), actor)

    def demote_bot(self, *, by: EmulatedUser | None = None) -> None:
        """Make the bot an ordinary member again."""
        actor = self._actor(by, admin=True) if by is not None else self._creator_actor()
        if self.bot_status != "administrator":
            raise ValueError(f"the bot is not an administrator of {self.title!r}")
        set_status(self._world, self.state, self._world.bot.id, Membership("member"), actor)

    def migrate(self, *, by: EmulatedUser | None = None) -> int:
        """Upgrade this basic group to a supergroup (as Telegram does, e.g. when history is
        made visible to new members) and return the new id, which ``id`` now is.

        The bot gets ``migrate_to_chat_id`` in the old group, my_chat_member for the
        supergroup, and ``migrate_from_chat_id`` there (from GroupAnonymousBot). Writes to
        the old id then get 400 "group chat was upgraded to a supergroup chat" with
        ``parameters.migrate_to_chat_id`` (PTB raises ChatMigrated).
        """
        actor = self._actor(by, admin=True) if by is not None else self._creator_actor()
        return migrate_group(self._world, self.state, actor).id

    # --------------------------------------------------------------- reading ----

    def messages(self) -> list[StoredMessage]:
        """Everything in the chat (members', the bot's and service messages), in order."""
        return self.emulator.messages(self.id)

    def bot_messages(self) -> list[StoredMessage]:
        """Messages the bot sent here, in their current state."""
        return self.emulator.bot_messages(self.id)

    @property
    def last_bot_message(self) -> StoredMessage | None:
        """The bot's latest message here."""
        return self.emulator.last_bot_message(self.id)

    async def wait_for_bot_message(self, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot sends here (each one is returned once)."""
        return await self.emulator.wait_for_bot_message(self.id, timeout)

    async def wait_for_bot_edit(self, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot edits here."""
        return await self.emulator.wait_for_bot_edit(self.id, timeout)

    async def assert_no_bot_message(self, within: float = 0.3) -> None:
        """Fail if the bot sends a message here within ``within`` seconds."""
        await self.emulator.assert_no_bot_message(self.id, within)

    def peak_sends(self, window: float = 60.0) -> int:
        """The most messages the bot sent here within any ``window`` seconds."""
        return self.emulator.peak_sends(window).get(self.id, 0)

    # ------------------------------------------------------------- internals ----

    def _actor(self, user: EmulatedUser, *, must_be_in: bool = True, admin: bool = False) -> JSON:
        """Who an action is from, after checking ``user`` may do it."""
        if admin and not self.state.is_admin(user.id):
            raise ValueError(f"{user.first_name} is not an administrator of {self.title!r}")
        if must_be_in and not self.state.is_member(user.id):
            raise ValueError(f"{user.first_name} is not in {self.title!r}")
        return actor_json(self._world, self.state, user.id)

    def _creator_actor(self) -> JSON:
        """The creator, who acts when a test doesn't say who."""
        for user_id, membership in self.state.members.items():
            if membership.status == "creator":
                return actor_json(self._world, self.state, user_id)
        raise ValueError(f"{self.title!r} has no creator; say who does it with by=")
