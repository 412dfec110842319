"""Settings: a missing or malformed token stops the bot with one line, and the token never reaches a log."""

from __future__ import annotations

import io
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REDACTED, RedactTokenFilter, Settings, load_settings, load_settings_or_exit
from bot.domain.bank import DEFAULT_BANK_DIR

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghijk"


def _run_bot(tmp_path: Path, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False
    )


def test_missing_token_exits_2_with_one_line(tmp_path: Path) -> None:
    """No TELEGRAM_BOT_TOKEN: exit status 2, one line on stderr naming the variable, no traceback."""
    result = _run_bot(tmp_path, None)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN is required" in lines[0]


@pytest.mark.parametrize("bad", ["not-a-token", "123:short", "abc:AAHfakeTokenForTestsOnly_abcdefghijk"])
def test_malformed_token_exits_2_without_echoing_it(tmp_path: Path, bad: str) -> None:
    """A malformed token: exit status 2, one line, and the value is never printed."""
    result = _run_bot(tmp_path, bad)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert bad not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_settings_from_env_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Values come from the environment; empty ones (as in .env.example) mean "not set"; the token is masked."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("WEBHOOK_URL", "")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings(env_file=None)
    assert settings.token == TOKEN
    assert settings.admin_ids == (1, 22, 333)
    assert settings.webhook_url is None
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"
    assert settings.log_level == "DEBUG"
    assert settings.database_url == "sqlite:///ml_interview_bot.sqlite3"
    assert settings.default_daily_time == "09:00"
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A .env file supplies the settings when the environment does not."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nDATABASE_URL=sqlite:///x.db\n", encoding="utf-8")
    settings = load_settings(env_file=env_file)
    assert isinstance(settings, Settings)
    assert settings.database_url == "sqlite:///x.db"


def test_load_settings_or_exit_prints_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process too: SystemExit(2) and a single stderr line that does not contain the bad value."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:tooShortButSecret")
    with pytest.raises(SystemExit) as exited:
        load_settings_or_exit(env_file=None)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "tooShortButSecret" not in err


def _logger_with_filter(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    handler.addFilter(RedactTokenFilter(TOKEN))
    log = logging.getLogger("tests.redaction")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log


def test_redaction_filter_masks_urls_args_and_tracebacks() -> None:
    """The token is masked in messages, in %-args (httpx logs URLs that way) and in exception text."""
    stream = io.StringIO()
    log = _logger_with_filter(stream)
    log.info('HTTP Request: POST %s "HTTP/1.1 200 OK"', f"https://api.telegram.org/bot{TOKEN}/getUpdates")
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("boom")
    log.warning("other token shaped 987654321:ZZHotherTokenValue_abcdefghijklmn here")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "987654321:ZZHotherTokenValue_abcdefghijklmn" not in output
    assert output.count(REDACTED) == 3
    assert "getUpdates" in output
    assert "RuntimeError" in output


def test_webhook_mode_requires_a_secret(tmp_path: Path) -> None:
    """WEBHOOK_URL without WEBHOOK_SECRET is refused: exit 2 with one line, the bot never starts unprotected."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org/hook"}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: WEBHOOK_SECRET is required when WEBHOOK_URL is set "
        "(Telegram sends it with every update) (see .env.example)"
    ]
    assert TOKEN not in result.stderr


@pytest.mark.parametrize("secret", ["has space", "x" * 257, "ünïcode"])
def test_webhook_secret_must_be_telegram_shaped(secret: str) -> None:
    """Telegram accepts 1-256 of A-Z, a-z, 0-9, _ and - as a secret token; anything else is refused early."""
    with pytest.raises(ValueError, match="webhook_secret"):
        Settings(telegram_bot_token=TOKEN, webhook_url="https://x.example/h", webhook_secret=secret, _env_file=None)  # type: ignore[arg-type,call-arg]


# ---- one Settings for every entry point --------------------------------------------------------------


def _run(
    tmp_path: Path, *arguments: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGUMENTS`` in ``tmp_path`` (its .env, if any), none of the caller's bot settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean | (env or {}),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


SETTING_PREFIXES = ("TELEGRAM_", "WEBHOOK_", "DATABASE_", "DEFAULT_", "BANK_", "DECKS_", "ADMIN_", "LOG_", "PUSH_")


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus_Mons", "DEFAULT_TIMEZONE must be a time zone such as UTC or Europe/Berlin"),
        ("DEFAULT_DAILY_TIME", "25:99", "DEFAULT_DAILY_TIME must be HH:MM"),
        ("DATABASE_URL", "mysql://db/bot", "DATABASE_URL must be sqlite:///"),
        ("BANK_PATH", "no-such-bank", "BANK_PATH has no such file or folder: no-such-bank"),
        ("ADMIN_IDS", "alice,bob", "ADMIN_IDS must be Telegram user ids"),
        ("PUSH_LEASE_SECONDS", "5", "PUSH_LEASE_SECONDS Input should be greater than or equal to 10"),
    ],
)
@pytest.mark.parametrize("command", [["console"], ["grade"], ["bank", "check"]])
def test_every_entry_point_refuses_a_bad_setting_with_status_2(
    tmp_path: Path, command: list[str], setting: str, value: str, says: str
) -> None:
    """A bad value in the environment stops every command with one line naming the setting, never a traceback."""
    result = _run(tmp_path, *command, env={setting: value})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert "Traceback" not in result.stderr


def test_a_bad_default_timezone_stops_the_bot_with_status_2(tmp_path: Path) -> None:
    """DEFAULT_TIMEZONE used to crash inside the practice service with a traceback; now it is a setting error."""
    result = _run(tmp_path, env={"TELEGRAM_BOT_TOKEN": TOKEN, "DEFAULT_TIMEZONE": "Nowhere/Town"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DEFAULT_TIMEZONE must be a time zone such as UTC or Europe/Berlin (see .env.example)"
    ]


def test_the_console_stores_progress_in_the_database_its_dotenv_names(tmp_path: Path) -> None:
    """Run from a folder whose .env names DATABASE_URL, the console keeps its progress there, as the bot would."""
    database = tmp_path / "from-dotenv.sqlite3"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\nDEFAULT_TIMEZONE=Europe/Berlin\n", "utf-8")
    result = _run(tmp_path, "console", stdin="/question metrics\nprecision and recall on held-out data\n/settings\n")
    assert result.returncode == 0, result.stderr
    assert "Time zone: Europe/Berlin" in result.stdout
    assert not (tmp_path / "ml_interview_bot.sqlite3").exists()
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM attempts WHERE user_id = 0").fetchone() == (1,)


def test_command_line_flags_override_the_environment(tmp_path: Path) -> None:
    """--database-url wins over .env's DATABASE_URL, --bank over BANK_PATH (a bad one is then never read)."""
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///ignored.sqlite3\nBANK_PATH=no-such-bank\n", "utf-8")
    flagged = tmp_path / "flagged.sqlite3"
    result = _run(
        tmp_path, "console", "--database-url", f"sqlite:///{flagged}", "--bank", str(DEFAULT_BANK_DIR), stdin="/stats\n"
    )
    assert result.returncode == 0, result.stderr
    assert flagged.exists()
    assert not (tmp_path / "ignored.sqlite3").exists()
    check = _run(tmp_path, "bank", "check", "--bank", str(DEFAULT_BANK_DIR / "metrics.yaml"))
    assert check.returncode == 2, "bank check has no --bank: its paths are positional"
    checked = _run(tmp_path, "bank", "check", str(DEFAULT_BANK_DIR / "metrics.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert "bank check: OK" in checked.stdout
