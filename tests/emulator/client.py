"""The test-user side: people writing to the bot, pressing buttons, sending files."""

# Waiting helpers take ``timeout=`` on purpose: it is the API tests are written against.
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .formatting import merge_auto_entities
from .media import guess_mime_type, image_size, make_png
from .members import bot_sees, sender_fields
from .messaging import media_json, photo_json, store_photo_sizes
from .state import CallbackAnswer, CallbackQueryRecord, ChatState, StoredMessage
from .waits import WAIT_S

if TYPE_CHECKING:
    from .chats import GroupChat
    from .server import TelegramEmulator

JSON = dict[str, Any]


class HasMessageId(Protocol):
    """Anything with a message id: a StoredMessage, or PTB's telegram.Message."""

    @property
    def message_id(self) -> int:
        """The message id."""


class HasChatAndMessageId(HasMessageId, Protocol):
    """A message that knows its chat: a StoredMessage, or PTB's telegram.Message."""

    @property
    def chat_id(self) -> int:
        """The chat's id."""


MessageRef = HasMessageId | int

_DEFAULT_VOICE = b"OggS\x00\x02" + bytes(58)
_DEFAULT_STICKER = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(14)


@dataclass(frozen=True)
class CallbackPress:
    """A button press (callback query) sent to the bot."""

    emulator: TelegramEmulator
    query_id: str
    data: str | None
    chat_id: int
    message_id: int
    update: JSON | None

    @property
    def answer(self) -> CallbackAnswer | None:
        """The bot's answerCallbackQuery, once it came."""
        return self.emulator.state.callback_queries[self.query_id].answer

    async def wait_answer(self, timeout: float = WAIT_S) -> CallbackAnswer:
        """Wait for the bot to answer this callback query."""
        return await self.emulator.wait_for_callback_answer(self.query_id, timeout)


