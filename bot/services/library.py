"""The bank in service: reloaded without a restart, and decks sent to the bot checked before they join it.

The bank the bot serves is the bank folder (``BANK_PATH``, default ``bank/``) plus the
published decks, YAML topic files in ``DECKS_DIR``. ``Library.reload`` loads and validates
both off the event loop; only a bank with no problem at all replaces the one in service,
otherwise the problems are returned (``file:line: [id] message``) and nothing changes.

A deck (CSV, Markdown or a bank YAML file) is checked with ``check_deck`` first: the
importer's parsers for CSV and Markdown, the bank validator for YAML, and then the whole
bank *with* the deck, so an id or topic clash is caught too. A deck with any problem is
rejected with its line numbers; a clean one can then be published (written to
``DECKS_DIR``) and the bank reloaded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from bot.domain.bank import Bank, check_bank, load_bank
from bot.domain.decks import DeckReady, DeckRejected, Reloaded, ReloadFailed, check_deck, issue_lines
from bot.services.practice import Practice

logger = logging.getLogger(__name__)


class Library:
    """Reloads the bank in service (files plus published decks) and publishes checked decks."""

    def __init__(self, practice: Practice, bank_paths: Sequence[Path], decks_dir: Path) -> None:
        self.practice = practice
        self.bank_paths = tuple(bank_paths)
        self.decks_dir = decks_dir
        self._lock = asyncio.Lock()

    def paths(self) -> list[Path]:
        """Everything the bank in service is loaded from."""
        return [*self.bank_paths, *self.deck_files()]

    def deck_files(self) -> list[Path]:
        """The published decks."""
        return sorted(self.decks_dir.glob("*.yaml")) if self.decks_dir.is_dir() else []

    async def check(
        self, filename: str, data: bytes, *, pool: Bank | None = None, other_decks: Sequence[tuple[str, str]] = ()
    ) -> DeckReady | DeckRejected:
        """Check a deck against the bank in service (or a user's pool and decks), off the event loop."""
        bank = pool if pool is not None else self.practice.bank
        return await asyncio.to_thread(check_deck, filename, data, bank, self.paths(), other_decks)

    async def reload(self) -> Reloaded | ReloadFailed:
        """Load and validate the bank again; replace the one in service only if it has no problem."""
        async with self._lock:
            bank, issues = await asyncio.to_thread(check_bank, self.paths())
            if issues or bank is None:
                logger.warning("Bank reload rejected: %d problem(s); the previous bank stays", len(issues))
                return ReloadFailed(issue_lines(issues))
            self.practice.replace_bank(bank)
            logger.info("Bank reloaded: %d questions in %d topics", len(bank.questions), len(bank.topics))
            return Reloaded(len(bank.questions), len(bank.topics), len(self.deck_files()))

    async def publish(self, deck: DeckReady) -> Reloaded | ReloadFailed:
        """Add a checked deck to the published decks and reload; undone if the reload fails."""
        self.decks_dir.mkdir(parents=True, exist_ok=True)
        path = self.decks_dir / f"{deck.topic}.yaml"
        if path.exists():
            return ReloadFailed((f"{path.name}: a published deck with topic {deck.topic!r} exists already",))
        path.write_text(deck.yaml_text, encoding="utf-8")
        result = await self.reload()
        if isinstance(result, ReloadFailed):
            path.unlink(missing_ok=True)
        return result


def load_serving_bank(bank_paths: Sequence[Path], decks_dir: Path) -> Bank:
    """The bank to start with: files plus published decks (raises ``BankError`` on any problem)."""
    decks = sorted(decks_dir.glob("*.yaml")) if decks_dir.is_dir() else []
    return load_bank([*bank_paths, *decks])
