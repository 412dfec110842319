"""The bot's handlers offline: bad input, forged and stale buttons, blocking, interview and daily settings.

Each test runs the production application (``build_application``) with ``tests.offline``'s
``OfflineRequest`` in place of HTTP and feeds it real ``Update`` objects through
``Application.process_update``: the handlers, the services, the database and the error
handler are the real ones, and Telegram's checks of the bot's HTML, lengths and keyboards
apply; only the network is gone. A test sees exactly what the bot did in answer to each
update, so "nothing else was sent" is a plain assertion, not a wait. The journeys that need
the whole path (a full conversation, restarts, floods, Telegram's failures, webhooks) stay
end to end over HTTP in ``test_telegram_e2e.py``, ``test_telegram_robustness.py``,
``test_telegram_interview.py`` and ``test_telegram_daily.py``.
"""

from __future__ import annotations

import datetime as dtm
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from telegram.error import BadRequest

from bot.domain.bank import Bank
from bot.domain.interview.results import AskedInRound
from bot.domain.models import Question
from bot.rendering import texts
from bot.storage.db import create_engine_from_url
from tests.offline import OfflineBot, OfflineUser, Replies, Sent, running_offline
from tests.practice_fixtures import FrozenClock

# database_url: a SQLite file, or the PostgreSQL database named by TEST_DATABASE_URL;
# offline_bot: the bot with OfflineRequest, on that database.
pytest_plugins = ["tests.practice_fixtures", "tests.offline"]

DAILY_NOW = dtm.datetime(2026, 11, 21, 6, 0, tzinfo=dtm.UTC)
"""A Saturday, 07:00 in Berlin (the daily-push tests' clock)."""


def asked(message: Sent, bank: Bank) -> Question:
    """The bank question a bot message asks (or follows up on)."""
    found = [q for q in bank.questions if q.question in message.text]
    assert len(found) == 1, message.text
    return found[0]


async def scalar(database_url: str, query: str, **params: object) -> object:
    """One value read straight from the database, past the services."""
    engine = create_engine_from_url(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(query), params)).scalar_one_or_none()
    finally:
        await engine.dispose()


async def start_round(user: OfflineUser, *args: str) -> Sent:
    """/interview with arguments: the start message, then the first question (returned)."""
    replies = await user.command("interview", " ".join(args))
    assert "Mock interview" in replies[0].text, replies[0].text
    assert "Question 1/" in replies[1].text, replies[1].text
    return replies[1]


# ---- the offline layer itself ---------------------------------------------------------------------


