"""Tests of the Telegram Bot API emulator, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot as PtbBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    KeyboardButton,
    MenuButtonCommands,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    TelegramObject,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from tests.emulator import (
    EmulatedUser,
    EntityParseError,
    TelegramEmulator,
    WaitTimeoutError,
    make_bot,
    make_png,
    parse_html,
    run_polling,
    utf16_len,
)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


# ---------------------------------------------------------------- fixtures ----


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    """A fresh emulator on a free loopback port."""
    async with TelegramEmulator() as emu:
        yield emu


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[PtbBot]:
    """A bare PTB Bot pointed at the emulator."""
    async with make_bot(emulator) as ptb_bot:
        yield ptb_bot


@pytest.fixture
def alice(emulator: TelegramEmulator) -> EmulatedUser:
    """A user who has started the bot."""
    return emulator.create_user("Alice", last_name="Liddell", username="alice", language_code="en")


def assert_fully_parsed(obj: object, path: str = "object") -> None:
    """Fail if PTB left any field it doesn't know in ``api_kwargs`` (recursively)."""
    if isinstance(obj, TelegramObject):
        assert not obj.api_kwargs, f"{path} ({type(obj).__name__}) has unknown fields {dict(obj.api_kwargs)}"
        # to_dict(recursive=False) keeps nested objects as they are, and gives deprecated fields
        # without reading their properties; only sequences come back as dicts, so read those again.
        for name, value in obj.to_dict(recursive=False).items():
            assert_fully_parsed(getattr(obj, name) if isinstance(value, list) else value, f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            assert_fully_parsed(item, f"{path}[{index}]")


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo handler with an inline keyboard."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await update.effective_message.reply_text(
        f"<b>echo:</b> {update.effective_message.text}", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the callback query and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"pressed {query.data}", show_alert=True)
    await query.edit_message_text(f"you pressed {query.data}")


def echo_app(emulator: TelegramEmulator) -> AnyApplication:
    """A tiny PTB application: echo + button handler."""
    app = emulator.ptb_builder().build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


# ------------------------------------------------------- PTB application ----


@pytest.mark.asyncio
async def test_echo_and_button_round_trip(emulator: TelegramEmulator, alice: EmulatedUser) -> None:
    """A user message reaches the PTB app, the echo arrives, a button press is answered."""
    async with run_polling(echo_app(emulator)):
        alice.send_text("hello world")
        reply = await alice.wait_for_bot_message(timeout=5)
        assert reply.text == "echo: hello world"
        assert reply.entities == [{"type": "bold", "offset": 0, "length": 5}]
        assert reply.button_texts == ["Again"]

        press = alice.press_button(reply, text="Again")
        answer = await press.wait_answer(timeout=5)
        assert (answer.text, answer.show_alert) == ("pressed again", True)
        edited = await alice.wait_for_bot_edit(timeout=5)
        assert edited.text == "you pressed again"
        assert edited.reply_markup is None, "editMessageText without reply_markup removes the keyboard"
        assert alice.bot_messages()[-1].text == "you pressed again"
    assert emulator.unknown_methods == []


