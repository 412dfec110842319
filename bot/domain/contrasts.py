"""Confusable entities and opposite poles: what lets the grader see a wrong statement by its structure.

Pure data and lookups, read from ``bank/contrasts.yaml`` by the bank loader. Two kinds of
group, each a list of *members*, each member a list of phrases that name it:

- **confusable groups**: sibling entities candidates swap (L1 / L2, bias / variance,
  precision / recall). A statement about one sibling, made about another, is wrong.
  In a **nested** group the members go from general to specific (AI, ML, deep learning):
  what holds for ML holds for deep learning, so only a statement about a more specific
  member made of a more general one is wrong.
- **opposite poles**: two members, the words that say a thing one way and the other
  (increase / decrease, sparse / dense, parallel / sequential). A statement made with the
  opposite pole is wrong. A pole member may be a negated word ("not saturate"): then the
  negation itself is the opposite.

Every phrase is seen as the grader sees text (stems, glossary synonyms), and must come
out as one term so that it can be recognised in a single token of an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.glossary import Glossary
from bot.domain.text import NEGATION, tokenize

POLE_PREFIX = "~"
"""Pole ids are written ``~<group>.<side>`` so they never clash with a stem or a glossary id."""


@dataclass(frozen=True, slots=True)
class Member:
    """One side of a group: an entity or a pole, and the terms that name it."""

    group: int
    side: int
    terms: frozenset[str]
    negated: bool = False
    """For a pole stated by negation ("not saturate"): the terms count only when negated."""

    @property
    def id(self) -> str:
        """A stable id: ``~3.1`` is side 1 of group 3."""
        return f"{POLE_PREFIX}{self.group}.{self.side}"


@dataclass(frozen=True)
class Contrasts:
    """Confusable entities and opposite poles, looked up by term."""

    entity_groups: tuple[tuple[Member, ...], ...] = ()
    pole_groups: tuple[tuple[Member, ...], ...] = ()
    nested: frozenset[int] = frozenset()
    """Entity groups ordered from general to specific."""
    _entities: dict[str, Member] = field(default_factory=dict, init=False, repr=False)
    _poles: dict[str, tuple[Member, ...]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for group in self.entity_groups:
            for member in group:
                for term in member.terms:
                    self._entities[term] = member
        for group in self.pole_groups:
            for member in group:
                for term in member.terms:
                    self._poles[term] = (*self._poles.get(term, ()), member)

    @classmethod
    def build(
        cls,
        confusable: Iterable[Sequence[Sequence[str]]],
        opposites: Iterable[Sequence[Sequence[str]]],
        glossary: Glossary | None = None,
        nested: Iterable[Sequence[Sequence[str]]] = (),
    ) -> Contrasts:
        """Build from lists of groups, each a list of members, each a list of phrases.

        Phrases that do not come out as one term are skipped here; :func:`phrase_problems`
        says which, for the bank checker.
        """
        glossary = glossary or Glossary()
        flat = list(confusable)
        first_nested = len(flat)
        flat += list(nested)
        entity_groups = tuple(
            tuple(_member(glossary, index, side, phrases) for side, phrases in enumerate(group))
            for index, group in enumerate(flat)
        )
        pole_groups: list[tuple[Member, ...]] = []
        for index, group in enumerate(opposites):
            members = []
            for side, phrases in enumerate(group):
                positive = [p for p in phrases if not _is_negated(glossary, p)]
                negative = [p for p in phrases if _is_negated(glossary, p)]
                if negative:
                    members.append(_member(glossary, index, side, negative, negated=True))
                if positive or not negative:
                    members.append(_member(glossary, index, side, positive))
            pole_groups.append(tuple(members))
        return cls(entity_groups, tuple(pole_groups), frozenset(range(first_nested, len(flat))))

    def entity(self, term: str) -> Member | None:
        """The confusable entity a term names, if any."""
        return self._entities.get(term)

    def poles(self, term: str) -> tuple[Member, ...]:
        """The poles a term can state (positive and, for "not saturate", negated)."""
        return self._poles.get(term, ())

    def siblings(self, member: Member) -> tuple[Member, ...]:
        """The entities a statement about ``member`` is wrong of: the others of its group (in a
        nested group, only the more general ones)."""
        return tuple(m for m in self.entity_groups[member.group] if self.is_swap(member, m))

    def is_swap(self, own: Member, said: Member) -> bool:
        """Whether a statement about ``own`` is wrong when said of ``said`` (same group)."""
        if said.side == own.side:
            return False
        return said.side < own.side if own.group in self.nested else True

    def opposites(self, member: Member) -> tuple[Member, ...]:
        """The poles of a pole's group on the other side."""
        return tuple(m for m in self.pole_groups[member.group] if m.side != member.side)

    def __bool__(self) -> bool:
        return bool(self.entity_groups or self.pole_groups)


def phrase_terms(glossary: Glossary, phrase: str) -> tuple[str, ...]:
    """The canonical content terms of a phrase (negation cues left out)."""
    return tuple(t.term for t in glossary.canonicalize(tokenize(phrase)) if t.term != NEGATION)


def _is_negated(glossary: Glossary, phrase: str) -> bool:
    return any(t.term == NEGATION for t in glossary.canonicalize(tokenize(phrase)))


def _member(glossary: Glossary, group: int, side: int, phrases: Iterable[str], *, negated: bool = False) -> Member:
    terms = {terms[0] for terms in (phrase_terms(glossary, p) for p in phrases) if len(terms) == 1}
    return Member(group, side, frozenset(terms), negated)


def phrase_problems(glossary: Glossary, phrase: str) -> str | None:
    """Why a phrase cannot name a member (None if it can): it must be one term once normalised
    (a negation cue, as in "not saturate", aside)."""
    terms = phrase_terms(glossary, phrase)
    if not terms:
        return f"{phrase!r} has no content words"
    if len(terms) > 1:
        shown = " ".join(terms)
        return f"{phrase!r} is several terms ({shown}): use one word, or a phrase the glossary makes one term"
    return None
