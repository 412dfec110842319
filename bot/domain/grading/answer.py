"""An answer's tokens, indexed once, with the lookups every concept needs."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter

from bot.domain.contrasts import Contrasts, Member
from bot.domain.everyday import Everyday
from bot.domain.grading.compiled import Pattern
from bot.domain.text import NEGATION, Token

_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE_MARK = re.compile(r"[,;:—–\"“”()\[\]]")
_CARRY_ON = frozenset(
    """
    and or but nor so then thus hence therefore because since as while whereas which who whom whose that
    when where whereby it its they them their this these those he she his her also too plus to by
    """.split()
)
"""Words that open a clause going on with the previous clause's subject ("..., and it shrinks")."""
_sentence_of = attrgetter("sentence")
_WINDOW_SLACK = 4
"""An alias's words may spread over this many words more than it has."""


class AnswerView:
    """An answer's tokens with the lookups every concept needs."""

    __slots__ = ("_entity_cache", "_segments", "_sentences", "claims", "index", "literal", "terms", "text", "tokens")

    def __init__(self, text: str, tokens: list[Token], echo: set[int], everyday: Everyday | None = None) -> None:
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
        self.literal = index
        """Where each term is said in so many words: what a wrong statement is found in (an everyday
        word earns what its term earns, but is never taken for a claim made with the term)."""
        if everyday:  # an everyday word also matches the bank terms it stands for ("mistake": error)
            added: dict[str, list[int]] = {}
            related = everyday.related  # one dict lookup per term: most terms are not everyday words
            for term in self.terms:
                meanings = related.get(term)
                if meanings:
                    for meaning in meanings:
                        added.setdefault(meaning, []).extend(index[term])
            if added:
                index = dict(index)
                for meaning, positions in added.items():
                    index[meaning] = sorted({*index.get(meaning, ()), *positions})
        self.index = index
        self._entity_cache: dict[tuple[int, int], Member | None] = {}
        self._segments: dict[tuple[int, int], frozenset[str]] = {}
        self._sentences: list[int] | None = None
        self.claims: dict[tuple[int, bool], frozenset[int]] = {}
        """Per concept (by id, and whether only its claims count, see ``Judge._stated_at``): the
        positions where its aliases state it rightly."""

    def segment_terms(self, sentence: int, segment: int) -> frozenset[str]:
        """The terms a segment of a sentence says positively (worked out once per segment asked for)."""
        key = (sentence, segment)
        found = self._segments.get(key)
        if found is None:
            tokens = self.tokens
            if self._sentences is None:
                self._sentences = list(map(_sentence_of, tokens))  # in text order: sorted
            low = bisect_left(self._sentences, sentence)
            high = bisect_right(self._sentences, sentence, low)
            found = frozenset(t.term for t in tokens[low:high] if t.segment == segment and not t.negated)
            self._segments[key] = found
        return found

    def find(
        self, pattern: Pattern, *, by_scope: bool, ordered: bool = False, literal: bool = False
    ) -> tuple[tuple[int, ...], bool] | None:
        """The first place all the pattern's terms occur close together: positions and whether negated.

        ``by_scope`` keeps the match inside one scope (a clause, cut at "and", "so"...), as
        statements are; otherwise inside one segment of a sentence (cut at "but", "whereas"...).
        ``ordered`` also keeps the pattern's word order ("ai subset ml" is not "ml subset ai").
        Matches with the pattern's own polarity come first.
        """
        other = None
        for positions, negated, _ in self.matches(pattern, by_scope=by_scope, ordered=ordered, literal=literal):
            if negated == pattern.negated:
                return positions, negated
            other = other or (positions, negated)
        return other

    def matches(
        self, pattern: Pattern, *, by_scope: bool, ordered: bool = False, literal: bool = False
    ) -> Iterator[tuple[tuple[int, ...], bool, int]]:
        """Every place the pattern's terms occur close together (see :meth:`find`), with its anchor:
        the position of the pattern's most telling term, where what the statement is about is read.
        ``literal``: only words said in so many words, not everyday words standing for them."""
        index = self.literal if literal else self.index
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
                best = max(earlier, key=lambda e: (e[0], e[1], e[2]))
                # An earlier clause's entity carries over only to a clause that has no subject of
                # its own ("..., and reduces variance"; not "..., validation picks the settings").
                if best[1] == here.clause or not self._own_subject(here.clause, position):
                    found = best[3]
        self._entity_cache[key] = found
        return found

    def _own_subject(self, clause: int, position: int) -> bool:
        """Whether a clause opens with a subject of its own rather than going on with the previous
        clause's: it starts with a noun phrase ("the other kind looks for groups", "validation picks
        the settings"), not with a joining word, a pronoun or a participle ("and reduces variance",
        "which means", "it shrinks", "making it sparse")."""
        tokens = self.tokens
        first = position
        while first > 0 and tokens[first - 1].clause == clause:
            first -= 1
        if first == 0:
            return False
        gap = self.text[tokens[first - 1].end : tokens[first].start].lower()
        opening = _WORD.findall(_CLAUSE_MARK.split(gap)[-1])  # the words after the comma, not before it
        if any(word in _CARRY_ON for word in opening):
            return False
        written = self.text[tokens[first].start : tokens[first].end].lower()
        return not (not opening and written.endswith(("ing", "ed")))


def first_entity(tokens: Iterable[Token], contrasts: Contrasts) -> Member | None:
    """The first confusable entity a stretch of text names outside asides and negation."""
    for token in tokens:
        if not token.negated and not token.aside:
            entity = contrasts.entity(token.term)
            if entity is not None:
                return entity
    return None


def said_of_sibling(answer: AnswerView, entities: Sequence[Member], anchor: int, contrasts: Contrasts) -> bool:
    """Whether the statement at ``anchor`` is about a sibling of one of these entities."""
    for entity in entities:
        subject = answer.subject(entity, anchor, contrasts)
        if subject is not None and contrasts.is_swap(entity, subject):
            return True
    return False
