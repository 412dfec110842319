"""TelegramEmulator: a Bot API server on loopback, plus the test-side API around it."""

# The waiting helpers take ``timeout=`` on purpose: it is the API tests are written against.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from telegram.ext import ApplicationBuilder

from .chats import GroupChat
from .client import EmulatedUser
from .faults import CallLog, CallRecord, Fault, FaultPlan, RateLimit
from .media import StoredFile
from .members import push_member_update
from .methods import BotApi, Handler, effective_commands, sleep_or_close
from .protocol import ApiError, Params, Upload, bad_request, forbidden
from .state import (
    BotEvent,
    BotProfile,
    CallbackAnswer,
    ChatAction,
    ChatState,
    EmulatorState,
    Membership,
    StoredMessage,
)
from .waits import WAIT_S
from .webhook import WebhookDeliverer

if TYPE_CHECKING:
    from telegram.ext import ContextTypes, ExtBot, JobQueue

    DefaultApplicationBuilder = ApplicationBuilder[
        ExtBot[None],
        ContextTypes.DEFAULT_TYPE,
        dict[Any, Any],
        dict[Any, Any],
        dict[Any, Any],
        JobQueue[ContextTypes.DEFAULT_TYPE],
    ]
    """What ``ApplicationBuilder()`` is, spelled with PTB's public names."""

JSON = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAEmulatorLoopbackTestToken_000000"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_MAX_BODY = 60 * 1024 * 1024


def _not_found() -> ApiError:
    """Telegram's answer for unknown methods and paths."""
    return ApiError(404, "Not Found")


def _unauthorized() -> ApiError:
    """Telegram's answer for a wrong token."""
    return ApiError(401, "Unauthorized")


class WaitTimeoutError(AssertionError):
    """A wait_for* call timed out. The message lists the bot's latest calls and actions."""


