"""The conversation service both front ends call: round or practice decided in one transaction, and command words.

On a real database (SQLite, or PostgreSQL from ``TEST_DATABASE_URL``) with the real bank and
a frozen clock. The Telegram and console tests drive the same service through the adapters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.conversation import (
    BadSubscribeArgument,
    InRound,
    InRoundHint,
    LeftRound,
    NotSubscribed,
    SettingsUsage,
    SettingsView,
    Subscribed,
    TopicChoice,
    TopicTooLong,
    Unsubscribed,
    parse_setting,
    parse_subscription,
    parse_topic_choice,
)
from bot.domain.interview.results import (
    Answered,
    AskedInRound,
    NoActiveRound,
    QuestionPassed,
    RoundEnded,
    RoundHint,
    RoundStarted,
)
from bot.domain.practice import (
    Asked,
    Feedback,
    HintGiven,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    UnknownTopic,
)
from bot.domain.users import InvalidSetting, Setting
from bot.services.conversation import Conversation
from tests.practice_fixtures import real_bank, user_info

pytest_plugins = ["tests.practice_fixtures"]

ALICE = user_info(1001)


@contextmanager
def transactions(engine: AsyncEngine) -> Iterator[list[object]]:
    """Every transaction begun on ``engine`` inside the block (one entry each)."""
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(engine.sync_engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(engine.sync_engine, "begin", count)


async def start_round(conversation: Conversation, words: str = "3 mixed easy") -> RoundStarted:
    """Start a round through the conversation and insist that it started."""
    started = await conversation.interview(ALICE, words.split())
    assert isinstance(started, RoundStarted), started
    return started


# ---- round or practice --------------------------------------------------------------------------------


async def test_in_a_round_hint_skip_answer_and_free_text_act_on_the_round(conversation: Conversation) -> None:
    """/hint gives the round's hint, /skip and /answer pass on its question, free text answers it."""
    started = await start_round(conversation)
    hinted = await conversation.hint(ALICE)
    assert isinstance(hinted, InRoundHint) and isinstance(hinted.result, RoundHint)
    assert hinted.result.round_id == started.round_id
    skipped = await conversation.skip(ALICE)
    assert isinstance(skipped, Answered) and isinstance(skipped.graded, QuestionPassed)
    assert isinstance(skipped.next, AskedInRound) and skipped.next.position == 1
    revealed = await conversation.reveal(ALICE)
    assert isinstance(revealed, Answered) and isinstance(revealed.next, AskedInRound)
    assert revealed.next.position == 2
    answered = await conversation.answer(ALICE, "I don't know")
    assert isinstance(answered, Answered), "free text answers the round's question, not a practice one"
    assert answered.graded.position == 2


async def test_outside_a_round_the_same_actions_act_on_practice(conversation: Conversation) -> None:
    """Without a round: a hint of the open question, skip and give up close it, and /cancel puts it aside."""
    asked = await conversation.question(ALICE, "metrics")
    assert isinstance(asked, Asked)
    assert isinstance(await conversation.hint(ALICE), HintGiven)
    assert isinstance(await conversation.skip(ALICE), Skipped)
    assert isinstance(await conversation.reveal(ALICE), NoOpenQuestion)
    assert isinstance(await conversation.question(ALICE), Asked)
    assert isinstance(await conversation.reveal(ALICE), Revealed)
    assert isinstance(await conversation.question(ALICE), Asked)
    assert isinstance(await conversation.cancel(ALICE), Skipped)
    assert isinstance(await conversation.cancel(ALICE), NoOpenQuestion)
    assert isinstance(await conversation.answer(ALICE, "anything"), NoOpenQuestion)


async def test_each_action_is_one_transaction(conversation: Conversation, engine: AsyncEngine) -> None:
    """Deciding round or practice and doing it share one transaction, in a round and out of one."""
    await start_round(conversation)
    for action in (conversation.hint, conversation.skip):
        with transactions(engine) as begun:
            await action(ALICE)
        assert len(begun) == 1, action
    with transactions(engine) as begun:
        assert isinstance(await conversation.answer(ALICE, "precision and recall"), Answered)
    assert len(begun) == 1
    with transactions(engine) as begun:
        assert isinstance(await conversation.cancel(ALICE), RoundEnded)
    assert len(begun) == 1
    await conversation.question(ALICE)
    with transactions(engine) as begun:
        assert isinstance(await conversation.answer(ALICE, "precision and recall"), Feedback)
    assert len(begun) == 1


