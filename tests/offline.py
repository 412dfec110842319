"""Offline handler tests: the production application, real PTB ``Update`` objects, no network.

In the style of python-telegram-bot's own ``tests/auxil``: ``OfflineRequest`` is a
``telegram.request.BaseRequest`` (PTB's documented extension point for the HTTP layer) that the
bot is built with, so every Bot API call a handler makes is answered in memory and recorded,
and nothing ever opens a socket to Telegram. Updates are real ``telegram.Update`` objects made
by small factories (``make_command_update("/start")``) and handed to
``Application.process_update``, which runs the bot's handlers, and its error handler, exactly
as they run in production. Texts are checked as Telegram checks them, with the emulator's
parser: the bot's HTML must parse, fit in 4,096 characters once parsed, and its keyboards must
be valid, or the call gets Telegram's 400; an edit that changes nothing gets "message is not
modified". The tests then read the parsed text, as the user sees it.

What this layer leaves to the end-to-end tests over HTTP (``tests.emulator``), on purpose:
polling and webhooks, the per-user flood guard and update order (both live in the update
processor, which ``process_update`` bypasses), the rate limiter, Telegram's failures (429, 403,
dropped connections), and downloading files users send.

Test modules load the fixtures with ``pytest_plugins = ["tests.practice_fixtures", "tests.offline"]``;
``offline_bot`` gives an ``OfflineBot``, whose ``user("Alice")`` acts and returns ``Replies``.
PYTEST_DONT_REWRITE (the helpers assert only to narrow types).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import pytest_asyncio
from pydantic import SecretStr
from telegram import Bot, Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.services import Services, build_services
from bot.services.interviews import Interviews
from bot.services.practice import Practice, utc_now
from bot.storage.db import create_engine_from_url, make_sessionmaker
from bot.telegram_app.app import build_application
from tests.emulator.formatting import EntityParseError, parse_text, trim_text
from tests.emulator.messaging import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, NOT_MODIFIED, validate_inline_keyboard
from tests.emulator.protocol import ApiError, bad_request
from tests.practice_fixtures import real_bank, real_bank_paths, real_grader

JSON = dict[str, Any]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

TOKEN = "123456789:OfflineTestTokenNeverSentAnywhere_0000"
BOT_USER: JSON = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Interview Bot",
    "username": "interview_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


# ---- factories: real Update objects ------------------------------------------------------------


def user_json(user_id: int = 1, first_name: str = "Alice", language_code: str = "en") -> JSON:
    """A Telegram ``User`` (not a bot) as the Bot API sends it."""
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}


def private_chat(user: JSON) -> JSON:
    """The private chat with ``user`` (its id is the user's)."""
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def message_json(user: JSON, message_id: int, text: str | None = None, **fields: Any) -> JSON:
    """A message from ``user`` in their private chat with the bot; ``fields`` add media and the like."""
    message: JSON = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": private_chat(user),
        "from": user,
        **fields,
    }
    if text is not None:
        message["text"] = text
    return message


def command_entities(text: str) -> list[JSON]:
    """The bot_command entity Telegram adds to a text starting with a command, as PTB's tests do."""
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]


def make_update(bot: Bot | None, update_id: int, **payload: JSON) -> Update:
    """A real ``Update`` with ``payload`` (``message=...``, ``callback_query=...``), bound to ``bot``."""
    return Update.de_json({"update_id": update_id, **payload}, bot)


def make_message_update(
    text: str | None = None,
    *,
    bot: Bot | None = None,
    user: JSON | None = None,
    update_id: int = 1,
    message_id: int = 1,
    **fields: Any,
) -> Update:
    """An update with a message from ``user`` (Alice by default): ``text``, or the media in ``fields``."""
    message = message_json(user or user_json(), message_id, text, **fields)
    return make_update(bot, update_id, message=message)


def make_command_update(
    text: str, *, bot: Bot | None = None, user: JSON | None = None, update_id: int = 1, message_id: int = 1
) -> Update:
    """An update with a command message such as ``"/interview 5 metrics"``, with its bot_command entity."""
    return make_message_update(
        text, bot=bot, user=user, update_id=update_id, message_id=message_id, entities=command_entities(text)
    )


def make_callback_update(
    data: str, message: JSON, *, bot: Bot | None = None, user: JSON | None = None, update_id: int = 1
) -> Update:
    """A press on a button with callback ``data`` under the bot's ``message`` (as it is now)."""
    presser = user or user_json()
    query = {
        "id": f"cq{update_id}",
        "from": presser,
        "chat_instance": f"ci{presser['id']}",
        "message": message,
        "data": data,
    }
    return make_update(bot, update_id, callback_query=query)


