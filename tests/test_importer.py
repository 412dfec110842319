"""Importing decks: CSV and Markdown parsing with line numbers, derived concepts that pass `bank check`, the CLI."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from bot.cli import main
from bot.domain.bank import DEFAULT_BANK_DIR, GLOSSARY_FILE, Bank, check_bank
from bot.domain.importer import (
    MAX_CONCEPTS,
    DeckError,
    ParsedDeck,
    build_questions,
    deck_to_yaml,
    parse_csv,
    parse_deck,
    parse_markdown,
)
from bot.domain.models import Kind

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DECK = ROOT / "tests" / "data" / "ml_interview_deck.md"

BAGGING = (
    "Bagging trains many models independently on bootstrap samples of the rows, drawn with replacement. "
    "Their predictions are averaged, or combined by a majority vote, which mainly reduces variance. "
    "Random forests add a random subset of features at every split to decorrelate the trees. "
    "Rows left out of a bootstrap sample give an out-of-bag estimate of the error."
)
DROPOUT = (
    "Dropout randomly zeroes a fraction of the activations on each training step. The network cannot rely "
    "on any single unit, so it learns redundant representations. It works like an ensemble of thinned "
    "subnetworks that share weights. At inference every unit is kept and activations are rescaled."
)


@pytest.fixture(scope="module")
def bank() -> Bank:
    """The shipped bank, loaded even if a file someone is editing has problems."""
    loaded, _ = check_bank([DEFAULT_BANK_DIR], validate_grading=False)
    assert loaded is not None
    return loaded


def messages(deck: ParsedDeck) -> list[str]:
    return [str(issue) for issue in deck.issues]


def isolated_check(tmp_path: Path, written: Path) -> int:
    """Run `bank check` on the written file beside a copy of the glossary, away from files others edit."""
    folder = tmp_path / "check"
    folder.mkdir(exist_ok=True)
    shutil.copy(DEFAULT_BANK_DIR / GLOSSARY_FILE, folder / GLOSSARY_FILE)
    shutil.copy(written, folder / written.name)
    return main(["bank", "check", str(folder)])


# ---- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["question,answer", "Q,A", "Prompt,Reference", "QUESTION,Model Answer", "question,model_answer", "q,solution"],
)
def test_csv_accepts_common_header_names(header: str) -> None:
    """Question and answer columns are found under their usual names, in any case."""
    deck = parse_csv(f'{header}\n"What is bagging?","{BAGGING}"\n', "deck.csv")
    assert [(e.question, e.answer, e.line) for e in deck.entries] == [("What is bagging?", BAGGING, 2)]
    assert deck.issues == ()


def test_csv_with_bom_semicolons_and_multiline_cells_keeps_line_numbers() -> None:
    """A BOM and `;` are handled, a quoted cell may span lines, and later rows keep their real line numbers."""
    text = (
        "\ufeffQuestion;Answer;Difficulty\n"
        '"What is bagging?";"Bagging trains models on bootstrap samples;\n'
        'with replacement.\n\n- Then it averages them.";easy\n'
        '"What is dropout?";"It zeroes random activations.";3\n'
        '"What is boosting?";;2\n'
    )
    deck = parse_csv(text, "deck.csv")
    assert [(e.line, e.question, e.difficulty) for e in deck.entries] == [
        (2, "What is bagging?", 1),
        (6, "What is dropout?", 3),
    ]
    assert deck.entries[0].answer == (
        "Bagging trains models on bootstrap samples; with replacement.\n- Then it averages them."
    )
    assert messages(deck) == ["deck.csv:7: question has no answer, skipped: What is boosting?"]


def test_csv_reports_each_bad_row_with_its_line() -> None:
    """Orphan answers, empty rows and rows missing a delimiter are reported, one line each, and skipped."""
    text = (
        "question,answer,hints\n"
        ",An answer with nobody asking,\n"
        ",,\n"
        '"What is dropout?","Random zeroing of activations.",Think of noise|Think of ensembles\n'
        '"Only two cells","here"\n'
        "\n"
    )
    deck = parse_csv(text, "deck.csv")
    assert messages(deck) == [
        "deck.csv:2: answer with no question, skipped",
        "deck.csv:3: empty row, skipped",
        "deck.csv:5: row has 2 of the header's 3 columns (a missing delimiter?), skipped",
    ]
    assert [e.hints for e in deck.entries] == [("Think of noise", "Think of ensembles")]


def test_csv_bad_optional_cells_are_warnings_not_skips() -> None:
    """An unknown difficulty or kind falls back to the default and says so, but the row is imported."""
    deck = parse_csv('question,answer,difficulty,kind\n"Why?","Because.",extreme,trivia\n', "d.csv")
    assert len(deck.entries) == 1 and deck.entries[0].difficulty is None and deck.entries[0].kind is None
    assert [i.skipped for i in deck.issues] == [False, False]
    assert "difficulty 'extreme' is not 1, 2, 3" in messages(deck)[0]
    assert "kind 'trivia' is not one of conceptual, applied" in messages(deck)[1]


def test_csv_kind_column_is_read() -> None:
    """A kind cell such as "case study" sets the question's kind."""
    deck = parse_csv('question,answer,kind\n"How?","Like so.",case study\n', "d.csv")
    assert deck.entries[0].kind is Kind.CASE_STUDY


