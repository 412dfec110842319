"""Inline keyboards shared by the handlers and the daily push.

Callback data names questions, topics, zones or choices, never a user: whoever presses a
button acts for themselves (see ``handlers.button``).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.pushtime import COMMON_ZONES
from bot.rendering import texts

ZONES_PER_ROW = 2


def question_keyboard(question_id: str, hints: int) -> InlineKeyboardMarkup:
    """Under a question: Hint (if it has any) and Show model answer."""
    row = [InlineKeyboardButton(texts.BUTTON_HINT, callback_data=f"h:{question_id}")] if hints else []
    row.append(InlineKeyboardButton(texts.BUTTON_MODEL, callback_data=f"a:{question_id}"))
    return InlineKeyboardMarkup([row])


def zone_keyboard() -> InlineKeyboardMarkup:
    """Common time zones, two per row (``tz:`` + IANA name, at most 64 bytes)."""
    buttons = [InlineKeyboardButton(name.replace("_", " "), callback_data=f"tz:{name}") for name in COMMON_ZONES]
    return InlineKeyboardMarkup([buttons[i : i + ZONES_PER_ROW] for i in range(0, len(buttons), ZONES_PER_ROW)])


def settings_keyboard(*, subscribed: bool, weekdays_only: bool) -> InlineKeyboardMarkup:
    """Under /settings: days of the daily question (when subscribed) and the time zone picker."""
    rows: list[list[InlineKeyboardButton]] = []
    if subscribed:
        choices = (
            (texts.BUTTON_EVERY_DAY, "every", not weekdays_only),
            (texts.BUTTON_WEEKDAYS, "weekdays", weekdays_only),
        )
        rows.append(
            [
                InlineKeyboardButton(("✅ " if chosen else "") + label, callback_data=f"days:{value}")
                for label, value, chosen in choices
            ]
        )
    rows.append([InlineKeyboardButton(texts.BUTTON_PICK_ZONE, callback_data="tz:?")])
    return InlineKeyboardMarkup(rows)