@pytest.mark.asyncio
async def test_every_user_update_parses_in_ptb(emulator: TelegramEmulator, alice: EmulatedUser) -> None:
    """Every kind of update a user can cause is parsed by PTB without unknown fields."""
    received: list[Update] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        received.append(update)

    app = emulator.ptb_builder().build()
    app.add_handler(TypeHandler(Update, collect))
    async with run_polling(app):
        sent = await app.bot.send_message(
            alice.id, "pick", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
        )
        alice.send_command("start", "deep-link", mention_bot=True)
        alice.send_text("look at https://example.org/x #tag @someone /help")
        alice.send_sticker("🔥")
        alice.send_photo(make_png(1000, 500), caption="a photo")
        alice.send_voice(duration=3)
        document = alice.send_document(b"%PDF-1.4 fake", "cv.pdf", caption="my cv")
        alice.send_location(52.52, 13.40)
        alice.send_contact("+4915112345678", "Alice")
        alice.edit_message(alice.send_text("typo"), "fixed")
        alice.press_button(sent.message_id, text="A")
        alice.forge_callback(sent.message_id, "never-on-a-keyboard")
        alice.forge_callback(sent.message_id, "a", inaccessible=True)
        alice.block_bot()
        alice.unblock_bot()
        await emulator.wait_for(lambda: len(received) >= 15, timeout=5, what="15 updates")

    for index, update in enumerate(received):
        assert_fully_parsed(update, f"update[{index}]")
    ids = [u.update_id for u in received]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    command = received[0].message
    assert command is not None and command.text == f"/start@{emulator.bot_username} deep-link"
    assert command.entities[0].type == "bot_command" and command.entities[0].offset == 0
    assert command.entities[0].length == len(f"/start@{emulator.bot_username}")
    types = {e.type for e in received[1].message.entities} if received[1].message else set()
    assert types == {"url", "hashtag", "mention", "bot_command"}
    assert received[2].message is not None and received[2].message.sticker is not None
    photo_message = received[3].message
    assert photo_message is not None
    assert [(p.width, p.height) for p in photo_message.photo] == [(90, 45), (320, 160), (800, 400), (1000, 500)]
    assert received[5].message is not None and received[5].message.document is not None
    assert received[9].edited_message is not None and received[9].edited_message.text == "fixed"
    queries = [u.callback_query for u in received if u.callback_query is not None]
    assert [q.data for q in queries] == ["a", "never-on-a-keyboard", "a"]
    assert queries[0].message is not None and queries[0].message.message_id == sent.message_id
    assert queries[2].message is not None and not queries[2].message.is_accessible
    members = [u.my_chat_member for u in received if u.my_chat_member is not None]
    assert [(m.old_chat_member.status, m.new_chat_member.status) for m in members] == [
        ("member", "kicked"),
        ("kicked", "member"),
    ]

    async with make_bot(emulator) as bot:
        assert document.data["document"]["file_name"] == "cv.pdf"
        telegram_file = await bot.get_file(document.data["document"]["file_id"])
        assert_fully_parsed(telegram_file)
        assert bytes(await telegram_file.download_as_bytearray()) == b"%PDF-1.4 fake"


# ------------------------------------------------------------ bot methods ----