class EmulatedUser:
    """A Telegram user talking to the bot. Every action creates the update a real client
    would cause and queues it for getUpdates (or the webhook).

    Sending methods return the user's StoredMessage; the ``update`` the bot receives is in
    ``user.last_update`` (None if the bot doesn't get it, e.g. privacy mode in groups).
    """

    def __init__(self, emulator: TelegramEmulator, user: JSON) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self._user = user
        self.last_update: JSON | None = None

    @property
    def id(self) -> int:
        """User id (also the id of the private chat with the bot)."""
        return int(self._user["id"])

    @property
    def chat_id(self) -> int:
        """Id of the private chat with the bot."""
        return self.id

    @property
    def first_name(self) -> str:
        """First name."""
        return str(self._user["first_name"])

    @property
    def username(self) -> str | None:
        """Username without '@', if any."""
        value = self._user.get("username")
        return str(value) if value is not None else None

    @property
    def language_code(self) -> str | None:
        """IETF language tag, if any."""
        value = self._user.get("language_code")
        return str(value) if value is not None else None

    @property
    def json(self) -> JSON:
        """The User object."""
        return copy.deepcopy(self._user)

    # --------------------------------------------------------------- sending ----

    def send_text(
        self,
        text: str,
        *,
        chat: GroupChat | None = None,
        reply_to: MessageRef | None = None,
        entities: list[JSON] | None = None,
    ) -> StoredMessage:
        """Send a text message. Commands, mentions, hashtags and URLs get their entities
        (e.g. "/start@bot x" -> bot_command at offset 0, length 10)."""
        fields: JSON = {"text": text}
        found = merge_auto_entities(text, list(entities or []))
        if found:
            fields["entities"] = found
        return self._send(fields, chat, reply_to)

    def reply(self, message: HasChatAndMessageId, text: str, *, entities: list[JSON] | None = None) -> StoredMessage:
        """Reply with ``text`` to ``message`` (often the bot's) in the chat it is in; the
        update's ``reply_to_message`` carries the replied message."""
        chat_state = self.state.chats[message.chat_id]
        fields: JSON = {"text": text}
        found = merge_auto_entities(text, list(entities or []))
        if found:
            fields["entities"] = found
        return self._send_in(chat_state, fields, message)

    def send_command(
        self, command: str, args: str = "", *, mention_bot: bool = False, chat: GroupChat | None = None
    ) -> StoredMessage:
        """Send ``/command[@bot] [args]``."""
        name = command.lstrip("/")
        if mention_bot:
            name = f"{name}@{self.emulator.bot_username}"
        return self.send_text(f"/{name} {args}".rstrip(), chat=chat)

    def start(self, payload: str | None = None) -> StoredMessage:
        """Press Start (optionally through a deep link with ``payload``)."""
        return self.send_command("start", payload or "")

    def send_sticker(
        self,
        emoji: str = "👍",
        *,
        set_name: str | None = "EmulatorStickers",
        is_animated: bool = False,
        is_video: bool = False,
        chat: GroupChat | None = None,
    ) -> StoredMessage:
        """Send a (regular) sticker."""
        stored = self.state.files.add("sticker", _DEFAULT_STICKER, width=512, height=512)
        stored.meta.update(emoji=emoji, set_name=set_name, is_animated=is_animated, is_video=is_video)
        return self._send({"sticker": media_json("sticker", stored, emoji)}, chat, None)

    def send_photo(
        self, content: bytes | None = None, *, caption: str | None = None, chat: GroupChat | None = None
    ) -> StoredMessage:
        """Send a photo (default: a generated 64x48 PNG). Telegram-style sizes are built."""
        content = content if content is not None else make_png(64, 48)
        dims = image_size(content)
        if dims is None:
            raise ValueError("photo content must be a PNG, JPEG, GIF, WebP or BMP image")
        largest = store_photo_sizes(self.state, content, dims, url=None, by_bot=False)
        fields = self._with_caption({"photo": photo_json(self.state, largest)}, caption)
        return self._send(fields, chat, None)

    def send_voice(
        self, content: bytes | None = None, *, duration: int = 1, chat: GroupChat | None = None
    ) -> StoredMessage:
        """Send a voice note (OGG/Opus bytes; a stub by default)."""
        data = content if content is not None else _DEFAULT_VOICE
        stored = self.state.files.add("voice", data, duration=duration, mime_type="audio/ogg")
        return self._send({"voice": media_json("voice", stored, None)}, chat, None)

    def send_document(
        self,
        content: bytes,
        file_name: str = "document.bin",
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        chat: GroupChat | None = None,
    ) -> StoredMessage:
        """Send a file; the bot can getFile it and download ``content``."""
        stored = self.state.files.add(
            "document", content, file_name=file_name, mime_type=mime_type or guess_mime_type(file_name)
        )
        fields = self._with_caption({"document": media_json("document", stored, None)}, caption)
        return self._send(fields, chat, None)

    def send_location(self, latitude: float, longitude: float, *, chat: GroupChat | None = None) -> StoredMessage:
        """Send a location."""
        return self._send({"location": {"latitude": latitude, "longitude": longitude}}, chat, None)

    def send_contact(self, phone_number: str, first_name: str, *, chat: GroupChat | None = None) -> StoredMessage:
        """Share a contact (the user's own when the number is theirs)."""
        contact = {"phone_number": phone_number, "first_name": first_name, "user_id": self.id}
        return self._send({"contact": contact}, chat, None)

    def edit_message(self, message: MessageRef, text: str, *, chat: GroupChat | None = None) -> StoredMessage:
        """Edit one of the user's text messages; the bot gets an edited_message update."""
        target = self._own_message(message, chat)
        if target.text is None:
            raise ValueError("only text messages can be edited this way")
        target.history.append(target.snapshot())
        target.data["text"] = text
        entities = merge_auto_entities(text, [])
        if entities:
            target.data["entities"] = entities
        else:
            target.data.pop("entities", None)
        target.data["edit_date"] = self.state.now()
        self._deliver("edited_message", target, self._chat(chat))
        return target

    # --------------------------------------------------------------- buttons ----

    def press_button(
        self,
        message: MessageRef,
        *,
        text: str | None = None,
        data: str | None = None,
        chat: GroupChat | None = None,
        inaccessible: bool = False,
    ) -> CallbackPress:
        """Press an inline callback button of a bot message, found by text and/or data.

        Raises LookupError if the message's current keyboard has no such button (use
        forge_callback() to send data that is not on the keyboard).
        """
        target = self._bot_message(message, chat)
        button = target.find_button(text=text, data=data)
        if "callback_data" not in button:
            raise LookupError(f"button {button!r} has no callback_data")
        return self.forge_callback(target, str(button["callback_data"]), chat=chat, inaccessible=inaccessible)

    def forge_callback(
        self,
        message: MessageRef,
        data: str | None,
        *,
        chat: GroupChat | None = None,
        inaccessible: bool = False,
    ) -> CallbackPress:
        """Send a callback query with arbitrary ``data`` for an existing bot message, as a
        modified client could (or as pressing a button of an old keyboard does).

        ``inaccessible=True`` sends an InaccessibleMessage (date 0) like Telegram does for
        messages the bot can no longer see.
        """
        target = self._bot_message(message, chat)
        chat_state = self._chat(chat)
        query_id = self.state.new_callback_query_id()
        if inaccessible:
            shown: JSON = {"chat": copy.deepcopy(chat_state.chat), "message_id": target.message_id, "date": 0}
        else:
            shown = target.snapshot()
        query: JSON = {"id": query_id, "from": self.json, "message": shown, "chat_instance": chat_state.chat_instance}
        if data is not None:
            query["data"] = data
        self.state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, self.id, chat_state.id, target.message_id, data, time.monotonic()
        )
        update = self.state.updates.push("callback_query", query)
        self.last_update = update
        return CallbackPress(self.emulator, query_id, data, chat_state.id, target.message_id, update)

    # ------------------------------------------------------------- blocking ----

    def block_bot(self) -> None:
        """Block the bot: writes to this chat now fail with 403; bot gets my_chat_member."""
        self.emulator.set_blocked(self.id, True)

    def unblock_bot(self) -> None:
        """Unblock the bot (it gets a my_chat_member update back to "member")."""
        self.emulator.set_blocked(self.id, False)

    # ------------------------------------------------------------- reading ----

    def bot_messages(self) -> list[StoredMessage]:
        """Messages the bot sent to this user's private chat, in current state."""
        return self.emulator.bot_messages(self.id)

    @property
    def last_bot_message(self) -> StoredMessage | None:
        """The latest bot message in the private chat."""
        return self.emulator.last_bot_message(self.id)

    @property
    def reply_keyboard(self) -> JSON | None:
        """The custom reply keyboard the bot currently shows this user, if any."""
        return self.state.chats[self.id].reply_keyboard

    async def wait_for_bot_message(self, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot sends to this user."""
        return await self.emulator.wait_for_bot_message(self.id, timeout)

    async def wait_for_bot_edit(self, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot edits in this user's chat."""
        return await self.emulator.wait_for_bot_edit(self.id, timeout)

    # ------------------------------------------------------------- internals ----

    def _chat(self, chat: GroupChat | None) -> ChatState:
        """The target chat state (private chat by default)."""
        return chat.state if chat is not None else self.state.chats[self.id]

    def _bot_message(self, message: MessageRef, chat: GroupChat | None) -> StoredMessage:
        """A bot message of the chat that still exists."""
        chat_state = self._chat(chat)
        message_id = message if isinstance(message, int) else message.message_id
        target = chat_state.messages.get(message_id)
        if target is None or target.deleted or not target.from_bot:
            raise LookupError(f"no bot message {message_id} in chat {chat_state.id}")
        return target

    def _own_message(self, message: MessageRef, chat: GroupChat | None) -> StoredMessage:
        """One of this user's messages in the chat."""
        chat_state = self._chat(chat)
        message_id = message if isinstance(message, int) else message.message_id
        target = chat_state.messages.get(message_id)
        if target is None or target.deleted or target.data.get("from", {}).get("id") != self.id:
            raise LookupError(f"no message {message_id} of user {self.id} in chat {chat_state.id}")
        return target

    @staticmethod
    def _with_caption(fields: JSON, caption: str | None) -> JSON:
        """Add a caption (with automatic entities) to media fields."""
        if caption:
            fields["caption"] = caption
            entities = merge_auto_entities(caption, [])
            if entities:
                fields["caption_entities"] = entities
        return fields

    def _send(self, fields: JSON, chat: GroupChat | None, reply_to: MessageRef | None) -> StoredMessage:
        """Store the user's message and queue the update for the bot."""
        return self._send_in(self._chat(chat), fields, reply_to)

    def _send_in(self, chat_state: ChatState, fields: JSON, reply_to: MessageRef | None) -> StoredMessage:
        """Store the user's message in ``chat_state`` and queue the update for the bot.

        In a group the user must be a member; an anonymous administrator's message comes
        from GroupAnonymousBot with ``sender_chat`` set to the group.
        """
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = chat_state.messages.get(reply_id)
            if replied is None or replied.deleted:
                raise LookupError(f"no message {reply_id} to reply to in chat {chat_state.id}")
            quoted = replied.snapshot()
            quoted.pop("reply_to_message", None)
            fields = {"reply_to_message": quoted, **fields}
        sender = self._user
        if chat_state.type == "private":
            chat_state.started = True
            if chat_state.blocked:
                # Writing to a blocked bot means pressing "Restart", which unblocks it.
                self.emulator.set_blocked(self.id, False)
        else:
            self._check_can_write(chat_state)
            sender, extra = sender_fields(chat_state, self._user)
            fields = {**extra, **fields}
        message = self.state.add_message(chat_state, sender, fields, from_bot=False)
        self._deliver("message", message, chat_state)
        return message

    def _check_can_write(self, chat_state: ChatState) -> None:
        """A user can write only in a group they are in, and not in one that was upgraded."""
        if chat_state.migrated_to is not None:
            raise LookupError(f"chat {chat_state.id} was upgraded to supergroup {chat_state.migrated_to}")
        if not chat_state.is_member(self.id):
            raise LookupError(f"{self.first_name} is not a member of chat {chat_state.id}")

    def _deliver(self, kind: str, message: StoredMessage, chat_state: ChatState) -> None:
        """Queue an update for ``message`` if the bot would receive it."""
        self.last_update = None
        if bot_sees(self.state, chat_state, message):
            self.last_update = self.state.updates.push(kind, message.snapshot())