def test_csv_without_question_column_says_what_it_found() -> None:
    """A header with no recognisable question column is one clear problem at line 1."""
    deck = parse_csv("term,definition\nbagging,bootstrap aggregating\n", "d.csv")
    assert deck.entries == ()
    assert messages(deck) == [
        "d.csv:1: the header row needs a question and an answer column (e.g. question,answer); "
        "found 'term', 'definition'"
    ]


# ---- Markdown ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "question"),
    [
        ("## What is bagging?", "What is bagging?"),
        ("### 12. What is bagging?", "What is bagging?"),
        ("### Q: Explain bagging", "Explain bagging"),
        ("#### Q3. Explain bagging", "Explain bagging"),
        ("## 4. Explain bagging", "Explain bagging"),
        ("**What is bagging?**", "What is bagging?"),
        ("**Q1.** What is bagging?", "What is bagging?"),
        ("**Q2. What is `bagging`?**", "What is bagging?"),
        ("1. **What is bagging?**", "What is bagging?"),
    ],
)
def test_markdown_question_styles(line: str, question: str) -> None:
    """Headings and bold lines, numbered or labelled, are questions; the text below is the answer."""
    deck = parse_markdown(f"# Deck\n\n{line}\n\n{BAGGING}\n", "deck.md")
    assert [(e.line, e.question, e.answer) for e in deck.entries] == [(3, question, BAGGING)]
    assert deck.issues == ()


def test_markdown_bold_question_with_answer_on_the_same_line() -> None:
    """`**What is X?** It is...` splits into the question and the start of its answer."""
    deck = parse_markdown("**What is dropout?** It zeroes random units.\nIt regularises.\n", "d.md")
    assert [(e.question, e.answer) for e in deck.entries] == [
        ("What is dropout?", "It zeroes random units. It regularises.")
    ]


def test_markdown_answer_keeps_lists_and_drops_markup() -> None:
    """Wrapped lines join, list items stay one per line, and links, emphasis, labels and HTML go."""
    text = (
        "### What does a confusion matrix show?\n"
        "**A:** A table of *predicted* against\n"
        "actual classes ([docs](https://example.org)):\n"
        "\n"
        "* true positives and true negatives are correct;\n"
        "* false positives are negatives flagged\n"
        "  as positive.\n"
        "1. Then compute precision.\n"
        "<details><summary>Answer</summary>\n"
        "> Quoted remark.\n"
        "</details>\n"
    )
    deck = parse_markdown(text, "d.md")
    assert deck.entries[0].answer == (
        "A table of predicted against actual classes (docs):\n"
        "- true positives and true negatives are correct;\n"
        "- false positives are negatives flagged as positive.\n"
        "1. Then compute precision.\n"
        "Quoted remark."
    )