@pytest.mark.asyncio
async def test_bot_method_results_parse_in_ptb(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """Objects returned by the implemented methods deserialise in PTB with no unknown field."""
    results: list[object] = [await bot.get_me(), await bot.get_webhook_info()]
    first = await bot.send_message(alice.id, "<i>hi</i> <a href='example.com'>site</a>", parse_mode="HTML")
    photo = await bot.send_photo(
        alice.id, InputFile(make_png(40, 30), filename="p.png"), caption="<b>bold</b>", parse_mode="HTML"
    )
    results += [
        photo,
        first,
        await bot.send_message(
            alice.id,
            "reply",
            reply_parameters=ReplyParameters(first.message_id),
            reply_markup=ReplyKeyboardMarkup([[KeyboardButton("one"), "two"]], resize_keyboard=True),
            disable_notification=True,
        ),
        await bot.send_document(alice.id, InputFile(b"col\n1\n", filename="data.csv"), caption="csv"),
        await bot.send_voice(alice.id, InputFile(b"OggS-voice", filename="v.ogg"), duration=2),
        await bot.send_audio(alice.id, InputFile(b"ID3-audio", filename="a.mp3"), title="Song"),
        await bot.send_video(alice.id, InputFile(b"video", filename="v.mp4"), width=640, height=360),
        await bot.send_animation(alice.id, InputFile(b"anim", filename="a.gif")),
        await bot.send_media_group(
            alice.id, [InputMediaPhoto(make_png(10, 10)), InputMediaPhoto(make_png(20, 20), caption="2nd")]
        ),
        await bot.get_chat(alice.id),
        await bot.get_chat_member(alice.id, alice.id),
        await bot.get_chat_menu_button(alice.id),
    ]
    sticker = alice.send_sticker()
    results.append(await bot.send_sticker(alice.id, sticker.data["sticker"]["file_id"]))
    edited = await bot.edit_message_text(
        "edited",
        chat_id=alice.id,
        message_id=first.message_id,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]]),
    )
    results += [edited, await bot.edit_message_reply_markup(alice.id, first.message_id)]
    for index, result in enumerate(results):
        assert_fully_parsed(result, f"result[{index}]")

    assert isinstance(first, Message) and first.text == "hi site"
    assert [(e.type, e.offset, e.length, e.url) for e in first.entities] == [
        ("italic", 0, 2, None),
        ("text_link", 3, 4, "http://example.com/"),
    ]
    stored_first = emulator.message(alice.id, first.message_id)
    assert stored_first.text == "edited" and len(stored_first.history) == 2
    replied = emulator.bot_messages(alice.id)[2]
    assert replied.data["reply_to_message"]["message_id"] == first.message_id
    assert replied.options["disable_notification"] is True
    assert alice.reply_keyboard is not None and alice.reply_keyboard["keyboard"][0][1] == {"text": "two"}
    await bot.send_message(alice.id, "bye keyboard", reply_markup=ReplyKeyboardRemove())
    assert emulator.state.chats[alice.id].reply_keyboard is None

    uploaded = emulator.uploaded_files("document")
    assert [(f.file_name, f.content) for f in uploaded] == [("data.csv", b"col\n1\n")]
    assert emulator.file(photo.photo[-1].file_id).content == make_png(40, 30)
    assert photo.caption == "bold" and photo.caption_entities[0].type == "bold"
    assert emulator.unknown_methods == []


@pytest.mark.asyncio
async def test_send_and_delete_and_chat_action(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """deleteMessage, sendChatAction, answerCallbackQuery validation."""
    message = await bot.send_message(alice.id, "temp")
    assert await bot.delete_message(alice.id, message.message_id) is True
    assert emulator.bot_messages(alice.id) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=message.message_id)

    assert await bot.send_chat_action(alice.id, "typing") is True
    assert [a.action for a in emulator.chat_actions(alice.id)] == ["typing"]
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(alice.id, "dancing")

    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data="go")]])
    press = alice.press_button(await bot.send_message(alice.id, "k", reply_markup=keyboard), data="go")
    assert await bot.answer_callback_query(press.query_id, text="ok") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.query_id)
    assert [a.text for a in emulator.callback_answers] == ["ok"]


# ------------------------------------------------------------------ errors ----


