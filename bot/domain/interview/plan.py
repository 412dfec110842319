"""Planning a round (which questions, in which order) and choosing the one follow-up on a gap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot.domain.grading import Grade
from bot.domain.interview.rules import (
    FOLLOW_UP_BELOW,
    FOLLOW_UP_CREDIT,
    FOLLOW_UP_MIN_WEIGHT,
    KIND_ORDER,
    LEVELS,
    MAX_FOLLOW_UP_CONCEPTS,
    RECENT,
)
from bot.domain.models import Concept, Kind, Question
from bot.domain.scheduling import shuffle_key

# Planning costs: lower is better; see ``plan_round``.
_DIFFICULTY_COST = 2.0
_KIND_REPEAT_COST = 1.5
_TOPIC_REPEAT_COST = 1.0
_PREFERRED_KIND_COST = 0.75
_RECENT_COST = 3.0
_SEEN_COST = 1.0


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
