"""A Telegram Bot API emulator for end-to-end tests of the bot (see README.md)."""

from .client import CallbackPress, EmulatedUser, GroupChat
from .faults import CallRecord, Fault, RateLimit
from .formatting import EntityParseError, find_entities, parse_html, utf16_len
from .media import StoredFile, make_png
from .protocol import ApiError
from .ptb import make_bot, run_polling
from .server import DEFAULT_TOKEN, TelegramEmulator, WaitTimeoutError
from .state import BotEvent, CallbackAnswer, ChatAction, StoredMessage

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotEvent",
    "CallRecord",
    "CallbackAnswer",
    "CallbackPress",
    "ChatAction",
    "EmulatedUser",
    "EntityParseError",
    "Fault",
    "GroupChat",
    "RateLimit",
    "StoredFile",
    "StoredMessage",
    "TelegramEmulator",
    "WaitTimeoutError",
    "find_entities",
    "make_bot",
    "make_png",
    "parse_html",
    "run_polling",
    "utf16_len",
]