class TelegramEmulator:
    """A faithful-enough Telegram Bot API server for end-to-end tests, on 127.0.0.1.

    It runs inside the test's own event loop (``async with TelegramEmulator() as emu``),
    so the bot under test, the emulator and the test share one loop: no threads, no locks,
    and waits like :meth:`wait_for_bot_message` return the moment the bot acts.

    Point python-telegram-bot at it with::

        ApplicationBuilder().token(emu.token).base_url(emu.base_url)
            .base_file_url(emu.base_file_url)

    or simply ``emu.ptb_builder()``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "emulated_test_bot",
        bot_first_name: str = "Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        privacy_mode: bool = True,
        can_join_groups: bool = True,
        supports_inline_queries: bool = False,
        first_update_id: int = 100_000_001,
        callback_answer_timeout: float | None = None,
        clock: Callable[[], float] = time.time,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator only listens on loopback addresses")
        self.token = token
        self._host, self._port = host, port
        self.state = EmulatorState(
            _bot_profile(
                token,
                bot_username,
                bot_first_name,
                privacy_mode=privacy_mode,
                can_join_groups=can_join_groups,
                inline=supports_inline_queries,
            ),
            clock,
            first_update_id,
            rate_clock,
        )
        self.calls = CallLog()
        self.faults = FaultPlan()
        self.rate_limit: RateLimit | None = None
        self.unknown_methods: list[str] = []
        self._api = BotApi(
            self.state,
            webhook_changed=self._webhook_changed,
            callback_answer_timeout=callback_answer_timeout,
        )
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._api.handlers().items()
        }
        self.webhook = WebhookDeliverer(self.state, self._execute_webhook_reply)
        self._runner: web.AppRunner | None = None
        self._url = ""
        self._cursors: dict[tuple[int | None, tuple[str, ...]], int] = {}
        self._next_user_id = 700_000_001

    # ------------------------------------------------------------ lifecycle ----

    async def start(self) -> None:
        """Start listening (on a free port unless one was given)."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        host = f"[{address[0]}]" if ":" in str(address[0]) else str(address[0])
        self._url = f"http://{host}:{address[1]}"

    async def stop(self) -> None:
        """Wake all long polls, stop webhook delivery and close the server."""
        self.state.closing = True
        self.state.notifier.notify()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:38211``."""
        if not self._url:
            raise RuntimeError("the emulator is not started")
        return self._url

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url`` (PTB appends the token and ``/method``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url`` (PTB appends the token and ``/file_path``)."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id (the number before ':' in the token)."""
        return self.state.bot.id

    @property
    def bot_username(self) -> str:
        """The bot's username without '@'."""
        return self.state.bot.username

    def ptb_builder(self) -> DefaultApplicationBuilder:
        """A PTB ApplicationBuilder already pointed at this emulator."""
        builder = ApplicationBuilder().token(self.token)
        return builder.base_url(self.base_url).base_file_url(self.base_file_url)

    # ----------------------------------------------------------------- HTTP ----

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        """Handle ``/bot<token>/<method>``."""
        if request.match_info["token"] != self.token:
            return _error_response(_unauthorized())
        try:
            params = await _read_params(request)
        except ApiError as error:
            return _error_response(error)
        requested = request.match_info["method"]
        canonical, handler = self._handlers.get(requested.lower(), (requested, None))
        record = self.calls.begin(canonical, params.loggable(), params.string("chat_id"))
        if handler is None:
            self.unknown_methods.append(requested)
            self.calls.finish(record, 404, "Not Found")
            return _error_response(_not_found())
        try:
            return await self._run_call(request, record, handler, params)
        except asyncio.CancelledError:
            self.calls.finish(record, 0, "client disconnected")
            raise

    async def _run_call(
        self, request: web.Request, record: CallRecord, handler: Handler, params: Params
    ) -> web.StreamResponse:
        """Apply injected faults and flood control, then run the handler."""
        fault = self.faults.take(record.method, record.chat_id)
        record.fault = fault.kind if fault is not None else None
        if fault is not None and fault.kind == "drop" and not fault.after_processing:
            return self._drop(request, record)
        if fault is not None and fault.kind == "delay":
            await sleep_or_close(self.state, fault.delay)
        try:
            if fault is not None and fault.error is not None:
                raise fault.error
            self._check_rate_limit(record)
            result = await handler(params)
        except ApiError as error:
            self.calls.finish(record, error.error_code, error.description)
            self.state.notifier.notify()
            return _error_response(error)
        if fault is not None and fault.kind == "drop":
            return self._drop(request, record)
        self.calls.finish(record, 200)
        return web.json_response({"ok": True, "result": result})

    def _drop(self, request: web.Request, record: CallRecord) -> web.StreamResponse:
        """Close the connection without sending any response."""
        self.calls.finish(record, 0, "connection dropped")
        self.state.notifier.notify()
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=200)

    def _check_rate_limit(self, record: CallRecord) -> None:
        """Raise 429 if the configured flood limits are exceeded."""
        if self.rate_limit is None:
            return
        chat = self._chat_for(record.chat_id)
        is_group = chat is not None and chat.type != "private"
        self.rate_limit.check(record.method, record.chat_id, is_group, self.state.rate_clock())

    def _chat_for(self, chat_id: str | None) -> ChatState | None:
        """The chat a raw chat_id parameter refers to, if it's a known numeric id."""
        try:
            return self.state.chats.get(int(chat_id)) if chat_id is not None else None
        except ValueError:
            return None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve ``/file/bot<token>/<file_path>`` (paths handed out by getFile)."""
        if request.match_info["token"] != self.token:
            return _error_response(_unauthorized())
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return _error_response(_not_found())
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        """Anything else: 404 like api.telegram.org."""
        return _error_response(_not_found())

    def _webhook_changed(self) -> None:
        """Start/stop webhook delivery after setWebhook/deleteWebhook."""
        self.webhook.refresh()

    async def _execute_webhook_reply(self, method: str, values: JSON) -> None:
        """Run a method the webhook returned in its response body."""
        await self.call(method, **values)

    async def call(self, method: str, **values: Any) -> Any:
        """Run a Bot API method directly (as the bot), logged like an HTTP call.

        Returns the result or raises ApiError. Useful to set up state in tests.
        """
        canonical, handler = self._handlers.get(method.lower(), (method, None))
        params = Params(values)
        record = self.calls.begin(canonical, params.loggable(), params.string("chat_id"))
        if handler is None:
            self.calls.finish(record, 404, "Not Found")
            raise _not_found()
        try:
            result = await handler(params)
        except ApiError as error:
            self.calls.finish(record, error.error_code, error.description)
            raise
        self.calls.finish(record, 200)
        return result

    # ------------------------------------------------------- fault injection ----

    def fail(
        self,
        method: str | None,
        error_code: int,
        description: str,
        *,
        times: int | None = 1,
        chat_id: int | str | None = None,
        parameters: JSON | None = None,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` (None = any; optionally only for
        ``chat_id``) fail with this error. ``times=None`` means until clear_faults()."""
        error = ApiError(error_code, description, parameters)
        return self._add_fault("error", method, times, chat_id, error=error)

    def fail_with_retry_after(self, method: str | None, retry_after: int = 1, **kwargs: Any) -> Fault:
        """429 "Too Many Requests: retry after X" with parameters.retry_after = X."""
        parameters = {"retry_after": retry_after}
        description = f"Too Many Requests: retry after {retry_after}"
        return self.fail(method, 429, description, parameters=parameters, **kwargs)

    def fail_with_forbidden(
        self, method: str | None, description: str = "bot was blocked by the user", **kwargs: Any
    ) -> Fault:
        """403 "Forbidden: <description>"."""
        return self.fail(method, 403, forbidden(description).description, **kwargs)

    def fail_with_bad_request(self, method: str | None, description: str, **kwargs: Any) -> Fault:
        """400 "Bad Request: <description>"."""
        return self.fail(method, 400, bad_request(description).description, **kwargs)

    def drop_connection(
        self,
        method: str | None,
        *,
        times: int | None = 1,
        chat_id: int | str | None = None,
        after_processing: bool = False,
    ) -> Fault:
        """Close the socket without answering. With ``after_processing`` the call takes
        effect first (e.g. the message is sent) and only the answer is lost."""
        return self._add_fault("drop", method, times, chat_id, after_processing=after_processing)

    def delay_responses(
        self, method: str | None, seconds: float, *, times: int | None = 1, chat_id: int | str | None = None
    ) -> Fault:
        """Answer the next calls only after ``seconds`` (to trigger client timeouts)."""
        return self._add_fault("delay", method, times, chat_id, delay=seconds)

    def _add_fault(
        self, kind: str, method: str | None, times: int | None, chat_id: int | str | None, **extra: Any
    ) -> Fault:
        """Register a fault rule."""
        fault = Fault(
            kind=kind,
            method=method.lower() if method else None,
            chat_id=str(chat_id) if chat_id is not None else None,
            remaining=times,
            **extra,
        )
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        """Remove all injected faults."""
        self.faults.clear()

    def set_rate_limit(
        self,
        global_per_second: int | None = 30,
        *,
        per_chat_per_second: int | None = None,
        per_group_per_minute: int | None = None,
        methods: Iterable[str] | None = None,
        retry_after: int | None = None,
    ) -> RateLimit:
        """Enable flood control: 429 with retry_after when the bot exceeds the limits.

        Only sending methods count (sendMessage, sendPhoto, ...) unless ``methods`` is
        given. ``retry_after`` fixes the value; by default it is the seconds until the
        window frees up (at least 1).
        """
        limit = RateLimit(global_per_second, per_chat_per_second, per_group_per_minute)
        limit.retry_after = retry_after
        if methods is not None:
            limit.methods = frozenset(m.lower() for m in methods)
        self.rate_limit = limit
        return limit

    def clear_rate_limit(self) -> None:
        """Disable flood control."""
        self.rate_limit = None

    # ------------------------------------------------------------ the world ----

    def create_user(
        self,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        is_premium: bool | None = None,
        started: bool = True,
    ) -> EmulatedUser:
        """Create a test user with a private chat with the bot.

        ``started=False`` models a user who never opened the bot: the bot then gets
        403 "bot can't initiate conversation with a user" until the user writes.
        """
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        optional: JSON = {
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "is_premium": is_premium,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        self.state.users[user_id] = user
        chat: JSON = {key: user[key] for key in ("id", "first_name", "last_name", "username") if key in user}
        chat["type"] = "private"
        self.state.add_chat(chat, started=started)
        return EmulatedUser(self, user)

    def create_group(
        self,
        title: str = "Test Group",
        members: Iterable[EmulatedUser] = (),
        *,
        creator: EmulatedUser | None = None,
        admins: Iterable[EmulatedUser] = (),
        supergroup: bool = False,
        username: str | None = None,
        bot_is_member: bool = True,
        privacy_mode: bool | None = None,
    ) -> GroupChat:
        """Create a group (or supergroup) with these users in it, quietly: no update is queued.

        The creator is ``creator``, else the first member; ``admins`` become administrators
        (they join ``members`` if not listed). With ``bot_is_member`` the bot was already in
        the group when the test began; otherwise add it with ``group.add_bot(by=...)``, which
        sends the updates Telegram sends. ``privacy_mode`` overrides the bot's setting here.
        A supergroup with a ``username`` is public.
        """
        member_list, admin_list = list(members), list(admins)
        people = member_list + [admin for admin in admin_list if admin not in member_list]
        owner = creator or (people[0] if people else None)
        roles: dict[int, Membership] = {user.id: Membership("member") for user in people}
        roles.update({user.id: Membership("administrator") for user in admin_list})
        if owner is not None:
            roles[owner.id] = Membership("creator")
        if bot_is_member:
            roles[self.bot_id] = Membership("member")
        chat: JSON = {"id": self.state.new_group_id(supergroup=supergroup), "title": title}
        if username:
            chat["username"] = username
        chat["type"] = "supergroup" if supergroup else "group"
        state = self.state.add_chat(chat, members=roles)
        state.privacy_mode = privacy_mode
        return GroupChat(self, state.id)

    def group(self, chat_id: int) -> GroupChat:
        """The group or supergroup with this id (KeyError if there is none); for an upgraded
        group, the handle follows it to its supergroup."""
        if not self.state.chats[chat_id].is_group:
            raise KeyError(chat_id)
        return GroupChat(self, chat_id)

    def set_privacy_mode(self, enabled: bool) -> None:
        """Change the bot's privacy mode (BotFather's /setprivacy), as getMe reports it.
        It applies to every group without its own ``privacy_mode``."""
        self.state.bot.privacy_mode = enabled
        self.state.bot.user["can_read_all_group_messages"] = not enabled

    def set_blocked(self, user_id: int, blocked: bool = True) -> None:
        """Persistent "user blocked the bot" flag: every write to the private chat gets
        403 "Forbidden: bot was blocked by the user". Sends a my_chat_member update."""
        chat = self.state.chats[user_id]
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        member, kicked = Membership("member"), Membership("kicked")
        old, new = (member, kicked) if blocked else (kicked, member)
        push_member_update(self.state, chat, self.bot_id, old=old, new=new, actor=self.state.users[user_id])

    def register_url(self, url: str, content: bytes, mime_type: str | None = None) -> None:
        """Content the emulator "downloads" when the bot sends media by this URL."""
        self.state.url_contents[url] = (content, mime_type)

    # ------------------------------------------------------------- reading ----

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        """All messages of a chat (users' and the bot's), in their current state."""
        chat = self.state.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        """Messages the bot sent to a chat, with current text and reply_markup."""
        return [m for m in self.messages(chat_id, include_deleted=include_deleted) if m.from_bot]

    def last_bot_message(self, chat_id: int) -> StoredMessage | None:
        """The most recent (not deleted) bot message in a chat."""
        sent = self.bot_messages(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        """A message by id (KeyError if unknown)."""
        return self.state.chats[chat_id].messages[message_id]

    @property
    def events(self) -> list[BotEvent]:
        """Everything the bot did to messages (sent/edited/deleted), in order."""
        return list(self.state.events)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """All answerCallbackQuery calls, in order."""
        answers = [q.answer for q in self.state.callback_queries.values() if q.answer is not None]
        return sorted(answers, key=lambda a: a.at)

    def chat_actions(self, chat_id: int | None = None) -> list[ChatAction]:
        """sendChatAction calls (optionally for one chat)."""
        return [a for a in self.state.chat_actions if chat_id is None or a.chat_id == chat_id]

    def commands(self, scope: str = "default", language_code: str = "") -> list[JSON] | None:
        """Commands stored by setMyCommands for a scope key ("default", "all_private_chats",
        "chat:<id>", ...) and language; None if never set."""
        stored = self.state.commands.get((scope, language_code))
        return None if stored is None else [dict(c) for c in stored]

    def commands_for(self, chat_id: int, language_code: str = "") -> list[JSON]:
        """The command list a user would see in this chat (scope fallback applied)."""
        return effective_commands(self.state, self.state.chats[chat_id], language_code)

    def menu_button(self, chat_id: int | None = None) -> JSON | None:
        """The menu button set for a chat (None = the default one)."""
        return self.state.menu_buttons.get(chat_id)

    def uploaded_files(self, kind: str | None = None) -> list[StoredFile]:
        """Files the bot uploaded (photos are listed once per generated size)."""
        files = self.state.files.all()
        return [f for f in files if f.uploaded_by_bot and (kind is None or f.kind == kind)]

    def file(self, file_id: str) -> StoredFile:
        """A file by file_id (KeyError if unknown); ``.content`` has the bytes."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored

    def send_times(self, chat_id: int) -> list[float]:
        """When the bot sent each message to a chat, on ``rate_clock`` (deleted ones too)."""
        return [e.at for e in self.state.events if e.kind == "sent" and e.chat_id == chat_id]

    def peak_sends(self, window: float = 60.0, *, groups_only: bool = True) -> dict[int, int]:
        """Per chat, the most messages the bot sent within any ``window`` seconds (on
        ``rate_clock``). Only groups and supergroups unless ``groups_only=False``.

        ``max(emu.peak_sends(60).values(), default=0) <= 20`` checks Telegram's limit of
        about 20 messages per minute in a group.
        """
        times: dict[int, list[float]] = {}
        for event in self.state.events:
            chat = self.state.chats.get(event.chat_id)
            if event.kind == "sent" and chat is not None and (chat.is_group or not groups_only):
                times.setdefault(event.chat_id, []).append(event.at)
        return {chat_id: _peak(sorted(stamps), window) for chat_id, stamps in times.items()}

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot."""
        return self.state.updates.peek(10_000)

    # ------------------------------------------------------------- waiting ----

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = WAIT_S, what: str = "condition") -> T:
        """Wait until ``predicate()`` returns something other than None/False; return it.

        The predicate is re-checked on every change in the emulator, so this returns as
        soon as the bot does the awaited thing. Raises WaitTimeoutError after ``timeout``.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result is not None and result is not False:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                message = f"timed out after {timeout}s waiting for {what}\n{self.describe_recent()}"
                raise WaitTimeoutError(message)
            await self.state.notifier.wait(remaining)

    async def wait_for_event(
        self, chat_id: int | None, kinds: Iterable[str] = ("sent", "edited"), timeout: float = WAIT_S
    ) -> BotEvent:
        """The next bot event of ``kinds`` in a chat (None = any chat) not returned before.

        Each (chat, kinds) combination has its own read cursor, so events are never lost
        between calls and never returned twice.
        """
        key = (chat_id, tuple(sorted(kinds)))
        wanted = set(key[1])

        def next_event() -> BotEvent | None:
            events = self.state.events
            for index in range(self._cursors.get(key, 0), len(events)):
                event = events[index]
                if event.kind in wanted and (chat_id is None or event.chat_id == chat_id):
                    self._cursors[key] = index + 1
                    return event
            self._cursors[key] = len(events)
            return None

        return await self.wait_for(next_event, timeout, f"bot {'/'.join(key[1])} in chat {chat_id}")

    async def wait_for_bot_message(self, chat_id: int, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot sends to ``chat_id`` (each one is returned once)."""
        return (await self.wait_for_event(chat_id, ("sent",), timeout)).message

    async def wait_for_bot_edit(self, chat_id: int, timeout: float = WAIT_S) -> StoredMessage:
        """The next message the bot edits in ``chat_id``."""
        return (await self.wait_for_event(chat_id, ("edited",), timeout)).message

    async def wait_for_callback_answer(self, query_id: str, timeout: float = WAIT_S) -> CallbackAnswer:
        """Wait until the bot answers callback query ``query_id``."""
        query = self.state.callback_queries[query_id]
        return await self.wait_for(lambda: query.answer, timeout, f"answer to callback query {query_id}")

    async def wait_until_updates_consumed(self, timeout: float = WAIT_S) -> None:
        """Wait until the bot has fetched and confirmed every pending update."""
        await self.wait_for(lambda: len(self.state.updates) == 0, timeout, "the bot to confirm all updates")

    async def assert_no_bot_message(self, chat_id: int, within: float = 0.3) -> None:
        """Fail if the bot sends a new message to ``chat_id`` within ``within`` seconds."""
        with contextlib.suppress(WaitTimeoutError):
            event = await self.wait_for_event(chat_id, ("sent",), within)
            raise AssertionError(f"unexpected bot message in chat {chat_id}: {event.snapshot}")

    def describe_recent(self, count: int = 8) -> str:
        """A short log of the latest calls and bot events (for failure messages)."""
        calls = [
            f"  {r.method} chat={r.chat_id} -> "
            + (f"{r.status} {r.description or ''}".rstrip() if r.finished else "(in flight)")
            for r in self.calls.records[-count:]
        ]
        events = [
            f"  {e.kind} {e.chat_id}/{e.message.message_id}: {e.snapshot.get('text', e.snapshot.get('caption'))!r}"
            for e in self.state.events[-count:]
        ]
        calls_text = "\n".join(calls) or "  (none)"
        events_text = "\n".join(events) or "  (none)"
        return f"recent calls:\n{calls_text}\nrecent bot events:\n{events_text}"


def _bot_profile(
    token: str, username: str, first_name: str, *, privacy_mode: bool, can_join_groups: bool, inline: bool
) -> BotProfile:
    """The bot's User object from the token and settings."""
    bot_id_text = token.split(":", 1)[0]
    if not bot_id_text.isdigit():
        raise ValueError("a bot token starts with the bot's numeric id and ':'")
    user = {
        "id": int(bot_id_text),
        "is_bot": True,
        "first_name": first_name,
        "username": username,
        "can_join_groups": can_join_groups,
        "can_read_all_group_messages": not privacy_mode,
        "supports_inline_queries": inline,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }
    return BotProfile(user=user, privacy_mode=privacy_mode, name=first_name)


def _peak(stamps: list[float], window: float) -> int:
    """The most ``stamps`` (sorted) within any half-open span of ``window`` seconds."""
    best, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def _error_response(error: ApiError) -> web.Response:
    """The JSON error answer with HTTP status = error_code."""
    return web.json_response(error.body(), status=error.error_code)


async def _read_params(request: web.Request) -> Params:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if not request.body_exists:
        return Params(values)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                with value.file:
                    files[name] = Upload(value.file.read(), value.filename, value.content_type)
            else:
                values[name] = value
    return Params(values, files)
