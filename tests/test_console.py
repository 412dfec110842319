"""``python -m bot console``: the practice loop driven through standard input in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rendering import texts

CONSOLE_TIMEOUT_S = 120


def _run_console(database: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run the console on ``script``; the bank of ``TEST_BANK_PATH`` if set, temporary files beside the database."""
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env["PYTHONIOENCODING"] = "utf-8"
    env["TMPDIR"] = str(database.parent)  # where the console saves interview charts
    bank = os.environ.get("TEST_BANK_PATH")
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *(["--bank", bank] if bank else [])],
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


def test_help_lists_what_the_console_does(database: Path) -> None:
    """/help in the console lists the table's console commands, in its order, and names the Telegram-only ones;
    each console command is answered and each Telegram-only one says where it works."""
    console = [command for command in texts.COMMAND_TABLE if command.console]
    telegram_only = [command.name for command in texts.COMMAND_TABLE if not command.console]
    tried = [command.name for command in console if command.name not in {"quit", "delete_me"}]
    script = ["/help", *(f"/{name}" for name in tried), "/delete_me", "no", *(f"/{n}" for n in telegram_only), "/quit"]
    result = _run_console(database, "\n".join(script) + "\n")
    assert result.returncode == 0, result.stderr
    help_part, _, rest = result.stdout.partition("Telegram only, because they need a chat: ")
    assert re.findall(r"^/(\w+) — ", help_part, re.MULTILINE) == [command.name for command in console]
    assert rest.startswith(", ".join(f"/{name}" for name in telegram_only) + ".")
    assert "I don't know the command" not in result.stdout
    for name in telegram_only:
        assert f"/{name} works in Telegram only" in rest
    assert "Traceback" not in result.stderr


def test_delete_me_asks_then_deletes(database: Path) -> None:
    """/delete_me needs a "yes"; after it /stats is empty again."""
    result = _run_console(database, "/question\nsome answer\n/delete_me\nyes\n/stats\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "all your data is deleted" in out
    assert out.rstrip().split("Bye!")[0].rstrip().endswith("No answers yet. Send /question to start.")


def test_interview_round_with_debrief_chart_file_and_review(database: Path) -> None:
    """/interview in the console: bad arguments explained, a round answered and passed through, a debrief
    with a verdict, the chart saved to the printed path, /history, and /review opening a next step."""
    script = "\n".join(
        [
            "/interview 0",
            "/interview 3 astrology",
            "/interview 3 mixed easy",
            "/question",
            "/hint",
            "precision and recall on held-out data",
            "/pass",
            "I don't know",
            "/pass",
            "/pass",
            "/history",
            "/review 1",
            "/review 9",
        ]
    )
    result = _run_console(database, script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "a round has 3 to 10 questions" in out
    assert "I could not use “astrology”" in out
    assert "/interview 5 metrics hard" in out
    assert "Mock interview: 3 questions · mixed topics · Easy" in out
    assert "Question 1/3" in out
    assert "You are in a mock interview (question 1/3). Type /cancel" in out
    assert "Hint 1/" in out
    assert "Interview debrief: 2/3 questions answered, 1 passed" in out
    assert re.search(r"(Strong hire|Lean hire|Lean no hire|No hire)", out)
    assert "Type /review 1" in out
    saved = re.search(r"saved to (\S+\.png)", out)
    assert saved is not None, out
    chart = Path(saved[1])
    assert chart.parent.parent == database.parent
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "There is no interview round in progress" in out  # the extra /pass
    assert "Your interview rounds" in out
    assert "mixed topics, Easy · 2/3 answered, 1 passed" in out
    assert out.count("🎯") == 1  # /review 1 opened a practice question
    assert "There is no next step 9" in out
    assert "Traceback" not in result.stderr


def test_settings_change_the_zone_the_time_and_the_days(database: Path) -> None:
    """/settings zone|time|days change the setting (the console used to reprint the settings instead); a bad
    value is explained for people, with an example command."""
    lines = ["zone Europe/Berlin", "time 7:05", "days weekdays", "zone Mars/Base", "time 25:99", ""]
    script = "".join(f"/settings {line}\n" for line in lines)
    result = _run_console(database, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Time zone: Europe/Berlin" in out
    assert "Daily question: 07:05, Monday to Friday" in out
    assert "I don't know the time zone “Mars/Base”" in out
    assert "e.g. /settings zone Europe/Berlin" in out
    assert "I can't read “25:99” as a time of day" in out
    assert "e.g. /settings time 07:45" in out
    assert "timezone:" not in out and "daily_time" not in out
    assert out.rstrip().split("Bye!")[0].count("Time zone: Europe/Berlin") == 4  # kept after the bad value too


def test_skip_and_answer_inside_a_round_move_it_to_its_next_question(database: Path) -> None:
    """/skip and /answer in a round pass on its question and ask the next one, as in Telegram."""
    result = _run_console(database, "/interview 3 mixed easy\n/skip\n/answer\n/skip\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "There is no open question" not in out
    assert "Passed on question 1/3" in out and "Question 2/3" in out
    assert "Passed on question 2/3" in out and "Question 3/3" in out
    assert "Interview debrief: 0/3 questions answered, 3 passed" in out


def test_topics_and_difficulty_time_limit_and_a_stats_chart(database: Path) -> None:
    """/topics metrics hard sets topic and level; /timelimit 2m; /stats saves its chart as a PNG and says where."""
    script = "/topics metrics hard\n/question\nprecision and recall\n/timelimit 2m\n/topics any\n/stats\n"
    result = _run_console(database, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Now: Evaluation and metrics; Hard." in out
    assert "🎯 Evaluation and metrics · Hard" in out
    assert "Time limit: 2 min per question" in out
    assert "Now: Evaluation and metrics; any level." in out
    saved = re.search(r"saved to (\S+\.png)", out)
    assert saved is not None, out
    assert Path(saved[1]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "I have no topic “hard”" not in out


def test_i_dont_know_names_console_commands_that_work(database: Path) -> None:
    """After "I don't know" the console names /retry and /hint (it has no buttons to press), and they work."""
    result = _run_console(database, "/question metrics\nI don't know\n/retry\n/hint\n")
    assert result.returncode == 0, result.stderr
    feedback, _, rest = result.stdout.partition("No real answer there")[2].partition("Model answer")
    assert "/retry" in feedback
    assert "press" not in feedback.casefold()
    assert "Hint 1/" in rest
    assert "There is no open question" not in result.stdout
