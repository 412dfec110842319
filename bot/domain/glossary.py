"""Shared ML synonyms: every phrase of a group is rewritten to one canonical term."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from operator import itemgetter

from bot.domain.text import NEGATION, Token, mark_negation, tokenize

_END = ""  # trie key that holds the canonical id of a phrase ending here
_term_of = itemgetter(0)  # Token.term, read in C


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """The content terms of a phrase, as the grader sees them."""
    return tuple(t.term for t in tokenize(phrase))


def canonical_id(phrase: str) -> str:
    """The id of a synonym group, made from its first phrase (``=l2_regularization``)."""
    return "=" + re.sub(r"[^a-z0-9]+", "_", phrase.casefold()).strip("_")


@dataclass
class Glossary:
    """A set of synonym groups, compiled into a trie over stem sequences."""

    groups: tuple[tuple[str, ...], ...] = ()
    _trie: dict[str, dict] = field(default_factory=dict, init=False, repr=False)  # type: ignore[type-arg]
    _members: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict, init=False, repr=False)
    _firsts: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    """Terms a phrase can start with (and their plurals): most tokens are not, and skip the trie."""

    def __post_init__(self) -> None:
        for group in self.groups:
            gid = canonical_id(group[0])
            members = []
            for phrase in group:
                terms = phrase_terms(phrase)
                if not terms:
                    continue
                members.append(terms)
                node = self._trie
                for term in terms:
                    node = node.setdefault(term, {})
                node[_END] = gid  # type: ignore[assignment]
            self._members[gid] = tuple(members)
        self._firsts = frozenset(self._trie) | frozenset(term + "s" for term in self._trie)

    @classmethod
    def from_groups(cls, groups: Iterable[Sequence[str]]) -> Glossary:
        """Build a glossary from lists of synonymous phrases."""
        return cls(tuple(tuple(g) for g in groups))

    def member_terms(self, group_id: str) -> tuple[tuple[str, ...], ...]:
        """The term sequences of every phrase in a group (for typo correction)."""
        return self._members.get(group_id, ())

    def canonicalize(self, tokens: list[Token]) -> list[Token]:
        """Replace every glossary phrase in a token stream by its group id, longest match first.

        The tokens are marked for negation as :func:`~bot.domain.text.tokenize` marks them; the
        result is marked the same way, counting a merged phrase as one word of a negation's reach.
        """
        terms = list(map(_term_of, tokens))
        starts = list(compress(count(), map(self._firsts.__contains__, terms)))  # found in C
        if not starts:
            return tokens
        negations = list(compress(count(), map(NEGATION.__eq__, terms)))
        out: list[Token] = []
        i = 0
        changed = False
        remark = False
        for start in starts:
            if start < i:
                continue
            out.extend(tokens[i:start])
            i = start
            token = tokens[i]
            gid, end = self._longest_match(tokens, i)
            if gid is None:
                out.append(token)
                i += 1
                continue
            last = tokens[end - 1]
            parts = tuple(terms[i:end])
            remark = remark or (bool(negations) and self._in_negation(tokens, negations, i, end))
            # A phrase denied by a later "not needed" stays denied (reach -1 survives re-marking).
            denied = -1 if all(t.reach < 0 for t in tokens[i:end]) else 0
            out.append(token._replace(term=gid, end=last.end, negated=denied < 0, reach=denied, parts=parts))
            changed = True
            i = end
        out.extend(tokens[i:])
        if not changed:
            return tokens
        # A merged phrase counts as one word of a negation's reach: re-mark only if it may be in one,
        # and a cue is left to re-mark from.
        return mark_negation(out) if remark and any(t.term == NEGATION for t in out) else out

    @staticmethod
    def _in_negation(tokens: list[Token], negations: list[int], start: int, end: int) -> bool:
        """Whether merging ``tokens[start:end]`` may change what is negated: the phrase swallows a
        negation cue, or the last cue before it is in its scope (so the phrase is in the cue's reach).
        Otherwise the stream's marks stand: no reach counts the phrase's words, before or after."""
        before = -1
        for position in negations:
            if position >= end:
                break
            if position >= start:
                return True
            before = position
        return before >= 0 and tokens[before].scope == tokens[start].scope

    def _longest_match(self, tokens: list[Token], start: int) -> tuple[str | None, int]:
        node = self._trie
        best: tuple[str | None, int] = (None, start)
        sentence = tokens[start].sentence
        for i in range(start, len(tokens)):
            token = tokens[i]
            if token.sentence != sentence:
                break
            nxt = node.get(token.term)
            if nxt is None and token.term.endswith("s"):
                nxt = node.get(token.term[:-1])  # plural acronyms: "LSTMs", "CNNs"
            if nxt is None:
                break
            node = nxt
            if _END in node:
                best = (node[_END], i + 1)  # type: ignore[assignment]
        # a phrase that starts with a negation ("no labels") must not swallow a bare "not"
        if best[0] is not None and best[1] == start + 1 and tokens[start].term == NEGATION:
            return None, start
        return best
