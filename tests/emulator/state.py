"""The emulator's world: users, chats, messages, updates, and what the bot did."""

# Notifier.wait takes ``timeout=`` like asyncio.wait_for, which implements it.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .media import FileStore

JSON = dict[str, Any]

UPDATE_TYPES = tuple(
    (
        "message edited_message channel_post edited_channel_post business_connection "
        "business_message edited_business_message deleted_business_messages message_reaction "
        "message_reaction_count inline_query chosen_inline_result callback_query shipping_query "
        "pre_checkout_query purchased_paid_media poll poll_answer my_chat_member chat_member "
        "chat_join_request chat_boost removed_chat_boost"
    ).split()
)
# Sent only when explicitly listed in allowed_updates.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# ChatMember statuses of someone who is in the chat (restricted members are not modelled).
ACTIVE_STATUSES = frozenset({"creator", "administrator", "member"})


class Notifier:
    """Wakes every waiter whenever something in the emulator changes.

    Waiters re-check their own condition after waking, so spurious wake-ups are harmless.
    Must be used from the event loop thread only.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake all current waiters."""
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Wait for the next notify() or until ``timeout`` seconds pass."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


@dataclass
class StoredMessage:
    """A message in a chat, always in its current state (edits are applied in place).

    ``data`` is the Bot API Message object as the bot would receive it now.
    ``history`` holds earlier versions (before each edit). ``reply_keyboard`` is a
    non-inline reply_markup the bot attached (the Message object never carries those), and
    ``options`` the delivery options the bot used (disable_notification, parse_mode, ...).
    """

    data: JSON
    from_bot: bool
    created: float
    history: list[JSON] = field(default_factory=list)
    deleted: bool = False
    reply_keyboard: JSON | None = None
    options: JSON = field(default_factory=dict)

    @property
    def message_id(self) -> int:
        """The message id (unique and increasing within its chat)."""
        return int(self.data["message_id"])

    @property
    def chat_id(self) -> int:
        """Id of the chat the message is in."""
        return int(self.data["chat"]["id"])

    @property
    def text(self) -> str | None:
        """Current text (after edits), or None for media messages."""
        value = self.data.get("text")
        return value if isinstance(value, str) else None

    @property
    def caption(self) -> str | None:
        """Current caption of a media message."""
        value = self.data.get("caption")
        return value if isinstance(value, str) else None

    @property
    def entities(self) -> list[JSON]:
        """Entities of the text or caption."""
        value = self.data.get("entities") or self.data.get("caption_entities") or []
        return list(value)

    @property
    def reply_markup(self) -> JSON | None:
        """Current inline keyboard markup (Message.reply_markup), if any."""
        value = self.data.get("reply_markup")
        return value if isinstance(value, dict) else None

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        """Rows of inline buttons of the current keyboard (empty if none)."""
        markup = self.reply_markup or {}
        return [list(row) for row in markup.get("inline_keyboard", [])]

    @property
    def buttons(self) -> list[JSON]:
        """All inline buttons, row by row."""
        return [button for row in self.inline_keyboard for button in row]

    @property
    def button_texts(self) -> list[str]:
        """Texts of all inline buttons."""
        return [str(button["text"]) for button in self.buttons]

    def find_button(self, text: str | None = None, data: str | None = None) -> JSON:
        """Return the inline button with this text and/or callback data, or raise LookupError."""
        for button in self.buttons:
            if (text is None or button.get("text") == text) and (data is None or button.get("callback_data") == data):
                return button
        raise LookupError(
            f"no inline button text={text!r} data={data!r} on message {self.message_id}; buttons: {self.buttons}"
        )

    @property
    def from_user_id(self) -> int | None:
        """Id of Message.from (GroupAnonymousBot's for an anonymous administrator)."""
        sender = self.data.get("from")
        return int(sender["id"]) if isinstance(sender, dict) else None

    @property
    def reply_to_message_id(self) -> int | None:
        """Id of the message this one replies to (the bot's reply_parameters, or a user's reply)."""
        replied = self.data.get("reply_to_message")
        return int(replied["message_id"]) if isinstance(replied, dict) else None

    def snapshot(self) -> JSON:
        """A deep copy of the current Message object."""
        return copy.deepcopy(self.data)


