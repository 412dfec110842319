"""Read SemEval-2013 Task 7 (Beetle and SciEntsBank) 2-way data for the grading benchmark."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2013_task7"

TEST_SPLITS = (
    ("beetle", "test-unseen-answers"),
    ("beetle", "test-unseen-questions"),
    ("sciEntsBank", "test-unseen-answers"),
    ("sciEntsBank", "test-unseen-questions"),
    ("sciEntsBank", "test-unseen-domains"),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One student answer with its question, reference answers and 2-way label."""

    corpus: str
    question_id: str
    question: str
    references: tuple[str, ...]
    answer: str
    correct: bool


def read_folder(folder: Path, corpus: str) -> list[Item]:
    """Every labelled student answer in a folder of SemEval XML files."""
    items: list[Item] = []
    for path in sorted(folder.glob("*.xml")):
        root = ET.parse(path).getroot()
        question = (root.findtext("questionText") or "").strip()
        references = tuple((r.text or "").strip() for r in root.iter("referenceAnswer") if (r.text or "").strip())
        for student in root.iter("studentAnswer"):
            items.append(
                Item(
                    corpus,
                    root.get("id", path.stem),
                    question,
                    references,
                    (student.text or "").strip(),
                    student.get("accuracy") == "correct",
                )
            )
    return items


def training(root: Path, corpus: str) -> list[Item]:
    """The training split of one corpus."""
    return read_folder(root / "training" / "2way" / corpus, corpus)


def test_split(root: Path, corpus: str, split: str) -> list[Item]:
    """One test split of one corpus."""
    return read_folder(root / "test" / "2way" / corpus / split, corpus)
