"""Grade a free-text answer by fuzzy, weighted coverage of a question's key concepts.

Pure functions of (answer, question): no I/O, no clock, no Telegram. How it works:

1. The answer becomes a stream of stems (``text.tokenize``): case, inflection,
   British/American spelling and stopwords stop mattering; negation cues mark the
   words after them in their clause; parenthesised words are an aside of the clause.
2. Misspelt words are snapped to the question's own vocabulary (a small edit
   distance, same first letter, and only for words the bank does not know).
3. Glossary synonyms collapse to one term (``ridge`` = ``l2`` = ``weight decay``).
4. A concept is covered when all the terms of one of its aliases occur close together
   in one sentence, with the alias's polarity, or when one sentence of the answer
   covers most of the (rarity-weighted) content words of the example-answer clause
   that states the concept (a paraphrase). Words copied from the question in runs of
   four or more are ignored, so pasting the question back earns nothing.
5. A concept is contradicted when the answer states it wrongly: a ``contradicts``
   phrase of the bank, or the concept's statement made about a confusable sibling
   (L2 for L1, variance for bias), or with the opposite pole (sparse for dense,
   parallel for sequential), as ``bank/contrasts.yaml`` lists them. Two swaps cancel:
   "L2 gives dense weights" is a true statement about L2. A wrong statement is made in
   one clause, in the answer's own words (never by an everyday word), and not on words
   that state another concept rightly; the clause that makes it earns nothing else.
   Reference mode compares each reference clause with the answer clause restating it,
   polarity term by term, and a reference's opening yes or no with the answer's.
6. The covered weight over the total, minus ``CONTRADICTION_COST`` times the
   contradicted weight, is mapped through one concave curve (:func:`credit`), so one
   right idea out of five is worth more than a fifth; an answer clearly about the
   subject that matches no concept gets a small floor, and an incidental hit in an
   answer that never touches the subject earns little. A bare keyword list and hints
   scale the score down.

The modules, in the order an answer meets them: ``words`` (small rules about words),
``compiled`` and ``compiler`` (a question compiled once), ``answer`` (an answer indexed once),
``judge`` (one concept against one answer), ``grader`` (the score) and ``results`` (what it
returns, and the curve).
"""

from bot.domain.grading.grader import CONTRADICTION_COST, KEYWORD_LIST_FACTOR, Grader
from bot.domain.grading.results import (
    CURVE_EXPONENT,
    HINT_COST,
    MIN_REACHABLE,
    PARTIAL_AT,
    PARTIAL_COVERAGE,
    STRONG_AT,
    STRONG_COVERAGE,
    ConceptResult,
    Grade,
    Verdict,
    credit,
)
from bot.domain.grading.words import (
    ECHO_RUN,
    echo_ngrams,
    echo_positions,
    is_dont_know,
    is_filler,
    is_function,
    is_keyword_list,
)

__all__ = [
    "CONTRADICTION_COST",
    "CURVE_EXPONENT",
    "ECHO_RUN",
    "HINT_COST",
    "KEYWORD_LIST_FACTOR",
    "MIN_REACHABLE",
    "PARTIAL_AT",
    "PARTIAL_COVERAGE",
    "STRONG_AT",
    "STRONG_COVERAGE",
    "ConceptResult",
    "Grade",
    "Grader",
    "Verdict",
    "credit",
    "echo_ngrams",
    "echo_positions",
    "is_dont_know",
    "is_filler",
    "is_function",
    "is_keyword_list",
]