async def test_no_http_request_is_ever_made(offline_bot: OfflineBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every HTTP client call failing, /start is still answered: the offline bot never uses the network."""

    async def no_network(*_args: object, **_kwargs: object) -> httpx.Response:
        raise AssertionError("the offline bot made an HTTP request")

    monkeypatch.setattr(httpx.AsyncClient, "send", no_network)
    replies = await offline_bot.user("Alice").command("start")
    assert "Hi, Alice!" in replies.text
    assert [call.method for call in replies.calls] == ["sendMessage"]


async def test_telegrams_checks_apply_offline(database_url: str) -> None:
    """The bot's HTML is parsed as Telegram parses it (bad HTML is Telegram's 400), and a method
    the offline layer does not answer fails the test instead of passing unnoticed."""
    async with running_offline(database_url) as bot:
        chat_id = bot.user("Alice").id
        sent = await bot.app.bot.send_message(chat_id, "<b>bold</b> &amp; <i>more</i>", parse_mode="HTML")
        assert sent.text == "bold & more"
        assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4), ("italic", 7, 4)]
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.app.bot.send_message(chat_id, "<b>bold", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.app.bot.send_message(chat_id, "a" * 4097)
        with pytest.raises(Exception, match="Not Found"):
            await bot.app.bot.get_chat(chat_id)
        assert bot.request.unanswered == ["getChat"]
        bot.request.unanswered.clear()  # else the fixture fails the test, as it should when a handler does this


# ---- bad input --------------------------------------------------------------------------------------


async def test_media_edits_and_unknown_commands_get_clear_replies(offline_bot: OfflineBot) -> None:
    """Stickers, photos, voice, files, edits, unknown commands and stray text each get their own reply."""
    alice = offline_bot.user("Alice")
    await alice.command("start")

    assert "not stickers" in (await alice.send_media("sticker")).text
    assert "not photos" in (await alice.send_media("photo")).text
    assert "not voice messages" in (await alice.send_media("voice")).text
    assert "not files" in (await alice.send_media("document")).text

    assert "I don't know the command /frobnicate" in (await alice.command("frobnicate", "<b>now</b>")).text

    stray = await alice.say("hello there")
    assert "no open question right now" in stray.text
    assert "edited a message" in (await alice.edit(stray, "hello again")).text

    assert "I have no topic “astrology”" in (await alice.command("question", "astrology")).text
    assert "There is no open question." in (await alice.command("hint")).text


async def test_overlong_answer_is_trimmed_and_special_characters_escaped(offline_bot: OfflineBot) -> None:
    """An answer over 4,096 characters is graded on its first part and says so; HTML in it is quoted safely."""
    alice = offline_bot.user("Alice")
    question = asked((await alice.command("question"))[0], offline_bot.practice.bank)
    answer = "<i>&</i> " + question.model_answer
    answer = (answer + " ") * (5000 // len(answer) + 1)
    replies = await alice.say(answer[:5000])
    body = replies.text
    assert "only the first 4000 characters were graded" in body
    assert "Covered" in body
    assert len(body) <= 4096
    assert replies.errors == []  # Telegram took the HTML as it was: nothing was resent as plain text


# ---- buttons act only for the presser ------------------------------------------------------------------


async def test_buttons_act_only_for_the_presser(offline_bot: OfflineBot, database_url: str) -> None:
    """Forged callback data from another user never touches the owner's data; old and junk buttons are explained."""
    alice = offline_bot.user("Alice")
    bob = offline_bot.user("Bob")
    asked_message = (await alice.command("question"))[0]
    question = asked(asked_message, offline_bot.practice.bank)
    bob_message = (await bob.command("start"))[0]

    for data in (f"a:{question.id}", f"h:{question.id}"):
        answer = (await bob.forge(bob_message, data)).answer
        assert answer is not None
        assert "no longer open" in answer
    deleting = await bob.forge(bob_message, "del:yes")
    assert len(deleting.messages) == 1
    assert deleting.answered
    junk = await bob.forge(bob_message, "zz:top")
    assert "not recognised" in (junk.answer or "")

    still_open = await offline_bot.practice.open_question(alice.id)
    assert still_open is not None
    assert still_open.question.id == question.id
    assert still_open.hints_used == 0
    assert await scalar(database_url, "SELECT COUNT(*) FROM users WHERE id = :id", id=alice.id) == 1

    await alice.say("no idea")
    old = await alice.press(asked_message, data=f"h:{question.id}")
    assert "no longer open" in (old.answer or "")


# ---- blocking -------------------------------------------------------------------------------------------


async def test_blocking_the_bot_is_remembered(offline_bot: OfflineBot, database_url: str) -> None:
    """The my_chat_member update of a block marks the user; unblocking clears the mark. Neither gets a reply."""
    alice = offline_bot.user("Alice")
    await alice.command("start")
    query = "SELECT blocked_at FROM users WHERE id = :id"

    blocked = await alice.set_blocked(True)
    assert await scalar(database_url, query, id=alice.id) is not None
    unblocked = await alice.set_blocked(False)
    assert await scalar(database_url, query, id=alice.id) is None
    assert blocked.calls == unblocked.calls == []


# ---- mock interviews: bad input and forged buttons ------------------------------------------------------