def test_markdown_sections_orphans_and_empty_questions() -> None:
    """Section headings are not questions; stray text and questions without answers are reported by line."""
    text = (
        "# ML questions\n"  # 1
        "An introduction that belongs to no question.\n"  # 2
        "## Deep learning\n"  # 3
        "## Classical ML\n"  # 4: a heading-only section above it
        "Some text under a section, with no question.\n"  # 5
        "### What is dropout?\n"  # 6
        "### What is bagging?\n"  # 7
        f"{BAGGING}\n"  # 8
        "```python\n"  # 9
        "# not a heading inside code\n"  # 10
        "```\n"  # 11
    )
    deck = parse_markdown(text, "d.md")
    assert deck.title == "ML questions"
    assert [(e.line, e.question, e.section) for e in deck.entries] == [(7, "What is bagging?", "Classical ML")]
    assert deck.entries[0].answer == BAGGING + "\n# not a heading inside code"
    assert messages(deck) == [
        "d.md:5: text with no question above it, skipped",
        "d.md:6: question has no answer, skipped: What is dropout?",
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("d.md", "# Notes\nJust an introduction.\n", "d.md:1: no questions found (a question is a heading or a bold"),
        ("d.csv", "question,answer\n", "d.csv:1: no questions found: the file has a header row but no rows"),
    ],
)
def test_deck_without_questions_says_so(name: str, text: str, message: str) -> None:
    """A deck with nothing that looks like a question explains what a question looks like."""
    deck = parse_deck(text, name)
    assert deck.entries == ()
    assert messages(deck)[0].startswith(message)


def test_unknown_extension_is_a_clear_error() -> None:
    """Only .csv, .md and .markdown decks are read; anything else names the accepted formats."""
    with pytest.raises(DeckError, match=r"deck\.txt: unknown deck format \('\.txt'\); use a \.csv, \.markdown, \.md"):
        parse_deck("question,answer\n", "deck.txt")


# ---- building questions --------------------------------------------------------------------------


def test_imported_questions_follow_the_bank_rules(bank: Bank) -> None:
    """Each question gets 4-8 weighted concepts, two hints, a fresh id, and its reference as example answer."""
    deck = parse_markdown(f"## What is bagging?\n{BAGGING}\n\n## What is dropout?\n{DROPOUT}\n", "deck.md")
    result = build_questions(deck, bank=bank, topic="imported-test")
    assert result.issues == () and len(result.questions) == 2
    grader = bank.make_grader()
    for q in result.questions:
        assert q.id not in bank.by_id and q.topic == "imported-test" and q.kind is Kind.CONCEPTUAL
        assert 4 <= len(q.concepts) <= MAX_CONCEPTS
        assert all(1 <= c.weight <= 3 and c.aliases for c in q.concepts)
        assert len(q.hints) == 2 and f"covers {len(q.concepts)} key ideas" in q.hints[0]
        assert q.why_asked.startswith("Imported from deck.md") and "review before publishing" in q.why_asked
        assert grader.grade(q, q.example_answers[0]).score >= 0.9
    assert {c.weight for q in result.questions for c in q.concepts} > {1}, "rarer ideas should weigh more"


def test_ids_are_slugs_unique_in_the_file_and_the_bank(bank: Bank) -> None:
    """An id already in the bank or earlier in the deck gets a numeric suffix."""
    assert "overfitting" in bank.by_id
    answer = (
        "A model overfits when it memorises noise and quirks of its training sample. Training loss keeps "
        "dropping while validation loss climbs. Learning curves expose the widening gap. Regularisation, "
        "early stopping and more data are the usual cures."
    )
    deck = parse_markdown(f"## What is overfitting?\n{answer}\n## What is overfitting?\n{answer}\n", "d.md")
    result = build_questions(deck, bank=bank)
    assert [q.id for q in result.questions] == ["overfitting-2", "overfitting-3"]


def test_too_short_answer_is_skipped_with_its_line(bank: Bank) -> None:
    """An answer too thin for four key ideas is reported at its question's line and not imported."""
    deck = parse_markdown(f"## What is bagging?\n{BAGGING}\n\n## What is a GPU?\nA chip.\n", "d.md")
    result = build_questions(deck, bank=bank)
    assert [q.question for q in result.questions] == ["What is bagging?"]
    assert [str(i) for i in result.issues] == [
        "d.md:4: answer too short to derive 4 key ideas from, skipped: What is a GPU?"
    ]
    assert result.skipped == 1


def test_deck_hints_are_kept(bank: Bank) -> None:
    """Hints given in the deck are used as they are."""
    deck = parse_csv(f'question,answer,hints\n"What is bagging?","{BAGGING}",Resample|Average\n', "d.csv")
    assert build_questions(deck, bank=bank).questions[0].hints == ("Resample", "Average")


