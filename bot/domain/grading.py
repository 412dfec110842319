"""Grade a free-text answer by fuzzy, weighted coverage of a question's key concepts.

Pure functions of (answer, question): no I/O, no clock, no Telegram. How it works:

1. The answer becomes a stream of stems (``text.tokenize``): case, inflection,
   British/American spelling and stopwords stop mattering; negation cues mark the
   words after them in their clause; parenthesised words are an aside of the clause.
2. Misspelt words are snapped to the question's own vocabulary (a small edit
   distance, same first letter, and only for words the bank does not know).
3. Glossary synonyms collapse to one term (``ridge`` = ``l2`` = ``weight decay``).
4. A concept is covered when all the terms of one of its aliases occur close together
   in one sentence, with the alias's polarity, or when one sentence of the answer
   covers most of the (rarity-weighted) content words of the example-answer clause
   that states the concept (a paraphrase). Words copied from the question in runs of
   four or more are ignored, so pasting the question back earns nothing.
5. A concept is contradicted when the answer states it wrongly: a ``contradicts``
   phrase of the bank, or the concept's statement made about a confusable sibling
   (L2 for L1, variance for bias), or with the opposite pole (sparse for dense,
   parallel for sequential), as ``bank/contrasts.yaml`` lists them. Two swaps cancel:
   "L2 gives dense weights" is a true statement about L2.
6. The covered weight over the total, minus ``CONTRADICTION_COST`` times the
   contradicted weight, is mapped through one concave curve (:func:`credit`), so one
   right idea out of five is worth more than a fifth; an answer clearly about the
   subject that matches no concept gets a small floor, and an incidental hit in an
   answer that never touches the subject earns little. A bare keyword list and hints
   scale the score down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.contrasts import Contrasts, Member
from bot.domain.glossary import Glossary
from bot.domain.models import Concept, Question
from bot.domain.text import NEGATION, Token, count_words, spelling_variants, stem, tokenize

HINT_COST = 0.15
"""Each hint used lowers the best reachable score by this much..."""
MIN_REACHABLE = 0.4
"""...but never below this: an answer after every hint still counts."""
CONTRADICTION_COST = 1.5
"""A contradicted concept costs this many times its weight: a wrong fact costs more than the
same words would earn when right, so a confidently wrong answer lands below a partial one."""
KEYWORD_LIST_FACTOR = 0.6
"""A bare list of terms shows recall, not understanding."""
ECHO_RUN = 4
"""Answer words copied from the question in runs this long earn nothing."""

CURVE_EXPONENT = 0.57
"""Score = coverage ** CURVE_EXPONENT: monotone and concave, one curve for the whole bank.

Fitted once by least squares of the curve against the human grades (grade / 5) of the first
development set (``tests/data/devset.jsonl``), answers with some coverage and no
contradiction; ``python benchmarks/grading_benchmark.py --fit-curve`` repeats the fit.
"""
STRONG_COVERAGE = 0.7
PARTIAL_COVERAGE = 0.4
ON_SUBJECT_FLOOR = 0.1
"""An answer clearly about the question's matter that matches no concept gets this much..."""
ON_SUBJECT_SHARE = 0.5
"""...when at least this share of its words are words of the question's example answers..."""
ON_SUBJECT_TERMS = 3
"""...and at least this many of them are telling (vague filler uses few such words)."""
INCIDENTAL_FACTOR = 0.5
"""A single concept hit in an answer mostly about something else: linear credit, halved..."""
INCIDENTAL_SHARE = 0.5
"""..."mostly": fewer than this share of its words are the question's matter."""

PARAPHRASE_SHARE = 0.6
"""Share of a statement's weighted content words one answer sentence must cover."""
PARAPHRASE_MIN_TERMS = 2
"""...and at least this many of its distinct terms."""
FUNCTION_WEIGHT = 0.5
"""A grammar word of a reference ("through", "over") is a key idea worth this little: it still
tells "flows through the circuit" from an answer that never says so."""
EVIDENCE_WEIGHT = 2.0
"""Term weight (inverse document frequency) from which a word is evidence of what a clause claims:
rarer than "data", "model" or "train"."""

_WINDOW_SLACK = 4
_DONT_KNOW = re.compile(
    r"(?<![\w-])(?:i\s*(?:do\s*n[o']?t|dont|don’t)\s*know|no\s+idea|not\s+sure|idk|dunno|no\s+clue|pass|"
    r"(?:can'?t|cannot)\s+remember|forgot|skip|give\s+up|no\s+answer|sorry|honestly|really|"
    r"(?:have|got)\s+no|this\s+one|that\s+one|the\s+answer|i\s+(?:have|had|got)|never\s+(?:learned|learnt|heard))"
    r"(?![\w-])"
)
"""Don't-know phrases, and the filler around them. An answer is "no answer" when nothing is
left once these are taken out ("Pass." is; "Pass-by-reference means..." is not)."""


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
    """Machine-readable remarks: ``no-answer``, ``keyword-list``, ``echo``, ``on-subject``, ``incidental``."""

    def to_json(self) -> dict[str, object]:
        """The stable batch-grading output line."""
        return {
            "score": round(self.score, 4),
            "verdict": self.verdict.value,
            "covered": [c.name for c in self.covered],
            "missed": list(self.missed),
        }


# ---- compiled questions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pattern:
    terms: tuple[str, ...]
    negated: bool
    swaps: int = 0
    """For a structural variant: how many swaps (sibling or pole) from the concept's statement."""
    named_groups: frozenset[int] = frozenset()
    """Confusable groups the pattern names itself: no subject is looked for in those."""
    anchor: int = 0
    """Which of the terms is the most telling (rarest in the bank): matching starts from it, and
    what the statement is about is read where it is."""
    either: bool = False
    """Matches in either polarity (reference mode, where polarity is compared clause against clause)."""
    pole: bool = False
    """A variant with the opposite pole: a contradiction only when the statement is explicitly
    about the concept's own entity ("bagging ... sequentially"), since "a large k" is a
    condition, not a claim, unless something is claimed of it."""