async def test_bad_arguments_stickers_and_stale_buttons_get_clear_replies(offline_bot: OfflineBot) -> None:
    """Out-of-range lengths, unknown topics and repeats are explained with an example; a sticker in a round
    asks for text and leaves the round as it was; a finished round's buttons say so."""
    alice = offline_bot.user("Alice")
    for args, expected in (
        ("0", "a round has 3 to 10 questions"),
        ("100", "a round has 3 to 10 questions"),
        ("astrology", "not a number of questions, a topic"),
        ("5 metrics metrics", "says the same thing twice"),
    ):
        reply = (await alice.command("interview", args)).text
        assert expected in reply, reply
        assert "/interview 5 metrics hard" in reply
    assert await offline_bot.interviews.current(alice.id) is None

    first = await start_round(alice, "3")
    assert "not stickers" in (await alice.send_media("sticker")).text
    step = await offline_bot.interviews.current(alice.id)
    assert isinstance(step, AskedInRound)
    assert (step.position, step.hints_used) == (0, 0)

    assert "Hint 1/" in (await alice.command("hint")).text
    passed = await alice.press(first, text="⏭ Pass")
    assert "Passed on question 1/3" in passed[0].text
    assert "Question 2/3" in passed[1].text
    old = await alice.press(first, text="💡 Hint")  # the first question's button, now past
    assert "no longer current" in (old.answer or "")
    ended = await alice.press(first, text="🏁 End the round")
    assert "ended early" in ended[0].text
    assert not any(m.is_photo for m in ended.messages)  # a pass is not an answer: nothing to chart
    for label in ("🏁 End the round", "⏭ Pass"):
        answer = (await alice.press(first, text=label)).answer or ""
        assert "over" in answer or "no longer current" in answer
    assert "There is no open question." in (await alice.command("hint")).text


async def test_forged_buttons_cannot_touch_another_users_round(offline_bot: OfflineBot) -> None:
    """Bob, pressing forged buttons with Alice's round id, gets "over"/"not current" and no message;
    Alice gets none either, and her round is untouched."""
    alice = offline_bot.user("Alice")
    bob = offline_bot.user("Bob")
    await start_round(alice, "3")
    step = await offline_bot.interviews.current(alice.id)
    assert step is not None
    rid = step.round_id
    bob_message = (await bob.command("help"))[0]
    for data in (f"iv:end:{rid}", f"iv:p:{rid}:0:q", f"iv:h:{rid}:0", f"iv:leave:{rid}", f"iv:stay:{rid}"):
        forged = await bob.forge(bob_message, data)
        answer = forged.answer or ""
        assert "over" in answer or "no longer current" in answer, (data, answer)
        assert forged.messages == forged.edits == [], data
    for junk in ("iv:zz", "iv:h:99999999999999999999:0", "iv:o:99:*:2", "iv:go:5:astrology:2", "iv:rev:nope"):
        forged = await bob.forge(bob_message, junk)
        assert "not recognised" in (forged.answer or "")
        assert forged.messages == forged.edits == [], junk
    assert await offline_bot.interviews.current(alice.id) == step
    assert await offline_bot.interviews.current(bob.id) is None


async def test_skip_and_answer_during_a_round_pass_its_question(offline_bot: OfflineBot) -> None:
    """/skip and /answer in a round pass on the round's question (not "no open question"), and the round goes on."""
    bank = offline_bot.practice.bank
    alice = offline_bot.user("Alice")
    first = await start_round(alice, "3", "mixed", "easy")
    skipped = await alice.command("skip")
    assert "no open question" not in skipped[0].text.casefold()
    second = skipped[0] if "2/3" in skipped[0].text else skipped[1]
    assert "2/3" in second.text, second.text
    assert asked(second, bank) != asked(first, bank)
    answered = await alice.command("answer")
    third = answered[0] if "3/3" in answered[0].text else answered[1]
    assert "3/3" in third.text, third.text
    debrief = (await alice.command("cancel"))[0].text
    assert "(ended early): 0/3 questions answered, 2 passed" in debrief, debrief
    assert "Passed on 2 questions" in debrief


