"""Shared fixtures: a small hand-written question and glossary, independent of the bank's content."""

from __future__ import annotations

import os

import pytest

# PTB 22 warns about its deprecated int retry_after each time it builds RetryAfter unless
# opted into timedelta values; under filterwarnings=error that warning would replace the
# RetryAfter the tests inject.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.domain.glossary import Glossary
from bot.domain.grading import Grader
from bot.domain.models import Concept, Kind, Question

GLOSSARY = Glossary.from_groups(
    [
        ["l1 regularization", "l1", "lasso", "l1 penalty"],
        ["l2 regularization", "l2", "ridge", "weight decay", "squared magnitude penalty"],
        ["bootstrap aggregating", "bagging"],
    ]
)

REGULARISATION = Question(
    id="regularization-test",
    topic="generalization",
    kind=Kind.CONCEPTUAL,
    difficulty=2,
    question="What is regularisation, and how do L1 and L2 differ?",
    why_asked="Whether you know how penalties control model complexity.",
    how_to_answer="Define it, then contrast the two penalties and when to use each.",
    example_answers=(
        "Regularisation adds a penalty on the size of the weights to the loss function so the model "
        "cannot fit noise, which reduces overfitting. L1 penalises absolute values and drives some "
        "weights exactly to zero, giving sparse models and built-in feature selection. L2 penalises "
        "squared weights and shrinks them smoothly towards zero without eliminating them, which helps "
        "with correlated features.",
    ),
    concepts=(
        Concept("penalty added to the loss", ("penalty loss", "penalise weights", "penalty weights"), 2.0),
        Concept("reduces overfitting", ("reduce overfitting", "prevent overfitting", "cannot fit noise"), 1.0),
        Concept(
            "L1 gives sparse weights (exact zeros)",
            ("l1 exactly zero", "l1 sparse", "feature selection"),
            2.0,
            contradicts=("l2 exactly zero", "l2 sparse"),
        ),
        Concept(
            "L2 shrinks weights smoothly",
            ("l2 shrinks", "shrink smoothly", "small weights"),
            2.0,
            contradicts=("l1 shrinks smoothly",),
        ),
    ),
    hints=("Think about what is added to the loss.", "One of them can set weights to exactly zero."),
)


@pytest.fixture
def grader() -> Grader:
    """A grader with the small test glossary."""
    return Grader(GLOSSARY)


@pytest.fixture
def question() -> Question:
    """The hand-written regularisation question."""
    return REGULARISATION
