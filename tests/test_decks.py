"""Decks sent to the bot and bank reloads: a broken deck or bank never replaces the bank in service.

Core tests on ``Library`` (temporary bank and deck folders), then the admin flow end to end
through the Bot API emulator: a document in, line numbers or a publish button out.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.domain.bank import DEFAULT_BANK_DIR, GLOSSARY_FILE
from bot.domain.decks import DeckReady, DeckRejected, Reloaded, ReloadFailed, check_deck
from bot.domain.practice import Asked
from bot.services.library import Library
from bot.services.practice import Practice
from tests.emulator import TelegramEmulator
from tests.practice_fixtures import real_bank, real_grader, user_info
from tests.telegram_fixtures import RunningBot, bot_settings, running_bot

pytest_plugins = ["tests.practice_fixtures", "tests.telegram_fixtures"]

ADMIN_ID = 4242

GOOD_DECK = """# Feature stores

## What problem does a feature store solve?

It keeps one definition of each feature for training and for serving, so offline and online
values match and training-serving skew disappears. It stores point-in-time correct history for
building training sets without leakage. It serves fresh values with low latency to online
models. Teams reuse and discover features instead of rebuilding them.

## Why does point-in-time correctness matter when building a training set?

Each training row must only see feature values that existed at the moment of its label, or the
model learns from the future. Joining on the latest value leaks information and inflates
offline metrics. A point-in-time join looks up the value as of the event timestamp. Without it
the model disappoints in production.
"""

BROKEN_DECK = """# Broken

## What is a feature store?

**What is skew?**

A short one.
"""


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A copy of the shipped bank, so a test can break it."""
    target = tmp_path / "bank"
    shutil.copytree(DEFAULT_BANK_DIR, target)
    return target


@pytest.fixture
def library(practice: Practice, bank_dir: Path, tmp_path: Path) -> Library:
    return Library(practice, [bank_dir])


def test_a_good_markdown_deck_is_ready_to_publish(bank_dir: Path) -> None:
    result = check_deck("feature-stores.md", GOOD_DECK.encode(), real_bank(), bank_dir / GLOSSARY_FILE)
    assert isinstance(result, DeckReady), result
    assert (result.questions, result.title) == (2, "Feature stores")


def test_a_broken_deck_is_rejected_with_line_numbers(bank_dir: Path) -> None:
    result = check_deck("broken.md", BROKEN_DECK.encode(), real_bank(), bank_dir / GLOSSARY_FILE)
    assert isinstance(result, DeckRejected)
    assert any(p.startswith("broken.md:3:") for p in result.problems), result.problems
    assert all(p.startswith("broken.md:") for p in result.problems)


def test_a_yaml_deck_that_clashes_with_the_bank_is_rejected_with_its_line(bank_dir: Path) -> None:
    clash = (DEFAULT_BANK_DIR / "metrics.yaml").read_text(encoding="utf-8").replace("topic: metrics", "topic: copied")
    result = check_deck("copy.yaml", clash.encode(), real_bank(), bank_dir / GLOSSARY_FILE)
    assert isinstance(result, DeckRejected)
    assert any(p.startswith("copy.yaml:4:") and "duplicate id" in p for p in result.problems), result.problems[:3]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("deck.pdf", b"%PDF", "not a deck"),
        ("deck.md", "## Q?\n".encode("utf-16"), "not UTF-8"),
        ("deck.csv", b"", "deck.csv"),
    ],
)
def test_unusable_files_are_rejected(bank_dir: Path, name: str, data: bytes, expected: str) -> None:
    result = check_deck(name, data, real_bank(), bank_dir / GLOSSARY_FILE)
    assert isinstance(result, DeckRejected)
    assert expected in " ".join(result.problems)


async def test_publish_reloads_and_the_new_questions_are_asked(library: Library, practice: Practice) -> None:
    ready = await library.check("feature-stores.md", GOOD_DECK.encode())
    assert isinstance(ready, DeckReady)
    before = len(practice.bank.questions)
    result = await library.publish(ready)
    assert isinstance(result, Reloaded)
    assert (result.questions, result.decks) == (before + 2, 1)
    await practice.touch_user(user_info(1))
    asked = await practice.ask(1, ready.topic)
    assert isinstance(asked, Asked)
    assert asked.question.topic == ready.topic


