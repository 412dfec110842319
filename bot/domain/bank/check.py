"""Load the bank and validate it: files, ids, and the checks that need the grader."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from bot.domain.bank.files import (
    display_path,
    load_contrasts,
    load_everyday,
    load_glossary,
    parse_topic_file,
    read_yaml,
)
from bot.domain.bank.model import (
    ARTICLES,
    CONTRASTS_FILE,
    DEFAULT_BANK_DIR,
    EVERYDAY_FILE,
    EXAMPLE_MIN_SCORE,
    GLOSSARY_FILE,
    Bank,
    BankError,
    BankIssue,
    line_of,
    question_issue,
)
from bot.domain.contrasts import Contrasts
from bot.domain.glossary import Glossary
from bot.domain.grading import Grader
from bot.domain.models import Question
from bot.domain.text import phrase_words, tokenize


def bank_files(paths: Iterable[Path | str] = ()) -> tuple[list[Path], Path | None, Path | None]:
    """Resolve CLI paths (files or folders) to topic files, and the glossary and contrasts to use."""
    chosen = [Path(p) for p in paths] or [DEFAULT_BANK_DIR]
    topic_files: list[Path] = []
    shared: dict[str, Path] = {}
    for path in chosen:
        children = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
        for child in children:
            if child.name in (GLOSSARY_FILE, CONTRASTS_FILE, EVERYDAY_FILE):
                shared[child.name] = child
            else:
                topic_files.append(child)
    if GLOSSARY_FILE not in shared:
        for candidate in [*(p.parent / GLOSSARY_FILE for p in topic_files), DEFAULT_BANK_DIR / GLOSSARY_FILE]:
            if candidate.is_file():
                shared[GLOSSARY_FILE] = candidate
                break
    if CONTRASTS_FILE not in shared and GLOSSARY_FILE in shared:
        # Contrasts are written in the glossary's terms: only the ones beside it fit.
        beside = shared[GLOSSARY_FILE].parent / CONTRASTS_FILE
        if beside.is_file():
            shared[CONTRASTS_FILE] = beside
    return topic_files, shared.get(GLOSSARY_FILE), shared.get(CONTRASTS_FILE)


def everyday_file(glossary: Path | None) -> Path | None:
    """The everyday words that go with a glossary: the file beside it, if there is one (they are
    written in the glossary's terms, so only the ones beside it fit)."""
    if glossary is None:
        return None
    beside = glossary.parent / EVERYDAY_FILE
    return beside if beside.is_file() else None


def load_bank(paths: Iterable[Path | str] = (), *, validate_grading: bool = True) -> Bank:
    """Load and validate the bank; raise :class:`BankError` listing every problem."""
    bank, issues = check_bank(paths, validate_grading=validate_grading)
    if issues or bank is None:
        raise BankError(issues)
    return bank


def check_bank(
    paths: Iterable[Path | str] = (), *, validate_grading: bool = True
) -> tuple[Bank | None, list[BankIssue]]:
    """Load the bank and return it with every problem found (the bank is None if unusable)."""
    topic_files, glossary_path, contrasts_path = bank_files(paths)
    issues: list[BankIssue] = []
    missing = [p for p in topic_files if not p.exists()]
    issues += [BankIssue(display_path(p), 1, "", "no such file") for p in missing]
    glossary = Glossary()
    if glossary_path is not None:
        glossary, glossary_issues = load_glossary(glossary_path)
        issues += glossary_issues
    contrasts = Contrasts()
    if contrasts_path is not None:
        contrasts, contrasts_issues = load_contrasts(contrasts_path, glossary)
        issues += contrasts_issues
    questions: list[Question] = []
    topics: dict[str, str] = {}
    for path in topic_files:
        if path in missing:
            continue
        data, read_issues = read_yaml(path)
        issues += read_issues
        if data is None and read_issues:
            continue
        topic, title, file_questions, file_issues = parse_topic_file(path, data)
        issues += file_issues
        if topic:
            if topic in topics:
                issues.append(
                    BankIssue(display_path(path), 1, "", f"topic {topic!r} is already defined by another file")
                )
            topics[topic] = title
        questions += file_questions
    if not topic_files:
        issues.append(BankIssue(str(next(iter(paths), DEFAULT_BANK_DIR)), 1, "", "no question files found"))

    seen: dict[str, Question] = {}
    for q in questions:
        if q.id in seen:
            first = seen[q.id].source
            where = f" (first defined at {first.path}:{first.line})" if first else ""
            issues.append(question_issue(q, q.source.line if q.source else 1, f"duplicate id{where}"))
        else:
            seen[q.id] = q
    bank = Bank(tuple(seen.values()), topics, glossary, contrasts)
    everyday_path = everyday_file(glossary_path)
    if everyday_path is not None:
        # Its terms are checked against the bank only when the whole folder it belongs to is checked:
        # a deck is checked with the bank's file but uses few of the bank's terms, and so does one topic.
        folders = [Path(p) for p in paths] or [DEFAULT_BANK_DIR]
        known: frozenset[str] = frozenset()
        if bank.questions and any(folder.is_dir() and folder / EVERYDAY_FILE == everyday_path for folder in folders):
            known = frozenset(bank.term_frequency()[0]) | frozenset(
                t for q in bank.questions for t in _alias_terms(q, bank)
            )
        everyday, everyday_issues = load_everyday(everyday_path, glossary, known)
        issues += everyday_issues
        bank = replace(bank, everyday=everyday)
    if validate_grading and questions:
        grader = bank.make_grader()
        for q in seen.values():
            issues += check_grading(q, grader)
    return bank, issues


def _alias_terms(q: Question, bank: Bank) -> Iterator[str]:
    """The terms of a question's aliases and concept names, as the grader sees them."""
    for concept in q.concepts:
        for phrase in (concept.name, *concept.aliases):
            yield from (t.term for t in bank.glossary.canonicalize(tokenize(phrase)))


def unguarded_concepts(bank: Bank) -> list[BankIssue]:
    """Concepts about one side of a contrast that neither structure nor a ``contradicts`` phrase guards.

    Not errors: a list for authors to review (``bank check`` prints it), since stating such a
    concept about the other side would go unnoticed.
    """
    grader = bank.make_grader()
    found = []
    for q in bank.questions:
        base = q.source.line if q.source else 1
        by_name = {c.name: c for c in q.concepts}
        for name in grader.two_sided(q):
            found.append(
                question_issue(q, line_of(by_name[name].name, base), f"concept {name!r} is two-sided and unguarded")
            )
    return found


def alias_problem(alias: str, question: str, grader: Grader) -> str | None:
    """Why an alias cannot work (None if it can): the validator's rules, shared with the importer.

    It must say more than the question, must not shrink to one plain word once little words
    are dropped, and must match an answer that says exactly it (a glossary phrase or a
    negation can make an alias unmatchable under its own tokenisation).
    """
    terms = grader.alias_terms(alias)
    if not terms:
        return "has no content words"
    if set(terms) <= grader.question_terms(question):
        return "only repeats words of the question"
    if _shrinks(alias, grader):
        return (
            f"shrinks to the single term {terms[0]!r} once little words are dropped: reword it "
            "(it would match any mention of that one word)"
        )
    if not grader.matches_itself(alias):
        return f"can never match: an answer saying exactly {alias!r} does not match it (as terms: {' '.join(terms)})"
    return None


def _shrinks(phrase: str, grader: Grader) -> bool:
    """Whether a phrase of several words is one plain term once little words are dropped."""
    terms = grader.alias_terms(phrase)
    words = [w for w in phrase_words(phrase) if w not in ARTICLES]
    return len(words) >= 2 and len(terms) == 1 and not terms[0].startswith("=") and not grader.alias_is_negated(phrase)


def check_grading(q: Question, grader: Grader) -> list[BankIssue]:
    """The checks that need the grader: alias rules, coverage and example scores."""
    issues: list[BankIssue] = []
    base = q.source.line if q.source else 1
    for concept in q.concepts:
        for alias in concept.aliases:
            problem = alias_problem(alias, q.question, grader)
            if problem is not None:
                issues.append(question_issue(q, line_of(alias, base), f"alias {alias!r} of {concept.name!r} {problem}"))
        for wrong in concept.contradicts:
            if _shrinks(wrong, grader):
                terms = grader.alias_terms(wrong)
                message = f"{wrong!r} of {concept.name!r} shrinks to the single term {terms[0]!r}: reword it"
                issues.append(question_issue(q, line_of(wrong, base), message))
    grades = [grader.grade(q, answer) for answer in q.example_answers]
    covered_anywhere = {c.name for g in grades for c in g.covered}
    for concept in q.concepts:
        if concept.name not in covered_anywhere:
            issues.append(
                question_issue(
                    q, line_of(concept.name, base), f"concept {concept.name!r} is not matched by any example answer"
                )
            )
    for answer, grade in zip(q.example_answers, grades, strict=True):
        line = line_of(answer, base)
        for result in grade.contradicted:
            issues.append(question_issue(q, line, f"example answer contradicts {result.name!r} (at {result.quote!r})"))
        if grade.score < EXAMPLE_MIN_SCORE:
            missing = ", ".join(repr(m) for m in grade.missed) or "none"
            issues.append(
                question_issue(
                    q, line, f"example answer scores {grade.score:.2f} < {EXAMPLE_MIN_SCORE} (missed: {missing})"
                )
            )
    return issues