async def test_question_in_a_round_asks_to_leave_and_leaving_asks_the_question(conversation: Conversation) -> None:
    """/question metrics in a round offers to leave (remembering the topic); leaving ends the round, then asks it."""
    started = await start_round(conversation)
    in_round = await conversation.question(ALICE, "Metrics")
    assert in_round == InRound(started.first, "metrics")
    assert isinstance(await conversation.question(ALICE, "x" * 65), TopicTooLong)
    left = await conversation.leave_round(ALICE, started.round_id, "metrics")
    assert isinstance(left, LeftRound)
    assert left.debrief.round_id == started.round_id
    assert isinstance(left.asked, Asked) and left.asked.question.topic == "metrics"
    assert isinstance(await conversation.leave_round(ALICE, started.round_id, None), NoActiveRound)


async def test_a_debrief_step_opens_only_outside_a_round(conversation: Conversation) -> None:
    """A next step opens as a practice question, but not while another round runs; unknown ids open nothing."""
    started = await start_round(conversation)
    ended = await conversation.cancel(ALICE)
    assert isinstance(ended, RoundEnded)
    step = ended.debrief.next_steps[0].question.id if ended.debrief.next_steps else started.first.question.id
    await start_round(conversation)
    assert isinstance(await conversation.review(ALICE, step), InRound)
    await conversation.cancel(ALICE)
    reviewed = await conversation.review(ALICE, step)
    assert isinstance(reviewed, Asked) and reviewed.question.id == step
    assert isinstance(await conversation.review(ALICE, "no-such-question"), NothingToRetry)


# ---- topics, settings, subscribing ------------------------------------------------------------------


async def test_topics_words_choose_topics_and_level(conversation: Conversation) -> None:
    """/topics metrics hard picks both; any resets the level, all the topics; an unknown topic is named."""
    chosen = await conversation.topics(ALICE, ["metrics", "hard"])
    assert isinstance(chosen, TopicChoice)
    assert (chosen.topics, chosen.difficulty) == (("metrics",), 3)
    asked = await conversation.question(ALICE)
    assert isinstance(asked, Asked) and (asked.question.topic, asked.question.difficulty) == ("metrics", 3)
    again = await conversation.topics(ALICE, ["any"])
    assert isinstance(again, TopicChoice) and (again.topics, again.difficulty) == (("metrics",), None)
    everything = await conversation.topics(ALICE, ["all"])
    assert isinstance(everything, TopicChoice) and everything.topics == ()
    unknown = await conversation.topics(ALICE, ["astrology"])
    assert isinstance(unknown, UnknownTopic) and unknown.topic == "astrology"
    shown = await conversation.topics(ALICE)
    assert isinstance(shown, TopicChoice) and list(shown.titles) == list(real_bank().topics)


async def test_settings_words_change_time_zone_and_days(conversation: Conversation) -> None:
    """/settings zone|time|days change one setting each; a bad value says what works; junk gets the usage."""
    zone = await conversation.change_setting(ALICE, ["zone", "Europe/Berlin"])
    assert isinstance(zone, SettingsView) and zone.settings.timezone == "Europe/Berlin"
    time = await conversation.change_setting(ALICE, ["time", "7.05"])
    assert isinstance(time, SettingsView) and time.settings.daily_time == "07:05"
    days = await conversation.change_setting(ALICE, ["days", "weekdays"])
    assert isinstance(days, SettingsView) and days.settings.weekdays_only
    assert isinstance(await conversation.change_setting(ALICE, ["zone", "Mars/Base"]), InvalidSetting)
    assert isinstance(await conversation.change_setting(ALICE, ["colour", "blue"]), SettingsUsage)
    topics = await conversation.change_setting(ALICE, ["topics", "metrics"])
    assert isinstance(topics, TopicChoice) and topics.topics == ("metrics",)
    assert (await conversation.settings(ALICE)).settings.timezone == "Europe/Berlin"