@dataclass(frozen=True, slots=True)
class _Statement:
    """A clause of an example answer (or a reference) that states a concept, as weighted terms."""

    weights: Mapping[str, float]
    total: float
    terms: frozenset[str]
    poles: tuple[Member, ...]
    """Poles the clause states ("poorly", "sparse"): the opposite in the answer is a swap."""
    negated: bool
    """Whether the clause is stated negatively (compared clause against clause in reference mode)."""
    negated_terms: frozenset[str] = frozenset()
    """The words the clause's negation governs: what a clause with the other polarity gets wrong."""
    subject: Member | None = None
    """The confusable entity the clause is about (its first), question words included."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    name: str
    weight: float
    patterns: tuple[_Pattern, ...]
    contradictions: tuple[_Pattern, ...]
    variants: tuple[_Pattern, ...]
    """Structural contradictions: an alias with a sibling entity or an opposite pole swapped in."""
    statements: tuple[_Statement, ...]
    entities: tuple[Member, ...]
    """The confusable entities the concept is about (named alone in its name): a sibling as subject is a swap."""
    context: tuple[Member, ...]
    """Entities the question is about (other groups): an opposite pole counts only when said of one."""
    poles: tuple[Member, ...]
    """Poles the concept's name states ("during training", "sparse"): an alias said in a clause
    with the opposite pole instead, of the concept's own entity, states the concept wrongly."""
    names: frozenset[tuple[str, ...]]
    """Aliases that only name the concept's own entity ("generator"): they cover the concept
    unless the answer also states it of a sibling."""
    keys: frozenset[str]
    """A term each alias, variant and contradiction needs: an answer with none of them can only
    state the concept by paraphrase (checked at once, before any pattern)."""
    evidence: frozenset[str]
    """The concept's telling words that are neither poles nor entities: a clause with an opposite
    pole states the concept wrongly only if it also says one of these ("LightGBM can overfit
    small datasets" is no claim about LightGBM being fast on large data)."""


@dataclass(frozen=True, slots=True)
class _CompiledQuestion:
    concepts: tuple[_Compiled, ...]
    vocabulary: frozenset[str]
    vocabulary_list: tuple[str, ...]
    echo_ngrams: frozenset[tuple[str, ...]]
    question_terms: frozenset[str]
    answer_terms: Mapping[str, float]
    """The words of the question's example answers and aliases (not in the question), with their weights."""
    reference: bool = False
    """Concepts derived from a plain reference answer rather than curated."""
    clauses: tuple[tuple[_Statement, Mapping[str, int]], ...] = ()
    """Reference mode: each reference clause and the concepts it states (term -> concept index)."""


# ---- the answer, indexed once ------------------------------------------------------------------


class _Answer:
    """An answer's tokens with the lookups every concept needs."""

    __slots__ = ("_entity_cache", "_segments", "claims", "index", "terms", "text", "tokens")

    def __init__(self, text: str, tokens: list[Token], echo: set[int]) -> None:
        self.text = text
        self.tokens = tokens
        index: dict[str, list[int]] = {}
        merged = []
        for pos, token in enumerate(tokens):
            term = token.term
            if term == NEGATION or (echo and pos in echo):
                continue
            found = index.get(term)
            if found is None:
                index[term] = [pos]
            else:
                found.append(pos)
            if token.parts:
                merged.append(pos)
        self.terms = frozenset(index)
        """The terms the answer says (outside echoes), without the words glossary terms swallowed."""
        for pos in merged:  # the words a glossary term swallowed still match
            for part in tokens[pos].parts:
                index.setdefault(part, []).append(pos)
        self.index = index
        self._entity_cache: dict[tuple[int, int], Member | None] = {}
        self._segments: dict[tuple[int, int], frozenset[str]] | None = None
        self.claims: dict[int, frozenset[int]] = {}
        """Per concept (by id): the positions where its aliases state it rightly."""

    def segment_terms(self, sentence: int, segment: int) -> frozenset[str]:
        """The terms a segment of a sentence says positively (worked out once per answer)."""
        if self._segments is None:
            grouped: dict[tuple[int, int], set[str]] = {}
            for token in self.tokens:
                if not token.negated:
                    grouped.setdefault((token.sentence, token.segment), set()).add(token.term)
            self._segments = {key: frozenset(terms) for key, terms in grouped.items()}
        return self._segments.get((sentence, segment), frozenset())

    def find(self, pattern: _Pattern, *, by_scope: bool, ordered: bool = False) -> tuple[tuple[int, ...], bool] | None:
        """The first place all the pattern's terms occur close together: positions and whether negated.

        ``by_scope`` keeps the match inside one scope (a clause, cut at "and", "so"...), as
        statements are; otherwise inside one segment of a sentence (cut at "but", "whereas"...).
        ``ordered`` also keeps the pattern's word order ("ai subset ml" is not "ml subset ai").
        Matches with the pattern's own polarity come first.
        """
        other = None
        for positions, negated, _ in self.matches(pattern, by_scope=by_scope, ordered=ordered):
            if negated == pattern.negated:
                return positions, negated
            other = other or (positions, negated)
        return other

    def matches(
        self, pattern: _Pattern, *, by_scope: bool, ordered: bool = False
    ) -> Iterator[tuple[tuple[int, ...], bool, int]]:
        """Every place the pattern's terms occur close together (see :meth:`find`), with its anchor:
        the position of the pattern's most telling term, where what the statement is about is read."""
        index = self.index
        lists = []
        for term in pattern.terms:
            positions = index.get(term)
            if positions is None:
                return
            lists.append(positions)
        tokens = self.tokens
        if len(lists) == 1:
            for pos in lists[0]:
                yield (pos,), tokens[pos].negated, pos
            return
        window = len(lists) + _WINDOW_SLACK
        for anchor in lists[pattern.anchor]:
            here = tokens[anchor]
            chosen: list[int] = []
            for positions in lists:
                best = -1
                rank = (2, 0)
                for pos in positions:
                    gap = pos - anchor if pos >= anchor else anchor - pos
                    if gap > window:
                        continue
                    token = tokens[pos]
                    if token.scope == here.scope:
                        candidate = (0, gap)
                    elif by_scope or token.sentence != here.sentence or token.segment != here.segment:
                        continue
                    elif pattern.named_groups and token.clause != here.clause:
                        continue  # an alias naming an entity states something of it: one clause
                    else:
                        candidate = (1, gap)
                    if candidate < rank:
                        best, rank = pos, candidate
                if best < 0:
                    break
                chosen.append(best)
            else:
                if max(chosen) - min(chosen) > window or (ordered and chosen != sorted(chosen)):
                    continue
                yield tuple(sorted(set(chosen))), any(tokens[p].negated for p in chosen), anchor

    def subject(self, member: Member, position: int, contrasts: Contrasts) -> Member | None:
        """The entity of ``member``'s group that the statement at ``position`` is about, if the answer says.

        The entity named in the same scope (an aside's own entity when the statement is in an
        aside, else outside asides); failing that, the nearest one named earlier in the
        sentence. A negated mention ("L1, not L2, ...") is not a subject.
        """
        key = (member.group, position)
        if key in self._entity_cache:
            return self._entity_cache[key]
        tokens = self.tokens
        here = tokens[position]
        named: list[Member] = []
        for token in tokens:
            if token.scope != here.scope or token.negated or (token.aside and token.aside != here.aside):
                continue
            entity = contrasts.entity(token.term)
            if entity is not None and entity.group == member.group:
                named.append(entity)
        found: Member | None = None
        if any(e.side == member.side for e in named):
            found = member  # its own entity is named: a comparison at worst, never a swap
        elif named:
            found = named[0]
        else:
            # The nearest earlier clause of the segment that names one, and in it the first (a
            # clause's subject comes first: "ML is a subset of AI in which it learns from data"
            # is about ML), else the same in the earlier segments of the sentence.
            earlier = [
                (token.segment == here.segment, token.clause, -pos, entity)
                for pos, token in enumerate(tokens[:position])
                if token.sentence == here.sentence
                and not token.negated
                and not token.aside
                and (entity := contrasts.entity(token.term)) is not None
                and entity.group == member.group
            ]
            if earlier:
                found = max(earlier, key=lambda e: (e[0], e[1], e[2]))[3]
        self._entity_cache[key] = found
        return found


