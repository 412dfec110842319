"""Compile a question for grading, once: its concepts' aliases as patterns, the structural
variants that would state them wrongly, and the example-answer clauses that state them.

Also derives the concepts of a plain reference answer (reference mode: ``python -m bot grade``
with a ``reference``, imported and private decks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot.domain.contrasts import Contrasts, Member
from bot.domain.glossary import Glossary
from bot.domain.grading.answer import AnswerView, first_entity, said_of_sibling
from bot.domain.grading.compiled import (
    EVIDENCE_WEIGHT,
    PARAPHRASE_MIN_TERMS,
    CompiledConcept,
    CompiledQuestion,
    Pattern,
    Statement,
)
from bot.domain.grading.words import echo_ngrams, group_by, is_filler, is_function, polar_reply
from bot.domain.models import Concept
from bot.domain.text import NEGATION, Token, spelling_variants, tokenize

FUNCTION_WEIGHT = 0.5
"""A grammar word of a reference ("through", "over") is a key idea worth this little: it still
tells "flows through the circuit" from an answer that never says so."""


class Compiler:
    """Turns questions and reference answers into :class:`CompiledQuestion`, with the bank's glossary,
    contrasts and term weights (an inverse document frequency; unknown terms count as rare)."""

    def __init__(self, glossary: Glossary, contrasts: Contrasts, weights: Mapping[str, float]) -> None:
        self.glossary = glossary
        self.contrasts = contrasts
        self._weights = dict(weights)
        self._default_weight = max(self._weights.values(), default=1.0)

    def weight(self, term: str) -> float:
        """How telling a term is: its inverse document frequency over the bank (rare terms weigh more)."""
        return self._weights.get(term, self._default_weight)

    def normalise(self, text: str) -> list[Token]:
        """Text as the grader's terms: stems, then glossary synonyms collapsed."""
        return self.glossary.canonicalize(tokenize(text))

    def question_terms(self, question: str) -> frozenset[str]:
        """The canonical terms of a question's text."""
        return frozenset(t.term for t in self.normalise(question) if t.term != NEGATION)

    def derive_concepts(self, question: str, reference: str) -> tuple[Concept, ...]:
        """Key concepts of a reference answer: its content-bearing words not already in the question.

        Each distinct telling term becomes a concept named by the reference's own word and
        weighted by how telling it is; filler ("especially", "moment") and words the question
        already says are left out. A word the reference negates gets a "not" alias: grading
        compares polarity clause against clause, and word by word only where no answer clause
        restates the reference's.
        """
        tokens = self.normalise(reference)
        question_terms = {t.term for t in self.normalise(question)}
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

    def compile(
        self,
        question: str,
        concepts: Sequence[Concept],
        examples: Sequence[str],
        clauses: Sequence[tuple[Statement, Mapping[str, int]]] | None = None,
    ) -> CompiledQuestion:
        """Compile a question: patterns, variants and statements of its concepts, its vocabulary.

        With ``clauses`` (reference mode, even if empty) aliases match in either polarity, the
        clauses compare it, and the examples give no paraphrase statements: each word is a
        concept already.
        """
        q_tokens = self.normalise(question)
        q_terms = [t.term for t in q_tokens]
        question_terms = frozenset(t for t in q_terms if t != NEGATION)
        echo = echo_ngrams(q_terms)
        reference = clauses is not None
        patterns = [
            tuple(replace(p, either=reference) for a in c.aliases for p in self.patterns(a) if p.terms)
            for c in concepts
        ]
        explicit = [tuple(p for p in (self.pattern(a) for a in c.contradicts) if p.terms) for c in concepts]
        question_entities = self._one_sided(question_terms)
        entities = [tuple(self._one_sided(self.pattern(c.name).terms).values()) for c in concepts]
        context = [tuple(m for g, m in question_entities.items() if all(e.group != g for e in own)) for own in entities]
        example_tokens = [self.normalise(text) for text in examples]
        statements = self._statements(patterns, entities, [] if reference else example_tokens, question_terms)
        compiled = []
        for index, concept in enumerate(concepts):
            others = {p.terms for j, ps in enumerate(patterns) if j != index for p in ps}
            evidence = frozenset(
                t
                for p in (*patterns[index], self.pattern(concept.name))
                for t in p.terms
                if t not in question_terms
                and not self.contrasts.poles(t)
                and self.contrasts.entity(t) is None
                and not is_filler(t)
                and self.weight(t) >= EVIDENCE_WEIGHT
            )
            compiled.append(
                CompiledConcept(
                    concept.name,
                    float(concept.weight),
                    patterns[index],
                    explicit[index],
                    self._variants(patterns[index], self.pattern(concept.name), entities[index], others),
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
        return CompiledQuestion(
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
    def _names(patterns: Sequence[Pattern], entities: Sequence[Member]) -> frozenset[tuple[str, ...]]:
        """The aliases that only name one of the concept's own entities."""
        return frozenset(p.terms for p in patterns if all(any(t in e.terms for e in entities) for t in p.terms))

    def compile_reference(self, question: str, reference: str) -> CompiledQuestion | None:
        concepts = self.derive_concepts(question, reference)
        if not concepts:
            return None
        tokens = self.normalise(reference)
        question_terms = self.question_terms(question)
        term_of = {self.pattern(c.aliases[0]).terms[0]: n for n, c in enumerate(concepts)}
        clauses = []
        segments: dict[tuple[int, int], set[str]] = {}
        for token in tokens:
            if token.term != NEGATION and not token.negated and not is_filler(token.term):
                segments.setdefault((token.sentence, token.segment), set()).add(token.term)
        for clause_tokens in group_by(tokens, "clause"):
            content = {t.term: term_of[t.term] for t in clause_tokens if t.term in term_of}
            if len(content) < 2:
                continue
            statement = self._statement(clause_tokens, question_terms)
            if statement is not None:
                segment = frozenset(segments.get((clause_tokens[0].sentence, clause_tokens[0].segment), ()))
                clauses.append((replace(statement, segment=segment), content))
        return replace(self.compile(question, concepts, (reference,), clauses), polar=polar_reply(reference))

    def patterns(self, phrase: str) -> list[Pattern]:
        """An alias and its spellings with hyphenated prefixes joined or not ("post hoc", "post-hoc")."""
        found = [self.pattern(variant) for variant in spelling_variants(phrase)]
        return list({p.terms: p for p in found}.values())

    def pattern(self, phrase: str) -> Pattern:
        tokens = self.glossary.canonicalize(tokenize(phrase))
        negated = any(t.term == NEGATION for t in tokens)
        terms = tuple(dict.fromkeys(t.term for t in tokens if t.term != NEGATION))
        groups = frozenset(e.group for t in terms if (e := self.contrasts.entity(t)) is not None)
        return Pattern(terms, negated, 0, groups, anchor=self._anchor(terms))

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
        self, patterns: Sequence[Pattern], name: Pattern, entities: Sequence[Member], others: set[tuple[str, ...]]
    ) -> tuple[Pattern, ...]:
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
        variants: dict[tuple[tuple[str, ...], bool], Pattern] = {}
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
                    variant = Pattern(terms, negated, 1, frozenset(groups), anchor=self._anchor(terms), pole=by_pole)
                    variants.setdefault((terms, negated), variant)
        return tuple(variants.values())

    def _statements(
        self,
        patterns: Sequence[Sequence[Pattern]],
        entities: Sequence[Sequence[Member]],
        examples: Sequence[list[Token]],
        question_terms: frozenset[str],
    ) -> list[tuple[Statement, ...]]:
        """For each concept, the example-answer clauses where one of its aliases states it (of its own
        entity, with its polarity)."""
        found: list[dict[frozenset[str], Statement]] = [{} for _ in patterns]
        for tokens in examples:
            answer = AnswerView("", tokens, set())
            scopes = {s[0].scope: s for s in group_by(tokens, "scope")}
            for index, concept_patterns in enumerate(patterns):
                for pattern in concept_patterns:
                    for positions, negated, anchor in answer.matches(pattern, by_scope=False):
                        if negated != pattern.negated:
                            continue
                        if said_of_sibling(answer, entities[index], anchor, self.contrasts):
                            continue  # the example says it of another entity: not this concept's statement
                        statement = self._statement(scopes[tokens[positions[0]].scope], question_terms)
                        if statement is not None:
                            found[index].setdefault(statement.terms, statement)
                        break
        return [tuple(f.values()) for f in found]

    def _statement(self, tokens: Sequence[Token], question_terms: frozenset[str]) -> Statement | None:
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
        # What a negation governs, if it carries an idea: "learn slowly or not at all" is no negated statement.
        governed = frozenset(t.term for t in tokens if t.negated and t.term in weights and not is_function(t.term))
        subject = first_entity(tokens, self.contrasts)
        return Statement(weights, sum(weights.values()), frozenset(weights), tuple(poles), negated, governed, subject)
