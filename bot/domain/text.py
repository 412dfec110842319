"""Turn free text into the normalised token stream the grader matches on.

Everything here is pure and deterministic. A token keeps the character span of the
words it came from, so the grader can quote the user's own words back to them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

NEGATION = "not"
"""The token every negation cue (no, never, without, n't...) is rewritten to."""

_NEGATION_CUES = frozenset(
    {"not", "no", "never", "without", "neither", "nor", "none", "cannot", "lack", "lacks", "lacking"}
)
# "not only X but also Y" affirms X; so do these hedges.
_NEGATION_BREAKERS = frozenset({"only", "just", "merely"})

# Function words carry no content. Negations, quantities and directions are kept on
# purpose: "more data", "too complex", "under sampling" and "not zero" mean something.
STOPWORDS = frozenset(
    """
    a an the and or of to in on at by for with from into onto as is are was were be been
    being am do does did doing done have has had having it its it's this that these those
    there here their them they theirs we us our ours you your yours he him his she her hers
    i me my mine which who whom whose what when where why how than then so such can could
    would should shall will may might must also just very really quite rather about
    if else any some each another own s t d ll m o re ve
    eg e g ie i e etc via per like ones thing things something way ways get gets got
    getting make makes made making use used uses using basically usually often generally
    simply actually much lot lots whether because since while
    """.split()
)

# Breaks that end a clause: scope for negation and for contradiction phrases.
_CLAUSE_WORDS = frozenset(
    {"but", "whereas", "while", "whilst", "however", "although", "though", "unlike", "instead", "yet"}
)
# Words that start a new statement inside a clause ("L1 zeroes weights and L2 shrinks them").
_SCOPE_WORDS = frozenset(
    {"and", "then", "so", "because", "since", "thus", "therefore", "hence", "which", "rather", "than", "vs", "versus"}
)
NEGATION_REACH = 5
"""A negation cue negates at most this many content words after it..."""
_SHORT_REACH = {"without": 2, "lack": 2, "lacks": 2, "lacking": 2}
"""...and a preposition-like cue only its object ("without labels the model ...")."""
_SENTENCE_PUNCT = frozenset(".!?;\n")
_CLAUSE_PUNCT = frozenset(",:()[]—–")

# Prefixes that English writes joined, hyphenated or spaced ("semi-supervised").
_JOIN_ALWAYS = frozenset({"semi", "hyper", "mini", "multi", "non", "pre"})
_JOIN_IF_HYPHEN = frozenset({"over", "under", "post", "re", "co", "sub", "anti", "de", "self", "up", "down"})

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_CONTRACTIONS = {
    "can't": ("can", "not"),
    "cannot": ("can", "not"),
    "won't": ("will", "not"),
    "shan't": ("shall", "not"),
}

_US_WORDS = {
    "colour": "color",
    "behaviour": "behavior",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "neighbourhood": "neighborhood",
    "favour": "favor",
    "labour": "labor",
    "centre": "center",
    "centred": "centered",
    "centres": "centers",
    "fibre": "fiber",
    "metre": "meter",
    "analyse": "analyze",
    "analysed": "analyzed",
    "analysing": "analyzing",
    "catalogue": "catalog",
    "programme": "program",
    "defence": "defense",
    "licence": "license",
    "grey": "gray",
    "modelling": "modeling",
    "modelled": "modeled",
    "labelling": "labeling",
    "labelled": "labeled",
    "travelled": "traveled",
    "signalling": "signaling",
    "cancelled": "canceled",
    "levelled": "leveled",
    "totalled": "totaled",
    "fuelled": "fueled",
}
_ISE_RE = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|er|ers|ation|ations|able)$")
_ISE_EXCEPTIONS = frozenset(
    """
    supervise supervised supervises supervising supervisor supervisors advise advised advises advising
    promise promised promises promising premise premises precise concise expertise exercise exercised
    exercises exercising otherwise likewise surprise surprised surprises surprising compromise
    compromised compromises enterprise enterprises comprise comprised comprises comprising revise revised
    revises revising devise devised improvise franchise merchandise disguise disguised denoise denoised
    denoises denoising paradise praise praised demise chemise raise raised raises raising arise arises
    arising noise noises poise cruise bruise despise televise
    """.split()
)

# Irregular forms the stemmer cannot join to their verb ("left" / "leaving").
_IRREGULAR = {
    "left": "leave",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "went": "go",
    "gone": "go",
    "came": "come",
    "saw": "see",
    "seen": "see",
    "kept": "keep",
    "held": "hold",
    "ran": "run",
    "built": "build",
    "brought": "bring",
    "bought": "buy",
    "caught": "catch",
    "chose": "choose",
    "chosen": "choose",
    "drew": "draw",
    "drawn": "draw",
    "drove": "drive",
    "driven": "drive",
    "fell": "fall",
    "fallen": "fall",
    "fed": "feed",
    "felt": "feel",
    "found": "find",
    "fit": "fit",
    "forgot": "forget",
    "forgotten": "forget",
    "grew": "grow",
    "grown": "grow",
    "heard": "hear",
    "hid": "hide",
    "hidden": "hide",
    "knew": "know",
    "known": "know",
    "laid": "lay",
    "led": "lead",
    "learnt": "learn",
    "lost": "lose",
    "meant": "mean",
    "met": "meet",
    "paid": "pay",
    "rose": "rise",
    "risen": "rise",
    "said": "say",
    "sent": "send",
    "shown": "show",
    "shook": "shake",
    "sold": "sell",
    "spent": "spend",
    "split": "split",
    "stood": "stand",
    "struck": "strike",
    "taught": "teach",
    "thought": "think",
    "told": "tell",
    "threw": "throw",
    "thrown": "throw",
    "understood": "understand",
    "won": "win",
    "wrote": "write",
    "written": "write",
    "broke": "break",
    "broken": "break",
    "began": "begin",
    "begun": "begin",
    "became": "become",
}