def make_member_update(status: str, *, bot: Bot | None = None, user: JSON | None = None, update_id: int = 1) -> Update:
    """The bot's own membership in ``user``'s private chat changing to ``status`` ("kicked" when they
    block the bot, "member" when they unblock it)."""
    blocker = user or user_json()
    old = "member" if status == "kicked" else "kicked"
    change = {
        "chat": private_chat(blocker),
        "from": blocker,
        "date": int(time.time()),
        "old_chat_member": {"user": BOT_USER, "status": old, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"user": BOT_USER, "status": status, **({"until_date": 0} if status == "kicked" else {})},
    }
    return make_update(bot, update_id, my_chat_member=change)


MEDIA: dict[str, JSON] = {
    "sticker": {
        "sticker": {
            "file_id": "sticker1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
    },
    "photo": {"photo": [{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "voice1", "file_unique_id": "v1", "duration": 2, "mime_type": "audio/ogg"}},
    "document": {
        "document": {"file_id": "doc1", "file_unique_id": "d1", "file_name": "cv.pdf", "mime_type": "application/pdf"}
    },
}
"""Message fields of the media kinds a user can send (what the bot receives, not files it can fetch)."""


# ---- the request layer: Telegram, answered in memory -----------------------------------------------


@dataclass(frozen=True)
class BotCall:
    """One Bot API call the bot made: the method, its parameters, and the answer it got."""

    method: str
    params: JSON
    result: Any = None
    error: str | None = None


@dataclass
class Sent:
    """A message of the bot's, as the user's chat shows it: Telegram's plain text, without the HTML."""

    data: JSON

    @property
    def text(self) -> str:
        """The text (or a photo's caption), parsed as Telegram parses it; "" for none."""
        return str(self.data.get("text") or self.data.get("caption") or "")

    @property
    def is_photo(self) -> bool:
        """Whether this is a photo."""
        return "photo" in self.data

    @property
    def buttons(self) -> list[JSON]:
        """The inline buttons, row by row."""
        markup = self.data.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def button_texts(self) -> list[str]:
        """The inline buttons' labels."""
        return [button["text"] for button in self.buttons]

    def find_button(self, *, text: str | None = None, data: str | None = None) -> JSON:
        """The button with this label or callback data; ``LookupError`` if the keyboard has none."""
        for button in self.buttons:
            if (text is None or button["text"] == text) and (data is None or button.get("callback_data") == data):
                return button
        raise LookupError(f"no button text={text!r} data={data!r} in {self.button_texts}")


@dataclass
class Replies:
    """What the bot did in answer to one update, in order."""

    update: Update
    calls: list[BotCall]

    @property
    def messages(self) -> list[Sent]:
        """The messages it sent (texts and photos)."""
        return [Sent(c.result) for c in self.calls if c.method in _SENDS and c.error is None]

    @property
    def edits(self) -> list[Sent]:
        """The messages it edited, as they are after the edit."""
        return [Sent(c.result) for c in self.calls if c.method in _EDITS and c.error is None]

    @property
    def errors(self) -> list[str]:
        """Telegram's refusals of the bot's calls (a 400 for bad HTML, say), whatever the bot did next."""
        return [c.error for c in self.calls if c.error is not None]

    @property
    def answer(self) -> str | None:
        """The text of the callback answer (the toast a button press shows), None if none."""
        answers = [c for c in self.calls if c.method == "answerCallbackQuery"]
        assert len(answers) <= 1, answers
        return answers[0].params.get("text") if answers else None

    @property
    def answered(self) -> bool:
        """Whether the button press was answered (with or without a text)."""
        return any(c.method == "answerCallbackQuery" for c in self.calls)

    @property
    def text(self) -> str:
        """The text of the only message sent; fails if there was not exactly one."""
        messages = self.messages
        assert len(messages) == 1, [m.text for m in messages]
        return messages[0].text

    def __getitem__(self, index: int) -> Sent:
        return self.messages[index]


_SENDS = frozenset({"sendMessage", "sendPhoto"})
_EDITS = frozenset({"editMessageText", "editMessageReplyMarkup"})
_TRUE_METHODS = frozenset(
    {"answerCallbackQuery", "sendChatAction", "setMyCommands", "deleteMyCommands", "deleteWebhook", "deleteMessage"}
)
"""Methods whose result is just ``True``."""


class OfflineRequest(BaseRequest):
    """Answers the bot's Bot API calls in memory and records them; no network, ever.

    It keeps the messages of each private chat so that edits and button presses see them as they
    are now, and message ids run on per chat as Telegram's do. A method it does not answer gets
    404 and is noted in ``unanswered`` (the fixture fails the test on it): such a test belongs
    with the emulator.
    """

    def __init__(self) -> None:
        self.calls: list[BotCall] = []
        self.unanswered: list[str] = []
        self.chats: dict[int, dict[int, JSON]] = {}
        self._ids: dict[int, Iterator[int]] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        """Answers are immediate."""
        return 1.0

    def next_message_id(self, chat_id: int) -> int:
        """The next message id in the chat (user and bot messages share the sequence)."""
        return next(self._ids.setdefault(chat_id, itertools.count(1)))

    async def do_request(  # noqa: PLR0917 (the signature is PTB's)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer the call to ``url``'s Bot API method as Telegram would: ``{"ok": true, "result": ...}``."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        try:
            result = self._answer(api_method, params)
        except ApiError as error:
            self.calls.append(BotCall(api_method, params, error=error.description))
            return error.error_code, json.dumps(error.body()).encode()
        self.calls.append(BotCall(api_method, params, result))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, api_method: str, params: JSON) -> Any:
        if api_method == "getMe":
            return BOT_USER
        if api_method in _TRUE_METHODS:
            return True
        if api_method == "sendMessage":
            return self._deliver(params, _formatted(params, "text", caption=False))
        if api_method == "sendPhoto":
            size = {
                "file_id": f"photo{len(self.calls)}",
                "file_unique_id": f"p{len(self.calls)}",
                "width": 800,
                "height": 600,
            }
            return self._deliver(params, {"photo": [size], **_formatted(params, "caption", caption=True)})
        if api_method in _EDITS:
            return self._edit(api_method, params)
        self.unanswered.append(api_method)
        raise ApiError(404, "Not Found")

    def _deliver(self, params: JSON, fields: JSON) -> JSON:
        chat_id = int(params["chat_id"])
        markup = _inline_markup(params)
        message = {
            "message_id": self.next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **fields,
            **({"reply_markup": markup} if markup else {}),
        }
        self.chats.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _edit(self, api_method: str, params: JSON) -> JSON:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.chats.get(chat_id, {}).get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        text = _formatted(params, "text", caption=False) if api_method == "editMessageText" else {}
        markup = _inline_markup(params)  # none given: the edit removes the keyboard, as on Telegram
        if text.get("text", message.get("text")) == message.get("text") and markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        if text:
            message.pop("entities", None)
            message.update(text)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def message(self, chat_id: int, message_id: int) -> Sent:
        """A message of the chat as it is now (after any edits)."""
        return Sent(copy.deepcopy(self.chats[chat_id][message_id]))


def _formatted(params: JSON, name: str, *, caption: bool) -> JSON:
    """The text (or caption) and its entities as Telegram stores them: parsed, trimmed and within
    the limit; else Telegram's 400."""
    raw = params.get(name) or ""
    if not raw and not caption:
        raise bad_request("message text is empty")
    try:
        text, entities = trim_text(*parse_text(raw, params.get("parse_mode")))
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    except ValueError as error:  # a parse mode Telegram (or the emulator) does not take
        raise bad_request(str(error)) from None
    if len(text) > (MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH):
        raise bad_request("message caption is too long" if caption else "message is too long")
    if not text and not caption:
        raise bad_request("message text is empty")
    if not text:
        return {}
    return {name: text, **({f"{'caption_' if caption else ''}entities": entities} if entities else {})}


def _inline_markup(params: JSON) -> JSON | None:
    """The call's inline keyboard, checked as Telegram checks it; None for none."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    validate_inline_keyboard(markup)
    return cast(JSON, markup) if markup.get("inline_keyboard") else None


# ---- the bot under test -----------------------------------------------------------------------------


class OfflineBot:
    """The production application with ``OfflineRequest`` in place of HTTP; updates go straight to
    ``Application.process_update``."""

    def __init__(self, app: AnyApplication, request: OfflineRequest, services: Services) -> None:
        self.app = app
        self.request = request
        self.services = services
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(700_000_001)

    @property
    def practice(self) -> Practice:
        """The bot's practice service (the bank in service, users' open questions)."""
        return self.services.practice

    @property
    def interviews(self) -> Interviews:
        """The bot's interview service."""
        return self.services.interviews

    def user(self, first_name: str, *, user_id: int | None = None, language_code: str = "en") -> OfflineUser:
        """A user in a private chat with the bot."""
        return OfflineUser(self, user_json(user_id or next(self._user_ids), first_name, language_code))

    def next_update_id(self) -> int:
        """Update ids go up by one, as Telegram's do."""
        return next(self._update_ids)

    async def process(self, update: Update) -> Replies:
        """Run the bot's handlers on ``update``; what they sent, edited and answered."""
        first = len(self.request.calls)
        await self.app.process_update(update)
        return Replies(update, self.request.calls[first:])


@dataclass
class OfflineUser:
    """A user of ``OfflineBot``: each action builds a real Update and returns the bot's ``Replies``."""

    bot: OfflineBot
    json: JSON

    @property
    def id(self) -> int:
        """The user id (and their private chat's id)."""
        return int(self.json["id"])

    def _ids(self) -> dict[str, Any]:
        """The factories' arguments for the next update: bot, sender, update id, message id."""
        return {
            "bot": self.bot.app.bot,
            "user": self.json,
            "update_id": self.bot.next_update_id(),
            "message_id": self.bot.request.next_message_id(self.id),
        }

    async def command(self, name: str, args: str = "") -> Replies:
        """``/name args``, with its bot_command entity."""
        return await self.bot.process(make_command_update(f"/{name} {args}".strip(), **self._ids()))

    async def say(self, text: str) -> Replies:
        """Plain text."""
        return await self.bot.process(make_message_update(text, **self._ids()))

    async def send_media(self, kind: str) -> Replies:
        """A sticker, photo, voice message or document (see ``MEDIA``)."""
        return await self.bot.process(make_message_update(None, **self._ids(), **MEDIA[kind]))

    async def edit(self, sent: Replies, text: str) -> Replies:
        """Edit the user's own message that ``sent`` answered, to ``text``."""
        assert sent.update.message is not None
        edited = {**sent.update.message.to_dict(), "text": text, "edit_date": int(time.time())}
        return await self.bot.process(make_update(self.bot.app.bot, self.bot.next_update_id(), edited_message=edited))

    async def press(self, message: Sent, *, text: str | None = None, data: str | None = None) -> Replies:
        """Press a button of the bot's ``message`` as it is now; ``LookupError`` if its keyboard has no such button."""
        current = self.bot.request.message(self.id, int(message.data["message_id"]))
        return await self.forge(current, current.find_button(text=text, data=data)["callback_data"])

    async def forge(self, message: Sent, data: str) -> Replies:
        """A button press with any ``data``, even data never on a keyboard (what a modified client can send)."""
        current = self.bot.request.message(int(message.data["chat"]["id"]), int(message.data["message_id"]))
        update = make_callback_update(
            data, current.data, bot=self.bot.app.bot, user=self.json, update_id=self.bot.next_update_id()
        )
        return await self.bot.process(update)

    async def set_blocked(self, blocked: bool) -> Replies:
        """Block the bot (Telegram sends my_chat_member "kicked") or unblock it ("member")."""
        status = "kicked" if blocked else "member"
        return await self.bot.process(
            make_member_update(status, bot=self.bot.app.bot, user=self.json, update_id=self.bot.next_update_id())
        )


def offline_settings(database_url: str, **extra: Any) -> Settings:
    """Settings for the offline bot, ignoring any ``.env`` on the machine."""
    return Settings(
        telegram_bot_token=SecretStr(TOKEN),
        database_url=database_url,
        _env_file=None,  # type: ignore[call-arg]
        **extra,
    )


@contextlib.asynccontextmanager
async def running_offline(
    database_url: str, *, clock: Callable[[], datetime] | None = None, **settings: Any
) -> AsyncIterator[OfflineBot]:
    """The bot as ``build_application`` makes it, initialised (and migrated) but not polling: its
    requests answered by ``OfflineRequest``. Fails the test if a call was left unanswered."""
    request = OfflineRequest()
    engine = create_engine_from_url(database_url)
    services = build_services(
        real_bank(),
        make_sessionmaker(engine),
        grader=real_grader(),
        bank_paths=real_bank_paths(),
        clock=clock or utc_now,
    )
    app = build_application(
        offline_settings(database_url, **settings),
        services,
        engine=engine,
        migrate_on_start=True,
        schedule_daily_push=False,
        request=request,
    )
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        yield OfflineBot(app, request, services)
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    assert not request.unanswered, f"Bot API methods OfflineRequest does not answer: {request.unanswered}"


@pytest_asyncio.fixture
async def offline_bot(database_url: str) -> AsyncIterator[OfflineBot]:
    """The bot, offline, on a fresh database."""
    async with running_offline(database_url) as bot:
        yield bot
