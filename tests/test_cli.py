"""The command line: bank check, bank export and the batch grading contract."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.test_bank import GOOD_QUESTION

ROOT = Path(__file__).resolve().parents[1]


def run_grade(lines: list[str]) -> list[dict[str, object]]:
    out = io.StringIO()
    status = main(["grade"], stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    assert status == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_bank_check_passes_on_the_shipped_bank(capsys: pytest.CaptureFixture[str]) -> None:
    """`bank check` exits 0 and says how many questions it checked."""
    assert main(["bank", "check"]) == 0
    assert "bank check: OK" in capsys.readouterr().out


def test_bank_check_fails_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken file makes `bank check` exit 1 and print file:line: [id] message on stderr."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("topic: broken\ntitle: Broken\nquestions:\n  - id: q1\n    kind: conceptual\n", encoding="utf-8")
    assert main(["bank", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:4: [q1] 'question' is missing or empty" in err
    assert "problem(s)" in err


def test_bank_check_flags_a_behavioural_question_tagged_as_another_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A "tell me about a time" question of the behavioural topic tagged coding (as `found-own-bug-leak` was)
    fails `bank check` at its kind line; tagged behavioural it passes."""
    body = GOOD_QUESTION.replace("kind: conceptual", "kind: coding")
    path = tmp_path / "behavioural.yaml"
    path.write_text("topic: behavioural\ntitle: Behavioural\nquestions:\n" + body, encoding="utf-8")
    (tmp_path / "glossary.yaml").write_text("- [true positive, tp]\n", encoding="utf-8")
    assert main(["bank", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:5: [sample-question] a question of the behavioural topic must be of kind 'behavioural'" in err
    path.write_text(path.read_text(encoding="utf-8").replace("kind: coding", "kind: behavioural"), encoding="utf-8")
    assert main(["bank", "check", str(path)]) == 0


def test_bank_export_is_one_json_array(capsys: pytest.CaptureFixture[str]) -> None:
    """`bank export` prints every question with id, topic, question and concepts."""
    assert main(["bank", "export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list) and len(data) >= 80
    assert {"id", "topic", "question", "concepts"} <= set(data[0])
    assert all(c["name"] and c["aliases"] for q in data for c in q["concepts"])


def test_grade_bank_question_and_reference() -> None:
    """Both input forms are graded; output has exactly the contract's keys."""
    out = run_grade(
        [
            json.dumps({"question_id": "overfitting", "answer": "I don't know"}),
            json.dumps(
                {
                    "question": "How did you separate the salt from the water?",
                    "reference": ["The water evaporated, leaving the salt."],
                    "answer": "we let the water evaporate and the salt was left",
                }
            ),
        ]
    )
    assert set(out[0]) == {"score", "verdict", "covered", "missed"}
    assert out[0]["score"] == 0 and out[0]["covered"] == [] and out[0]["missed"]
    assert out[1]["score"] == 1.0 and out[1]["verdict"] == "strong"


def test_grade_good_answer_scores_above_bad() -> None:
    """A real answer to a bank question outranks filler for the same question."""
    good, bad = run_grade(
        [
            json.dumps(
                {
                    "question_id": "overfitting",
                    "answer": "The model memorises noise in the training set and generalises poorly to new data; "
                    "use regularisation, early stopping and cross-validation.",
                }
            ),
            json.dumps({"question_id": "overfitting", "answer": "It is an important topic for models."}),
        ]
    )
    assert isinstance(good["score"], float) and isinstance(bad["score"], int | float)
    assert good["score"] > 0.5 > bad["score"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("", "empty line"),
        ("[1, 2]", "expected a JSON object"),
        ('{"question_id": "no-such-question", "answer": "x"}', "unknown question_id 'no-such-question'"),
        ('{"question_id": "overfitting"}', "missing field 'answer'"),
        ('{"answer": "x"}', "missing field"),
        ('{"question": "q", "answer": "x"}', "missing field 'reference'"),
        ('{"question": "q", "reference": 5, "answer": "x"}', "'reference' must be a string or a non-empty list"),
        ('{"question_id": "overfitting", "answer": 42}', "'answer' must be a string"),
        ('{"question_id": "overfitting", "answer": "x", "hints_used": -1}', "'hints_used' must be a non-negative"),
    ],
)
def test_grade_bad_lines_give_errors_and_the_run_goes_on(line: str, message: str) -> None:
    """A bad line yields an {"error"} line in its place; the next line is still graded."""
    out = run_grade([line, json.dumps({"question_id": "overfitting", "answer": "no idea"})])
    assert len(out) == 2
    assert message in str(out[0]["error"])
    assert out[1]["verdict"] == "off-topic"


def test_grade_subprocess_keeps_order_and_count() -> None:
    """Run as a real process: one output line per input line, in order, exit status 0."""
    lines = [
        json.dumps({"question_id": "overfitting", "answer": "regularisation and early stopping"}),
        "garbage",
        json.dumps({"question": "Q?", "reference": "alpha beta gamma", "answer": "alpha beta gamma"}),
        json.dumps({"question_id": "overfitting", "answer": "ünïcödé ✓ 🚀 <b>&amp;</b>"}),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "grade"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == 4
    assert "score" in out[0] and "error" in out[1] and out[2]["score"] == 1.0 and out[3]["verdict"] == "off-topic"
