"""Turn free text into the normalised token stream the grader matches on.

Everything here is pure and deterministic. A token keeps the character span of the
words it came from, so the grader can quote the user's own words back to them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

import snowballstemmer

NEGATION = "not"
"""The token every negation cue (no, never, without, n't...) is rewritten to."""

_NEGATION_CUES = frozenset(
    """
    not no never nobody without neither nor none cannot lack lacks lacking instead remove removes removed removing
    eliminate eliminates eliminated eliminating ignore ignores ignored ignoring
    """.split()
)
# "instead of Y" and "rather than Y" deny Y ("memorises noise instead of the pattern"), and so
# do "remove Y" and "ignore Y" ("remove regularisation" is no regularisation).
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
_CLAUSE_WORDS = frozenset({"but", "whereas", "while", "whilst", "however", "although", "though", "unlike", "yet"})
# Contrasts that end a segment ("L1 zeroes weights whereas L2 shrinks them"); "but" and "yet" join
# as often as they contrast ("rare but costly").
_SEGMENT_WORDS = _CLAUSE_WORDS - {"but", "yet"}
# Words that start a new statement inside a clause ("L1 zeroes weights and L2 shrinks them").
_SCOPE_WORDS = frozenset(
    {"and", "then", "so", "because", "since", "thus", "therefore", "hence", "which", "rather", "than", "vs", "versus"}
)
NEGATION_REACH = 5
"""A negation cue negates at most this many content words after it..."""
_SHORT_REACH = {
    "without": 2,
    "lack": 2,
    "lacks": 2,
    "lacking": 2,
    "instead": 3,
    "than": 3,
    **dict.fromkeys("remove removes removed removing eliminate eliminates eliminated eliminating".split(), 2),
    **dict.fromkeys("ignore ignores ignored ignoring".split(), 2),
}
# Words that deny what comes before them in their scope: "feature scaling doesn't matter",
# "pruning is unnecessary" (after a negation: "not needed", "doesn't matter", "isn't required").
_DENIED_AFTER_NEGATION = frozenset(
    {"needed", "required", "necessary", "matter", "matters", "important", "helpful", "relevant", "essential"}
)
_COORDINATORS = frozenset({"and", "or", "and the", "or the"})
"""What joins a one-word coordinated subject ("precision and recall") that a later "not needed" denies
whole; "the model overfits and X is not needed" keeps its first part."""
_DENYING = frozenset({"unnecessari", "irrelev", "pointless", "unimport", "needless"})
"""...and a preposition-like cue only its object ("without labels the model ...")."""
_SENTENCE_PUNCT = frozenset(".!?;\n")
_CLAUSE_PUNCT = frozenset(",:—–\"“”'‘’")  # parentheses open an aside instead (see Token.aside)
# (A quote mark ends a clause: "predicting 'not fraud' for everyone" negates only the label.)

# Prefixes that English writes joined, hyphenated or spaced ("semi-supervised").
# "self" and "co" never stand alone in English, so they join like "semi" ("self attention" is
# "self-attention"); "over", "up"... are words of their own and join only when hyphenated.
_JOIN_ALWAYS = frozenset({"semi", "hyper", "mini", "multi", "non", "pre", "self", "co"})
_JOIN_IF_HYPHEN = frozenset({"over", "under", "post", "re", "sub", "anti", "de", "up", "down"})
_JOINABLE = _JOIN_ALWAYS | _JOIN_IF_HYPHEN

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

# Comparatives and superlatives the stemmer leaves alone: "higher variance" is "high variance",
# "closest" is "close". Only common adjectives: "-er" also ends "layer", "filter", "never". Not
# "simpler" or "bigger": "a simpler model" is a fix for overfitting, "too simple" its opposite.
_COMPARISON = {
    f"{base}{ending}": base
    for base in """
    high low larg small big fast slow short long close light dark heavi hot cold warm strong weak deep wide
    narrow thick thin near earli late easi hard cheap great quick loud soft bright old young new
    smooth steep tall few full clean safe""".split()
    for ending in ("er", "est")
}
_COMPARISON.update(
    tuple(pair.split(":", 1))  # type: ignore[misc]
    for pair in """
    larger:large largest:large hotter:hot hottest:hot heavier:heavy heaviest:heavy
    earlier:early earliest:early easier:easy easiest:easy later:late
    latest:late closer:close closest:close thinner:thin thinnest:thin wider:wide widest:wide safer:safe
    safest:safe farther:far farthest:far better:good best:good worse:bad worst:bad
    """.split()
)

# Words the stemmer would merge with another that means something else: "sensitive" (to noise)
# is not "sensitivity" (the true positive rate), and the generator of a GAN is not what
# "generates" something (a statement about the discriminator can say it generates).
_KEEP_APART = {
    "computer": "computer",
    "computers": "computer",
    "sensitive": "sensitiv",
    "insensitive": "insensitiv",
    "generator": "generator",
    "generators": "generator",
    "discriminator": "discriminator",
    "discriminators": "discriminator",
}

_stemmer = snowballstemmer.stemmer("english")


class Token(NamedTuple):
    """One normalised word of a text, with where it came from.

    A tuple rather than a dataclass: an answer makes hundreds of them, and tuples are
    the cheapest Python object to build.
    """

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
    aside: int = 0
    """Which parenthesised aside of the text the word is in (0: none). An aside does not
    break its clause ("L2 (ridge) drives weights to zero" is one statement about L2)."""
    parts: tuple[str, ...] = ()
    """For a glossary term: the terms of the words it was made of ("held out set" -> held, out,
    set), so an alias using some of them ("held out") still matches."""
    segment: int = 0
    """Coarser than a clause: ends only at a contrast ("whereas", "while", "unlike"...), not at
    commas, nor at "but" ("rare but costly" is one statement). Within a sentence, what a segment
    is about is usually the first entity it names."""


def americanise(word: str) -> str:
    """Map British spellings to American ones so both stem alike."""
    word = _US_WORDS.get(word, word)
    if word.endswith("wise") or word in _ISE_EXCEPTIONS or len(word) < 7:
        return word
    return _ISE_RE.sub(lambda m: "iz" + m.group(1), word)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Return the stem of one lower-case word (cached: answers repeat words)."""
    if word in _KEEP_APART:
        return _KEEP_APART[word]
    word = _COMPARISON.get(word, word)
    return str(_stemmer.stemWord(americanise(_IRREGULAR.get(word, word))))


def fold(text: str) -> str:
    """Case-fold and strip accents, keeping the string the same length where possible."""
    if text.isascii():  # the common case: nothing to decompose, and casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# One pass of a C-level split gives gap, word, gap, word... A number with a decimal point or
# a thousands separator ("0.5", "1,000") is one word: its point does not end a sentence.
_SPLIT_RE = re.compile(r"(\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*)")
# The same split for lower-case ASCII text, where a word character is [a-z0-9]: about twice as
# fast, as the regex engine need not ask Unicode what each character is. The quantifiers are
# possessive (what a run of digits or letters matched is never given back: the character after
# it is never one of them), which spares the engine its backtracking bookkeeping.
_ASCII_SPLIT_RE = re.compile(r"([0-9]++(?:[.,][0-9]++)++|[a-z0-9]++(?:'[a-z0-9]++)*+)")
_HYPHENS = frozenset({"-", "‐", "‑", "/"})
# "e.g.", "i.e.", "vs." and "cf." do not end a sentence.
_ABBREVIATIONS = frozenset({"e", "g", "i", "vs", "cf"})


class _Gap(NamedTuple):
    sentence: bool
    clause: bool
    hyphen: bool
    closes: bool
    opens: bool


_PLAIN_GAP = _Gap(False, False, False, False, False)


@lru_cache(maxsize=4096)
def _gap(gap: str) -> _Gap:
    """What the characters between two words do: end a sentence or clause, join, open or close an aside."""
    stripped = gap.strip()
    if not stripped:
        return _PLAIN_GAP
    return _Gap(
        sentence=any(ch in _SENTENCE_PUNCT for ch in gap),
        clause=any(ch in _CLAUSE_PUNCT for ch in gap),
        hyphen=stripped in _HYPHENS,
        closes=")" in gap or "]" in gap,
        opens="(" in gap or "[" in gap,
    )


_CONTENT, _STOP, _NEGATION_CUE, _CLAUSE_BREAK, _SCOPE_BREAK = range(5)
_Lexeme = tuple[tuple[str, int, str], ...]
"""The parts of one written word (two for "doesn't"): (text, category, stem)."""
_LEXICON: dict[str, _Lexeme] = {}
_PLAIN: dict[str, str] = {}
"""The words that are one part, kept as written, and neither join nor break anything: a content
word to its stem, a stopword to "". Most words of an answer are, and take the short way."""
_LEXICON_SIZE = 1 << 16


def _lexeme(word: str) -> _Lexeme:
    """What one written word is to the grader: its parts, each with a category and a stem."""
    found = _LEXICON.get(word)
    if found is None:
        parts = _split_contraction(word) if "'" in word else (word,)
        found = tuple((part, *_category(part)) for part in parts)
        if len(_LEXICON) >= _LEXICON_SIZE:  # bounded: answers may be arbitrary text
            _LEXICON.clear()
            _PLAIN.clear()
        _LEXICON[word] = found
        if len(found) == 1 and word not in _JOINABLE:
            part, category, term = found[0]
            if part == word and (category == _STOP or (category == _CONTENT and term)):
                _PLAIN[word] = term
    return found


def _category(word: str) -> tuple[int, str]:
    if word in _CLAUSE_WORDS:
        return _CLAUSE_BREAK, ""
    if word in _SCOPE_WORDS:
        return _SCOPE_BREAK, ""
    if word in _NEGATION_CUES:
        return _NEGATION_CUE, NEGATION
    if word in STOPWORDS:
        return _STOP, ""
    return _CONTENT, stem(word)


def _split_contraction(word: str) -> tuple[str, ...]:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if word.endswith("n't"):
        return (word[:-3], "not")
    head, _, tail = word.partition("'")
    return (head,) if tail in {"s", "d", "ll", "re", "ve", "m", "t"} else (head + tail,)


class _Scan(NamedTuple):
    tokens: tuple[Token, ...]
    words: tuple[str, ...]
    """Every word as written (contractions split, prefixes joined), stopwords included."""
    function_words: int


_term_of = itemgetter(0)  # Token.term, read in C
_new_token = tuple.__new__  # builds a Token without the Python-level NamedTuple constructor


@lru_cache(maxsize=8)
def _scan(text: str) -> _Scan:
    """Split text into tokens in one pass: words, sentences, clauses, scopes, asides and negation.

    Cached for the last few texts: grading reads an answer twice (tokens, and whether it is
    a keyword list).
    """
    ascii_text = text.isascii()
    parts = _ASCII_SPLIT_RE.split(text.lower()) if ascii_text else _SPLIT_RE.split(text)
    count = len(parts)
    ends = list(accumulate(map(len, parts)))  # ends[i]: where parts[i] ends in the text
    if not ascii_text:  # fold the words once (after measuring them: folding may change a length)
        parts[1::2] = [fold(raw).replace("’", "'") for raw in parts[1::2]]
    tokens: list[Token] = []
    append = tokens.append
    words: list[str] = []
    add_word = words.append
    lexicon = _LEXICON
    plain = _PLAIN.get
    joinable = _JOINABLE
    new = _new_token
    token_type = Token
    function_words = 0
    sentence = clause = aside = asides = scope = clause_shift = segment = 0
    previous_clause = negating_scope = -1
    reach = 0
    previous = ""
    i = 1
    while i < count:
        word = parts[i]
        between = parts[i - 1]
        if i > 1 and between != " ":
            gap = _gap(between)
            if gap is not _PLAIN_GAP:
                if gap.closes:
                    aside = 0
                if gap.sentence and not (previous in _ABBREVIATIONS and between.strip() == "."):
                    sentence += 1
                    clause += 1
                    aside = 0
                elif gap.clause and not aside:
                    clause += 1
                if gap.opens:
                    asides += 1
                    aside = asides
        start = ends[i - 1]
        end = ends[i]
        term = plain(word)
        if term is not None:  # the common word: what the code below does with it, in short
            previous = word
            add_word(word)
            current = clause + clause_shift
            if current != previous_clause:
                scope += 1
                previous_clause = current
            if not term:
                function_words += 1
            elif reach > 0 and scope == negating_scope:
                reach -= 1
                append(new(token_type, (term, start, end, sentence, current, scope, True, 0, aside, (), segment)))
            else:
                append(new(token_type, (term, start, end, sentence, current, scope, False, 0, aside, (), segment)))
            i += 2
            continue
        i += 2
        if word in joinable and i < count:  # "semi supervised", "self-attention", "post-hoc"
            follow = _gap(parts[i - 1])
            joined = parts[i]
            if joined.isalpha() and (follow.hyphen or (word in _JOIN_ALWAYS and follow is _PLAIN_GAP)):
                word += joined
                end = ends[i]
                i += 2
        before = previous
        previous = word
        lexeme = lexicon.get(word) or _lexeme(word)
        for text_part, category, term in lexeme:
            add_word(text_part)
            current = clause + clause_shift
            if category == _CONTENT:
                if current != previous_clause:
                    scope += 1
                    previous_clause = current
                if scope == negating_scope and reach > 0:
                    reach -= 1
                    append(new(token_type, (term, start, end, sentence, current, scope, True, 0, aside, (), segment)))
                else:
                    append(new(token_type, (term, start, end, sentence, current, scope, False, 0, aside, (), segment)))
                continue
            function_words += 1
            if category == _CLAUSE_BREAK:
                clause_shift += 1
                segment += text_part in _SEGMENT_WORDS
                continue
            if current != previous_clause:
                scope += 1
                previous_clause = current
            if category == _SCOPE_BREAK:
                scope += 1
                if text_part == "than" and before == "rather":
                    reach = _SHORT_REACH["than"]
                    negating_scope = scope
                    fields = (NEGATION, start, end, sentence, current, scope, False, reach, aside, (), segment)
                    append(new(token_type, fields))
            elif category == _NEGATION_CUE:
                if i < count and parts[i] in _NEGATION_BREAKERS:
                    continue
                reach = _SHORT_REACH.get(text_part, NEGATION_REACH)
                negating_scope = scope
                fields = (NEGATION, start, end, sentence, current, scope, False, reach, aside, (), segment)
                append(new(token_type, fields))
    # Set lookups over C-level iteration: this check runs on every word of every answer.
    if not _DENYING.isdisjoint(map(_term_of, tokens)) or not _DENIED_AFTER_NEGATION.isdisjoint(words):
        tokens = _deny_backwards(tokens, text)
    return _Scan(tuple(tokens), tuple(words), function_words)


def _deny_backwards(tokens: list[Token], text: str) -> list[Token]:
    """Negate what a scope says before "not needed", "doesn't matter" or "unnecessary".

    Such a word denies its scope's earlier words ("feature scaling doesn't matter" is no
    feature scaling). Marked with ``reach = -1`` so that re-marking negation keeps them.
    """
    out = list(tokens)
    for index, token in enumerate(tokens):
        after_negation = token.negated and index > 0 and tokens[index - 1].term == NEGATION
        denies = token.term in _DENYING or (
            after_negation and fold(text[token.start : token.end]) in _DENIED_AFTER_NEGATION
        )
        if not denies:
            continue
        scope = token.scope
        for before in range(index - 1, -1, -1):
            earlier = out[before]
            if earlier.scope != scope:
                # "precision and recall aren't needed": a coordinated subject is denied whole.
                joined = text[earlier.end : out[before + 1].start].strip().lower()
                single = before == 0 or out[before - 1].scope != earlier.scope
                if joined not in _COORDINATORS or earlier.clause != token.clause or not single:
                    break
                scope = earlier.scope
            if earlier.term != NEGATION:
                out[before] = earlier._replace(negated=True, reach=-1)
    return out


def phrase_words(text: str) -> list[str]:
    """The words of a phrase as written (prefixes joined), stopwords included."""
    return list(_scan(text).words)


def spelling_variants(phrase: str) -> list[str]:
    """A phrase and its other spellings of prefixes that join only when hyphenated.

    "post hoc" is also "post-hoc" (one word once joined), and "follow-up test" is also
    "follow up test": an alias should match however the answer writes it.
    """
    words = _SPLIT_RE.split(phrase)
    variants = [phrase]
    for i in range(1, len(words) - 2, 2):
        if fold(words[i]) in _JOIN_IF_HYPHEN and words[i + 2].isalpha():
            gap = words[i + 1].strip()
            other = " " if gap in _HYPHENS else "-" if not gap else None
            if other is not None:
                variants.append("".join([*words[: i + 1], other, *words[i + 2 :]]))
    return variants


def tokenize(text: str) -> list[Token]:
    """Normalise text into content tokens: stems, negation cues and clause structure.

    Stopwords are dropped, negation cues become ``not`` and mark the content words
    after them in the same scope as negated, joined prefixes are merged ("semi
    supervised" -> "semisupervised"), and words in parentheses are marked as an aside.
    """
    return list(_scan(text).tokens)


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
        negated = negated or token.reach < 0  # denied by a later "not needed" (see _deny_backwards)
        out.append(token if negated == token.negated else token._replace(negated=negated))
    return out


def count_words(text: str) -> tuple[int, int]:
    """Return (all words, function words) of a text: a cheap measure of prose vs a keyword list."""
    scan = _scan(text)
    return len(scan.words), scan.function_words
