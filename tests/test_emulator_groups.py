"""Group chats in the Bot API emulator, checked against python-telegram-bot: membership and
my_chat_member, privacy mode, replies, anonymous administrators, the member methods,
removal of the bot, migration to a supergroup, and per-group send rates."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    Chat,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.emulator import (
    GROUP_ANONYMOUS_BOT_ID,
    EmulatedUser,
    GroupChat,
    TelegramEmulator,
    make_bot,
    run_polling,
    unknown_fields,
)


@dataclass
class SteppedClock:
    """A rate clock that moves only when the test moves it."""

    now: float = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    """An emulator, a bare PTB bot on it, and three people who study together."""

    emu: TelegramEmulator
    bot: Bot
    alice: EmulatedUser
    bob: EmulatedUser
    carol: EmulatedUser
    clock: SteppedClock = field(default_factory=SteppedClock)

    def study_group(self, *, supergroup: bool = False, username: str | None = None) -> GroupChat:
        """Alice's group (Bob administrator, Carol member); the bot not in it yet."""
        return self.emu.create_group(
            "ML interview prep",
            [self.alice, self.bob, self.carol],
            admins=[self.bob],
            supergroup=supergroup,
            username=username,
            bot_is_member=False,
        )

    async def updates(self) -> list[Update]:
        """Fetch and confirm the pending updates; each must parse in PTB without leftovers."""
        updates = await self.bot.get_updates()
        if updates:
            await self.bot.get_updates(offset=updates[-1].update_id + 1)
        for index, update in enumerate(updates):
            assert unknown_fields(update, f"update[{index}]") == []
        return list(updates)


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    """A fresh emulator (with a stepped rate clock) and Alice, Bob and Carol."""
    clock = SteppedClock()
    async with TelegramEmulator(rate_clock=clock) as emu, make_bot(emu) as bot:
        alice, bob, carol = (emu.create_user(name, username=name.lower()) for name in ("Alice", "Bob", "Carol"))
        yield World(emu, bot, alice, bob, carol, clock)


def kinds(updates: list[Update]) -> list[str]:
    """The kind of each update (message, my_chat_member, ...)."""
    return [next(key for key in update.to_dict() if key != "update_id") for update in updates]


# ------------------------------------------------------------ joining ----


@pytest.mark.asyncio
async def test_group_ids_titles_and_the_bot_joining(world: World) -> None:
    """A group has a -4… id, a supergroup -100…; the bot is told it joined, by whom."""
    group, supergroup = world.study_group(), world.study_group(supergroup=True)
    assert str(group.id).startswith("-4") and len(str(group.id)) == 11
    assert str(supergroup.id).startswith("-100") and len(str(supergroup.id)) == 14
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await world.bot.get_chat(group.id)  # a group the bot was never in is unknown to it

    joined = group.add_bot(by=world.bob)
    updates = await world.updates()
    assert kinds(updates) == ["my_chat_member", "message"]
    change, service = updates[0].my_chat_member, updates[1].message
    assert change is not None and service is not None
    assert change.from_user.id == world.bob.id and change.chat.type == Chat.GROUP
    assert change.chat.title == "ML interview prep" and change.chat.id == group.id
    assert change.difference()["status"] == ("left", "member")
    assert isinstance(change.new_chat_member, ChatMemberMember)
    assert change.new_chat_member.user.id == world.emu.bot_id
    assert updates[0].effective_chat is not None and updates[0].effective_chat.id == group.id
    assert [u.id for u in service.new_chat_members] == [world.emu.bot_id]
    assert service.from_user is not None and service.from_user.id == world.bob.id
    assert service.message_id == joined.message_id and group.bot_status == "member"

    info = await world.bot.get_chat(group.id)
    assert unknown_fields(info) == []
    assert (info.type, info.title, info.permissions is not None) == ("group", "ML interview prep", True)
    with pytest.raises(ValueError, match="already in"):
        group.add_bot(by=world.alice)

    supergroup.add_bot(by=world.alice, as_admin=True, can_pin_messages=False)
    promoted = (await world.updates())[0].my_chat_member
    assert promoted is not None and isinstance(promoted.new_chat_member, ChatMemberAdministrator)
    assert promoted.new_chat_member.can_pin_messages is False and promoted.new_chat_member.can_manage_topics is False


# ------------------------------------------------------- member methods ----


