"""Decks of questions users send: checking one against the bank in service, and what deck actions return.

A deck (CSV, Markdown or a bank YAML topic file) is checked with ``check_deck``: the
importer's parsers for CSV and Markdown, the bank validator for YAML, then the whole bank
*with* the deck, so an id or topic clash is caught too. A deck with any problem is rejected
with its line numbers. Pure apart from the temporary files the bank validator reads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from bot.domain.bank import Bank, BankIssue, check_bank, display_path
from bot.domain.importer import DeckError, build_questions, deck_format, deck_to_yaml, parse_deck

MAX_DECK_BYTES = 2_000_000
MAX_TOPIC_CHARS = 40
YAML_SUFFIXES = (".yaml", ".yml")
ACCEPTED = (".csv", ".md", ".markdown", *YAML_SUFFIXES)


class DeckStatus(StrEnum):
    """Where a user's deck is (``decks.status``)."""

    PRIVATE = "private"
    """Served to its owner only."""
    PUBLISHED = "published"
    """Part of the bank for everyone."""


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


def issue_lines(issues: Sequence[BankIssue | object], rename: dict[str, str] | None = None) -> tuple[str, ...]:
    """Problems as ``file:line: message`` lines, temporary file names replaced by what the user calls them."""
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
            problems = issue_lines(result.issues) or (f"{name}: no question with an answer found",)
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
            return DeckRejected(name, issue_lines(issues, renames))
        own = [q for q in combined.questions if q.source is not None and q.source.path == display_path(path)]
    if not own:
        return DeckRejected(name, (f"{name}: no question that the bank does not already have",))
    topic = topic or own[0].topic
    if len(topic) > MAX_TOPIC_CHARS:  # it travels in button data, which Telegram caps at 64 bytes
        return DeckRejected(name, (f"{name}: topic id {topic!r} is too long ({MAX_TOPIC_CHARS} characters at most)",))
    return DeckReady(name, topic, title or combined.topics.get(topic, topic), count or len(own), yaml_text)


@dataclass(frozen=True, slots=True)
class DeckInfo:
    """One of a user's decks, as lists show it."""

    id: int
    owner_id: int
    topic: str
    title: str
    filename: str
    questions: int
    status: str
    created_at: datetime
    submitted_at: datetime | None

    @property
    def is_private(self) -> bool:
        """Still served to its owner only."""
        return self.status == DeckStatus.PRIVATE


@dataclass(frozen=True, slots=True)
class DeckLimit:
    """The user has as many decks or private questions as allowed."""

    decks: int
    questions: int


@dataclass(frozen=True, slots=True)
class DeckNotFound:
    """No such deck of this user (or, for admins, no such private deck)."""


@dataclass(frozen=True, slots=True)
class AlreadySubmitted:
    """The owner already asked for this deck to be published."""

    deck: DeckInfo
