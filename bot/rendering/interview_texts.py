"""Every word of the mock interview, as Telegram HTML (``texts.plain()`` strips it for the console).

The companion of ``bot.rendering.texts`` for ``bot.services.interview``: renderers take the core's result
objects and return one message each, never longer than Telegram's limit. Anything from the
bank and anything the user typed is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.domain.interview.results import (
    AlreadyInRound,
    AnswerGraded,
    AskedInRound,
    BadRoundArgs,
    FollowUpAsked,
    FollowUpGraded,
    NoHintOnFollowUp,
    QuestionPassed,
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
)
from bot.domain.practice import MAX_ANSWER_CHARS, NoMoreHints
from bot.domain.users import InvalidSetting
from bot.rendering import texts

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


def plural(count: int, word: str) -> str:
    """'1 question', '3 questions'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def level_name(level: int) -> str:
    """'Easy', 'Medium', 'Hard'."""
    return LEVEL_NAMES.get(level, str(level))


def kind_name(kind: str) -> str:
    """A question kind as people say it ('case study')."""
    return KIND_NAMES.get(kind, kind)


def topic_name(topic: str | None, titles: Mapping[str, str]) -> str:
    """A round's topic title, or 'mixed topics'."""
    return "mixed topics" if topic is None else titles.get(topic, topic)


def quote(text: str, limit: int = QUESTION_CLIP) -> str:
    """Bank or user text, escaped and clipped, in quotes."""
    return f"“{texts.clip_escaped(text, limit)}”"


def names(items: tuple[str, ...] | list[str]) -> str:
    """Concept names, escaped, separated by semicolons."""
    return "; ".join(html.escape(name) for name in items)


def spec_line(spec: RoundSpec, titles: Mapping[str, str]) -> str:
    """'5 questions · mixed topics · Medium'."""
    title = html.escape(topic_name(spec.topic, titles))
    return f"{plural(spec.length, 'question')} · {title} · {level_name(spec.level)}"


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
    return texts.fit(f"I could not use “{argument}”: {problem}.\n{INTERVIEW_USAGE}{topics}")


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
        f"{level_name(q.difficulty)} · {kind_name(q.kind.value)}"
    ]
    clock = _clock(step.time_limit_s, step.seconds_left)
    if clock:
        lines.append(clock)
    lines += ["", html.escape(q.question), ""]
    hints = f"/hint ({step.hints_total - step.hints_used} left) lowers the best score a little; " if q.hints else ""
    lines.append(f"<i>Answer in your own words. {hints}Pass moves on; /cancel ends the round with a debrief.</i>")
    return texts.fit("\n".join(lines))


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
    return texts.fit("\n".join(lines))


def step(current: RoundStep, titles: Mapping[str, str]) -> str:
    """The current question or follow-up."""
    return round_question(current, titles) if isinstance(current, AskedInRound) else follow_up(current)


def hint(result: RoundHint) -> str:
    """A hint during a round."""
    return texts.fit(
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
            f"<i>{plural(result.hints_used, 'hint')} used: best reachable {texts.percent(grade.max_score)}.</i>"
        )
    if result.truncated:
        lines.append(texts.TRIMMED.format(limit=MAX_ANSWER_CHARS))
    lines.extend(f"<i>{texts.NOTES[note]}</i>" for note in grade.notes if note in texts.NOTES and note != "no-answer")
    if grade.covered:
        lines.append(f"✅ Covered: {names([c.name for c in grade.covered])}")
    wrong = {c.name for c in grade.contradicted}
    if grade.contradicted:
        said = "; ".join(
            f"{html.escape(c.name)} (you said {quote(c.quote, texts.MAX_QUOTE_CHARS)})" for c in grade.contradicted
        )
        lines.append(f"⚠️ Wrong: {said}")
    missed = [name for name in grade.missed if name not in wrong]
    if missed and not result.follow_up_coming:
        lines.append(f"❌ Missed: {names(missed)}")
    if result.late:
        lines.append(_late(result.elapsed_s, result.time_limit_s))
    if result.follow_up_coming:
        lines.append("<i>One follow-up on that:</i>")
    return texts.fit("\n".join(lines))


def follow_up_feedback(result: FollowUpGraded) -> str:
    """Feedback on a follow-up answer: which missed ideas it recovered."""
    number = result.position + 1
    if result.credited:
        gained = texts.percent(result.score_after - result.score_before)
        lines = [
            f"✅ <b>Follow-up</b>: you got there: {names(result.credited)}.",
            f"Question {number} now counts {texts.percent(result.score_after)} "
            f"(was {texts.percent(result.score_before)}, +{gained}).",
        ]
        still = [name for name in result.concepts if name not in result.credited]
        if still:
            lines.append(f"❌ Still missing: {names(still)}")
    else:
        lines = [
            f"❌ <b>Follow-up</b>: not quite. The point was {names(result.concepts)}.",
            f"Question {number} counts {texts.percent(result.score_after)}.",
        ]
    if result.late:
        lines.append(_late(result.elapsed_s, result.time_limit_s).replace("it counts", "the follow-up credit counts"))
    return texts.fit("\n".join(lines))


def passed(result: QuestionPassed) -> str:
    """A pass on a question or a follow-up."""
    number = f"{result.position + 1}/{result.total}"
    if result.question is None:
        return f"⏭ Question {number} is no longer in the question bank, so it does not count."
    if result.follow_up:
        return f"⏭ No answer to the follow-up: question {number} counts {texts.percent(result.score)}."
    return f"⏭ Passed on question {number}: it counts 0%."


# ---- the time limit ---------------------------------------------------------------------------


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
