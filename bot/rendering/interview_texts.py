"""Every word of the mock interview, as Telegram HTML (``texts.plain()`` strips it for the console).

The companion of ``bot.rendering.texts`` for ``bot.services.interview``: renderers take the core's result
objects and return one message each, never longer than Telegram's limit. Anything from the
bank and anything the user typed is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime

from bot.domain.interview.results import (
    AlreadyInRound,
    AnswerGraded,
    AskedInRound,
    BadRoundArgs,
    Debrief,
    FollowUpAsked,
    FollowUpGraded,
    History,
    ItemReport,
    NextStep,
    NoHintOnFollowUp,
    QuestionPassed,
    Reason,
    RoundHint,
    RoundSpec,
    RoundStarted,
    RoundStep,
    TimeLimitSet,
)
from bot.domain.interview.rules import (
    LATE_FACTOR,
    MAX_LENGTH,
    MAX_TIME_LIMIT_S,
    MIN_LENGTH,
    MIN_TIME_LIMIT_S,
    ArgProblem,
    HireVerdict,
    ItemStatus,
    ReasonCode,
    RoundStatus,
    StepKind,
)
from bot.domain.practice import MAX_ANSWER_CHARS, NoMoreHints
from bot.domain.pushtime import zone
from bot.domain.users import InvalidSetting
from bot.rendering import texts
from bot.rendering.charts import ChartLabels

QUESTION_CLIP = 90
"""Characters of a question's text quoted in the debrief and next steps."""

# ---- buttons -----------------------------------------------------------------------------------

BUTTON_START = "▶️ Start the interview"
BUTTON_MIXED = "🔀 Mixed topics"
BUTTON_HINT = texts.BUTTON_HINT
BUTTON_PASS = "⏭ Pass"  # noqa: S105 (a button label, not a password)
BUTTON_END = "🏁 End the round"
BUTTON_LEAVE = "🚪 Leave the round"
BUTTON_STAY = "🎤 Stay in the round"
BUTTON_NEW_ROUND = "🎤 New interview"
BUTTON_LENGTH = "{n} questions"


def button_review(number: int) -> str:
    """The button opening next step ``number`` as a practice question."""
    return f"📖 Step {number}"


# ---- fixed messages ----------------------------------------------------------------------------

INTERVIEW_USAGE = (
    "Usage: <code>/interview [questions] [topic|mixed] [level]</code>, "
    "e.g. <code>/interview 5 metrics hard</code> or <code>/interview 3 mixed easy</code>. "
    f"A round has {MIN_LENGTH} to {MAX_LENGTH} questions; levels are easy, medium and hard. "
    "Send /interview alone to pick with buttons."
)
NO_ROUND = "There is no interview round in progress. /interview starts one."
STALE_BUTTON = "That round or question is no longer current."
ROUND_OVER_BUTTON = "That interview round is over. /interview starts a new one."
STAYING = "OK, the round goes on. Your current question:"
TIME_LIMIT_USAGE = (
    "Usage: <code>/timelimit 120</code> (seconds), <code>/timelimit 2m</code> or <code>/timelimit off</code>. "
    f"From {MIN_TIME_LIMIT_S} s to {MAX_TIME_LIMIT_S // 60} min per question."
)
NO_HISTORY = "📜 No interview rounds yet. /interview starts one."
FINISH_ROUND_FIRST = "You are in an interview round: finish it or /cancel it first, then review."
CONSOLE_QUESTION_IN_ROUND = (
    "You are in a mock interview ({where}). Type /cancel to end it (you get a debrief of what you "
    "answered), then /question; or just answer the question."
)
CONSOLE_MOVE_ON = "type /pass"
CONSOLE_ROUND_COMMANDS = "Answer in a message · /hint · /pass · /cancel ends the round with a debrief"
STEP_BUTTONS = "The buttons below open each step as a practice question."
CONSOLE_STEPS = "Type /review 1 (or 2, 3) to practise a step."
CONSOLE_CHART_SAVED = "📊 Chart of this round by topic saved to {path}"
CONSOLE_STATS_CHART_SAVED = "📊 Chart of your average score by topic saved to {path}"
CONSOLE_CHART_FAILED = "(The chart could not be drawn: {error}.)"
CONSOLE_NO_STEP = "There is no next step {number} yet. /review works after an interview debrief."
CONSOLE_PASS = "Type /pass to pass on a question or follow-up."  # noqa: S105 (not a password)
CONSOLE_OPTIONS = "Starting a round with the defaults. Next time you can choose: " + INTERVIEW_USAGE.replace(
    " Send /interview alone to pick with buttons.", ""
)

