"""Turn a parsed deck into bank questions: ids, concepts, hints; and read a deck file."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from bot.domain.bank import EXAMPLE_MIN_SCORE, ID_RE, MIN_CONCEPTS, Bank
from bot.domain.grading import Grader
from bot.domain.importer.concepts import TermRarity, derive_bank_concepts
from bot.domain.importer.csv_deck import parse_csv
from bot.domain.importer.markdown_deck import parse_markdown
from bot.domain.importer.records import (
    DEFAULT_DIFFICULTY,
    QUESTION_WORDS,
    DeckError,
    DeckIssue,
    ImportResult,
    ParsedDeck,
    deck_format,
    shorten,
)
from bot.domain.models import Concept, Kind, Question, Source
from bot.domain.text import NEGATION, STOPWORDS, tokenize


def parse_deck(text: str, filename: str) -> ParsedDeck:
    """Parse a deck, choosing the format by the file name's extension (.csv, .md, .markdown)."""
    if deck_format(filename) == "csv":
        return parse_csv(text, filename)
    return parse_markdown(text, filename)


_SLUG_WORDS = 6
SLUG_LENGTH = 40


def slugify(text: str, *, words: int = _SLUG_WORDS, length: int = SLUG_LENGTH) -> str:
    """A bank id from text: its first content words, lowercase ASCII joined by dashes."""
    ascii_text = to_ascii(text).casefold()
    all_words = re.findall(r"[a-z0-9]+", ascii_text)
    content = [w for w in all_words if w not in STOPWORDS and w not in QUESTION_WORDS] or all_words
    slug = ""
    for word in content[:words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > length:
            break
        slug = longer
    return slug or (content[0][:length] if content else "")


def to_ascii(text: str) -> str:
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
        words = re.findall(r"[a-z0-9]+", to_ascii(single or stem).casefold())
        base = "-".join(words)[:SLUG_LENGTH].strip("-")
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
                    f"answer too short to derive {MIN_CONCEPTS} key ideas from, skipped: {shorten(entry.question)}",
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
                    + shorten(entry.question),
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
