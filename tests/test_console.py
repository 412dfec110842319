"""``python -m bot console``: the practice loop driven through standard input in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_TIMEOUT_S = 120


def _run_console(database: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=database.parent,
        timeout=CONSOLE_TIMEOUT_S,
        check=False,
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A fresh SQLite file for the console."""
    return tmp_path / "console.sqlite3"


def test_question_answer_feedback_and_stats(database: Path) -> None:
    """A question, a partial answer, feedback with covered and missed concepts, and /stats counting it."""
    script = "\n".join(
        [
            "/question metrics",
            "/hint",
            "I look at precision and recall <b>on held-out</b> data & compare",
            "/stats",
        ]
    )
    result = _run_console(database, script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Evaluation and metrics" in out
    assert "Hint 1/" in out
    assert "Covered" in out
    assert "you said “" in out
    assert "Missed" in out
    assert "Model answer" in out
    assert "&amp;" not in out  # plain text: entities unescaped
    assert "Answered: 1 · given up: 0" in out
    assert out.rstrip().endswith("Bye!")
    assert "Traceback" not in result.stderr


def test_progress_survives_between_runs(database: Path) -> None:
    """The console keeps progress in the database: a second run's /stats shows the first run's answer."""
    first = _run_console(database, "/question\nno idea at all\n")
    assert first.returncode == 0, first.stderr
    second = _run_console(database, "/stats\n")
    assert "Answered: 1" in second.stdout


def test_bad_input_gets_clear_replies(database: Path) -> None:
    """Free text with no open question gets a nudge; an unknown command and an unknown topic are explained."""
    result = _run_console(database, "hello?\n/frobnicate\n/question astrology\n/hint\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "no open question right now" in out
    assert "I don't know the command /frobnicate" in out
    assert "I have no topic “astrology”" in out
    assert "There is no open question." in out


def test_delete_me_asks_then_deletes(database: Path) -> None:
    """/delete_me needs a "yes"; after it /stats is empty again."""
    result = _run_console(database, "/question\nsome answer\n/delete_me\nyes\n/stats\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "all your data is deleted" in out
    assert out.rstrip().split("Bye!")[0].rstrip().endswith("No answers yet. Send /question to start.")
