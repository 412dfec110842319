"""Turn a deck of questions with reference answers (CSV or Markdown) into a draft bank topic file.

The pipeline is pure until the last step: ``parse_deck`` reads text into entries that
remember their line, ``build_questions`` derives concepts, hints and ids for each entry
with the grader's own text machinery, and ``deck_to_yaml`` renders the result in the
bank's format for a human to review. ``import_file`` is the one function that reads a
file. Nothing here writes files or knows about Telegram, so the bot can reuse it for
decks users send as documents.

Derived concepts satisfy ``bank check`` by construction: every alias is checked against
the validator's alias rules and then matched against the reference answer, which
becomes the question's example answer.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.domain.bank import EXAMPLE_MIN_SCORE, ID_RE, MIN_CONCEPTS, Bank, alias_problem
from bot.domain.glossary import Glossary
from bot.domain.grading import Grader, echo_ngrams, echo_positions, is_function
from bot.domain.models import Concept, Kind, Question, Source
from bot.domain.text import NEGATION, STOPWORDS, Token, stem, tokenize

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
_QUESTION_WORDS = frozenset(
    """
    what why how when where which who whom whose is are was were do does did can could would should will
    explain describe define compare contrast name list give discuss derive outline walk tell design implement
    """.split()
)


# ---- records ---------------------------------------------------------------------------------


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


# ---- parsing ---------------------------------------------------------------------------------


def parse_deck(text: str, filename: str) -> ParsedDeck:
    """Parse a deck, choosing the format by the file name's extension (.csv, .md, .markdown)."""
    if deck_format(filename) == "csv":
        return parse_csv(text, filename)
    return parse_markdown(text, filename)


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
        question, answer = _clean_inline(row[q_col]), row[a_col].strip()
        if not question:
            issues.append(DeckIssue(filename, line, "answer with no question, skipped"))
            continue
        if not answer:
            issues.append(DeckIssue(filename, line, f"question has no answer, skipped: {_shorten(question)}"))
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
            DeckEntry(line, question, _markdown_answer(answer.splitlines()), difficulty, kind, hints, cell("topic"))
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
    return next((k for k in Kind if k.value == key), None)


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
    text = _clean_inline(text)
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
    if "?" in stripped or labelled or (numbered and first in _QUESTION_WORDS):
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
            answer = _markdown_answer(pending.lines)
            if answer:
                entries.append(DeckEntry(pending.line, pending.question, answer, section=section))
            else:
                issues.append(
                    DeckIssue(filename, pending.line, f"question has no answer, skipped: {_shorten(pending.question)}")
                )
        if orphan is not None and _markdown_answer(orphan.lines):
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
                section = _clean_inline(heading.group(2))
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


