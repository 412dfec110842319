"""The end of a round and the rounds before it: the debrief, its chart's words, and /history.

The companion of ``interview_texts`` (the round as it runs). Renderers take the domain's
results and return one message each, never longer than Telegram's limit; anything from the
bank is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime

from bot.domain.interview.results import Debrief, History, ItemReport, NextStep, Reason
from bot.domain.interview.rules import HireVerdict, ItemStatus, ReasonCode, RoundStatus, StepKind
from bot.domain.pushtime import zone
from bot.rendering import interview_texts as itexts
from bot.rendering import texts
from bot.rendering.charts import ChartLabels

STEP_BUTTONS = "The buttons below open each step as a practice question."
CONSOLE_STEPS = "Type /review 1 (or 2, 3) to practise a step."
VERDICT_NAMES = {
    HireVerdict.STRONG_HIRE: "🟢 Strong hire",
    HireVerdict.LEAN_HIRE: "🟡 Lean hire",
    HireVerdict.LEAN_NO_HIRE: "🟠 Lean no hire",
    HireVerdict.NO_HIRE: "🔴 No hire",
}
VERDICT_WORDS = {
    HireVerdict.STRONG_HIRE: "I would push for a hire: clear, complete answers with the key ideas where they belong.",
    HireVerdict.LEAN_HIRE: "I would lean towards a hire: solid overall, with a few gaps to close first.",
    HireVerdict.LEAN_NO_HIRE: (
        "I would lean against a hire for now: the basics show in places, but too many key ideas were missing."
    ),
    HireVerdict.NO_HIRE: "Not yet: most answers missed the ideas an interviewer listens for. The steps below help.",
}


# ---- the debrief --------------------------------------------------------------------------------


def _reason(reason: Reason) -> str:
    value = texts.percent(reason.value) if reason.value is not None else ""
    match reason.code:
        case ReasonCode.AVERAGE:
            return f"Average {value} over {itexts.plural(reason.count, 'question')}."
        case ReasonCode.STRONG_TOPIC:
            return f"Strongest topic: {html.escape(reason.subject)} ({value})."
        case ReasonCode.WEAK_TOPIC:
            return f"Weakest topic: {html.escape(reason.subject)} ({value}), a clear gap."
        case ReasonCode.CONTRADICTIONS:
            wrong = itexts.plural(reason.count, "confidently wrong statement")
            return f"{wrong} (e.g. about {html.escape(reason.subject)}): interviewers weigh these heavily."
        case ReasonCode.RECOVERIES:
            return f"Recovered on {reason.count} of {itexts.plural(reason.of, 'follow-up')}: you can be steered."
        case ReasonCode.NO_RECOVERIES:
            return f"No recovery on {'the follow-up' if reason.count == 1 else f'any of {reason.count} follow-ups'}."
        case ReasonCode.LATE:
            return f"{reason.count} of {itexts.plural(reason.of, 'answer')} over the time limit."
        case ReasonCode.PASSED:
            return f"Passed on {itexts.plural(reason.count, 'question')}."
        case ReasonCode.HINTS:
            return f"{itexts.plural(reason.count, 'hint')} used."


def _item_line(item: ItemReport, titles: Mapping[str, str], detail: int = 2) -> str:
    """One question of the debrief; ``detail`` 2 names recovered ideas, 1 counts them, 0 also drops the quote."""
    number = item.position + 1
    topic = html.escape(titles.get(item.topic, item.topic))
    head = f"{number}. <i>{itexts.level_name(item.difficulty)} · {itexts.kind_name(item.kind)}</i> · {topic}"
    if not detail:
        quote = ""
    elif item.question is None:
        quote = "<i>(no longer in the bank)</i> — "
    else:
        quote = itexts.quote(item.question.question, 70 if detail == 2 else 45) + " — "
    if item.status is ItemStatus.UNANSWERED:
        return f"{head}\n   {quote}not answered"
    if item.status is ItemStatus.PASSED:
        return f"{head}\n   {quote}passed, 0%"
    parts = [texts.percent(item.answer_score or 0.0)]
    if item.late:
        parts.append("⏰ late")
    if item.follow_up is not None:
        if not item.follow_up.answered:
            parts.append("follow-up unanswered")
        elif item.follow_up.credited:
            ideas = (
                itexts.names(item.follow_up.credited)
                if detail == 2
                else itexts.plural(len(item.follow_up.credited), "idea")
            )
            parts.append(f"follow-up ✓ {ideas}" + (" (late)" if item.follow_up.late else ""))
        else:
            parts.append("follow-up ✗")
    parts.append(f"counts {texts.percent(item.final_score or 0.0)}")
    extras = []
    if item.hints_used:
        extras.append(itexts.plural(item.hints_used, "hint"))
    if item.elapsed_s is not None:
        extras.append(itexts.duration(item.elapsed_s))
    tail = f" <i>({', '.join(extras)})</i>" if extras else ""
    return f"{head}\n   {quote}{' → '.join(parts)}{tail}"


def _step_line(number: int, next_step: NextStep, titles: Mapping[str, str]) -> str:
    q = next_step.question
    where_from = f"{html.escape(titles.get(q.topic, q.topic))}, {itexts.level_name(q.difficulty)}"
    match next_step.kind:
        case StepKind.REVIEW:
            score = f", you scored {texts.percent(next_step.score)}" if next_step.score is not None else ""
            return f"{number}. Review {itexts.quote(q.question)} ({where_from}{score}): answer it again, then compare."
        case StepKind.STRETCH:
            return f"{number}. Stretch yourself: {itexts.quote(q.question)} ({where_from}), new to you."
        case _:
            return f"{number}. Try a new one: {itexts.quote(q.question)} ({where_from})."


def debrief(result: Debrief, titles: Mapping[str, str], *, buttons: bool = True) -> str:
    """The debrief: verdict and reasons, each question, topics, hints, time, next steps.

    ``buttons``: the next steps have buttons under the message (Telegram), else /review commands.
    """
    ended = "" if result.status is RoundStatus.FINISHED else " (ended early)"
    lines = [f"🏁 <b>Interview debrief</b>{ended}: {result.answered}/{result.total} questions answered"]
    if result.score is None or result.verdict is None:
        lines += ["", "No answers to judge, so no verdict this time."]
    else:
        lines += [
            f"<b>{texts.score_bar(result.score)}</b> · <b>{VERDICT_NAMES[result.verdict]}</b>",
            f"<i>{VERDICT_WORDS[result.verdict]}</i>",
            "",
            "<b>Why</b>",
            *(f"• {_reason(reason)}" for reason in result.reasons),
        ]
    lines += ["", "<b>Questions</b>"]
    at = len(lines)  # the question lines go here, as detailed as the message size allows
    if result.strengths:
        strong = ", ".join(f"{html.escape(t.title)} {texts.percent(t.round_score or 0.0)}" for t in result.strengths)
        lines += ["", f"💪 <b>Strengths</b>: {strong}"]
    if result.gaps:
        weak = ", ".join(f"{html.escape(t.title)} {texts.percent(t.round_score or 0.0)}" for t in result.gaps)
        lines += ["", f"🕳 <b>Gaps</b>: {weak}"]
    limit = f" (limit {itexts.duration(result.time_limit_s)} per question)" if result.time_limit_s else ""
    lines += ["", f"💡 Hints used: {result.hints_used} · ⏱ Time: {itexts.duration(result.duration_s)}{limit}"]
    if result.next_steps:
        lines += ["", "<b>Next steps</b>", *(_step_line(i, s, titles) for i, s in enumerate(result.next_steps, 1))]
        lines.append(f"<i>{STEP_BUTTONS if buttons else CONSOLE_STEPS}</i>")
    for detail in (2, 1, 0):
        items = [_item_line(item, titles, detail) for item in result.items]
        text = "\n".join([*lines[:at], *items, *lines[at:]])
        if len(text) <= texts.MAX_MESSAGE_CHARS:
            return text
    return texts.fit(text)


def chart_caption(result: Debrief) -> str:
    """Under the debrief's chart."""
    return "📊 This round by topic, beside your all-time average."


