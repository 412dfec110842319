"""Read the bank's YAML files with line numbers: topic files, the glossary and the contrasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.domain.bank.model import BEHAVIOURAL_TOPIC, ID_RE, MIN_CONCEPTS, MIN_HINTS, BankIssue, line_of
from bot.domain.contrasts import Contrasts, phrase_problems
from bot.domain.contrasts import phrase_terms as contrast_terms
from bot.domain.everyday import Everyday
from bot.domain.glossary import Glossary, phrase_terms
from bot.domain.models import Concept, Kind, Question, Source
from bot.domain.text import tokenize

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


def read_yaml(path: Path) -> tuple[Any, list[BankIssue]]:
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [BankIssue(name, 1, "", f"cannot read file: {exc}")]
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, list[BankIssue]]:
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


def load_glossary(path: Path) -> tuple[Glossary, list[BankIssue]]:
    data, issues = read_yaml(path)
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


def load_contrasts(path: Path, glossary: Glossary) -> tuple[Contrasts, list[BankIssue]]:
    """Read ``contrasts.yaml``: ``confusable``, ``nested`` and ``opposites``, each a list of groups of members."""
    data, issues = read_yaml(path)
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
                    issues.append(BankIssue(name, line_of(phrase, line), "", problem))
                    continue
                if key == "opposites":  # a word may have several opposites; an entity one group
                    continue
                first = owner.setdefault(term, (key, len(kept), members[0][0]))
                if first[:2] != (key, len(kept)):
                    message = f"{phrase!r} is already in the group {first[2]!r}"
                    issues.append(BankIssue(name, line_of(phrase, line), "", message))
            kept.append(members)
        sections[key] = kept
    confusable, nested, opposites = (sections.get(k, []) for k in ("confusable", "nested", "opposites"))
    return Contrasts.build(confusable, opposites, glossary, nested), issues


def load_everyday(path: Path, glossary: Glossary, known: frozenset[str]) -> tuple[Everyday, list[BankIssue]]:
    """Read ``everyday.yaml``: each everyday word mapped to a list of the bank's terms it can stand for.

    Every phrase must be one term, and every term one the bank uses (``known``: the terms of its
    questions, example answers and aliases), else it could never match anything.
    """
    data, issues = read_yaml(path)
    name = display_path(path)
    if data is None:
        return Everyday(), issues
    if not isinstance(data, dict):
        return Everyday(), [*issues, BankIssue(name, 1, "", "everyday words must map a word to a list of terms")]
    lines: dict[str, int] = data.get("__lines__", {})
    entries: list[tuple[str, list[str]]] = []
    for word, meanings in data.items():
        if word in {"__line__", "__lines__"}:
            continue
        line = lines.get(word, 1)
        if (
            not isinstance(meanings, list)
            or not meanings
            or not all(isinstance(m, str) and m.strip() for m in meanings)
        ):
            issues.append(BankIssue(name, line, "", f"{word!r} must map to a non-empty list of phrases"))
            continue
        for phrase in (str(word), *meanings):
            problem = phrase_problems(glossary, phrase)
            if problem is not None:
                issues.append(BankIssue(name, line, "", problem))
            elif phrase != word and known and contrast_terms(glossary, phrase)[0] not in known:
                issues.append(BankIssue(name, line, "", f"{phrase!r} is no term the bank uses: it can never match"))
        entries.append((str(word), [str(m) for m in meanings]))
    return Everyday.build(entries, glossary), issues


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
    data, issues = parse_yaml(text, name)
    if data is None and issues:
        return "", "", [], issues
    topic, title, questions, more = parse_topic_file(Path(name), data)
    return topic, title, questions, issues + more


def parse_topic_file(path: Path, data: Any) -> tuple[str, str, list[Question], list[BankIssue]]:
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
    else:
        if topic == BEHAVIOURAL_TOPIC and kind is not Kind.BEHAVIOURAL:
            message = f"a question of the {BEHAVIOURAL_TOPIC} topic must be of kind 'behavioural', not {kind.value!r}"
            problem("kind", message)
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