def test_good_answer_outscores_off_topic_on_an_imported_question(bank: Bank) -> None:
    """Graded against an imported question, a correct paraphrase beats an answer to another question."""
    question = build_questions(parse_markdown(f"## What is bagging?\n{BAGGING}\n", "d.md"), bank=bank).questions[0]
    grader = bank.make_grader()
    good = grader.grade(
        question,
        "You fit many models independently on bootstrap samples drawn with replacement and average their "
        "predictions, which reduces variance. A random forest also picks a random subset of features per "
        "split to decorrelate the trees, and the out-of-bag rows estimate the error.",
    )
    off_topic = grader.grade(question, "Precision is the share of flagged items that are truly positive.")
    assert good.score >= 0.6
    assert off_topic.score <= 0.1


def test_comparison_question_penalises_swapped_facts(bank: Bank) -> None:
    """For "bagging vs boosting", stating bagging's facts of boosting costs marks; the right pairing does not."""
    reference = (
        "Bagging trains models independently in parallel on bootstrap samples and averages them. "
        "Bagging mainly reduces variance, as in random forests. "
        "Boosting trains weak learners sequentially, each one fixing the residual errors of the ensemble. "
        "Boosting mainly reduces bias and needs early stopping against overfitting."
    )
    deck = parse_markdown(f"## What is the difference between bagging and boosting?\n{reference}\n", "d.md")
    question = build_questions(deck, bank=bank).questions[0]
    lenient = replace(question, concepts=tuple(replace(c, contradicts=()) for c in question.concepts))
    grader = bank.make_grader()
    swapped = "Boosting trains models independently in parallel on bootstrap samples, bagging learners sequentially."
    assert grader.grade(question, swapped).contradicted
    assert grader.grade(question, swapped).score < grader.grade(lenient, swapped).score
    right = (
        "Bagging fits models in parallel on bootstrap samples and reduces variance; boosting fits weak "
        "learners sequentially on the residual errors and reduces bias."
    )
    assert grader.grade(question, right).contradicted == ()
    assert grader.grade(question, right).score >= 0.9


def test_yaml_is_reviewable_and_passes_bank_check(bank: Bank, tmp_path: Path) -> None:
    """The YAML keeps the curated key order and block style, warns reviewers, and `bank check` accepts it."""
    listed = DROPOUT.replace(". ", ".\n- ")
    deck = parse_markdown(f"# Ensembles\n## What is bagging?\n{BAGGING}\n## What is dropout?\n- {listed}\n", "d.md")
    result = build_questions(deck, bank=bank)
    text = deck_to_yaml(result)
    assert text.startswith("# Imported from d.md by `python -m bot bank import`")
    data = yaml.safe_load(text)
    assert list(data) == ["topic", "title", "questions"] and data["title"] == "Ensembles"
    assert list(data["questions"][0])[:8] == [
        "id",
        "kind",
        "difficulty",
        "question",
        "why_asked",
        "how_to_answer",
        "example_answers",
        "concepts",
    ]
    assert "example_answers:\n      - >-\n        Bagging trains" in text
    assert "example_answers:\n      - |-\n        - Dropout randomly" in text
    assert "\n\n  - id: " in text, "questions are separated by a blank line"
    written = tmp_path / "ensembles.yaml"
    written.write_text(text, encoding="utf-8")
    assert isolated_check(tmp_path, written) == 0


# ---- the command line ----------------------------------------------------------------------------


