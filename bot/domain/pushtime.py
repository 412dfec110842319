"""When a daily question is due: local times in IANA zones, daylight saving, weekdays, UTC offsets.

Pure functions, no I/O. A subscriber picks a local time ("09:00") and a zone
("Europe/Berlin"); the next push is the first instant *after* a given moment at which the
wall clock in that zone shows that time, on an allowed day. Computing it from the zone
each time (rather than adding 24 hours) is what keeps 09:00 at 09:00 across a
daylight-saving switch.

Two edge cases of wall-clock time, both decided by ``zoneinfo``'s ``fold=0``:
- a time that does not exist (skipped by the spring-forward gap, e.g. 02:30 in Berlin on
  the last Sunday of March) is taken with the offset before the gap, which lands just after
  it (03:30 local): the push is late by the size of the gap, never lost;
- a time that happens twice (the autumn fall-back hour) is the first of the two.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

SATURDAY = 5
"""``date.weekday()`` of Saturday: days from here on are the weekend."""
COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "UTC",
)
"""Offered as buttons when a subscriber has not said where they are."""

DAILY_TIME_EXAMPLE = "09:30"
_DAILY_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
"""A time of day as people type it: "7:05", "07:05", "7.05" or "7h05" (the one copy: settings and users)."""
_TIME_LIKE_RE = re.compile(r"^\d{1,2}[:.h]\d{2}$")
"""Meant as a time of day, valid or not ("25:99" gets the time's error, not the zone's)."""
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_MAX_OFFSET_HOURS = 14


def next_occurrence(daily_time: str, timezone: str, *, weekdays_only: bool, after: datetime) -> tuple[datetime, date]:
    """The first moment strictly after ``after`` when it is ``daily_time`` in ``timezone``.

    Returns the UTC instant and the local date it falls on. ``daily_time`` is "HH:MM";
    with ``weekdays_only`` Saturdays and Sundays (local) are skipped.
    """
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    zone = ZoneInfo(timezone)
    hours, minutes = (int(part) for part in daily_time.split(":"))
    day = after.astimezone(zone).date()
    for _ in range(8):  # today, or within a week even when weekends are skipped
        if not weekdays_only or day.weekday() < SATURDAY:
            instant = datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)
            if instant > after:
                return instant, day
        day += timedelta(days=1)
    raise AssertionError("unreachable: a week always has a weekday")  # pragma: no cover


def local_date(instant: datetime, timezone: str) -> date:
    """The calendar date in ``timezone`` at ``instant``."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def offset_zone(text: str) -> str | None:
    """The fixed-offset IANA zone for "UTC+3", "GMT-5", "+02:00" or "-7"; None if it is not one.

    IANA's ``Etc/GMT±N`` zones have whole hours only and their sign is inverted (POSIX style):
    UTC+3 is ``Etc/GMT-3``. A half-hour offset such as +05:30 has no such zone and gives None.
    """
    match = _OFFSET_RE.match(text.strip())
    if match is None:
        return None
    sign, hours, minutes = match[1], int(match[2]), int(match[3] or 0)
    if minutes or hours > _MAX_OFFSET_HOURS:
        return None
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def looks_like_time(text: str) -> bool:
    """Whether ``text`` is meant as a time of day (checked properly by ``parse_daily_time``)."""
    return _TIME_LIKE_RE.match(text.strip()) is not None


def is_offset_like(text: str) -> bool:
    """Whether ``text`` looks like a UTC offset at all (so a wrong one gets the offset advice)."""
    return _OFFSET_RE.match(text.strip()) is not None


def zone(name: str) -> ZoneInfo:
    """The time zone by IANA name, UTC if unknown (a stale setting must not break stats)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name by its case-folded form (read once: it scans the zone database)."""
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(name: str) -> str | None:
    """The IANA name matching ``name`` case-insensitively, or None."""
    return _zone_names().get(name.strip().casefold())


def parse_daily_time(value: str) -> str | None:
    """Normalise "7:05", "07:05", "7.05" or "7h05" to "07:05"; None if it is not a time of day."""
    match = _DAILY_TIME_RE.match(value.strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None