@pytest.mark.asyncio
async def test_get_chat_member_and_administrators(world: World) -> None:
    """Owner, administrator, member, left and the bot itself, as PTB's ChatMember classes."""
    group = world.study_group()
    group.add_bot(by=world.alice)
    dave_user = world.emu.create_user("Dave")
    bot = world.bot
    alice, bob, carol, dave, itself = [
        await bot.get_chat_member(group.id, user_id)
        for user_id in (world.alice.id, world.bob.id, world.carol.id, dave_user.id, world.emu.bot_id)
    ]
    assert unknown_fields([alice, bob, carol, dave, itself]) == []
    assert isinstance(alice, ChatMemberOwner) and alice.is_anonymous is False
    assert isinstance(bob, ChatMemberAdministrator) and bob.can_be_edited is False and bob.can_delete_messages
    assert bob.can_manage_topics is None, "basic groups have no topics right"
    assert isinstance(carol, ChatMemberMember) and isinstance(itself, ChatMemberMember)
    assert isinstance(dave, ChatMemberLeft)

    admins = await bot.get_chat_administrators(group.id)
    assert [(type(a), a.user.first_name) for a in admins] == [
        (ChatMemberOwner, "Alice"),
        (ChatMemberAdministrator, "Bob"),
    ]
    assert await bot.get_chat_member_count(group.id) == 4
    with pytest.raises(BadRequest, match=r"^User not found$"):
        await bot.get_chat_member(group.id, 424242)
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.get_chat_member(-4999999999, world.alice.id)
    with pytest.raises(BadRequest, match=r"^There are no administrators in the private chat$"):
        await bot.get_chat_administrators(world.alice.id)

    group.promote(world.carol, by=world.alice, custom_title="Grader", can_promote_members=True)
    group.demote(world.bob)
    promoted = await bot.get_chat_member(group.id, world.carol.id)
    assert isinstance(promoted, ChatMemberAdministrator)
    assert (promoted.custom_title, promoted.can_promote_members) == ("Grader", True)
    assert isinstance(await bot.get_chat_member(group.id, world.bob.id), ChatMemberMember)
    assert [m.user.first_name for m in await bot.get_chat_administrators(group.id)] == ["Alice", "Carol"]
    assert kinds(await world.updates()) == ["my_chat_member", "message"], "no chat_member: the bot is no admin"


@pytest.mark.asyncio
async def test_anonymous_administrator_writes_on_behalf_of_the_group(world: World) -> None:
    """from = GroupAnonymousBot, sender_chat = the group, author_signature = custom title."""
    group = world.study_group(supergroup=True)
    group.add_bot(by=world.alice)
    with pytest.raises(ValueError, match="only in supergroups"):
        world.study_group().promote(world.bob, anonymous=True)
    group.promote(world.bob, anonymous=True, custom_title="Mentor")
    world.bob.send_command("subscribe", "09:00 Europe/Berlin", chat=group)
    message = (await world.updates())[-1].message
    assert message is not None and message.text == "/subscribe 09:00 Europe/Berlin"
    assert message.from_user is not None and message.from_user.id == GROUP_ANONYMOUS_BOT_ID
    assert message.from_user.username == "GroupAnonymousBot" and message.from_user.is_bot
    assert message.sender_chat is not None and message.sender_chat.id == group.id
    assert message.author_signature == "Mentor"
    update = Update(1, message=message)
    assert update.effective_sender == message.sender_chat, "PTB's effective_sender is the group"

    bob = await world.bot.get_chat_member(group.id, world.bob.id)
    assert isinstance(bob, ChatMemberAdministrator) and bob.is_anonymous is True
    admins = await world.bot.get_chat_administrators(group.id)
    assert [(a.user.first_name, getattr(a, "is_anonymous", None)) for a in admins] == [("Alice", False), ("Bob", True)]


# ------------------------------------------------------------ privacy ----