async def test_a_broken_bank_on_reload_leaves_the_bank_in_service(
    library: Library, practice: Practice, bank_dir: Path
) -> None:
    served = practice.bank
    metrics = bank_dir / "metrics.yaml"
    metrics.write_text(metrics.read_text(encoding="utf-8").replace("difficulty: 1", "difficulty: 9", 1))
    result = await library.reload()
    assert isinstance(result, ReloadFailed)
    assert any("metrics.yaml:" in p and "difficulty" in p for p in result.problems), result.problems
    assert practice.bank is served
    assert practice.grader is not None


# ---- through the bot -------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def bot(emulator: TelegramEmulator, database_url: str, tmp_path: Path) -> AsyncIterator[RunningBot]:
    settings = bot_settings(emulator, database_url, admin_ids=(ADMIN_ID,), decks_dir=tmp_path / "decks")
    async with running_bot(emulator, database_url, settings=settings) as running:
        yield running


async def test_a_broken_deck_sent_to_the_bot_is_rejected_with_line_numbers(
    emulator: TelegramEmulator, bot: RunningBot
) -> None:
    served = bot.practice.bank
    admin = emulator.create_user("Admin", user_id=ADMIN_ID)
    admin.send_document(BROKEN_DECK.encode(), "broken.md")
    reply = await admin.wait_for_bot_message()
    assert "rejected; nothing was saved and the bank in service is unchanged" in (reply.text or "")
    assert "broken.md:3:" in (reply.text or "")
    assert bot.practice.bank is served
    admin.send_command("mydecks")
    assert "You have no decks yet" in ((await admin.wait_for_bot_message()).text or "")


async def test_a_users_deck_is_theirs_alone_until_an_admin_publishes_it(
    emulator: TelegramEmulator, bot: RunningBot
) -> None:
    before = len(bot.practice.bank.questions)
    owner = emulator.create_user("Olga")
    owner.send_document(GOOD_DECK.encode(), "feature-stores.md")
    saved = await owner.wait_for_bot_message()
    assert "as your private deck" in (saved.text or "") and "2 questions" in (saved.text or "")
    topic = re.search(r"/question (\S+)", saved.text or "")
    assert topic is not None
    deck_id = saved.buttons[0]["callback_data"].split(":")[2]

    owner.press_button(saved, data=f"ud:q:{deck_id}")
    asked = await owner.wait_for_bot_message()
    assert "🎯 Feature stores ·" in (asked.text or ""), asked.text
    owner.send_text("It keeps one definition of each feature for training and serving, so the values match.")
    feedback = await owner.wait_for_bot_message()
    assert "Covered" in (feedback.text or ""), feedback.text

    # Somebody else: the topic does not exist for them, and forged buttons find nothing.
    mallory = emulator.create_user("Mallory")
    mallory.send_command("question", topic.group(1))
    assert "I have no topic" in ((await mallory.wait_for_bot_message()).text or "")
    mallory.send_command("help")
    help_message = await mallory.wait_for_bot_message()
    for action in ("q", "dy", "s"):
        press = mallory.forge_callback(help_message, f"ud:{action}:{deck_id}")
        assert "not yours" in ((await press.wait_answer()).text or "")
    forged_publish = mallory.forge_callback(help_message, f"ud:p:{deck_id}")
    assert "not recognised" in ((await forged_publish.wait_answer()).text or "")
    assert len(bot.practice.bank.questions) == before

    # The owner suggests it; the admin gets a Publish button and publishes it for everyone.
    admin = emulator.create_user("Admin", user_id=ADMIN_ID)
    admin.send_command("start")
    await admin.wait_for_bot_message()
    owner.press_button(saved, data=f"ud:s:{deck_id}")
    assert "Sent to the admins" in ((await owner.wait_for_bot_message()).text or "")
    review = await admin.wait_for_bot_message()
    assert "asks to publish their deck" in (review.text or "")
    admin.press_button(review, data=f"ud:p:{deck_id}")
    published = await admin.wait_for_bot_message()
    assert f"Bank reloaded: {before + 2} questions" in (published.text or "")
    assert "now published" in ((await owner.wait_for_bot_message()).text or "")
    mallory.send_command("question", topic.group(1))
    assert "🎯 Feature stores" in ((await mallory.wait_for_bot_message()).text or "")
    owner.send_command("mydecks")
    assert "published for everyone" in ((await owner.wait_for_bot_message()).text or "")


