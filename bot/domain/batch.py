"""Batch grading: the JSON Lines contract behind ``python -m bot grade``.

Input, one object per line: ``{"question_id": ID, "answer": TEXT}`` for a bank
question, or ``{"question": TEXT, "reference": TEXT | [TEXT, ...], "answer": TEXT}``
for a plain reference answer; optional ``"hints_used": N``. Output, exactly one line
per input line, in order: ``{"score", "verdict", "covered", "missed"}`` or
``{"error": "..."}``. A bad line never stops the run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from bot.domain.bank import Bank
from bot.domain.grading import Grade, Grader


class LineError(ValueError):
    """An input line that cannot be graded; the message goes back to the caller."""


def grade_lines(lines: Iterable[str], bank: Bank | None, *, bank_failure: str = "") -> Iterator[str]:
    """Grade each input line, yielding one JSON output line for each."""
    grader = bank.make_grader() if bank is not None else Grader()
    for line in lines:
        try:
            result: dict[str, object] = grade_request(_parse(line), bank, grader, bank_failure).to_json()
        except LineError as exc:
            result = {"error": str(exc)}
        yield json.dumps(result, ensure_ascii=False)


def _parse(line: str) -> dict[str, object]:
    text = line.strip()
    if not text:
        raise LineError("empty line: expected a JSON object")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise LineError("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise LineError("expected a JSON object")
    return data


def grade_request(data: dict[str, object], bank: Bank | None, grader: Grader, bank_failure: str = "") -> Grade:
    """Grade one parsed request, raising :class:`LineError` for a bad one."""
    answer = _text(data, "answer")
    hints = data.get("hints_used", 0)
    if isinstance(hints, bool) or not isinstance(hints, int) or hints < 0:
        raise LineError("'hints_used' must be a non-negative integer")
    if "question_id" in data:
        qid = data["question_id"]
        if not isinstance(qid, str):
            raise LineError("'question_id' must be a string")
        if bank is None:
            raise LineError(bank_failure or "no question bank loaded")
        question = bank.get(qid)
        if question is None:
            raise LineError(f"unknown question_id {qid!r}")
        return grader.grade(question, answer, hints_used=hints)
    if "question" not in data and "reference" not in data:
        raise LineError("missing field: give 'question_id', or 'question' and 'reference'")
    question_text = _text(data, "question")
    reference = data.get("reference")
    if isinstance(reference, str):
        references = [reference]
    elif isinstance(reference, list) and reference and all(isinstance(r, str) for r in reference):
        references = [str(r) for r in reference]
    elif reference is None:
        raise LineError("missing field 'reference'")
    else:
        raise LineError("'reference' must be a string or a non-empty list of strings")
    if not any(r.strip() for r in references):
        raise LineError("'reference' is empty")
    return grader.grade_reference(question_text, references, answer, hints_used=hints)


def _text(data: dict[str, object], key: str) -> str:
    if key not in data:
        raise LineError(f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, str):
        raise LineError(f"{key!r} must be a string")
    return value
