"""Grade a free-text answer by fuzzy, weighted coverage of a question's key concepts.

Pure functions of (answer, question): no I/O, no clock, no Telegram. How it works:

1. The answer becomes a stream of stems (``text.tokenize``): case, inflection,
   British/American spelling and stopwords stop mattering; negation cues mark the
   words after them in their clause.
2. Misspelt words are snapped to the question's own vocabulary (a small edit
   distance, same first letter, and only for words the bank does not know).
3. Glossary synonyms collapse to one term (``ridge`` = ``l2`` = ``weight decay``).
4. Each concept alias matches when all its terms occur close together in one
   sentence, with the alias's polarity. Words copied from the question in runs of
   four or more are ignored, so pasting the question back earns nothing.
5. The score is the covered concept weight over the total, minus half the weight
   of every contradicted concept (a ``contradicts`` phrase stated, or the concept
   stated only in negated form), scaled down for a bare keyword list and for hints.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.glossary import Glossary
from bot.domain.models import Concept, Question
from bot.domain.text import NEGATION, Token, count_words, tokenize

HINT_COST = 0.15
"""Each hint used lowers the best reachable score by this much..."""
MIN_REACHABLE = 0.4
"""...but never below this: an answer after every hint still counts."""
CONTRADICTION_COST = 0.5
"""A contradicted concept costs this fraction of its weight, on top of earning nothing."""
KEYWORD_LIST_FACTOR = 0.6
"""A bare list of terms shows recall, not understanding."""
ECHO_RUN = 4
"""Answer words copied from the question in runs this long earn nothing."""

STRONG_AT = 0.7
PARTIAL_AT = 0.4

_WINDOW_SLACK = 4
_DONT_KNOW = re.compile(
    r"\b(i\s*(?:do\s*n[o']?t|dont|don’t)\s*know|no\s+idea|not\s+sure|idk|dunno|no\s+clue|pass|"
    r"(?:can'?t|cannot)\s+remember|forgot|skip|give\s+up|no\s+answer)\b"
)


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
    """Covered weight over total weight, before any penalty."""
    max_score: float = 1.0
    """Best score reachable with the hints used."""
    notes: tuple[str, ...] = ()
    """Machine-readable remarks: ``no-answer``, ``keyword-list``, ``echo``."""

    def to_json(self) -> dict[str, object]:
        """The stable batch-grading output line."""
        return {
            "score": round(self.score, 4),
            "verdict": self.verdict.value,
            "covered": [c.name for c in self.covered],
            "missed": list(self.missed),
        }


@dataclass(frozen=True, slots=True)
class _Pattern:
    terms: tuple[str, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class _Compiled:
    name: str
    weight: float
    patterns: tuple[_Pattern, ...]
    contradictions: tuple[_Pattern, ...]


@dataclass(frozen=True, slots=True)
class _CompiledQuestion:
    concepts: tuple[_Compiled, ...]
    vocabulary: frozenset[str]
    vocabulary_list: tuple[str, ...]
    echo_ngrams: frozenset[tuple[str, ...]]
    negation_contradicts: bool
    """Whether stating a concept only in negated form counts against the answer.

    True for concepts derived from reference text, whose polarity is literal ("not
    connected"). False for curated concepts: authors phrase aliases positively, and
    a candidate may rightly negate one ("don't oversample before splitting"); there
    the bank's explicit ``contradicts`` phrases say what is wrong.
    """


class Grader:
    """Grades answers against bank questions or plain reference answers.

    Holds the glossary and a cache of compiled questions; grading itself is pure.
    ``known_words`` are stems never "corrected" as typos (the bank's vocabulary).
    """

    def __init__(self, glossary: Glossary | None = None, known_words: Iterable[str] = ()) -> None:
        self.glossary = glossary or Glossary()
        self._known = frozenset(known_words)
        # Keyed by the question's value, so a reloaded bank never meets a stale entry.
        self._cache: dict[Question, _CompiledQuestion] = {}

    # ---- public API -----------------------------------------------------------------

    def grade(self, question: Question, answer: str, *, hints_used: int = 0) -> Grade:
        """Grade an answer to a bank question."""
        compiled = self._cache.get(question)
        if compiled is None:
            compiled = self._compile(question.question, question.concepts, negation_contradicts=False)
            self._cache[question] = compiled
        return self._grade(compiled, answer, hints_used)

    def grade_reference(
        self, question: str, references: str | Sequence[str], answer: str, *, hints_used: int = 0
    ) -> Grade:
        """Grade against plain reference answers, deriving concepts from their text.

        With several references the answer is graded against each and the best wins.
        """
        refs = [references] if isinstance(references, str) else list(references)
        best: Grade | None = None
        for ref in refs:
            concepts = self.derive_concepts(question, ref)
            if not concepts:
                continue
            grade = self._grade(self._compile(question, concepts, negation_contradicts=True), answer, hints_used)
            if best is None or grade.score > best.score:
                best = grade
        return best or Grade(0.0, Verdict.OFF_TOPIC, (), (), notes=("no-reference",))

    def derive_concepts(self, question: str, reference: str) -> tuple[Concept, ...]:
        """Key concepts of a reference answer: its content words not already in the question.

        Each distinct content term becomes a concept named by the reference's own word;
        a term the reference negates must be negated in the answer too.
        """
        tokens = self._normalise(reference, None)
        question_terms = {t.term for t in self._normalise(question, None)}
        content = [t for t in tokens if t.term != NEGATION]
        novel = [t for t in content if t.term not in question_terms] or content
        concepts: dict[str, Concept] = {}
        for token in novel:
            if token.term in concepts:
                continue
            surface = reference[token.start : token.end]
            alias = ("not " if token.negated else "") + surface
            concepts[token.term] = Concept(name=surface, aliases=(alias,))
        return tuple(concepts.values())

    def alias_terms(self, phrase: str) -> tuple[str, ...]:
        """The canonical terms of an alias, as matching uses them."""
        return self._pattern(phrase).terms

    def alias_is_negated(self, phrase: str) -> bool:
        """Whether an alias states something negatively ("no labels")."""
        return self._pattern(phrase).negated

    def question_terms(self, question: str) -> frozenset[str]:
        """The canonical terms of a question's text."""
        return frozenset(t.term for t in self._normalise(question, None) if t.term != NEGATION)

    # ---- compilation ----------------------------------------------------------------

    def _compile(self, question: str, concepts: Sequence[Concept], *, negation_contradicts: bool) -> _CompiledQuestion:
        compiled = tuple(
            _Compiled(
                c.name,
                float(c.weight),
                tuple(p for p in (self._pattern(a) for a in c.aliases) if p.terms),
                tuple(p for p in (self._pattern(a) for a in c.contradicts) if p.terms),
            )
            for c in concepts
        )
        vocabulary: set[str] = set()
        for phrase in (a for c in concepts for a in (*c.aliases, *c.contradicts)):
            vocabulary.update(t.term for t in tokenize(phrase) if t.term != NEGATION)
        for concept in compiled:
            for pattern in (*concept.patterns, *concept.contradictions):
                for term in pattern.terms:
                    for member in self.glossary.member_terms(term):
                        vocabulary.update(member)
        vocabulary = {v for v in vocabulary if not v.startswith("=")}
        q_terms = [t.term for t in self._normalise(question, None)]
        echo = frozenset(tuple(q_terms[i : i + ECHO_RUN]) for i in range(len(q_terms) - ECHO_RUN + 1))
        return _CompiledQuestion(compiled, frozenset(vocabulary), tuple(sorted(vocabulary)), echo, negation_contradicts)

    def _pattern(self, phrase: str) -> _Pattern:
        tokens = self.glossary.canonicalize(tokenize(phrase))
        negated = any(t.term == NEGATION for t in tokens)
        terms = tuple(dict.fromkeys(t.term for t in tokens if t.term != NEGATION))
        return _Pattern(terms, negated)

    # ---- grading ----------------------------------------------------------------------

    def _normalise(self, text: str, compiled: _CompiledQuestion | None) -> list[Token]:
        tokens = tokenize(text)
        if compiled is not None:
            tokens = self._correct_typos(tokens, compiled)
        return self.glossary.canonicalize(tokens)

    def _correct_typos(self, tokens: list[Token], compiled: _CompiledQuestion) -> list[Token]:
        corrections: dict[str, str] = {}
        out = []
        for original in tokens:
            token, term = original, original.term
            if (
                len(term) >= 5
                and term not in compiled.vocabulary
                and term not in self._known
                and term.isalpha()
                and compiled.vocabulary_list
            ):
                if term not in corrections:
                    corrections[term] = _nearest(term, compiled.vocabulary_list)
                fixed = corrections[term]
                if fixed != term:
                    token = replace(token, term=fixed)
            out.append(token)
        return out

    def _grade(self, compiled: _CompiledQuestion, answer: str, hints_used: int) -> Grade:
        tokens = self._normalise(answer, compiled)
        notes: list[str] = []
        total = sum(c.weight for c in compiled.concepts) or 1.0
        max_score = max(MIN_REACHABLE, 1.0 - HINT_COST * max(0, hints_used)) if hints_used else 1.0
        content = [t for t in tokens if t.term != NEGATION]
        if _is_dont_know(answer, len(content)):
            everything = tuple(c.name for c in compiled.concepts)
            return Grade(0.0, Verdict.OFF_TOPIC, (), everything, max_score=max_score, notes=("no-answer",))

        echo = _echo_positions(tokens, compiled.echo_ngrams)
        if echo and len(echo) >= 0.8 * len(content):
            notes.append("echo")
        index: dict[str, list[int]] = defaultdict(list)
        for pos, token in enumerate(tokens):
            if pos not in echo and token.term != NEGATION:
                index[token.term].append(pos)

        covered: list[ConceptResult] = []
        contradicted: list[ConceptResult] = []
        missed: list[str] = []
        for concept in compiled.concepts:
            wrong = _first_hit(concept.contradictions, index, tokens, by_clause=True, want_positive=True)
            if wrong is not None:
                contradicted.append(ConceptResult(concept.name, concept.weight, _quote(answer, tokens, wrong)))
                missed.append(concept.name)
                continue
            hit = _first_hit(concept.patterns, index, tokens, by_clause=False, want_positive=True)
            if hit is not None:
                covered.append(ConceptResult(concept.name, concept.weight, _quote(answer, tokens, hit)))
                continue
            missed.append(concept.name)
            if not compiled.negation_contradicts:
                continue
            flipped = _first_hit(concept.patterns, index, tokens, by_clause=False, want_positive=False)
            if flipped is not None:
                contradicted.append(ConceptResult(concept.name, concept.weight, _quote(answer, tokens, flipped)))

        coverage = sum(c.weight for c in covered) / total
        penalty = CONTRADICTION_COST * sum(c.weight for c in contradicted) / total
        raw = max(0.0, coverage - penalty)
        if covered and _is_keyword_list(answer):
            raw *= KEYWORD_LIST_FACTOR
            notes.append("keyword-list")
        score = min(1.0, max(0.0, raw * max_score))
        verdict = _verdict(score, bool(covered), bool(contradicted))
        return Grade(
            score, verdict, tuple(covered), tuple(missed), tuple(contradicted), coverage, max_score, tuple(notes)
        )


def _nearest(term: str, vocabulary: Sequence[str]) -> str:
    """The vocabulary stem a misspelt stem most likely meant, or the stem itself."""
    limit = 1 if len(term) <= 8 else 2
    found = process.extractOne(term, vocabulary, scorer=Levenshtein.distance, score_cutoff=limit)
    if found is None:
        return term
    candidate = found[0]
    if candidate[0] != term[0] or abs(len(candidate) - len(term)) > limit:
        return term
    return str(candidate)


def _echo_positions(tokens: list[Token], ngrams: frozenset[tuple[str, ...]]) -> set[int]:
    if not ngrams or len(tokens) < ECHO_RUN:
        return set()
    terms = [t.term for t in tokens]
    echo: set[int] = set()
    for i in range(len(terms) - ECHO_RUN + 1):
        if tuple(terms[i : i + ECHO_RUN]) in ngrams:
            echo.update(range(i, i + ECHO_RUN))
    return echo


def _first_hit(
    patterns: Sequence[_Pattern],
    index: dict[str, list[int]],
    tokens: list[Token],
    *,
    by_clause: bool,
    want_positive: bool,
) -> tuple[int, ...] | None:
    for pattern in patterns:
        hit = _find(pattern, index, tokens, by_clause=by_clause, want_positive=want_positive)
        if hit is not None:
            return hit
    return None


def _find(
    pattern: _Pattern,
    index: dict[str, list[int]],
    tokens: list[Token],
    *,
    by_clause: bool,
    want_positive: bool,
) -> tuple[int, ...] | None:
    """Positions where all the pattern's terms occur close together, with the wanted polarity.

    ``by_clause`` is for contradiction phrases: one scope (a clause, cut at "and", "so"...)
    and the phrase's word order.
    """
    lists = [index.get(term) for term in pattern.terms]
    if any(not positions for positions in lists):
        return None
    window = len(pattern.terms) + _WINDOW_SLACK
    anchor_list = min(lists, key=lambda p: len(p or ()))
    assert anchor_list is not None
    for anchor in anchor_list:
        scope = tokens[anchor].scope if by_clause else tokens[anchor].sentence
        chosen: list[int] = []
        for positions in lists:
            assert positions is not None
            best = None
            for pos in positions:
                same = (tokens[pos].scope if by_clause else tokens[pos].sentence) == scope
                if same and abs(pos - anchor) <= window and (best is None or abs(pos - anchor) < abs(best - anchor)):
                    best = pos
            if best is None:
                break
            chosen.append(best)
        else:
            if max(chosen) - min(chosen) > window:
                continue
            if by_clause and chosen != sorted(chosen):
                continue  # statements keep their word order: "ai subset ml" is not "ml subset ai"
            negated = any(tokens[p].negated for p in chosen)
            if (negated == pattern.negated) == want_positive:
                return tuple(sorted(set(chosen)))
    return None


def _quote(answer: str, tokens: list[Token], positions: tuple[int, ...]) -> str:
    """The user's words behind a match: one span if short, else the matched words."""
    start = tokens[positions[0]].start
    end = tokens[positions[-1]].end
    span = answer[start:end]
    if len(span) <= 80:
        return " ".join(span.split())
    return " … ".join(answer[tokens[p].start : tokens[p].end] for p in positions)


def _is_dont_know(answer: str, content_terms: int) -> bool:
    if content_terms == 0:
        return True
    return content_terms <= 4 and _DONT_KNOW.search(answer.casefold()) is not None


def _is_keyword_list(answer: str) -> bool:
    words, function = count_words(answer)
    return words >= 4 and function / words < 0.1


def _verdict(score: float, any_covered: bool, any_contradicted: bool) -> Verdict:
    if score >= STRONG_AT:
        return Verdict.STRONG
    if score >= PARTIAL_AT:
        return Verdict.PARTIAL
    if any_covered or any_contradicted:
        return Verdict.WEAK
    return Verdict.OFF_TOPIC
