"""The Bot API methods the emulator implements."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from .media import MAX_DOWNLOAD_SIZE
from .members import MemberApi
from .messaging import MessageBuilder, media_json, photo_json
from .protocol import Params, bad_request, conflict
from .state import CallbackAnswer, ChatAction, ChatState, EmulatorState, StoredMessage

JSON = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]

CHAT_ACTIONS = frozenset(
    (
        "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
        "choose_sticker find_location record_video_note upload_video_note"
    ).split()
)
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendVoice": "voice",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}
_NO_CAPTION = frozenset({"sticker", "video_note"})
_COMMAND = re.compile(r"^[a-z0-9_]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_SIMPLE_SCOPES = frozenset({"default", "all_private_chats", "all_group_chats", "all_chat_administrators"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_MAX_COMMANDS = 100
# ChatPermissions of ordinary group members, all granted in a new group.
_MEMBER_PERMISSIONS = (
    "can_send_messages can_send_audios can_send_documents can_send_photos can_send_videos can_send_video_notes "
    "can_send_voice_notes can_send_polls can_send_other_messages can_add_web_page_previews can_react_to_messages "
    "can_edit_tag can_change_info can_invite_users can_pin_messages can_manage_topics"
).split()
_TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (the only place webhooks are delivered)."""
    host = (urlparse(url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


@dataclass
class _Poll:
    """One getUpdates call in progress."""

    terminated: bool = False


class BotApi:
    """Method handlers. Each takes Params and returns the ``result`` or raises ApiError."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        webhook_changed: Callable[[], None],
        callback_answer_timeout: float | None,
    ) -> None:
        self.state = state
        self.build = MessageBuilder(state)
        self._webhook_changed = webhook_changed
        self._callback_answer_timeout = callback_answer_timeout
        self._poll: _Poll | None = None

    def handlers(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        table: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.close,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "sendMediaGroup": self.send_media_group,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
            "setMyName": self.set_my_name,
            "getMyName": self.get_my_name,
            "getFile": self.get_file,
            "getChat": self.get_chat,
        }
        table.update(MemberApi(self.state, self.build).handlers())
        for method, kind in MEDIA_METHODS.items():
            table[method] = self._media_handler(kind)
        return table

    # ------------------------------------------------------------------ bot ----

    async def get_me(self, params: Params) -> JSON:
        """getMe: the bot's User with its capabilities."""
        return dict(self.state.bot.user)

    async def log_out(self, params: Params) -> bool:
        """logOut: accepted and ignored."""
        return True

    async def close(self, params: Params) -> bool:
        """close: accepted and ignored."""
        return True

    # -------------------------------------------------------------- updates ----

    async def get_updates(self, params: Params) -> list[JSON]:
        """getUpdates with offset/limit/timeout/allowed_updates and long polling.

        A newer getUpdates call ends an older pending one with 409 Conflict, as on the
        real server.
        """
        if self.state.webhook.url:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        poll = _Poll()
        if self._poll is not None:
            self._poll.terminated = True
        self._poll = poll
        self.state.notifier.notify()
        try:
            return await self._poll_updates(poll, params)
        finally:
            if self._poll is poll:
                self._poll = None

    async def _poll_updates(self, poll: _Poll, params: Params) -> list[JSON]:
        """Apply offset/allowed_updates, then wait up to timeout for updates."""
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        allowed = params.json_value("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.state.updates.set_allowed([str(kind) for kind in allowed])
        if offset is not None:
            self.state.updates.confirm(offset)
        deadline = time.monotonic() + max(params.number("timeout") or 0.0, 0.0)
        while True:
            if poll.terminated:
                raise conflict(_TERMINATED)
            batch = self.state.updates.peek(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self.state.closing:
                return batch
            await self.state.notifier.wait(remaining)

    async def set_webhook(self, params: Params) -> bool:
        """setWebhook: store the URL (delivered only to loopback addresses)."""
        url = (params.string("url") or "").strip()
        if url and not url.lower().startswith("https://") and not is_loopback_url(url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.string("secret_token")
        if secret is not None and not _SECRET.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.integer("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self._apply_allowed_and_drop(params)
        webhook = self.state.webhook
        webhook.url, webhook.secret_token = url, secret if url else None
        webhook.max_connections = max_connections
        webhook.ip_address = params.string("ip_address")
        webhook.has_custom_certificate = params.has("certificate")
        webhook.last_error_date = webhook.last_error_message = None
        self._webhook_changed()
        return True

    async def delete_webhook(self, params: Params) -> bool:
        """deleteWebhook (optionally dropping pending updates)."""
        if params.boolean("drop_pending_updates"):
            self.state.updates.clear()
        self.state.webhook.url = ""
        self.state.webhook.secret_token = None
        self._webhook_changed()
        return True

    async def get_webhook_info(self, params: Params) -> JSON:
        """getWebhookInfo."""
        webhook = self.state.webhook
        info: JSON = {
            "url": webhook.url,
            "has_custom_certificate": webhook.has_custom_certificate,
            "pending_update_count": len(self.state.updates),
        }
        if webhook.url:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = webhook.ip_address or "127.0.0.1"
            info["allowed_updates"] = sorted(self.state.updates.allowed)
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        return info

    def _apply_allowed_and_drop(self, params: Params) -> None:
        """Handle allowed_updates and drop_pending_updates of setWebhook."""
        allowed = params.json_value("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.state.updates.set_allowed([str(kind) for kind in allowed])
        if params.boolean("drop_pending_updates"):
            self.state.updates.clear()

    # ------------------------------------------------------------- messages ----

    async def send_message(self, params: Params) -> JSON:
        """sendMessage."""
        chat = self.build.writable_chat(params)
        fields = self.build.text_fields(params)
        return self.build.deliver(chat, fields, params).snapshot()

    def _media_handler(self, kind: str) -> Handler:
        """A handler for sendPhoto/sendDocument/... of media ``kind``."""

        async def send_media(params: Params) -> JSON:
            chat = self.build.writable_chat(params)
            stored = self.build.input_file(params, kind)
            fields: JSON = {kind: self.build.media_object(kind, stored, params)}
            if kind not in _NO_CAPTION:
                fields.update(self.build.caption_fields(params))
            return self.build.deliver(chat, fields, params).snapshot()

        send_media.__doc__ = f"send{kind.title()}: upload, file_id or URL."
        return send_media

    async def send_media_group(self, params: Params) -> list[JSON]:
        """sendMediaGroup: 2-10 photos/videos/documents/audios as one album."""
        chat = self.build.writable_chat(params)
        media = params.json_value("media", "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the message")
        group_id = str(13_000_000_000_000_000 + len(self.state.events))
        items = [self._album_item(item, params) for item in media]
        sent = []
        for fields in items:
            message = self.build.deliver(chat, {**fields, "media_group_id": group_id}, params)
            sent.append(message.snapshot())
        return sent

    def _album_item(self, item: Any, params: Params) -> JSON:
        """Build the message fields of one InputMedia of an album."""
        if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
            raise bad_request("can't parse InputMedia JSON object")
        kind = str(item["type"])
        values = {**item, kind: item.get("media")}
        sub = Params(values, params.files)
        stored = self.build.input_file(sub, kind)
        media = photo_json(self.state, stored) if kind == "photo" else media_json(kind, stored, None, sub)
        fields: JSON = {kind: media}
        fields.update(self.build.caption_fields(sub))
        return fields

    async def edit_message_text(self, params: Params) -> JSON:
        """editMessageText (omitting reply_markup removes the inline keyboard)."""
        _chat, message = self.build.editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        fields = self.build.text_fields(params)
        changes = {
            "text": fields["text"],
            "entities": fields.get("entities"),
            "reply_markup": self.build.inline_markup(params),
        }
        if "link_preview_options" in fields:
            message.data["link_preview_options"] = fields["link_preview_options"]
        return self.build.apply_edit(message, changes)

    async def edit_message_caption(self, params: Params) -> JSON:
        """editMessageCaption."""
        _chat, message = self.build.editable(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        fields = self.build.caption_fields(params)
        changes = {
            "caption": fields.get("caption"),
            "caption_entities": fields.get("caption_entities"),
            "reply_markup": self.build.inline_markup(params),
        }
        return self.build.apply_edit(message, changes)

    async def edit_message_reply_markup(self, params: Params) -> JSON:
        """editMessageReplyMarkup (no reply_markup = remove the keyboard)."""
        _chat, message = self.build.editable(params)
        return self.build.apply_edit(message, {"reply_markup": self.build.inline_markup(params)})

    async def delete_message(self, params: Params) -> bool:
        """deleteMessage: the bot's own messages, others' in private chats or as a group
        administrator with can_delete_messages; at most 48 h old."""
        chat = self._deleting_in(params)
        message = self.build.message(chat, params.required_integer("message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        if not self._may_delete(chat, message):
            raise bad_request("message can't be deleted")
        if self.state.now() - int(message.data["date"]) > 48 * 3600:
            raise bad_request("message can't be deleted for everyone")
        message.deleted = True
        self.state.record_event("deleted", message)
        return True

    async def delete_messages(self, params: Params) -> bool:
        """deleteMessages: missing messages are skipped."""
        chat = self._deleting_in(params)
        ids = params.json_value("message_ids", "message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            message = self.build.message(chat, int(message_id))
            if message is not None and self._may_delete(chat, message):
                message.deleted = True
                self.state.record_event("deleted", message)
        return True

    def _deleting_in(self, params: Params) -> ChatState:
        """The chat of a delete call (a group must let the bot write; a private chat needn't)."""
        chat = self.build.chat(params.chat_id())
        if chat.type != "private":
            self.build.check_access(chat, "write")
        return chat

    def _may_delete(self, chat: ChatState, message: StoredMessage) -> bool:
        """Whether the bot may delete ``message`` for everyone."""
        if message.from_bot or chat.type == "private":
            return True
        bot = self.state.bot_membership(chat)
        return bot is not None and bot.status == "administrator" and bot.rights.get("can_delete_messages", True)

    # ------------------------------------------------------------ callbacks ----

    async def answer_callback_query(self, params: Params) -> bool:
        """answerCallbackQuery: once per query, optionally within a time limit."""
        query_id = params.required_string("callback_query_id")
        query = self.state.callback_queries.get(query_id)
        expired = (
            query is not None
            and self._callback_answer_timeout is not None
            and time.monotonic() - query.created > self._callback_answer_timeout
        )
        if query is None or query.answer is not None or expired:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        query.answer = CallbackAnswer(
            query_id=query_id,
            text=params.string("text"),
            show_alert=params.boolean("show_alert"),
            url=params.string("url"),
            cache_time=params.integer("cache_time"),
            at=time.monotonic(),
        )
        self.state.notifier.notify()
        return True

    async def send_chat_action(self, params: Params) -> bool:
        """sendChatAction: validated and recorded."""
        chat = self.build.writable_chat(params)
        action = params.string("action")
        if not action:
            raise bad_request('parameter "action" is required')
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.state.chat_actions.append(ChatAction(chat.id, action, time.monotonic()))
        self.state.notifier.notify()
        return True

    # ------------------------------------------------------------- commands ----

    def _scope_key(self, params: Params) -> str:
        """Storage key of the scope + language_code of a *MyCommands call."""
        language = params.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        scope = params.json_value("scope", "BotCommandScope")
        return f"{scope_name(self.build, scope)}|{language}"

    async def set_my_commands(self, params: Params) -> bool:
        """setMyCommands with Telegram's validation and error texts."""
        key = self._scope_key(params)
        raw = params.json_value("commands", "bot commands")
        commands = validate_commands(raw if raw is not None else [])
        scope, language = key.split("|")
        self.state.commands[(scope, language)] = commands
        self.state.notifier.notify()
        return True

    async def get_my_commands(self, params: Params) -> list[JSON]:
        """getMyCommands for exactly this scope and language."""
        scope, language = self._scope_key(params).split("|")
        return [dict(c) for c in self.state.commands.get((scope, language), [])]

    async def delete_my_commands(self, params: Params) -> bool:
        """deleteMyCommands."""
        scope, language = self._scope_key(params).split("|")
        self.state.commands.pop((scope, language), None)
        self.state.notifier.notify()
        return True

    async def set_chat_menu_button(self, params: Params) -> bool:
        """setChatMenuButton for one private chat or the default."""
        chat_id = self.build.chat(params.chat_id()).id if params.has("chat_id") else None
        button = params.json_value("menu_button", "menu button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise bad_request("can't parse menu button JSON object")
        if button["type"] == "web_app" and (not button.get("text") or not isinstance(button.get("web_app"), dict)):
            raise bad_request("can't parse menu button JSON object")
        self.state.menu_buttons[chat_id] = button
        return True

    async def get_chat_menu_button(self, params: Params) -> JSON:
        """getChatMenuButton (chat, then default, then "commands")."""
        chat_id = self.build.chat(params.chat_id()).id if params.has("chat_id") else None
        button = self.state.menu_buttons.get(chat_id) or self.state.menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return dict(button)

    # ------------------------------------------------------------- profile ----

    async def set_my_description(self, params: Params) -> bool:
        """setMyDescription (0-512 characters)."""
        text = params.string("description") or ""
        if len(text) > 512:
            raise bad_request("description is too long")
        self.state.bot.description = text
        return True

    async def get_my_description(self, params: Params) -> JSON:
        """getMyDescription."""
        return {"description": self.state.bot.description}

    async def set_my_short_description(self, params: Params) -> bool:
        """setMyShortDescription (0-120 characters)."""
        text = params.string("short_description") or ""
        if len(text) > 120:
            raise bad_request("short description is too long")
        self.state.bot.short_description = text
        return True

    async def get_my_short_description(self, params: Params) -> JSON:
        """getMyShortDescription."""
        return {"short_description": self.state.bot.short_description}

    async def set_my_name(self, params: Params) -> bool:
        """setMyName (0-64 characters)."""
        name = params.string("name") or ""
        if len(name) > 64:
            raise bad_request("name is too long")
        self.state.bot.name = name or str(self.state.bot.user["first_name"])
        return True

    async def get_my_name(self, params: Params) -> JSON:
        """getMyName."""
        return {"name": self.state.bot.name}

    # ---------------------------------------------------------- chats/files ----

    async def get_file(self, params: Params) -> JSON:
        """getFile: assigns the download path served under /file/bot<token>/."""
        stored = self.state.files.get(params.required_string("file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": self.state.files.assign_path(stored),
        }

    async def get_chat(self, params: Params) -> JSON:
        """getChat: a ChatFullInfo with the required fields (and a group's permissions)."""
        chat = self.build.chat(params.chat_id())
        self.build.check_access(chat, "read")
        info = dict(chat.chat)
        gifts = chat.type == "private"
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": gifts,
                "limited_gifts": gifts,
                "unique_gifts": gifts,
                "premium_subscription": gifts,
                "gifts_from_channels": gifts,
            },
        )
        if chat.is_group:
            info["permissions"] = dict.fromkeys(_MEMBER_PERMISSIONS, True)
        return info


def scope_name(build: MessageBuilder, scope: Any) -> str:
    """Canonical name of a BotCommandScope object (chat scopes include the chat id)."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in _SIMPLE_SCOPES:
        return str(kind)
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad_request(f'unsupported bot command scope type "{kind}"')
    if scope.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    chat = build.chat(Params({"chat_id": scope["chat_id"]}).chat_id())
    if kind == "chat_member":
        if not isinstance(scope.get("user_id"), int):
            raise bad_request("user not found")
        return f"chat_member:{chat.id}:{scope['user_id']}"
    return f"{kind}:{chat.id}"


def validate_commands(raw: Any) -> list[JSON]:
    """Validate a setMyCommands list the way tdlib and Telegram do; return cleaned commands."""
    if not isinstance(raw, list):
        raise bad_request("can't parse commands JSON object")
    cleaned: list[JSON] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        for key in ("command", "description"):
            if not isinstance(item.get(key), str):
                raise bad_request(f"can't parse BotCommand: Can't find field \"{key}\"")
        command = str(item["command"]).strip()
        command = command[1:] if command.startswith("/") else command
        description = str(item["description"]).strip()
        if not command:
            raise bad_request("command must be non-empty")
        if len(command) > 32:
            raise bad_request("command length must not exceed 32")
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("command description length must not exceed 256")
        cleaned.append({"command": command, "description": description})
    if len(cleaned) > _MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    if any(not _COMMAND.match(c["command"]) for c in cleaned):
        raise bad_request("BOT_COMMAND_INVALID")
    return cleaned


def effective_commands(state: EmulatorState, chat: ChatState, language_code: str) -> list[JSON]:
    """The commands a user sees in ``chat``, following the Bot API scope fallback order."""
    general = "all_private_chats" if chat.type == "private" else "all_group_chats"
    for scope in (f"chat:{chat.id}", general, "default"):
        for language in ([language_code] if language_code else []) + [""]:
            commands = state.commands.get((scope, language))
            if commands is not None:
                return [dict(c) for c in commands]
    return []


async def sleep_or_close(state: EmulatorState, seconds: float) -> None:
    """Sleep ``seconds`` unless the emulator shuts down first."""
    deadline = time.monotonic() + seconds
    while not state.closing and (remaining := deadline - time.monotonic()) > 0:
        await state.notifier.wait(remaining)
    await asyncio.sleep(0)