@pytest.mark.asyncio
async def test_injected_errors_raise_the_right_ptb_exceptions(
    emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser
) -> None:
    """429 -> RetryAfter, 403 -> Forbidden, 400 -> BadRequest, dropped socket -> NetworkError."""
    emulator.fail_with_retry_after("sendMessage", 7)
    with pytest.raises(RetryAfter) as retry:
        await bot.send_message(alice.id, "x")
    assert retry.value.retry_after == dtm.timedelta(seconds=7)

    emulator.fail_with_forbidden("sendMessage")
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(alice.id, "x")

    emulator.fail_with_bad_request("sendMessage", "message thread not found", times=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"^Message thread not found$"):
            await bot.send_message(alice.id, "x")

    emulator.drop_connection("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "lost")
    assert emulator.bot_messages(alice.id) == []

    emulator.drop_connection("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "sent but unacknowledged")
    assert [m.text for m in emulator.bot_messages(alice.id)] == ["sent but unacknowledged"]

    await bot.send_message(alice.id, "works again")
    statuses = [r.status for r in emulator.calls.select("sendMessage")]
    assert statuses == [429, 403, 400, 400, 0, 0, 200]
    assert emulator.calls.select("sendMessage")[0].description == "Too Many Requests: retry after 7"


@pytest.mark.asyncio
async def test_faults_can_target_one_chat_and_delay(emulator: TelegramEmulator, bot: PtbBot) -> None:
    """A chat-specific fault hits only that chat; a delay makes PTB time out."""
    anna, bob = emulator.create_user("Anna"), emulator.create_user("Bob")
    emulator.fail_with_forbidden("sendMessage", chat_id=bob.id, times=None)
    await bot.send_message(anna.id, "fine")
    for _ in range(3):
        with pytest.raises(Forbidden):
            await bot.send_message(bob.id, "nope")
    emulator.clear_faults()
    await bot.send_message(bob.id, "fine now")

    emulator.delay_responses("getChat", 0.4)
    with pytest.raises(TimedOut):
        await bot.get_chat(anna.id, read_timeout=0.1)


@pytest.mark.asyncio
async def test_protocol_errors(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """Wrong token, unknown method, unknown chat, user who never started the bot."""
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with PtbBot("42:WRONG", base_url=emulator.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert emulator.unknown_methods == ["sendTelepathy"]
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(12345, "who?")
    shy = emulator.create_user("Shy", started=False)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(shy.id, "hello?")
    shy.start()
    await bot.send_message(shy.id, "hello!")


@pytest.mark.asyncio
async def test_blocked_flag_is_persistent(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """A user who blocked the bot makes every write fail with 403 until unblocked."""
    alice.block_bot()
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(alice.id, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(alice.id, "typing")
    alice.send_text("I'm back")  # writing to a blocked bot unblocks it ("Restart")
    await bot.send_message(alice.id, "welcome back")
    kinds = [next(k for k in u if k != "update_id") for u in emulator.pending_updates()]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]


@pytest.mark.asyncio
async def test_http_level_protocol(emulator: TelegramEmulator, alice: EmulatedUser) -> None:
    """Exact error bodies; JSON, urlencoded, multipart and GET requests; file downloads."""
    api = f"{emulator.base_url}{emulator.token}"
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{emulator.base_url}1:bad/getMe")
        assert (wrong.status_code, wrong.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
        missing = await client.post(f"{api}/noSuchMethod")
        assert (missing.status_code, missing.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )
        assert (await client.get(f"{api}/GETME")).json()["result"]["is_bot"] is True

        keyboard = {"inline_keyboard": [[{"text": "b", "callback_data": "d"}]]}
        as_json = await client.post(
            f"{api}/sendMessage", json={"chat_id": alice.id, "text": "j", "reply_markup": keyboard}
        )
        as_form = await client.post(
            f"{api}/sendMessage",
            data={
                "chat_id": str(alice.id),
                "text": "f",
                "reply_markup": '{"inline_keyboard": [[{"text": "b", "url": "https://t.me"}]]}',
            },
        )
        as_multipart = await client.post(
            f"{api}/sendDocument",
            data={"chat_id": str(alice.id), "caption": "m"},
            files={"document": ("notes.txt", b"hello", "text/plain")},
        )
        as_query = await client.get(f"{api}/sendMessage", params={"chat_id": alice.id, "text": "q"})
        for response in (as_json, as_form, as_multipart, as_query):
            assert response.status_code == 200, response.text
            assert isinstance(response.json()["result"]["date"], int)
        assert as_json.json()["result"]["reply_markup"] == keyboard
        document = as_multipart.json()["result"]["document"]
        assert (document["file_name"], document["mime_type"], document["file_size"]) == ("notes.txt", "text/plain", 5)

        bad_button = await client.post(
            f"{api}/sendMessage",
            json={"chat_id": alice.id, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "plain"}]]}},
        )
        assert bad_button.json()["description"] == "Bad Request: text buttons are unallowed in the inline keyboard"
        no_such_reply = {"chat_id": alice.id, "text": "r", "reply_to_message_id": 999}
        not_found = await client.post(f"{api}/sendMessage", json=no_such_reply)
        assert not_found.json()["description"] == "Bad Request: message to be replied not found"
        tolerant = await client.post(f"{api}/sendMessage", json={**no_such_reply, "allow_sending_without_reply": True})
        assert "reply_to_message" not in tolerant.json()["result"]
        replying = await client.post(f"{api}/sendMessage", data={**no_such_reply, "reply_to_message_id": "1"})
        assert replying.json()["result"]["reply_to_message"]["text"] == "j"
        long_data = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
        too_long = await client.post(
            f"{api}/sendMessage", json={"chat_id": alice.id, "text": "x", "reply_markup": long_data}
        )
        assert too_long.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"

        info = (await client.post(f"{api}/getFile", data={"file_id": document["file_id"]})).json()["result"]
        download = await client.get(f"{emulator.base_file_url}{emulator.token}/{info['file_path']}")
        assert download.content == b"hello"
        assert (await client.get(f"{emulator.base_file_url}{emulator.token}/documents/nope")).status_code == 404
        assert (await client.get(f"{emulator.base_file_url}1:bad/{info['file_path']}")).status_code == 401


# ------------------------------------------------------------- validation ----


@pytest.mark.asyncio
async def test_text_validation(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """Empty text, too long text and malformed HTML give Telegram's 400s; Markdown is refused, saying why."""
    cases = {
        "": "Message text is empty",
        "  \n ": "Message text is empty",
        "a" * 4097: "Message is too long",
    }
    for text, error in cases.items():
        with pytest.raises(BadRequest, match=f"^{error}$"):
            await bot.send_message(alice.id, text)
    ok = await bot.send_message(alice.id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text or "") == 4096, "the limit applies after entity parsing"

    html_errors = {
        "<b>bold": "Can't parse entities: can't find end tag corresponding to start tag \"b\"",
        "<blink>x</blink>": 'Can\'t parse entities: unsupported start tag "blink" at byte offset 0',
        "<b>x</i>": ('Can\'t parse entities: unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        "1 < 2": 'Can\'t parse entities: unsupported start tag "" at byte offset 2',
        "x</b>": "Can't parse entities: unexpected end tag at byte offset 1",
    }
    for text, error in html_errors.items():
        with pytest.raises(BadRequest) as raised:
            await bot.send_message(alice.id, text, parse_mode="HTML")
        assert raised.value.message == error
    for mode in ("MarkdownV2", "Markdown"):
        refused = f"(?i)^the emulator does not parse parse_mode {mode}: the bot sends HTML$"  # PTB lower-cases it
        with pytest.raises(BadRequest, match=refused):
            await bot.send_message(alice.id, "*bold*", parse_mode=mode)
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(alice.id, "x", parse_mode="BBCode")

    emoji = await bot.send_message(alice.id, "😀 <b>bold</b> &amp; <code>x&lt;y</code>", parse_mode="HTML")
    assert emoji.text == "😀 bold & x<y"
    assert [(e.type, e.offset, e.length) for e in emoji.entities] == [("bold", 3, 4), ("code", 10, 3)]
    assert emoji.parse_entities() == {emoji.entities[0]: "bold", emoji.entities[1]: "x<y"}


def test_parsers_directly() -> None:
    """A few parser details: nesting, pre with language, literal '&', blockquotes."""
    text, entities = parse_html('<b>a<i>b</i></b> &foo; <pre><code class="language-py">x</code></pre>')
    assert text == "ab &foo; x"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "pre", "offset": 9, "length": 1, "language": "py"},
    ]
    assert parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == "expandable_blockquote"
    text, entities = parse_html("<blockquote>quoted</blockquote>\nplain")
    assert (text, entities) == ("quoted\nplain", [{"type": "blockquote", "offset": 0, "length": 6}])


_MARKUP_PIECES = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<a href='t.me'>",
        "</a>",
        "<pre>",
        "<code class='language-py'>",
        "</code>",
        "&lt;",
        "&#128512;",
        "&",
        "<",
        ">",
        ".",
        "😀",
        "a",
        " ",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_MARKUP_PIECES, max_size=20).map("".join))
