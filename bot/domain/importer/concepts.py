"""Derive a bank question's concepts from its reference answer, the way a bank author would."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.bank import MIN_CONCEPTS, alias_problem
from bot.domain.glossary import Glossary
from bot.domain.grading import Grade, Grader, echo_ngrams, echo_positions, is_function
from bot.domain.importer.records import DEFAULT_DIFFICULTY, MAX_CONCEPTS
from bot.domain.models import Concept, Kind, Question
from bot.domain.text import NEGATION, Token, stem, tokenize


@dataclass(frozen=True, slots=True)
class TermRarity:
    """How many texts of a background corpus use each term: rare terms make good aliases and weigh more."""

    frequency: Mapping[str, int]
    documents: int

    @classmethod
    def from_texts(cls, texts: Iterable[str], glossary: Glossary | None = None) -> TermRarity:
        """Count, for each term, the texts that use it (terms as the grader sees them)."""
        glossary = glossary or Glossary()
        frequency: Counter[str] = Counter()
        documents = 0
        for text in texts:
            documents += 1
            frequency.update({t.term for t in glossary.canonicalize(tokenize(text)) if t.term != NEGATION})
        return cls(frequency, documents)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency: at least 1, higher for rarer terms."""
        return math.log((1 + self.documents) / (1 + self.frequency.get(term, 0))) + 1

    def share(self, term: str) -> float:
        """The share of background texts that use the term (0 for a term never seen)."""
        return self.frequency.get(term, 0) / self.documents if self.documents else 0.0


SINGLE_SHARE = 0.05
"""A word is an alias on its own only if at most this share of the background texts use it:
"stratified" or "SMOTE" name an idea, "model" or "error" do not."""
PAIR_SHARE = 0.4
"""Two adjacent words are an alias if one of their new words is used by at most this share."""
MIN_BACKGROUND = 20
"""With fewer background texts than this, word counts say nothing and only vague words are excluded."""
MAX_CONTRADICTS = 2
"""Swapped statements generated per concept (see ``_contrast``)."""
_VAGUE = frozenset(
    stem(word)
    for word in """
    one two three four five six seven eight nine ten hundred thousand million first second third last
    big small large little high low good bad better worse best worst new old main major minor real full whole
    same different other others several many few more most less least enough
    say says said take takes give gives put keep keeps come comes go goes sit sits let lets see sees look looks
    end ends part parts kind kinds type types sort case cases point points number numbers time times
    example examples usual typical common simple easy hard fine nice neat
    always sometimes once twice still even again already too
    happen happens include includes mean means need needs help helps work works tend tends allow allows
    involve involves provide provides require requires show shows seem seems refer refers add adds
    """.split()
)
"""Words too vague to name an idea however rare they are in the background ("three", "big"); the
grader's filler and grammar words ("especially", "moment", "over") never do either."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A possible alias: the reference's own words, where they are, and how telling they are."""

    alias: str
    terms: tuple[str, ...]
    score: float
    sentence: int
    contradicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Unit:
    """A stretch of the reference answer (a sentence, clause...) that becomes one concept."""

    candidates: tuple[_Candidate, ...]

    def info(self, rarity: TermRarity, question_terms: frozenset[str]) -> float:
        """How much the unit says: the rarity of the new words in its aliases."""
        terms = {t for c in self.candidates for t in c.terms} - question_terms
        return sum(rarity.idf(t) for t in terms)


