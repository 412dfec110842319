"""The grader: one answer against one bank question or plain reference answer.

See :mod:`bot.domain.grading` for how it works as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter

from bot.domain.contrasts import Contrasts
from bot.domain.everyday import Everyday
from bot.domain.glossary import Glossary
from bot.domain.grading.answer import AnswerView
from bot.domain.grading.compiled import EVIDENCE_WEIGHT, CompiledQuestion
from bot.domain.grading.compiler import Compiler
from bot.domain.grading.judge import Judge
from bot.domain.grading.results import (
    HINT_COST,
    MIN_REACHABLE,
    ConceptResult,
    Grade,
    Verdict,
    credit,
    verdict_for,
)
from bot.domain.grading.words import (
    FILLER,
    echo_positions,
    is_dont_know,
    is_keyword_list,
    nearest,
    polar_reply,
    quote_span,
)
from bot.domain.models import Concept, Question
from bot.domain.text import NEGATION, Token, tokenize

CONTRADICTION_COST = 2.0
"""A contradicted concept costs this many times its weight: a wrong fact costs more than the
same words would earn when right, so a confidently wrong answer lands below a partial one."""
KEYWORD_LIST_FACTOR = 0.6
"""A bare list of terms shows recall, not understanding."""
ON_SUBJECT_FLOOR = 0.1
"""An answer clearly about the question's matter that matches no concept gets this much..."""
ON_SUBJECT_SHARE = 0.5
"""...when at least this share of its words are words of the question's example answers..."""
ON_SUBJECT_TERMS = 3
"""...and at least this many of them are telling (vague filler uses few such words)."""
OPPOSITE_REPLY_FACTOR = 0.1
"""Reference mode: an answer that opens with yes where the reference says no (or the other way
round) is wrong on the central point, whatever words it shares with the reference."""
INCIDENTAL_FACTOR = 0.5
"""A single concept hit in an answer mostly about something else: linear credit, halved..."""
INCIDENTAL_SHARE = 0.5
"""..."mostly": fewer than this share of its words are the question's matter."""
_term_of = itemgetter(0)  # Token.term, read in C
_ID_SLACK = 1024
"""Identity entries beyond one per compiled question before they are dropped (equal questions
built anew, e.g. from a user's deck, each get one)."""


