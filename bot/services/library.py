"""The bank in service: the bank files plus the published decks from the database, the same in every process.

The bank files (``BANK_PATH``, default ``bank/``) are loaded and validated once at start, and
again by ``/reload`` only if a file changed. Published decks live in the database
(``published_decks``); every publish and ``/reload`` bumps the ``bank_state`` version, and
every bot process compares that version with its own once a minute (``follow``, run by the
job that already runs every minute) and reloads when it moved. A new bank only replaces the
one in service when it has no problem at all; otherwise the problems are logged (and returned
to the admin who asked) and the previous bank stays, in every process.

All the work that costs (reading and validating files, checking decks, building the grader)
runs off the event loop, so checks and reloads never hold up other users' replies; only the
decks are validated on a publish, never the unchanged bank files again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.bank import Bank, bank_files, check_bank, everyday_file
from bot.domain.decks import (
    DeckReady,
    DeckRejected,
    Reloaded,
    ReloadFailed,
    check_deck,
    check_decks,
    issue_lines,
    join_decks,
)
from bot.domain.grading import Grader
from bot.services.practice import Practice
from bot.storage import published

logger = logging.getLogger(__name__)

FileStamp = tuple[tuple[str, int, int], ...]
"""Each bank file's path, modification time and size: a reload re-validates the files only when it changes."""


@dataclass(frozen=True, slots=True)
class _Files:
    """The bank files as last validated."""

    bank: Bank
    stamp: FileStamp
    glossary: Path | None


def _stamp(paths: Sequence[Path]) -> FileStamp:
    topic_files, glossary, contrasts = bank_files(paths)
    files = [*topic_files, *(path for path in (glossary, contrasts, everyday_file(glossary)) if path)]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())