def derive_bank_concepts(
    question: str, reference: str, grader: Grader, rarity: TermRarity | None = None
) -> tuple[Concept, ...]:
    """Concepts for a bank question from its reference answer; empty if it yields fewer than the bank needs.

    Starts where :meth:`Grader.derive_concepts` does (the reference's content words
    that are not in the question) and shapes them the way a bank author would: each
    sentence of the reference is one key idea (clauses, when there are too few
    sentences), named by its most telling phrases. Its aliases are the pairs of
    adjacent words it uses and its rare single words; words common across the
    ``rarity`` background ("model", "data") never stand alone, and rarer ideas weigh
    more. When the question contrasts two things ("bagging and boosting"), a property
    the reference gives one of them, stated of the other, becomes a ``contradicts``
    phrase. Every alias is checked against the validator's rules and must match the
    reference itself, which becomes the example answer; a contradiction the reference
    itself trips is dropped.
    """
    rarity = rarity or TermRarity({}, 0)
    tokens = grader.glossary.canonicalize(tokenize(reference))
    question_terms = grader.question_terms(question)
    echo = _echo_positions(question, tokens, grader)
    novel = _novel_terms(question, reference, grader)
    usable = [i for i, t in enumerate(tokens) if t.term != NEGATION and i not in echo]
    contrast = _contrast(question, grader)
    subjects = _subjects(tokens, contrast)

    def candidates_at(positions: Sequence[int]) -> list[_Candidate]:
        found: dict[tuple[str, ...], _Candidate] = {}
        chosen = set(positions)
        for i in positions:
            token = tokens[i]
            if token.term in novel and _specific(token.term, rarity, SINGLE_SHARE):
                alias = _surface(reference, tokens, i, i)
                score = rarity.idf(token.term)
                found.setdefault((token.term,), _Candidate(alias, (token.term,), score, token.sentence))
            j = i + 1
            if j in chosen and tokens[j].scope == token.scope and tokens[j].term != token.term:
                pair = (token.term, tokens[j].term)
                telling = [t for t in pair if t in novel and _specific(t, rarity, PAIR_SHARE)]
                if telling:
                    score = sum(rarity.idf(t) for t in telling)
                    found.setdefault(pair, _Candidate(_surface(reference, tokens, i, j), pair, score, token.sentence))
        sides = [term for term, _ in contrast]
        return [_with_contradicts(c, subjects.get(c.sentence, ()), sides) for c in found.values()]

    units: list[_Unit] = []
    for level in ("sentence", "clause", "scope"):
        groups: dict[int, list[int]] = {}
        for i in usable:
            groups.setdefault(getattr(tokens[i], level), []).append(i)
        units = [_Unit(tuple(found)) for found in map(candidates_at, groups.values()) if found]
        if len(units) >= MIN_CONCEPTS:
            break
    if len(units) < MIN_CONCEPTS:  # a short reference: one concept per distinct key word
        singles = {c.terms: c for u in units for c in u.candidates if len(c.terms) == 1}
        units = [_Unit((c,)) for c in sorted(singles.values(), key=lambda c: -c.score)]
    units = _verified(question, reference, units, grader)
    if len(units) < MIN_CONCEPTS:
        return ()
    while len(units) > MAX_CONCEPTS:  # merge the neighbours that say least
        infos = [u.info(rarity, question_terms) for u in units]
        k = min(range(len(units) - 1), key=lambda k: infos[k] + infos[k + 1])
        units[k : k + 2] = [_Unit(units[k].candidates + units[k + 1].candidates)]
    return _concepts(units, [u.info(rarity, question_terms) for u in units])


def _specific(term: str, rarity: TermRarity, share: float) -> bool:
    """Whether a term is telling: a glossary term, or a word that is not vague, not tiny, and used by
    at most ``share`` of the background (when there is enough background to tell)."""
    if term.startswith("="):
        return True
    if term in _VAGUE or is_function(term) or (len(term) < 3 and not any(ch.isdigit() for ch in term)):
        return False
    return rarity.documents < MIN_BACKGROUND or rarity.share(term) <= share


def _echo_positions(question: str, tokens: Sequence[Token], grader: Grader) -> set[int]:
    """Reference positions the grader ignores as copied from the question (the grader's own rule)."""
    q_terms = [t.term for t in grader.glossary.canonicalize(tokenize(question))]
    return echo_positions(tokens, echo_ngrams(q_terms))