def test_cli_imports_a_deck_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bank import` writes a file `bank check` accepts and reports each skipped record as FILE:LINE."""
    deck = tmp_path / "my_deck.md"
    deck.write_text(
        "# My deck\n"  # 1
        "## What is bagging?\n"  # 2
        f"{BAGGING}\n"  # 3
        "## Regularisation\n"  # 4
        "Stray text.\n"  # 5
        "## What is dropout?\n"  # 6
        f"{DROPOUT}\n"  # 7
        "## What is a GPU?\n"  # 8
        "A chip.\n"  # 9
        "## What is a TPU?\n",  # 10
        encoding="utf-8",
    )
    out = tmp_path / "out" / "imported.yaml"
    out.parent.mkdir()
    assert main(["bank", "import", str(deck), "--output", str(out), "--title", "Imported"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"{deck}:5: text with no question above it, skipped",
        f"{deck}:8: answer too short to derive 4 key ideas from, skipped: What is a GPU?",
        f"{deck}:10: question has no answer, skipped: What is a TPU?",
    ]
    assert captured.out.startswith("imported 2 questions, skipped 3; wrote ")
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["topic"] == "my-deck" and data["title"] == "Imported"
    _, issues = check_bank([DEFAULT_BANK_DIR, out])
    assert [i for i in issues if Path(i.path).name == out.name] == []
    assert isolated_check(tmp_path, out) == 0


def test_cli_writes_beside_the_deck_and_never_overwrites_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --output the YAML goes to DECK.yaml; a second run refuses to overwrite it (exit 2)."""
    deck = tmp_path / "deck.csv"
    deck.write_text(f'question,answer\n"What is bagging?","{BAGGING}"\n', encoding="utf-8")
    assert main(["bank", "import", str(deck)]) == 0
    assert (tmp_path / "deck.yaml").is_file()
    capsys.readouterr()
    assert main(["bank", "import", str(deck)]) == 2
    assert "already exists: pass --output" in capsys.readouterr().err


def test_cli_output_dash_prints_the_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--output -` puts the YAML on stdout and the summary on stderr."""
    deck = tmp_path / "deck.csv"
    deck.write_text(f'question,answer\n"What is bagging?","{BAGGING}"\n', encoding="utf-8")
    stdout = io.StringIO()
    assert main(["bank", "import", str(deck), "--output", "-", "--topic", "my-topic"], stdout=stdout) == 0
    assert yaml.safe_load(stdout.getvalue())["topic"] == "my-topic"
    assert capsys.readouterr().err == "imported 1 questions, skipped 0\n"


class Failure(NamedTuple):
    name: str
    content: str
    args: list[str]
    status: int
    message: str


@pytest.mark.parametrize(
    "case",
    [
        Failure("deck.md", "## What is a GPU?\nA chip.\n", [], 1, "imported 0 questions, skipped 1"),
        Failure("deck.txt", "question,answer\n", [], 2, "unknown deck format ('.txt')"),
        Failure("deck.md", f"## What is bagging?\n{BAGGING}\n", ["--topic", "metrics"], 2, "'metrics' is already in"),
        Failure("deck.md", f"## What is bagging?\n{BAGGING}\n", ["--topic", "Bad Topic"], 2, "is not a valid id"),
    ],
)
def test_cli_failures_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Failure) -> None:
    """Nothing importable exits 1; an unknown format or a bad or taken topic is a usage error (exit 2)."""
    deck = tmp_path / case.name
    deck.write_text(case.content, encoding="utf-8")
    assert main(["bank", "import", str(deck), "--output", str(tmp_path / "out.yaml"), *case.args]) == case.status
    assert case.message in capsys.readouterr().err
    assert not (tmp_path / "out.yaml").exists()


def test_import_is_deterministic_across_processes(tmp_path: Path) -> None:
    """Two runs with different hash seeds write byte-identical files, so a re-import diffs cleanly."""
    deck = tmp_path / "deck.md"
    deck.write_text(f"## What is bagging?\n{BAGGING}\n## What is dropout?\n{DROPOUT}\n", encoding="utf-8")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}.yaml"
        subprocess.run(
            [sys.executable, "-m", "bot", "bank", "import", str(deck), "--output", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            cwd=ROOT,
            timeout=300,
            check=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_sample_deck_imports_end_to_end(tmp_path: Path) -> None:
    """The bundled Markdown deck imports 100+ questions as a real process, and the file passes `bank check`."""
    out = tmp_path / "ml-interview-deck.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "bank", "import", str(SAMPLE_DECK), "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = int(proc.stdout.split()[1])
    assert imported >= 100, proc.stdout
    # the one deliberate oddity: a <details> note under a section heading, outside any question
    assert proc.stderr.splitlines() == [f"{SAMPLE_DECK}:255: text with no question above it, skipped"]
    _, issues = check_bank([DEFAULT_BANK_DIR, out])
    assert [str(i) for i in issues if Path(i.path).name == out.name] == []
    assert isolated_check(tmp_path, out) == 0