async def test_options_keyboard_then_start(offline_bot: OfflineBot) -> None:
    """/interview alone shows length, topic and level buttons; choices redraw it; Start runs that round."""
    alice = offline_bot.user("Alice")
    options = (await alice.command("interview"))[0]
    assert "Now: 5 questions · mixed topics · Medium" in options.text
    assert {"✅ 5 questions", "3 questions", "8 questions", "✅ 🔀 Mixed topics", "Hard"} <= set(options.button_texts)
    edited = (await alice.press(options, text="3 questions")).edits[0]
    assert "Now: 3 questions" in edited.text
    edited = (await alice.press(edited, data="iv:o:3:metrics:2")).edits[0]
    edited = (await alice.press(edited, text="Hard")).edits[0]
    assert "Now: 3 questions · Evaluation and metrics · Hard" in edited.text
    started = await alice.press(edited, text="▶️ Start the interview")
    assert "3 questions · Evaluation and metrics · Hard" in started[0].text
    assert asked(started[1], offline_bot.practice.bank).topic == "metrics"
    again = await alice.press(edited, text="▶️ Start the interview")  # again: the round is already running
    assert "already in an interview round" in again[0].text
    assert "Question 1/3" in again[1].text


async def test_question_during_a_round_asks_to_leave_it_first(offline_bot: OfflineBot) -> None:
    """/question in a round offers Leave or Stay: Stay repeats the question; Leave debriefs, then asks one."""
    bank = offline_bot.practice.bank
    alice = offline_bot.user("Alice")
    question = asked(await start_round(alice, "3"), bank)
    prompt = (await alice.command("question", "metrics"))[0]
    assert "Leave the round for a practice question?" in prompt.text
    assert prompt.button_texts == ["🚪 Leave the round", "🎤 Stay in the round"]

    stay = await alice.press(prompt, text="🎤 Stay in the round")
    assert "the round goes on" in stay[0].text
    assert asked(stay[1], bank) == question
    assert "Question 1/3" in stay[1].text

    leave = await alice.press(prompt, text="🚪 Leave the round")
    assert "ended early" in leave[0].text
    assert "0/3 questions answered" in leave[0].text
    assert asked(leave[1], bank).topic == "metrics"
    assert not any(message.is_photo for message in leave.messages)  # nothing answered: no chart
    stale = await alice.press(prompt, text="🎤 Stay in the round")
    assert "over" in (stale.answer or "")
    assert "Model answer" in (await alice.say("precision and recall")).text  # a practice answer again


# ---- the daily question: settings -------------------------------------------------------------------------


@pytest_asyncio.fixture
async def daily_bot(database_url: str) -> AsyncIterator[OfflineBot]:
    """The offline bot with the daily-push tests' clock."""
    async with running_offline(database_url, clock=FrozenClock(DAILY_NOW)) as bot:
        yield bot


async def test_subscribe_without_a_zone_offers_zones_and_a_button_sets_it(daily_bot: OfflineBot) -> None:
    """/subscribe alone: the default time, and time-zone buttons; pressing one sets the zone."""
    bob = daily_bot.user("Bob")
    reply = (await bob.command("subscribe"))[0]
    assert "Daily question on: 09:00" in reply.text, "the configured default time"
    assert "Is that your time zone?" in reply.text
    assert "Asia/Kolkata" in reply.button_texts
    pressed: Replies = await bob.press(reply, data="tz:Asia/Kolkata")
    assert pressed.answered
    assert "Time zone: Asia/Kolkata" in pressed[0].text
    assert "09:00, every day" in pressed[0].text