def _novel_terms(question: str, reference: str, grader: Grader) -> frozenset[str]:
    """The terms :meth:`Grader.derive_concepts` finds in the reference: its words the question lacks."""
    return frozenset(t for c in grader.derive_concepts(question, reference) for t in grader.alias_terms(c.aliases[0]))


def _surface(reference: str, tokens: Sequence[Token], first: int, last: int) -> str:
    text = " ".join(reference[tokens[first].start : tokens[last].end].split())
    negated = any(tokens[p].negated for p in range(first, last + 1))
    return f"not {text}" if negated and not any(t.term == NEGATION for t in tokenize(text)) else text


_CONTRAST_RES = (
    re.compile(r"\bbetween\s+(?P<a>[^,;?]+?)\s+and\s+(?P<b>[^,;?]+?)(?:[?.,;:(]|$)", re.IGNORECASE),
    re.compile(r"\b(?:how|why)\s+(?:do|does|did)\s+(?P<a>[^,;?]+?)\s+and\s+(?P<b>[^,;?]+?)\s+differ", re.IGNORECASE),
    re.compile(r"(?P<a>[^,;?]+?)\s+(?:vs\.?|versus)\s+(?P<b>[^,;?]+)", re.IGNORECASE),
    re.compile(r"\b(?:prefer|choose|pick|use|favou?r)\s+(?P<a>[^,;?]+?)\s+over\s+(?P<b>[^,;?]+)", re.IGNORECASE),
)


def _contrast(question: str, grader: Grader) -> tuple[tuple[str, str], ...]:
    """The two things a comparison question contrasts, as (term, word) pairs; empty for other questions.

    Each side is named by its term nearest the contrast word that the other side
    lacks: "between the training set and the test set" gives ``training set`` and
    ``test set``, "prefer precision over recall" gives ``precision`` and ``recall``.
    A list of three or more things is not a contrast.
    """
    for pattern in _CONTRAST_RES:
        match = pattern.search(question)
        if match is None:
            continue
        sides = []
        for key, other, nearest in (("a", "b", -1), ("b", "a", 0)):
            text = match.group(key)
            own = [t for t in grader.glossary.canonicalize(tokenize(text)) if t.term != NEGATION]
            theirs = set(grader.alias_terms(match.group(other)))
            distinct = [t for t in own if t.term not in theirs]
            if not distinct:
                return ()
            side = distinct[nearest]
            sides.append((side.term, text[side.start : side.end]))
        return tuple(sides)
    return ()


