"""The bank's domain objects: plain, immutable data with no behaviour of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What sort of interview question it is; a round mixes them."""

    CONCEPTUAL = "conceptual"
    APPLIED = "applied"
    CODING = "coding"
    CASE_STUDY = "case-study"


@dataclass(frozen=True, slots=True)
class Concept:
    """A key idea a good answer covers, and the ways of saying it (or getting it wrong)."""

    name: str
    aliases: tuple[str, ...]
    weight: float = 1.0
    contradicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """Where a question was read from, for error messages."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Question:
    """One interview question with everything needed to ask, hint and grade it."""

    id: str
    topic: str
    kind: Kind
    difficulty: int
    question: str
    why_asked: str
    how_to_answer: str
    example_answers: tuple[str, ...]
    concepts: tuple[Concept, ...]
    hints: tuple[str, ...]
    follow_ups: tuple[str, ...] = ()
    source: Source | None = field(default=None, compare=False)

    @property
    def model_answer(self) -> str:
        """The answer shown after grading: the first example answer."""
        return self.example_answers[0]

    def to_json(self) -> dict[str, object]:
        """The question as plain JSON data (the `bank export` format)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "kind": self.kind.value,
            "difficulty": self.difficulty,
            "question": self.question,
            "why_asked": self.why_asked,
            "how_to_answer": self.how_to_answer,
            "example_answers": list(self.example_answers),
            "concepts": [
                {
                    "name": c.name,
                    "weight": c.weight,
                    "aliases": list(c.aliases),
                    "contradicts": list(c.contradicts),
                }
                for c in self.concepts
            ],
            "hints": list(self.hints),
            "follow_ups": list(self.follow_ups),
        }
