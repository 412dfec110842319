"""Everyday words and the bank's terms they can stand for: how plain English meets the bank.

Pure data and lookups, read from ``bank/everyday.yaml`` by the bank loader. Each entry maps one
everyday word ("mistake", "punish", "chunk") to the terms of the bank it can stand for
("error"; "penalty"; "fold", "subset"). The grader indexes an answer's everyday word under
those terms too, so an alias or an example answer that says the term matches the answer that
says the everyday word, never the other way round. Phrases are seen as the grader sees text
(stems, glossary synonyms), and each must come out as one term.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.contrasts import phrase_terms
from bot.domain.glossary import Glossary


@dataclass(frozen=True)
class Everyday:
    """Everyday terms and the bank terms each can stand for."""

    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[tuple[str, Sequence[str]]], glossary: Glossary | None = None) -> Everyday:
        """Build from (everyday phrase, [bank phrases]) pairs; phrases that are not one term are skipped
        (:func:`bot.domain.contrasts.phrase_problems` says which, for the bank checker)."""
        glossary = glossary or Glossary()
        related: dict[str, list[str]] = {}
        for word, meanings in entries:
            key = phrase_terms(glossary, word)
            if len(key) != 1:
                continue
            terms = related.setdefault(key[0], [])
            for meaning in meanings:
                found = phrase_terms(glossary, meaning)
                if len(found) == 1 and found[0] != key[0] and found[0] not in terms:
                    terms.append(found[0])
        return cls({word: tuple(terms) for word, terms in related.items() if terms})

    def of(self, term: str) -> tuple[str, ...]:
        """The bank terms an answer's term can stand for (empty for most terms)."""
        return self.related.get(term, ())

    def words(self) -> frozenset[str]:
        """The everyday terms: words the grader must never "correct" as typos."""
        return frozenset(self.related)

    def __bool__(self) -> bool:
        return bool(self.related)
