"""Study groups: every action in a group chat, one method each, one transaction each.

The Telegram adapter parses the update, says which group (``GroupInfo``), who acts and
whether they are one of the group's administrators (it asks Telegram), and renders the result
(``bot.domain.groups``). The rules are the domain's; this module applies them to the rows of
``bot.storage.groups``. Everything is looked up by the group's current chat id, which comes
from Telegram and never from a button, so nobody can act on another group.

Members' answers are also their own practice: each graded reply is recorded with
``Practice.record_answer_in`` as an attempt of the member's, so it counts in their ``/stats``
and moves the question on their spaced-repetition schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.conversation import (
    BadSubscribeArgument,
    SettingName,
    SettingsUsage,
    parse_setting,
    parse_subscription,
    parse_topic_choice,
)
from bot.domain.groups import (
    COOLDOWN,
    MAX_TRIES,
    QUESTION_TIME,
    STREAK_WINDOW,
    CloseReason,
    ConfirmDeleteGroup,
    CoolingDown,
    GroupAsked,
    GroupClosed,
    GroupDeleted,
    GroupGraded,
    GroupInfo,
    GroupSettings,
    GroupSettingsView,
    GroupSubscribed,
    GroupTopics,
    GroupUnsubscribed,
    Leaderboard,
    NoOpenGroupQuestion,
    NotGroupAdmin,
    Origin,
    QuestionStillOpen,
    Standings,
    answer_streak,
    choose_group_question,
    cooldown_left,
    display_name,
    place,
    points_for,
    question_ranking,
    standings,
    week_start,
)
from bot.domain.models import Question
from bot.domain.practice import MAX_ANSWER_CHARS, EmptyPool, Feedback, UnknownTopic, topic_id
from bot.domain.pushtime import DAILY_TIME_EXAMPLE, next_occurrence, parse_daily_time
from bot.domain.scheduling import filter_pool
from bot.domain.users import InvalidSetting, UserInfo, resolve_timezone
from bot.services.practice import Practice
from bot.storage import groups as store
from bot.storage import repository
from bot.storage.group_models import Group, GroupQuestion
from bot.storage.unit_of_work import Session

logger = logging.getLogger(__name__)

UNPOSTED_AFTER = timedelta(minutes=2)
"""A question with no message id this long after it was opened was never posted (its sender died)."""
EXPIRED_BATCH = 50


def group_settings(group: Group) -> GroupSettings:
    """The settings columns of a group row."""
    return GroupSettings(
        tuple(group.topics),
        group.difficulty,
        group.timezone,
        group.daily_time,
        weekdays_only=group.push_weekdays_only,
        next_push_at=group.next_push_at,
    )


def refresh_group_push(group: Group, now: datetime) -> None:
    """Recompute when the group's next daily question is due (none when unsubscribed or the bot left)."""
    if group.daily_time is None or not group.active:
        group.next_push_at = None
        return
    group.next_push_at, _ = next_occurrence(
        group.daily_time, group.timezone, weekdays_only=group.push_weekdays_only, after=now
    )


