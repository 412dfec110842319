"""Read a Markdown Q&A deck: each question a heading or a bold line, its answer everything below it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.importer.records import QUESTION_WORDS, DeckEntry, DeckIssue, ParsedDeck, clean_inline, shorten

_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE_RE = re.compile(r"^\s{0,3}(?:[-*+]\s+|\d{1,3}[.)]\s+)?(\*\*|__)(.+?)\1\s*(.*)$")
_Q_LABEL_RE = re.compile(r"^(?:q(?:uestion)?\s*\d*\s*[.:)\-]|q\d+\b)\s*", re.IGNORECASE)
_A_LABEL_RE = re.compile(r"^\s*(?:\*\*|__)?(?:a|answer|ans)\s*[.:)\-](?:\*\*|__)?(?:\s+|$)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*[.):]|\(\d{1,3}\))\s+")
_RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_HTML_ONLY_RE = re.compile(r"^\s*(<[^>]+>\s*)+$")
_ANCHOR_ONLY_RE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?\[[^\]]*\]\(#[^)]*\)\s*$")
_LIST_ITEM_RE = re.compile(r"^\s*(?:(?P<bullet>[-*+])|(?P<number>\d{1,3}[.)]))\s+(?P<text>.*)$")
_QUOTE_RE = re.compile(r"^\s{0,3}>\s?")
_SUMMARY_RE = re.compile(r"<summary>.*?</summary>", re.IGNORECASE)


@dataclass
class _Pending:
    """The question being read, or an orphan block of text, while scanning Markdown."""

    line: int
    question: str = ""
    lines: list[str] = field(default_factory=list)


def _question_text(text: str) -> str | None:
    """The question in a heading or bold line, or None if it is not a question.

    A question contains ``?``, or starts with a label such as ``Q:``/``Q12.``, or is
    numbered ("12. Explain ...") and starts with a question word.
    """
    text = clean_inline(text)
    labelled = _Q_LABEL_RE.match(text)
    numbered = _NUMBER_RE.match(text)
    stripped = text
    if labelled:
        stripped = text[labelled.end() :]
    elif numbered:
        stripped = text[numbered.end() :]
    stripped = stripped.strip()
    if not stripped:
        return None
    first = stripped.split()[0].casefold().strip(",:")
    if "?" in stripped or labelled or (numbered and first in QUESTION_WORDS):
        return stripped
    return None


def parse_markdown(text: str, filename: str) -> ParsedDeck:
    """Parse a Markdown Q&A deck.

    A question is a heading or a line that starts in bold (``**What is X?**``,
    ``**Q1.** What is X?``), recognised by a ``?``, a ``Q:``-style label, or a number
    followed by a question word. Its answer is everything after it (paragraphs, lists,
    code) up to the next question or heading. Other headings are sections: the first
    ``#`` heading becomes the deck's title. Text before the first heading and under a
    ``#`` heading is introduction; other text with no question above it is reported.
    """
    text = text.removeprefix("\ufeff")
    entries: list[DeckEntry] = []
    issues: list[DeckIssue] = []
    title = ""
    section = ""
    pending: _Pending | None = None
    orphan: _Pending | None = None
    in_intro = True
    fence = ""

    def close() -> None:
        nonlocal pending, orphan
        if pending is not None:
            answer = markdown_answer(pending.lines)
            if answer:
                entries.append(DeckEntry(pending.line, pending.question, answer, section=section))
            else:
                issues.append(
                    DeckIssue(filename, pending.line, f"question has no answer, skipped: {shorten(pending.question)}")
                )
        if orphan is not None and markdown_answer(orphan.lines):
            issues.append(DeckIssue(filename, orphan.line, "text with no question above it, skipped"))
        pending = orphan = None

    for number, raw in enumerate(text.splitlines(), start=1):
        fence_match = _FENCE_RE.match(raw)
        if fence:
            if fence_match and fence_match.group(1) == fence:
                fence = ""
        elif fence_match:
            fence = fence_match.group(1)
        else:
            heading = _HEADING_RE.match(raw)
            if heading:
                close()
                question = _question_text(heading.group(2))
                if question is not None:
                    pending = _Pending(number, question)
                    in_intro = False
                    continue
                section = clean_inline(heading.group(2))
                if len(heading.group(1)) == 1 and not title:
                    title = section
                in_intro = len(heading.group(1)) == 1
                continue
            bold = _BOLD_LINE_RE.match(raw)
            if bold:
                question, rest = _bold_question(bold.group(2), bold.group(3))
                if question is not None:
                    close()
                    pending = _Pending(number, question)
                    in_intro = False
                    if rest:
                        pending.lines.append(rest)
                    continue
            if _RULE_RE.match(raw) or _HTML_ONLY_RE.match(raw) or _ANCHOR_ONLY_RE.match(raw):
                continue
        if pending is not None:
            pending.lines.append(raw)
        elif not in_intro and raw.strip():
            if orphan is None:
                orphan = _Pending(number)
            orphan.lines.append(raw)
    if fence and pending is not None:
        issues.append(DeckIssue(filename, pending.line, "a code block in this answer is never closed", skipped=False))
    close()
    if not entries and not issues:
        message = "no questions found (a question is a heading or a bold line with a '?')"
        issues.append(DeckIssue(filename, 1, message, skipped=False))
    return ParsedDeck(filename, tuple(entries), tuple(issues), title)


def _bold_question(bold: str, rest: str) -> tuple[str | None, str]:
    """Split a line starting in bold into (question, start of its answer on the same line)."""
    bold = bold.strip()
    if _Q_LABEL_RE.fullmatch(bold):  # "**Q1.** What is X?"
        return _question_text(bold + " " + rest), ""
    if "?" in bold:  # "**What is X?** It is ..."
        return _question_text(bold), rest.strip()
    if not rest.strip():  # "**12. Explain bagging**" on its own line
        return _question_text(bold) if _NUMBER_RE.match(bold) else None, ""
    return None, ""


def markdown_answer(lines: Sequence[str]) -> str:
    """Markdown answer lines as plain text: one line per paragraph or list item."""
    blocks: list[str] = []
    current: list[str] = []
    in_code = False
    for raw in lines:
        if _FENCE_RE.match(raw):
            in_code = not in_code
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        if in_code:
            if raw.strip():
                blocks.append(raw.rstrip())
            continue
        line = _QUOTE_RE.sub("", _SUMMARY_RE.sub("", raw))
        if not line.strip() or _RULE_RE.match(line) or _HTML_ONLY_RE.match(line):
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        item = _LIST_ITEM_RE.match(line)
        if item:
            if current:
                blocks.append(" ".join(current))
            marker = item.group("number") or "-"
            current = [f"{marker} {item.group('text').strip()}"]
            continue
        current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    if blocks:
        blocks[0] = _A_LABEL_RE.sub("", blocks[0], count=1)
    return _plain_text("\n".join(blocks))


def _plain_text(text: str) -> str:
    """Strip Markdown and HTML markup from an answer, keeping one line per paragraph or list item."""
    lines = [clean_inline(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = [line for line in lines if line]
    return "\n".join(out).strip()
