"""Study groups: the rules of a question asked in a group chat, its answers, its ranking and the leaderboard.

Pure: no database, no Telegram. The group service (``bot.services.groups``) applies these
rules to the rows of ``bot.storage.groups`` and returns the results below; the adapter renders
them with ``bot.rendering.group_texts``.

The rules, in one place:

- **One open question per group.** ``/question`` while one is open points at it; after one is
  posted, the next ``/question`` waits out the group's cool-down (``cooldown_left``).
- **Answers are replies** to the question's message. A member's *first* answer is the one that
  counts for the group (ranking, points, streak): the private feedback names the missed ideas,
  so a second try would otherwise top every ranking. Later replies, up to ``MAX_TRIES`` in
  all, are graded as the member's own practice (their ``/stats`` and reviews); replies after
  that are ignored, so one member cannot use up the group's 20 messages a minute.
- **Points** are the counted answer's score out of 10 (``points_for``); the **streak** is how
  many of the group's latest questions in a row the member answered (``answer_streak``).
- **Places** are shared by equal points (1, 2, 2, 4), ties listed by answers, then name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.grading import Verdict
from bot.domain.models import Question
from bot.domain.practice import Feedback
from bot.domain.pushtime import zone
from bot.domain.scheduling import shuffle_key
from bot.domain.users import UserSettings

MAX_TRIES = 3
"""Replies of one member to one group question that are graded; later ones are ignored."""
POINTS_PER_QUESTION = 10
LEADERBOARD_TOP = 10
QUESTION_TIME = timedelta(hours=12)
"""How long a group question stays open unless the next push or /reveal closes it first (``GROUP_QUESTION_HOURS``)."""
COOLDOWN = timedelta(minutes=10)
"""After a question is posted, how long before ``/question`` may post another (``GROUP_COOLDOWN_MINUTES``)."""
STREAK_WINDOW = 100
"""Streaks count back over at most this many of the group's questions."""


class Origin(StrEnum):
    """How a group question came: the daily push or somebody's ``/question``."""

    DAILY = "daily"
    ASKED = "asked"


class CloseReason(StrEnum):
    """Why a group question closed."""

    REVEALED = "revealed"
    NEXT_PUSH = "next-push"
    EXPIRED = "expired"
    REMOVED = "removed"
    """The bot was removed from the group."""


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A group chat as the adapter knows it."""

    chat_id: int
    title: str = ""
    supergroup: bool = False


GroupSettings = UserSettings
"""What a group practises and when its daily question comes: the same fields as a user's settings."""


# ---- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotGroupAdmin:
    """A command only the group's administrators may use, from somebody else."""


@dataclass(frozen=True, slots=True)
class GroupAsked:
    """A question to post in the group; ``group_question_id`` is told its message id once it is sent."""

    group_question_id: int
    question: Question
    topic_title: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class QuestionStillOpen:
    """``/question`` while the group's question is open: reply to that one (its message, if known)."""

    message_id: int | None


@dataclass(frozen=True, slots=True)
class CoolingDown:
    """``/question`` too soon after the last one was posted."""

    wait: timedelta


@dataclass(frozen=True, slots=True)
class GroupGraded:
    """A member's reply to the group question, graded.

    ``private`` is the full feedback for the member's private chat (None when they have not
    started the bot there, or cannot get messages from it); ``hint_private`` says to add the
    one-time suggestion to start the bot (only the first time in this group).
    """

    question: Question
    member_name: str
    score: float
    verdict: Verdict
    try_number: int
    counted_score: float
    """The score of the member's first answer, the one the group ranks."""
    private: Feedback | None
    hint_private: bool

    @property
    def counted(self) -> bool:
        """Whether this answer is the one that counts for the group."""
        return self.try_number == 1

    @property
    def last_try(self) -> bool:
        """Whether later replies to this question will be ignored."""
        return self.try_number >= MAX_TRIES


@dataclass(frozen=True, slots=True)
class Placed:
    """One member's line in a ranking or leaderboard."""

    place: int
    name: str
    points: int
    answers: int = 0
    streak: int = 0
    score: float | None = None
    """In a question's ranking: the member's counted score."""
    is_asker: bool = False


@dataclass(frozen=True, slots=True)
class GroupClosed:
    """A group question closed: its model answer and ranking go to the group, as a reply to it."""

    chat_id: int
    message_id: int | None
    """The question's message, when it is in the group's current chat (for the reply)."""
    question: Question
    ranking: tuple[Placed, ...]
    reason: CloseReason


@dataclass(frozen=True, slots=True)
class NoOpenGroupQuestion:
    """``/reveal`` with no open question."""


@dataclass(frozen=True, slots=True)
class Standings:
    """One leaderboard: the top places, and the asker's own when it is not among them."""

    top: tuple[Placed, ...]
    own: Placed | None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """``/leaderboard``: this week (from Monday 00:00, the group's time) and all time."""

    week: Standings
    all_time: Standings
    asker_has_points: bool