SAME_TOPIC_DECK = """# Feature stores

## How does a feature registry help a team that trains many models?

A registry lists every feature with its owner, its definition and its freshness, so teams find and
reuse features instead of computing them again. It records lineage from raw tables to features and
to the models that use them, which makes audits and debugging easier. Deprecating a feature shows
which models depend on it before anything breaks.
"""

OVERLAPPING_DECK = """# ML platform

## What problem does a feature store solve?

It keeps one definition of each feature for training and for serving, so offline and online
values match and training-serving skew disappears. It stores point-in-time correct history for
building training sets without leakage. It serves fresh values with low latency to online
models. Teams reuse and discover features instead of rebuilding them.

## What is a model registry for?

A model registry stores every trained model version with its metrics, its training data and code
version, and its stage such as staging or production. Deployments pull a named version from it, so
a rollback is a change of stage, and audits can trace which model made a prediction.
"""


async def test_a_deck_published_later_tells_the_owners_of_private_decks_it_shadows(
    emulator: TelegramEmulator, bot: RunningBot
) -> None:
    """Olga's deck is published with the topic of Pete's private deck and one question id of Quinn's: each is told
    what no longer comes from their deck (Pete's whole deck, one of Quinn's two questions), and /mydecks keeps
    saying so; nobody else is told."""
    olga, pete, quinn = (emulator.create_user(name) for name in ("Olga", "Pete", "Quinn"))
    olga.send_document(GOOD_DECK.encode(), "feature-stores.md")
    saved = await olga.wait_for_bot_message()
    deck_id = saved.buttons[0]["callback_data"].split(":")[2]
    pete.send_document(SAME_TOPIC_DECK.encode(), "feature-stores.md")
    assert "as your private deck" in ((await pete.wait_for_bot_message()).text or "")
    pete.send_command("question", "feature-stores")
    assert "feature registry" in ((await pete.wait_for_bot_message()).text or ""), "his own deck, for now"
    quinn.send_document(OVERLAPPING_DECK.encode(), "ml-platform.md")
    assert "2 questions" in ((await quinn.wait_for_bot_message()).text or "")

    admin = emulator.create_user("Admin", user_id=ADMIN_ID)
    admin.send_command("start")
    await admin.wait_for_bot_message()
    olga.press_button(saved, data=f"ud:s:{deck_id}")
    assert "Sent to the admins" in ((await olga.wait_for_bot_message()).text or "")
    admin.press_button(await admin.wait_for_bot_message(), data=f"ud:p:{deck_id}")
    assert "Bank reloaded" in ((await admin.wait_for_bot_message()).text or "")
    assert "now published" in ((await olga.wait_for_bot_message()).text or "")

    told = (await pete.wait_for_bot_message()).text or ""
    assert "A deck published for everyone, “Feature stores”, has the topic feature-stores of your deck" in told, told
    assert "so you no longer get your deck's 1 question" in told
    assert "/question feature-stores now asks the published deck's" in told
    assert "delete it in /mydecks and send it again under another name" in told
    pete.send_command("question", "feature-stores")
    asked = (await pete.wait_for_bot_message()).text or ""
    assert "🎯 Feature stores ·" in asked and "feature registry" not in asked, asked

    pete.send_command("mydecks")
    listing = (await pete.wait_for_bot_message()).text or ""
    assert "1 question: private; ⚠️ not asked: a deck for everyone has its topic now" in listing, listing

    told = (await quinn.wait_for_bot_message()).text or ""
    assert "has 1 of the 2 questions of your deck “ML platform”" in told, told
    assert "the other questions of your deck are unchanged" in told
    quinn.send_command("mydecks")
    listing = (await quinn.wait_for_bot_message()).text or ""
    assert "2 questions: private; ⚠️ a deck for everyone now has 1 of its questions" in listing, listing
    await asyncio.sleep(0.5)
    assert [m.text for m in emulator.bot_messages(olga.chat_id)][-1] == (
        "🎉 Your deck “Feature stores” is now published: everyone can practise feature-stores."
    ), "the published deck's owner is not told it shadows itself"


