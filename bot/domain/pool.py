"""The questions one user practises: the bank in service plus that user's private decks.

A user who never sent a deck (``users.deck_version == 0``, nearly everybody) practises the
bank in service itself, with no extra query. A user with private decks gets a
:class:`QuestionPool` of their own: the bank's questions and topics followed by their decks',
and a grader that knows the decks' words (so it never "corrects" them as typos). Pools are
built from the decks' stored YAML, once per deck version and bank, and kept in a small LRU
cache; another process bumping the version (a deck added, removed or published) makes this
one rebuild on the user's next message.

A private question whose id or topic the bank also has (a deck published later by someone
else, say) is left out: the bank wins, so ids stay unique within every pool. A deck the
importer wrote (sent as CSV or Markdown) has its concepts derived again by today's rules
when its pool is built, so users who sent a deck before the grader improved get the new
grading too.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.bank import Bank, parse_topic_text
from bot.domain.decks import ShadowedDeck
from bot.domain.grading import Grader
from bot.domain.importer import IMPORTED_HEADER, rederive
from bot.domain.models import Question

logger = logging.getLogger(__name__)

CACHED_POOLS = 512
"""Users whose private pools stay built in memory (least recently used go first)."""


@dataclass(frozen=True, slots=True)
class StoredDeck:
    """A private deck as read from the database: what a pool is built from."""

    id: int
    topic: str
    title: str
    yaml_text: str


@dataclass(frozen=True)
class QuestionPool:
    """A bank (the one in service, or it plus private decks) and how to grade each of its questions."""

    bank: Bank
    grader: Grader
    private_grader: Grader | None = None
    private_ids: frozenset[str] = frozenset()
    private_topics: dict[str, str] = field(default_factory=dict)
    left_out: dict[int, int] = field(default_factory=dict)
    """Private deck id → how many of its questions the bank shadows (its topic or their ids are the bank's)."""

    def get(self, question_id: str) -> Question | None:
        """The question with this id in the pool."""
        return self.bank.get(question_id)

    def grader_for(self, question: Question) -> Grader:
        """The grader for this question: private ones use the grader that knows the deck's words."""
        if self.private_grader is not None and question.id in self.private_ids:
            return self.private_grader
        return self.grader

    def topic_title(self, topic: str) -> str:
        """The topic's title (its id if the pool lacks it)."""
        return self.bank.topics.get(topic, topic)


def build_pool(public: QuestionPool, decks: Sequence[StoredDeck], public_vocabulary: frozenset[str]) -> QuestionPool:
    """The public pool extended by the user's private decks (blocking: CPU work, run it off the loop)."""
    bank = public.bank
    questions: list[Question] = []
    topics: dict[str, str] = {}
    left_out: dict[int, int] = {}
    for deck in decks:
        topic, title, parsed, issues = parse_topic_text(deck.yaml_text, f"deck-{deck.id}.yaml")
        if issues:
            logger.warning("Private deck %d has %d problem(s); the first: %s", deck.id, len(issues), issues[0])
        if not topic or topic in bank.topics or topic in topics:
            logger.warning("Private deck %d left out: its topic %r is taken", deck.id, topic)
            left_out[deck.id] = len(parsed)
            continue
        topics[topic] = title or deck.title
        taken = bank.by_id.keys() | {q.id for q in questions}
        kept = [q for q in parsed if q.id not in taken]
        if len(kept) < len(parsed):
            left_out[deck.id] = len(parsed) - len(kept)
        if deck.yaml_text.startswith(IMPORTED_HEADER):  # derived concepts: derive them by today's rules
            kept = rederive(kept, bank, public.grader)
        questions += kept
    if not questions:
        return QuestionPool(bank, public.grader, left_out=left_out) if left_out else public
    merged = bank.with_questions((*bank.questions, *questions), {**bank.topics, **topics})
    extra = bank.with_questions(questions, topics).vocabulary()
    return QuestionPool(
        bank=merged,
        grader=public.grader,
        private_grader=bank.make_grader(extra_words=public_vocabulary | extra),
        private_ids=frozenset(q.id for q in questions),
        private_topics=topics,
        left_out=left_out,
    )


@dataclass(frozen=True, slots=True)
class OwnedDeck:
    """A private deck and its owner: what ``shadowed_by`` looks through."""

    owner_id: int
    deck: StoredDeck


def shadowed_by(published_yaml: str, decks: Sequence[OwnedDeck]) -> list[ShadowedDeck]:
    """The private ``decks`` a deck published as ``published_yaml`` now shadows, by ``build_pool``'s rule
    (the bank wins): its topic leaves a deck out whole, its question ids leave those questions out.
    Blocking (it parses every deck): run it off the event loop."""
    topic, title, published, _ = parse_topic_text(published_yaml, "published.yaml")
    ids = {q.id for q in published}
    shadowed = []
    for owned in decks:
        deck = owned.deck
        own_topic, _, questions, _ = parse_topic_text(deck.yaml_text, f"deck-{deck.id}.yaml")
        left_out = len(questions) if own_topic == topic else sum(q.id in ids for q in questions)
        if questions and left_out:
            shadowed.append(
                ShadowedDeck(deck.id, owned.owner_id, deck.topic, deck.title, len(questions), left_out, title or topic)
            )
    return shadowed


class PoolCache:
    """Built private pools by user id, valid for one deck version and one bank in service."""

    def __init__(self, size: int = CACHED_POOLS) -> None:
        self._size = size
        self._pools: OrderedDict[int, tuple[int, Bank, QuestionPool]] = OrderedDict()

    def get(self, user_id: int, version: int, bank: Bank) -> QuestionPool | None:
        """The user's pool if it was built for this version and bank."""
        entry = self._pools.get(user_id)
        if entry is None or entry[0] != version or entry[1] is not bank:
            return None
        self._pools.move_to_end(user_id)
        return entry[2]

    def latest(self, user_id: int, bank: Bank) -> QuestionPool | None:
        """The user's last built pool for this bank, whatever its deck version (None if none)."""
        entry = self._pools.get(user_id)
        return entry[2] if entry is not None and entry[1] is bank else None

    def put(self, user_id: int, version: int, bank: Bank, pool: QuestionPool) -> None:
        """Remember the user's pool, dropping the least recently used beyond the size."""
        self._pools[user_id] = (version, bank, pool)
        self._pools.move_to_end(user_id)
        while len(self._pools) > self._size:
            self._pools.popitem(last=False)

    def clear(self) -> None:
        """Forget every pool (the bank in service changed)."""
        self._pools.clear()