def test_parsers_never_crash_and_keep_entities_in_bounds(markup: str) -> None:
    """Any input either parses into in-bounds entities or raises EntityParseError."""
    try:
        text, entities = parse_html(markup)
    except EntityParseError:
        return
    for entity in entities:
        assert entity["length"] > 0
        assert entity["offset"] >= 0
        assert entity["offset"] + entity["length"] <= utf16_len(text)


@pytest.mark.asyncio
async def test_edit_semantics(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """'Not modified', keyboards on edit, and what may not be edited."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("k", callback_data="k")]])
    message = await bot.send_message(alice.id, "same", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message content"):
        await bot.edit_message_text("same", chat_id=alice.id, message_id=message.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bot.edit_message_reply_markup(alice.id, message.message_id, reply_markup=keyboard)
    await bot.edit_message_text("same", chat_id=alice.id, message_id=message.message_id)
    assert emulator.message(alice.id, message.message_id).reply_markup is None
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bot.edit_message_reply_markup(alice.id, message.message_id)

    own = alice.send_text("mine")
    with pytest.raises(BadRequest, match=r"^Message can't be edited$"):
        await bot.edit_message_text("theirs", chat_id=alice.id, message_id=own.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=999)
    photo = await bot.send_photo(alice.id, make_png())
    with pytest.raises(BadRequest, match=r"^There is no text in the message to edit$"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=photo.message_id)
    captioned = await bot.edit_message_caption(alice.id, photo.message_id, caption="now captioned")
    assert isinstance(captioned, Message) and captioned.caption == "now captioned"

    with pytest.raises(LookupError):
        alice.press_button(message, data="k")  # the keyboard was removed by the edit
    old = alice.forge_callback(message, "k")  # ...but an old client can still send it
    assert old.update is not None and old.update["callback_query"]["data"] == "k"


@pytest.mark.asyncio
async def test_set_my_commands_validation(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """setMyCommands stores per scope/language and rejects what Telegram rejects."""
    assert await bot.set_my_commands([BotCommand("start", "Start"), ("help", "Show help")])
    assert await bot.set_my_commands([("hilfe", "Hilfe")], language_code="de")
    assert await bot.set_my_commands([("private", "Only here")], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(language_code="de")] == ["hilfe"]
    assert emulator.commands("all_private_chats") == [{"command": "private", "description": "Only here"}]
    assert [c["command"] for c in emulator.commands_for(alice.id, "de")] == ["private"]
    assert await bot.set_my_commands([("vip", "VIP")], scope=BotCommandScopeChat(alice.id))
    assert [c["command"] for c in emulator.commands_for(alice.id)] == ["vip"]

    invalid: dict[str, Sequence[tuple[str, str]]] = {
        "BOT_COMMAND_INVALID": [("Start", "uppercase")],
        "command length must not exceed 32": [("a" * 33, "too long")],
        "command must be non-empty": [("/", "empty")],
        "command description must be non-empty": [("ok", "   ")],
        "command description length must not exceed 256": [("ok", "d" * 257)],
        "BOT_COMMANDS_TOO_MUCH": [(f"c{i}", "x") for i in range(101)],
        "BOT_COMMAND_INVALID ": [("bad-name", "dash")],
    }
    for error, commands in invalid.items():
        with pytest.raises(BadRequest):
            await bot.set_my_commands(commands)
        assert emulator.calls.records[-1].description == f"Bad Request: {error.strip()}"
    with pytest.raises(BadRequest, match="Invalid language code specified"):
        await bot.set_my_commands([("ok", "ok")], language_code="deu")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"], "failed calls change nothing"

    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button(alice.id, MenuButtonCommands())
    assert emulator.menu_button(alice.id) == {"type": "commands"}


# ------------------------------------------------------------ getUpdates ----


@pytest.mark.asyncio
async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser
) -> None:
    """getUpdates with timeout=10 returns right after the user writes."""
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emulator.wait_for(
        lambda: any(r.finished == 0.0 for r in emulator.calls.select("getUpdates")), what="a pending getUpdates"
    )
    started = time.monotonic()
    alice.send_text("now")
    updates = await poll
    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates if u.message] == ["now"]

    empty_started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=dtm.timedelta(milliseconds=300)) == ()
    assert 0.25 <= time.monotonic() - empty_started < 2.0, "an empty long poll waits for its timeout"


@pytest.mark.asyncio
async def test_get_updates_offset_and_limit(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """offset confirms (drops) earlier updates; limit caps; negative offset keeps the tail."""
    for text in ("one", "two", "three"):
        alice.send_text(text)
    first = await bot.get_updates()
    ids = [u.update_id for u in first]
    assert ids == list(range(ids[0], ids[0] + 3)), "update ids increase by one"
    assert [u.update_id for u in await bot.get_updates()] == ids, "not confirmed yet"
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert emulator.pending_updates() == []

    for text in ("four", "five", "six"):
        alice.send_text(text)
    tail = await bot.get_updates(offset=-1)
    assert [u.message.text for u in tail if u.message] == ["six"]
    assert [u.message.text for u in await bot.get_updates() if u.message] == ["six"], "earlier ones forgotten"
    assert tail[0].update_id == ids[2] + 3


@pytest.mark.asyncio
async def test_get_updates_allowed_updates_and_conflicts(
    emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser
) -> None:
    """allowed_updates filters new updates; parallel polls and webhooks conflict."""
    message = await bot.send_message(
        alice.id, "k", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]])
    )
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    alice.send_text("filtered out")
    alice.press_button(message, data="b")
    updates = await bot.get_updates(allowed_updates=[])
    assert [u.callback_query.data for u in updates if u.callback_query] == ["b"]
    assert len(updates) == 1

    first_poll = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await emulator.wait_for(lambda: any(r.finished == 0.0 for r in emulator.calls.select("getUpdates")))
    async with PtbBot(emulator.token, base_url=emulator.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first_poll

    assert await bot.set_webhook("https://bot.example.com/hook")
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()


@pytest.mark.asyncio
async def test_dates_are_seconds_and_message_ids_increase_per_chat(emulator: TelegramEmulator, bot: PtbBot) -> None:
    """Dates are whole Unix seconds; message ids count up per chat, shared by both sides."""
    anna, bob = emulator.create_user("Anna"), emulator.create_user("Bob")
    anna_ids = [anna.send_text("hi").message_id]
    anna_ids += [(await bot.send_message(anna.id, f"a{i}")).message_id for i in range(3)]
    anna_ids.append(anna.send_text("bye").message_id)
    bob_ids = [(await bot.send_message(bob.id, f"b{i}")).message_id for i in range(2)]
    assert anna_ids == [1, 2, 3, 4, 5]
    assert bob_ids == [1, 2]

    for message in emulator.messages(anna.id) + emulator.messages(bob.id):
        assert isinstance(message.data["date"], int)
        assert abs(message.data["date"] - time.time()) < 5
    sent = await bot.send_message(anna.id, "now")
    assert abs(sent.date.timestamp() - time.time()) < 5
    update = (await bot.get_updates())[0]
    assert update.message is not None and abs(update.message.date.timestamp() - time.time()) < 5


# ------------------------------------------------------------ flood limits ----


@pytest.mark.asyncio
async def test_rate_limit_and_call_log(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """Global flood control answers 429 past N messages/second; calls are counted."""
    emulator.set_rate_limit(global_per_second=5)
    delivered, limited = 0, 0
    for index in range(8):
        try:
            await bot.send_message(alice.id, f"m{index}")
            delivered += 1
        except RetryAfter:
            limited += 1
    assert (delivered, limited) == (5, 3)
    assert len(emulator.calls.select("sendMessage", ok=True)) == 5
    assert emulator.calls.rate("sendMessage") > 5, "5 messages went out well within a second"

    emulator.set_rate_limit(global_per_second=None, per_chat_per_second=1, retry_after=3)
    bob = emulator.create_user("Bob")
    await bot.send_message(bob.id, "first")
    await bot.send_message(alice.id, "other chat is fine")
    with pytest.raises(RetryAfter):
        await bot.send_message(bob.id, "second")
    assert emulator.calls.records[-1].description == "Too Many Requests: retry after 3"
    emulator.clear_rate_limit()
    await bot.send_message(bob.id, "second")


# ----------------------------------------------------------------- groups ----


@pytest.mark.asyncio
async def test_group_commands_and_privacy_mode(emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser) -> None:
    """In privacy mode the bot gets commands meant for it and replies to its messages."""
    group = emulator.create_group("Study group", [alice])
    alice.send_text("just chatting", chat=group)
    alice.send_command("help", chat=group)
    alice.send_command("help", mention_bot=True, chat=group)
    alice.send_text("/help@other_bot", chat=group)
    ours = await bot.send_message(group.id, "bot here")
    alice.send_text("replying", chat=group, reply_to=ours.message_id)
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["/help", f"/help@{emulator.bot_username}", "replying"]
    assert [m.message_id for m in emulator.messages(group.id)] == [1, 2, 3, 4, 5, 6]


# ---------------------------------------------------------------- webhook ----


@pytest.mark.asyncio
async def test_webhook_delivery_to_ptb_webhook_server(emulator: TelegramEmulator, alice: EmulatedUser) -> None:
    """setWebhook with a secret: updates are POSTed to PTB's own webhook server."""
    port = free_port()
    app = echo_app(emulator)
    async with app:
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            secret_token="s3cret-token",
            webhook_url=f"http://127.0.0.1:{port}/hook",
        )
        await app.start()
        try:
            alice.send_text("via webhook")
            reply = await alice.wait_for_bot_message(timeout=5)
            assert reply.text == "echo: via webhook"
            info = await app.bot.get_webhook_info()
            assert (info.url, info.pending_update_count) == (f"http://127.0.0.1:{port}/hook", 0)
            assert [d.status for d in emulator.webhook.deliveries] == [200]
            with pytest.raises(Conflict):
                await app.bot.get_updates()
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.mark.asyncio
async def test_webhook_failures_keep_updates_pending(
    emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser
) -> None:
    """An unreachable webhook records last_error_*; updates wait until delivered."""
    assert await bot.set_webhook(f"http://127.0.0.1:{free_port()}/gone", secret_token="abc")
    alice.send_text("are you there?")
    await emulator.wait_for(lambda: emulator.state.webhook.last_error_message, what="a webhook error")
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message is not None and info.last_error_message.startswith("Connection failed")
    assert await bot.delete_webhook()
    assert [u.message.text for u in await bot.get_updates() if u.message] == ["are you there?"]


# ------------------------------------------------------------------ waits ----


@pytest.mark.asyncio
async def test_wait_timeout_explains_what_happened(
    emulator: TelegramEmulator, bot: PtbBot, alice: EmulatedUser
) -> None:
    """A timed-out wait lists the bot's recent calls, including failed ones."""
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "<b>", parse_mode="HTML")
    with pytest.raises(WaitTimeoutError, match=r"sendMessage chat=.* -> 400 Bad Request: can't parse entities"):
        await alice.wait_for_bot_message(timeout=0.05)
    await emulator.assert_no_bot_message(alice.id, within=0.05)