def debrief_chart_labels() -> ChartLabels:
    """The words on the debrief's chart."""
    return ChartLabels(
        title="Interview by topic", round_label="This round", all_time_label="All-time average", empty="No answers yet"
    )


def stats_chart_labels() -> ChartLabels:
    """The words on the /stats chart."""
    return ChartLabels(
        title="Average score by topic", round_label="", all_time_label="All-time average", empty="No answers yet"
    )


STATS_CHART_CAPTION = "📊 Your average score by topic, all time."


# ---- history and settings -----------------------------------------------------------------------


def history(result: History, titles: Mapping[str, str]) -> str:
    """/history: past rounds with date, score and verdict."""
    if not result.rounds:
        return itexts.NO_HISTORY
    tz = zone(result.timezone)
    lines = ["📜 <b>Your interview rounds</b>"]
    for item in result.rounds:
        when = _date(item.started_at.astimezone(tz))
        what = f"{html.escape(itexts.topic_name(item.topic, titles))}, {itexts.level_name(item.level)}"
        if item.status is RoundStatus.ACTIVE:
            lines.append(f"• {when} · {what} · in progress, {item.answered}/{item.total}")
            continue
        ended = " (ended early)" if item.status is RoundStatus.CANCELLED else ""
        score = texts.percent(item.score) if item.score is not None else "—"
        verdict = VERDICT_NAMES[item.verdict] if item.verdict else "no verdict"
        lines.append(f"• {when} · {what} · {item.answered}/{item.total}{ended} · {score} · {verdict}")
    return texts.fit("\n".join(lines))


def _date(moment: datetime) -> str:
    return f"{moment:%d %b %Y %H:%M}"