class Library:
    """Keeps the bank in service (``practice.bank``) equal to the bank files plus the published decks."""

    def __init__(self, practice: Practice, bank_paths: Sequence[Path]) -> None:
        """``practice.bank`` must be the bank files as loaded (and validated) from ``bank_paths``."""
        self.practice = practice
        self.bank_paths = tuple(bank_paths)
        self._files = _Files(practice.bank, _stamp(self.bank_paths), bank_files(self.bank_paths)[1])
        self._version: int | None = None
        """The bank_state version this process serves; None until ``load``."""
        self._refused: int | None = None
        """A version whose bank had problems: not tried again until the version moves on."""
        self._lock = asyncio.Lock()

    @property
    def version(self) -> int | None:
        """The version of the bank in service in this process (None before ``load``)."""
        return self._version

    async def load(self) -> Reloaded | ReloadFailed:
        """At start: the published decks joined to the bank files (which stay alone if the decks have a problem)."""
        async with self._lock:
            return await self._refresh(self._files)

    async def follow(self) -> Reloaded | ReloadFailed | None:
        """Once a minute: reload if a publish or /reload anywhere moved the version (None: nothing to do)."""
        async with self.practice.transaction() as session:
            version = await published.bank_version(session=session)
        if version in {self._version, self._refused}:
            return None
        async with self._lock:
            files = await self._files_now()
            if isinstance(files, ReloadFailed):
                self._refused = version
                return files
            return await self._refresh(files)

    async def reload(self) -> Reloaded | ReloadFailed:
        """/reload: the bank files (validated again if one changed) and the published decks; every process follows."""
        async with self._lock:
            files = await self._files_now()
            if isinstance(files, ReloadFailed):
                return files
            result = await self._refresh(files)
            if isinstance(result, Reloaded):
                async with self.practice.transaction() as session:
                    bumped = await published.bump_bank_version(session=session, now=self.practice.now())
                self._served(bumped)
            return result

    async def check(self, filename: str, data: bytes, *, pool: Bank | None = None) -> DeckReady | DeckRejected:
        """Check a deck against the bank in service (or a user's pool), off the event loop."""
        bank = pool if pool is not None else self.practice.bank
        return await asyncio.to_thread(check_deck, filename, data, bank, self._files.glossary)

    async def publish(self, deck: DeckReady, *, source_deck_id: int | None = None) -> Reloaded | ReloadFailed:
        """Publish a checked deck for everyone, stored only if the bank with it has no problem; all processes follow."""
        async with self._lock:
            async with self.practice.transaction() as session:
                rows = await published.published_decks(session=session)
            taken = ReloadFailed((f"{deck.filename}: a published deck with topic {deck.topic!r} exists already",))
            if any(row.topic == deck.topic for row in rows):
                return taken
            decks = [(row.filename, row.yaml_text) for row in rows] + [(deck.filename, deck.yaml_text)]
            built = await self._build(self._files, decks)
            if isinstance(built, ReloadFailed):
                return built
            bank, grader = built
            now = self.practice.now()
            async with self.practice.transaction() as session:
                if not await published.add_published_deck(
                    session=session,
                    topic=deck.topic,
                    title=deck.title,
                    filename=deck.filename,
                    questions=deck.questions,
                    yaml_text=deck.yaml_text,
                    source_deck_id=source_deck_id,
                    now=now,
                ):
                    return ReloadFailed(
                        (f"{deck.filename}: a published deck with topic {deck.topic!r} exists already",)
                    )
                bumped = await published.bump_bank_version(session=session, now=now)
            self.practice.replace_bank(bank, grader)
            self._served(bumped)
            logger.info("Published deck %r (%d questions); bank version %d", deck.topic, deck.questions, bumped)
            return Reloaded(len(bank.questions), len(bank.topics), len(decks))

    # ---- internals --------------------------------------------------------------------------------

    async def _files_now(self) -> _Files | ReloadFailed:
        """The bank files: as validated before if none changed, else read and validated again."""
        stamp = await asyncio.to_thread(_stamp, self.bank_paths)
        if stamp == self._files.stamp:
            return self._files
        bank, issues = await asyncio.to_thread(check_bank, self.bank_paths)
        if issues or bank is None:
            logger.warning("Bank files rejected: %d problem(s); the previous bank stays", len(issues))
            return ReloadFailed(issue_lines(issues))
        self._files = _Files(bank, stamp, bank_files(self.bank_paths)[1])
        return self._files

    async def _refresh(self, files: _Files) -> Reloaded | ReloadFailed:
        """Serve ``files`` plus the published decks as the database has them now (unless that has a problem)."""
        async with self.practice.transaction() as session:
            version = await published.bank_version(session=session)  # before the decks: never newer than they are
            rows = await published.published_decks(session=session)
        decks = [(row.filename, row.yaml_text) for row in rows]
        built = await self._build(files, decks)
        if isinstance(built, ReloadFailed):
            self._refused = version
            logger.warning("Bank version %d refused: %s; the previous bank stays", version, "; ".join(built.problems))
            return built
        bank, grader = built
        self.practice.replace_bank(bank, grader)
        self._version = version
        logger.info(
            "Bank version %d in service: %d questions, %d published decks", version, len(bank.questions), len(decks)
        )
        return Reloaded(len(bank.questions), len(bank.topics), len(decks))

    async def _build(self, files: _Files, decks: list[tuple[str, str]]) -> tuple[Bank, Grader] | ReloadFailed:
        """The bank files joined by the decks, with its grader (off the event loop), or the decks' problems."""
        checked, problems = await asyncio.to_thread(check_decks, files.bank, files.glossary, decks)
        if problems or checked is None:
            return ReloadFailed(problems)
        bank = join_decks(files.bank, checked)
        return bank, await asyncio.to_thread(bank.make_grader)

    def _served(self, bumped: int) -> None:
        """This process just bumped the version to ``bumped``: it serves it, unless another change came in between."""
        if self._version is not None and bumped == self._version + 1:
            self._version = bumped
