"""A Telegram Bot API emulator for end-to-end tests of the bot (see README.md)."""

from .chats import GroupChat
from .client import CallbackPress, EmulatedUser
from .faults import CallRecord, Fault, RateLimit
from .formatting import EntityParseError, find_entities, parse_html, utf16_len
from .media import StoredFile, make_png
from .members import GROUP_ANONYMOUS_BOT, GROUP_ANONYMOUS_BOT_ID
from .protocol import ApiError
from .ptb import make_bot, run_polling, unknown_fields
from .server import DEFAULT_TOKEN, TelegramEmulator, WaitTimeoutError
from .state import BotEvent, CallbackAnswer, ChatAction, Membership, StoredMessage

__all__ = [
    "DEFAULT_TOKEN",
    "GROUP_ANONYMOUS_BOT",
    "GROUP_ANONYMOUS_BOT_ID",
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
    "Membership",
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
    "unknown_fields",
    "utf16_len",
]
