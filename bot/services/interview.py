"""Mock interview rounds: a planned set of questions, follow-ups on gaps, an optional clock, a debrief.

A round is what an interviewer does, not flashcards:

* **Plan** (``plan_round``): ``length`` questions, mixing the bank's question kinds (conceptual,
  applied, coding, case study), from one topic or mixed topics, and ordered warm-up to harder:
  one level below the chosen level first, one level above last (``difficulty_ladder``).
  Questions the user has not seen recently are preferred.
* **Follow-ups** (``follow_up_targets``): an answer that misses an important concept (weight
  ``FOLLOW_UP_MIN_WEIGHT`` or more, or any concept when the score is under
  ``FOLLOW_UP_BELOW``) gets exactly one follow-up aimed at the gap: the question's own
  follow-up that shares the most words with the missed concepts, or (none sharing any) one
  phrased from the concept's name by the adapter's texts. The follow-up answer is graded
  against those missed concepts only; each one it covers is credited, raising the question's
  round score by ``FOLLOW_UP_CREDIT`` times the concept's share of the question's weight
  (scaled by the hint cap, never above it). "I don't know" gets no follow-up.
* **Time limit** (``set_time_limit``, off by default): stored on the user and copied into a
  round when it starts. An answer after the limit is still graded and recorded, marked late,
  and counts ``LATE_FACTOR`` (half) of its score in the round; a late follow-up earns half its
  credit. Time runs from the moment the question was asked, also while the bot is down.
* **Debrief** (``build_debrief``): per question and follow-up, strengths and gaps by topic,
  hints, time, an interviewer's verdict with its reasons (``verdict_for``) and three next
  steps naming questions (``next_steps``).

Main answers are also recorded as practice attempts (so ``/stats`` and spaced repetition see
them); follow-ups and passes are not. Like ``Practice``, every method is one transaction,
scoped by the acting user's id, and returns frozen dataclasses; the pure functions above
are the parts worth unit-testing on their own.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import fmean

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.bank import Bank
from bot.domain.grading import STRONG_AT, Grade, Grader
from bot.domain.models import Concept, Kind, Question
from bot.domain.pool import QuestionPool
from bot.domain.scheduling import shuffle_key
from bot.services.practice import (
    MAX_ANSWER_CHARS,
    EmptyPool,
    Feedback,
    InvalidSetting,
    NoMoreHints,
    NoOpenQuestion,
    Practice,
    UnknownTopic,
    UserRef,
    reachable_score,
    topic_id,
    user_id_of,
)
from bot.storage import interviews as store
from bot.storage import repository
from bot.storage.models import InterviewItem, InterviewRound, User

logger = logging.getLogger(__name__)

# ---- the rules, in one place ------------------------------------------------------------------

DEFAULT_LENGTH = 5
LENGTH_CHOICES = (3, 5, 8)
"""What the /interview keyboard offers."""
MIN_LENGTH, MAX_LENGTH = 3, 10
DEFAULT_LEVEL = 2
LEVELS = (1, 2, 3)

FOLLOW_UP_MIN_WEIGHT = 2.0
"""A missed concept this heavy is worth a follow-up."""
FOLLOW_UP_BELOW = 0.5
"""Under this score any missed concept is worth one (the heaviest two are targeted)."""
MAX_FOLLOW_UP_CONCEPTS = 3
FOLLOW_UP_CREDIT = 0.75
"""A concept recovered in the follow-up earns this fraction of what it would have earned first time."""
LATE_FACTOR = 0.5
"""A late answer (or follow-up credit) counts this fraction in the round score."""
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 30, 3600

RECENT = timedelta(days=7)
"""Questions seen within this are avoided when planning (not excluded)."""
HISTORY_ROUNDS = 10

STRENGTH_AT = STRONG_AT
"""A topic scored at least this in the round is a strength..."""
GAP_BELOW = 0.5
"""...and under this a gap."""
NEXT_STEPS = 3

# Planning costs: lower is better; see ``plan_round``.
_DIFFICULTY_COST = 2.0
_KIND_REPEAT_COST = 1.5
_TOPIC_REPEAT_COST = 1.0
_PREFERRED_KIND_COST = 0.75
_RECENT_COST = 3.0
_SEEN_COST = 1.0
KIND_ORDER = {Kind.CONCEPTUAL: 0, Kind.APPLIED: 1, Kind.CODING: 2, Kind.CASE_STUDY: 3}
"""Within one difficulty an interviewer goes from concepts to practice to the open case."""

LEVEL_WORDS = {"easy": 1, "junior": 1, "medium": 2, "mid": 2, "middle": 2, "hard": 3, "senior": 3}
MIXED_WORDS = frozenset({"mixed", "mix", "all", "any"})
_INTEGER = re.compile(r"^[+-]?\d+$")
_TIME_LIMIT = re.compile(r"^(\d{1,6})\s*(s|sec|secs|seconds?|m|min|mins|minutes?)?$")
OFF_WORDS = frozenset({"off", "none", "no", "0"})


class RoundStatus(StrEnum):
    """Where a round is."""

    ACTIVE = store.ACTIVE
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Stage(StrEnum):
    """Where one question of a round is (``interview_items.stage``)."""

    PENDING = "pending"
    ASKED = "asked"
    FOLLOW_UP = "follow-up"
    DONE = "done"
    PASSED = "passed"


class HireVerdict(StrEnum):
    """How an interviewer sums a round up."""

    STRONG_HIRE = "strong hire"
    LEAN_HIRE = "lean hire"
    LEAN_NO_HIRE = "lean no hire"
    NO_HIRE = "no hire"


_VERDICT_LADDER = (HireVerdict.STRONG_HIRE, HireVerdict.LEAN_HIRE, HireVerdict.LEAN_NO_HIRE, HireVerdict.NO_HIRE)
_VERDICT_AT = (0.75, 0.55, 0.35)
"""Round averages at which the verdict is strong hire, lean hire, lean no hire (else no hire)."""


class ItemStatus(StrEnum):
    """How one question of a round ended, for the debrief."""

    ANSWERED = "answered"
    PASSED = "passed"
    UNANSWERED = "unanswered"
    """Not reached (the round was cancelled), or the question left the bank."""


class ArgProblem(StrEnum):
    """What is wrong with an /interview argument."""

    LENGTH = "length"
    """A number of questions out of range."""
    REPEATED = "repeated"
    """Two lengths, two topics or two levels."""
    UNKNOWN = "unknown"
    """Neither a number, a topic, "mixed" nor a level."""


class ReasonCode(StrEnum):
    """One reason behind a verdict (rendered by the adapter's texts)."""

    AVERAGE = "average"
    STRONG_TOPIC = "strong-topic"
    WEAK_TOPIC = "weak-topic"
    CONTRADICTIONS = "contradictions"
    RECOVERIES = "recoveries"
    NO_RECOVERIES = "no-recoveries"
    LATE = "late"
    HINTS = "hints"
    PASSED = "passed"


class StepKind(StrEnum):
    """What a next step asks of the user."""

    REVIEW = "review"
    """Go over a question of this round that went badly."""
    NEW = "new"
    """An unseen question in a weak topic."""
    STRETCH = "stretch"
    """An unseen, harder question in the weakest topic of a strong round."""


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """What round to run."""

    length: int = DEFAULT_LENGTH
    topic: str | None = None
    """A topic id; None means mixed topics."""
    level: int = DEFAULT_LEVEL


@dataclass(frozen=True, slots=True)
class BadRoundArgs:
    """An /interview argument that cannot be used."""

    argument: str
    problem: ArgProblem


@dataclass(frozen=True, slots=True)
class AskedInRound:
    """A round's question, now waiting for the answer."""

    round_id: int
    position: int
    """0-based."""
    total: int
    question: Question
    hints_used: int
    time_limit_s: int | None
    seconds_left: int | None
    """None when untimed; 0 or less when the time is up."""

    @property
    def hints_total(self) -> int:
        """Hints the question has."""
        return len(self.question.hints)


@dataclass(frozen=True, slots=True)
class FollowUpAsked:
    """The one follow-up on a question, now waiting for the answer."""

    round_id: int
    position: int
    total: int
    question: Question
    text: str | None
    """The bank's follow-up; None means the adapter phrases one from ``concepts[0]``."""
    concepts: tuple[str, ...]
    """The missed concepts it is graded against, heaviest first."""
    time_limit_s: int | None
    seconds_left: int | None


RoundStep = AskedInRound | FollowUpAsked


@dataclass(frozen=True, slots=True)
class RoundStarted:
    """A new round and its first question."""

    round_id: int
    spec: RoundSpec
    first: AskedInRound
    kinds: tuple[Kind, ...]
    """The kinds of the planned questions, in order."""
    put_aside: Question | None = None
    """A practice question that was open and got skipped to start the round."""

    @property
    def shortened(self) -> bool:
        """The topic has fewer questions than asked for."""
        return self.first.total < self.spec.length


@dataclass(frozen=True, slots=True)
class AlreadyInRound:
    """A round is in progress; this is where it stands."""

    step: RoundStep


@dataclass(frozen=True, slots=True)
class NoActiveRound:
    """No round in progress (or, if ``stale``, a button of a round or question no longer current)."""

    stale: bool = False


@dataclass(frozen=True, slots=True)
class AnswerGraded:
    """The answer to a round's question."""

    round_id: int
    position: int
    total: int
    question: Question
    grade: Grade
    hints_used: int
    late: bool
    elapsed_s: int
    counted: float
    """What the answer counts for in the round so far (lateness applied)."""
    follow_up_coming: bool
    time_limit_s: int | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class FollowUpGraded:
    """The answer to a follow-up."""

    round_id: int
    position: int
    total: int
    question: Question
    concepts: tuple[str, ...]
    grade: Grade
    """Graded against ``concepts`` only."""
    credited: tuple[str, ...]
    late: bool
    elapsed_s: int
    score_before: float
    score_after: float
    time_limit_s: int | None = None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class QuestionPassed:
    """The candidate passed on a question or its follow-up (or the question left the bank)."""

    round_id: int
    position: int
    total: int
    question: Question | None
    follow_up: bool
    score: float
    """What the question counts for in the round."""


@dataclass(frozen=True, slots=True)
class RoundHint:
    """The next hint of the round's current question."""

    round_id: int
    position: int
    text: str
    index: int
    total: int
    max_score_now: float


@dataclass(frozen=True, slots=True)
class NoHintOnFollowUp:
    """Hints belong to the question; a follow-up has none."""

    step: FollowUpAsked


@dataclass(frozen=True, slots=True)
class TimeLimitSet:
    """The user's per-question time limit after a change."""

    seconds: int | None
    in_round: bool
    """A round is in progress: it keeps the limit it started with."""


@dataclass(frozen=True, slots=True)
class FollowUpReport:
    """A follow-up in the debrief."""

    text: str | None
    concepts: tuple[str, ...]
    answered: bool
    score: float | None
    credited: tuple[str, ...]
    late: bool


@dataclass(frozen=True, slots=True)
class ItemReport:
    """One question in the debrief."""

    position: int
    question_id: str
    question: Question | None
    """None if the question has left the bank since."""
    topic: str
    kind: str
    difficulty: int
    status: ItemStatus
    answer_score: float | None
    final_score: float | None
    """What it counts for in the round; None when not reached."""
    hints_used: int
    late: bool
    elapsed_s: int | None
    contradicted: tuple[str, ...]
    missed: tuple[str, ...]
    follow_up: FollowUpReport | None

    @property
    def reached(self) -> bool:
        """Answered or passed: it counts in the round."""
        return self.status is not ItemStatus.UNANSWERED and self.final_score is not None


@dataclass(frozen=True, slots=True)
class TopicScore:
    """A topic in this round beside the user's all-time average."""

    topic: str
    title: str
    round_score: float | None
    all_time: float | None


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind the verdict: ``code`` says which, the other fields its figures."""

    code: ReasonCode
    value: float | None = None
    count: int = 0
    of: int = 0
    subject: str = ""


@dataclass(frozen=True, slots=True)
class NextStep:
    """A concrete thing to do next, naming a question."""

    kind: StepKind
    question: Question
    score: float | None = None
    """This round's score on it (reviews only)."""


@dataclass(frozen=True, slots=True)
class Debrief:
    """The end of a round, finished or cancelled."""

    round_id: int
    spec: RoundSpec
    status: RoundStatus
    items: tuple[ItemReport, ...]
    score: float | None
    """Average round score of the questions reached; None when none was."""
    verdict: HireVerdict | None
    reasons: tuple[Reason, ...]
    per_topic: tuple[TopicScore, ...]
    hints_used: int
    duration_s: int
    time_limit_s: int | None
    next_steps: tuple[NextStep, ...]

    @property
    def answered(self) -> int:
        """Questions reached (answered or passed)."""
        return sum(item.reached for item in self.items)

    @property
    def total(self) -> int:
        """Questions planned."""
        return len(self.items)

    @property
    def strengths(self) -> tuple[TopicScore, ...]:
        """Topics scored ``STRENGTH_AT`` or more, best first."""
        strong = [t for t in self.per_topic if t.round_score is not None and t.round_score >= STRENGTH_AT]
        return tuple(sorted(strong, key=lambda t: -(t.round_score or 0.0)))

    @property
    def gaps(self) -> tuple[TopicScore, ...]:
        """Topics scored under ``GAP_BELOW``, worst first."""
        weak = [t for t in self.per_topic if t.round_score is not None and t.round_score < GAP_BELOW]
        return tuple(sorted(weak, key=lambda t: t.round_score or 0.0))

    @property
    def late_count(self) -> int:
        """Answers and follow-ups given after the time limit."""
        return sum(item.late + bool(item.follow_up and item.follow_up.late) for item in self.items)


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer (or a pass) did, and what comes next."""

    graded: AnswerGraded | FollowUpGraded | QuestionPassed
    next: RoundStep | Debrief


@dataclass(frozen=True, slots=True)
class RoundEnded:
    """A round cancelled before its end, with its partial debrief."""

    debrief: Debrief


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """One line of /history."""

    round_id: int
    started_at: datetime
    status: RoundStatus
    topic: str | None
    level: int
    answered: int
    total: int
    score: float | None
    verdict: HireVerdict | None


@dataclass(frozen=True, slots=True)
class History:
    """The user's rounds, newest first, and the time zone to show dates in."""

    rounds: tuple[RoundSummary, ...]
    timezone: str


# ---- pure functions ---------------------------------------------------------------------------


def parse_round_args(words: Iterable[str], topics: Collection[str]) -> RoundSpec | BadRoundArgs:
    """Read ``/interview [n] [topic|mixed] [level]`` in any order; missing parts take the defaults."""
    length: int | None = None
    level: int | None = None
    topic: str | None = None
    topic_given = False
    for raw in words:
        word = raw.strip().casefold()
        if not word:
            continue
        if _INTEGER.match(word):
            if length is not None:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            length = int(word)
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                return BadRoundArgs(raw, ArgProblem.LENGTH)
        elif word in LEVEL_WORDS:
            if level is not None:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            level = LEVEL_WORDS[word]
        elif word in MIXED_WORDS or topic_id(word) in topics:
            if topic_given:
                return BadRoundArgs(raw, ArgProblem.REPEATED)
            topic_given = True
            topic = None if word in MIXED_WORDS else topic_id(word)
        else:
            return BadRoundArgs(raw, ArgProblem.UNKNOWN)
    return RoundSpec(length or DEFAULT_LENGTH, topic, level or DEFAULT_LEVEL)


def parse_time_limit(text: str) -> int | InvalidSetting | None:
    """Seconds from "120", "90s", "2m" or "2 min"; None from "off"; else why not."""
    value = text.strip().casefold()
    if value in OFF_WORDS:
        return None
    match = _TIME_LIMIT.match(value)
    expected = f"a number of seconds from {MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S} (e.g. 120 or 2m), or off"
    if match is None:
        return InvalidSetting("time limit", text.strip(), expected)
    seconds = int(match[1]) * (60 if (match[2] or "s").startswith("m") else 1)
    if not MIN_TIME_LIMIT_S <= seconds <= MAX_TIME_LIMIT_S:
        return InvalidSetting("time limit", text.strip(), expected)
    return seconds


def difficulty_ladder(length: int, level: int) -> tuple[int, ...]:
    """Target difficulty per slot: a warm-up one level below, the core at ``level``, the last one above.

    A quarter of the round (at least one question) each for the warm-up and the harder end;
    levels are clipped to 1-3, so an easy round's warm-up is easy too.
    """
    if length <= 0:
        return ()
    if length == 1:
        return (level,)
    low, high = max(min(LEVELS), level - 1), min(max(LEVELS), level + 1)
    if length == 2:
        return (low, high)
    edge = max(1, length // 4)
    return (low,) * edge + (level,) * (length - 2 * edge) + (high,) * edge


def plan_round(
    pool: Sequence[Question],
    *,
    length: int,
    level: int,
    last_seen: Mapping[str, datetime],
    now: datetime,
    seed: int | str,
) -> tuple[Question, ...]:
    """Choose ``length`` questions from ``pool`` (fewer if it is smaller), ordered warm-up to harder.

    Slot by slot along ``difficulty_ladder``, the cheapest question wins: off the target
    difficulty costs most, then a kind or topic already in the round (so kinds and topics
    mix), then a question seen in the last ``RECENT`` days (a little for one seen earlier);
    the first slot prefers a conceptual warm-up and the last a case study. Ties are broken by
    a stable per-``seed`` shuffle. The result is sorted by difficulty, then kind.
    """
    ladder = difficulty_ladder(min(length, len(pool)), level)
    remaining = list(pool)
    chosen: list[Question] = []
    kinds: Counter[Kind] = Counter()
    topics: Counter[str] = Counter()
    for slot, target in enumerate(ladder):
        preferred = Kind.CONCEPTUAL if slot == 0 else Kind.CASE_STUDY if slot == len(ladder) - 1 else None

        def cost(question: Question, target: int = target, preferred: Kind | None = preferred) -> tuple[float, bytes]:
            value = _DIFFICULTY_COST * abs(question.difficulty - target)
            value += _KIND_REPEAT_COST * kinds[question.kind] + _TOPIC_REPEAT_COST * topics[question.topic]
            if preferred is not None and question.kind != preferred:
                value += _PREFERRED_KIND_COST
            seen = last_seen.get(question.id)
            if seen is not None:
                value += _RECENT_COST if now - seen < RECENT else _SEEN_COST
            return value, shuffle_key(seed, question.id)

        best = min(remaining, key=cost)
        remaining.remove(best)
        chosen.append(best)
        kinds[best.kind] += 1
        topics[best.topic] += 1
    return tuple(sorted(chosen, key=lambda q: (q.difficulty, KIND_ORDER.get(q.kind, len(KIND_ORDER)))))


def follow_up_targets(question: Question, grade: Grade) -> tuple[Concept, ...]:
    """The missed concepts worth one follow-up, heaviest first (none: no follow-up).

    Every missed concept of weight ``FOLLOW_UP_MIN_WEIGHT`` or more; failing that, under
    ``FOLLOW_UP_BELOW`` the two heaviest missed ones. A non-answer ("I don't know") gets none.
    """
    if "no-answer" in grade.notes:
        return ()
    missed = set(grade.missed)
    gaps = sorted((c for c in question.concepts if c.name in missed), key=lambda c: -c.weight)
    heavy = [c for c in gaps if c.weight >= FOLLOW_UP_MIN_WEIGHT]
    if heavy:
        return tuple(heavy[:MAX_FOLLOW_UP_CONCEPTS])
    if grade.score < FOLLOW_UP_BELOW:
        return tuple(gaps[:2])
    return ()


def choose_follow_up(
    question: Question, targets: Sequence[Concept], terms: Callable[[str], frozenset[str]]
) -> str | None:
    """The question's follow-up sharing the most words with the targeted concepts, or None.

    Words are compared as the grader sees them (stems, glossary synonyms collapsed); words of
    the first (heaviest) target count double. None when no follow-up shares a word with them.
    """
    if not targets or not question.follow_ups:
        return None
    primary = _concept_terms(targets[0], terms)
    others = frozenset().union(*(_concept_terms(c, terms) for c in targets[1:]))

    def overlap(text: str) -> int:
        words = terms(text)
        return 2 * len(words & primary) + len(words & others)

    best = max(question.follow_ups, key=overlap)  # max keeps the first of equals
    return best if overlap(best) > 0 else None


def _concept_terms(concept: Concept, terms: Callable[[str], frozenset[str]]) -> frozenset[str]:
    return frozenset().union(terms(concept.name), *(terms(alias) for alias in concept.aliases))


def follow_up_question(question: Question, targets: Sequence[Concept], text: str | None) -> Question:
    """The question to grade a follow-up answer with: only the targeted concepts.

    Its text is the original question plus the follow-up, so words copied from either earn nothing.
    """
    return replace(question, question=f"{question.question} {text or ''}".strip(), concepts=tuple(targets))


def follow_up_gain(question: Question, credited: Collection[str], max_score: float) -> float:
    """What recovering ``credited`` concepts adds to the question's round score (before lateness)."""
    total = sum(c.weight for c in question.concepts) or 1.0
    recovered = sum(c.weight for c in question.concepts if c.name in credited)
    return FOLLOW_UP_CREDIT * recovered / total * max_score


def seconds_left(asked_at: datetime | None, limit_s: int | None, now: datetime) -> int | None:
    """Whole seconds left to answer (0 or less: time is up); None when untimed."""
    if limit_s is None or asked_at is None:
        return None
    return limit_s - int((now - asked_at).total_seconds())


def is_late(asked_at: datetime | None, limit_s: int | None, now: datetime) -> bool:
    """Whether an answer now comes after the time limit (never when untimed)."""
    if limit_s is None or asked_at is None:
        return False
    return (now - asked_at).total_seconds() > limit_s


def verdict_for(
    items: Sequence[ItemReport], per_topic: Sequence[TopicScore]
) -> tuple[HireVerdict | None, tuple[Reason, ...]]:
    """An interviewer's verdict from the grades, and the reasons behind it.

    The round average sets the starting point (``_VERDICT_AT``); then: a topic under 40%, or any
    confidently wrong statement, rules out "strong hire"; two or more wrong statements, or
    half the answers late, cost a step; recovering on at least two follow-ups (and at least
    half of them) with nothing wrong said lifts "lean no hire" to "lean hire".
    """
    reached = [item for item in items if item.reached]
    if not reached:
        return None, ()
    average = fmean(item.final_score or 0.0 for item in reached)
    step = next((i for i, at in enumerate(_VERDICT_AT) if average >= at), len(_VERDICT_AT))
    reasons = [Reason(ReasonCode.AVERAGE, value=average, count=len(reached))]
    scored = [t for t in per_topic if t.round_score is not None]
    if scored:
        best = max(scored, key=lambda t: t.round_score or 0.0)
        worst = min(scored, key=lambda t: t.round_score or 0.0)
        if best.round_score is not None and best.round_score >= STRENGTH_AT:
            reasons.append(Reason(ReasonCode.STRONG_TOPIC, value=best.round_score, subject=best.title))
        if worst.round_score is not None and worst.round_score < 0.4 and worst is not best:
            reasons.append(Reason(ReasonCode.WEAK_TOPIC, value=worst.round_score, subject=worst.title))
            step = max(step, 1)
        elif worst.round_score is not None and worst.round_score < 0.4:
            step = max(step, 1)
    wrong = [name for item in reached for name in item.contradicted]
    if wrong:
        reasons.append(Reason(ReasonCode.CONTRADICTIONS, count=len(wrong), subject=wrong[0]))
        step = max(step, 1)
        if len(wrong) >= 2:
            step = min(len(_VERDICT_LADDER) - 1, step + 1)
    asked = [item.follow_up for item in reached if item.follow_up is not None and item.follow_up.answered]
    if asked:
        recovered = sum(1 for f in asked if f.credited)
        if recovered:
            reasons.append(Reason(ReasonCode.RECOVERIES, count=recovered, of=len(asked)))
            if recovered >= 2 and 2 * recovered >= len(asked) and not wrong and step == 2:
                step = 1
        else:
            reasons.append(Reason(ReasonCode.NO_RECOVERIES, count=len(asked)))
    late = sum(item.late for item in reached)
    if late:
        reasons.append(Reason(ReasonCode.LATE, count=late, of=len(reached)))
        if 2 * late >= len(reached):
            step = min(len(_VERDICT_LADDER) - 1, step + 1)
    passed = sum(item.status is ItemStatus.PASSED for item in reached)
    if passed:
        reasons.append(Reason(ReasonCode.PASSED, count=passed, of=len(reached)))
    hints = sum(item.hints_used for item in reached)
    if hints:
        reasons.append(Reason(ReasonCode.HINTS, count=hints))
    return _VERDICT_LADDER[step], tuple(reasons)


def next_steps(
    items: Sequence[ItemReport],
    per_topic: Sequence[TopicScore],
    bank: Bank,
    *,
    seen: Collection[str],
    level: int,
    limit: int = NEXT_STEPS,
) -> tuple[NextStep, ...]:
    """Three concrete next steps, each naming a question.

    First the round's weakest questions (up to two scored under ``STRENGTH_AT``) to review; then
    unseen bank questions in the round's weakest topics, at the round's level after a weak
    round, one level harder after a strong one (no weak question: a stretch). If the bank runs
    out of unseen questions, the lowest-scored questions of the round fill in.
    """
    reached = [item for item in items if item.reached and item.question is not None]
    ranked = sorted(reached, key=lambda item: (item.final_score or 0.0, item.position))
    weak = [item for item in ranked if (item.final_score or 0.0) < STRENGTH_AT]
    steps = [NextStep(StepKind.REVIEW, item.question, item.final_score) for item in weak[:2] if item.question]
    stretch = not weak
    target = min(max(LEVELS), level + 1) if stretch else level
    in_round = {item.question_id for item in items}
    topic_order = [t.topic for t in sorted(per_topic, key=lambda t: (t.round_score is None, t.round_score or 0.0))]
    topic_order += [t for t in bank.topics if t not in topic_order]
    chosen = {step.question.id for step in steps}
    for topic in topic_order:
        fresh = sorted(
            (q for q in bank.in_topic(topic) if q.id not in seen and q.id not in in_round and q.id not in chosen),
            key=lambda q: (abs(q.difficulty - target), q.id),
        )
        for question in fresh[:1]:
            if len(steps) >= limit:
                break
            steps.append(NextStep(StepKind.STRETCH if stretch else StepKind.NEW, question))
            chosen.add(question.id)
        if len(steps) >= limit:
            break
    for item in ranked:
        if len(steps) >= limit:
            break
        if item.question is not None and item.question.id not in chosen:
            steps.append(NextStep(StepKind.REVIEW, item.question, item.final_score))
            chosen.add(item.question.id)
    return tuple(steps[:limit])


def build_debrief(
    round_row: InterviewRound,
    reports: Sequence[ItemReport],
    bank: Bank,
    *,
    all_time: Mapping[str, float],
    seen: Collection[str],
    now: datetime,
) -> Debrief:
    """The debrief of a round from its items' reports, the user's all-time topic averages and seen questions."""
    topics: dict[str, list[float]] = {}
    for item in reports:
        scores = topics.setdefault(item.topic, [])
        if item.reached:
            scores.append(item.final_score or 0.0)
    per_topic = tuple(
        TopicScore(topic, bank.topics.get(topic, topic), fmean(scores) if scores else None, all_time.get(topic))
        for topic, scores in topics.items()
    )
    verdict, reasons = verdict_for(reports, per_topic)
    reached = [item.final_score or 0.0 for item in reports if item.reached]
    spec = RoundSpec(round_row.length, round_row.topic, round_row.level)
    end = round_row.finished_at or now
    return Debrief(
        round_id=round_row.id,
        spec=spec,
        status=RoundStatus(round_row.status),
        items=tuple(reports),
        score=fmean(reached) if reached else None,
        verdict=verdict,
        reasons=reasons,
        per_topic=per_topic,
        hints_used=sum(item.hints_used for item in reports),
        duration_s=max(0, int((end - round_row.started_at).total_seconds())),
        time_limit_s=round_row.time_limit_s,
        next_steps=next_steps(reports, per_topic, bank, seen=seen, level=round_row.level),
    )


def item_report(item: InterviewItem, bank: Bank) -> ItemReport:
    """An item row as the debrief shows it."""
    stage = Stage(item.stage)
    status = {
        Stage.DONE: ItemStatus.ANSWERED,
        Stage.FOLLOW_UP: ItemStatus.ANSWERED,
        Stage.PASSED: ItemStatus.PASSED,
    }.get(stage, ItemStatus.UNANSWERED)
    if status is ItemStatus.PASSED and item.final_score is None:
        status = ItemStatus.UNANSWERED  # skipped because the question left the bank: it does not count
    follow_up = None
    if item.follow_up_concepts:
        follow_up = FollowUpReport(
            text=item.follow_up_text,
            concepts=tuple(item.follow_up_concepts),
            answered=item.follow_up_answered_at is not None,
            score=item.follow_up_score,
            credited=tuple(item.follow_up_credited),
            late=item.follow_up_late,
        )
    elapsed = None
    if item.asked_at is not None and item.answered_at is not None:
        elapsed = (item.answered_at - item.asked_at).total_seconds()
        if item.follow_up_asked_at is not None and item.follow_up_answered_at is not None:
            elapsed += (item.follow_up_answered_at - item.follow_up_asked_at).total_seconds()
    return ItemReport(
        position=item.position,
        question_id=item.question_id,
        question=bank.get(item.question_id),
        topic=item.topic,
        kind=item.kind,
        difficulty=item.difficulty,
        status=status,
        answer_score=item.score,
        final_score=item.final_score if status is not ItemStatus.UNANSWERED else None,
        hints_used=item.hints_used,
        late=item.late,
        elapsed_s=None if elapsed is None else int(elapsed),
        contradicted=tuple(item.contradicted),
        missed=tuple(item.missed),
        follow_up=follow_up,
    )


# ---- the service ------------------------------------------------------------------------------


class Interviews:
    """Mock interview rounds over the practice service's bank, grader, database and clock."""

    def __init__(self, practice: Practice) -> None:
        self.practice = practice

    @property
    def bank(self) -> Bank:
        """The practice service's bank, read on every use: it may be reloaded while the bot runs."""
        return self.practice.bank

    # ---- settings -------------------------------------------------------------------------------

    async def set_time_limit(self, who: UserRef, seconds: int | None) -> TimeLimitSet | InvalidSetting:
        """Set the per-question time limit (``MIN_TIME_LIMIT_S``..``MAX_TIME_LIMIT_S``), or None for none."""
        if seconds is not None and not MIN_TIME_LIMIT_S <= seconds <= MAX_TIME_LIMIT_S:
            expected = f"{MIN_TIME_LIMIT_S} to {MAX_TIME_LIMIT_S} seconds, or off"
            return InvalidSetting("time limit", str(seconds), expected)
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            user.interview_time_limit_s = seconds
            active = await store.active_round(session=session, user_id=user.id)
            return TimeLimitSet(seconds, in_round=active is not None)

    async def time_limit(self, who: UserRef) -> TimeLimitSet:
        """The user's per-question time limit."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await store.active_round(session=session, user_id=user.id)
            return TimeLimitSet(user.interview_time_limit_s, in_round=active is not None)

    # ---- the round --------------------------------------------------------------------------------

    async def start(self, who: UserRef, spec: RoundSpec) -> RoundStarted | AlreadyInRound | UnknownTopic | EmptyPool:
        """Plan a round and ask its first question; a practice question still open is put aside.

        The round draws from the bank and the user's own private decks, like practice does."""
        if not MIN_LENGTH <= spec.length <= MAX_LENGTH or spec.level not in LEVELS:
            raise ValueError(f"invalid round {spec!r}: parse_round_args checks what users type")
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            pool = self.practice.pool_of(user)
            if spec.topic is not None and spec.topic not in pool.bank.topics:
                return UnknownTopic(spec.topic, tuple(pool.bank.topics))
            active = await store.active_round(session=session, user_id=user.id, for_update=True)
            if active is not None:
                items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
                step = self._step(pool, active, items, now)
                if step is not None:
                    return AlreadyInRound(step)
                active.status = RoundStatus.CANCELLED  # nothing left to ask in it (the bank changed)
                active.finished_at = now
            candidates = [q for q in pool.bank.questions if spec.topic is None or q.topic == spec.topic]
            if not candidates:
                return EmptyPool((spec.topic,) if spec.topic else (), spec.level)
            reviews = await repository.list_reviews(session=session, user_id=user.id)
            started_before = await store.count_rounds(session=session, user_id=user.id)
            plan = plan_round(
                candidates,
                length=spec.length,
                level=spec.level,
                last_seen={r.question_id: r.last_seen_at for r in reviews},
                now=now,
                seed=f"{user.id}:{started_before}",
            )
            put_aside = await self.practice.close_open_in(session, user, now)
            round_row = InterviewRound(
                user_id=user.id,
                topic=spec.topic,
                level=spec.level,
                length=len(plan),
                status=RoundStatus.ACTIVE,
                position=0,
                time_limit_s=user.interview_time_limit_s,
                started_at=now,
            )
            items = [
                InterviewItem(
                    user_id=user.id,
                    position=position,
                    question_id=q.id,
                    topic=q.topic,
                    kind=q.kind.value,
                    difficulty=q.difficulty,
                    stage=Stage.ASKED if position == 0 else Stage.PENDING,
                    asked_at=now if position == 0 else None,
                    hints_used=0,
                    covered=[],
                    missed=[],
                    contradicted=[],
                    follow_up_concepts=[],
                    follow_up_credited=[],
                )
                for position, q in enumerate(plan)
            ]
            await store.add_round(session=session, round_row=round_row, items=items)
            logger.info("User %d started interview round %d (%d questions)", user.id, round_row.id, len(plan))
            first = self._asked(round_row, items[0], plan[0], now)
            return RoundStarted(round_row.id, spec, first, tuple(q.kind for q in plan), put_aside)

    async def current(self, who: UserRef) -> RoundStep | None:
        """Where the user's round stands (for reminders), or None without one. Changes nothing but last-seen."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            active = await store.active_round(session=session, user_id=user.id)
            if active is None:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=active.id)
            return self._step(self.practice.pool_of(user), active, items, now)

    async def answer(self, who: UserRef, text: str) -> Answered | NoActiveRound:
        """Grade an answer to the round's current question or follow-up and move the round on."""
        now = self.practice.now()
        graded_text = text[:MAX_ANSWER_CHARS]
        truncated = len(text) > MAX_ANSWER_CHARS
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, None, None)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            pool = self.practice.pool_of(user)
            item = items[round_row.position]
            question = pool.get(item.question_id)
            if question is None:
                return await self._pass(session, user, round_row, items, question=None, now=now)
            grader = pool.grader_for(question)
            if item.stage == Stage.FOLLOW_UP:
                graded: AnswerGraded | FollowUpGraded = self._grade_follow_up(
                    round_row, item, question, graded_text, grader=grader, now=now
                )
            else:
                graded = await self._grade_answer(
                    session, user, round_row, item, grader=grader, question=question, text=graded_text, now=now
                )
            if truncated:
                graded = replace(graded, truncated=True)
            if isinstance(graded, AnswerGraded) and graded.follow_up_coming:
                step = self._step(pool, round_row, items, now)
                assert step is not None
                return Answered(graded, step)
            return Answered(graded, await self._advance(session, user, round_row, items, now))

    async def answer_any(self, who: UserRef, text: str) -> Answered | Feedback | NoOpenQuestion:
        """Free text: the answer to the round's question if a round is running, else to the open
        practice question (``Practice.answer``), else ``NoOpenQuestion``.

        Most users have no round: for them the check and the practice answer share one
        transaction, so a message costs one BEGIN and one COMMIT.
        """
        async with self.practice.transaction() as session:
            if await store.active_round(session=session, user_id=user_id_of(who)) is None:
                return await self.practice.answer_in(session, who, text)
        in_round = await self.answer(who, text)
        if isinstance(in_round, NoActiveRound):  # the round ended in between
            return await self.practice.answer(who, text)
        return in_round

    async def pass_question(
        self, who: UserRef, round_id: int | None = None, position: int | None = None, *, follow_up: bool = False
    ) -> Answered | NoActiveRound:
        """Pass on the current question (it counts 0) or, with ``follow_up``, its follow-up (no credit).

        With ``round_id`` and ``position`` (from a button) they must be current, and the stage
        must match ``follow_up``, else the result is stale.
        """
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            item = items[round_row.position]
            if round_id is not None and (item.stage == Stage.FOLLOW_UP) != follow_up:
                return NoActiveRound(stale=True)
            question = self.practice.pool_of(user).get(item.question_id)
            return await self._pass(session, user, round_row, items, question=question, now=now)

    async def hint(
        self, who: UserRef, round_id: int | None = None, position: int | None = None
    ) -> RoundHint | NoMoreHints | NoHintOnFollowUp | NoActiveRound:
        """The next hint of the round's current question; each lowers its reachable score, as in practice."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, position)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            pool = self.practice.pool_of(user)
            item = items[round_row.position]
            question = pool.get(item.question_id)
            step = self._step(pool, round_row, items, now)
            if isinstance(step, FollowUpAsked):
                if round_id is not None:
                    return NoActiveRound(stale=True)  # the Hint button belongs to the question, now past
                return NoHintOnFollowUp(step)
            total = len(question.hints) if question else 0
            if question is None or item.hints_used >= total:
                return NoMoreHints(total)
            item.hints_used += 1
            return RoundHint(
                round_row.id,
                item.position,
                question.hints[item.hints_used - 1],
                item.hints_used,
                total,
                reachable_score(item.hints_used),
            )

    async def cancel(self, who: UserRef, round_id: int | None = None) -> RoundEnded | NoActiveRound:
        """End the round now, with a debrief of what was answered (``round_id`` from a button must be current)."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            found = await self._locked(session, who, round_id, None)
            if isinstance(found, NoActiveRound):
                return found
            user, round_row, items = found
            debrief = await self._finish(session, user, round_row, items, status=RoundStatus.CANCELLED, now=now)
            logger.info("User %d cancelled interview round %d", user.id, round_row.id)
            return RoundEnded(debrief)

    async def history(self, who: UserRef, limit: int = HISTORY_ROUNDS) -> History:
        """The user's rounds, newest first (the one in progress included)."""
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            rounds = await store.list_rounds(session=session, user_id=user.id, limit=limit)
            summaries = []
            for row in rounds:
                items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
                answered = sum(item.stage in {Stage.DONE, Stage.PASSED, Stage.FOLLOW_UP} for item in items)
                summaries.append(
                    RoundSummary(
                        round_id=row.id,
                        started_at=row.started_at,
                        status=RoundStatus(row.status),
                        topic=row.topic,
                        level=row.level,
                        answered=answered,
                        total=row.length,
                        score=row.score,
                        verdict=HireVerdict(row.verdict) if row.verdict else None,
                    )
                )
            return History(tuple(summaries), user.timezone)

    async def debrief(self, who: UserRef, round_id: int) -> Debrief | None:
        """The debrief of one of the user's ended rounds (None: no such round of theirs, or still running)."""
        now = self.practice.now()
        async with self.practice.transaction() as session:
            user = await self.practice.user_in(session, who)
            row = await store.get_round(session=session, user_id=user.id, round_id=round_id)
            if row is None or row.status == RoundStatus.ACTIVE:
                return None
            items = await store.round_items(session=session, user_id=user.id, round_id=row.id)
            return await self._debrief(session, user, row, items, now)

    # ---- internals --------------------------------------------------------------------------------

    async def _locked(
        self, session: AsyncSession, who: UserRef, round_id: int | None, position: int | None
    ) -> tuple[User, InterviewRound, list[InterviewItem]] | NoActiveRound:
        """The locked user, their active round and its items; or why there is none.

        ``round_id`` and ``position`` come from buttons: they must name the user's own round
        in progress (and its current question), else the button is stale. The lookup is by
        the acting user's id, so another user's round id is simply not found.
        """
        stale = round_id is not None
        # Most free text comes from users with no round: one read, no write, and the practice
        # loop (which refreshes the user anyway) takes over. Otherwise lock user, then round.
        if await store.active_round(session=session, user_id=user_id_of(who)) is None:
            return NoActiveRound(stale=stale)
        user = await self.practice.user_in(session, who)
        round_row = await store.active_round(session=session, user_id=user.id, for_update=True)
        if round_row is None or (round_id is not None and round_row.id != round_id):
            return NoActiveRound(stale=stale)
        items = await store.round_items(session=session, user_id=user.id, round_id=round_row.id)
        if not 0 <= round_row.position < len(items):
            return NoActiveRound(stale=stale)
        if position is not None and position != round_row.position:
            return NoActiveRound(stale=True)
        return user, round_row, items

    def _asked(self, round_row: InterviewRound, item: InterviewItem, question: Question, now: datetime) -> AskedInRound:
        return AskedInRound(
            round_id=round_row.id,
            position=item.position,
            total=round_row.length,
            question=question,
            hints_used=item.hints_used,
            time_limit_s=round_row.time_limit_s,
            seconds_left=seconds_left(item.asked_at, round_row.time_limit_s, now),
        )

    def _step(
        self, pool: QuestionPool, round_row: InterviewRound, items: Sequence[InterviewItem], now: datetime
    ) -> RoundStep | None:
        """The current question or follow-up of a round (None: nothing left that the user's pool still has)."""
        if not 0 <= round_row.position < len(items):
            return None
        item = items[round_row.position]
        question = pool.get(item.question_id)
        if question is None:
            return None
        if item.stage == Stage.FOLLOW_UP:
            return FollowUpAsked(
                round_id=round_row.id,
                position=item.position,
                total=round_row.length,
                question=question,
                text=item.follow_up_text,
                concepts=tuple(item.follow_up_concepts),
                time_limit_s=round_row.time_limit_s,
                seconds_left=seconds_left(item.follow_up_asked_at, round_row.time_limit_s, now),
            )
        return self._asked(round_row, item, question, now)

    async def _grade_answer(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        item: InterviewItem,
        *,
        grader: Grader,
        question: Question,
        text: str,
        now: datetime,
    ) -> AnswerGraded:
        grade = grader.grade(question, text, hints_used=item.hints_used)
        late = is_late(item.asked_at, round_row.time_limit_s, now)
        await self.practice.record_answer_in(
            session, user.id, question, grade, answer_text=text, hints_used=item.hints_used, now=now
        )
        counted = grade.score * (LATE_FACTOR if late else 1.0)
        item.answer_text = text
        item.answered_at = now
        item.score = grade.score
        item.max_score = grade.max_score
        item.verdict = grade.verdict.value
        item.covered = [c.name for c in grade.covered]
        item.missed = list(grade.missed)
        item.contradicted = [c.name for c in grade.contradicted]
        item.late = late
        item.final_score = counted
        targets = follow_up_targets(question, grade)
        if targets:
            item.stage = Stage.FOLLOW_UP
            item.follow_up_text = choose_follow_up(question, targets, grader.question_terms)
            item.follow_up_concepts = [c.name for c in targets]
            item.follow_up_asked_at = now
        else:
            item.stage = Stage.DONE
        return AnswerGraded(
            round_id=round_row.id,
            position=item.position,
            total=round_row.length,
            question=question,
            grade=grade,
            hints_used=item.hints_used,
            late=late,
            elapsed_s=_elapsed(item.asked_at, now),
            counted=counted,
            follow_up_coming=bool(targets),
            time_limit_s=round_row.time_limit_s,
        )

    def _grade_follow_up(
        self,
        round_row: InterviewRound,
        item: InterviewItem,
        question: Question,
        text: str,
        *,
        grader: Grader,
        now: datetime,
    ) -> FollowUpGraded:
        targets = [c for name in item.follow_up_concepts for c in question.concepts if c.name == name]
        restricted = follow_up_question(question, targets, item.follow_up_text)
        grade = grader.grade(restricted, text)
        credited = tuple(c.name for c in grade.covered)
        late = is_late(item.follow_up_asked_at, round_row.time_limit_s, now)
        before = item.final_score or 0.0
        cap = item.max_score if item.max_score is not None else 1.0
        gain = follow_up_gain(question, credited, cap) * (LATE_FACTOR if late else 1.0)
        after = max(before, min(cap, before + gain))
        item.follow_up_answer = text
        item.follow_up_answered_at = now
        item.follow_up_score = grade.coverage
        item.follow_up_credited = list(credited)
        item.follow_up_late = late
        item.final_score = after
        item.stage = Stage.DONE
        return FollowUpGraded(
            round_id=round_row.id,
            position=item.position,
            total=round_row.length,
            question=question,
            concepts=tuple(item.follow_up_concepts),
            grade=grade,
            credited=credited,
            late=late,
            elapsed_s=_elapsed(item.follow_up_asked_at, now),
            score_before=before,
            score_after=after,
            time_limit_s=round_row.time_limit_s,
        )

    async def _pass(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: list[InterviewItem],
        *,
        question: Question | None,
        now: datetime,
    ) -> Answered:
        item = items[round_row.position]
        follow_up = item.stage == Stage.FOLLOW_UP
        if follow_up:
            item.follow_up_answered_at = now
            item.follow_up_score = 0.0
            item.stage = Stage.DONE
        else:
            item.answered_at = now
            item.score = 0.0
            item.final_score = 0.0 if question is not None else None
            item.stage = Stage.PASSED
        passed = QuestionPassed(
            round_row.id, item.position, round_row.length, question, follow_up, item.final_score or 0.0
        )
        return Answered(passed, await self._advance(session, user, round_row, items, now))

    async def _advance(
        self, session: AsyncSession, user: User, round_row: InterviewRound, items: list[InterviewItem], now: datetime
    ) -> RoundStep | Debrief:
        """Ask the next question the user's pool still has, or finish the round with its debrief."""
        pool = self.practice.pool_of(user)
        while round_row.position + 1 < len(items):
            round_row.position += 1
            item = items[round_row.position]
            question = pool.get(item.question_id)
            if question is not None:
                item.stage = Stage.ASKED
                item.asked_at = now
                return self._asked(round_row, item, question, now)
        return await self._finish(session, user, round_row, items, status=RoundStatus.FINISHED, now=now)

    async def _finish(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: list[InterviewItem],
        *,
        status: RoundStatus,
        now: datetime,
    ) -> Debrief:
        round_row.status = status
        round_row.finished_at = now
        debrief = await self._debrief(session, user, round_row, items, now)
        round_row.score = debrief.score
        round_row.verdict = debrief.verdict.value if debrief.verdict else None
        logger.info("User %d ended interview round %d: %s", user.id, round_row.id, round_row.verdict)
        return debrief

    async def _debrief(
        self,
        session: AsyncSession,
        user: User,
        round_row: InterviewRound,
        items: Sequence[InterviewItem],
        now: datetime,
    ) -> Debrief:
        attempts = await repository.list_attempts(session=session, user_id=user.id)
        reviews = await repository.list_reviews(session=session, user_id=user.id)
        bank = self.practice.pool_of(user).bank
        by_topic: dict[str, list[float]] = {}
        for attempt in attempts:
            if not attempt.gave_up:
                by_topic.setdefault(attempt.topic, []).append(attempt.score)
        return build_debrief(
            round_row,
            [item_report(item, bank) for item in items],
            bank,
            all_time={topic: fmean(scores) for topic, scores in by_topic.items()},
            seen={r.question_id for r in reviews},
            now=now,
        )


def _elapsed(since: datetime | None, now: datetime) -> int:
    return max(0, int((now - since).total_seconds())) if since is not None else 0
