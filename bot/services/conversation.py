"""The conversation: every user action of every front end, one method each, one transaction each.

The Telegram handlers and the console parse what the user typed or pressed, call one method
here with the sender, and render the result; neither knows whether a round is running.
Where an action means something different inside a mock interview round (an answer, /hint,
/skip, /answer, /cancel, /question), the method locks the user, looks for their round and
does the round's step or the practice step in that same transaction, so the decision and the
change it leads to cannot drift apart. Results are the frozen dataclasses of ``bot.domain``.

Buttons carry ids (a question, a round and position, a topic): they are always looked up
together with the presser's own user id, so forged data only ever reaches the presser's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.conversation import (
    MAX_TOPIC_ARGUMENT,
    BadSubscribeArgument,
    ConfirmationExpired,
    DeleteAsked,
    InRound,
    InRoundHint,
    LeftRound,
    NotSubscribed,
    RetriedWithHint,
    RoundOptions,
    SettingName,
    SettingsUsage,
    SettingsView,
    Subscribed,
    TopicChoice,
    TopicTooLong,
    Unsubscribed,
    Welcome,
    parse_setting,
    parse_subscription,
    parse_topic_choice,
)
from bot.domain.interview.arguments import parse_round_args, parse_time_limit, spec_from_choice
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    BadRoundArgs,
    BlankIgnored,
    History,
    NoActiveRound,
    NoHintOnFollowUp,
    RoundEnded,
    RoundHint,
    RoundSpec,
    RoundStarted,
    RoundStep,
    TimeLimitSet,
)
from bot.domain.models import Question
from bot.domain.practice import (
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    Stats,
    UnknownTopic,
    topic_id,
)
from bot.domain.users import InvalidSetting, UserInfo, UserSettings
from bot.services.interviews import ActiveRound, Interviews
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.models import User
from bot.storage.unit_of_work import Session

Started = RoundStarted | AlreadyInRound | UnknownTopic | EmptyPool
"""What starting a round can come to."""


class Conversation:
    """Every user action, for every front end: round or practice decided in one transaction."""

    def __init__(self, practice: Practice, preferences: Preferences, interviews: Interviews) -> None:
        self.practice = practice
        self.preferences = preferences
        self.interviews = interviews

    def titles(self, user_id: int) -> Mapping[str, str]:
        """Topic titles to show this user's results with (the bank's and their decks'), without a query."""
        return self.practice.known_topics(user_id)

    # ---- arriving ---------------------------------------------------------------------------------

    async def start(self, who: UserInfo, payload: str | None = None) -> Welcome:
        """/start [topic]: the welcome; a start link naming a topic asks from it."""
        async with self.practice.transaction() as session:
            user, state = await self.practice.touch_in(session, who)
            asked: Asked | EmptyPool | None = None
            if payload and topic_id(payload) in self.practice.pools.pool_of(user).bank.topics:
                result = await self.practice.ask_in(session, user, payload)
                asked = None if isinstance(result, UnknownTopic) else result
            return Welcome(state.first_name, state.is_new, asked)

    async def touch(self, who: UserInfo) -> None:
        """Any other update (/help, an unknown command): the user is created or seen now."""
        await self.practice.touch_user(who)

    # ---- questions and answers: a round's step while one runs, else practice ----------------------

    async def question(
        self, who: UserInfo, topic: str | None = None
    ) -> Asked | UnknownTopic | EmptyPool | InRound | TopicTooLong:
        """/question [topic] (and /next): a new practice question; during a round, ask to leave it first."""
        if topic is not None and len(topic) > MAX_TOPIC_ARGUMENT:
            await self.touch(who)
            return TopicTooLong()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await self.interviews.active_in(session, user)
            step = self.interviews.step_in(user, active) if active is not None else None
            if step is not None:
                wanted = topic_id(topic) if topic else None
                known = wanted if wanted in self.practice.pools.pool_of(user).bank.topics else None
                return InRound(step, known)
            return await self.practice.ask_in(session, user, topic)

    async def answer(self, who: UserInfo, text: str) -> Answered | BlankIgnored | Feedback | NoOpenQuestion:
        """Free text: the answer to the round's question or follow-up (a blank one ignored), else to the open
        practice question."""
        async with self.practice.transaction() as session:
            user, active = await self._round_of(session, who)
            if active is not None:
                return await self.interviews.answer_in(session, user, active, text)
            return await self.practice.answer_in(session, user, text)

    async def hint(self, who: UserInfo) -> InRoundHint | HintGiven | NoMoreHints | NoOpenQuestion:
        """/hint: the next hint of the round's question, else of the open question."""
        async with self.practice.transaction() as session:
            user, active = await self._round_of(session, who)
            if active is not None:
                return InRoundHint(self.interviews.hint_in(user, active))
            return await self.practice.hint_in(session, user)

    async def skip(self, who: UserInfo) -> Answered | Skipped | NoOpenQuestion:
        """/skip: pass on the round's question or follow-up (it counts 0), else put the open question off."""
        async with self.practice.transaction() as session:
            user, active = await self._round_of(session, who)
            if active is not None:
                return await self.interviews.pass_in(session, user, active)
            return await self.practice.skip_in(session, user)

    async def reveal(self, who: UserInfo) -> Answered | Revealed | NoOpenQuestion:
        """/answer: pass on the round's question (its model answer waits for the debrief), else give up and see it."""
        async with self.practice.transaction() as session:
            user, active = await self._round_of(session, who)
            if active is not None:
                return await self.interviews.pass_in(session, user, active)
            return await self.practice.reveal_in(session, user)

    async def cancel(self, who: UserInfo) -> RoundEnded | Skipped | NoOpenQuestion:
        """/cancel: end the round with a debrief of what was answered, else put the open question aside."""
        async with self.practice.transaction() as session:
            user, active = await self._round_of(session, who)
            if active is not None:
                return await self.interviews.cancel_in(session, user, active)
            return await self.practice.skip_in(session, user)

    async def _round_of(self, session: Session, who: UserInfo) -> tuple[User, ActiveRound | None]:
        """The sender's row (locked first) and their round in progress (locked next), if any."""
        user = await self.practice.user_in(session, who)
        return user, await self.interviews.active_in(session, user)

    # ---- practice buttons and commands -------------------------------------------------------------

    async def practise(self, who: UserInfo, topic: str | None = None) -> Asked | UnknownTopic | EmptyPool:
        """Next question (button) or Practise (a deck's button): a practice question, round or not."""
        return await self.practice.ask(who, topic)

    async def hint_on(self, who: UserInfo, question_id: str) -> HintGiven | NoMoreHints | NoOpenQuestion:
        """Hint under a question: only while that question is the open one."""
        return await self.practice.hint(who, question_id)

    async def reveal_on(self, who: UserInfo, question_id: str) -> Revealed | NoOpenQuestion:
        """Show model answer under a question: give up on it, only while it is the open one."""
        return await self.practice.reveal(who, question_id)

    async def retry(self, who: UserInfo, question_id: str | None = None) -> Asked | NothingToRetry:
        """Retry (button, or the console's /retry): the last question, or ``question_id``, asked again."""
        return await self.practice.retry(who, question_id)

    async def retry_with_hint(self, who: UserInfo, question_id: str) -> RetriedWithHint | NothingToRetry:
        """Hint under feedback: the question asked again, with its first hint, in one transaction."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            asked = await self.practice.retry_in(session, user, question_id)
            if isinstance(asked, NothingToRetry):
                return asked
            return RetriedWithHint(asked, await self.practice.hint_in(session, user, question_id))

    async def model_answer(self, who: UserInfo, question_id: str) -> Question | None:
        """Model answer under feedback: the question, if the presser may see it."""
        return await self.practice.find_question(who, question_id)

    async def stats(self, who: UserInfo) -> Stats:
        """/stats: answers, average, streak and progress per topic."""
        return await self.practice.stats(who)

    async def ask_delete_me(self, who: UserInfo) -> DeleteAsked:
        """/delete_me: "Are you sure?", asked now."""
        await self.touch(who)
        return DeleteAsked(self.practice.now())

    async def delete_me(self, who: UserInfo, asked_at: datetime | None) -> int | ConfirmationExpired:
        """Yes to /delete_me asked at ``asked_at``: every row of the user goes (how many), unless the Yes
        is too old or older than the data (then nothing changes)."""
        return await self.practice.delete_confirmed(who.id, asked_at)

    async def mark_blocked(self, user_id: int) -> None:
        """The user blocked the bot: no more pushes until they write again."""
        await self.practice.mark_blocked(user_id)

    # ---- topics, difficulty and settings ---------------------------------------------------------

    async def topics(self, who: UserInfo, words: Sequence[str] = ()) -> TopicChoice | UnknownTopic:
        """/topics: what the user practises; with words (``metrics hard``, ``all``, ``any``) it changes that."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            titles = dict(self.practice.pools.pool_of(user).bank.topics)
            chosen = parse_topic_choice(words, titles)
            if isinstance(chosen, UnknownTopic):
                return chosen
            if chosen.topics is not None:
                user.topics = [t for t in titles if t in chosen.topics]
            if chosen.difficulty_given:
                user.difficulty = chosen.difficulty
            return TopicChoice(tuple(user.topics), user.difficulty, titles)

    async def toggle_topic(self, who: UserInfo, topic: str) -> TopicChoice | UnknownTopic:
        """A topic's button: switched on or off (``*``: all topics)."""
        current = await self.preferences.settings(who)
        if topic == "*":
            chosen: tuple[str, ...] = ()
        elif topic in current.topics:
            chosen = tuple(t for t in current.topics if t != topic)
        else:
            chosen = (*current.topics, topic)
        result = await self.preferences.set_topics(who, chosen)
        return result if isinstance(result, UnknownTopic) else await self._choice(who, result)

    async def set_difficulty(self, who: UserInfo, level: int | None) -> TopicChoice | InvalidSetting:
        """A level's button (None: any level)."""
        result = await self.preferences.set_difficulty(who, level)
        return result if isinstance(result, InvalidSetting) else await self._choice(who, result)

    async def _choice(self, who: UserInfo, settings: UserSettings) -> TopicChoice:
        return TopicChoice(settings.topics, settings.difficulty, await self.practice.topics_of(who))

    async def settings(self, who: UserInfo) -> SettingsView:
        """/settings: every setting and how to change it."""
        return SettingsView(await self.preferences.settings(who), self.practice.bank.topics)

    async def change_setting(
        self, who: UserInfo, words: Sequence[str]
    ) -> SettingsView | InvalidSetting | SettingsUsage | TopicChoice | UnknownTopic:
        """/settings time|zone|days <value> (and /settings topics, which is /topics)."""
        change = parse_setting(words)
        result: UserSettings | InvalidSetting
        if isinstance(change, SettingsUsage):
            await self.touch(who)
            return change
        if change.name is SettingName.TOPICS:
            return await self.topics(who, change.value.split())
        if change.name is SettingName.TIME:
            result = await self.preferences.set_daily_time(who, change.value)
        elif change.name is SettingName.ZONE:
            result = await self.preferences.set_timezone(who, change.value)
        else:
            result = await self.preferences.set_push_days(who, weekdays_only=change.value == "weekdays")
        return result if isinstance(result, InvalidSetting) else SettingsView(result, self.practice.bank.topics)

    async def set_timezone(self, who: UserInfo, zone_name: str) -> SettingsView | InvalidSetting:
        """A time zone's button."""
        result = await self.preferences.set_timezone(who, zone_name)
        return result if isinstance(result, InvalidSetting) else SettingsView(result, self.practice.bank.topics)

    async def set_push_days(self, who: UserInfo, *, weekdays_only: bool) -> SettingsView:
        """Every day / Weekdays only buttons."""
        result = await self.preferences.set_push_days(who, weekdays_only=weekdays_only)
        return SettingsView(result, self.practice.bank.topics)

    async def subscribe(
        self, who: UserInfo, words: Sequence[str]
    ) -> Subscribed | InvalidSetting | BadSubscribeArgument:
        """/subscribe [HH:MM] [zone]: the daily question; without a time the last one (else the default), without
        a zone the current one."""
        parsed = parse_subscription(words)
        if isinstance(parsed, BadSubscribeArgument):
            await self.touch(who)
            return parsed
        daily_time, zone_name = parsed
        result = await self.preferences.subscribe(who, daily_time, zone_name)
        return result if isinstance(result, InvalidSetting) else Subscribed(result)

    async def unsubscribe(self, who: UserInfo) -> Unsubscribed | NotSubscribed:
        """/unsubscribe: no more daily questions."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            if user.daily_time is None:
                return NotSubscribed()
        result = await self.preferences.set_daily_time(who, None)
        assert not isinstance(result, InvalidSetting)
        return Unsubscribed(result)

    # ---- mock interviews ------------------------------------------------------------------------

    async def interview(self, who: UserInfo, words: Sequence[str]) -> Started | BadRoundArgs:
        """/interview [n] [topic|mixed] [level]: plan a round and ask its first question."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            titles = self.practice.pools.pool_of(user).bank.topics
            spec = parse_round_args(words, titles)
            if isinstance(spec, BadRoundArgs):
                return spec
            return await self.interviews.start_in(session, user, spec)

    async def interview_options(self, who: UserInfo) -> RoundOptions | AlreadyInRound:
        """/interview alone: the options of a new round, or the round already running."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await self.interviews.active_in(session, user)
            step = self.interviews.step_in(user, active) if active is not None else None
            if step is not None:
                return AlreadyInRound(step)
            return RoundOptions(RoundSpec(), dict(self.practice.pools.pool_of(user).bank.topics))

    async def round_options(self, who: UserInfo, length: int, topic: str, level: int) -> RoundOptions | None:
        """An option button (or New interview): the options with that choice (None: no keyboard offers it)."""
        titles = await self.practice.topics_of(who)
        spec = spec_from_choice(length, topic, level, titles)
        return RoundOptions(spec, titles) if spec is not None else None

    async def start_chosen_round(self, who: UserInfo, length: int, topic: str, level: int) -> Started | None:
        """Start the interview (button): the round the options describe (None: no keyboard offers it)."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            spec = spec_from_choice(length, topic, level, self.practice.pools.pool_of(user).bank.topics)
            return await self.interviews.start_in(session, user, spec) if spec is not None else None

    async def start_round(self, who: UserInfo, spec: RoundSpec) -> Started:
        """The console's /interview alone: a round with the defaults."""
        return await self.interviews.start(who, spec)

    async def round_hint(
        self, who: UserInfo, round_id: int, position: int
    ) -> RoundHint | NoMoreHints | NoHintOnFollowUp | NoActiveRound:
        """Hint under a round's question: only while that question is current."""
        return await self.interviews.hint(who, round_id, position)

    async def pass_on(
        self, who: UserInfo, round_id: int | None = None, position: int | None = None, *, follow_up: bool = False
    ) -> Answered | NoActiveRound:
        """Pass (button, or the console's /pass): the round's question or follow-up counts 0."""
        return await self.interviews.pass_question(who, round_id, position, follow_up=follow_up)

    async def end_round(self, who: UserInfo, round_id: int) -> RoundEnded | NoActiveRound:
        """End the round (button): the debrief of what was answered."""
        return await self.interviews.cancel(who, round_id)

    async def leave_round(self, who: UserInfo, round_id: int, topic: str | None) -> LeftRound | NoActiveRound:
        """Leave the round (button after /question in a round): its debrief, then a practice question."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await self.interviews.active_in(session, user)
            if active is None or active.row.id != round_id:
                return NoActiveRound(stale=True)
            ended = await self.interviews.cancel_in(session, user, active)
            return LeftRound(ended.debrief, await self.practice.ask_in(session, user, topic))

    async def stay_in_round(self, who: UserInfo, round_id: int) -> RoundStep | NoActiveRound:
        """Stay in the round (button): where it stands."""
        step = await self.interviews.current(who)
        return step if step is not None and step.round_id == round_id else NoActiveRound(stale=True)

    async def review(self, who: UserInfo, question_id: str) -> Asked | InRound | NothingToRetry:
        """A debrief's next step (button, or the console's /review N), opened as a practice question."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            if self.practice.pools.pool_of(user).get(question_id) is None:
                return NothingToRetry()
            active = await self.interviews.active_in(session, user)
            step = self.interviews.step_in(user, active) if active is not None else None
            if step is not None:
                return InRound(step)
            return await self.practice.retry_in(session, user, question_id)

    async def history(self, who: UserInfo) -> History:
        """/history: past rounds with date, score and verdict."""
        return await self.interviews.history(who)

    async def time_limit(self, who: UserInfo) -> TimeLimitSet:
        """/timelimit alone: the per-question time limit of rounds."""
        return await self.interviews.time_limit(who)

    async def set_time_limit(self, who: UserInfo, text: str) -> TimeLimitSet | InvalidSetting:
        """/timelimit 120 (or 2m, or off): set it; a round in progress keeps its own."""
        value = parse_time_limit(text[:32])
        if isinstance(value, InvalidSetting):
            await self.touch(who)
            return value
        return await self.interviews.set_time_limit(who, value)