_stemmer = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word of a text, with where it came from."""

    term: str
    """Stem, or a glossary id such as ``=l2_regularization``; ``not`` for negation cues."""
    start: int
    end: int
    sentence: int
    clause: int
    scope: int
    """Finer than a clause: also ends at "and", "so", "because"... Negation and
    contradiction phrases stay inside one scope."""
    negated: bool = False
    reach: int = 0
    """For a negation cue: how many content words it negates."""


def americanise(word: str) -> str:
    """Map British spellings to American ones so both stem alike."""
    word = _US_WORDS.get(word, word)
    if word.endswith("wise") or word in _ISE_EXCEPTIONS or len(word) < 7:
        return word
    return _ISE_RE.sub(lambda m: "iz" + m.group(1), word)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Return the stem of one lower-case word (cached: answers repeat words)."""
    return str(_stemmer.stemWord(americanise(_IRREGULAR.get(word, word))))


def fold(text: str) -> str:
    """Case-fold and strip accents, keeping the string the same length where possible."""
    if text.isascii():  # the common case: nothing to decompose, and casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class _Word(NamedTuple):  # a tuple: thousands are made per answer, and a frozen dataclass is slower to build
    text: str
    start: int
    end: int
    sentence: int
    clause: int
    hyphen_before: bool


@lru_cache(maxsize=8)
def _words(text: str) -> tuple[_Word, ...]:
    """Split text into words, tracking sentence and clause boundaries between them.

    Cached for the last few texts: grading reads an answer's words twice (tokens, and whether
    it is a keyword list)."""
    words: list[_Word] = []
    sentence = clause = 0
    last_end = 0
    for match in _WORD_RE.finditer(text):
        gap = text[last_end : match.start()]
        if words:
            if any(ch in _SENTENCE_PUNCT for ch in gap):
                sentence += 1
                clause += 1
            elif any(ch in _CLAUSE_PUNCT for ch in gap):
                clause += 1
        raw = fold(match.group()).replace("’", "'")
        hyphen = gap.strip() in {"-", "‐", "‑", "/"} and bool(words)
        for part in _split_contraction(raw):
            words.append(_Word(part, match.start(), match.end(), sentence, clause, hyphen))
            hyphen = False
        last_end = match.end()
    return tuple(words)


def _split_contraction(word: str) -> tuple[str, ...]:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if word.endswith("n't"):
        return (word[:-3], "not")
    if "'" in word:
        head, _, tail = word.partition("'")
        return (head,) if tail in {"s", "d", "ll", "re", "ve", "m", "t"} else (head + tail,)
    return (word,)


def _merge_prefixes(words: Sequence[_Word]) -> list[_Word]:
    merged: list[_Word] = []
    for word in words:
        if merged:
            prev = merged[-1]
            joinable = prev.text in _JOIN_ALWAYS or (prev.text in _JOIN_IF_HYPHEN and word.hyphen_before)
            if joinable and prev.sentence == word.sentence and word.text.isalpha():
                merged[-1] = _Word(prev.text + word.text, prev.start, word.end, prev.sentence, prev.clause, False)
                continue
        merged.append(word)
    return merged


def phrase_words(text: str) -> list[str]:
    """The words of a phrase as written (prefixes joined), stopwords included."""
    return [w.text for w in _merge_prefixes(_words(text))]


def tokenize(text: str) -> list[Token]:
    """Normalise text into content tokens: stems, negation cues and clause structure.

    Stopwords are dropped, negation cues become ``not`` and mark the content words
    after them in the same clause as negated, and joined prefixes are merged
    ("semi supervised" -> "semisupervised").
    """
    merged = _merge_prefixes(_words(text))
    tokens: list[Token] = []
    clause_shift = 0
    scope = 0
    previous_clause = -1
    for index, word in enumerate(merged):
        if word.text in _CLAUSE_WORDS:
            clause_shift += 1
            continue
        clause = word.clause + clause_shift
        if clause != previous_clause:
            scope += 1
            previous_clause = clause
        if word.text in _SCOPE_WORDS:
            scope += 1
            continue
        if word.text in _NEGATION_CUES:
            following = merged[index + 1].text if index + 1 < len(merged) else ""
            if following in _NEGATION_BREAKERS:
                continue
            reach = _SHORT_REACH.get(word.text, NEGATION_REACH)
            tokens.append(Token(NEGATION, word.start, word.end, word.sentence, clause, scope, reach=reach))
            continue
        if word.text in STOPWORDS:
            continue
        tokens.append(Token(stem(word.text), word.start, word.end, word.sentence, clause, scope))
    return mark_negation(tokens)


def mark_negation(tokens: list[Token]) -> list[Token]:
    """Flag the content words a negation cue governs: up to a few words after it, in its scope."""
    out: list[Token] = []
    negating_scope = -1
    reach = 0
    for token in tokens:
        if token.term == NEGATION:
            negating_scope, reach = token.scope, token.reach or NEGATION_REACH
            out.append(token)
            continue
        negated = token.scope == negating_scope and reach > 0
        if negated:
            reach -= 1
        out.append(token if negated == token.negated else replace(token, negated=negated))
    return out


def count_words(text: str) -> tuple[int, int]:
    """Return (all words, function words) of a text: a cheap measure of prose vs a keyword list."""
    words = _words(text)
    function = sum(1 for w in words if w.text in STOPWORDS or w.text in _CLAUSE_WORDS or w.text in _NEGATION_CUES)
    return len(words), function
