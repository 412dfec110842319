"""Building and changing messages: text, captions, keyboards, replies and media."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import unquote, urlparse

from .formatting import (
    EntityParseError,
    checked_link,
    merge_auto_entities,
    parse_text,
    trim_text,
    validate_entities,
)
from .media import StoredFile, guess_mime_type, image_size, make_png, photo_sizes
from .protocol import ApiError, Params, bad_request, forbidden
from .state import ACTIVE_STATUSES, ChatState, EmulatorState, StoredMessage

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_KIND_NAMES = {
    "photo": "Photo",
    "document": "Document",
    "audio": "Audio",
    "video": "Video",
    "animation": "Animation",
    "voice": "Voice",
    "sticker": "Sticker",
    "video_note": "VideoNote",
}
# Which existing file kinds may be re-sent as which kind (by file_id).
_COMPATIBLE = {
    "document": {"document", "audio", "video", "animation", "voice"},
    "animation": {"animation", "document", "video"},
    "video": {"video", "animation"},
    "audio": {"audio", "document"},
    "voice": {"voice", "audio"},
}


class MessageBuilder:
    """Shared logic of the sending and editing methods."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # ----------------------------------------------------------------- chats ----

    def chat(self, chat_ref: int | str) -> ChatState:
        """Resolve a chat id or @username; 400 "chat not found" if unknown to the bot.

        A group the bot has never been in is unknown to it, unless it is a public
        supergroup (one with a username).
        """
        if isinstance(chat_ref, str):
            # Bots can address public groups/channels by @username, but not users.
            name = chat_ref[1:].lower()
            for candidate in self.state.chats.values():
                if candidate.type != "private" and str(candidate.chat.get("username", "")).lower() == name:
                    return candidate
            raise bad_request("chat not found")
        found = self.state.chats.get(chat_ref)
        if found is None or (
            found.is_group and self.state.bot_membership(found) is None and not found.chat.get("username")
        ):
            raise bad_request("chat not found")
        return found

    def writable_chat(self, params: Params) -> ChatState:
        """The target chat of a call that writes to it, after permission checks."""
        chat = self.chat(params.chat_id())
        self.check_access(chat, "write")
        return chat

    def check_access(self, chat: ChatState, access: str) -> None:
        """Raise Telegram's error if the bot may not ``access`` the chat.

        ``access`` is "read" (getChat, getChatMember about itself), "members" (other
        members) or "write" (sending, editing, deleting), as in the Bot API server's
        check_chat_access: a basic group refuses members and writes once upgraded (400
        with migrate_to_chat_id) or after the bot was removed; a supergroup refuses a bot
        that was kicked from it, and a private one any bot that is not in it.
        """
        if chat.type == "private":
            if access == "write" and chat.blocked:
                raise forbidden("bot was blocked by the user")
            if access == "write" and not chat.started:
                raise forbidden("bot can't initiate conversation with a user")
            return
        if chat.type == "channel":
            if access == "write" and not chat.is_member(self.state.bot.id):
                raise bad_request("need administrator rights in the channel chat")
            return
        bot = self.state.bot_membership(chat)
        status = bot.status if bot is not None else "left"
        if chat.type == "group":
            if access == "read":
                return
            if chat.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": chat.migrated_to},
                )
        elif status != "kicked" and chat.chat.get("username") and access != "write":
            return
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if status not in ACTIVE_STATUSES:
            raise forbidden(f"bot is not a member of the {chat.type} chat")

    def message(self, chat: ChatState, message_id: int) -> StoredMessage | None:
        """A message of ``chat`` that still exists."""
        stored = chat.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    # ------------------------------------------------------------------ text ----

    def formatted(self, params: Params, field: str, entities_field: str, *, caption: bool) -> tuple[str, list[JSON]]:
        """Parse text or caption with parse_mode / explicit entities, trimmed and checked.

        For captions an absent or empty value yields ("", []).
        """
        raw = params.string(field)
        if not raw:
            if caption:
                return "", []
            raise bad_request("message text is empty")
        explicit = params.json_value(entities_field, "entities")
        try:
            if explicit is not None:
                text, entities = raw, validate_entities(raw, explicit)
            else:
                text, entities = parse_text(raw, params.string("parse_mode"), self.state.user_json)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        text, entities = trim_text(text, entities)
        if not text and not caption:
            raise bad_request("message text is empty")
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if len(text) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return text, merge_auto_entities(text, entities)

    def text_fields(self, params: Params) -> JSON:
        """The text, entities and link_preview_options fields of a text message."""
        text, entities = self.formatted(params, "text", "entities", caption=False)
        fields: JSON = {"text": text}
        if entities:
            fields["entities"] = entities
        preview = params.json_value("link_preview_options", "link preview options")
        if isinstance(preview, dict) and preview:
            fields["link_preview_options"] = preview
        return fields

    def caption_fields(self, params: Params) -> JSON:
        """The caption and caption_entities fields of a media message."""
        text, entities = self.formatted(params, "caption", "caption_entities", caption=True)
        fields: JSON = {}
        if text:
            fields["caption"] = text
            if entities:
                fields["caption_entities"] = entities
        if params.boolean("show_caption_above_media"):
            fields["show_caption_above_media"] = True
        return fields

    # --------------------------------------------------------------- markups ----

    def reply_markup(self, params: Params) -> JSON | None:
        """The validated reply_markup parameter, or None."""
        markup = params.json_value("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            validate_inline_keyboard(markup)
        elif "keyboard" in markup:
            validate_reply_keyboard(markup)
        elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    def inline_markup(self, params: Params) -> JSON | None:
        """reply_markup of an edit: must be an inline keyboard; None/empty removes it."""
        markup = self.reply_markup(params)
        if markup is None:
            return None
        if "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup if markup["inline_keyboard"] else None

    # --------------------------------------------------------------- sending ----

    def replied_message(self, chat: ChatState, params: Params) -> StoredMessage | None:
        """The message this one replies to (reply_parameters or reply_to_message_id)."""
        reply = params.json_value("reply_parameters", "reply parameters")
        allow_missing = params.boolean("allow_sending_without_reply")
        message_id: int | None
        target = chat
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                raise bad_request("can't parse reply parameters JSON object")
            message_id = int(reply["message_id"])
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat.id):
                target = self.chat(reply["chat_id"])
        else:
            message_id = params.integer("reply_to_message_id")
        if message_id is None:
            return None
        found = self.message(target, message_id)
        if found is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return found

    def deliver(self, chat: ChatState, fields: JSON, params: Params) -> StoredMessage:
        """Create the bot's message in ``chat`` with reply/markup/options and record it."""
        markup = self.reply_markup(params)
        replied = self.replied_message(chat, params)
        if replied is not None:
            quoted = replied.snapshot()
            quoted.pop("reply_to_message", None)
            fields = {"reply_to_message": quoted, **fields}
        if markup is not None and markup.get("inline_keyboard"):
            fields["reply_markup"] = markup
        if params.boolean("protect_content"):
            fields["has_protected_content"] = True
        message = self.state.add_message(chat, self.state.bot_user_json(), fields, from_bot=True)
        self.attach_options(message, chat, markup, params)
        self.state.record_event("sent", message)
        return message

    @staticmethod
    def attach_options(message: StoredMessage, chat: ChatState, markup: JSON | None, params: Params) -> None:
        """Remember delivery options and a non-inline keyboard the bot attached."""
        message.options = {
            "disable_notification": params.boolean("disable_notification"),
            "protect_content": params.boolean("protect_content"),
            "parse_mode": params.string("parse_mode"),
            "message_thread_id": params.integer("message_thread_id"),
        }
        if markup is not None and "inline_keyboard" not in markup:
            message.reply_keyboard = markup
            chat.reply_keyboard = markup if "keyboard" in markup else None

    # --------------------------------------------------------------- editing ----

    def editable(self, params: Params) -> tuple[ChatState, StoredMessage]:
        """The chat and bot message an edit call targets."""
        if params.has("inline_message_id") and not params.has("chat_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.writable_chat(params)
        message = self.message(chat, params.required_integer("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def apply_edit(self, message: StoredMessage, changes: JSON) -> JSON:
        """Apply ``changes`` (None values remove keys); 400 if nothing changes."""
        if all(_normalised(message.data.get(key)) == _normalised(value) for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        message.history.append(message.snapshot())
        for key, value in changes.items():
            if _normalised(value) is None:
                message.data.pop(key, None)
            else:
                message.data[key] = copy.deepcopy(value)
        message.data["edit_date"] = self.state.now()
        self.state.record_event("edited", message)
        return message.snapshot()

    # ----------------------------------------------------------------- media ----

    def input_file(self, params: Params, kind: str) -> StoredFile:
        """Resolve the media parameter ``kind``: an upload, a file_id or an HTTP URL."""
        value = params.raw(kind)
        upload = params.files.get(kind) if value is None else None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is not None:
            mime = upload.content_type or guess_mime_type(upload.filename)
            return self.store(kind, upload.content, params, file_name=upload.filename, mime=mime)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        reference = str(value).strip()
        if reference.startswith(("http://", "https://")):
            return self.store_url(kind, reference, params)
        existing = self.state.files.get(reference)
        if existing is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if existing.kind != kind and existing.kind not in _COMPATIBLE.get(kind, set()):
            raise bad_request(
                f"can't use file of type {_KIND_NAMES.get(existing.kind, existing.kind)} "
                f"as {_KIND_NAMES.get(kind, kind)}"
            )
        return existing

    def store_url(self, kind: str, url: str, params: Params) -> StoredFile:
        """Store a file "downloaded" from ``url`` (registered content or a placeholder)."""
        content, mime = self.state.url_contents.get(url, (b"", None))
        if not content and kind == "photo":
            content = make_png(1, 1)
        name = unquote(urlparse(url).path.rsplit("/", 1)[-1]) or None
        return self.store(kind, content, params, file_name=name, mime=mime or guess_mime_type(name), url=url)

    def store(
        self,
        kind: str,
        content: bytes,
        params: Params,
        *,
        file_name: str | None = None,
        mime: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Store new media content sent by the bot."""
        if kind == "photo":
            return self.store_photo(content, url)
        dims = image_size(content) if kind == "sticker" else None
        width = params.integer("width") or (dims[0] if dims else (512 if kind == "sticker" else 0))
        height = params.integer("height") or (dims[1] if dims else (512 if kind == "sticker" else 0))
        return self.state.files.add(
            kind,
            content,
            file_name=file_name if kind in ("document", "audio", "video", "animation") else None,
            mime_type=mime,
            width=width,
            height=height,
            duration=params.integer("duration") or 0,
            source_url=url,
            uploaded_by_bot=True,
        )

    def store_photo(self, content: bytes, url: str | None) -> StoredFile:
        """Store a photo as Telegram's size variants; return the largest size."""
        dims = image_size(content)
        if dims is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        return store_photo_sizes(self.state, content, dims, url=url, by_bot=True)

    def media_object(self, kind: str, stored: StoredFile, params: Params) -> Any:
        """The Message field for media ``kind`` (a PhotoSize list for photos)."""
        if kind == "photo":
            return photo_json(self.state, stored)
        return media_json(kind, stored, params.string("emoji"), params)


def store_photo_sizes(
    state: EmulatorState, content: bytes, dims: tuple[int, int], *, url: str | None, by_bot: bool
) -> StoredFile:
    """Create one StoredFile per photo size (sharing ``content``); return the largest."""
    sizes = photo_sizes(*dims)
    stored = [
        state.files.add("photo", content, width=w, height=h, source_url=url, uploaded_by_bot=by_bot) for w, h in sizes
    ]
    ids = [item.file_id for item in stored]
    for item in stored:
        item.meta["sizes"] = ids
    return stored[-1]


def photo_json(state: EmulatorState, stored: StoredFile) -> list[JSON]:
    """The PhotoSize list of the photo ``stored`` belongs to."""
    result: list[JSON] = []
    for file_id in stored.meta.get("sizes", [stored.file_id]):
        size = state.files.get(file_id)
        if size is not None:
            full_area = max(1, (stored.width or 1) * (stored.height or 1))
            share = (size.width or 1) * (size.height or 1) / full_area
            result.append(
                {
                    "file_id": size.file_id,
                    "file_unique_id": size.file_unique_id,
                    "file_size": max(1, int(size.file_size * min(1.0, share))),
                    "width": size.width or 0,
                    "height": size.height or 0,
                }
            )
    return result


def media_json(kind: str, stored: StoredFile, emoji: str | None, params: Params | None = None) -> JSON:
    """The Bot API object (Document, Voice, Sticker, ...) describing ``stored``."""
    data: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    duration = stored.duration or 0
    if kind in ("video", "animation"):
        data.update(width=stored.width or 0, height=stored.height or 0, duration=duration)
    elif kind in ("voice", "audio"):
        data["duration"] = duration
    elif kind == "video_note":
        data.update(length=stored.width or 240, duration=duration)
    elif kind == "sticker":
        data.update(
            type="regular",
            width=stored.width or 512,
            height=stored.height or 512,
            is_animated=bool(stored.meta.get("is_animated")),
            is_video=bool(stored.meta.get("is_video")),
        )
        if emoji or stored.meta.get("emoji"):
            data["emoji"] = emoji or stored.meta["emoji"]
        if stored.meta.get("set_name"):
            data["set_name"] = stored.meta["set_name"]
    if kind == "audio" and params is not None:
        for key in ("performer", "title"):
            if params.string(key):
                data[key] = params.string(key)
    if stored.file_name and kind in ("document", "audio", "video", "animation"):
        data["file_name"] = stored.file_name
    if stored.mime_type and kind not in ("sticker", "video_note"):
        data["mime_type"] = "audio/ogg" if kind == "voice" else stored.mime_type
    data["file_size"] = stored.file_size
    return data


def validate_inline_keyboard(markup: JSON) -> None:
    """400 for malformed inline keyboards, buttons without action, bad callback data."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: Field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            validate_inline_button(button)


def validate_inline_button(button: Any) -> None:
    """Check one inline keyboard button."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not any(action in button for action in _INLINE_ACTIONS):
        raise bad_request("text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and (not isinstance(url, str) or checked_link(url) is None):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def validate_reply_keyboard(markup: JSON) -> None:
    """400 for malformed reply keyboards."""
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse keyboard button: Field "keyboard" must be an Array')
    for row in rows:
        for button in row:
            text = button if isinstance(button, str) else button.get("text") if isinstance(button, dict) else None
            if not isinstance(text, str):
                raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')


def _normalised(value: Any) -> Any:
    """Treat empty lists/dicts/strings like absent values when comparing edits."""
    if value in ([], {}, "") or (isinstance(value, dict) and value.get("inline_keyboard") == []):
        return None
    return value
