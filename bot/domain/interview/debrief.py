"""The end of a round: the interviewer's verdict and its reasons, next steps, and the debrief itself."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from statistics import fmean

from bot.domain.bank import Bank
from bot.domain.interview.results import (
    Debrief,
    ItemReport,
    NextStep,
    Reason,
    RoundFacts,
    TopicScore,
)
from bot.domain.interview.rules import (
    LEVELS,
    NEXT_STEPS,
    STRENGTH_AT,
    HireVerdict,
    ItemStatus,
    ReasonCode,
    StepKind,
)

_VERDICT_LADDER = (HireVerdict.STRONG_HIRE, HireVerdict.LEAN_HIRE, HireVerdict.LEAN_NO_HIRE, HireVerdict.NO_HIRE)
_VERDICT_AT = (0.75, 0.55, 0.35)
"""Round averages at which the verdict is strong hire, lean hire, lean no hire (else no hire)."""


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
    facts: RoundFacts,
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
    end = facts.finished_at or now
    return Debrief(
        round_id=facts.round_id,
        spec=facts.spec,
        status=facts.status,
        items=tuple(reports),
        score=fmean(reached) if reached else None,
        verdict=verdict,
        reasons=reasons,
        per_topic=per_topic,
        hints_used=sum(item.hints_used for item in reports),
        duration_s=max(0, int((end - facts.started_at).total_seconds())),
        time_limit_s=facts.time_limit_s,
        next_steps=next_steps(reports, per_topic, bank, seen=seen, level=facts.spec.level),
    )