def code_spans(message: Sent) -> list[str]:
    """The text of each ``code`` entity (what Telegram shows as tap-to-copy), in order."""
    utf16 = message.text.encode("utf-16-le")
    return [
        utf16[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.data.get("entities", [])
        if e["type"] == "code"
    ]


async def test_bad_times_and_zones_are_explained_for_people_with_an_example_that_works(daily_bot: OfflineBot) -> None:
    """Impossible times and unknown zones get a sentence without field names, quoting what was typed, and an
    example command; each example, sent as it is, works. Nothing is subscribed by the bad ones."""
    carol = daily_bot.user("Carol")
    await carol.command("start")
    for command, args, typed in [
        ("subscribe", "25:99 UTC", "25:99"),
        ("subscribe", "09:00 Mars/Base", "Mars/Base"),
        ("subscribe", "09:00 UTC+5:30", "UTC+5:30"),
        ("settings", "time 25:99", "25:99"),
        ("settings", "zone Mars/Base", "Mars/Base"),
        ("settings", "zone UTC+5:30", "UTC+5:30"),
    ]:
        reply = (await carol.command(command, args))[0]
        for internal in ("daily_time", "timezone", "is not valid", "expected"):
            assert internal not in reply.text, (args, reply.text)
        assert f"“{typed}”" in reply.text
        assert (await daily_bot.services.preferences.settings(carol.id)).daily_time is None, args
        examples = [span for span in code_spans(reply) if span.startswith(f"/{command} ")]
        assert examples, (args, reply.text)
        for example in examples:
            name, _, rest = example[1:].partition(" ")
            fixed = (await carol.command(name, rest)).text
            assert "Daily question on" in fixed or "Your settings" in fixed, (example, fixed)
            await carol.command("unsubscribe")
    assert "could not read" in (await carol.command("subscribe", "soon please")).text
    assert "Daily question: off" in (await carol.command("settings")).text
    assert "Usage: /settings time 08:30" in (await carol.command("settings", "volume 11")).text


# ---- the commands: one table for /help, the menu and the handlers ---------------------------------------


async def test_help_the_menu_and_the_commands_answered_are_the_tables_telegram_commands(
    offline_bot: OfflineBot,
) -> None:
    """Telegram's /help lists every command the bot answers (/timelimit and /retry too), the command menu
    (setMyCommands) is the same list, and each command the table gives Telegram is answered, the others not."""
    alice = offline_bot.user("Alice")
    shown = (await alice.command("help")).text
    for name in ("timelimit", "retry"):
        assert f"/{name} — " in shown, name
    telegram = [command for command in texts.COMMAND_TABLE if command.telegram]
    assert re.findall(r"^/(\w+) — ", shown, re.MULTILINE) == [command.name for command in telegram]
    # The private chats' menu (no scope); groups get their own menu, scoped to group chats.
    [menu] = [c for c in offline_bot.request.calls if c.method == "setMyCommands" and "scope" not in c.params]
    assert [(item["command"], item["description"]) for item in menu.params["commands"]] == [
        (c.name, c.description) for c in telegram
    ]

    await alice.command("question")
    await alice.say("no idea")
    assert "🎯" in (await alice.command("retry")).text, "/retry asks the last question again"
    for command in texts.COMMAND_TABLE:
        replies = await alice.command(command.name)
        unknown = any("I don't know the command" in message.text for message in replies.messages)
        assert unknown != command.telegram, command.name


# ---- "I don't know" ----------------------------------------------------------------------------------------


async def test_i_dont_know_points_to_what_works_and_the_hint_button_gives_a_hint(offline_bot: OfflineBot) -> None:
    """After "I don't know" the question is closed: the reply names the Hint button under it (which asks the
    question again with its first hint), not a /hint that would answer "There is no open question"."""
    alice = offline_bot.user("Alice")
    await alice.command("question", "metrics")
    feedback = (await alice.say("I don't know"))[0]
    assert "No real answer there" in feedback.text
    assert "/hint" not in feedback.text
    assert "💡 Hint" in feedback.text
    assert "💡 Hint" in feedback.button_texts
    pressed = await alice.press(feedback, text="💡 Hint")
    assert "Hint 1/" in pressed[1].text
    assert "Hint 2/" in (await alice.command("hint")).text, "the question is open again"


# ---- subscribing again --------------------------------------------------------------------------------------


async def test_subscribe_again_brings_back_the_last_time_and_zone(daily_bot: OfflineBot) -> None:
    """/settings time 07:45, /unsubscribe, /subscribe: 07:45 again, in the zone set before, and no zone question."""
    dave = daily_bot.user("Dave")
    assert "Daily question on: 08:00" in (await dave.command("subscribe", "08:00 Asia/Tokyo")).text
    await dave.command("settings", "time 07:45")
    assert "Daily question off" in (await dave.command("unsubscribe")).text
    again = (await dave.command("subscribe"))[0]
    assert "Daily question on: 07:45, every day, time zone Asia/Tokyo" in again.text
    assert "Is that your time zone?" not in again.text
    assert again.button_texts == []

    erin = daily_bot.user("Erin")  # a zone set with /settings counts as said too
    await erin.command("settings", "zone Europe/Berlin")
    subscribed = (await erin.command("subscribe"))[0]
    assert "Daily question on: 09:00, every day, time zone Europe/Berlin" in subscribed.text
    assert "Is that your time zone?" not in subscribed.text


# ---- old buttons after /delete_me ------------------------------------------------------------------------


async def test_a_deleted_rounds_buttons_never_act_on_a_new_round(offline_bot: OfflineBot) -> None:
    """/delete_me, then a new round: the Pass and Hint buttons of the deleted round say it is over and leave
    the new round's first question as it was (round ids are never given out twice)."""
    alice = offline_bot.user("Alice")
    old = await start_round(alice, "3")
    confirm = (await alice.command("delete_me"))[0]
    assert "all your data is deleted" in (await alice.press(confirm, text=texts.BUTTON_DELETE_YES))[0].text
    await start_round(alice, "3")
    before = await offline_bot.interviews.current(alice.id)
    for label in ("⏭ Pass", "💡 Hint"):
        pressed = await alice.press(old, text=label)
        assert "over" in (pressed.answer or "") or "no longer current" in (pressed.answer or ""), label
        assert pressed.messages == [], label
    assert await offline_bot.interviews.current(alice.id) == before


async def test_an_old_delete_confirmation_does_not_delete_again(offline_bot: OfflineBot, database_url: str) -> None:
    """A "Yes, delete everything" pressed again after the data was deleted and new data came asks for a new
    confirmation instead of deleting it."""
    alice = offline_bot.user("Alice")
    confirm = (await alice.command("delete_me"))[0]
    assert "all your data is deleted" in (await alice.press(confirm, text=texts.BUTTON_DELETE_YES))[0].text
    await alice.command("question")
    await alice.say("precision and recall")
    again = await alice.press(confirm, text=texts.BUTTON_DELETE_YES)
    assert "expired" in again.text and "/delete_me" in again.text
    assert await scalar(database_url, "SELECT COUNT(*) FROM attempts WHERE user_id = :id", id=alice.id) == 1


async def test_a_delete_confirmation_expires(database_url: str) -> None:
    """ "Yes, delete everything" pressed eleven minutes after /delete_me deletes nothing; a fresh one works."""
    clock = FrozenClock(DAILY_NOW)
    async with running_offline(database_url, clock=clock) as bot:
        alice = bot.user("Alice")
        await alice.command("question")
        await alice.say("precision and recall")
        confirm = (await alice.command("delete_me"))[0]
        clock.advance(minutes=11)
        assert "expired" in (await alice.press(confirm, text=texts.BUTTON_DELETE_YES)).text
        assert await scalar(database_url, "SELECT COUNT(*) FROM attempts WHERE user_id = :id", id=alice.id) == 1
        fresh = (await alice.command("delete_me"))[0]
        assert "all your data is deleted" in (await alice.press(fresh, text=texts.BUTTON_DELETE_YES))[0].text
        assert await scalar(database_url, "SELECT COUNT(*) FROM attempts WHERE user_id = :id", id=alice.id) == 0
