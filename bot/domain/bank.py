"""Load the question bank from its YAML files and validate it.

Every problem is reported as a :class:`BankIssue` naming file, line and question id,
so a contributor can fix a broken file without reading code. ``load_bank`` raises
:class:`BankError` with all of them; the bot refuses to start on a broken bank.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.domain.contrasts import Contrasts, phrase_problems
from bot.domain.glossary import Glossary, phrase_terms
from bot.domain.grading import Grader
from bot.domain.models import Concept, Kind, Question, Source
from bot.domain.text import phrase_words, tokenize

DEFAULT_BANK_DIR = Path(__file__).resolve().parents[2] / "bank"
GLOSSARY_FILE = "glossary.yaml"
CONTRASTS_FILE = "contrasts.yaml"

MIN_CONCEPTS = 4
MIN_HINTS = 2
EXAMPLE_MIN_SCORE = 0.9
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
"""Question and topic ids: lowercase letters, digits and dashes, 2-48 characters."""
_REQUIRED_TEXT = ("question", "why_asked", "how_to_answer")
_QUESTION_KEYS = frozenset(
    {
        "id",
        "kind",
        "difficulty",
        "question",
        "why_asked",
        "how_to_answer",
        "example_answers",
        "concepts",
        "hints",
        "follow_ups",
    }
)
_CONCEPT_KEYS = frozenset({"name", "weight", "aliases", "contradicts"})
ARTICLES = frozenset({"a", "an", "the"})


@dataclass(frozen=True, slots=True, order=True)
class BankIssue:
    """One problem in a bank file."""

    path: str
    line: int
    question_id: str
    message: str

    def __str__(self) -> str:
        where = f"[{self.question_id}] " if self.question_id else ""
        return f"{self.path}:{self.line}: {where}{self.message}"


class BankError(Exception):
    """The bank cannot be used; ``issues`` says why, with file and line."""

    def __init__(self, issues: Sequence[BankIssue]) -> None:
        self.issues = tuple(sorted(issues))
        super().__init__(f"{len(self.issues)} problem(s) in the question bank:\n" + "\n".join(map(str, self.issues)))


@dataclass(frozen=True)
class Bank:
    """The loaded, validated question bank."""

    questions: tuple[Question, ...]
    topics: dict[str, str]
    """Topic id to its title, in file order."""
    glossary: Glossary
    contrasts: Contrasts = field(default_factory=Contrasts)
    """Confusable entities and opposite poles (``contrasts.yaml``)."""
    by_id: dict[str, Question] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {q.id: q for q in self.questions})

    def get(self, question_id: str) -> Question | None:
        """The question with this id, if the bank has it."""
        return self.by_id.get(question_id)

    def in_topic(self, topic: str) -> tuple[Question, ...]:
        """Every question of a topic."""
        return tuple(q for q in self.questions if q.topic == topic)

    def vocabulary(self) -> frozenset[str]:
        """Every stem the bank uses: words the grader must never 'correct' as typos."""
        return self._words[0]

    def term_weights(self) -> dict[str, float]:
        """How telling each term is: smoothed inverse document frequency over the bank's questions,
        each question with its example answers one document (glossary synonyms as one term)."""
        return self._words[1]

    def term_frequency(self) -> tuple[dict[str, int], int]:
        """For each term, how many of the bank's questions (with their example answers) use it; and how
        many questions there are."""
        return self._words[2], len(self.questions)

    @cached_property
    def _words(self) -> tuple[frozenset[str], dict[str, float], dict[str, int]]:
        texts: list[str] = []
        frequency: Counter[str] = Counter()
        for q in self.questions:
            texts += [q.question, q.why_asked, q.how_to_answer, *q.example_answers, *q.hints, *q.follow_ups]
            for c in q.concepts:
                texts += [c.name, *c.aliases, *c.contradicts]
            document = "\n".join((q.question, *q.example_answers))
            frequency.update({t.term for t in self.glossary.canonicalize(tokenize(document))})
        vocabulary = frozenset(t.term for text in texts for t in tokenize(text))
        count = len(self.questions)
        weights = {term: math.log((1 + count) / (1 + n)) + 1 for term, n in frequency.items()}
        return vocabulary, weights, dict(frequency)

    def make_grader(self, extra_words: Iterable[str] = ()) -> Grader:
        """A grader that knows this bank's glossary, contrasts, vocabulary and term weights.

        ``extra_words`` are more stems never to "correct" (a user's private decks).
        """
        known = self.vocabulary() | frozenset(extra_words)
        return Grader(self.glossary, known, contrasts=self.contrasts, weights=self.term_weights())


# ---- YAML with line numbers ---------------------------------------------------------------


class _Str(str):
    """A string that remembers the line it was read from."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loader that records line numbers and rejects duplicate keys."""

    duplicate_keys: list[tuple[str, int]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                self.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
            seen.add(key)
            lines[str(key)] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__lines__"] = lines
        return mapping


def _strip(value: str) -> str:
    """Strip a string, keeping the line it was read from."""
    stripped = _Str(value.strip())
    stripped.line = getattr(value, "line", 0)
    return stripped


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> _Str:
    value = _Str(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    return value


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> tuple[Any, list[BankIssue]]:
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [BankIssue(name, 1, "", f"cannot read file: {exc}")]
    return _parse_yaml(text, name)


def _parse_yaml(text: str, name: str) -> tuple[Any, list[BankIssue]]:
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [BankIssue(name, line, "", f"invalid YAML: {problem}")]
    finally:
        loader.dispose()
    issues = [BankIssue(name, line, "", f"duplicate key {key!r}") for key, line in loader.duplicate_keys]
    return data, issues


# ---- loading ---------------------------------------------------------------------------------


def bank_files(paths: Iterable[Path | str] = ()) -> tuple[list[Path], Path | None, Path | None]:
    """Resolve CLI paths (files or folders) to topic files, and the glossary and contrasts to use."""
    chosen = [Path(p) for p in paths] or [DEFAULT_BANK_DIR]
    topic_files: list[Path] = []
    shared: dict[str, Path] = {}
    for path in chosen:
        children = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
        for child in children:
            if child.name in (GLOSSARY_FILE, CONTRASTS_FILE):
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
        glossary, glossary_issues = _load_glossary(glossary_path)
        issues += glossary_issues
    contrasts = Contrasts()
    if contrasts_path is not None:
        contrasts, contrasts_issues = _load_contrasts(contrasts_path, glossary)
        issues += contrasts_issues
    questions: list[Question] = []
    topics: dict[str, str] = {}
    for path in topic_files:
        if path in missing:
            continue
        data, read_issues = _read_yaml(path)
        issues += read_issues
        if data is None and read_issues:
            continue
        topic, title, file_questions, file_issues = _parse_topic_file(path, data)
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
            issues.append(_issue(q, q.source.line if q.source else 1, f"duplicate id{where}"))
        else:
            seen[q.id] = q
    bank = Bank(tuple(seen.values()), topics, glossary, contrasts)
    if validate_grading and questions:
        grader = bank.make_grader()
        for q in seen.values():
            issues += _check_grading(q, grader)
    return bank, issues


def _issue(q: Question, line: int, message: str) -> BankIssue:
    return BankIssue(q.source.path if q.source else "?", line, q.id, message)


def _load_glossary(path: Path) -> tuple[Glossary, list[BankIssue]]:
    data, issues = _read_yaml(path)
    name = display_path(path)
    if data is None:
        return Glossary(), issues or [BankIssue(name, 1, "", "glossary is empty")]
    if not isinstance(data, list):
        return Glossary(), [*issues, BankIssue(name, 1, "", "glossary must be a list of synonym groups")]
    groups: list[tuple[str, ...]] = []
    owner: dict[tuple[str, ...], tuple[int, str]] = {}
    for entry in data:
        line = getattr(entry, "line", None) or (
            entry[0].line if isinstance(entry, list) and entry and isinstance(entry[0], _Str) else 1
        )
        if not isinstance(entry, list) or len(entry) < 2 or not all(isinstance(p, str) and p.strip() for p in entry):
            issues.append(BankIssue(name, line, "", "each glossary entry must be a list of at least two phrases"))
            continue
        group: list[str] = []
        for phrase in entry:
            terms = phrase_terms(phrase)
            if not terms:
                issues.append(BankIssue(name, line, "", f"glossary phrase {phrase!r} has no content words"))
                continue
            if terms in owner and owner[terms][1] != entry[0]:
                first_line, first_group = owner[terms]
                issues.append(
                    BankIssue(
                        name, line, "", f"phrase {phrase!r} is already in the group {first_group!r} (line {first_line})"
                    )
                )
                continue
            owner[terms] = (line, str(entry[0]))
            group.append(str(phrase))
        if len(group) >= 2:
            groups.append(tuple(group))
    return Glossary.from_groups(groups), issues


def _load_contrasts(path: Path, glossary: Glossary) -> tuple[Contrasts, list[BankIssue]]:
    """Read ``contrasts.yaml``: ``confusable``, ``nested`` and ``opposites``, each a list of groups of members."""
    data, issues = _read_yaml(path)
    name = display_path(path)
    if data is None:
        return Contrasts(), issues
    if not isinstance(data, dict):
        message = "contrasts must map 'confusable', 'nested' and 'opposites' to lists"
        return Contrasts(), [*issues, BankIssue(name, 1, "", message)]
    lines: dict[str, int] = data.get("__lines__", {})
    for key in data:
        if key not in {"confusable", "nested", "opposites", "__line__", "__lines__"}:
            issues.append(BankIssue(name, lines.get(key, 1), "", f"unknown key {key!r}"))
    sections: dict[str, list[list[list[str]]]] = {}
    owner: dict[str, tuple[str, int, str]] = {}  # term -> (section, group index, its first phrase)
    for key in ("confusable", "nested", "opposites"):
        groups = data.get(key, [])
        if not isinstance(groups, list):
            issues.append(BankIssue(name, lines.get(key, 1), "", f"'{key}' must be a list of groups"))
            continue
        kept: list[list[list[str]]] = []
        for group in groups:
            line = _first_line(group, lines.get(key, 1))
            members = _members(group)
            if members is None or len(members) < 2:
                message = "each group must list at least two members, each a phrase or a list of phrases"
                issues.append(BankIssue(name, line, "", message))
                continue
            for phrase in (p for member in members for p in member):
                problem = phrase_problems(glossary, phrase)
                term = " ".join(t.term for t in glossary.canonicalize(tokenize(phrase)))
                if problem is not None:
                    issues.append(BankIssue(name, _line_of(phrase, line), "", problem))
                    continue
                if key == "opposites":  # a word may have several opposites; an entity one group
                    continue
                first = owner.setdefault(term, (key, len(kept), members[0][0]))
                if first[:2] != (key, len(kept)):
                    message = f"{phrase!r} is already in the group {first[2]!r}"
                    issues.append(BankIssue(name, _line_of(phrase, line), "", message))
            kept.append(members)
        sections[key] = kept
    confusable, nested, opposites = (sections.get(k, []) for k in ("confusable", "nested", "opposites"))
    return Contrasts.build(confusable, opposites, glossary, nested), issues


def _members(group: Any) -> list[list[str]] | None:
    """A group's members as lists of phrases (a member written as one phrase is a list of one)."""
    if not isinstance(group, list):
        return None
    members = []
    for member in group:
        phrases = member if isinstance(member, list) else [member]
        if not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            return None
        members.append(list(phrases))
    return members


def _first_line(value: Any, fallback: int) -> int:
    while isinstance(value, list) and value:
        value = value[0]
    return int(getattr(value, "line", 0) or fallback)


def parse_topic_text(text: str, name: str) -> tuple[str, str, list[Question], list[BankIssue]]:
    """A topic file given as text (a user's deck kept in the database): topic, title, questions, problems.

    Parsed exactly like a file of the bank; grading is not re-validated here (the deck was
    checked whole when it was sent).
    """
    data, issues = _parse_yaml(text, name)
    if data is None and issues:
        return "", "", [], issues
    topic, title, questions, more = _parse_topic_file(Path(name), data)
    return topic, title, questions, issues + more


def _parse_topic_file(path: Path, data: Any) -> tuple[str, str, list[Question], list[BankIssue]]:
    name = display_path(path)
    issues: list[BankIssue] = []
    if not isinstance(data, dict):
        return "", "", [], [BankIssue(name, 1, "", "a topic file must be a mapping with topic, title and questions")]
    lines: dict[str, int] = data.get("__lines__", {})
    topic = data.get("topic")
    title = data.get("title")
    if not isinstance(topic, str) or not ID_RE.match(topic):
        issues.append(
            BankIssue(name, lines.get("topic", 1), "", "missing or invalid 'topic' (lowercase letters, digits, dashes)")
        )
        topic = ""
    if not isinstance(title, str) or not title.strip():
        issues.append(BankIssue(name, lines.get("title", 1), "", "missing or empty 'title'"))
        title = topic
    for key in data:
        if key not in {"topic", "title", "questions", "__line__", "__lines__"}:
            issues.append(BankIssue(name, lines.get(key, 1), "", f"unknown key {key!r}"))
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        issues.append(BankIssue(name, lines.get("questions", 1), "", "'questions' must be a non-empty list"))
        return topic, title, [], issues
    questions = []
    for raw in raw_questions:
        question, q_issues = _parse_question(name, topic, raw)
        issues += q_issues
        if question is not None:
            questions.append(question)
    return topic, title, questions, issues


def _parse_question(path: str, topic: str, raw: Any) -> tuple[Question | None, list[BankIssue]]:
    if not isinstance(raw, dict):
        line = getattr(raw, "line", 1)
        return None, [BankIssue(path, line, "", "each question must be a mapping of fields")]
    line = raw["__line__"]
    lines: dict[str, int] = raw["__lines__"]
    qid = raw.get("id")
    label = qid if isinstance(qid, str) else ""
    issues: list[BankIssue] = []

    def problem(key: str, message: str) -> None:
        issues.append(BankIssue(path, lines.get(key, line), label, message))

    if not isinstance(qid, str) or not ID_RE.match(qid):
        problem("id", "missing or invalid 'id' (2-48 lowercase letters, digits and dashes)")
    for key in raw:
        if key not in _QUESTION_KEYS and not key.startswith("__"):
            problem(key, f"unknown field {key!r}")
    texts = {}
    for key in _REQUIRED_TEXT:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problem(key, f"'{key}' is missing or empty")
        texts[key] = _strip(value) if isinstance(value, str) else ""
    kind_value = raw.get("kind")
    kind = Kind.CONCEPTUAL
    try:
        kind = Kind(str(kind_value))
    except ValueError:
        problem("kind", f"'kind' must be one of {', '.join(k.value for k in Kind)}, not {kind_value!r}")
    difficulty = raw.get("difficulty")
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or difficulty not in (1, 2, 3):
        problem("difficulty", f"'difficulty' must be 1, 2 or 3, not {difficulty!r}")
        difficulty = 2
    examples = _text_list(raw, "example_answers", 1, problem)
    hints = _text_list(raw, "hints", MIN_HINTS, problem)
    follow_ups = _text_list(raw, "follow_ups", 0, problem) if "follow_ups" in raw else ()
    concepts = _parse_concepts(raw, path, label, problem, issues)
    if issues:
        return None, issues
    question = Question(
        id=str(qid),
        topic=topic,
        kind=kind,
        difficulty=int(difficulty),
        question=texts["question"],
        why_asked=texts["why_asked"],
        how_to_answer=texts["how_to_answer"],
        example_answers=examples,
        concepts=concepts,
        hints=hints,
        follow_ups=follow_ups,
        source=Source(path, int(line)),
    )
    return question, issues


def _text_list(raw: dict[str, Any], key: str, minimum: int, problem: Any) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None and minimum == 0:
        return ()
    if not isinstance(value, list):
        problem(key, f"'{key}' must be a list" + (f" of at least {minimum}" if minimum else ""))
        return ()
    items = tuple(_strip(v) for v in value if isinstance(v, str) and v.strip())
    for position, item in enumerate(value, start=1):
        if isinstance(item, dict):
            problem(key, f"'{key}' item {position} was read as a mapping: quote it (': ' starts a mapping in YAML)")
        elif not isinstance(item, str) or not item.strip():
            problem(key, f"'{key}' item {position} is empty or not text")
    if len(items) < minimum:
        problem(key, f"'{key}' needs at least {minimum} item(s), has {len(items)}")
    return items


def _parse_concepts(
    raw: dict[str, Any], path: str, label: str, problem: Any, issues: list[BankIssue]
) -> tuple[Concept, ...]:
    value = raw.get("concepts")
    if not isinstance(value, list):
        problem("concepts", "'concepts' must be a list")
        return ()
    if len(value) < MIN_CONCEPTS:
        problem("concepts", f"'concepts' needs at least {MIN_CONCEPTS} concepts, has {len(value)}")
    concepts = []
    names: set[str] = set()
    for item in value:
        if not isinstance(item, dict):
            problem("concepts", "each concept must be a mapping with name, weight and aliases")
            continue
        c_line = item["__line__"]
        c_lines = item["__lines__"]

        def at(key: str, message: str, c_line: int = c_line, c_lines: dict[str, int] = c_lines) -> None:
            issues.append(BankIssue(path, c_lines.get(key, c_line), label, message))

        for key in item:
            if key not in _CONCEPT_KEYS and not key.startswith("__"):
                at(key, f"unknown concept field {key!r}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            at("name", "concept 'name' is missing or empty")
            continue
        if name in names:
            at("name", f"concept name {name!r} is used twice")
        names.add(name)
        weight = item.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 1 <= weight <= 3:
            at("weight", f"concept {name!r}: 'weight' must be a number from 1 to 3, not {weight!r}")
            weight = 1
        aliases = item.get("aliases")
        if not isinstance(aliases, list) or not aliases:
            at("aliases", f"concept {name!r} needs a non-empty 'aliases' list")
            aliases = []
        for alias in aliases:
            if not isinstance(alias, str):
                at("aliases", f"concept {name!r}: alias {alias!r} is not text (put it in quotes)")
            elif not phrase_terms(alias):
                at("aliases", f"concept {name!r}: alias {alias!r} has no content words")
        contradicts = item.get("contradicts", [])
        if not isinstance(contradicts, list) or any(not isinstance(a, str) or not phrase_terms(a) for a in contradicts):
            at("contradicts", f"concept {name!r}: 'contradicts' must be a list of phrases with content words")
            contradicts = []
        concepts.append(
            Concept(
                name=_strip(name),
                aliases=tuple(a for a in aliases if isinstance(a, str) and phrase_terms(a)),
                weight=float(weight),
                contradicts=tuple(contradicts),
            )
        )
    return tuple(concepts)


def _line_of(value: object, fallback: int) -> int:
    return int(getattr(value, "line", 0) or fallback)


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
            found.append(_issue(q, _line_of(by_name[name].name, base), f"concept {name!r} is two-sided and unguarded"))
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


def _check_grading(q: Question, grader: Grader) -> list[BankIssue]:
    """The checks that need the grader: alias rules, coverage and example scores."""
    issues: list[BankIssue] = []
    base = q.source.line if q.source else 1
    for concept in q.concepts:
        for alias in concept.aliases:
            problem = alias_problem(alias, q.question, grader)
            if problem is not None:
                issues.append(_issue(q, _line_of(alias, base), f"alias {alias!r} of {concept.name!r} {problem}"))
        for wrong in concept.contradicts:
            if _shrinks(wrong, grader):
                terms = grader.alias_terms(wrong)
                message = f"{wrong!r} of {concept.name!r} shrinks to the single term {terms[0]!r}: reword it"
                issues.append(_issue(q, _line_of(wrong, base), message))
    grades = [grader.grade(q, answer) for answer in q.example_answers]
    covered_anywhere = {c.name for g in grades for c in g.covered}
    for concept in q.concepts:
        if concept.name not in covered_anywhere:
            issues.append(
                _issue(
                    q, _line_of(concept.name, base), f"concept {concept.name!r} is not matched by any example answer"
                )
            )
    for answer, grade in zip(q.example_answers, grades, strict=True):
        line = _line_of(answer, base)
        for result in grade.contradicted:
            issues.append(_issue(q, line, f"example answer contradicts {result.name!r} (at {result.quote!r})"))
        if grade.score < EXAMPLE_MIN_SCORE:
            missing = ", ".join(repr(m) for m in grade.missed) or "none"
            issues.append(
                _issue(q, line, f"example answer scores {grade.score:.2f} < {EXAMPLE_MIN_SCORE} (missed: {missing})")
            )
    return issues