LEVEL_NAMES = texts.LEVEL_NAMES
KIND_NAMES = {"conceptual": "conceptual", "applied": "applied", "coding": "coding", "case-study": "case study"}
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


# ---- small helpers ----------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """45 -> '45 s', 120 -> '2 min', 150 -> '2 min 30 s', 3900 -> '1 h 5 min'."""
    seconds = max(0, seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h" + (f" {rest // 60} min" if rest // 60 else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _level(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))


def _kind(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def _title(topic: str | None, titles: Mapping[str, str]) -> str:
    return "mixed topics" if topic is None else titles.get(topic, topic)


def _quote(text: str, limit: int = QUESTION_CLIP) -> str:
    """Bank or user text, escaped and clipped, in quotes."""
    return f"“{texts._clip_escaped(text, limit)}”"


def _names(names: tuple[str, ...] | list[str]) -> str:
    return "; ".join(html.escape(name) for name in names)


def spec_line(spec: RoundSpec, titles: Mapping[str, str]) -> str:
    """'5 questions · mixed topics · Medium'."""
    return f"{_plural(spec.length, 'question')} · {html.escape(_title(spec.topic, titles))} · {_level(spec.level)}"


# ---- starting ---------------------------------------------------------------------------------


def options(spec: RoundSpec, titles: Mapping[str, str]) -> str:
    """The text above the /interview keyboard."""
    return (
        "🎤 <b>Mock interview</b>\n"
        "A round of questions the way interviews go: concepts, applied problems, code and a case, "
        "easier first. I ask one follow-up when an important idea is missing, and end with a debrief.\n\n"
        "Pick the length, topics and level, then press Start.\n"
        f"<i>Now: {spec_line(spec, titles)}.</i>"
    )


def bad_args(result: BadRoundArgs, titles: Mapping[str, str]) -> str:
    """An /interview argument that cannot be used, with an example."""
    argument = html.escape(result.argument[:64])
    match result.problem:
        case ArgProblem.LENGTH:
            problem = f"a round has {MIN_LENGTH} to {MAX_LENGTH} questions"
        case ArgProblem.REPEATED:
            problem = "that says the same thing twice (give one length, one topic and one level)"
        case _:
            problem = "that is not a number of questions, a topic, “mixed” or a level (easy, medium, hard)"
    topics = f"\nTopics: {html.escape(', '.join(titles))}." if result.problem is ArgProblem.UNKNOWN else ""
    return texts._fit(f"I could not use “{argument}”: {problem}.\n{INTERVIEW_USAGE}{topics}")


def started(result: RoundStarted, titles: Mapping[str, str]) -> str:
    """The round begins (its first question follows in its own message)."""
    lines = [f"🎤 <b>Mock interview</b>: {spec_line(result.spec, titles)}."]
    if result.shortened:
        lines.append(f"<i>This topic has {result.first.total} questions, so the round has {result.first.total}.</i>")
    lines.append(
        "Warm-up first, harder towards the end. Answer each question in your own words; "
        "when an important idea is missing I ask one follow-up."
    )
    if result.first.time_limit_s is not None:
        lines.append(
            f"⏱ {duration(result.first.time_limit_s)} per question: later answers still count, but only "
            f"{texts.percent(LATE_FACTOR)}."
        )
    if result.put_aside is not None:
        lines.append("<i>(Your open practice question was put aside.)</i>")
    return "\n".join(lines)


def already_in_round(result: AlreadyInRound) -> str:
    """/interview while a round is running."""
    return f"You are already in an interview round ({where(result.step)}). Here is where you are:"


def where(step: RoundStep) -> str:
    """'question 2/5' or 'the follow-up on question 2/5'."""
    position = f"question {step.position + 1}/{step.total}"
    return f"the follow-up on {position}" if isinstance(step, FollowUpAsked) else position


def leave_prompt(step: RoundStep) -> str:
    """/question during a round: leave it first?"""
    return (
        f"🎤 You are in a mock interview ({where(step)}).\n"
        "Leave the round for a practice question? You get a debrief of what you answered so far."
    )


# ---- asking -----------------------------------------------------------------------------------


def _clock(time_limit_s: int | None, left: int | None) -> str:
    if time_limit_s is None or left is None:
        return ""
    if left <= 0:
        return f"⏱ Time is up ({duration(time_limit_s)}): answer anyway, it counts {texts.percent(LATE_FACTOR)}."
    return f"⏱ {duration(left)}" + ("" if left == time_limit_s else " left")


def round_question(step: AskedInRound, titles: Mapping[str, str]) -> str:
    """A round's question."""
    q = step.question
    lines = [
        f"🎤 <b>Question {step.position + 1}/{step.total}</b> · {html.escape(titles.get(q.topic, q.topic))} · "
        f"{_level(q.difficulty)} · {_kind(q.kind.value)}"
    ]
    clock = _clock(step.time_limit_s, step.seconds_left)
    if clock:
        lines.append(clock)
    lines += ["", html.escape(q.question), ""]
    hints = f"/hint ({step.hints_total - step.hints_used} left) lowers the best score a little; " if q.hints else ""
    lines.append(f"<i>Answer in your own words. {hints}Pass moves on; /cancel ends the round with a debrief.</i>")
    return texts._fit("\n".join(lines))


def follow_up_text(step: FollowUpAsked) -> str:
    """The follow-up itself: the bank's, or phrased from the missed concept."""
    if step.text:
        return html.escape(step.text)
    concept = step.concepts[0] if step.concepts else "the key idea"
    return f"You didn't mention {html.escape(concept)} — how does it come in here?"


def follow_up(step: FollowUpAsked) -> str:
    """A follow-up question."""
    lines = [f"🔎 <b>Follow-up</b> on question {step.position + 1}/{step.total}"]
    clock = _clock(step.time_limit_s, step.seconds_left)
    if clock:
        lines.append(clock)
    lines += ["", follow_up_text(step), "", "<i>One follow-up per question: answer in a message, or Pass.</i>"]
    return texts._fit("\n".join(lines))


def step(current: RoundStep, titles: Mapping[str, str]) -> str:
    """The current question or follow-up."""
    return round_question(current, titles) if isinstance(current, AskedInRound) else follow_up(current)


def hint(result: RoundHint) -> str:
    """A hint during a round."""
    return texts._fit(
        f"💡 <b>Hint {result.index}/{result.total}:</b> {html.escape(result.text)}\n"
        f"<i>Best reachable score on this question now: {texts.percent(result.max_score_now)}.</i>"
    )


MOVE_ON = "press Pass"
"""How to pass in the bot; the console says "type /pass"."""


def no_more_hints(result: NoMoreHints, *, move_on: str = MOVE_ON) -> str:
    """/hint after the last hint of a round's question."""
    if result.total == 0:
        return f"This question has no hints. Give it your best shot, or {move_on} to move on."
    return f"That was the last hint ({result.total}/{result.total}). Give it your best answer, or {move_on}."


def no_hint_on_follow_up(*, move_on: str = MOVE_ON) -> str:
    """/hint during a follow-up."""
    return f"Hints belong to the main question; a follow-up has none. Say what you can, or {move_on} to move on."


def hint_reply(result: RoundHint | NoMoreHints | NoHintOnFollowUp, *, move_on: str = MOVE_ON) -> str:
    """/hint (or the Hint button) in a round."""
    match result:
        case RoundHint():
            return hint(result)
        case NoMoreHints():
            return no_more_hints(result, move_on=move_on)
        case NoHintOnFollowUp():
            return no_hint_on_follow_up(move_on=move_on)


def graded(result: AnswerGraded | FollowUpGraded | QuestionPassed) -> str:
    """What an answer, a follow-up answer or a pass in a round earned."""
    match result:
        case AnswerGraded():
            return answer_feedback(result)
        case FollowUpGraded():
            return follow_up_feedback(result)
        case QuestionPassed():
            return passed(result)


# ---- answers ----------------------------------------------------------------------------------


def _late(elapsed_s: int, limit_s: int | None) -> str:
    limit = f" (limit {duration(limit_s)})" if limit_s else ""
    return (
        f"⏰ <b>Late</b>: {duration(elapsed_s)}{limit}. Graded as usual, but it counts "
        f"{texts.percent(LATE_FACTOR)} in the round."
    )


def answer_feedback(result: AnswerGraded) -> str:
    """Short feedback on a round's answer (the model answers wait for the debrief's next steps)."""
    grade = result.grade
    lines = [
        f"📝 <b>Question {result.position + 1}/{result.total}</b>: {texts.score_bar(grade.score)} · "
        f"{texts.VERDICTS[grade.verdict]}"
    ]
    if result.hints_used:
        lines.append(
            f"<i>{_plural(result.hints_used, 'hint')} used: best reachable {texts.percent(grade.max_score)}.</i>"
        )
    if result.truncated:
        lines.append(texts.TRIMMED.format(limit=MAX_ANSWER_CHARS))
    lines.extend(f"<i>{texts.NOTES[note]}</i>" for note in grade.notes if note in texts.NOTES and note != "no-answer")
    if grade.covered:
        lines.append(f"✅ Covered: {_names([c.name for c in grade.covered])}")
    wrong = {c.name for c in grade.contradicted}
    if grade.contradicted:
        said = "; ".join(
            f"{html.escape(c.name)} (you said {_quote(c.quote, texts.MAX_QUOTE_CHARS)})" for c in grade.contradicted
        )
        lines.append(f"⚠️ Wrong: {said}")
    missed = [name for name in grade.missed if name not in wrong]
    if missed and not result.follow_up_coming:
        lines.append(f"❌ Missed: {_names(missed)}")
    if result.late:
        lines.append(_late(result.elapsed_s, result.time_limit_s))
    if result.follow_up_coming:
        lines.append("<i>One follow-up on that:</i>")
    return texts._fit("\n".join(lines))


def follow_up_feedback(result: FollowUpGraded) -> str:
    """Feedback on a follow-up answer: which missed ideas it recovered."""
    number = result.position + 1
    if result.credited:
        gained = texts.percent(result.score_after - result.score_before)
        lines = [
            f"✅ <b>Follow-up</b>: you got there: {_names(result.credited)}.",
            f"Question {number} now counts {texts.percent(result.score_after)} "
            f"(was {texts.percent(result.score_before)}, +{gained}).",
        ]
        still = [name for name in result.concepts if name not in result.credited]
        if still:
            lines.append(f"❌ Still missing: {_names(still)}")
    else:
        lines = [
            f"❌ <b>Follow-up</b>: not quite. The point was {_names(result.concepts)}.",
            f"Question {number} counts {texts.percent(result.score_after)}.",
        ]
    if result.late:
        lines.append(_late(result.elapsed_s, result.time_limit_s).replace("it counts", "the follow-up credit counts"))
    return texts._fit("\n".join(lines))


def passed(result: QuestionPassed) -> str:
    """A pass on a question or a follow-up."""
    number = f"{result.position + 1}/{result.total}"
    if result.question is None:
        return f"⏭ Question {number} is no longer in the question bank, so it does not count."
    if result.follow_up:
        return f"⏭ No answer to the follow-up: question {number} counts {texts.percent(result.score)}."
    return f"⏭ Passed on question {number}: it counts 0%."


# ---- the debrief --------------------------------------------------------------------------------


def _reason(reason: Reason) -> str:
    value = texts.percent(reason.value) if reason.value is not None else ""
    match reason.code:
        case ReasonCode.AVERAGE:
            return f"Average {value} over {_plural(reason.count, 'question')}."
        case ReasonCode.STRONG_TOPIC:
            return f"Strongest topic: {html.escape(reason.subject)} ({value})."
        case ReasonCode.WEAK_TOPIC:
            return f"Weakest topic: {html.escape(reason.subject)} ({value}), a clear gap."
        case ReasonCode.CONTRADICTIONS:
            wrong = _plural(reason.count, "confidently wrong statement")
            return f"{wrong} (e.g. about {html.escape(reason.subject)}): interviewers weigh these heavily."
        case ReasonCode.RECOVERIES:
            return f"Recovered on {reason.count} of {_plural(reason.of, 'follow-up')}: you can be steered."
        case ReasonCode.NO_RECOVERIES:
            return f"No recovery on {'the follow-up' if reason.count == 1 else f'any of {reason.count} follow-ups'}."
        case ReasonCode.LATE:
            return f"{reason.count} of {_plural(reason.of, 'answer')} over the time limit."
        case ReasonCode.PASSED:
            return f"Passed on {_plural(reason.count, 'question')}."
        case ReasonCode.HINTS:
            return f"{_plural(reason.count, 'hint')} used."


def _item_line(item: ItemReport, titles: Mapping[str, str], detail: int = 2) -> str:
    """One question of the debrief; ``detail`` 2 names recovered ideas, 1 counts them, 0 also drops the quote."""
    number = item.position + 1
    topic = html.escape(titles.get(item.topic, item.topic))
    head = f"{number}. <i>{_level(item.difficulty)} · {_kind(item.kind)}</i> · {topic}"
    if not detail:
        quote = ""
    elif item.question is None:
        quote = "<i>(no longer in the bank)</i> — "
    else:
        quote = _quote(item.question.question, 70 if detail == 2 else 45) + " — "
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
            ideas = _names(item.follow_up.credited) if detail == 2 else _plural(len(item.follow_up.credited), "idea")
            parts.append(f"follow-up ✓ {ideas}" + (" (late)" if item.follow_up.late else ""))
        else:
            parts.append("follow-up ✗")
    parts.append(f"counts {texts.percent(item.final_score or 0.0)}")
    extras = []
    if item.hints_used:
        extras.append(_plural(item.hints_used, "hint"))
    if item.elapsed_s is not None:
        extras.append(duration(item.elapsed_s))
    tail = f" <i>({', '.join(extras)})</i>" if extras else ""
    return f"{head}\n   {quote}{' → '.join(parts)}{tail}"


def _step_line(number: int, next_step: NextStep, titles: Mapping[str, str]) -> str:
    q = next_step.question
    where_from = f"{html.escape(titles.get(q.topic, q.topic))}, {_level(q.difficulty)}"
    match next_step.kind:
        case StepKind.REVIEW:
            score = f", you scored {texts.percent(next_step.score)}" if next_step.score is not None else ""
            return f"{number}. Review {_quote(q.question)} ({where_from}{score}): answer it again, then compare."
        case StepKind.STRETCH:
            return f"{number}. Stretch yourself: {_quote(q.question)} ({where_from}), new to you."
        case _:
            return f"{number}. Try a new one: {_quote(q.question)} ({where_from})."


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
    limit = f" (limit {duration(result.time_limit_s)} per question)" if result.time_limit_s else ""
    lines += ["", f"💡 Hints used: {result.hints_used} · ⏱ Time: {duration(result.duration_s)}{limit}"]
    if result.next_steps:
        lines += ["", "<b>Next steps</b>", *(_step_line(i, s, titles) for i, s in enumerate(result.next_steps, 1))]
        lines.append(f"<i>{STEP_BUTTONS if buttons else CONSOLE_STEPS}</i>")
    for detail in (2, 1, 0):
        items = [_item_line(item, titles, detail) for item in result.items]
        text = "\n".join([*lines[:at], *items, *lines[at:]])
        if len(text) <= texts.MAX_MESSAGE_CHARS:
            return text
    return texts._fit(text)


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
        return NO_HISTORY
    tz = zone(result.timezone)
    lines = ["📜 <b>Your interview rounds</b>"]
    for item in result.rounds:
        when = _date(item.started_at.astimezone(tz))
        what = f"{html.escape(_title(item.topic, titles))}, {_level(item.level)}"
        if item.status is RoundStatus.ACTIVE:
            lines.append(f"• {when} · {what} · in progress, {item.answered}/{item.total}")
            continue
        ended = " (ended early)" if item.status is RoundStatus.CANCELLED else ""
        score = texts.percent(item.score) if item.score is not None else "—"
        verdict = VERDICT_NAMES[item.verdict] if item.verdict else "no verdict"
        lines.append(f"• {when} · {what} · {item.answered}/{item.total}{ended} · {score} · {verdict}")
    return texts._fit("\n".join(lines))


def _date(moment: datetime) -> str:
    return f"{moment:%d %b %Y %H:%M}"


def time_limit(result: TimeLimitSet, *, changed: bool) -> str:
    """The time limit, after /timelimit with or without a value."""
    if result.seconds is None:
        text = "⏱ No time limit: take your time on each question." if changed else "⏱ Your rounds have no time limit."
    else:
        text = f"⏱ Time limit: {duration(result.seconds)} per question."
        text += f" Later answers still count, but only {texts.percent(LATE_FACTOR)}."
    if changed and result.in_round:
        text += " It applies from your next round; the one in progress keeps its own."
    return text if changed else f"{text}\n{TIME_LIMIT_USAGE}"


def bad_time_limit(result: InvalidSetting) -> str:
    """/timelimit with a value that cannot be used."""
    return f"I could not use “{html.escape(result.value[:32])}” as a time limit.\n{TIME_LIMIT_USAGE}"
