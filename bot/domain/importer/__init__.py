"""Turn a deck of questions with reference answers (CSV or Markdown) into a draft bank topic file.

The pipeline is pure until the last step: ``parse_deck`` reads text into entries that
remember their line, ``build_questions`` derives concepts, hints and ids for each entry
with the grader's own text machinery, and ``deck_to_yaml`` renders the result in the
bank's format for a human to review. ``import_file`` is the one function that reads a
file. Nothing here writes files or knows about Telegram, so the bot can reuse it for
decks users send as documents.

Derived concepts satisfy ``bank check`` by construction: every alias is checked against
the validator's alias rules and then matched against the reference answer, which
becomes the question's example answer.

The modules: ``records`` (entries, issues, results), ``csv_deck`` and ``markdown_deck``
(parsing), ``concepts`` (key ideas from a reference answer), ``questions`` (ids, hints, the
whole deck, reading a file) and ``review_yaml`` (the topic file for review).
"""

from bot.domain.importer.concepts import TermRarity, derive_bank_concepts
from bot.domain.importer.csv_deck import parse_csv
from bot.domain.importer.markdown_deck import parse_markdown
from bot.domain.importer.questions import build_questions, choose_topic, import_file, parse_deck, rederive, slugify
from bot.domain.importer.records import (
    DEFAULT_DIFFICULTY,
    IMPORTED_HEADER,
    MAX_CONCEPTS,
    DeckEntry,
    DeckError,
    DeckIssue,
    ImportResult,
    ParsedDeck,
    deck_format,
)
from bot.domain.importer.review_yaml import deck_to_yaml

__all__ = [
    "DEFAULT_DIFFICULTY",
    "IMPORTED_HEADER",
    "MAX_CONCEPTS",
    "DeckEntry",
    "DeckError",
    "DeckIssue",
    "ImportResult",
    "ParsedDeck",
    "TermRarity",
    "build_questions",
    "choose_topic",
    "deck_format",
    "deck_to_yaml",
    "derive_bank_concepts",
    "import_file",
    "parse_csv",
    "parse_deck",
    "parse_markdown",
    "rederive",
    "slugify",
]
