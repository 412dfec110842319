"""The bank in service (``bot.services.library``): published decks in the database, followed by every process.

Two ``Library`` objects over one database stand for two bot processes (the end-to-end test
with two real processes is ``test_two_processes.py``). On SQLite, or PostgreSQL from
``TEST_DATABASE_URL``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.bank import DEFAULT_BANK_DIR, EVERYDAY_FILE, GLOSSARY_FILE
from bot.domain.decks import DeckReady, Reloaded, ReloadFailed, check_deck
from bot.domain.practice import Asked, UnknownTopic
from bot.services.library import Library, _stamp
from bot.services.practice import Practice
from bot.storage import published
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine
from bot.storage.unit_of_work import transaction
from tests.practice_fixtures import FrozenClock, real_bank, real_bank_paths, real_grader, user_info
from tests.test_decks import GOOD_DECK

pytest_plugins = ["tests.practice_fixtures"]

ALICE = user_info(1001)


def process(sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock) -> tuple[Practice, Library]:
    """One bot process's bank in service: the shipped bank files, this database."""
    practice = Practice(real_bank(), real_grader(), sessionmaker, clock)
    return practice, Library(practice, real_bank_paths())


async def store_clashing_deck(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A broken change, as if written by hand: a published deck ``copy`` whose every question id is the bank's."""
    clash = (DEFAULT_BANK_DIR / "metrics.yaml").read_text(encoding="utf-8").replace("topic: metrics", "topic: copy")
    now = datetime.now(UTC)
    async with transaction(sessionmaker) as session:
        stored = await published.add_published_deck(
            session=session,
            topic="copy",
            title="Copy",
            filename="copy.yaml",
            questions=1,
            yaml_text=clash,
            source_deck_id=None,
            now=now,
        )
        assert stored
        await published.bump_bank_version(session=session, now=now)


async def ready_deck(library: Library) -> DeckReady:
    ready = await library.check("feature-stores.md", GOOD_DECK.encode())
    assert isinstance(ready, DeckReady), ready
    return ready


async def test_a_publish_through_one_process_is_served_by_the_other_after_it_follows(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """A publishes; B serves the deck as soon as it follows the version (the minute job), without a restart."""
    first, first_library = process(sessionmaker, clock)
    second, second_library = process(sessionmaker, clock)
    assert isinstance(await first_library.load(), Reloaded)
    assert isinstance(await second_library.load(), Reloaded)
    assert await second_library.follow() is None, "nothing changed"
    ready = await ready_deck(first_library)
    published_result = await first_library.publish(ready)
    assert isinstance(published_result, Reloaded) and published_result.decks == 1
    assert ready.topic in first.bank.topics
    assert await first_library.follow() is None, "the publishing process serves the new version already"
    await second.touch_user(ALICE)
    assert isinstance(await second.ask(ALICE, ready.topic), UnknownTopic), "not before it follows"
    followed = await second_library.follow()
    assert isinstance(followed, Reloaded) and followed.decks == 1
    assert isinstance(await second.ask(ALICE, ready.topic), Asked)
    assert second_library.version == first_library.version


async def test_a_broken_change_is_refused_and_the_previous_bank_stays(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """A published deck that clashes with the bank (written by hand, say): refused, logged once, the bank stays."""
    practice, library = process(sessionmaker, clock)
    await library.load()
    served = practice.bank
    await store_clashing_deck(sessionmaker)
    refused = await library.follow()
    assert isinstance(refused, ReloadFailed)
    assert any(p.startswith("copy.yaml:") and "duplicate id" in p for p in refused.problems), refused.problems[:2]
    assert practice.bank is served
    assert await library.follow() is None, "a refused version is not tried again every minute"
    again = await library.reload()
    assert isinstance(again, ReloadFailed), "an admin's /reload says why"
    assert practice.bank is served


async def test_a_publish_validates_the_deck_not_the_unchanged_bank_files(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    """Publishing (and /reload with unchanged files) checks only the decks: the bank files are not read again."""
    _, library = process(sessionmaker, clock)
    await library.load()
    ready = await ready_deck(library)
    with mock.patch("bot.services.library.check_bank", side_effect=AssertionError("bank files validated again")):
        assert isinstance(await library.publish(ready), Reloaded)
        assert isinstance(await library.reload(), Reloaded)


async def test_the_migration_imports_the_published_deck_files_once(
    database_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    """Decks published as files in DECKS_DIR before this version move into the database on migration."""
    decks_dir = tmp_path / "decks"
    decks_dir.mkdir()
    ready = check_deck("feature-stores.md", GOOD_DECK.encode(), real_bank(), DEFAULT_BANK_DIR / GLOSSARY_FILE)
    assert isinstance(ready, DeckReady), ready
    (decks_dir / f"{ready.topic}.yaml").write_text(ready.yaml_text, encoding="utf-8")
    engine: AsyncEngine = create_engine_from_url(database_url)
    try:
        await migrate_engine(engine, decks_dir=decks_dir)
        await migrate_engine(engine, decks_dir=decks_dir)  # already at head: nothing imported twice
        sessionmaker = make_sessionmaker(engine)
        async with transaction(sessionmaker) as session:
            rows = await published.published_decks(session=session)
        assert [(row.topic, row.filename, row.source_deck_id) for row in rows] == [
            (ready.topic, f"{ready.topic}.yaml", None)
        ]
        practice, library = process(sessionmaker, clock)
        loaded = await library.load()
        assert isinstance(loaded, Reloaded) and loaded.decks == 1
        assert ready.topic in practice.bank.topics
    finally:
        await engine.dispose()


@pytest.mark.parametrize("missing", [None, "not-there"])
async def test_without_a_decks_dir_nothing_is_imported(database_url: str, tmp_path: Path, missing: str | None) -> None:
    engine = create_engine_from_url(database_url)
    try:
        await migrate_engine(engine, decks_dir=tmp_path / missing if missing else None)
        async with transaction(make_sessionmaker(engine)) as session:
            assert await published.published_decks(session=session) == []
            assert await published.bank_version(session=session) == 1
    finally:
        await engine.dispose()


def test_a_change_to_the_everyday_words_alone_is_a_change_of_the_bank_files(tmp_path: Path) -> None:
    """/reload and the minute job re-read the bank when only ``everyday.yaml`` changed (it shapes grading)."""
    folder = tmp_path / "bank"
    shutil.copytree(DEFAULT_BANK_DIR, folder)
    before = _stamp([folder])
    with (folder / EVERYDAY_FILE).open("a", encoding="utf-8") as everyday:
        everyday.write("blunder: [error]\n")
    assert _stamp([folder]) != before