async def test_the_owner_runs_an_interview_round_on_their_deck(emulator: TelegramEmulator, bot: RunningBot) -> None:
    """/interview offers the owner's private topic and runs a round on it; for others it does not exist."""
    owner = emulator.create_user("Olga")
    owner.send_document(GOOD_DECK.encode(), "feature-stores.md")
    saved = await owner.wait_for_bot_message()
    topic = re.search(r"/question (\S+)", saved.text or "")
    assert topic is not None
    owner.send_command("interview")
    options = await owner.wait_for_bot_message()
    assert "Feature stores" in [button["text"] for button in options.buttons], options.buttons
    owner.send_command("interview", f"3 {topic.group(1)}")
    started = await owner.wait_for_bot_message()
    first = await owner.wait_for_bot_message()
    assert "Mock interview: 3 questions · Feature stores" in (started.text or ""), started.text
    assert "the round has 2" in (started.text or "")
    assert "Question 1/2 · Feature stores" in (first.text or ""), first.text
    assert any(question in (first.text or "") for question in ("feature store solve", "point-in-time correctness"))

    mallory = emulator.create_user("Mallory")
    mallory.send_command("interview", f"3 {topic.group(1)}")
    refused = (await mallory.wait_for_bot_message()).text or ""
    assert f"I could not use “{topic.group(1)}”" in refused, refused
    assert topic.group(1) not in refused.split("Topics:")[1]


async def test_the_owner_deletes_a_deck_after_confirming(emulator: TelegramEmulator, bot: RunningBot) -> None:
    owner = emulator.create_user("Olga")
    owner.send_document(GOOD_DECK.encode(), "feature-stores.md")
    saved = await owner.wait_for_bot_message()
    deck_id = saved.buttons[0]["callback_data"].split(":")[2]
    owner.send_command("mydecks")
    listing = await owner.wait_for_bot_message()
    assert "1. “Feature stores”" in (listing.text or ""), listing.text
    owner.press_button(listing, data=f"ud:d:{deck_id}")
    confirm = await owner.wait_for_bot_message()
    assert "Delete your deck" in (confirm.text or "")
    stale = owner.forge_callback(confirm, f"ud:dy:{deck_id}")  # a Yes without when it was asked: too old
    assert "has expired, so the deck stays" in ((await stale.wait_answer()).text or "")
    owner.press_button(confirm, text="Yes, delete it")
    assert "deleted" in ((await owner.wait_for_bot_edit()).text or "")
    owner.send_command("mydecks")
    assert "You have no decks yet" in ((await owner.wait_for_bot_message()).text or "")


async def test_others_cannot_reload_or_list_waiting_decks(emulator: TelegramEmulator, bot: RunningBot) -> None:
    user = emulator.create_user("Mallory")
    for command in ("reload", "decks"):
        user.send_command(command)
        assert f"I don't know the command /{command}" in ((await user.wait_for_bot_message()).text or "")
    user.send_document(b"just some bytes", "notes.txt")
    reply = (await user.wait_for_bot_message()).text or ""
    assert "not files" in reply and "/mydecks" in reply


def test_the_grader_follows_the_bank(practice: Practice) -> None:
    """replace_bank swaps bank and grader together."""
    bank = real_bank()
    practice.replace_bank(bank)
    assert practice.bank is bank
    assert practice.grader is not real_grader()