class Groups:
    """Every action in a group chat, over the practice service's bank, grader, clock and database."""

    def __init__(
        self,
        practice: Practice,
        *,
        question_time: timedelta = QUESTION_TIME,
        cooldown: timedelta = COOLDOWN,
        default_timezone: str = "UTC",
    ) -> None:
        if question_time <= timedelta(0) or cooldown < timedelta(0):
            raise ValueError("question_time must be positive and cooldown not negative")
        self.practice = practice
        self.question_time = question_time
        self.cooldown = cooldown
        self.default_timezone = default_timezone

    # ---- the bot joining, leaving, and the group becoming a supergroup ---------------------------

    async def joined(self, chat: GroupInfo) -> bool:
        """The bot was added to the group: it is active (a new group starts unsubscribed).

        True when the bot is new there or had left (time to say hello); False when it knew the
        group as active already (a supergroup its group just became, say).
        """
        async with self.practice.transaction() as session:
            group, created = await self._group_or_new(session, chat)
            arrived = created or not group.active
            group.active, group.left_at = True, None
        logger.info("Joined group %d", chat.chat_id)
        return arrived

    async def left(self, chat_id: int) -> bool:
        """The bot was removed (or left): the group is unsubscribed and its open question closed; False if unknown."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            group = await store.get_group(session=session, chat_id=chat_id, for_update=True)
            if group is None:
                return False
            group.active, group.left_at, group.daily_time = False, now, None
            refresh_group_push(group, now)
            open_now = await store.open_question(session=session, group_id=group.id, for_update=True)
            if open_now is not None:
                await store.close_question(
                    session=session, group_question_id=open_now.id, now=now, reason=CloseReason.REMOVED
                )
        logger.info("Left group %d: unsubscribed", chat_id)
        return True

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> bool:
        """The group became a supergroup with a new chat id: its settings, questions and scores move with it."""
        async with self.practice.transaction() as session:
            moved = await store.move_group(session=session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)
        if moved:
            logger.info("Group %d is now supergroup %d", old_chat_id, new_chat_id)
        return moved

    # ---- questions, answers, closing ------------------------------------------------------------

    async def question(
        self, chat: GroupInfo, topic: str | None = None
    ) -> GroupAsked | QuestionStillOpen | CoolingDown | UnknownTopic | EmptyPool:
        """/question [topic] in a group: a question for everyone, unless one is open or the cool-down runs."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            open_now = await self._open_in(session, group, now)
            if open_now is not None:
                same_chat = open_now.chat_id == group.chat_id
                return QuestionStillOpen(open_now.message_id if same_chat else None)
            wait = cooldown_left(group.last_posted_at, now, self.cooldown)
            if wait is not None:
                return CoolingDown(wait)
            chosen = await self.choose_in(session, group, topic)
            if not isinstance(chosen, Question):
                return chosen
            return await self.open_in(session, group, chosen, Origin.ASKED, now)

    async def posted(self, group_question_id: int, chat_id: int, message_id: int) -> None:
        """The question went out as ``message_id``: replies to it are answers from now on."""
        async with self.practice.transaction() as session:
            await store.set_message(
                session=session, group_question_id=group_question_id, chat_id=chat_id, message_id=message_id
            )

    async def not_posted(self, group_question_id: int) -> None:
        """Sending the question failed: it is forgotten, so the next /question is not refused for it."""
        async with self.practice.transaction() as session:
            group_question = await store.question_by_id(session=session, group_question_id=group_question_id)
            if group_question is not None and group_question.message_id is None:
                group = await store.group_by_id(session=session, group_id=group_question.group_id, for_update=True)
                if group is not None:
                    group.last_posted_at = None
                await store.forget_question(session=session, group_question_id=group_question_id)

    async def answer(
        self, chat_id: int, reply_to: int, who: UserInfo, text: str, *, last_name: str | None = None
    ) -> GroupGraded | None:
        """A member's reply to message ``reply_to``: graded if it is the group's open question, else None (ignored).

        Replies after the member's ``MAX_TRIES``-th to the same question are ignored too.
        """
        now = self.practice.now()
        async with self.practice.transaction() as session:
            group_question = await store.question_by_message(session=session, chat_id=chat_id, message_id=reply_to)
            question = self.practice.bank.get(group_question.question_id) if group_question is not None else None
            if group_question is None or question is None:
                return None
            user = await store.member_user(
                session=session,
                user_id=who.id,
                first_name=who.first_name,
                username=who.username,
                language=who.language,
                now=now,
            )
            earlier = await store.tries(session=session, group_question_id=group_question.id, user_id=who.id)
            try_number = len(earlier) + 1
            if try_number > MAX_TRIES:
                return None
            name = display_name(who.first_name, last_name, who.username)
            member = await store.member(
                session=session, group_id=group_question.group_id, user_id=who.id, name=name, now=now
            )
            graded_text = text[:MAX_ANSWER_CHARS]
            grade = self.practice.grader.grade(question, graded_text, hints_used=0)
            await store.add_answer(
                session=session,
                question=group_question,
                user_id=who.id,
                try_number=try_number,
                score=grade.score,
                points=points_for(grade.score) if try_number == 1 else 0,
                now=now,
            )
            attempts_before, best_before = await repository.question_history(
                session=session, user_id=who.id, question_id=question.id
            )
            attempt = await self.practice.record_answer_in(
                session, who.id, question, grade, answer_text=graded_text, hints_used=0, now=now
            )
            private = None
            if user.blocked_at is None:
                private = Feedback(
                    question,
                    grade,
                    attempt.id,
                    0,
                    best_before,
                    attempts_before + 1,
                    truncated=len(text) > len(graded_text),
                )
            hint_private = private is None and member.hinted_at is None
            if hint_private:
                member.hinted_at = now
            counted = earlier[0].score if earlier else grade.score
            return GroupGraded(question, name, grade.score, grade.verdict, try_number, counted, private, hint_private)

    async def reveal(self, chat: GroupInfo, *, admin: bool) -> GroupClosed | NoOpenGroupQuestion | NotGroupAdmin:
        """/reveal (administrators): close the open question; its model answer and ranking go to the group."""
        if not admin:
            return NotGroupAdmin()
        now = self.practice.now()
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            open_now = await self._open_in(session, group, now)
            if open_now is None or open_now.message_id is None:
                return NoOpenGroupQuestion()
            closed = await self.close_in(session, group, open_now, CloseReason.REVEALED, now)
            return closed if closed is not None else NoOpenGroupQuestion()

    async def close_expired(self) -> list[GroupClosed]:
        """Close the questions open longer than ``question_time``; what to announce (each closed by one process)."""
        now = self.practice.now()
        closures: list[GroupClosed] = []
        async with self.practice.transaction() as session:
            for row in await store.close_expired(session=session, now=now, limit=EXPIRED_BATCH):
                group = await store.group_by_id(session=session, group_id=row.group_id)
                if group is None or not group.active or row.message_id is None:
                    continue
                closed = await self._closure(session, group, row, CloseReason.EXPIRED)
                if closed is not None:
                    closures.append(closed)
        return closures

    # ---- the leaderboard --------------------------------------------------------------------------

    async def leaderboard(self, chat: GroupInfo, asker: int) -> Leaderboard:
        """/leaderboard: this week's and all-time points in this group only, top 10 and the asker's place."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            group = await store.get_group(session=session, chat_id=chat.chat_id)
            if group is None:
                return Leaderboard(Standings((), None), Standings((), None), asker_has_points=False)
            week = await store.tallies(session=session, group_id=group.id, since=week_start(now, group.timezone))
            ever = await store.tallies(session=session, group_id=group.id)
            shown = {t.user_id for _, t in place(week)[:10]} | {t.user_id for _, t in place(ever)[:10]} | {asker}
            recent = await store.recent_question_ids(session=session, group_id=group.id, limit=STREAK_WINDOW)
            open_now = await store.open_question(session=session, group_id=group.id)
            done = await store.answered(session=session, group_id=group.id, user_ids=sorted(shown), question_ids=recent)
            open_id = open_now.id if open_now is not None else None
            streaks = {user: answer_streak(recent, done.get(user, set()), open_id) for user in shown}
        return Leaderboard(
            standings(week, asker, streaks),
            standings(ever, asker, streaks),
            asker_has_points=any(t.user_id == asker for t in ever),
        )

    # ---- settings (administrators) -------------------------------------------------------------------

    async def settings(self, chat: GroupInfo, *, admin: bool) -> GroupSettingsView | NotGroupAdmin:
        """/settings in a group: the group's settings."""
        if not admin:
            return NotGroupAdmin()
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            return GroupSettingsView(group_settings(group), self.practice.bank.topics)

    async def change_setting(
        self, chat: GroupInfo, words: Sequence[str], *, admin: bool
    ) -> GroupSettingsView | GroupTopics | InvalidSetting | UnknownTopic | SettingsUsage | NotGroupAdmin:
        """/settings time|zone|days <value> in a group (and ``/settings topics``, which is /topics)."""
        if not admin:
            return NotGroupAdmin()
        change = parse_setting(words)
        if isinstance(change, SettingsUsage):
            return change
        if change.name is SettingName.TOPICS:
            return await self.topics(chat, change.value.split(), admin=admin)
        now = self.practice.now()
        daily_time = parse_daily_time(change.value) if change.name is SettingName.TIME else None
        if change.name is SettingName.TIME and daily_time is None:
            return InvalidSetting("daily_time", change.value, f"a time such as {DAILY_TIME_EXAMPLE}")
        zone_name = resolve_timezone(change.value) if change.name is SettingName.ZONE else None
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            if daily_time is not None:
                group.daily_time = daily_time
            elif zone_name is not None:
                group.timezone = zone_name
            else:
                group.push_weekdays_only = change.value == "weekdays"
            refresh_group_push(group, now)
            return GroupSettingsView(group_settings(group), self.practice.bank.topics)

    async def subscribe(
        self, chat: GroupInfo, words: Sequence[str], *, admin: bool
    ) -> GroupSubscribed | InvalidSetting | BadSubscribeArgument | NotGroupAdmin:
        """/subscribe [HH:MM] [zone] in a group: the daily question for everyone, at the default time if not given."""
        if not admin:
            return NotGroupAdmin()
        parsed = parse_subscription(words)
        if isinstance(parsed, BadSubscribeArgument):
            return parsed
        typed_time, typed_zone = parsed
        daily_time = parse_daily_time(typed_time) if typed_time is not None else self.practice.default_daily_time
        if daily_time is None:
            return InvalidSetting("daily_time", typed_time or "", f"a time such as {DAILY_TIME_EXAMPLE}")
        zone_name = resolve_timezone(typed_zone) if typed_zone is not None else None
        if isinstance(zone_name, InvalidSetting):
            return zone_name
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            group.daily_time, group.active = daily_time, True
            if zone_name is not None:
                group.timezone = zone_name
            refresh_group_push(group, self.practice.now())
            return GroupSubscribed(group_settings(group))

    async def unsubscribe(self, chat: GroupInfo, *, admin: bool) -> GroupUnsubscribed | NotGroupAdmin:
        """/unsubscribe in a group: no more daily questions there."""
        if not admin:
            return NotGroupAdmin()
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            was = group.daily_time is not None
            group.daily_time = None
            refresh_group_push(group, self.practice.now())
            return GroupUnsubscribed(was_subscribed=was)

    async def topics(
        self, chat: GroupInfo, words: Sequence[str], *, admin: bool
    ) -> GroupTopics | UnknownTopic | NotGroupAdmin:
        """/topics in a group: what its questions are about; with words (``metrics hard``, ``all``) it changes that."""
        if not admin:
            return NotGroupAdmin()
        titles = dict(self.practice.bank.topics)
        chosen = parse_topic_choice(words, titles)
        if isinstance(chosen, UnknownTopic):
            return chosen
        async with self.practice.transaction() as session:
            group = await self._group_in(session, chat)
            if chosen.topics is not None:
                group.topics = [t for t in titles if t in chosen.topics]
            if chosen.difficulty_given:
                group.difficulty = chosen.difficulty
            return GroupTopics(tuple(group.topics), group.difficulty, titles)

    async def delete_group(
        self, chat: GroupInfo, *, admin: bool, confirmed: bool
    ) -> ConfirmDeleteGroup | GroupDeleted | NotGroupAdmin:
        """/delete_group (administrators): what it deletes; with ``confirm``, every row of the group goes."""
        if not admin:
            return NotGroupAdmin()
        if not confirmed:
            return ConfirmDeleteGroup()
        async with self.practice.transaction() as session:
            group = await store.get_group(session=session, chat_id=chat.chat_id, for_update=True)
            removed = await store.delete_group_rows(session=session, group_id=group.id) if group is not None else 0
        logger.info("Deleted group %d (%d rows)", chat.chat_id, removed)
        return GroupDeleted(removed)

    # ---- building blocks (also for the group push) ----------------------------------------------------

    async def choose_in(self, session: Session, group: Group, topic: str | None) -> Question | UnknownTopic | EmptyPool:
        """The group's next question, from ``topic`` or its topics, at its level, preferring ones it never had."""
        bank = self.practice.bank
        wanted = topic_id(topic) if topic else None
        if wanted is not None and wanted not in bank.topics:
            return UnknownTopic(topic or "", tuple(bank.topics))
        topics = (wanted,) if wanted else tuple(t for t in group.topics if t in bank.topics)
        pool = filter_pool(bank.questions, topics=topics, difficulty=group.difficulty)
        asked = await store.asked_before(session=session, group_id=group.id)
        question = choose_group_question(pool, asked, seed=group.id)
        return question if question is not None else EmptyPool(topics, group.difficulty)

    async def open_in(
        self, session: Session, group: Group, question: Question, origin: Origin, now: datetime
    ) -> GroupAsked:
        """Open ``question`` in the group (to be posted now)."""
        row = await store.add_question(
            session=session,
            group=group,
            question_id=question.id,
            topic=question.topic,
            origin=origin,
            now=now,
            closes_at=now + self.question_time,
        )
        return GroupAsked(row.id, question, self.practice.bank.topics.get(question.topic, question.topic), origin)

    async def close_in(
        self, session: Session, group: Group, row: GroupQuestion, reason: CloseReason, now: datetime
    ) -> GroupClosed | None:
        """Close the group's open question; what to announce (None if somebody else closed it, or it left the bank)."""
        if not await store.close_question(session=session, group_question_id=row.id, now=now, reason=reason):
            return None
        return await self._closure(session, group, row, reason)

    async def _closure(
        self, session: Session, group: Group, row: GroupQuestion, reason: CloseReason
    ) -> GroupClosed | None:
        question = self.practice.bank.get(row.question_id)
        if question is None:
            return None
        ranking = question_ranking(await store.ranking(session=session, group_question_id=row.id))
        message_id = row.message_id if row.chat_id == group.chat_id else None
        return GroupClosed(group.chat_id, message_id, question, ranking, reason)

    async def _group_in(self, session: Session, chat: GroupInfo) -> Group:
        """The group's row, created on first use, locked until commit."""
        return (await self._group_or_new(session, chat))[0]

    async def _group_or_new(self, session: Session, chat: GroupInfo) -> tuple[Group, bool]:
        """The group's row (locked until commit), and whether this call created it."""
        return await store.upsert_group(
            session=session,
            chat_id=chat.chat_id,
            title=chat.title,
            supergroup=chat.supergroup,
            now=self.practice.now(),
            timezone=self.default_timezone,
        )

    async def _open_in(self, session: Session, group: Group, now: datetime) -> GroupQuestion | None:
        """The group's open question, locked; one whose sender died before posting it is forgotten."""
        row = await store.open_question(session=session, group_id=group.id, for_update=True)
        if row is not None and row.message_id is None and now - row.opened_at > UNPOSTED_AFTER:
            await store.forget_question(session=session, group_question_id=row.id)
            return None
        return row
