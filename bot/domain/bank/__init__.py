"""Load the question bank from its YAML files and validate it.

Every problem is reported as a :class:`BankIssue` naming file, line and question id,
so a contributor can fix a broken file without reading code. ``load_bank`` raises
:class:`BankError` with all of them; the bot refuses to start on a broken bank.

The modules: ``model`` (the :class:`Bank` and its problems), ``files`` (YAML with line
numbers: topics, glossary, contrasts) and ``check`` (loading and every validation rule).
"""

from bot.domain.bank.check import (
    alias_problem,
    bank_files,
    check_bank,
    everyday_file,
    load_bank,
    unguarded_concepts,
)
from bot.domain.bank.files import display_path, parse_topic_text
from bot.domain.bank.model import (
    ARTICLES,
    CONTRASTS_FILE,
    DEFAULT_BANK_DIR,
    EVERYDAY_FILE,
    EXAMPLE_MIN_SCORE,
    GLOSSARY_FILE,
    ID_RE,
    MIN_CONCEPTS,
    MIN_HINTS,
    Bank,
    BankError,
    BankIssue,
)

__all__ = [
    "ARTICLES",
    "CONTRASTS_FILE",
    "DEFAULT_BANK_DIR",
    "EVERYDAY_FILE",
    "EXAMPLE_MIN_SCORE",
    "GLOSSARY_FILE",
    "ID_RE",
    "MIN_CONCEPTS",
    "MIN_HINTS",
    "Bank",
    "BankError",
    "BankIssue",
    "alias_problem",
    "bank_files",
    "check_bank",
    "display_path",
    "everyday_file",
    "load_bank",
    "parse_topic_text",
    "unguarded_concepts",
]
