"""Small rules about words, shared by the grader, the importer and the bank checker.

Filler and grammar words, runs copied from the question, "I don't know", bare keyword lists,
typo snapping and quoting the user's own words back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.text import NEGATION, Token, count_words, stem, tokenize

ECHO_RUN = 4
"""Answer words copied from the question in runs this long earn nothing."""
_DONT_KNOW = re.compile(
    r"(?<![\w-])(?:i\s*(?:do\s*n[o']?t|dont|don’t)\s*know|no\s+idea|not\s+sure|idk|dunno|no\s+clue|pass|"
    r"(?:can'?t|cannot)\s+remember|forgot|skip|give\s+up|no\s+answer|sorry|honestly|really|"
    r"(?:have|got)\s+no|this\s+one|that\s+one|the\s+answer|i\s+(?:have|had|got)|never\s+(?:learned|learnt|heard))"
    r"(?![\w-])"
)
"""Don't-know phrases, and the filler around them. An answer is "no answer" when nothing is
left once these are taken out ("Pass." is; "Pass-by-reference means..." is not)."""


INTENSIFIERS = frozenset(stem(w) for w in "too overly extremely highly far way".split())
"""Words that only make a pole stronger: "too simple" claims what "simple" does."""

FILLER = frozenset(
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
    return term in FILLER


def is_function(term: str) -> bool:
    """A stem that carries no idea of its own, or only grammar ("over", "first", "takes"):
    never a key idea derived from a reference answer."""
    return term in FILLER or term in _FUNCTION


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


_POLAR = re.compile(
    r"^\W*(?:(?:(?P<yes>yes)|no)(?:\s*[,.!;:—–-]|\s*$)|(?:(?P<casual_yes>yeah|yep|yup)|nope|nah)\b)",
    re.IGNORECASE,
)
"""A reply that opens with yes or no: "No." or "Yes, ..." (a bare "no" or "yes" must be followed by
punctuation, so "No labels are needed" is not a reply; "nope", "yeah", "nah" need none)."""


def polar_reply(text: str) -> bool | None:
    """Whether a text opens by answering yes (True) or no (False), or neither (None)."""
    found = _POLAR.match(text)
    if found is None:
        return None
    return found.group("yes") is not None or found.group("casual_yes") is not None


KEYWORD_ITEMS = 4
"""A keyword list names at least this many terms..."""
KEYWORD_ITEM_WORDS = 3
"""...nearly all of them (``KEYWORD_SHORT_SHARE``) this many words or fewer..."""
KEYWORD_SHORT_SHARE = 0.8
KEYWORD_FUNCTION_SHARE = 0.15
"""...with few function words, in one sentence (after a short label such as "Key terms:") or one
item a line. Telegraphic statements ("Low train error, high test error. Fix with more data") are
several sentences, or say something of each item, and are not lists."""
_ITEM_SPLIT = re.compile(r"[,;|•·\n+/]|\s[-–—]\s|[.!?:](?:\s|$)")
_SENTENCE_END = re.compile(r"[.!?;:](?:\s|$)")
_LABEL = re.compile(r"^\s*[^\W\d_]+(?:\s+[^\W\d_]+)?\s*:\s")
_WORD = re.compile(r"[^\W_]+")


def is_keyword_list(answer: str) -> bool:
    """Whether an answer is a bare list of terms: short items, almost no function words, no statement."""
    words, function = count_words(answer)
    if words < KEYWORD_ITEMS or function / words >= KEYWORD_FUNCTION_SHARE:
        return False
    text = _LABEL.sub("", answer, count=1)
    items = [n for n in (len(_WORD.findall(item)) for item in _ITEM_SPLIT.split(text)) if n]
    if len(items) < KEYWORD_ITEMS or sum(1 for n in items if n <= KEYWORD_ITEM_WORDS) < KEYWORD_SHORT_SHARE * len(
        items
    ):
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) >= KEYWORD_ITEMS or sum(1 for s in _SENTENCE_END.split(text.strip()) if s.strip()) <= 1


def group_by(tokens: Sequence[Token], level: str) -> list[list[Token]]:
    groups: dict[int, list[Token]] = {}
    for token in tokens:
        groups.setdefault(getattr(token, level), []).append(token)
    return list(groups.values())


def nearest(term: str, vocabulary: Sequence[str]) -> str:
    """The vocabulary stem a misspelt stem most likely meant, or the stem itself."""
    limit = 1 if len(term) <= 8 else 2
    found = process.extractOne(term, vocabulary, scorer=Levenshtein.distance, score_cutoff=limit)
    if found is None:
        return term
    candidate = found[0]
    if candidate[0] != term[0] or abs(len(candidate) - len(term)) > limit:
        return term
    return str(candidate)


def quote_span(answer: str, tokens: list[Token], positions: tuple[int, ...]) -> str:
    """The user's words behind a match: one span if short, else the matched words."""
    if not positions:
        return ""
    start = tokens[positions[0]].start
    end = tokens[positions[-1]].end
    span = answer[start:end]
    if len(span) <= 80:
        return " ".join(span.split())
    return " … ".join(answer[tokens[p].start : tokens[p].end] for p in positions)
