"""Everyday answers in the bank's own review cases: plain English earns credit, confident swaps don't.

``tests/data/plain_cases/<topic>.jsonl`` holds, per reviewed question, two short correct answers in
plain English (other words than the model answer) and one confidently wrong answer that reuses
the right words, written while the topic's aliases and ``contradicts`` were reviewed. A later
edit to the bank or the grader that stops recognising how candidates actually talk fails here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from bot.domain.bank import Bank
from bot.domain.grading import Grade, Verdict
from tests.practice_fixtures import real_bank, real_grader

CASES = Path(__file__).parent / "data" / "plain_cases"
MARGIN = 0.2
"""How far a correct plain answer must score above the wrong one on the same question."""


@pytest.fixture(scope="module")
def cases() -> list[dict[str, str]]:
    """Every review case, read once for the module."""
    return [
        json.loads(line)
        for path in sorted(CASES.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def bank() -> Bank:
    return real_bank()


@pytest.fixture(scope="module")
def graded(cases: list[dict[str, str]], bank: Bank) -> list[tuple[dict[str, str], Grade]]:
    """The cases whose question is in the bank, each graded once as the bot grades it."""
    grader = real_grader()
    return [
        (case, grader.grade(question, case["answer"]))
        for case in cases
        if (question := bank.get(case["question_id"])) is not None
    ]


def test_every_case_is_about_a_bank_question(cases: list[dict[str, str]], bank: Bank) -> None:
    """A case whose question was renamed or removed would silently stop testing anything."""
    assert len(cases) >= 300
    unknown = sorted({case["question_id"] for case in cases if bank.get(case["question_id"]) is None})
    assert unknown == []


def test_plain_correct_answers_are_never_off_topic(graded: list[tuple[dict[str, str], Grade]]) -> None:
    """Telling a candidate who answered right in their own words "off topic" is the worst miss."""
    off_topic = [
        (case["question_id"], case["answer"][:60])
        for case, grade in graded
        if case["kind"] == "plain" and (grade.verdict is Verdict.OFF_TOPIC or grade.score == 0)
    ]
    assert off_topic == []


def test_plain_answers_beat_confident_wrong_ones(graded: list[tuple[dict[str, str], Grade]]) -> None:
    """On the same question the plain correct answer scores clearly more, in nearly every pair."""
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for case, grade in graded:
        scores[case["question_id"]][case["kind"]].append(grade.score)
    pairs = [
        (qid, good - bad) for qid, kinds in scores.items() for good in kinds["plain"] for bad in kinds["wrong_fluent"]
    ]
    losing = [(qid, round(gap, 2)) for qid, gap in pairs if gap <= 0]
    narrow = [(qid, round(gap, 2)) for qid, gap in pairs if gap < MARGIN]
    assert losing == []
    assert len(narrow) <= len(pairs) // 20, narrow