# ---- the grader ----------------------------------------------------------------------------------


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
    ) -> None:
        self.glossary = glossary or Glossary()
        self.contrasts = contrasts or Contrasts()
        self._known = frozenset(known_words)
        self._weights = dict(weights or {})
        self._default_weight = max(self._weights.values(), default=1.0)
        # Keyed by the question's value, so a reloaded bank never meets a stale entry.
        self._cache: dict[Question, _CompiledQuestion] = {}

    # ---- public API -----------------------------------------------------------------

    def grade(self, question: Question, answer: str, *, hints_used: int = 0) -> Grade:
        """Grade an answer to a bank question."""
        compiled = self._cache.get(question)
        if compiled is None:
            compiled = self._compile(question.question, question.concepts, question.example_answers)
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
            compiled = self._compile_reference(question, ref)
            if compiled is None:
                continue
            grade = self._grade(compiled, answer, hints_used)
            if best is None or grade.score > best.score:
                best = grade
        return best or Grade(0.0, Verdict.OFF_TOPIC, (), (), notes=("no-reference",))

    def derive_concepts(self, question: str, reference: str) -> tuple[Concept, ...]:
        """Key concepts of a reference answer: its content-bearing words not already in the question.

        Each distinct telling term becomes a concept named by the reference's own word and
        weighted by how telling it is; filler ("especially", "moment") and words the question
        already says are left out. A word the reference negates gets a "not" alias: grading
        compares polarity clause against clause, and word by word only where no answer clause
        restates the reference's.
        """
        tokens = self._normalise(reference, None)
        question_terms = {t.term for t in self._normalise(question, None)}
        content = [t for t in tokens if t.term != NEGATION and not is_filler(t.term)]
        novel = [t for t in content if t.term not in question_terms] or content
        concepts: dict[str, Concept] = {}
        for token in novel:
            if token.term in concepts:
                continue
            surface = reference[token.start : token.end]
            weight = FUNCTION_WEIGHT if is_function(token.term) else min(3.0, max(1.0, self.weight(token.term)))
            alias = ("not " if token.negated else "") + surface
            concepts[token.term] = Concept(name=surface, aliases=(alias,), weight=round(weight, 2))
        return tuple(concepts.values())

    def weight(self, term: str) -> float:
        """How telling a term is: its inverse document frequency over the bank (rare terms weigh more)."""
        return self._weights.get(term, self._default_weight)

    def alias_terms(self, phrase: str) -> tuple[str, ...]:
        """The canonical terms of an alias, as matching uses them."""
        return self._pattern(phrase).terms

    def alias_is_negated(self, phrase: str) -> bool:
        """Whether an alias states something negatively ("no labels")."""
        return self._pattern(phrase).negated

    def question_terms(self, question: str) -> frozenset[str]:
        """The canonical terms of a question's text."""
        return frozenset(t.term for t in self._normalise(question, None) if t.term != NEGATION)

    def matches_itself(self, phrase: str) -> bool:
        """Whether an answer that says exactly this alias matches it (False: it can never match)."""
        pattern = self._pattern(phrase)
        tokens = self._normalise(phrase, None)
        found = _Answer(phrase, tokens, set()).find(pattern, by_scope=False)
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
            named = {e.group for t in self._pattern(concept.name).terms if (e := self.contrasts.entity(t)) is not None}
            sides: dict[int, set[int]] = {}
            for alias in concept.aliases:
                for term in self._pattern(alias).terms:
                    entity = self.contrasts.entity(term)
                    if entity is not None:
                        sides.setdefault(entity.group, set()).add(entity.side)
            if any(len(seen) == 1 and group not in named for group, seen in sides.items()):
                unguarded.append(concept.name)
        return unguarded

    # ---- compilation ----------------------------------------------------------------

    def _compile(
        self,
        question: str,
        concepts: Sequence[Concept],
        examples: Sequence[str],
        clauses: Sequence[tuple[_Statement, Mapping[str, int]]] | None = None,
    ) -> _CompiledQuestion:
        """Compile a question: patterns, variants and statements of its concepts, its vocabulary.

        With ``clauses`` (reference mode, even if empty) aliases match in either polarity, the
        clauses compare it, and the examples give no paraphrase statements: each word is a
        concept already.
        """
        q_tokens = self._normalise(question, None)
        q_terms = [t.term for t in q_tokens]
        question_terms = frozenset(t for t in q_terms if t != NEGATION)
        echo = echo_ngrams(q_terms)
        reference = clauses is not None
        patterns = [
            tuple(replace(p, either=reference) for a in c.aliases for p in self._patterns(a) if p.terms)
            for c in concepts
        ]
        explicit = [tuple(p for p in (self._pattern(a) for a in c.contradicts) if p.terms) for c in concepts]
        question_entities = self._one_sided(question_terms)
        entities = [tuple(self._one_sided(self._pattern(c.name).terms).values()) for c in concepts]
        context = [tuple(m for g, m in question_entities.items() if all(e.group != g for e in own)) for own in entities]
        example_tokens = [self._normalise(text, None) for text in examples]
        statements = self._statements(patterns, entities, [] if reference else example_tokens, question_terms)
        compiled = []
        for index, concept in enumerate(concepts):
            others = {p.terms for j, ps in enumerate(patterns) if j != index for p in ps}
            evidence = frozenset(
                t
                for p in (*patterns[index], self._pattern(concept.name))
                for t in p.terms
                if t not in question_terms
                and not self.contrasts.poles(t)
                and self.contrasts.entity(t) is None
                and not is_filler(t)
                and self.weight(t) >= EVIDENCE_WEIGHT
            )
            compiled.append(
                _Compiled(
                    concept.name,
                    float(concept.weight),
                    patterns[index],
                    explicit[index],
                    self._variants(patterns[index], self._pattern(concept.name), entities[index], others),
                    statements[index],
                    entities[index],
                    context[index],
                    self._name_poles(concept.name),
                    self._names(patterns[index], entities[index]),
                    frozenset(),
                    evidence,
                )
            )
        compiled = [
            replace(c, keys=frozenset(p.terms[p.anchor] for p in (*c.patterns, *c.variants, *c.contradictions)))
            for c in compiled
        ]
        vocabulary: set[str] = set()
        for built in compiled:
            for pattern in (*built.patterns, *built.contradictions):
                vocabulary.update(pattern.terms)
                for term in pattern.terms:
                    for member in self.glossary.member_terms(term):
                        vocabulary.update(member)
            for statement in built.statements:
                vocabulary.update(statement.terms)
        vocabulary = {v for v in vocabulary if not v.startswith("=") and v != NEGATION}
        answer_terms: dict[str, float] = {}
        for tokens in example_tokens:
            for token in tokens:
                if token.term != NEGATION and token.term not in question_terms and not is_filler(token.term):
                    answer_terms[token.term] = self.weight(token.term)
        for built in compiled:
            for pattern in built.patterns:
                for term in pattern.terms:
                    if term not in question_terms:
                        answer_terms[term] = self.weight(term)
        return _CompiledQuestion(
            tuple(compiled),
            frozenset(vocabulary),
            tuple(sorted(vocabulary)),
            echo,
            question_terms,
            answer_terms,
            reference,
            tuple(clauses or ()),
        )

    def _name_poles(self, name: str) -> tuple[Member, ...]:
        """The poles a concept's name states, one side only (not "linear ... nonlinear"), and not
        negated ("never computed explicitly" does not state "explicit")."""
        said = [t.term for t in self.glossary.canonicalize(tokenize(name)) if t.term != NEGATION and not t.negated]
        poles = [p for t in said for p in self.contrasts.poles(t) if not p.negated]
        sides: dict[int, set[int]] = {}
        for pole in poles:
            sides.setdefault(pole.group, set()).add(pole.side)
        return tuple(dict.fromkeys(p for p in poles if len(sides[p.group]) == 1))

    @staticmethod
    def _names(patterns: Sequence[_Pattern], entities: Sequence[Member]) -> frozenset[tuple[str, ...]]:
        """The aliases that only name one of the concept's own entities."""
        return frozenset(p.terms for p in patterns if all(any(t in e.terms for e in entities) for t in p.terms))

    def _compile_reference(self, question: str, reference: str) -> _CompiledQuestion | None:
        concepts = self.derive_concepts(question, reference)
        if not concepts:
            return None
        tokens = self._normalise(reference, None)
        question_terms = self.question_terms(question)
        term_of = {self._pattern(c.aliases[0]).terms[0]: n for n, c in enumerate(concepts)}
        clauses = []
        for clause_tokens in _group(tokens, "clause"):
            content = {t.term: term_of[t.term] for t in clause_tokens if t.term in term_of}
            if len(content) < 2:
                continue
            statement = self._statement(clause_tokens, question_terms)
            if statement is not None:
                clauses.append((statement, content))
        return self._compile(question, concepts, (reference,), clauses)

    def _patterns(self, phrase: str) -> list[_Pattern]:
        """An alias and its spellings with hyphenated prefixes joined or not ("post hoc", "post-hoc")."""
        found = [self._pattern(variant) for variant in spelling_variants(phrase)]
        return list({p.terms: p for p in found}.values())

    def _pattern(self, phrase: str) -> _Pattern:
        tokens = self.glossary.canonicalize(tokenize(phrase))
        negated = any(t.term == NEGATION for t in tokens)
        terms = tuple(dict.fromkeys(t.term for t in tokens if t.term != NEGATION))
        groups = frozenset(e.group for t in terms if (e := self.contrasts.entity(t)) is not None)
        return _Pattern(terms, negated, 0, groups, anchor=self._anchor(terms))

    def _anchor(self, terms: Sequence[str]) -> int:
        """The index of the most telling term (ties: the last, a statement's predicate comes late)."""
        return max(range(len(terms)), key=lambda i: (self.weight(terms[i]), i)) if terms else 0

    def _one_sided(self, terms: Iterable[str]) -> dict[int, Member]:
        """The confusable entities named, for the groups where exactly one member is named."""
        named: dict[int, set[Member]] = {}
        for term in terms:
            entity = self.contrasts.entity(term)
            if entity is not None:
                named.setdefault(entity.group, set()).add(entity)
        return {group: next(iter(members)) for group, members in named.items() if len(members) == 1}

    def _variants(
        self, patterns: Sequence[_Pattern], name: _Pattern, entities: Sequence[Member], others: set[tuple[str, ...]]
    ) -> tuple[_Pattern, ...]:
        """Each alias with one term swapped for a sibling entity or the opposite pole.

        Only an alias that says something besides the swapped term has variants ("l1 sparse"
        gives "l2 sparse"; "l1" alone gives nothing) has entity variants; an alias's pole gets
        the opposite unless the concept says both poles itself ("linear ... nonlinear"); and a
        variant that is another concept's alias is left out: there it is a right statement.
        """
        contrasts = self.contrasts
        own = {e.group: e for e in entities}
        own_aliases = {p.terms for p in patterns}
        sides: dict[int, set[int]] = {}
        for term in {t for p in (*patterns, name) for t in p.terms}:
            for pole in contrasts.poles(term):
                sides.setdefault(pole.group, set()).add(pole.side)
        two_sided = {group for group, seen in sides.items() if len(seen) > 1}
        variants: dict[tuple[tuple[str, ...], bool], _Pattern] = {}
        for pattern in patterns:
            single = len(pattern.terms) < 2
            for i, term in enumerate(pattern.terms):
                swaps: list[tuple[str, bool]] = []
                entity = contrasts.entity(term)
                if entity is not None and own.get(entity.group) == entity and not single:
                    swaps += [(t, pattern.negated) for s in contrasts.siblings(entity) for t in s.terms]
                else:
                    entity = None
                for pole in contrasts.poles(term):
                    if pole.negated or pole.group in two_sided:
                        continue
                    for opposite in contrasts.opposites(pole):
                        if opposite.negated:
                            swaps.append((term, not pattern.negated))
                        else:
                            swaps += [(t, pattern.negated) for t in opposite.terms]
                for swapped, negated in swaps:
                    terms = (*pattern.terms[:i], swapped, *pattern.terms[i + 1 :])
                    if len(set(terms)) < len(terms) or terms in own_aliases or terms in others:
                        continue
                    if any(set(o) <= set(terms) for o in others):
                        continue
                    by_pole = entity is None or swapped == term
                    groups = pattern.named_groups | ({entity.group} if entity is not None else set())
                    variant = _Pattern(terms, negated, 1, frozenset(groups), anchor=self._anchor(terms), pole=by_pole)
                    variants.setdefault((terms, negated), variant)
        return tuple(variants.values())

    def _statements(
        self,
        patterns: Sequence[Sequence[_Pattern]],
        entities: Sequence[Sequence[Member]],
        examples: Sequence[list[Token]],
        question_terms: frozenset[str],
    ) -> list[tuple[_Statement, ...]]:
        """For each concept, the example-answer clauses where one of its aliases states it (of its own
        entity, with its polarity)."""
        found: list[dict[frozenset[str], _Statement]] = [{} for _ in patterns]
        for tokens in examples:
            answer = _Answer("", tokens, set())
            scopes = {s[0].scope: s for s in _group(tokens, "scope")}
            for index, concept_patterns in enumerate(patterns):
                for pattern in concept_patterns:
                    for positions, negated, anchor in answer.matches(pattern, by_scope=False):
                        if negated != pattern.negated:
                            continue
                        if self._said_of_sibling(answer, entities[index], anchor):
                            continue  # the example says it of another entity: not this concept's statement
                        statement = self._statement(scopes[tokens[positions[0]].scope], question_terms)
                        if statement is not None:
                            found[index].setdefault(statement.terms, statement)
                        break
        return [tuple(f.values()) for f in found]

    def _said_of_sibling(self, answer: _Answer, entities: Sequence[Member], anchor: int) -> bool:
        """Whether the statement at ``anchor`` is about a sibling of one of these entities."""
        for entity in entities:
            subject = answer.subject(entity, anchor, self.contrasts)
            if subject is not None and self.contrasts.is_swap(entity, subject):
                return True
        return False

    def _statement(self, tokens: Sequence[Token], question_terms: frozenset[str]) -> _Statement | None:
        """A clause as weighted content terms (question words and filler left out), or None if too thin."""
        weights: dict[str, float] = {}
        poles: list[Member] = []
        for token in tokens:
            term = token.term
            if term == NEGATION or term in question_terms or is_filler(term):
                continue
            weights[term] = self.weight(term)
            poles += [p for p in self.contrasts.poles(term) if not p.negated]
        if len(weights) < PARAPHRASE_MIN_TERMS:
            return None
        negated = any(t.term == NEGATION for t in tokens)
        governed = frozenset(t.term for t in tokens if t.negated and t.term in weights)
        subject = self._first_entity(tokens)
        return _Statement(weights, sum(weights.values()), frozenset(weights), tuple(poles), negated, governed, subject)

    def _first_entity(self, tokens: Iterable[Token]) -> Member | None:
        """The first confusable entity a stretch of text names outside asides and negation."""
        for token in tokens:
            if not token.negated and not token.aside:
                entity = self.contrasts.entity(token.term)
                if entity is not None:
                    return entity
        return None

    # ---- grading ----------------------------------------------------------------------

    def _normalise(self, text: str, compiled: _CompiledQuestion | None) -> list[Token]:
        tokens = tokenize(text)
        if compiled is not None:
            tokens = self._correct_typos(tokens, compiled)
        return self.glossary.canonicalize(tokens)

    def _correct_typos(self, tokens: list[Token], compiled: _CompiledQuestion) -> list[Token]:
        vocabulary = compiled.vocabulary
        known = self._known
        corrections: dict[str, str] = {}
        out = tokens
        for i, token in enumerate(tokens):
            term = token.term
            if len(term) < 5 or term in vocabulary or term in known or not term.isalpha():
                continue
            if term not in corrections:
                corrections[term] = _nearest(term, compiled.vocabulary_list) if compiled.vocabulary_list else term
            fixed = corrections[term]
            if fixed != term:
                if out is tokens:
                    out = list(tokens)
                out[i] = token._replace(term=fixed)
        return out

    def _grade(self, compiled: _CompiledQuestion, answer: str, hints_used: int) -> Grade:
        tokens = self._normalise(answer, compiled)
        notes: list[str] = []
        total = sum(c.weight for c in compiled.concepts) or 1.0
        max_score = max(MIN_REACHABLE, 1.0 - HINT_COST * max(0, hints_used)) if hints_used else 1.0
        content = sum(1 for t in tokens if t.term != NEGATION)
        if content == 0 or (content <= 6 and is_dont_know(answer)):
            everything = tuple(c.name for c in compiled.concepts)
            return Grade(0.0, Verdict.OFF_TOPIC, (), everything, max_score=max_score, notes=("no-answer",))

        echo = echo_positions(tokens, compiled.echo_ngrams)
        if echo and len(echo) >= 0.8 * content:
            notes.append("echo")
        view = _Answer(answer, tokens, echo)

        covered: list[ConceptResult] = []
        contradicted: list[ConceptResult] = []
        missed: list[str] = []
        state: list[int] = []  # per concept: 1 covered, -1 contradicted, 0 neither
        hits: list[tuple[int, ...]] = []
        for concept in compiled.concepts:
            others = [c for c in compiled.concepts if c is not concept]
            judged, where = self._judge(concept, view, others)
            state.append(judged)
            hits.append(where)
        if compiled.reference:
            self._compare_clauses(compiled, view, state, hits)
        for concept, judged, where in zip(compiled.concepts, state, hits, strict=True):
            if judged > 0:
                covered.append(ConceptResult(concept.name, concept.weight, _quote(answer, tokens, where)))
                continue
            missed.append(concept.name)
            if judged < 0:
                contradicted.append(ConceptResult(concept.name, concept.weight, _quote(answer, tokens, where)))

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
        score = min(1.0, max(0.0, score * max_score))
        verdict = _verdict(score, bool(covered) or "on-subject" in notes, bool(contradicted))
        return Grade(
            score, verdict, tuple(covered), tuple(missed), tuple(contradicted), coverage, max_score, tuple(notes)
        )

    @staticmethod
    def _vocabulary_share(compiled: _CompiledQuestion, view: _Answer) -> tuple[float, int]:
        """How much of what the answer says is the question's own matter: the share of its words (the
        question's and filler aside) that its example answers and aliases use, and how many of those
        are telling. Vague filler and answers to other questions use few of them."""
        said = view.terms - compiled.question_terms - _FILLER
        if not said:
            return 0.0, 0
        used = [compiled.answer_terms[t] for t in said if t in compiled.answer_terms]
        telling = sum(1 for weight in used if weight >= EVIDENCE_WEIGHT)
        return len(used) / len(said), telling

    def _judge(
        self, concept: _Compiled, view: _Answer, others: Sequence[_Compiled] = ()
    ) -> tuple[int, tuple[int, ...]]:
        """Whether the answer states a concept (1), states it wrongly (-1) or neither (0), and where.

        A ``contradicts`` phrase or a structural variant (an alias with a sibling or the opposite
        pole swapped in) is a wrong statement whatever else the answer says. An alias said of a
        sibling subject, or a negated alias said positively, is weaker evidence: it counts only
        if no alias or paraphrase states the concept right.
        """
        if concept.keys.isdisjoint(view.index):
            return self._judge_paraphrase(concept, view, (), ())
        for pattern in concept.contradictions:
            hit = view.find(pattern, by_scope=True, ordered=True)
            if hit is not None and hit[1] == pattern.negated:
                return -1, hit[0]
        for pattern in concept.variants:
            for positions, negated, anchor in view.matches(pattern, by_scope=True):
                if negated != pattern.negated:
                    continue
                if pattern.pole and not self._claims(concept, pattern, view, positions):
                    continue
                if self._claimed_by_other(others, positions, view):
                    continue  # the swapped-in words state another concept of the question
                swaps, explicit = self._swaps(concept, pattern, view, anchor, pole=pattern.pole)
                if pattern.pole and len(pattern.terms) == 1:
                    # a lone pole word ("convex") is a claim only of an entity the answer names
                    explicit = any(view.subject(e, anchor, self.contrasts) == e for e in concept.entities)
                    explicit = explicit or any(view.subject(e, anchor, self.contrasts) == e for e in concept.context)
                if swaps % 2 and (explicit or not pattern.pole):
                    return -1, positions
        wrong: tuple[int, ...] = ()
        named: tuple[int, ...] = ()  # covered only by naming the concept's own entity ("generator")
        for pattern in concept.patterns:
            for positions, negated, anchor in view.matches(pattern, by_scope=False):
                if negated != pattern.negated and not pattern.either:
                    if pattern.negated and len(pattern.terms) > 1:
                        wrong = wrong or positions  # the bank says "not X"; the answer says X
                    continue
                swaps = self._swaps(concept, pattern, view, anchor)[0]
                opposite = self._opposite_poles(concept, pattern, view, anchor)
                if opposite:
                    with_poles, explicit = self._swaps(concept, pattern, view, anchor, pole=True)
                    if not explicit:
                        continue  # an opposite pole nearby, but not said of the concept's subject: no verdict
                    swaps = with_poles + opposite
                if swaps == 0:
                    if pattern.terms in concept.names:
                        named = named or positions
                        continue
                    return 1, positions
                if swaps % 2:
                    wrong = wrong or positions
        return self._judge_paraphrase(concept, view, wrong, named)

    def _judge_paraphrase(
        self, concept: _Compiled, view: _Answer, wrong: tuple[int, ...], named: tuple[int, ...]
    ) -> tuple[int, tuple[int, ...]]:
        """The end of :meth:`_judge`: paraphrases of the examples, then the weaker evidence found before."""
        for statement in concept.statements:
            found = self._paraphrase(statement, view)
            if found is None:
                continue
            positions, swaps, flipped = found
            subject_swaps, explicit = self._swaps(concept, _Pattern((), False), view, positions[-1], pole=swaps > 0)
            if swaps and not explicit:
                continue  # an opposite pole, but not said of the concept's own subject: no verdict
            if (swaps + subject_swaps + flipped) % 2:
                if swaps and not flipped:
                    return -1, positions  # the example's clause with a pole reversed: a wrong statement
                wrong = wrong or positions
            elif swaps + subject_swaps + flipped == 0:
                return 1, positions
        if wrong:
            return -1, wrong
        return (1, named) if named else (0, ())

    def _swaps(
        self, concept: _Compiled, pattern: _Pattern, view: _Answer, position: int, *, pole: bool = False
    ) -> tuple[int, bool]:
        """Swaps between the concept's statement and the answer's (the pattern's own, plus each sibling
        subject), and whether the answer names one of the concept's own entities as the subject.

        ``pole``: the answer says the opposite pole, which is a claim only when made of an entity:
        the question's entities count too then.
        """
        swaps = pattern.swaps
        # With no entity to be about, a statement is about the question's subject.
        explicit = pole and not concept.entities and not concept.context
        contrasts = self.contrasts
        for entity in (*concept.entities, *concept.context) if pole else concept.entities:
            if entity.group in pattern.named_groups:
                explicit = explicit or any(t in entity.terms for t in pattern.terms)
                continue
            subject = view.subject(entity, position, contrasts)
            if subject is not None:
                if contrasts.is_swap(entity, subject):
                    swaps += 1
                elif subject.side == entity.side:
                    explicit = True
        return swaps, explicit

    def _paraphrase(self, statement: _Statement, view: _Answer) -> tuple[tuple[int, ...], int, bool] | None:
        """Where one answer sentence covers most of a statement's words, how many poles it swaps,
        and whether it says positively what the statement negates."""
        index = view.index
        present = statement.terms & index.keys()
        if len(present) < PARAPHRASE_MIN_TERMS:
            return None
        weights = statement.weights
        needed = PARAPHRASE_SHARE * statement.total
        if sum(weights[t] for t in present) < needed:
            return None
        tokens = view.tokens
        by_sentence: dict[int, dict[str, int]] = {}
        for term in present:
            for pos in index[term]:
                sentence = tokens[pos].sentence
                terms = by_sentence.setdefault(sentence, {})
                terms.setdefault(term, pos)
        for sentence, terms in by_sentence.items():
            if len(terms) < PARAPHRASE_MIN_TERMS or sum(weights[t] for t in terms) < needed:
                continue
            positions = tuple(sorted(terms.values()))
            negated = any(tokens[p].negated for p in positions)
            if negated and not statement.negated:
                # The answer negates what the example states: it may rightly do so, and with a
                # swapped pole it may say the same thing ("different ... not comparable").
                continue
            flipped = statement.negated and not negated  # the example says "never X"; the answer says X
            swaps = 0
            for pole in statement.poles:
                if any(t in terms for t in pole.terms):
                    continue
                if any(self._in_sentence(view, t, sentence) for o in self.contrasts.opposites(pole) for t in o.terms):
                    swaps += 1
            return positions, swaps, flipped
        return None

    def _opposite_poles(self, concept: _Compiled, pattern: _Pattern, view: _Answer, anchor: int) -> int:
        """How many of the name's poles the alias's segment of sentence says the other way ("at
        inference" for "during training"), without saying them the concept's way too."""
        if not concept.poles:
            return 0
        tokens = view.tokens
        here = tokens[anchor]
        said = view.segment_terms(here.sentence, here.segment)
        count = 0
        for pole in concept.poles:
            if pole.terms & said or any(t in pole.terms for t in pattern.terms):
                continue
            if any(o.terms & said for o in self.contrasts.opposites(pole)):
                count += 1
        return count

    def _claims(self, concept: _Compiled, variant: _Pattern, view: _Answer, positions: tuple[int, ...]) -> bool:
        """Whether a clause with an opposite pole makes the concept's claim: it does not also say the
        concept's own pole (a comparison), and, if the pole describes another word of the alias
        ("large data"), it says something else of the concept too."""
        tokens = view.tokens
        scope = tokens[positions[0]].scope
        swapped = set(variant.terms)
        contrasts = self.contrasts
        for pattern in concept.patterns:
            for term in pattern.terms:
                said_here = any(tokens[p].scope == scope for p in view.index.get(term, ()))
                if term not in swapped and contrasts.poles(term) and said_here:
                    return False
        if len(variant.terms) == 1 or all(t in _INTENSIFIERS or contrasts.poles(t) for t in variant.terms):
            return True  # the pole is the claim: "sequentially", "too simple"
        poles = [p for p in positions if contrasts.poles(tokens[p].term)]
        if poles and not any(abs(p - q) == 1 for p in poles for q in positions if q not in poles):
            return False  # "poor" must describe the alias's word ("poor features"), not a neighbour's
        return any(tokens[p].scope == scope for term in concept.evidence - swapped for p in view.index.get(term, ()))

    def _claimed_by_other(self, others: Sequence[_Compiled], positions: tuple[int, ...], view: _Answer) -> bool:
        """Whether another concept's alias states that concept, rightly, on some of these positions."""
        wanted = set(positions)
        return any(not wanted.isdisjoint(self._stated_at(other, view)) for other in others)

    def _stated_at(self, concept: _Compiled, view: _Answer) -> frozenset[int]:
        """The positions where the concept's aliases state it rightly (worked out once per answer)."""
        found = view.claims.get(id(concept))
        if found is None:
            spots: set[int] = set()
            if not concept.keys.isdisjoint(view.index):
                for pattern in concept.patterns:
                    for where, negated, anchor in view.matches(pattern, by_scope=False):
                        if negated == pattern.negated and self._swaps(concept, pattern, view, anchor)[0] == 0:
                            spots.update(where)
            found = view.claims[id(concept)] = frozenset(spots)
        return found

    @staticmethod
    def _in_sentence(view: _Answer, term: str, sentence: int) -> bool:
        return any(view.tokens[p].sentence == sentence for p in view.index.get(term, ()))

    def _compare_clauses(
        self, compiled: _CompiledQuestion, view: _Answer, state: list[int], hits: list[tuple[int, ...]]
    ) -> None:
        """Reference mode: compare each reference clause with the answer clause that restates it.

        The answer clause is wrong when it says the reference's clause of a sibling entity or
        with the other polarity (one of these, not both: "L2 is not sparse" is right), or says
        one of its words with the opposite pole ("large" for "small") while neither flips the
        whole clause. The concepts it shares with the reference clause then earn nothing and
        cost: a wrong statement costs more than its words earn. Concepts that no clause aligns
        with are compared word by word.
        """
        tokens = view.tokens
        clauses: dict[int, list[int]] = {}
        for pos, token in enumerate(tokens):
            clauses.setdefault(token.clause, []).append(pos)
        contrasts = self.contrasts
        aligned: set[int] = set()
        for statement, concepts in compiled.clauses:
            best: tuple[int, list[int], set[str]] | None = None
            for positions in clauses.values():
                said = {tokens[p].term for p in positions}
                shared = len(said & statement.terms)
                content = len(said - compiled.question_terms) or 1
                if (
                    shared >= 2
                    and shared * 2 >= min(len(statement.terms), content)
                    and (best is None or shared > best[0])
                ):
                    best = (shared, positions, said)
            if best is None:
                continue
            _, positions, said = best
            shared_terms = said & statement.terms
            aligned.update(concepts[t] for t in shared_terms if t in concepts)
            flips = 0
            # Polarity of what the two clauses share: "no gap" beside them is another matter.
            said_negated = any(tokens[p].negated for p in positions if tokens[p].term in statement.terms)
            if said_negated != bool(statement.negated_terms):
                flips += 1
            if statement.subject is not None:
                subject = self._first_entity(tokens[p] for p in positions)
                if subject is not None and subject.group == statement.subject.group:
                    flips += contrasts.is_swap(statement.subject, subject)
            swapped = {
                term
                for term in statement.terms - said
                if any(o.terms & said for pole in contrasts.poles(term) for o in contrasts.opposites(pole))
            }
            if flips % 2 == (1 if swapped else 0):
                continue
            quote = tuple(p for p in positions if tokens[p].term != NEGATION)
            for term in shared_terms | swapped:
                member = concepts.get(term)
                if member is not None and state[member] >= 0:
                    state[member] = -1
                    hits[member] = quote
        for member, concept in enumerate(compiled.concepts):  # no clause to compare: word by word
            if state[member] > 0 and member not in aligned and hits[member]:
                said_negated = tokens[hits[member][0]].negated
                if said_negated != concept.patterns[0].negated:
                    state[member] = -1