def _markdown_answer(lines: Sequence[str]) -> str:
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
    lines = [_clean_inline(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = [line for line in lines if line]
    return "\n".join(out).strip()


def _clean_inline(text: str) -> str:
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


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# ---- concepts from a reference answer ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermRarity:
    """How many texts of a background corpus use each term: rare terms make good aliases and weigh more."""

    frequency: Mapping[str, int]
    documents: int

    @classmethod
    def from_texts(cls, texts: Iterable[str], glossary: Glossary | None = None) -> TermRarity:
        """Count, for each term, the texts that use it (terms as the grader sees them)."""
        glossary = glossary or Glossary()
        frequency: Counter[str] = Counter()
        documents = 0
        for text in texts:
            documents += 1
            frequency.update({t.term for t in glossary.canonicalize(tokenize(text)) if t.term != NEGATION})
        return cls(frequency, documents)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency: at least 1, higher for rarer terms."""
        return math.log((1 + self.documents) / (1 + self.frequency.get(term, 0))) + 1

    def share(self, term: str) -> float:
        """The share of background texts that use the term (0 for a term never seen)."""
        return self.frequency.get(term, 0) / self.documents if self.documents else 0.0


SINGLE_SHARE = 0.05
"""A word is an alias on its own only if at most this share of the background texts use it:
"stratified" or "SMOTE" name an idea, "model" or "error" do not."""
PAIR_SHARE = 0.4
"""Two adjacent words are an alias if one of their new words is used by at most this share."""
MIN_BACKGROUND = 20
"""With fewer background texts than this, word counts say nothing and only vague words are excluded."""
MAX_CONTRADICTS = 2
"""Swapped statements generated per concept (see ``_contrast``)."""
_VAGUE = frozenset(
    stem(word)
    for word in """
    one two three four five six seven eight nine ten hundred thousand million first second third last
    big small large little high low good bad better worse best worst new old main major minor real full whole
    same different other others several many few more most less least enough
    say says said take takes give gives put keep keeps come comes go goes sit sits let lets see sees look looks
    end ends part parts kind kinds type types sort case cases point points number numbers time times
    example examples usual typical common simple easy hard fine nice neat
    always sometimes once twice still even again already too
    happen happens include includes mean means need needs help helps work works tend tends allow allows
    involve involves provide provides require requires show shows seem seems refer refers add adds
    """.split()
)
"""Words too vague to name an idea however rare they are in the background ("three", "big"); the
grader's filler and grammar words ("especially", "moment", "over") never do either."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A possible alias: the reference's own words, where they are, and how telling they are."""

    alias: str
    terms: tuple[str, ...]
    score: float
    sentence: int
    contradicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Unit:
    """A stretch of the reference answer (a sentence, clause...) that becomes one concept."""

    candidates: tuple[_Candidate, ...]

    def info(self, rarity: TermRarity, question_terms: frozenset[str]) -> float:
        """How much the unit says: the rarity of the new words in its aliases."""
        terms = {t for c in self.candidates for t in c.terms} - question_terms
        return sum(rarity.idf(t) for t in terms)


def derive_bank_concepts(
    question: str, reference: str, grader: Grader, rarity: TermRarity | None = None
) -> tuple[Concept, ...]:
    """Concepts for a bank question from its reference answer; empty if it yields fewer than the bank needs.

    Starts where :meth:`Grader.derive_concepts` does (the reference's content words
    that are not in the question) and shapes them the way a bank author would: each
    sentence of the reference is one key idea (clauses, when there are too few
    sentences), named by its most telling phrases. Its aliases are the pairs of
    adjacent words it uses and its rare single words; words common across the
    ``rarity`` background ("model", "data") never stand alone, and rarer ideas weigh
    more. When the question contrasts two things ("bagging and boosting"), a property
    the reference gives one of them, stated of the other, becomes a ``contradicts``
    phrase. Every alias is checked against the validator's rules and must match the
    reference itself, which becomes the example answer; a contradiction the reference
    itself trips is dropped.
    """
    rarity = rarity or TermRarity({}, 0)
    tokens = grader.glossary.canonicalize(tokenize(reference))
    question_terms = grader.question_terms(question)
    echo = _echo_positions(question, tokens, grader)
    novel = _novel_terms(question, reference, grader)
    usable = [i for i, t in enumerate(tokens) if t.term != NEGATION and i not in echo]
    contrast = _contrast(question, grader)
    subjects = _subjects(tokens, contrast)

    def candidates_at(positions: Sequence[int]) -> list[_Candidate]:
        found: dict[tuple[str, ...], _Candidate] = {}
        chosen = set(positions)
        for i in positions:
            token = tokens[i]
            if token.term in novel and _specific(token.term, rarity, SINGLE_SHARE):
                alias = _surface(reference, tokens, i, i)
                score = rarity.idf(token.term)
                found.setdefault((token.term,), _Candidate(alias, (token.term,), score, token.sentence))
            j = i + 1
            if j in chosen and tokens[j].scope == token.scope and tokens[j].term != token.term:
                pair = (token.term, tokens[j].term)
                telling = [t for t in pair if t in novel and _specific(t, rarity, PAIR_SHARE)]
                if telling:
                    score = sum(rarity.idf(t) for t in telling)
                    found.setdefault(pair, _Candidate(_surface(reference, tokens, i, j), pair, score, token.sentence))
        sides = [term for term, _ in contrast]
        return [_with_contradicts(c, subjects.get(c.sentence, ()), sides) for c in found.values()]

    units: list[_Unit] = []
    for level in ("sentence", "clause", "scope"):
        groups: dict[int, list[int]] = {}
        for i in usable:
            groups.setdefault(getattr(tokens[i], level), []).append(i)
        units = [_Unit(tuple(found)) for found in map(candidates_at, groups.values()) if found]
        if len(units) >= MIN_CONCEPTS:
            break
    if len(units) < MIN_CONCEPTS:  # a short reference: one concept per distinct key word
        singles = {c.terms: c for u in units for c in u.candidates if len(c.terms) == 1}
        units = [_Unit((c,)) for c in sorted(singles.values(), key=lambda c: -c.score)]
    units = _verified(question, reference, units, grader)
    if len(units) < MIN_CONCEPTS:
        return ()
    while len(units) > MAX_CONCEPTS:  # merge the neighbours that say least
        infos = [u.info(rarity, question_terms) for u in units]
        k = min(range(len(units) - 1), key=lambda k: infos[k] + infos[k + 1])
        units[k : k + 2] = [_Unit(units[k].candidates + units[k + 1].candidates)]
    return _concepts(units, [u.info(rarity, question_terms) for u in units])


def _specific(term: str, rarity: TermRarity, share: float) -> bool:
    """Whether a term is telling: a glossary term, or a word that is not vague, not tiny, and used by
    at most ``share`` of the background (when there is enough background to tell)."""
    if term.startswith("="):
        return True
    if term in _VAGUE or is_function(term) or (len(term) < 3 and not any(ch.isdigit() for ch in term)):
        return False
    return rarity.documents < MIN_BACKGROUND or rarity.share(term) <= share


def _echo_positions(question: str, tokens: Sequence[Token], grader: Grader) -> set[int]:
    """Reference positions the grader ignores as copied from the question (the grader's own rule)."""
    q_terms = [t.term for t in grader.glossary.canonicalize(tokenize(question))]
    return echo_positions(tokens, echo_ngrams(q_terms))


def _novel_terms(question: str, reference: str, grader: Grader) -> frozenset[str]:
    """The terms :meth:`Grader.derive_concepts` finds in the reference: its words the question lacks."""
    return frozenset(t for c in grader.derive_concepts(question, reference) for t in grader.alias_terms(c.aliases[0]))


def _surface(reference: str, tokens: Sequence[Token], first: int, last: int) -> str:
    text = " ".join(reference[tokens[first].start : tokens[last].end].split())
    negated = any(tokens[p].negated for p in range(first, last + 1))
    return f"not {text}" if negated and not any(t.term == NEGATION for t in tokenize(text)) else text


_CONTRAST_RES = (
    re.compile(r"\bbetween\s+(?P<a>[^,;?]+?)\s+and\s+(?P<b>[^,;?]+?)(?:[?.,;:(]|$)", re.IGNORECASE),
    re.compile(r"\b(?:how|why)\s+(?:do|does|did)\s+(?P<a>[^,;?]+?)\s+and\s+(?P<b>[^,;?]+?)\s+differ", re.IGNORECASE),
    re.compile(r"(?P<a>[^,;?]+?)\s+(?:vs\.?|versus)\s+(?P<b>[^,;?]+)", re.IGNORECASE),
    re.compile(r"\b(?:prefer|choose|pick|use|favou?r)\s+(?P<a>[^,;?]+?)\s+over\s+(?P<b>[^,;?]+)", re.IGNORECASE),
)


def _contrast(question: str, grader: Grader) -> tuple[tuple[str, str], ...]:
    """The two things a comparison question contrasts, as (term, word) pairs; empty for other questions.

    Each side is named by its term nearest the contrast word that the other side
    lacks: "between the training set and the test set" gives ``training set`` and
    ``test set``, "prefer precision over recall" gives ``precision`` and ``recall``.
    A list of three or more things is not a contrast.
    """
    for pattern in _CONTRAST_RES:
        match = pattern.search(question)
        if match is None:
            continue
        sides = []
        for key, other, nearest in (("a", "b", -1), ("b", "a", 0)):
            text = match.group(key)
            own = [t for t in grader.glossary.canonicalize(tokenize(text)) if t.term != NEGATION]
            theirs = set(grader.alias_terms(match.group(other)))
            distinct = [t for t in own if t.term not in theirs]
            if not distinct:
                return ()
            side = distinct[nearest]
            sides.append((side.term, text[side.start : side.end]))
        return tuple(sides)
    return ()


def _subjects(tokens: Sequence[Token], contrast: Sequence[tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """For each sentence that names just one side of a contrast, the other side: (term, word)."""
    if len(contrast) != 2:
        return {}
    named: dict[int, set[int]] = {}
    for token in tokens:
        named.setdefault(token.sentence, set()).update(
            side for side, (term, _) in enumerate(contrast) if token.term == term
        )
    return {sentence: contrast[1 - sides.pop()] for sentence, sides in named.items() if len(sides) == 1}


def _with_contradicts(
    candidate: _Candidate, other: tuple[str, str] | tuple[()], contrast_terms: Sequence[str]
) -> _Candidate:
    """The candidate with "<the other side> <alias>" as a contradiction, if its sentence is about one side."""
    if not other or candidate.alias.startswith("not ") or set(candidate.terms) & set(contrast_terms):
        return candidate
    return _Candidate(
        candidate.alias, candidate.terms, candidate.score, candidate.sentence, (f"{other[1]} {candidate.alias}",)
    )


def _alias_allowed(alias: str, question: str, grader: Grader) -> bool:
    """The validator's alias rules (``bank.alias_problem``): no echo of the question, no shrinking."""
    return bool(tokenize(alias)) and alias_problem(alias, question, grader) is None


def _verified(question: str, reference: str, units: Sequence[_Unit], grader: Grader) -> list[_Unit]:
    """Keep the aliases the reference matches and the contradictions it does not trip, when graded.

    One probe question holds every alias and every contradiction as a concept of its
    own, so a single grading of the reference checks them all.
    """
    aliases = sorted({c.alias for u in units for c in u.candidates if _alias_allowed(c.alias, question, grader)})
    wrongs = sorted({w for u in units for c in u.candidates for w in c.contradicts})
    probe = Question(
        id="probe",
        topic="probe",
        kind=Kind.CONCEPTUAL,
        difficulty=DEFAULT_DIFFICULTY,
        question=question,
        why_asked="-",
        how_to_answer="-",
        example_answers=(reference,),
        concepts=(
            *(Concept(f"a{n}", (alias,)) for n, alias in enumerate(aliases)),
            *(Concept(f"c{n}", (wrong,), contradicts=(wrong,)) for n, wrong in enumerate(wrongs)),
        ),
        hints=("-", "-"),
    )
    grade = grader.grade(probe, reference)
    matched = {aliases[int(r.name[1:])] for r in grade.covered if r.name.startswith("a")}
    tripped = {wrongs[int(r.name[1:])] for r in grade.contradicted}
    kept: list[_Unit] = []
    for unit in units:
        candidates = tuple(
            _Candidate(c.alias, c.terms, c.score, c.sentence, tuple(w for w in c.contradicts if w not in tripped))
            for c in unit.candidates
            if c.alias in matched
        )
        if candidates:
            kept.append(_Unit(candidates))
    return kept


def _without_redundant(ranked: Sequence[_Candidate]) -> tuple[str, ...]:
    """The aliases, minus pairs that can never add a match: one of their words is an alias on its own.

    A positive pair matches only where its words are all positive, and then the single
    word matches too; negated aliases are kept as they are.
    """
    singles = {c.terms[0] for c in ranked if len(c.terms) == 1 and not c.alias.startswith("not ")}
    kept = [c.alias for c in ranked if len(c.terms) == 1 or c.alias.startswith("not ") or not set(c.terms) & singles]
    return tuple(dict.fromkeys(kept))


def _weights(infos: Sequence[float]) -> list[int]:
    """Weights 1-3: ideas with more rare words weigh more, and position nudges them.

    A model answer states its core idea first and its caveats last, so the first third
    of the ideas gains one step and the last third loses one.
    """
    low, high = min(infos), max(infos)
    count = len(infos)
    weights = []
    for position, info in enumerate(infos):
        weight = 2 if high == low else 1 + round(2 * (info - low) / (high - low))
        weight += 1 if position < count / 3 else -1 if position >= 2 * count / 3 else 0
        weights.append(max(1, min(3, weight)))
    return weights


def _concepts(units: Sequence[_Unit], infos: Sequence[float]) -> tuple[Concept, ...]:
    """Name, weigh (by what each says) and list each unit's aliases, most telling first."""
    concepts: list[Concept] = []
    names: set[str] = set()
    for unit, weight in zip(units, _weights(infos), strict=True):
        ranked = sorted(unit.candidates, key=lambda c: (-c.score, -len(c.terms), c.alias))
        name = ranked[0].alias
        extra = next((c for c in ranked[1:] if not set(c.terms) & set(ranked[0].terms)), None)
        if extra is not None:
            name = f"{name}, {extra.alias}"
        while name in names:
            name += " (more)"
        names.add(name)
        aliases = _without_redundant(ranked)
        wrongs = tuple(dict.fromkeys(w for c in ranked for w in c.contradicts))[:MAX_CONTRADICTS]
        concepts.append(Concept(name=name, aliases=aliases, weight=float(weight), contradicts=wrongs))
    return tuple(concepts)


# ---- questions ---------------------------------------------------------------------------------

_SLUG_WORDS = 6
_SLUG_LENGTH = 40


def slugify(text: str, *, words: int = _SLUG_WORDS, length: int = _SLUG_LENGTH) -> str:
    """A bank id from text: its first content words, lowercase ASCII joined by dashes."""
    ascii_text = _ascii(text).casefold()
    all_words = re.findall(r"[a-z0-9]+", ascii_text)
    content = [w for w in all_words if w not in STOPWORDS and w not in _QUESTION_WORDS] or all_words
    slug = ""
    for word in content[:words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > length:
            break
        slug = longer
    return slug or (content[0][:length] if content else "")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _unique(base: str, taken: set[str], fallback: str) -> str:
    base = base if ID_RE.match(base) else fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def choose_topic(deck: ParsedDeck, requested: str | None, existing: Mapping[str, str]) -> tuple[str, str]:
    """The (topic id, title) for a deck: as requested, else from its one section or its file name.

    A requested topic must be a valid id not already in the bank; a derived one gets a
    ``-imported`` suffix instead of clashing.
    """
    sections = {e.section for e in deck.entries}
    single = next(iter(sections)) if len(sections) == 1 else ""
    stem = Path(deck.path).stem
    if requested is not None:
        if not ID_RE.match(requested):
            raise DeckError(f"topic {requested!r} is not a valid id (2-48 lowercase letters, digits and dashes)")
        if requested in existing:
            raise DeckError(f"topic {requested!r} is already in the bank; choose another with --topic")
        topic = requested
    else:
        words = re.findall(r"[a-z0-9]+", _ascii(single or stem).casefold())
        base = "-".join(words)[:_SLUG_LENGTH].strip("-")
        base = base if ID_RE.match(base) else "imported"
        topic, n = base, 1
        while topic in existing:
            topic = f"{base}-imported" + (f"-{n}" if n > 1 else "")
            n += 1
    title = deck.title or single or " ".join(re.split(r"[_\-\s]+", stem)).strip().capitalize() or topic
    return topic, title


def build_questions(
    deck: ParsedDeck,
    *,
    topic: str | None = None,
    title: str | None = None,
    bank: Bank | None = None,
    background: Iterable[str] | None = None,
) -> ImportResult:
    """Turn a parsed deck into bank questions, reporting the entries that cannot become one.

    ``bank`` gives the glossary, the words the grader must not "correct", and the ids
    and topics already taken. ``background`` is the corpus that tells common words
    from rare ones; by default the bank's questions and answers plus the deck itself.
    """
    chosen_topic, chosen_title = choose_topic(deck, topic, bank.topics if bank is not None else {})
    chosen_title = title or chosen_title
    deck_texts = [text for e in deck.entries for text in (e.question, e.answer)]
    known = set(bank.vocabulary()) if bank is not None else set()
    known.update(t.term for text in deck_texts for t in tokenize(text))
    grader = Grader(bank.glossary if bank is not None else None, known_words=known)
    if background is None:
        bank_texts = [f"{q.question}\n" + "\n".join(q.example_answers) for q in bank.questions] if bank else []
        background = bank_texts + [f"{e.question}\n{e.answer}" for e in deck.entries]
    rarity = TermRarity.from_texts(background, grader.glossary)
    taken = set(bank.by_id) if bank is not None else set()
    issues = list(deck.issues)
    questions: list[Question] = []
    name = Path(deck.path).name
    for entry in deck.entries:
        concepts = derive_bank_concepts(entry.question, entry.answer, grader, rarity)
        if not concepts:
            issues.append(
                DeckIssue(
                    deck.path,
                    entry.line,
                    f"answer too short to derive {MIN_CONCEPTS} key ideas from, skipped: {_shorten(entry.question)}",
                )
            )
            continue
        qid = _unique(slugify(entry.question), taken, f"question-{entry.line}")
        question = Question(
            id=qid,
            topic=chosen_topic,
            kind=entry.kind or Kind.CONCEPTUAL,
            difficulty=entry.difficulty or DEFAULT_DIFFICULTY,
            question=entry.question,
            why_asked=f"Imported from {name} (line {entry.line}); review before publishing and say what it probes.",
            how_to_answer=(
                "Cover the key ideas of the reference answer: "
                + "; ".join(c.name for c in concepts[:3])
                + ". Written by the importer; review before publishing."
            ),
            example_answers=(entry.answer,),
            concepts=concepts,
            hints=_hints(concepts, entry.hints),
            source=Source(deck.path, entry.line),
        )
        grade = grader.grade(question, entry.answer)
        if grade.score < EXAMPLE_MIN_SCORE:
            why = "reads as a bare keyword list" if "keyword-list" in grade.notes else f"scores {grade.score:.2f}"
            issues.append(
                DeckIssue(
                    deck.path,
                    entry.line,
                    f"the answer {why} against its own key ideas; write it out in sentences. Skipped: "
                    + _shorten(entry.question),
                )
            )
            taken.discard(qid)
            continue
        questions.append(question)
    return ImportResult(deck.path, chosen_topic, chosen_title, tuple(questions), tuple(sorted(issues)))


def rederive(questions: Sequence[Question], bank: Bank, grader: Grader) -> list[Question]:
    """Imported questions with their concepts derived again by today's rules (filler, weights...).

    A user's private deck keeps the YAML the importer wrote when it was sent; deriving its
    concepts again when the deck is loaded gives existing users the grading new users get.
    A question keeps its old concepts when the new ones are too few or its own reference no
    longer scores as a complete answer.
    """
    frequency, documents = bank.term_frequency()
    counts: Counter[str] = Counter(frequency)
    texts = [f"{q.question}\n" + "\n".join(q.example_answers) for q in questions]
    for text in texts:
        counts.update({t.term for t in grader.glossary.canonicalize(tokenize(text)) if t.term != NEGATION})
    rarity = TermRarity(counts, documents + len(texts))
    renewed = []
    for question in questions:
        concepts = derive_bank_concepts(question.question, question.model_answer, grader, rarity)
        candidate = replace(question, concepts=concepts) if concepts else question
        if concepts and grader.grade(candidate, question.model_answer).score < EXAMPLE_MIN_SCORE:
            candidate = question
        renewed.append(candidate)
    return renewed


def _hints(concepts: Sequence[Concept], given: Sequence[str]) -> tuple[str, ...]:
    """The deck's own hints, topped up to two: how many ideas and where to start, then two keywords."""
    heaviest = sorted(concepts[1:], key=lambda c: -c.weight)
    generated = (
        f"A complete answer covers {len(concepts)} key ideas; the first is about {_hint_phrase(concepts[0])}.",
        f"Make sure you mention {_hint_phrase(heaviest[0])} and {_hint_phrase(heaviest[1])}.",
    )
    hints = list(dict.fromkeys(h for h in given if h))
    for hint in generated:
        if len(hints) >= 2:
            break
        hints.append(hint)
    return tuple(hints)


def _hint_phrase(concept: Concept) -> str:
    """The concept's leading phrase, stated positively when it can be."""
    phrases = [*concept.name.split(", "), *concept.aliases]
    return next((p for p in phrases if not p.startswith("not ")), concept.name)


# ---- YAML for review -------------------------------------------------------------------------

_FOLD_AT = 80


class _ReviewDumper(yaml.SafeDumper):
    """Block style like the curated files: indented lists, folded or literal long text."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else (">" if len(data) > _FOLD_AT else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_ReviewDumper.add_representer(str, _represent_str)


def deck_to_yaml(result: ImportResult) -> str:
    """The imported questions as a bank topic file for review, keys in the curated files' order."""
    data = {
        "topic": result.topic,
        "title": result.title,
        "questions": [_question_data(q) for q in result.questions],
    }
    text = yaml.dump(data, Dumper=_ReviewDumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    if yaml.safe_load(text) != data:  # a block style PyYAML cannot round-trip: plain quoting instead
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, indent=2)
    text = re.sub(r"\n(  - id: )", r"\n\n\1", text).replace("questions:\n\n", "questions:\n", 1)
    header = (
        f"{IMPORTED_HEADER}{Path(result.path).name} by `python -m bot bank import`: concepts, hints,\n"
        "# why_asked and how_to_answer were written by a program. Review every question before publishing.\n"
    )
    return header + text


def _concept_data(c: Concept) -> dict[str, object]:
    data: dict[str, object] = {"name": c.name, "weight": int(c.weight), "aliases": list(c.aliases)}
    if c.contradicts:
        data["contradicts"] = list(c.contradicts)
    return data


def _question_data(q: Question) -> dict[str, object]:
    return {
        "id": q.id,
        "kind": q.kind.value,
        "difficulty": q.difficulty,
        "question": q.question,
        "why_asked": q.why_asked,
        "how_to_answer": q.how_to_answer,
        "example_answers": list(q.example_answers),
        "concepts": [_concept_data(c) for c in q.concepts],
        "hints": list(q.hints),
    }


# ---- the one function that reads a file ----------------------------------------------------


def import_file(
    path: Path | str, *, bank: Bank | None = None, topic: str | None = None, title: str | None = None
) -> ImportResult:
    """Read and import a deck file; :class:`DeckError` if it cannot be read or its format is unknown."""
    path = Path(path)
    deck_format(path.name)  # an unknown format fails before the file is read
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DeckError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DeckError(f"{path}: not UTF-8 text (byte {exc.start}); save the deck as UTF-8") from exc
    return build_questions(parse_deck(text, str(path)), topic=topic, title=title, bank=bank)