@pytest.mark.asyncio
async def test_privacy_mode_lets_only_commands_mentions_replies_and_service_through(world: World) -> None:
    """Plain chatter never reaches a bot in privacy mode; commands for it, @mentions, replies
    to its own messages and service messages do. Without privacy mode, or as an admin, all."""
    group = world.emu.create_group("Study", [world.alice, world.bob, world.carol])
    assert group.privacy_mode is True and (await world.bot.get_me()).can_read_all_group_messages is False
    ours = await world.bot.send_message(group.id, "Question 1: what is a ROC curve?")
    chatter = world.alice.send_text("anyone up for pizza?", chat=group)
    assert world.alice.last_update is None
    world.bob.reply(chatter, "yes!")  # a reply, but not to the bot
    world.carol.send_text("/stats@some_other_bot", chat=group)
    world.alice.send_command("leaderboard", chat=group)
    world.bob.send_command("leaderboard", mention_bot=True, chat=group)
    world.carol.send_text(f"hey @{world.emu.bot_username}, the answer is AUC", chat=group)
    answer = world.carol.reply(ours, "true positive rate against false positive rate")
    dave = world.emu.create_user("Dave")
    group.add_member(dave, by=world.alice)
    got = [u.message for u in await world.updates() if u.message]
    assert [m.text or "new member" for m in got] == [
        "/leaderboard",
        f"/leaderboard@{world.emu.bot_username}",
        f"hey @{world.emu.bot_username}, the answer is AUC",
        "true positive rate against false positive rate",
        "new member",
    ]
    command = got[1].parse_entities(["bot_command"])
    assert list(command.values()) == [f"/leaderboard@{world.emu.bot_username}"]
    assert next(iter(command)).offset == 0
    assert got[3].message_id == answer.message_id
    assert got[3].reply_to_message is not None and got[3].reply_to_message.message_id == ours.message_id

    group.privacy_mode = False
    world.alice.send_text("chatter, privacy mode off here", chat=group)
    group.privacy_mode = None
    world.alice.send_text("chatter, back to the bot's setting", chat=group)
    group.promote_bot()
    world.alice.send_text("chatter, the bot is an admin", chat=group)
    group.demote_bot()
    world.emu.set_privacy_mode(False)
    world.alice.send_text("chatter, privacy mode disabled in BotFather", chat=group)
    assert (await world.bot.get_me()).can_read_all_group_messages is True
    texts = [u.message.text for u in await world.updates() if u.message]
    assert texts == [
        "chatter, privacy mode off here",
        "chatter, the bot is an admin",
        "chatter, privacy mode disabled in BotFather",
    ]


@pytest.mark.asyncio
async def test_chat_member_updates_reach_an_admin_bot_that_asks_for_them(world: World) -> None:
    """chat_member updates are opt-in (allowed_updates) and only for an administrator bot."""
    group = world.study_group(supergroup=True)
    assert await world.bot.get_updates(allowed_updates=["chat_member", "my_chat_member", "message"]) == ()
    world.carol.send_text("before the bot is an admin", chat=group)
    group.add_bot(by=world.alice, as_admin=True)
    group.leave(world.carol)
    group.remove_member(world.bob, by=world.alice)
    updates = (await world.updates())[2:]
    assert kinds(updates) == ["chat_member", "message", "chat_member", "message"]
    left, kicked = updates[0].chat_member, updates[2].chat_member
    assert left is not None and left.difference()["status"] == ("member", "left")
    assert kicked is not None and isinstance(kicked.new_chat_member, ChatMemberBanned)
    assert kicked.from_user.id == world.alice.id
    assert updates[3].message is not None and updates[3].message.left_chat_member is not None
    assert updates[3].message.left_chat_member.id == world.bob.id
    with pytest.raises(LookupError, match="not a member"):
        world.bob.send_text("let me back in", chat=group)


# ------------------------------------------------------------ replies ----