def _subjects(tokens: Sequence[Token], contrast: Sequence[tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """For each sentence that names just one side of a contrast, the other side: (term, word)."""
    if len(contrast) != 2:
        return {}
    named: dict[int, set[int]] = {}
    for token in tokens:
        named.setdefault(token.sentence, set()).update(
            side for side, (term, _) in enumerate(contrast) if token.term == term
        )
    return {sentence: contrast[1 - sides.pop()] for sentence, sides in named.items() if len(sides) == 1}


def _with_contradicts(
    candidate: _Candidate, other: tuple[str, str] | tuple[()], contrast_terms: Sequence[str]
) -> _Candidate:
    """The candidate with "<the other side> <alias>" as a contradiction, if its sentence is about one side."""
    if not other or candidate.alias.startswith("not ") or set(candidate.terms) & set(contrast_terms):
        return candidate
    return _Candidate(
        candidate.alias, candidate.terms, candidate.score, candidate.sentence, (f"{other[1]} {candidate.alias}",)
    )


def _alias_allowed(alias: str, question: str, grader: Grader) -> bool:
    """The validator's alias rules (``bank.alias_problem``): no echo of the question, no shrinking."""
    return bool(tokenize(alias)) and alias_problem(alias, question, grader) is None


def _verified(question: str, reference: str, units: Sequence[_Unit], grader: Grader) -> list[_Unit]:
    """Keep the aliases the reference matches and the contradictions it does not trip, when graded.

    One probe question holds every alias as a concept of its own, so a single grading of the
    reference checks them all; a second holds every contradiction (apart, because a clause that
    trips a contradiction earns nothing for the aliases it also says).
    """
    aliases = sorted({c.alias for u in units for c in u.candidates if _alias_allowed(c.alias, question, grader)})
    wrongs = sorted({w for u in units for c in u.candidates for w in c.contradicts})
    matched = {aliases[int(r.name[1:])] for r in _probe(question, reference, grader, aliases, ()).covered}
    tripped = {wrongs[int(r.name[1:])] for r in _probe(question, reference, grader, (), wrongs).contradicted}
    kept: list[_Unit] = []
    for unit in units:
        candidates = tuple(
            _Candidate(c.alias, c.terms, c.score, c.sentence, tuple(w for w in c.contradicts if w not in tripped))
            for c in unit.candidates
            if c.alias in matched
        )
        if candidates:
            kept.append(_Unit(candidates))
    return kept


def _probe(question: str, reference: str, grader: Grader, aliases: Sequence[str], wrongs: Sequence[str]) -> Grade:
    """The reference graded against a probe question: one concept per alias (``a0``...) and per
    contradiction (``c0``...)."""
    probe = Question(
        id="probe",
        topic="probe",
        kind=Kind.CONCEPTUAL,
        difficulty=DEFAULT_DIFFICULTY,
        question=question,
        why_asked="-",
        how_to_answer="-",
        example_answers=(reference,),
        concepts=(
            *(Concept(f"a{n}", (alias,)) for n, alias in enumerate(aliases)),
            *(Concept(f"c{n}", (wrong,), contradicts=(wrong,)) for n, wrong in enumerate(wrongs)),
        ),
        hints=("-", "-"),
    )
    return grader.grade(probe, reference)


def _without_redundant(ranked: Sequence[_Candidate]) -> tuple[str, ...]:
    """The aliases, minus pairs that can never add a match: one of their words is an alias on its own.

    A positive pair matches only where its words are all positive, and then the single
    word matches too; negated aliases are kept as they are.
    """
    singles = {c.terms[0] for c in ranked if len(c.terms) == 1 and not c.alias.startswith("not ")}
    kept = [c.alias for c in ranked if len(c.terms) == 1 or c.alias.startswith("not ") or not set(c.terms) & singles]
    return tuple(dict.fromkeys(kept))


def _weights(infos: Sequence[float]) -> list[int]:
    """Weights 1-3: ideas with more rare words weigh more, and position nudges them.

    A model answer states its core idea first and its caveats last, so the first third
    of the ideas gains one step and the last third loses one.
    """
    low, high = min(infos), max(infos)
    count = len(infos)
    weights = []
    for position, info in enumerate(infos):
        weight = 2 if high == low else 1 + round(2 * (info - low) / (high - low))
        weight += 1 if position < count / 3 else -1 if position >= 2 * count / 3 else 0
        weights.append(max(1, min(3, weight)))
    return weights


def _concepts(units: Sequence[_Unit], infos: Sequence[float]) -> tuple[Concept, ...]:
    """Name, weigh (by what each says) and list each unit's aliases, most telling first."""
    concepts: list[Concept] = []
    names: set[str] = set()
    for unit, weight in zip(units, _weights(infos), strict=True):
        ranked = sorted(unit.candidates, key=lambda c: (-c.score, -len(c.terms), c.alias))
        name = ranked[0].alias
        extra = next((c for c in ranked[1:] if not set(c.terms) & set(ranked[0].terms)), None)
        if extra is not None:
            name = f"{name}, {extra.alias}"
        while name in names:
            name += " (more)"
        names.add(name)
        aliases = _without_redundant(ranked)
        wrongs = tuple(dict.fromkeys(w for c in ranked for w in c.contradicts))[:MAX_CONTRADICTS]
        concepts.append(Concept(name=name, aliases=aliases, weight=float(weight), contradicts=wrongs))
    return tuple(concepts)
