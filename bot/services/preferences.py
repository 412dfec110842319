"""A user's settings: topics and difficulty, time zone, and the daily question's time and days.

Each method is one transaction over the practice service's unit of work. Values are checked
(``bot.domain.users``, ``bot.domain.pushtime``) before anything changes, and every change to
the daily question's time, zone or days moves ``next_push_at`` at once, so the push job
finds who is due with one index range scan.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.practice import UnknownTopic, topic_id
from bot.domain.pushtime import DAILY_TIME_EXAMPLE, parse_daily_time
from bot.domain.users import DIFFICULTIES, InvalidSetting, Setting, UserRef, UserSettings, resolve_timezone
from bot.services.practice import Practice
from bot.services.rows import refresh_next_push, set_daily_time, settings_of


class Preferences:
    """Reads and changes what users practise and when their daily question comes."""

    def __init__(self, practice: Practice) -> None:
        self.practice = practice

    async def settings(self, who: UserRef) -> UserSettings:
        """The user's settings."""
        async with self.practice.transaction() as session:
            return settings_of(await self.practice.user_in(session, who))

    async def set_topics(self, who: UserRef, topics: Iterable[str]) -> UserSettings | UnknownTopic:
        """Practise only these topics (none: all); stored in bank order without duplicates."""
        wanted = {topic_id(t) for t in topics}
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            known = self.practice.pools.pool_of(user).bank.topics
            unknown = sorted(t for t in wanted if t not in known)
            if unknown:
                return UnknownTopic(unknown[0], tuple(known))
            user.topics = [t for t in known if t in wanted]
            return settings_of(user)

    async def set_difficulty(self, who: UserRef, level: int | None) -> UserSettings | InvalidSetting:
        """Practise only one level (1-3), or every level with None."""
        if level is not None and level not in DIFFICULTIES:
            return InvalidSetting(Setting.DIFFICULTY, str(level), "1, 2, 3 or none")
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            user.difficulty = level
            return settings_of(user)

    async def set_timezone(self, who: UserRef, name: str) -> UserSettings | InvalidSetting:
        """Set the time zone used for streaks and the daily question: an IANA name or a UTC offset."""
        zone_name = resolve_timezone(name)
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            user.timezone = zone_name
            user.timezone_chosen = True
            refresh_next_push(user, self.practice.now())
            return settings_of(user)

    async def set_daily_time(self, who: UserRef, value: str | None) -> UserSettings | InvalidSetting:
        """Set the local "HH:MM" of the daily question, or None to unsubscribe."""
        normalised = parse_daily_time(value) if value is not None else None
        if value is not None and normalised is None:
            return InvalidSetting(Setting.DAILY_TIME, value, f"a time such as {DAILY_TIME_EXAMPLE}")
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            set_daily_time(user, normalised, self.practice.now())
            return settings_of(user)

    async def subscribe(
        self, who: UserRef, daily_time: str | None = None, timezone: str | None = None
    ) -> UserSettings | InvalidSetting:
        """Subscribe to the daily question at ``daily_time`` in ``timezone``, both checked before anything changes.

        Without a time: the time the user chose last (kept after /unsubscribe), else the configured
        default. Without a zone: the user's current zone.
        """
        normalised = parse_daily_time(daily_time) if daily_time is not None else None
        if daily_time is not None and normalised is None:
            return InvalidSetting(Setting.DAILY_TIME, daily_time, f"a time such as {DAILY_TIME_EXAMPLE}")
        zone_name = resolve_timezone(timezone) if timezone is not None else None
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            if zone_name is not None:
                user.timezone = zone_name
                user.timezone_chosen = True
            chosen = normalised or user.last_daily_time or self.practice.default_daily_time
            set_daily_time(user, chosen, self.practice.now())
            return settings_of(user)

    async def set_push_days(self, who: UserRef, *, weekdays_only: bool) -> UserSettings:
        """Daily questions every day, or Monday to Friday only."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            user.push_weekdays_only = weekdays_only
            refresh_next_push(user, self.practice.now())
            return settings_of(user)