async def test_subscribe_and_unsubscribe(conversation: Conversation) -> None:
    """/subscribe with a time and zone; /unsubscribe once, then "not subscribed"; /subscribe alone again: the same
    time and zone, not asked about again; a user who never said their zone is asked; junk is refused."""
    subscribed = await conversation.subscribe(ALICE, ["08:30", "Europe/Berlin"])
    assert isinstance(subscribed, Subscribed) and subscribed.zone_known
    assert subscribed.settings.daily_time == "08:30"
    assert isinstance(await conversation.unsubscribe(ALICE), Unsubscribed)
    assert isinstance(await conversation.unsubscribe(ALICE), NotSubscribed)
    again = await conversation.subscribe(ALICE, [])
    assert isinstance(again, Subscribed) and again.zone_known
    assert (again.settings.daily_time, again.settings.timezone) == ("08:30", "Europe/Berlin")
    without_zone = await conversation.subscribe(user_info(2002), [])
    assert isinstance(without_zone, Subscribed) and not without_zone.zone_known
    bad_time = await conversation.subscribe(ALICE, ["25:99"])
    assert isinstance(bad_time, InvalidSetting) and bad_time.name == Setting.DAILY_TIME
    assert isinstance(await conversation.subscribe(ALICE, ["not", "a", "zone"]), BadSubscribeArgument)


async def test_time_limit_words(conversation: Conversation) -> None:
    """/timelimit 2m sets 120 s, off clears it, nonsense is refused."""
    limit = await conversation.set_time_limit(ALICE, "2m")
    assert not isinstance(limit, InvalidSetting) and limit.seconds == 120
    assert (await conversation.time_limit(ALICE)).seconds == 120
    cleared = await conversation.set_time_limit(ALICE, "off")
    assert not isinstance(cleared, InvalidSetting) and cleared.seconds is None
    assert isinstance(await conversation.set_time_limit(ALICE, "soon"), InvalidSetting)


# ---- command words (pure) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["zone", "America/New_York"], ("zone", "America/New_York")),
        (["TZ", "UTC+3"], ("zone", "UTC+3")),
        (["time", "07:45"], ("time", "07:45")),
        (["days", "Workdays"], ("days", "weekdays")),
        (["days", "daily"], ("days", "every")),
        (["level"], ("topics", "")),
        (["days", "sometimes"], None),
        (["time"], None),
        ([], None),
    ],
)
def test_settings_words(words: list[str], expected: tuple[str, str] | None) -> None:
    parsed = parse_setting(words)
    assert (None if isinstance(parsed, SettingsUsage) else (parsed.name.value, parsed.value)) == expected


def test_subscription_words() -> None:
    """A time-like word is the time (valid or not, so its error names the time); the rest is the zone."""
    assert parse_subscription(["7:00", "UTC-5"]) == ("7:00", "UTC-5")
    assert parse_subscription(["Europe/Berlin", "08:30"]) == ("08:30", "Europe/Berlin")
    assert parse_subscription(["25:99"]) == ("25:99", None)
    assert parse_subscription(["UTC", "+", "3"]) == (None, "UTC + 3")
    assert parse_subscription(["New", "York"]) == BadSubscribeArgument("New York")


def test_topic_words() -> None:
    titles = {"metrics": "Metrics", "deep-learning": "Deep learning"}
    parsed = parse_topic_choice(["Deep_Learning,metrics", "senior"], titles)
    assert not isinstance(parsed, UnknownTopic)
    assert (parsed.topics, parsed.difficulty, parsed.difficulty_given) == (("deep-learning", "metrics"), 3, True)
    assert parse_topic_choice(["hard"], titles) == parse_topic_choice(["HARD"], titles)
    assert isinstance(parse_topic_choice(["nlp"], titles), UnknownTopic)
    only_level = parse_topic_choice(["any"], titles)
    assert not isinstance(only_level, UnknownTopic) and only_level.topics is None and only_level.difficulty_given
