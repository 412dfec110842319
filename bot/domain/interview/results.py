"""What the interview service returns: frozen dataclasses that adapters match on and rendering turns into text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.grading import Grade
from bot.domain.interview.rules import (
    DEFAULT_LENGTH,
    DEFAULT_LEVEL,
    GAP_BELOW,
    STRENGTH_AT,
    ArgProblem,
    HireVerdict,
    ItemStatus,
    ReasonCode,
    RoundStatus,
    StepKind,
)
from bot.domain.models import Kind, Question

# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """What round to run."""

    length: int = DEFAULT_LENGTH
    topic: str | None = None
    """A topic id; None means mixed topics."""
    level: int = DEFAULT_LEVEL


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What a debrief needs to know about its round besides the questions."""

    round_id: int
    spec: RoundSpec
    status: RoundStatus
    started_at: datetime
    finished_at: datetime | None
    time_limit_s: int | None


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
