"""Decks of questions users send: checking one against the bank in service, and what deck actions return.

A deck (CSV, Markdown or a bank YAML topic file) is checked with ``check_deck``: the
importer's parsers for CSV and Markdown, the bank validator for YAML (on the deck alone: the
bank was validated when it went into service), then for ids and topics the bank already has.
A deck with any problem is rejected with its line numbers. ``check_decks`` and ``join_decks``
make the bank in service: the bank files plus the published decks. Pure apart from the
temporary files the bank validator reads.
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


def check_deck(filename: str, data: bytes, bank: Bank, glossary: Path | None) -> DeckReady | DeckRejected:
    """Check a deck sent as ``filename`` against ``bank`` (blocking: run it off the loop).

    ``bank`` is what the deck must not clash with: the bank in service, or the sender's pool
    (the bank plus their private decks). Only the deck itself is validated (parsed, and its
    example answers graded with ``glossary``); the bank was validated when it went into service.
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
    deck, found = check_decks(bank, glossary, [(name, yaml_text)])
    if found or deck is None:
        return DeckRejected(name, found)
    if not deck.questions:
        return DeckRejected(name, (f"{name}: no question that the bank does not already have",))
    topic = topic or deck.questions[0].topic
    if len(topic) > MAX_TOPIC_CHARS:  # it travels in button data, which Telegram caps at 64 bytes
        return DeckRejected(name, (f"{name}: topic id {topic!r} is too long ({MAX_TOPIC_CHARS} characters at most)",))
    return DeckReady(name, topic, title or deck.topics.get(topic, topic), count or len(deck.questions), yaml_text)


def check_decks(
    bank: Bank, glossary: Path | None, decks: Sequence[tuple[str, str]]
) -> tuple[Bank | None, tuple[str, ...]]:
    """Validate bank topic files given as (name, YAML text) to join ``bank``: the decks alone, and their problems.

    Each deck is parsed and its example answers graded like a bank file; then no question id
    or topic may be one ``bank`` (or another deck) already has. Problems are ``name:line:
    [id] message`` lines. Blocking (CPU and temporary files): run it off the event loop.
    """
    if not decks:
        return Bank((), {}, bank.glossary), ()
    with tempfile.TemporaryDirectory() as directory:
        renames: dict[str, str] = {}
        paths = []
        for index, (name, text) in enumerate(decks):
            path = Path(directory) / f"deck-{index}.yaml"
            path.write_text(text, encoding="utf-8")
            renames[display_path(path)] = name
            paths.append(path)
        checked, issues = check_bank([*([glossary] if glossary else []), *paths])
    issues += _clashes(checked, bank) if checked is not None else []
    problems = issue_lines(sorted(issues), renames)
    return (checked, problems) if checked is not None else (None, problems or ("no deck could be read",))


def _clashes(decks: Bank, bank: Bank) -> list[BankIssue]:
    """A deck's question ids and topics that ``bank`` already has."""
    issues = []
    for question in decks.questions:
        first = bank.get(question.id)
        if first is None or question.source is None:
            continue
        where = f" (first defined at {first.source.path}:{first.source.line})" if first.source else ""
        issues.append(BankIssue(question.source.path, question.source.line, question.id, f"duplicate id{where}"))
    for topic in decks.topics:
        if topic in bank.topics:
            path = next((q.source.path for q in decks.in_topic(topic) if q.source), topic)
            issues.append(BankIssue(path, 1, "", f"topic {topic!r} is already defined by another file"))
    return issues


def join_decks(bank: Bank, decks: Bank) -> Bank:
    """The bank in service: the bank files' questions and topics, then the published decks'."""
    return bank.with_questions((*bank.questions, *decks.questions), {**bank.topics, **decks.topics})


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
    left_out: int = 0
    """Of a private deck: its questions the owner no longer gets from it (the bank in service has their
    topic or ids, e.g. a deck published later); ``questions`` when the whole deck is left out."""

    @property
    def is_private(self) -> bool:
        """Still served to its owner only."""
        return self.status == DeckStatus.PRIVATE


@dataclass(frozen=True, slots=True)
class ShadowedDeck:
    """A user's private deck that a deck published later now shadows, whole or in part.

    Each pool lets the bank win (``bot.domain.pool.build_pool``): a private deck whose topic
    the published deck has is left out whole, and a private question whose id it has is asked
    as the published deck has it. Its owner is told, since nothing else would show it.
    """

    deck_id: int
    owner_id: int
    topic: str
    title: str
    questions: int
    """The questions the private deck has."""
    left_out: int
    """How many of them its owner no longer gets from it (all of them when the topic is taken)."""
    published_title: str

    @property
    def whole(self) -> bool:
        """The whole deck is left out (the published deck has its topic, or all its question ids)."""
        return self.left_out >= self.questions


@dataclass(frozen=True, slots=True)
class DeckPublished:
    """A user's deck published for everyone: the deck, the bank now in service, and the private decks it shadows."""

    deck: DeckInfo
    reloaded: Reloaded
    shadowed: tuple[ShadowedDeck, ...] = ()


@dataclass(frozen=True, slots=True)
class DeckLimit:
    """The user has as many decks or private questions as allowed."""

    decks: int
    questions: int


@dataclass(frozen=True, slots=True)
class DeckNotFound:
    """No such deck of this user (or, for admins, no such private deck)."""


@dataclass(frozen=True, slots=True)
class DeleteDeckAsked:
    """Delete this deck? Asked at this moment (the Yes button carries it)."""

    deck: DeckInfo
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class AlreadySubmitted:
    """The owner already asked for this deck to be published."""

    deck: DeckInfo