@pytest.mark.asyncio
async def test_bot_replies_are_recorded_and_members_reply_to_bot_messages(world: World) -> None:
    """reply_parameters and reply_to_message_id link a bot message to the one it answers."""
    group = world.emu.create_group("Study", [world.alice, world.bob, world.carol])
    question = await world.bot.send_message(group.id, "Explain the bias-variance trade-off.")
    stored_question = await group.wait_for_bot_message(timeout=1)
    assert stored_question.message_id == question.message_id and stored_question.reply_to_message_id is None
    answer = world.bob.reply(stored_question, "More capacity: less bias, more variance.")
    update = (await world.updates())[-1]
    assert update.effective_chat is not None and update.effective_chat.id == group.id
    assert update.effective_user is not None and update.effective_user.id == world.bob.id
    message = update.message
    assert message is not None and message.reply_to_message is not None
    assert message.reply_to_message.from_user is not None and message.reply_to_message.from_user.is_bot
    assert message.reply_to_message.text == "Explain the bias-variance trade-off."

    graded = await message.reply_text("Bob: ■■■■□ 0.8 good")  # PTB quotes in groups by default
    await world.bot.send_message(
        group.id, "via the old parameter", api_kwargs={"reply_to_message_id": answer.message_id}
    )
    await world.bot.send_message(group.id, "cross-check", reply_parameters=ReplyParameters(question.message_id))
    replies = [await group.wait_for_bot_message(timeout=1) for _ in range(3)]
    assert [m.reply_to_message_id for m in replies] == [answer.message_id, answer.message_id, question.message_id]
    assert isinstance(graded, Message) and graded.reply_to_message is not None
    assert graded.reply_to_message.message_id == answer.message_id
    assert [m.text for m in group.bot_messages()][-1] == "cross-check"
    assert group.last_bot_message is not None and group.last_bot_message.from_user_id == world.emu.bot_id
    with pytest.raises(BadRequest, match=r"^Message to be replied not found$"):
        await world.bot.send_message(group.id, "x", reply_parameters=ReplyParameters(999))
    await group.assert_no_bot_message(within=0.05)


# ------------------------------------------------------------ removal ----


@pytest.mark.asyncio
async def test_removing_the_bot_and_the_bot_leaving(world: World) -> None:
    """kicked: 403 "bot was kicked from the group chat" (supergroup variant); a basic group
    also sends left_chat_member; leaveChat leaves with status "left"; re-adding works."""
    group, supergroup = world.study_group(), world.study_group(supergroup=True)
    for chat in (group, supergroup):
        chat.add_bot(by=world.alice)
    await world.updates()
    with pytest.raises(ValueError, match="not an administrator"):
        group.remove_bot(by=world.carol)

    group.remove_bot(by=world.bob)
    supergroup.remove_bot(by=world.alice)
    updates = await world.updates()
    assert kinds(updates) == ["my_chat_member", "message", "my_chat_member"]
    kicked = updates[0].my_chat_member
    assert kicked is not None and isinstance(kicked.new_chat_member, ChatMemberBanned)
    assert kicked.new_chat_member.until_date.timestamp() == 0, "until_date 0: removed for good"
    assert kicked.from_user.id == world.bob.id
    assert updates[1].message is not None and updates[1].message.left_chat_member is not None
    assert updates[1].message.left_chat_member.id == world.emu.bot_id
    assert updates[2].my_chat_member is not None and updates[2].my_chat_member.chat.type == Chat.SUPERGROUP

    with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the group chat$"):
        await world.bot.send_message(group.id, "still there?")
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the supergroup chat$"):
        await world.bot.send_message(supergroup.id, "still there?")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await world.bot.get_chat_member(group.id, world.alice.id)
    assert isinstance(await world.bot.get_chat_member(group.id, world.emu.bot_id), ChatMemberBanned)
    assert (await world.bot.get_chat(group.id)).title == "ML interview prep", "a basic group stays readable"
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await world.bot.get_chat(supergroup.id)
    world.alice.send_command("start", chat=group)
    assert world.alice.last_update is None, "a removed bot hears nothing"

    supergroup.add_bot(by=world.alice)
    assert await world.bot.leave_chat(supergroup.id) is True
    changes = [u.my_chat_member for u in await world.updates() if u.my_chat_member]
    assert [c.difference()["status"] for c in changes] == [("kicked", "member"), ("member", "left")]
    assert changes[1].from_user.id == world.emu.bot_id
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the supergroup chat$"):
        await world.bot.send_message(supergroup.id, "hello?")
    public = world.study_group(supergroup=True, username="mlprep")
    assert (await world.bot.get_chat("@mlprep")).id == public.id, "public supergroups are readable"
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the supergroup chat$"):
        await world.bot.send_message("@mlprep", "hello?")


# ---------------------------------------------------------- migration ----