@dataclass(frozen=True, slots=True)
class GroupSettingsView:
    """The group's settings, with the titles of the bank's topics."""

    settings: GroupSettings
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class GroupTopics:
    """What the group practises, and the topics it can choose from."""

    topics: tuple[str, ...]
    difficulty: int | None
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class GroupSubscribed:
    """``/subscribe`` in a group worked."""

    settings: GroupSettings


@dataclass(frozen=True, slots=True)
class GroupUnsubscribed:
    """``/unsubscribe`` in a group (``was_subscribed``: there was something to stop)."""

    was_subscribed: bool


@dataclass(frozen=True, slots=True)
class ConfirmDeleteGroup:
    """``/delete_group`` alone: what it deletes, and how to confirm."""


@dataclass(frozen=True, slots=True)
class GroupDeleted:
    """``/delete_group confirm``: the group's rows are gone."""

    rows: int


@dataclass(frozen=True, slots=True)
class GroupClaim:
    """One group's daily question this process must now post (after closing the open one, if any)."""

    delivery_id: int
    group_id: int
    chat_id: int
    group_question_id: int
    question: Question
    topic_title: str
    local_date: date
    closing: GroupClosed | None = None
    retry: bool = False


# ---- rules ------------------------------------------------------------------------------------


def points_for(score: float) -> int:
    """Points a counted answer earns: its score out of ``POINTS_PER_QUESTION``, rounded."""
    return round(max(0.0, min(1.0, score)) * POINTS_PER_QUESTION)


def cooldown_left(last_posted_at: datetime | None, now: datetime, cooldown: timedelta) -> timedelta | None:
    """How long ``/question`` must still wait, or None if it may post now."""
    if last_posted_at is None:
        return None
    left = last_posted_at + cooldown - now
    return left if left > timedelta(0) else None


def week_start(now: datetime, timezone: str) -> datetime:
    """Monday 00:00 of this week on the group's wall clock, as a UTC instant."""
    local = now.astimezone(zone(timezone))
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=zone(timezone)).astimezone(UTC)


def answer_streak(recent_questions: Sequence[int], answered: Iterable[int], open_question: int | None) -> int:
    """Group questions in a row the member answered, newest first (``recent_questions``, ids).

    The open question does not break a streak while it can still be answered.
    """
    done = set(answered)
    streak = 0
    for index, question in enumerate(recent_questions):
        if question in done:
            streak += 1
        elif index == 0 and question == open_question:
            continue
        else:
            break
    return streak


@dataclass(frozen=True, slots=True)
class Tally:
    """A member's total in one leaderboard window, before places are given."""

    user_id: int
    name: str
    points: int
    answers: int


def place(tallies: Sequence[Tally]) -> list[tuple[int, Tally]]:
    """Standard competition places: most points first, equal points share a place (1, 2, 2, 4)."""
    ordered = sorted(tallies, key=lambda t: (-t.points, -t.answers, t.name.casefold(), t.user_id))
    placed: list[tuple[int, Tally]] = []
    for index, tally in enumerate(ordered):
        same = placed and placed[-1][1].points == tally.points
        placed.append((placed[-1][0] if same else index + 1, tally))
    return placed


def standings(
    tallies: Sequence[Tally], asker: int, streaks: Mapping[int, int], top: int = LEADERBOARD_TOP
) -> Standings:
    """The top ``top`` places and the asker's own (when not among them)."""
    placed = place(tallies)

    def line(number: int, tally: Tally) -> Placed:
        return Placed(
            number,
            tally.name,
            tally.points,
            tally.answers,
            streaks.get(tally.user_id, 0),
            is_asker=tally.user_id == asker,
        )

    shown = tuple(line(number, tally) for number, tally in placed[:top])
    own = next((line(n, t) for n, t in placed[top:] if t.user_id == asker), None)
    return Standings(shown, own)


def question_ranking(answers: Sequence[tuple[str, float]]) -> tuple[Placed, ...]:
    """A closed question's ranking from (name, counted score) in answer order: best first, ties share."""
    ordered = sorted(enumerate(answers), key=lambda item: (-item[1][1], item[0]))
    ranking: list[Placed] = []
    for index, (_, (name, score)) in enumerate(ordered):
        same = ranking and ranking[-1].score == score
        ranking.append(Placed(ranking[-1].place if same else index + 1, name, points_for(score), score=score))
    return tuple(ranking)


def choose_group_question(
    candidates: Sequence[Question], asked_before: Mapping[str, datetime], *, seed: int | str
) -> Question | None:
    """The group's next question: one it was never asked (shuffled per group), else the one asked longest ago."""
    if not candidates:
        return None
    fresh = [q for q in candidates if q.id not in asked_before]
    if fresh:
        return min(fresh, key=lambda q: shuffle_key(seed, q.id))
    return min(candidates, key=lambda q: (asked_before[q.id], q.id))


def display_name(first_name: str, last_name: str | None = None, username: str | None = None) -> str:
    """How a member is shown in rankings: first name and last initial, else the username."""
    name = " ".join(part for part in (first_name.strip(), (last_name or "").strip()[:1]) if part)
    if name and last_name and last_name.strip():
        name += "."
    return (name or (f"@{username}" if username else "someone"))[:64]
