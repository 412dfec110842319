"""The imported questions as a bank topic file, for a human to review."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.domain.importer.records import IMPORTED_HEADER, ImportResult
from bot.domain.models import Concept, Question

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