# ---- small rules shared with the importer and the bank checker --------------------------------------


_INTENSIFIERS = frozenset(stem(w) for w in "too overly extremely highly far way".split())
"""Words that only make a pole stronger: "too simple" claims what "simple" does."""

_FILLER = frozenset(
    """
    especi particular moment basic actual general usual typic certain realli quit pretti fair rather
    somewhat sort kind bit lot import key main major overal simpli mere exact precis definit probabl
    mayb perhap possibl like also well just even still yet alreadi ever often sometim alway never
    thing stuff someth anyth everyth way case idea concept aspect fact
    """.split()
)


_FUNCTION = frozenset(
    stem(word)
    for word in """
    over under during through across within among between toward towards onto upon along around behind
    beyond despite except inside outside near off out up down back away again still even only all both
    either every many much most few several other others another first second third last next one two
    three take takes took taken give gives gave given put puts keep keeps get gets go goes went come
    comes let lets seem seems become becomes begin begins whole etc instead
    """.split()
)


def is_filler(term: str) -> bool:
    """A stem that carries no idea of its own ("especially", "moment", "basically")."""
    return term in _FILLER


def is_function(term: str) -> bool:
    """A stem that carries no idea of its own, or only grammar ("over", "first", "takes"):
    never a key idea derived from a reference answer."""
    return term in _FILLER or term in _FUNCTION