@pytest.mark.asyncio
async def test_migration_to_a_supergroup(world: World) -> None:
    """migrate_to_chat_id in the old group, my_chat_member and migrate_from_chat_id in the new
    one; the old id then answers 400 with parameters.migrate_to_chat_id (ChatMigrated)."""
    group = world.study_group()
    group.add_bot(by=world.alice)
    old_id = group.id
    before = await world.bot.send_message(old_id, "Question of the day")
    await world.updates()

    new_id = group.migrate(by=world.alice)
    assert (group.id, group.migrated_from, group.type) == (new_id, old_id, "supergroup")
    assert world.emu.group(old_id).id == new_id, "every handle follows the upgrade"
    assert str(new_id).startswith("-100")
    updates = await world.updates()
    assert kinds(updates) == ["message", "my_chat_member", "message"]
    to_message, joined, from_message = updates[0].message, updates[1].my_chat_member, updates[2].message
    assert to_message is not None and (to_message.chat.id, to_message.migrate_to_chat_id) == (old_id, new_id)
    assert to_message.from_user is not None and to_message.from_user.id == world.alice.id
    assert joined is not None and (joined.chat.id, joined.difference()["status"]) == (new_id, ("left", "member"))
    assert from_message is not None and (from_message.chat.id, from_message.migrate_from_chat_id) == (new_id, old_id)
    assert from_message.message_id == 1 and from_message.sender_chat is not None
    assert from_message.from_user is not None and from_message.from_user.id == GROUP_ANONYMOUS_BOT_ID
    assert all(filters.StatusUpdate.MIGRATE.check_update(u) for u in (updates[0], updates[2]))

    with pytest.raises(ChatMigrated) as migrated:
        await world.bot.send_message(old_id, "hello?")
    assert migrated.value.new_chat_id == new_id
    assert world.emu.calls.records[-1].description == "Bad Request: group chat was upgraded to a supergroup chat"
    with pytest.raises(ChatMigrated):
        await world.bot.get_chat_administrators(old_id)
    assert (await world.bot.get_chat(old_id)).type == Chat.GROUP, "the old group can still be read"
    assert [m.text for m in world.emu.bot_messages(old_id)] == ["Question of the day"]

    assert group.status(world.alice) == "creator" and group.status(world.bob) == "administrator"
    assert isinstance(await world.bot.get_chat_member(new_id, world.bob.id), ChatMemberAdministrator)
    world.carol.send_command("leaderboard", chat=group)
    assert [u.effective_chat.id for u in await world.updates() if u.effective_chat] == [new_id]
    with pytest.raises(LookupError, match="upgraded"):
        world.carol.reply(before, "late answer")
    with pytest.raises(ValueError, match="not a basic group"):
        group.migrate()
    sent = await world.bot.send_message(new_id, "Welcome to the supergroup")
    assert sent.message_id == 3 and (await group.wait_for_bot_message(timeout=1)).text == "Welcome to the supergroup"


# -------------------------------------------------------------- rates ----


@pytest.mark.asyncio
async def test_per_group_send_rates_are_measured(world: World) -> None:
    """peak_sends gives, per group, the most bot messages within any 60 s (on rate_clock)."""
    fast, paced = world.emu.create_group("Fast", [world.alice]), world.emu.create_group("Paced", [world.bob])
    for pace, group in ((2.0, fast), (3.5, paced)):
        for index in range(25):
            await world.bot.send_message(group.id, f"message {index}")
            world.clock.now += pace
    for index in range(25):
        await world.bot.send_message(world.alice.id, f"private {index}")
    assert world.emu.peak_sends(60.0) == {fast.id: 25, paced.id: 18}
    assert world.emu.peak_sends(30.0)[fast.id] == 15
    assert fast.peak_sends() == 25 and fast.peak_sends(window=2.0) == 1
    assert world.emu.peak_sends(60.0, groups_only=False)[world.alice.id] == 25
    assert len(world.emu.send_times(fast.id)) == 25
    assert world.emu.peak_sends(60.0).get(world.emu.create_group("Quiet", [world.carol]).id) is None


