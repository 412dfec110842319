"""What grading returns, and the one curve from coverage to score.

A :class:`Grade` is what every caller sees (practice, interview rounds, ``python -m bot
grade``); :func:`credit` is the concave curve that turns the share of key ideas covered into
a score, and the verdict cut-offs move with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HINT_COST = 0.15
"""Each hint used lowers the best reachable score by this much..."""
MIN_REACHABLE = 0.4
"""...but never below this: an answer after every hint still counts."""

CURVE_EXPONENT = 0.57
"""Score = coverage ** CURVE_EXPONENT: monotone and concave, one curve for the whole bank.

Fitted once by least squares of the curve against the human grades (grade / 5) of the first
development set (``tests/data/devset.jsonl``), answers with some coverage and no
contradiction; ``python benchmarks/grading_benchmark.py --fit-curve`` repeats the fit.
"""
STRONG_COVERAGE = 0.7
PARTIAL_COVERAGE = 0.4


def credit(coverage: float) -> float:
    """The score for a share of the key ideas (0-1): concave, so partial answers get fair credit."""
    return coverage**CURVE_EXPONENT if coverage > 0 else 0.0


STRONG_AT = credit(STRONG_COVERAGE)
"""The verdict cut-offs, moved with the curve: strong from 70% of the key ideas..."""
PARTIAL_AT = credit(PARTIAL_COVERAGE)
"""...partial from 40%."""


class Verdict(StrEnum):
    """How an interviewer would sum the answer up."""

    STRONG = "strong"
    PARTIAL = "partial"
    WEAK = "weak"
    OFF_TOPIC = "off-topic"


@dataclass(frozen=True, slots=True)
class ConceptResult:
    """A concept the answer touched, with the user's own words that did it."""

    name: str
    weight: float
    quote: str


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of grading one answer."""

    score: float
    """Final score in [0, 1], after contradictions, keyword-list and hint penalties."""
    verdict: Verdict
    covered: tuple[ConceptResult, ...]
    missed: tuple[str, ...]
    """Names of concepts not covered (contradicted ones included)."""
    contradicted: tuple[ConceptResult, ...] = ()
    """Concepts the answer got wrong, quoting the wrong statement."""
    coverage: float = 0.0
    """Covered weight over total weight, before any penalty or curve."""
    max_score: float = 1.0
    """Best score reachable with the hints used."""
    notes: tuple[str, ...] = ()
    """Machine-readable remarks: ``no-answer``, ``keyword-list``, ``echo``, ``on-subject``, ``incidental``,
    ``opposite-reply`` (reference mode: yes where the reference says no, or the other way round)."""

    def to_json(self) -> dict[str, object]:
        """The stable batch-grading output line."""
        return {
            "score": round(self.score, 4),
            "verdict": self.verdict.value,
            "covered": [c.name for c in self.covered],
            "missed": list(self.missed),
        }


def verdict_for(score: float, touched: bool, any_contradicted: bool) -> Verdict:
    """The verdict for a final score: off topic only when the answer touched nothing at all."""
    if score >= STRONG_AT:
        return Verdict.STRONG
    if score >= PARTIAL_AT:
        return Verdict.PARTIAL
    if touched or any_contradicted:
        return Verdict.WEAK
    return Verdict.OFF_TOPIC