class Grader:
    """Grades answers against bank questions or plain reference answers.

    Holds the glossary, the confusable entities and opposite poles, term weights and a
    cache of compiled questions; grading itself is pure. ``known_words`` are stems never
    "corrected" as typos (the bank's vocabulary); ``weights`` maps a term to how telling it
    is (an inverse document frequency over the bank; unknown terms count as rare).
    """

    def __init__(
        self,
        glossary: Glossary | None = None,
        known_words: Iterable[str] = (),
        *,
        contrasts: Contrasts | None = None,
        weights: Mapping[str, float] | None = None,
        everyday: Everyday | None = None,
    ) -> None:
        self.glossary = glossary or Glossary()
        self.contrasts = contrasts or Contrasts()
        self.everyday = everyday or Everyday()
        self._known = frozenset(known_words)
        self._compiler = Compiler(self.glossary, self.contrasts, weights or {})
        self._judge = Judge(self.contrasts)
        # Keyed by the question's value, so a reloaded bank never meets a stale entry.
        self._cache: dict[Question, CompiledQuestion] = {}
        # The same, keyed by identity first: hashing a question hashes all its concepts, every call.
        # The entry holds the question, so its id cannot be reused while the entry lives.
        self._by_id: dict[int, tuple[Question, CompiledQuestion]] = {}

    # ---- public API -----------------------------------------------------------------

    def grade(self, question: Question, answer: str, *, hints_used: int = 0) -> Grade:
        """Grade an answer to a bank question."""
        seen = self._by_id.get(id(question))
        if seen is not None and seen[0] is question:
            return self._grade(seen[1], answer, hints_used)
        compiled = self._cache.get(question)
        if compiled is None:
            compiled = self._compiler.compile(question.question, question.concepts, question.example_answers)
            self._cache[question] = compiled
        if len(self._by_id) >= len(self._cache) + _ID_SLACK:  # bounded: questions rebuilt per request
            self._by_id.clear()
        self._by_id[id(question)] = (question, compiled)
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
            compiled = self._compiler.compile_reference(question, ref)
            if compiled is None:
                continue
            grade = self._grade(compiled, answer, hints_used)
            if best is None or grade.score > best.score:
                best = grade
        return best or Grade(0.0, Verdict.OFF_TOPIC, (), (), notes=("no-reference",))

    def derive_concepts(self, question: str, reference: str) -> tuple[Concept, ...]:
        """Key concepts of a reference answer: its content-bearing words not already in the question
        (see :meth:`Compiler.derive_concepts`)."""
        return self._compiler.derive_concepts(question, reference)

    def weight(self, term: str) -> float:
        """How telling a term is: its inverse document frequency over the bank (rare terms weigh more)."""
        return self._compiler.weight(term)

    def alias_terms(self, phrase: str) -> tuple[str, ...]:
        """The canonical terms of an alias, as matching uses them."""
        return self._compiler.pattern(phrase).terms

    def alias_is_negated(self, phrase: str) -> bool:
        """Whether an alias states something negatively ("no labels")."""
        return self._compiler.pattern(phrase).negated

    def question_terms(self, question: str) -> frozenset[str]:
        """The canonical terms of a question's text."""
        return self._compiler.question_terms(question)

    def matches_itself(self, phrase: str) -> bool:
        """Whether an answer that says exactly this alias matches it (False: it can never match)."""
        pattern = self._compiler.pattern(phrase)
        tokens = self._compiler.normalise(phrase)
        found = AnswerView(phrase, tokens, set()).find(pattern, by_scope=False)
        return found is not None and found[1] == pattern.negated

    def two_sided(self, question: Question) -> list[str]:
        """Names of concepts about one side of a contrast that nothing guards against a swap.

        Their aliases name one entity of a confusable group that the concept's name does not,
        and they have no ``contradicts``: "ROC ignores true negatives" would earn a concept
        about the PR curve named without it. Naming the entity in the concept's name lets
        structure guard it; a ``contradicts`` phrase guards what structure cannot express.
        """
        unguarded = []
        for concept in question.concepts:
            if concept.contradicts:
                continue
            named = {
                e.group
                for t in self._compiler.pattern(concept.name).terms
                if (e := self.contrasts.entity(t)) is not None
            }
            sides: dict[int, set[int]] = {}
            for alias in concept.aliases:
                for term in self._compiler.pattern(alias).terms:
                    entity = self.contrasts.entity(term)
                    if entity is not None:
                        sides.setdefault(entity.group, set()).add(entity.side)
            if any(len(seen) == 1 and group not in named for group, seen in sides.items()):
                unguarded.append(concept.name)
        return unguarded

    # ---- grading ------------------------------------------------------------------------------

    def _normalise(self, text: str, compiled: CompiledQuestion) -> list[Token]:
        return self.glossary.canonicalize(self._correct_typos(tokenize(text), compiled))

    def _correct_typos(self, tokens: list[Token], compiled: CompiledQuestion) -> list[Token]:
        vocabulary = compiled.vocabulary
        known = self._known
        corrections: dict[str, str] = {}
        out = tokens
        for i, token in enumerate(tokens):
            term = token.term
            if len(term) < 5 or term in vocabulary or term in known or not term.isalpha():
                continue
            if term not in corrections:
                corrections[term] = nearest(term, compiled.vocabulary_list) if compiled.vocabulary_list else term
            fixed = corrections[term]
            if fixed != term:
                if out is tokens:
                    out = list(tokens)
                out[i] = token._replace(term=fixed)
        return out

    def _grade(self, compiled: CompiledQuestion, answer: str, hints_used: int) -> Grade:
        tokens = self._normalise(answer, compiled)
        notes: list[str] = []
        total = sum(c.weight for c in compiled.concepts) or 1.0
        max_score = max(MIN_REACHABLE, 1.0 - HINT_COST * max(0, hints_used)) if hints_used else 1.0
        content = len(tokens) - list(map(_term_of, tokens)).count(NEGATION)  # counted in C
        if content == 0 or (content <= 6 and is_dont_know(answer)):
            everything = tuple(c.name for c in compiled.concepts)
            return Grade(0.0, Verdict.OFF_TOPIC, (), everything, max_score=max_score, notes=("no-answer",))

        echo = echo_positions(tokens, compiled.echo_ngrams)
        if echo and len(echo) >= 0.8 * content:
            notes.append("echo")
        view = AnswerView(answer, tokens, echo, self.everyday)

        covered: list[ConceptResult] = []
        contradicted: list[ConceptResult] = []
        missed: list[str] = []
        state: list[int] = []  # per concept: 1 covered, -1 contradicted, 0 neither
        hits: list[tuple[int, ...]] = []
        concepts = compiled.concepts
        for n, concept in enumerate(concepts):
            judged, where = self._judge.judge(concept, view, concepts[:n] + concepts[n + 1 :])
            state.append(judged)
            hits.append(where)
        if compiled.reference:
            self._judge.compare_clauses(compiled, view, state, hits)
        self._judge.discount_wrong_clauses(view, state, hits)
        for concept, judged, where in zip(compiled.concepts, state, hits, strict=True):
            if judged > 0:
                covered.append(ConceptResult(concept.name, concept.weight, quote_span(answer, tokens, where)))
                continue
            missed.append(concept.name)
            if judged < 0:
                contradicted.append(ConceptResult(concept.name, concept.weight, quote_span(answer, tokens, where)))

        coverage = sum(c.weight for c in covered) / total
        penalty = CONTRADICTION_COST * sum(c.weight for c in contradicted) / total
        raw = max(0.0, coverage - penalty)
        # A reference's words are too few to tell what else an answer is about: bank questions only.
        share, telling = (1.0, 0) if compiled.reference else self._vocabulary_share(compiled, view)
        if raw > 0 and len(covered) == 1 and share < INCIDENTAL_SHARE:
            score = raw * INCIDENTAL_FACTOR
            notes.append("incidental")
        else:
            score = credit(raw)
        if not covered and not contradicted and share >= ON_SUBJECT_SHARE and telling >= ON_SUBJECT_TERMS:
            score = ON_SUBJECT_FLOOR
            notes.append("on-subject")
        if covered and is_keyword_list(answer):
            score *= KEYWORD_LIST_FACTOR
            notes.append("keyword-list")
        opposite = compiled.polar is not None and polar_reply(answer) not in (None, compiled.polar)
        if opposite:
            score *= OPPOSITE_REPLY_FACTOR
            notes.append("opposite-reply")
        score = min(1.0, max(0.0, score * max_score))
        verdict = verdict_for(score, bool(covered) or "on-subject" in notes, bool(contradicted) or opposite)
        return Grade(
            score, verdict, tuple(covered), tuple(missed), tuple(contradicted), coverage, max_score, tuple(notes)
        )

    def _vocabulary_share(self, compiled: CompiledQuestion, view: AnswerView) -> tuple[float, int]:
        """How much of what the answer says is the question's own matter: the share of its words (the
        question's and filler aside) that its example answers and aliases use (or that stand for such
        a word, "mistake" for "error"), and how many of those are telling. Vague filler and answers to
        other questions use few of them."""
        said = view.terms - compiled.question_terms - FILLER
        if not said:
            return 0.0, 0
        matter = compiled.answer_terms
        known = said & matter.keys()  # set operations run in C: this reads every word of the answer
        used = [matter[term] for term in known]
        related = self.everyday.related
        for term in (said - known) & related.keys():  # everyday words standing for the matter's words
            weight = max((matter[m] for m in related[term] if m in matter), default=None)
            if weight is not None:
                used.append(weight)
        telling = sum(1 for weight in used if weight >= EVIDENCE_WEIGHT)
        return len(used) / len(said), telling
