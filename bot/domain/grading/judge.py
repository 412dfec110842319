"""Judge one concept against one answer: stated (1), stated wrongly (-1) or neither (0).

Aliases, the structural variants that swap a sibling entity or an opposite pole in, the bank's
``contradicts`` phrases, paraphrases of the example-answer clauses, and in reference mode the
reference's clauses compared with the answer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.contrasts import Contrasts
from bot.domain.grading.answer import AnswerView, first_entity
from bot.domain.grading.compiled import PARAPHRASE_MIN_TERMS, CompiledConcept, CompiledQuestion, Pattern, Statement
from bot.domain.grading.words import INTENSIFIERS, is_function
from bot.domain.text import NEGATION

PARAPHRASE_SHARE = 0.6
"""Share of a statement's weighted content words one answer sentence must cover."""


class Judge:
    """The rules that decide whether an answer states a concept, with the bank's contrasts."""

    def __init__(self, contrasts: Contrasts) -> None:
        self.contrasts = contrasts

    def judge(
        self, concept: CompiledConcept, view: AnswerView, others: Sequence[CompiledConcept] = ()
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
            hit = view.find(pattern, by_scope=True, ordered=True, literal=True)
            if hit is not None and hit[1] == pattern.negated:
                return -1, hit[0]
        literal, index = view.literal, view.index
        # A pattern whose first term the answer never says cannot match: skip building its search.
        for pattern in concept.variants:
            if pattern.terms[0] not in literal:
                continue
            for positions, negated, anchor in view.matches(pattern, by_scope=True, literal=True):
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
            if pattern.terms[0] not in index:
                continue
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
                # Not where another concept is stated rightly: "a false positive hurts more than
                # missing one" states the precision concept, whatever recall's alias finds in it.
                if (
                    swaps % 2
                    and self._one_literal_clause(pattern, positions, view)
                    and not self._claimed_by_other(others, positions, view, claims_only=True)
                ):
                    wrong = wrong or positions
        return self._judge_paraphrase(concept, view, wrong, named)

    def _judge_paraphrase(
        self, concept: CompiledConcept, view: AnswerView, wrong: tuple[int, ...], named: tuple[int, ...]
    ) -> tuple[int, tuple[int, ...]]:
        """The end of :meth:`_judge`: paraphrases of the examples, then the weaker evidence found before."""
        for statement in concept.statements:
            found = self._paraphrase(statement, view)
            if found is None:
                continue
            positions, swaps, flipped = found
            subject_swaps, explicit = self._swaps(concept, Pattern((), False), view, positions[-1], pole=swaps > 0)
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
        self, concept: CompiledConcept, pattern: Pattern, view: AnswerView, position: int, *, pole: bool = False
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

    def _paraphrase(self, statement: Statement, view: AnswerView) -> tuple[tuple[int, ...], int, bool] | None:
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
                # An opposite pole counts only said in so many words: "tiny" may stand for "small",
                # but is never taken for the claim that reverses "large" (everyday words earn, never cost).
                opposites = self.contrasts.opposites(pole)
                if any(self._said_in_sentence(view, t, sentence) for o in opposites for t in o.terms):
                    swaps += 1
            return positions, swaps, flipped
        return None

    def _opposite_poles(self, concept: CompiledConcept, pattern: Pattern, view: AnswerView, anchor: int) -> int:
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

    def _claims(self, concept: CompiledConcept, variant: Pattern, view: AnswerView, positions: tuple[int, ...]) -> bool:
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
        if len(variant.terms) == 1 or all(t in INTENSIFIERS or contrasts.poles(t) for t in variant.terms):
            return True  # the pole is the claim: "sequentially", "too simple"
        poles = [p for p in positions if contrasts.poles(tokens[p].term)]
        if poles and not any(abs(p - q) == 1 for p in poles for q in positions if q not in poles):
            return False  # "poor" must describe the alias's word ("poor features"), not a neighbour's
        return any(tokens[p].scope == scope for term in concept.evidence - swapped for p in view.index.get(term, ()))

    def _claimed_by_other(
        self,
        others: Sequence[CompiledConcept],
        positions: tuple[int, ...],
        view: AnswerView,
        *,
        claims_only: bool = False,
    ) -> bool:
        """Whether another concept's alias states that concept, rightly, on some of these positions.

        ``claims_only``: only a claim of the other concept counts, said within one scope, not an
        alias that only names its entity ("false negatives") or spreads over clauses ("true ...,
        ... negatives"): "false negatives are negatives flagged as positive" is still a swap.
        """
        wanted = set(positions)
        return any(not wanted.isdisjoint(self._stated_at(other, view, claims_only)) for other in others)

    def _stated_at(self, concept: CompiledConcept, view: AnswerView, claims_only: bool = False) -> frozenset[int]:
        """The positions where the concept's aliases state it rightly (worked out once per answer);
        with ``claims_only``, only claims: aliases said within one scope, not those that only name
        its entity."""
        key = (id(concept), claims_only)
        found = view.claims.get(key)
        if found is None:
            spots: set[int] = set()
            if not concept.keys.isdisjoint(view.index):
                for pattern in concept.patterns:
                    if claims_only and pattern.terms in concept.names:
                        continue
                    for where, negated, anchor in view.matches(pattern, by_scope=claims_only):
                        if negated == pattern.negated and self._swaps(concept, pattern, view, anchor)[0] == 0:
                            spots.update(where)
            found = view.claims[key] = frozenset(spots)
        return found

    @staticmethod
    def _one_literal_clause(pattern: Pattern, positions: tuple[int, ...], view: AnswerView) -> bool:
        """Whether an alias match can be a wrong statement: made in one clause (words spread over two,
        "makes fake samples, a discriminator spots them", claim nothing of either subject), every
        word said in so many words (an everyday word earns what its term earns, but never makes a
        wrong statement: "fake" stands for "generate", yet "classifies as real or fake" says nothing
        of generating)."""
        tokens = view.tokens
        if len({tokens[p].clause for p in positions}) != 1:
            return False
        literal = view.literal
        return all(any(p in positions for p in literal.get(term, ())) for term in pattern.terms)

    @staticmethod
    def _said_in_sentence(view: AnswerView, term: str, sentence: int) -> bool:
        """Whether the sentence says the term in so many words (not by an everyday word)."""
        return any(view.tokens[p].sentence == sentence for p in view.literal.get(term, ()))

    def compare_clauses(
        self, compiled: CompiledQuestion, view: AnswerView, state: list[int], hits: list[tuple[int, ...]]
    ) -> None:
        """Reference mode: compare each reference clause with the answer clause that restates it.

        The answer clause is wrong when it says the reference's clause of a sibling entity or
        with the other polarity (one of these, not both: "L2 is not sparse" is right), or says
        one of its words with the opposite pole ("large" for "small") while neither flips the
        whole clause. The concepts it shares with the reference clause then earn nothing and
        cost: a wrong statement costs more than its words earn. A concept that no clause aligns
        with earns nothing when the answer says its word with the other polarity: one word's
        polarity is too weak to call the answer wrong.
        """
        tokens = view.tokens
        clauses: dict[int, list[int]] = {}
        for pos, token in enumerate(tokens):
            clauses.setdefault(token.clause, []).append(pos)
        contrasts = self.contrasts
        aligned: set[int] = set()
        restated: list[tuple[Statement, Mapping[str, int], tuple[frozenset[str], ...], list[int]]] = []
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
            first = tokens[positions[0]]
            spans = (
                frozenset(tokens[p].term for p in positions if not tokens[p].negated),
                view.segment_terms(first.sentence, first.segment),
            )
            restated.append((statement, concepts, spans, positions))
            flips = 0
            # Polarity of what the two clauses share: "no gap" beside them is another matter.
            negated_here = {
                tokens[p].term
                for p in positions
                if tokens[p].negated and tokens[p].term in statement.terms and not is_function(tokens[p].term)
            }
            # Compared over the words both say: the answer denies where the reference denies nothing,
            # affirms all the reference denies, or denies other words than it ("due to confounders
            # rather than the change" for "due to the change rather than confounders").
            denied = statement.negated_terms & shared_terms
            if (negated_here and not statement.negated_terms) or (denied and negated_here.isdisjoint(denied)):
                flips += 1
            if statement.subject is not None:
                subject = first_entity((tokens[p] for p in positions), self.contrasts)
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
        for concepts, positions in self._exchanged_roles(restated):
            quote = tuple(p for p in positions if tokens[p].term != NEGATION)
            for member in set(concepts.values()):
                if state[member] >= 0:
                    state[member] = -1
                    hits[member] = quote
        for member, concept in enumerate(compiled.concepts):  # no clause to compare: word by word
            if state[member] > 0 and member not in aligned and hits[member]:
                said_negated = tokens[hits[member][0]].negated
                if said_negated != concept.patterns[0].negated:
                    # One word's polarity is weak evidence ("the gap breaks the loop, so nothing
                    # flows" is right): not credited, but not a wrong statement either.
                    state[member] = 0

    @staticmethod
    def discount_wrong_clauses(view: AnswerView, state: list[int], hits: list[tuple[int, ...]]) -> None:
        """A clause that states something wrongly earns nothing for its other words either.

        "The hidden state is reset at every time step" contradicts how an RNN works; that it
        names the hidden state is no credit. A concept stated only inside clauses where a wrong
        statement was found is not covered (it is not contradicted either: its own words may
        be right).
        """
        tokens = view.tokens
        wrong = {tokens[p].clause for judged, where in zip(state, hits, strict=True) if judged < 0 for p in where}
        if not wrong:
            return
        for member, (judged, where) in enumerate(zip(state, hits, strict=True)):
            if judged > 0 and where and all(tokens[p].clause in wrong for p in where):
                state[member] = 0

    @staticmethod
    def _exchanged_roles(
        restated: Sequence[tuple[Statement, Mapping[str, int], tuple[frozenset[str], ...], list[int]]],
    ) -> list[tuple[Mapping[str, int], list[int]]]:
        """Reference clauses whose roles the answer exchanges between two of its segments.

        Two reference segments each have a word the other lacks ("during training ... switches
        off" / "at test time ... not applied"). An answer that restates both, each with the
        other's word and without its own ("switches off at test time" / "during training not
        applied"), has swapped what the reference says of each: both statements are wrong, though
        every word is right. A correct paraphrase never does this in both places at once.
        """
        swapped: dict[int, tuple[Mapping[str, int], list[int]]] = {}
        for i, (first, first_concepts, first_spans, first_at) in enumerate(restated):
            for j in range(i + 1, len(restated)):
                second, second_concepts, second_spans, second_at = restated[j]
                if first.segment == second.segment:
                    continue
                first_roles = first.segment - second.segment
                second_roles = second.segment - first.segment
                for first_said, second_said in zip(first_spans, second_spans, strict=True):
                    if first_said != second_said and (
                        (first_roles & second_said - first_said) and (second_roles & first_said - second_said)
                    ):
                        swapped[i] = (first_concepts, first_at)
                        swapped[j] = (second_concepts, second_at)
        return list(swapped.values())
