"""Imported vs curated: how much grading quality does ``bank import`` lose against hand-written concepts?

    python benchmarks/import_benchmark.py [--bank PATH ...] [--show-concepts]

Builds a Markdown deck from the 30 curated questions of the development set
(tests/data/devset.jsonl): each question's text as a heading, its first example answer
as the reference. The deck is imported with ``bot.domain.importer`` as if those questions
were new: the rest of the bank supplies the glossary and the background word counts,
and the 30 curated questions are left out of both. Every dev-set answer is then graded
against the imported question and against the curated one, and the script prints
Spearman correlation with the human 0-5 grade for both, with the mean score by kind of
answer. Plain reference-answer grading (``Grader.grade_reference``, no import) is shown
beside them as the baseline the importer starts from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading_benchmark import DEVSET, spearman

from bot.domain.bank import check_bank
from bot.domain.importer import build_questions, parse_deck
from bot.domain.models import Question

DECK_NAME = "devset-deck.md"


def devset_rows() -> list[dict[str, object]]:
    """The labelled answers, one dict per line."""
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def deck_markdown(questions: list[Question]) -> str:
    """A Markdown deck like an interview-prep README: heading questions, reference answers below."""
    parts = ["# Development set questions\n"]
    parts += [f"## {number}. {q.question}\n\n{q.example_answers[0]}\n" for number, q in enumerate(questions, 1)]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bank", nargs="*", default=[], metavar="PATH", help="bank files or folders (default: bank/)")
    parser.add_argument("--show-concepts", action="store_true", help="print each imported question's concepts")
    args = parser.parse_args()

    bank, problems = check_bank(args.bank, validate_grading=False)
    assert bank is not None
    print(
        f"bank: {len(bank.questions)} questions in {len(bank.topics)} topics"
        + (f", {len(problems)} problem(s)" if problems else "")
    )
    rows = devset_rows()
    ids = list(dict.fromkeys(str(r["question_id"]) for r in rows))
    curated = [bank.by_id[qid] for qid in ids]
    rest = bank.with_questions((q for q in bank.questions if q.id not in set(ids)), bank.topics)

    deck = parse_deck(deck_markdown(curated), DECK_NAME)
    result = build_questions(deck, bank=rest)
    for issue in result.issues:
        print(issue)
    by_text = {q.question: q for q in result.questions}
    imported = {qid: by_text[bank.by_id[qid].question] for qid in ids if bank.by_id[qid].question in by_text}
    print(f"imported {len(result.questions)} of {len(curated)} questions, skipped {result.skipped}")
    if args.show_concepts:
        for qid, q in imported.items():
            print(f"\n{qid}: {q.question}")
            for c in q.concepts:
                print(f"  [{c.weight:.0f}] {c.name}: {', '.join(c.aliases)}")

    curated_grader = bank.make_grader()
    # As the bot grades a deck: joined to the bank, with its glossary, contrasts and everyday words.
    imported_grader = bank.with_questions((*rest.questions, *imported.values()), bank.topics).make_grader()
    reference_grader = bank.make_grader()
    rows = [r for r in rows if str(r["question_id"]) in imported]
    systems: dict[str, Callable[[dict[str, object]], float]] = {
        "curated": lambda r: curated_grader.grade(bank.by_id[str(r["question_id"])], str(r["answer"])).score,
        "imported": lambda r: imported_grader.grade(imported[str(r["question_id"])], str(r["answer"])).score,
        "reference mode": lambda r: (
            reference_grader.grade_reference(
                bank.by_id[str(r["question_id"])].question,
                bank.by_id[str(r["question_id"])].example_answers[0],
                str(r["answer"]),
            ).score
        ),
    }
    grades = [float(str(r["grade"])) for r in rows]
    scores = {name: [score(r) for r in rows] for name, score in systems.items()}
    print(f"\n== Development set: {len(rows)} answers to {len(imported)} questions ==")
    print(f"{'system':<18}{'Spearman':>10}{'concepts/question':>20}")
    concept_counts = {
        "curated": statistics.fmean(len(bank.by_id[qid].concepts) for qid in imported),
        "imported": statistics.fmean(len(q.concepts) for q in imported.values()),
    }
    for name, values in scores.items():
        count = f"{concept_counts[name]:.1f}" if name in concept_counts else "one per word"
        print(f"{name:<18}{spearman(values, grades):>10.3f}{count:>20}")

    by_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    kind_grade: dict[str, list[float]] = defaultdict(list)
    for index, r in enumerate(rows):
        kind_grade[str(r["kind"])].append(grades[index])
        for name, values in scores.items():
            by_kind[str(r["kind"])][name].append(values[index])
    print(f"\nmean score by kind of answer (human grade 0-5 beside it)\n{'kind':<16}{'grade':>7}", end="")
    print("".join(f"{name:>16}" for name in systems))
    for kind in sorted(kind_grade, key=lambda k: -statistics.fmean(kind_grade[k])):
        cells = "".join(f"{statistics.fmean(by_kind[kind][name]):>16.3f}" for name in systems)
        print(f"{kind:<16}{statistics.fmean(kind_grade[kind]):>7.2f}{cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
