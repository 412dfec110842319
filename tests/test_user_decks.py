"""Users' own decks (``bot.services.decks``): private to their owner until an admin publishes them.

Runs on SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL: the decks live in the database,
so a restart (a new service on the same database) still serves them.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.bank import DEFAULT_BANK_DIR
from bot.domain.conversation import ConfirmationExpired
from bot.domain.decks import (
    DeckInfo,
    DeckLimit,
    DeckNotFound,
    DeckPublished,
    DeckReady,
    DeckRejected,
    DeleteDeckAsked,
    ReloadFailed,
)
from bot.domain.interview.results import (
    Answered,
    AnswerGraded,
    AskedInRound,
    Debrief,
    RoundSpec,
    RoundStarted,
    RoundStep,
)
from bot.domain.interview.rules import MIN_LENGTH
from bot.domain.practice import Asked, Feedback, NoOpenQuestion, NothingToRetry, UnknownTopic
from bot.services.daily import DailyPush
from bot.services.decks import UserDecks
from bot.services.interviews import Interviews
from bot.services.library import Library
from bot.services.practice import Practice
from bot.services.preferences import Preferences
from bot.storage.models import Deck
from tests.practice_fixtures import FrozenClock, real_bank, real_grader, user_info
from tests.test_decks import BROKEN_DECK, GOOD_DECK

pytest_plugins = ["tests.practice_fixtures"]

OWNER = user_info(501)
OTHER = user_info(502)

SECOND_DECK = """# Vector search

## What is approximate nearest neighbour search and why use it?

