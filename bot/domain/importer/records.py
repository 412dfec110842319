"""What a deck becomes on its way to the bank: entries that remember their line, problems, results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.domain.models import Kind, Question

IMPORTED_HEADER = "# Imported from "
"""How a topic file written by the importer starts: its concepts were derived, not written by hand."""
MAX_CONCEPTS = 8
"""More key ideas than this are merged: a reviewer reads every one, a user sees them as a checklist."""
DEFAULT_DIFFICULTY = 2
CSV_EXTENSIONS = frozenset({".csv"})
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})

_QUESTION_HEADERS = frozenset({"question", "questions", "q", "prompt", "question text"})
_ANSWER_HEADERS = frozenset(
    {"answer", "answers", "a", "reference", "reference answer", "model answer", "expected answer", "solution"}
)
_DIFFICULTY_WORDS = {"easy": 1, "warm up": 1, "beginner": 1, "medium": 2, "intermediate": 2, "hard": 3, "advanced": 3}
# Words that start a question even without "?" ("### 3. Explain bagging").
QUESTION_WORDS = frozenset(
    """
    what why how when where which who whom whose is are was were do does did can could would should will
    explain describe define compare contrast name list give discuss derive outline walk tell design implement
    """.split()
)


@dataclass(frozen=True, slots=True, order=True)
class DeckIssue:
    """Something in a deck that could not be imported, with the line it is on."""

    path: str
    line: int
    message: str
    skipped: bool = True
    """Whether a record was left out because of it (False for a warning such as a bad difficulty)."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class DeckEntry:
    """One question of a deck with its reference answer, as written."""

    line: int
    """Where the question starts in the deck (1-based)."""
    question: str
    answer: str
    difficulty: int | None = None
    kind: Kind | None = None
    hints: tuple[str, ...] = ()
    section: str = ""
    """The CSV ``topic`` cell or the Markdown section heading the question sits under."""


@dataclass(frozen=True, slots=True)
class ParsedDeck:
    """A parsed deck: the entries that look importable and every problem found on the way."""

    path: str
    entries: tuple[DeckEntry, ...]
    issues: tuple[DeckIssue, ...]
    title: str = ""
    """The document's own title (a Markdown ``#`` heading that is not a question), if any."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The questions built from a deck, the topic they belong to, and every problem found."""

    path: str
    topic: str
    title: str
    questions: tuple[Question, ...]
    issues: tuple[DeckIssue, ...]

    @property
    def skipped(self) -> int:
        """How many records of the deck were left out (each has an issue)."""
        return sum(1 for issue in self.issues if issue.skipped)


class DeckError(ValueError):
    """The deck cannot be imported at all (unknown format, unreadable, topic clash)."""


def deck_format(filename: str) -> str:
    """``"csv"`` or ``"markdown"`` from a file name's extension; :class:`DeckError` for any other."""
    suffix = Path(filename).suffix.casefold()
    if suffix in CSV_EXTENSIONS:
        return "csv"
    if suffix in MARKDOWN_EXTENSIONS:
        return "markdown"
    known = ", ".join(sorted(CSV_EXTENSIONS | MARKDOWN_EXTENSIONS))
    shown = repr(suffix) if suffix else "no extension"
    raise DeckError(f"{filename}: unknown deck format ({shown}); use a {known} file")


def clean_inline(text: str) -> str:
    """Inline Markdown to plain text: links, images, emphasis, code spans, HTML tags."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+.!|-])", r"\1", text)
    return " ".join(text.split())


def shorten(text: str, limit: int = 60) -> str:
    """The text cut to about ``limit`` characters at a word, for messages."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
