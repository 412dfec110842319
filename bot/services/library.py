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
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.bank import Bank, BankIssue, check_bank, display_path, load_bank
from bot.domain.importer import DeckError, build_questions, deck_format, deck_to_yaml, parse_deck
from bot.services.practice import Practice

logger = logging.getLogger(__name__)

MAX_DECK_BYTES = 2_000_000
MAX_TOPIC_CHARS = 40
YAML_SUFFIXES = (".yaml", ".yml")
ACCEPTED = (".csv", ".md", ".markdown", *YAML_SUFFIXES)


@dataclass(frozen=True, slots=True)
class DeckRejected:
    """A deck that cannot join the bank, and why (each problem with its line)."""

    filename: str
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeckReady:
    """A deck that passed every check: its bank file, ready to publish."""

    filename: str
    topic: str
    title: str
    questions: int
    yaml_text: str


@dataclass(frozen=True, slots=True)
class Reloaded:
    """The bank in service was replaced."""

    questions: int
    topics: int
    decks: int


@dataclass(frozen=True, slots=True)
class ReloadFailed:
    """The new bank had problems; the previous one is still in service."""

    problems: tuple[str, ...]


def _issue_lines(issues: Sequence[BankIssue | object], rename: dict[str, str] | None = None) -> tuple[str, ...]:
    lines = []
    for issue in issues:
        line = str(issue)
        for old, new in (rename or {}).items():
            line = line.replace(old, new)
        lines.append(line)
    return tuple(lines)


def check_deck(
    filename: str,
    data: bytes,
    bank: Bank,
    bank_paths: Sequence[Path],
    other_decks: Sequence[tuple[str, str]] = (),
) -> DeckReady | DeckRejected:
    """Check a deck sent as ``filename`` against the bank in service (blocking: run it off the loop).

    ``other_decks`` (name, YAML text) are the sender's private decks: the new one must not
    clash with them either, and ``bank`` is then the sender's pool (bank plus those decks).
    """
    name = Path(filename).name or "deck"
    if not name.casefold().endswith(ACCEPTED):
        return DeckRejected(name, (f"{name}: not a deck: send a .csv, .md or .yaml file",))
    if len(data) > MAX_DECK_BYTES:
        return DeckRejected(name, (f"{name}: {len(data):,} bytes is too big (at most {MAX_DECK_BYTES:,})",))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return DeckRejected(name, (f"{name}: not UTF-8 text (byte {exc.start}); save the deck as UTF-8",))
    if name.casefold().endswith(YAML_SUFFIXES):
        yaml_text, topic, title, count = text, "", "", 0
    else:
        try:
            deck_format(name)
            result = build_questions(parse_deck(text, name), bank=bank)
        except DeckError as exc:
            return DeckRejected(name, (str(exc),))
        if result.issues or not result.questions:
            problems = _issue_lines(result.issues) or (f"{name}: no question with an answer found",)
            return DeckRejected(name, problems)
        yaml_text, topic, title, count = deck_to_yaml(result), result.topic, result.title, len(result.questions)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "sent" / (Path(name).stem + ".yaml")
        path.parent.mkdir()
        path.write_text(yaml_text, encoding="utf-8")
        others = []
        for index, (other_name, other_text) in enumerate(other_decks):
            other = Path(directory) / f"deck-{index}.yaml"
            other.write_text(other_text, encoding="utf-8")
            others.append((other, other_name))
        combined, issues = check_bank([*bank_paths, *(p for p, _ in others), path])
        if issues or combined is None:
            renames = {str(path): name, **{str(p): f"your deck {n}" for p, n in others}}
            return DeckRejected(name, _issue_lines(issues, renames))
        own = [q for q in combined.questions if q.source is not None and q.source.path == display_path(path)]
    if not own:
        return DeckRejected(name, (f"{name}: no question that the bank does not already have",))
    topic = topic or own[0].topic
    if len(topic) > MAX_TOPIC_CHARS:  # it travels in button data, which Telegram caps at 64 bytes
        return DeckRejected(name, (f"{name}: topic id {topic!r} is too long ({MAX_TOPIC_CHARS} characters at most)",))
    return DeckReady(name, topic, title or combined.topics.get(topic, topic), count or len(own), yaml_text)


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
                return ReloadFailed(_issue_lines(issues))
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
