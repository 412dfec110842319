"""A question compiled for grading: its concepts as patterns, variants and statements.

Built once per question (see :mod:`bot.domain.grading.compiler`) and read by every grading of
an answer to it, so the work per answer stays small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.contrasts import Member

PARAPHRASE_MIN_TERMS = 2
"""A statement (and a paraphrase of it) needs at least this many distinct content terms."""
EVIDENCE_WEIGHT = 2.0
"""Term weight (inverse document frequency) from which a word is evidence of what a clause claims:
rarer than "data", "model" or "train"."""


@dataclass(frozen=True, slots=True)
class Pattern:
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
class Statement:
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
    segment: frozenset[str] = frozenset()
    """Reference mode: the terms of the sentence segment the clause is in, question words included;
    what sets it apart from the reference's other segments are its roles ("training" / "test")."""


@dataclass(frozen=True, slots=True)
class CompiledConcept:
    name: str
    weight: float
    patterns: tuple[Pattern, ...]
    contradictions: tuple[Pattern, ...]
    variants: tuple[Pattern, ...]
    """Structural contradictions: an alias with a sibling entity or an opposite pole swapped in."""
    statements: tuple[Statement, ...]
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
class CompiledQuestion:
    concepts: tuple[CompiledConcept, ...]
    vocabulary: frozenset[str]
    vocabulary_list: tuple[str, ...]
    echo_ngrams: frozenset[tuple[str, ...]]
    question_terms: frozenset[str]
    answer_terms: Mapping[str, float]
    """The words of the question's example answers and aliases (not in the question), with their weights."""
    reference: bool = False
    """Concepts derived from a plain reference answer rather than curated."""
    clauses: tuple[tuple[Statement, Mapping[str, int]], ...] = ()
    """Reference mode: each reference clause and the concepts it states (term -> concept index)."""
    polar: bool | None = None
    """Reference mode: the reference opens by answering yes (True) or no (False) ("No. Dropout is only
    active during training"); None when it does not."""
