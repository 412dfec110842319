"""One ``Settings`` for every entry point, from the environment and ``.env``, and the bot token kept out of logs.

The bot, the console, ``grade``, ``bank check``/``export``/``import`` all read the same
``Settings`` once at start-up; their command-line flags (``--database-url``, ``--bank``)
override what the environment and ``.env`` say. Every value is checked here:
``load_settings_or_exit`` turns any invalid one into a single line on stderr naming the
setting, and exit status 2, never a traceback and never the value of a secret. Only the bot
needs ``TELEGRAM_BOT_TOKEN`` (``need_token``). The token is a ``SecretStr``: its ``repr`` and
``str`` are masked, so printing the settings never leaks it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.bank import DEFAULT_BANK_DIR
from bot.domain.pushtime import canonical_timezone, parse_daily_time

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""The shape of a token from @BotFather: the bot id, a colon, then a long secret."""
_TOKEN_ANYWHERE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REDACTED = "[REDACTED-TOKEN]"
DEFAULT_DATABASE_URL = "sqlite:///ml_interview_bot.sqlite3"
"""A SQLite file in the working directory."""
CONFIG_ERROR_STATUS = 2
_DATABASE_URL = re.compile(r"^(sqlite|postgres|postgresql)(\+\w+)?://", re.IGNORECASE)


class Settings(BaseSettings):
    """Everything the bot and the command-line tools read from their environment (see ``.env.example``)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # ``WEBHOOK_URL=`` in a copied .env.example means "not set"
        extra="ignore",
    )

    telegram_bot_token: SecretStr | None = None
    """Required to run the bot (``load_settings_or_exit(need_token=True)``), not by the other commands."""
    database_url: str = DEFAULT_DATABASE_URL
    default_timezone: str = "UTC"
    default_daily_time: str = "09:00"
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    log_level: str = "INFO"
    telegram_api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_listen: str = "0.0.0.0"  # noqa: S104 (a webhook server must listen beyond loopback)
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    bank_paths: Annotated[tuple[Path, ...], NoDecode] = Field(
        default=(), validation_alias=AliasChoices("bank_path", "bank_paths")
    )
    """``BANK_PATH``: the bank's folder (or files; several separated by ``os.pathsep``); empty: ``bank/``."""
    decks_dir: Path = Path("decks")
    push_grace_minutes: int = Field(default=180, ge=1, le=24 * 60)
    push_lease_seconds: int = Field(default=120, ge=10, le=3600)
    """How long a claimed daily push (a user's or a group's) may go unrenewed before another process sends it
    (a crashed run)."""
    telegram_rate_limit: int = Field(default=30, ge=1, le=1000)
    telegram_group_rate_limit: int = Field(default=20, ge=1, le=60)
    """Messages a minute this process may send to one group (Telegram allows about 20)."""
    group_question_hours: int = Field(default=12, ge=1, le=7 * 24)
    """How long a group question stays open unless the next push or /reveal closes it."""
    group_cooldown_minutes: int = Field(default=10, ge=0, le=24 * 60)
    """After a group question is posted, how long before /question may post another there."""

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message must not contain the value: pydantic would otherwise print it back.
        if value is None:
            return None
        if not TOKEN_PATTERN.fullmatch(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits, a colon, then the secret)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Without a secret anyone who finds the URL could post fake updates.
        secret = value.get_secret_value().strip() if value else ""
        if info.data.get("webhook_url") and not secret:
            raise ValueError("is required when WEBHOOK_URL is set (Telegram sends it with every update)")
        if secret and not _WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError("must be 1-256 characters: letters, digits, _ and -")
        return SecretStr(secret) if secret else None

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isdigit() for part in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 12345,67890")
            return tuple(int(part) for part in parts)
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not _DATABASE_URL.match(value.strip()):
            raise ValueError("must be sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/db")
        return value.strip()

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        timezone = canonical_timezone(value)
        if timezone is None:
            raise ValueError("must be a time zone such as UTC or Europe/Berlin")
        return timezone

    @field_validator("bank_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part for part in value.split(os.pathsep) if part.strip())
        return value

    @field_validator("bank_paths")
    @classmethod
    def _paths_exist(cls, value: tuple[Path, ...]) -> tuple[Path, ...]:
        missing = [str(path) for path in value if not path.exists()]
        if missing:
            raise ValueError(f"has no such file or folder: {', '.join(missing)}")
        return value

    @field_validator("default_daily_time")
    @classmethod
    def _daily_time(cls, value: str) -> str:
        daily_time = parse_daily_time(value)
        if daily_time is None:
            raise ValueError("must be HH:MM, e.g. 09:00")
        return daily_time

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return level

    @field_validator("telegram_api_base_url", "webhook_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @property
    def token(self) -> str:
        """The bot token in clear (only for the Telegram client)."""
        if self.telegram_bot_token is None:
            raise RuntimeError("TELEGRAM_BOT_TOKEN is not set: load the settings with need_token=True")
        return self.telegram_bot_token.get_secret_value()

    @property
    def bank_folders(self) -> list[Path]:
        """Where the bank in service is read from: ``BANK_PATH``, else the bundled ``bank/``."""
        return list(self.bank_paths) or [DEFAULT_BANK_DIR]


def _describe(error: ValidationError) -> str:
    """One line naming each bad setting by its environment variable, never quoting values."""
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        name = str(item["loc"][0]).upper() if item["loc"] else "settings"
        reason = "is required" if item["type"] == "missing" else str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{name} {reason}")
    return "; ".join(parts)


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read the settings, ``overrides`` (command-line flags) winning over the environment and ``.env``.

    Raises ``ValidationError``, whose text never contains the token.
    """
    return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]


def load_settings_or_exit(
    env_file: str | Path | None = ".env", *, need_token: bool = False, **overrides: Any
) -> Settings:
    """The settings, or one clear line on stderr naming what is wrong, and exit status 2."""
    try:
        settings = load_settings(env_file, **overrides)
    except ValidationError as exc:
        _exit(f"configuration error: {_describe(exc)} (see .env.example)")
    if need_token and settings.telegram_bot_token is None:
        _exit("configuration error: TELEGRAM_BOT_TOKEN is required (see .env.example)")
    return settings


def _exit(line: str) -> NoReturn:
    print(line, file=sys.stderr)
    raise SystemExit(CONFIG_ERROR_STATUS)


# ---- logging ------------------------------------------------------------------------------


class RedactTokenFilter(logging.Filter):
    """Replace the bot token (and anything shaped like one) in every record with a marker.

    httpx logs each request URL, and Bot API URLs contain the token, so this filter sits on
    the handlers: it sees records from every logger, including exception text.
    """

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self._token = token

    def redact(self, text: str) -> str:
        """The text with the token masked."""
        if self._token:
            text = text.replace(self._token, REDACTED)
        return _TOKEN_ANYWHERE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message now, masked, so formatters never see the token."""
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(settings: Settings, stream: Any = None) -> None:
    """Log to stderr at the configured level, token redacted, httpx's per-request lines off."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokenFilter(settings.token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
