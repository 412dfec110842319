"""Every word about what users choose: topics and difficulty, time zone, the daily question, /settings."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Literal

from bot.domain.pushtime import zone
from bot.domain.users import InvalidSetting, Setting, UserSettings
from bot.rendering.texts import LEVEL_NAMES, fit

TOPICS_PICK = "<b>Choose what to practise</b> (tap to switch a topic on or off):"
TOPIC_SAVED = "Saved."
UNSUBSCRIBED = "🔕 Daily question off. /subscribe turns it on again."
NOT_SUBSCRIBED = "You are not subscribed to the daily question. /subscribe turns it on."
ZONE_PICK = (
    "🌍 Is that your time zone? Tap yours below, or send <code>/settings zone UTC+3</code> "
    "or a city zone such as <code>/settings zone America/Chicago</code>."
)
SUBSCRIBE_USAGE = (
    "Usage: /subscribe [HH:MM] [time zone], e.g. <code>/subscribe 08:30 Europe/Berlin</code> "
    "or <code>/subscribe 7:00 UTC-5</code>."
)
SETTINGS_USAGE = (
    "Usage: <code>/settings time 08:30</code>, <code>/settings zone Europe/Berlin</code>, "
    "<code>/settings days weekdays</code> or <code>/settings days every</code>, or /topics."
)
BUTTON_EVERY_DAY = "Every day"
BUTTON_WEEKDAYS = "Weekdays only"
BUTTON_PICK_ZONE = "🌍 Change time zone"
BUTTON_ALL_TOPICS = "All topics"
BUTTON_ANY_LEVEL = "Any level"
CONSOLE_TOPICS_USAGE = (
    "Choose with /topics <topic> [<topic> …] and a level (easy, medium, hard, or any), e.g. "
    "/topics metrics hard; /topics all for every topic."
)


def bad_subscribe_argument(argument: str) -> str:
    """An argument of /subscribe that is neither a time nor a zone."""
    return f"I could not read “{html.escape(argument[:64])}” as a time or a time zone. {SUBSCRIBE_USAGE}"


_INVALID: dict[str, str] = {
    Setting.DAILY_TIME: (
        "I can't read “{value}” as a time of day: write hours and minutes on the 24-hour clock, {time}."
    ),
    Setting.TIMEZONE: (
        "I don't know the time zone “{value}”. Use the zone of a big city near you, {zone}, "
        "or your offset from UTC, {offset}."
    ),
    Setting.UTC_OFFSET: (
        "“{value}” is not an offset I can use: only whole hours work, {offset}. "
        "For a half-hour zone, name its city instead, {city}."
    ),
    Setting.DIFFICULTY: "There is no level “{value}”: choose Easy, Medium or Hard, or any level.",
}
"""What each bad setting is called in a reply, with examples of what works (filled in per command)."""
_EXAMPLES = {
    "settings": {
        "time": "<code>/settings time 07:45</code>",
        "zone": "<code>/settings zone Europe/Berlin</code>",
        "offset": "<code>/settings zone UTC+3</code>",
        "city": "<code>/settings zone Asia/Kolkata</code>",
    },
    "subscribe": {
        "time": "<code>/subscribe 07:45</code>",
        "zone": "<code>/subscribe 08:30 Europe/Berlin</code>",
        "offset": "<code>/subscribe 08:30 UTC+3</code>",
        "city": "<code>/subscribe 08:30 Asia/Kolkata</code>",
    },
}


def invalid_setting(result: InvalidSetting, *, command: Literal["settings", "subscribe"] = "settings") -> str:
    """A setting value that cannot be used, said for people: what was typed, and commands that would work."""
    value = html.escape(result.value[:64])
    template = _INVALID.get(result.name)
    if template is None:  # not one of the user's settings: its own words say what is expected
        return f"I can't use “{value}”: try {html.escape(result.expected)}."
    examples = {name: f"e.g. {code}" for name, code in _EXAMPLES[command].items()}
    return template.format(value=value, **examples)


def settings(result: UserSettings, titles: Mapping[str, str]) -> str:
    """The user's settings, and how to change each one."""
    topics = ", ".join(titles.get(t, t) for t in result.topics) if result.topics else "all topics"
    level = LEVEL_NAMES.get(result.difficulty, "?") if result.difficulty else "any level"
    return fit(
        "⚙️ <b>Your settings</b>\n"
        f"Topics: {html.escape(topics)}\n"
        f"Difficulty: {level}\n"
        f"Time zone: {html.escape(result.timezone)}\n"
        f"Daily question: {_daily_line(result)}\n\n"
        "Change them with:\n"
        "/settings time 08:30 — the time of the daily question\n"
        "/settings zone Europe/Berlin — your time zone (or an offset: UTC+3)\n"
        "/settings days weekdays — or <code>every</code> day\n"
        "/topics — topics and difficulty · /unsubscribe — stop the daily question"
    )


def _daily_line(result: UserSettings) -> str:
    if result.daily_time is None:
        return "off (turn it on with /subscribe)"
    days = "Monday to Friday" if result.weekdays_only else "every day"
    return f"{html.escape(result.daily_time)}, {days}"


def subscribed(result: UserSettings, *, zone_known: bool) -> str:
    """Confirmation of /subscribe (and of a time, zone or days change while subscribed)."""
    assert result.daily_time is not None
    when = _next_push(result)
    lines = [f"📅 <b>Daily question on</b>: {_daily_line(result)}, time zone {html.escape(result.timezone)}."]
    if when:
        lines.append(f"The next one comes {when}.")
    lines.append("Reply to it in your own words and I grade it as usual. /unsubscribe stops it.")
    if not zone_known:
        lines.extend(("", ZONE_PICK))
    return "\n".join(lines)


def _next_push(result: UserSettings) -> str:
    if result.next_push_at is None:
        return ""
    local = result.next_push_at.astimezone(zone(result.timezone))
    return f"on {local:%a %d %b} at {local:%H:%M} your time"


def topic_choices(selected: Iterable[str], titles: Mapping[str, str], difficulty: int | None) -> str:
    """The text above the topic keyboard."""
    return fit(f"{TOPICS_PICK}\n<i>{_topics_now(selected, titles, difficulty)}</i>")


def console_topics(selected: Iterable[str], titles: Mapping[str, str], difficulty: int | None) -> str:
    """Console: the topics, what the user practises now, and how to choose."""
    return fit(f"{topic_list(titles)}\n\n{_topics_now(selected, titles, difficulty)}\n{CONSOLE_TOPICS_USAGE}")


def _topics_now(selected: Iterable[str], titles: Mapping[str, str], difficulty: int | None) -> str:
    chosen = [titles.get(t, t) for t in selected]
    level = LEVEL_NAMES.get(difficulty, "?") if difficulty else "any level"
    now = ", ".join(chosen) if chosen else "all topics"
    return f"Now: {html.escape(now)}; {level}."


def topic_list(titles: Mapping[str, str]) -> str:
    """Console: the topics as text."""
    return "Topics:\n" + "\n".join(f"• {html.escape(t)} — {html.escape(title)}" for t, title in titles.items())