@dataclass
class Membership:
    """Someone's standing in a group: a ChatMember status and what goes with it.

    ``rights`` overrides administrator rights (``can_pin_messages=False``, ...);
    ``until_date`` is the end of a ban (0 = forever).
    """

    status: str
    is_anonymous: bool = False
    custom_title: str | None = None
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0

    @property
    def is_member(self) -> bool:
        """Whether this is someone in the chat (creator, administrator or member)."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_admin(self) -> bool:
        """Whether this is the creator or an administrator."""
        return self.status in ("creator", "administrator")


@dataclass
class ChatState:
    """A chat: its Chat object, messages and per-chat flags.

    Groups also have ``members`` (user id -> Membership, the bot included, and people
    who left or were removed), a ``privacy_mode`` fixed when the bot joined (None: the
    bot's current setting), and the ids of the chats a migration links.
    """

    chat: JSON
    chat_instance: str
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    blocked: bool = False
    started: bool = True
    members: dict[int, Membership] = field(default_factory=dict)
    reply_keyboard: JSON | None = None
    privacy_mode: bool | None = None
    migrated_to: int | None = None
    migrated_from: int | None = None

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        """private, group, supergroup or channel."""
        return str(self.chat["type"])

    @property
    def is_group(self) -> bool:
        """Whether this is a group or a supergroup."""
        return self.type in ("group", "supergroup")

    def is_member(self, user_id: int) -> bool:
        """Whether ``user_id`` is in the group now (creator, administrator or member)."""
        membership = self.members.get(user_id)
        return membership is not None and membership.is_member

    def is_admin(self, user_id: int) -> bool:
        """Whether ``user_id`` is the group's creator or one of its administrators."""
        membership = self.members.get(user_id)
        return membership is not None and membership.is_admin


@dataclass(frozen=True)
class BotEvent:
    """Something the bot did to a message: sent, edited or deleted it.

    ``at`` is on the emulator's ``rate_clock`` (time.monotonic unless a test gave another).
    """

    seq: int
    kind: str
    chat_id: int
    message: StoredMessage
    snapshot: JSON
    at: float


@dataclass
class CallbackAnswer:
    """The bot's answerCallbackQuery call."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float


@dataclass
class CallbackQueryRecord:
    """A callback query produced by a test user pressing a button."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    created: float
    answer: CallbackAnswer | None = None


@dataclass(frozen=True)
class ChatAction:
    """A sendChatAction call."""

    chat_id: int
    action: str
    at: float


@dataclass
class WebhookConfig:
    """What setWebhook stored."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Pending updates with Bot API confirmation semantics.

    An update stays pending until getUpdates is called with an offset above its id (or the
    webhook delivered it). Types not in ``allowed_updates`` are not even created, as on the
    real server, so changing allowed_updates does not affect updates queued before.
    """

    def __init__(self, first_update_id: int, notifier: Notifier) -> None:
        self._pending: deque[JSON] = deque()
        self._next_id = first_update_id
        self._notifier = notifier
        self.allowed: frozenset[str] = frozenset(UPDATE_TYPES) - OPT_IN_UPDATE_TYPES
        self.dropped: list[JSON] = []

    def set_allowed(self, allowed: list[str]) -> None:
        """Apply an allowed_updates list (empty list = the default set)."""
        chosen = frozenset(allowed) if allowed else frozenset(UPDATE_TYPES) - OPT_IN_UPDATE_TYPES
        self.allowed = chosen

    def push(self, kind: str, payload: JSON) -> JSON | None:
        """Create an update of ``kind``; return it, or None if not allowed (then dropped)."""
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        if kind not in self.allowed:
            self.dropped.append(update)
            return None
        self._pending.append(update)
        self._notifier.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popleft()
        else:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()
        self._notifier.notify()

    def peek(self, limit: int) -> list[JSON]:
        """The first ``limit`` pending updates (they stay pending)."""
        return list(itertools.islice(self._pending, limit))

    def clear(self) -> None:
        """Drop all pending updates (drop_pending_updates)."""
        self._pending.clear()
        self._notifier.notify()

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def next_update_id(self) -> int:
        """The id the next update will get."""
        return self._next_id


@dataclass
class BotProfile:
    """The bot's own user and profile texts."""

    user: JSON
    privacy_mode: bool
    name: str
    description: str = ""
    short_description: str = ""

    @property
    def id(self) -> int:
        """The bot's user id."""
        return int(self.user["id"])

    @property
    def username(self) -> str:
        """The bot's username (without @)."""
        return str(self.user["username"])


class EmulatorState:
    """Everything the emulator knows; shared by the HTTP API and the test-user side."""

    def __init__(
        self,
        bot: BotProfile,
        clock: Callable[[], float],
        first_update_id: int,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.rate_clock = rate_clock
        self.notifier = Notifier()
        self.updates = UpdateQueue(first_update_id, self.notifier)
        self.files = FileStore()
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatState] = {}
        self.events: list[BotEvent] = []
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.chat_actions: list[ChatAction] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.webhook = WebhookConfig()
        self.url_contents: dict[str, tuple[bytes, str | None]] = {}
        self.closing = False
        self._event_seq = itertools.count(1)
        self._query_seq = itertools.count(1)
        self._group_seq = itertools.count(1)

    def now(self) -> int:
        """Current Unix time in whole seconds (the unit of every Bot API date)."""
        return int(self.clock())

    def user_json(self, user_id: int) -> JSON | None:
        """The User object of a known user (or the bot), or None."""
        if user_id == self.bot.id:
            return self.bot_user_json()
        user = self.users.get(user_id)
        return copy.deepcopy(user) if user is not None else None

    def bot_user_json(self) -> JSON:
        """The bot as it appears in Message.from."""
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self.bot.user[key] for key in keys}

    def add_chat(self, chat: JSON, *, started: bool = True, members: dict[int, Membership] | None = None) -> ChatState:
        """Register a chat."""
        chat_id = int(chat["id"])
        instance = str((chat_id * 6364136223846793005 + self.bot.id) % (2**63))
        state = ChatState(chat=chat, chat_instance=instance, started=started, members=members or {})
        self.chats[chat_id] = state
        return state

    def new_group_id(self, *, supergroup: bool) -> int:
        """A fresh chat id: -100 and ten digits for a supergroup, -4 and nine for a group."""
        number = next(self._group_seq)
        return -(1_000_000_000_000 + number) if supergroup else -(4_000_000_000 + number)

    def bot_membership(self, chat: ChatState) -> Membership | None:
        """The bot's standing in a group (None if it has never been in it)."""
        return chat.members.get(self.bot.id)

    def privacy_mode_in(self, chat: ChatState) -> bool:
        """Whether privacy mode applies to what the bot receives from ``chat``."""
        return self.bot.privacy_mode if chat.privacy_mode is None else chat.privacy_mode

    def add_message(self, chat: ChatState, sender: JSON, fields: JSON, *, from_bot: bool) -> StoredMessage:
        """Append a new message to ``chat`` and return it."""
        data: JSON = {
            "message_id": chat.next_message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(chat.chat),
            "date": self.now(),
        }
        data.update(fields)
        chat.next_message_id += 1
        message = StoredMessage(data=data, from_bot=from_bot, created=time.monotonic())
        chat.messages[message.message_id] = message
        return message

    def record_event(self, kind: str, message: StoredMessage) -> BotEvent:
        """Record that the bot sent/edited/deleted ``message`` and wake waiters."""
        event = BotEvent(
            seq=next(self._event_seq),
            kind=kind,
            chat_id=message.chat_id,
            message=message,
            snapshot=message.snapshot(),
            at=self.rate_clock(),
        )
        self.events.append(event)
        self.notifier.notify()
        return event

    def new_callback_query_id(self) -> str:
        """A fresh callback query id (a large number as a string, like Telegram's)."""
        return str(4_380_000_000_000_000_000 + next(self._query_seq))
