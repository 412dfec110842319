"""Request parameters and error responses of the Bot API wire protocol."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An error answer: HTTP status = error_code, with Telegram's description."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        """The JSON body Telegram sends for this error."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 error; ``description`` is the part after "Bad Request: "."""
    return ApiError(400, f"Bad Request: {description}")


def forbidden(description: str) -> ApiError:
    """A 403 error; ``description`` is the part after "Forbidden: "."""
    return ApiError(403, f"Forbidden: {description}")


def conflict(description: str) -> ApiError:
    """A 409 error; ``description`` is the part after "Conflict: "."""
    return ApiError(409, f"Conflict: {description}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 flood-control error with parameters.retry_after."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart/form-data request."""

    content: bytes
    filename: str | None
    content_type: str | None


class Params:
    """The parameters of one call, from the query string and a JSON, form or multipart body.

    Form and multipart values are strings (objects JSON-encoded, as PTB sends them); JSON
    bodies carry native values. The accessors accept both.
    """

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, Upload] | None = None) -> None:
        self.values = dict(values)
        self.files = dict(files or {})

    def has(self, name: str) -> bool:
        """Whether ``name`` was sent (as a value or a file part)."""
        return name in self.values or name in self.files

    def raw(self, name: str) -> Any:
        """The value as sent, or None."""
        return self.values.get(name)

    def string(self, name: str) -> str | None:
        """The value as a string (numbers are converted), or None if absent."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def required_string(self, name: str) -> str:
        """The value as a string; 400 if missing."""
        value = self.string(name)
        if value is None:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def integer(self, name: str) -> int | None:
        """The value as an int, or None if absent; 400 if not a number."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def required_integer(self, name: str) -> int:
        """The value as an int; 400 if missing."""
        value = self.integer(name)
        if value is None:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def number(self, name: str) -> float | None:
        """The value as a float, or None if absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        """The value as a bool (absent = False)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def json_value(self, name: str, what: str) -> Any:
        """A JSON-typed value (decoded if sent as a string), or None if absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what} JSON object") from None
        return value

    def chat_id(self) -> int | str:
        """The chat_id parameter: an int or an ``@username`` string; 400 if missing."""
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            if text.startswith("@"):
                return text
            raise bad_request("chat not found") from None

    def loggable(self) -> JSON:
        """Values plus a short description of each file part, for the call log."""
        logged = dict(self.values)
        for name, upload in self.files.items():
            logged[name] = f"<file {upload.filename!r} {len(upload.content)} bytes>"
        return logged