@pytest.mark.asyncio
async def test_per_group_flood_limit_answers_429(world: World) -> None:
    """With per_group_per_minute=20 the 21st message to a group within a minute gets 429 with
    the seconds until the window frees; private chats and other groups are unaffected."""
    group, other = world.emu.create_group("Busy", [world.alice]), world.emu.create_group("Calm", [world.bob])
    world.emu.set_rate_limit(global_per_second=None, per_group_per_minute=20)
    for index in range(20):
        await world.bot.send_message(group.id, f"m{index}")
        world.clock.now += 1.0
    with pytest.raises(RetryAfter) as limited:
        await world.bot.send_message(group.id, "one too many")
    assert limited.value.retry_after == dtm.timedelta(seconds=40)
    await world.bot.send_message(other.id, "another group")
    await world.bot.send_message(world.alice.id, "a private chat")
    world.clock.now += 40.0
    await world.bot.send_message(group.id, "the first minute is over")
    assert group.peak_sends() == 20, "the refused call sent nothing"

    world.emu.set_rate_limit(global_per_second=None, per_chat_per_second=1, per_group_per_minute=20)
    world.clock.now += 60.0
    await world.bot.send_message(group.id, "one")
    with pytest.raises(RetryAfter):
        await world.bot.send_message(group.id, "two in a second")


# -------------------------------------------------------- end to end ----


@dataclass
class Seen:
    """What the minimal PTB application below observed."""

    memberships: list[tuple[int, str, str]] = field(default_factory=list)
    migrations: list[tuple[int, int]] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    chatter: list[str] = field(default_factory=list)


def quiz_app(emu: TelegramEmulator, seen: Seen) -> Application[Any, Any, Any, Any, Any, Any]:
    """Not our bot: a PTB application that asks /quiz in groups and grades replies to it."""

    async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        assert change is not None
        seen.memberships.append((change.chat.id, change.old_chat_member.status, change.new_chat_member.status))

    async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and context.chat_data is not None
        context.chat_data["asked"] = context.chat_data.get("asked", 0) + 1
        question = await update.effective_message.reply_text("What does dropout do?")
        context.chat_data["question"] = question.message_id

    async def grade(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.reply_to_message is not None and context.chat_data is not None
        if message.reply_to_message.message_id == context.chat_data.get("question"):
            seen.graded.append(message.text or "")
            assert update.effective_user is not None
            await message.reply_text(f"{update.effective_user.first_name}: 0.9")

    async def migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.migrate_to_chat_id:  # both messages arrive: act on one, or chat_data is emptied
            seen.migrations.append((message.chat.id, message.migrate_to_chat_id))
            context.application.migrate_chat_data(message=message)

    async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.chatter.append(update.effective_message.text or "")

    app = emu.ptb_builder().build()
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler("quiz", quiz, filters=filters.ChatType.GROUPS))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrate))
    app.add_handler(MessageHandler(filters.REPLY & filters.ChatType.GROUPS & ~filters.COMMAND, grade))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, other))
    return app


@pytest.mark.asyncio
async def test_a_ptb_application_in_a_group_end_to_end(world: World) -> None:
    """Joins, sees /quiz@bot, replies to a member's answer, follows the migration with its
    chat_data, and learns it was removed."""
    seen = Seen()
    app = quiz_app(world.emu, seen)
    group = world.study_group()
    async with run_polling(app):
        group.add_bot(by=world.alice)
        world.alice.send_command("quiz", mention_bot=True, chat=group)
        question = await group.wait_for_bot_message()
        assert question.text == "What does dropout do?" and question.reply_to_message_id is not None
        world.carol.send_text("brb, coffee", chat=group)  # never reaches the bot
        world.bob.reply(question, "It zeroes random activations during training.")
        grade = await group.wait_for_bot_message()
        assert grade.text == "Bob: 0.9"
        assert grade.reply_to_message_id == group.messages()[-2].message_id

        old_id, new_id = group.id, group.migrate(by=world.alice)
        await world.emu.wait_for(lambda: seen.migrations, what="the migration")
        with pytest.raises(ChatMigrated):
            await app.bot.send_message(old_id, "hello?")
        world.alice.send_command("quiz", chat=group)
        again = await group.wait_for_bot_message()
        assert again.chat_id == new_id and app.chat_data[new_id]["asked"] == 2
        assert old_id not in app.chat_data

        group.remove_bot(by=world.alice)
        await world.emu.wait_for(lambda: len(seen.memberships) == 3, what="the removal")
        with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
            await app.bot.send_message(new_id, "goodbye?")
        await world.emu.wait_until_updates_consumed()
    assert seen.memberships == [
        (old_id, "left", "member"),
        (new_id, "left", "member"),
        (new_id, "member", "kicked"),
    ]
    assert seen.migrations == [(old_id, new_id)]
    assert seen.graded == ["It zeroes random activations during training."]
    assert seen.chatter == []
    assert world.emu.unknown_methods == []
