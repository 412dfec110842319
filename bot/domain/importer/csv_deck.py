"""Read a CSV deck: a header row naming a question and an answer column, then one row per question."""

from __future__ import annotations

import csv
import re

from bot.domain.importer.markdown_deck import markdown_answer
from bot.domain.importer.records import (
    DeckEntry,
    DeckIssue,
    ParsedDeck,
    clean_inline,
    shorten,
)
from bot.domain.models import Kind

_QUESTION_HEADERS = frozenset({"question", "questions", "q", "prompt", "question text"})
_ANSWER_HEADERS = frozenset(
    {"answer", "answers", "a", "reference", "reference answer", "model answer", "expected answer", "solution"}
)
_DIFFICULTY_WORDS = {"easy": 1, "warm up": 1, "beginner": 1, "medium": 2, "intermediate": 2, "hard": 3, "advanced": 3}


def _header_key(cell: str) -> str:
    return " ".join(re.sub(r"[_\-:]+", " ", cell.casefold()).split())


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV deck, read from its header line (quoted text ignored)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_csv(text: str, filename: str) -> ParsedDeck:
    """Parse a CSV deck: a header row naming a question and an answer column, then one row per question.

    Optional columns: ``difficulty`` (1-3 or easy/medium/hard), ``kind``, ``topic`` and
    ``hints`` (separated by ``|``). Quoted cells may span lines; a UTF-8 BOM and ``;``
    or tab delimiters are accepted. A row with fewer cells than the header is skipped:
    a missing delimiter shifts every cell after it.
    """
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    issues: list[DeckIssue] = []
    if not any(line.strip() for line in lines):
        return ParsedDeck(filename, (), (DeckIssue(filename, 1, "the file is empty", skipped=False),))
    reader = csv.reader(lines, delimiter=_sniff_delimiter(lines[0]))
    try:
        header = next(reader)
    except csv.Error as exc:
        return ParsedDeck(filename, (), (DeckIssue(filename, 1, f"cannot read the header row: {exc}", skipped=False),))
    columns = {_header_key(cell): index for index, cell in reversed(list(enumerate(header)))}
    q_col = next((columns[k] for k in columns if k in _QUESTION_HEADERS), None)
    a_col = next((columns[k] for k in columns if k in _ANSWER_HEADERS), None)
    if q_col is None or a_col is None:
        found = ", ".join(repr(c) for c in header) or "nothing"
        message = f"the header row needs a question and an answer column (e.g. question,answer); found {found}"
        return ParsedDeck(filename, (), (DeckIssue(filename, 1, message, skipped=False),))
    optional = {key: columns.get(key) for key in ("difficulty", "kind", "topic", "hints")}

    rows: list[tuple[int, list[str]]] = []
    previous_end = reader.line_num
    try:
        for row in reader:
            rows.append((previous_end + 1, row))
            previous_end = reader.line_num
    except csv.Error as exc:
        message = f"cannot read this row: {exc}; the rest of the file is ignored"
        issues.append(DeckIssue(filename, previous_end + 1, message, skipped=False))
    while rows and not any(cell.strip() for cell in rows[-1][1]):
        rows.pop()  # blank lines at the end of a file are not empty rows

    entries: list[DeckEntry] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            issues.append(DeckIssue(filename, line, "empty row, skipped"))
            continue
        if len(row) < len(header):
            issues.append(
                DeckIssue(
                    filename,
                    line,
                    f"row has {len(row)} of the header's {len(header)} columns (a missing delimiter?), skipped",
                )
            )
            continue
        question, answer = clean_inline(row[q_col]), row[a_col].strip()
        if not question:
            issues.append(DeckIssue(filename, line, "answer with no question, skipped"))
            continue
        if not answer:
            issues.append(DeckIssue(filename, line, f"question has no answer, skipped: {shorten(question)}"))
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = optional[key]
            return row[index].strip() if index is not None else ""

        difficulty = _parse_difficulty(cell("difficulty"))
        if cell("difficulty") and difficulty is None:
            message = f"difficulty {cell('difficulty')!r} is not 1, 2, 3, easy, medium or hard; using 2"
            issues.append(DeckIssue(filename, line, message, skipped=False))
        kind = _parse_kind(cell("kind"))
        if cell("kind") and kind is None:
            message = f"kind {cell('kind')!r} is not one of {', '.join(k.value for k in Kind)}; using conceptual"
            issues.append(DeckIssue(filename, line, message, skipped=False))
        hints = tuple(h.strip() for h in cell("hints").split("|") if h.strip())
        entries.append(
            DeckEntry(line, question, markdown_answer(answer.splitlines()), difficulty, kind, hints, cell("topic"))
        )
    if not entries and not issues:
        issues.append(
            DeckIssue(filename, 1, "no questions found: the file has a header row but no rows", skipped=False)
        )
    return ParsedDeck(filename, tuple(entries), tuple(issues))


def _parse_difficulty(value: str) -> int | None:
    key = _header_key(value)
    if key in {"1", "2", "3"}:
        return int(key)
    return _DIFFICULTY_WORDS.get(key)


def _parse_kind(value: str) -> Kind | None:
    key = _header_key(value).replace(" ", "-")
    key = _KIND_SPELLINGS.get(key, key)
    return next((k for k in Kind if k.value == key), None)


_KIND_SPELLINGS = {"behavioral": Kind.BEHAVIOURAL.value}
"""Other spellings of a kind a deck may use (the bank writes British English)."""