It finds vectors close to a query without comparing against every stored vector, trading a
little recall for large speed gains. Index structures such as HNSW graphs or inverted files
with product quantisation prune the search space. Exact search is linear in the collection
size, which is too slow for millions of embeddings at low latency.
"""


@pytest.fixture
def library(practice: Practice, tmp_path: Path) -> Library:
    bank_dir = tmp_path / "bank"
    shutil.copytree(DEFAULT_BANK_DIR, bank_dir)
    return Library(practice, [bank_dir])


@pytest.fixture
def decks(practice: Practice, library: Library) -> UserDecks:
    return UserDecks(practice, library)


async def _add(decks: UserDecks, who: object, name: str = "feature-stores.md", text: str = GOOD_DECK) -> DeckInfo:
    ready = await decks.check(who, name, text.encode())  # type: ignore[arg-type]
    assert isinstance(ready, DeckReady), ready
    added = await decks.add(who, ready)  # type: ignore[arg-type]
    assert isinstance(added, DeckInfo), added
    return added


async def test_a_users_deck_is_asked_and_graded_for_them_only(practice: Practice, decks: UserDecks) -> None:
    deck = await _add(decks, OWNER)
    assert (deck.questions, deck.status, deck.filename) == (2, "private", "feature-stores.md")
    assert deck.topic not in practice.bank.topics, "the bank in service is unchanged"

    asked = await practice.ask(OWNER, deck.topic)
    assert isinstance(asked, Asked)
    assert asked.question.topic == deck.topic
    feedback = await practice.answer(OWNER, asked.question.example_answers[0])
    assert isinstance(feedback, Feedback)
    assert feedback.grade.score > 0.6, feedback.grade
    assert feedback.question.id == asked.question.id

    other = await practice.ask(OTHER, deck.topic)
    assert isinstance(other, UnknownTopic)
    assert deck.topic not in other.valid
    assert isinstance(await practice.retry(OTHER, asked.question.id), NothingToRetry)
    assert await practice.find_question(OTHER, asked.question.id) is None
    assert await practice.find_question(OWNER, asked.question.id) == asked.question
    assert deck.topic in await practice.topics_of(OWNER)
    assert deck.topic not in await practice.topics_of(OTHER)


async def test_a_wrong_answer_to_a_private_question_scores_low(practice: Practice, decks: UserDecks) -> None:
    deck = await _add(decks, OWNER)
    assert isinstance(await practice.ask(OWNER, deck.topic), Asked)
    feedback = await practice.answer(OWNER, "No idea, something about databases I think.")
    assert isinstance(feedback, Feedback)
    assert feedback.grade.score < 0.3


async def test_a_broken_deck_is_rejected_with_lines_and_nothing_is_stored(practice: Practice, decks: UserDecks) -> None:
    served = practice.bank
    result = await decks.check(OWNER, "broken.md", BROKEN_DECK.encode())
    assert isinstance(result, DeckRejected)
    assert any(p.startswith("broken.md:3:") for p in result.problems), result.problems
    assert await decks.mine(OWNER) == []
    assert practice.bank is served


async def test_a_second_deck_may_not_reuse_the_topic_of_the_first(decks: UserDecks) -> None:
    first = await _add(decks, OWNER)
    again = await decks.check(OWNER, "feature-stores.md", GOOD_DECK.encode())
    assert isinstance(again, DeckReady)
    assert again.topic != first.topic, "the importer picks a topic the user's pool does not have yet"
    second = await _add(decks, OWNER, "vectors.md", SECOND_DECK)
    assert [d.id for d in await decks.mine(OWNER)] == [first.id, second.id]


async def test_the_deck_survives_a_restart(
    practice: Practice, decks: UserDecks, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    deck = await _add(decks, OWNER)
    asked = await practice.ask(OWNER, deck.topic)
    assert isinstance(asked, Asked)
    restarted = Practice(real_bank(), real_grader(), sessionmaker, clock)
    open_now = await restarted.open_question(OWNER.id)
    assert open_now is not None and open_now.question.id == asked.question.id
    assert isinstance(await restarted.answer(OWNER, "a feature store keeps one definition"), Feedback)


async def test_only_the_owner_can_delete_and_the_open_question_goes_with_it(
    practice: Practice, preferences: Preferences, decks: UserDecks
) -> None:
    deck = await _add(decks, OWNER)
    await preferences.set_topics(OWNER, [deck.topic])
    assert isinstance(await practice.ask(OWNER, deck.topic), Asked)
    assert isinstance(await decks.ask_delete(OTHER, deck.id), DeckNotFound)
    assert isinstance(await decks.delete(OTHER, deck.id, asked_at=practice.now()), DeckNotFound)
    assert isinstance(await decks.submit(OTHER, deck.id), DeckNotFound)
    assert isinstance(await decks.get(OTHER, deck.id), DeckNotFound)
    assert [d.id for d in await decks.mine(OWNER)] == [deck.id]

    asked = await decks.ask_delete(OWNER, deck.id)
    assert isinstance(asked, DeleteDeckAsked)
    assert isinstance(await decks.delete(OWNER, deck.id, asked_at=None), ConfirmationExpired)
    assert [d.id for d in await decks.mine(OWNER)] == [deck.id]
    deleted = await decks.delete(OWNER, deck.id, asked_at=asked.asked_at)
    assert isinstance(deleted, DeckInfo)
    assert await decks.mine(OWNER) == []
    assert isinstance(await practice.answer(OWNER, "anything"), NoOpenQuestion)
    assert (await preferences.settings(OWNER)).topics == ()
    assert isinstance(await practice.ask(OWNER, deck.topic), UnknownTopic)


async def test_publishing_makes_it_everyones_and_keeps_the_owners_progress(
    practice: Practice, decks: UserDecks
) -> None:
    deck = await _add(decks, OWNER)
    asked = await practice.ask(OWNER, deck.topic)
    assert isinstance(asked, Asked)
    await practice.answer(OWNER, "It keeps one definition of each feature for training and serving.")
    submitted = await decks.submit(OWNER, deck.id)
    assert isinstance(submitted, DeckInfo) and submitted.submitted_at is not None
    assert [d.id for d in await decks.submitted()] == [deck.id]

    published = await decks.publish(deck.id)
    assert isinstance(published, DeckPublished), published
    info, reloaded = published.deck, published.reloaded
    assert info.status == "published"
    assert deck.topic in practice.bank.topics
    assert reloaded.decks == 1
    assert await decks.submitted() == []
    other = await practice.ask(OTHER, deck.topic)
    assert isinstance(other, Asked)
    stats = await practice.stats(OWNER)
    line = next(t for t in stats.per_topic if t.topic == deck.topic)
    assert (line.answered, line.questions_seen) == (1, 1), "the owner's answer counts under the published topic"
    assert isinstance(await decks.ask_delete(OWNER, deck.id), DeckNotFound), "a published deck belongs to the bank"
    assert isinstance(await decks.delete(OWNER, deck.id, asked_at=practice.now()), DeckNotFound)


async def test_publishing_a_deck_the_bank_now_clashes_with_changes_nothing(
    practice: Practice, decks: UserDecks, library: Library
) -> None:
    first = await _add(decks, OWNER)
    clash = await _add(decks, OTHER)
    assert clash.topic == first.topic, "private topics only need to be unique per user"
    published = await decks.publish(first.id)
    assert isinstance(published, DeckPublished)
    [hidden] = published.shadowed
    assert (hidden.deck_id, hidden.owner_id, hidden.whole) == (clash.id, OTHER.id, True), "its owner is to be told"
    served = practice.bank
    result = await decks.publish(clash.id)
    assert isinstance(result, ReloadFailed)
    assert practice.bank is served
    assert [d.status for d in await decks.mine(OTHER)] == ["private"]
    assert isinstance(await practice.ask(OTHER, first.topic), Asked), "the published topic wins for the other user"


async def test_the_number_of_decks_is_limited(decks: UserDecks, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.services.decks.MAX_DECKS_PER_USER", 1)
    await _add(decks, OWNER)
    assert isinstance(await decks.check(OWNER, "vectors.md", SECOND_DECK.encode()), DeckLimit)


async def test_delete_me_removes_the_users_decks(
    practice: Practice, decks: UserDecks, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _add(decks, OWNER)
    await _add(decks, OTHER)
    await practice.delete_user(OWNER.id)
    async with sessionmaker() as session:
        owners = (await session.execute(select(Deck.owner_id, func.count()).group_by(Deck.owner_id))).all()
    assert [tuple(row) for row in owners] == [(OTHER.id, 1)]


async def test_the_daily_question_comes_from_the_users_own_deck_when_they_chose_it(
    practice: Practice, preferences: Preferences, decks: UserDecks, clock: FrozenClock
) -> None:
    deck = await _add(decks, OWNER)
    assert not isinstance(await preferences.set_topics(OWNER, [deck.topic]), UnknownTopic)
    assert isinstance(await preferences.set_topics(OTHER, [deck.topic]), UnknownTopic)
    await preferences.subscribe(OWNER, "09:00", "UTC")
    clock.now = clock.now.replace(hour=9, minute=1) + timedelta(days=1)
    claims = await DailyPush(practice, instance="test").claim_due()
    assert [(c.user_id, c.question.topic) for c in claims] == [(OWNER.id, deck.topic)]
    feedback = await practice.answer(OWNER, claims[0].question.example_answers[0])
    assert isinstance(feedback, Feedback) and feedback.grade.score > 0.6


async def test_an_interview_round_on_the_users_own_topic(practice: Practice, decks: UserDecks) -> None:
    """A round on a private topic asks the deck's questions and grades them with the deck's words,
    and its debrief names the deck's topic; another user has no such topic."""
    deck = await _add(decks, OWNER)
    interviews = Interviews(practice)
    started = await interviews.start(OWNER, RoundSpec(MIN_LENGTH, deck.topic))
    assert isinstance(started, RoundStarted), started
    step: RoundStep | Debrief = started.first
    scores = []
    while not isinstance(step, Debrief):
        if isinstance(step, AskedInRound):
            assert step.question.topic == deck.topic
            answered = await interviews.answer(OWNER, step.question.example_answers[0])
            assert isinstance(answered, Answered)
            assert isinstance(answered.graded, AnswerGraded)
            scores.append(answered.graded.grade.score)
        else:
            answered = await interviews.pass_question(OWNER)
            assert isinstance(answered, Answered)
        step = answered.next
    assert len(scores) == deck.questions  # the deck has fewer questions than the round's length
    assert min(scores) > 0.6, scores
    assert [t.title for t in step.per_topic] == ["Feature stores"]
    assert practice.known_topics(OWNER.id)[deck.topic] == "Feature stores"

    other = await interviews.start(OTHER, RoundSpec(MIN_LENGTH, deck.topic))
    assert isinstance(other, UnknownTopic)
    assert deck.topic not in other.valid
    assert deck.topic not in practice.known_topics(OTHER.id)