def echo_ngrams(terms: Sequence[str]) -> frozenset[tuple[str, ...]]:
    """The runs of ``ECHO_RUN`` question terms that answers may not earn credit for."""
    return frozenset(tuple(terms[i : i + ECHO_RUN]) for i in range(len(terms) - ECHO_RUN + 1))


def echo_positions(tokens: Sequence[Token], ngrams: frozenset[tuple[str, ...]]) -> set[int]:
    """Positions of tokens in runs copied from the question (see :func:`echo_ngrams`)."""
    if not ngrams or len(tokens) < ECHO_RUN:
        return set()
    terms = [t.term for t in tokens]
    firsts = {gram[0] for gram in ngrams}
    echo: set[int] = set()
    for i in range(len(terms) - ECHO_RUN + 1):
        if terms[i] in firsts and tuple(terms[i : i + ECHO_RUN]) in ngrams:
            echo.update(range(i, i + ECHO_RUN))
    return echo


def is_dont_know(answer: str) -> bool:
    """Whether an answer says nothing but "I don't know" in some form ("Pass.", "no idea, sorry")."""
    folded = answer.casefold()
    if _DONT_KNOW.search(folded) is None:
        return False
    rest = _DONT_KNOW.sub(" ", folded)
    return not any(t.term != NEGATION for t in tokenize(rest))


def is_keyword_list(answer: str) -> bool:
    """Whether an answer is a bare list of terms (almost no function words)."""
    words, function = count_words(answer)
    return words >= 4 and function / words < 0.1


def _group(tokens: Sequence[Token], level: str) -> list[list[Token]]:
    groups: dict[int, list[Token]] = {}
    for token in tokens:
        groups.setdefault(getattr(token, level), []).append(token)
    return list(groups.values())


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


def _quote(answer: str, tokens: list[Token], positions: tuple[int, ...]) -> str:
    """The user's words behind a match: one span if short, else the matched words."""
    if not positions:
        return ""
    start = tokens[positions[0]].start
    end = tokens[positions[-1]].end
    span = answer[start:end]
    if len(span) <= 80:
        return " ".join(span.split())
    return " … ".join(answer[tokens[p].start : tokens[p].end] for p in positions)


def _verdict(score: float, touched: bool, any_contradicted: bool) -> Verdict:
    if score >= STRONG_AT:
        return Verdict.STRONG
    if score >= PARTIAL_AT:
        return Verdict.PARTIAL
    if touched or any_contradicted:
        return Verdict.WEAK
    return Verdict.OFF_TOPIC
