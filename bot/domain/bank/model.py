"""The loaded question bank, and the problems a bank file can have."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from bot.domain.contrasts import Contrasts
from bot.domain.everyday import Everyday
from bot.domain.glossary import Glossary
from bot.domain.grading import Grader
from bot.domain.models import Question
from bot.domain.text import tokenize

DEFAULT_BANK_DIR = Path(__file__).resolve().parents[3] / "bank"
GLOSSARY_FILE = "glossary.yaml"
CONTRASTS_FILE = "contrasts.yaml"
EVERYDAY_FILE = "everyday.yaml"

MIN_CONCEPTS = 4
MIN_HINTS = 2
EXAMPLE_MIN_SCORE = 0.9
BEHAVIOURAL_TOPIC = "behavioural"
"""The topic of "tell me about a time" questions: each must be of kind behavioural."""
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
"""Question and topic ids: lowercase letters, digits and dashes, 2-48 characters."""
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
    everyday: Everyday = field(default_factory=Everyday)
    """Everyday words and the bank's terms they can stand for (``everyday.yaml``)."""
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
        """A grader that knows this bank's glossary, contrasts, everyday words, vocabulary and term weights.

        ``extra_words`` are more stems never to "correct" (a user's private decks).
        """
        known = self.vocabulary() | self.everyday.words() | frozenset(extra_words)
        return Grader(
            self.glossary, known, contrasts=self.contrasts, weights=self.term_weights(), everyday=self.everyday
        )

    def with_questions(self, questions: Iterable[Question], topics: dict[str, str]) -> Bank:
        """This bank's glossary, contrasts and everyday words with other questions and topics."""
        return replace(self, questions=tuple(questions), topics=topics)


def question_issue(q: Question, line: int, message: str) -> BankIssue:
    """A problem of one question, at a line of its file."""
    return BankIssue(q.source.path if q.source else "?", line, q.id, message)


def line_of(value: object, fallback: int) -> int:
    """The line a parsed YAML value was on (``fallback`` if it does not know)."""
    return int(getattr(value, "line", 0) or fallback)
