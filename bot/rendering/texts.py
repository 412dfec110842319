"""Every word the user reads, in one place, as Telegram HTML (``plain()`` strips it for the console).

Renderers take the core's result objects and return one message each, never longer than
Telegram's 4,096 characters. Anything the user typed (quoted back in feedback) and anything
from the bank is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain.conversation import ConfirmationExpired
from bot.domain.daily import AdminStats
from bot.domain.grading import Grade, Verdict
from bot.domain.models import Question
from bot.domain.practice import (
    MAX_ANSWER_CHARS,
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    Stats,
    UnknownTopic,
)

MAX_MESSAGE_CHARS = 4096
"""Telegram's limit on one message's text."""
MAX_QUOTE_CHARS = 160
BAR_CELLS = 10


@dataclass(frozen=True, slots=True)
class Command:
    """A command as /help, the console's help and Telegram's command menu show it, and where it works."""

    name: str
    description: str
    telegram: bool = True
    """Telegram answers it: it is in /help and in the command menu (``setMyCommands``)."""
    console: bool = True
    """The console answers it: it is in the console's /help."""


COMMAND_TABLE: tuple[Command, ...] = (
    Command("start", "Start here: how the interviewer works"),
    Command("help", "All commands"),
    Command("question", "A new question (optionally: /question <topic>)"),
    Command("next", "Same as /question"),
    Command("topics", "Choose topics and difficulty"),
    Command("hint", "A hint for the open question"),
    Command("answer", "Give up and see the model answer"),
    Command("skip", "Skip the open question"),
    Command("retry", "Try the last question again"),
    Command("stats", "Your progress"),
    Command("interview", "A mock interview round (e.g. /interview 5 metrics hard)"),
    Command("pass", "Pass on the interview round's question", telegram=False),
    Command("history", "Your past interview rounds"),
    Command("timelimit", "The round's time per question (e.g. /timelimit 90, or off)"),
    Command("review", "Practise a question from the last debrief (e.g. /review 1)", telegram=False),
    Command("mydecks", "Your own decks (send a .csv, .md or .yaml file of questions to add one)", console=False),
    Command("subscribe", "A daily question at your time (e.g. /subscribe 08:30 Europe/Berlin)", console=False),
    Command("unsubscribe", "Stop the daily question", console=False),
    Command("settings", "Your settings: daily time, time zone, days, topics"),
    Command("delete_me", "Delete all your data"),
    Command("cancel", "Cancel what is in progress"),
    Command("quit", "Leave the console", telegram=False),
)
"""Every command of both front ends, in the order /help and the command menu list them.

Telegram's /help and its menu are the ``telegram`` ones, the console's /help the ``console``
ones plus a line naming those that need a chat. Where Telegram has buttons the console has
commands (/pass, /review); ``tests`` check that each front end answers exactly its commands."""
TELEGRAM_COMMANDS = tuple(command for command in COMMAND_TABLE if command.telegram)
"""/help and the command menu (``setMyCommands``) in Telegram."""
CONSOLE_COMMANDS = tuple(command for command in COMMAND_TABLE if command.console)
TELEGRAM_ONLY_COMMANDS = frozenset(command.name for command in COMMAND_TABLE if not command.console)
"""Commands the console has no use for: it has no chat to push daily questions to or take files from."""

# ---- buttons -------------------------------------------------------------------------------

BUTTON_NEXT = "➡️ Next question"
BUTTON_HINT = "💡 Hint"
BUTTON_RETRY = "🔁 Retry"
BUTTON_MODEL = "📘 Show model answer"
BUTTON_ANSWER_THIS = "🔁 Answer this one instead"
BUTTON_DELETE_YES = "Yes, delete everything"
BUTTON_DELETE_NO = "No, keep my data"
LEVEL_NAMES = {1: "Easy", 2: "Medium", 3: "Hard"}

# ---- fixed messages ------------------------------------------------------------------------

WELCOME = (
    "👋 <b>Hi{name}! I am your mock ML interviewer.</b>\n"
    "1. I ask an interview question (/question, or pick topics with /topics).\n"
    "2. You answer in your own words; /hint helps, at a small cost to the best score.\n"
    "3. I grade which key ideas you covered and missed, and show a model answer. /help lists everything."
)
WELCOME_BACK = "👋 Welcome back{name}! Send /question for a new question or /help for all commands."
TELEGRAM_ONLY = "{command} works in Telegram only. Here, /help lists what the console can do."


def help_text(commands: Iterable[Command]) -> str:
    """/help: how it works and the commands."""
    return (
        "<b>How it works</b>\n"
        "I ask a question, you answer in a normal message, I grade it by the key ideas it covers.\n\n"
        "<b>Commands</b>\n"
        + "\n".join(f"/{command.name} — {html.escape(command.description)}" for command in commands)
        + "\n\nYour answers and progress are kept so questions you find hard come back sooner."
    )


HELP = help_text(TELEGRAM_COMMANDS) + (
    "\n\n👥 Studying with others? Add me to your group: a question for everyone, answers by reply, "
    "and a /leaderboard (/help in the group says how)."
)
CONSOLE_HELP = (
    help_text(CONSOLE_COMMANDS)
    + "\n\nTelegram only, because they need a chat: "
    + ", ".join(f"/{command.name}" for command in COMMAND_TABLE if not command.console)
    + ". Study groups (a question for a group chat, answers by reply, /leaderboard) need Telegram too: "
    "add the bot to a group there."
)
NUDGE_NO_QUESTION = "There is no open question right now. Send /question to get one, or /help to see what I can do."
NO_OPEN_QUESTION = "There is no open question. Send /question to get one."
STALE_BUTTON = "That question is no longer open. Send /question for a new one."
NOTHING_TO_RETRY = "There is no earlier question to retry yet. Send /question to get one."
UNKNOWN_COMMAND = "I don't know the command {command}. Send /help to see the commands I understand."
UNSUPPORTED_MESSAGE = "I can only read text answers, not {kind}. Please type your answer as a message."
EDITED_MESSAGE = (
    "I saw you edited a message, but answers are graded as first sent. To answer again, press Retry or send /question."
)
CANCELLED = "Cancelled. Nothing is pending now."
CANCELLED_NOTHING = "Nothing to cancel."
DELETE_CONFIRM = (
    "⚠️ This deletes <b>all</b> your data: settings, answers, scores and review schedule, and your answers "
    "and places in study groups. It cannot be undone.\n"
    "Are you sure?"
)
DELETED = "🗑 Done: all your data is deleted ({rows} records). Send /start if you want to begin again."
DELETE_EXPIRED = (
    "⌛ That confirmation has expired, so nothing was deleted. Send /delete_me again if you still want to "
    "delete everything."
)
DELETE_KEPT = "OK, nothing was deleted."
DAILY_IN_ROUND = (
    "⏸ You are in a mock interview round, so your messages answer the round until it ends "
    "(its debrief, or /cancel). This question waits for you until then."
)
UNKNOWN_BUTTON = "This button is not recognised. It may be from an old version of the bot."
ERROR_APOLOGY = "😔 Sorry, something went wrong on my side. Please try again in a moment."
SLOW_DOWN = (
    "🐢 Slow down, please: your messages arrive faster than I can grade them. "
    "I skipped the last few; wait a few seconds, then send your answer again."
)
BAD_ARGUMENT = "I could not understand {argument}. {usage}"
QUESTION_USAGE = "Usage: /question or /question <topic>, e.g. /question metrics. /topics lists the topics."
TRIMMED = "✂️ Your answer was long, so only the first {limit} characters were graded and kept."
CONSOLE_INTRO = "ML mock interviewer (console). Type /question to begin, /help for commands, Ctrl-D to quit."
CONSOLE_BYE = "Bye!"
CONSOLE_NEXT = "Next: /next · Retry: /retry · Stats: /stats"
"""Under feedback in the console, where the bot has buttons."""


def welcome(first_name: str, *, is_new: bool) -> str:
    """The /start greeting."""
    name = f", {html.escape(first_name)}" if first_name else ""
    return (WELCOME if is_new else WELCOME_BACK).format(name=name)


def unknown_command(command: str) -> str:
    """Reply to a command the bot does not have."""
    return UNKNOWN_COMMAND.format(command=html.escape(command[:64]))


def unsupported(kind: str) -> str:
    """Reply to a sticker, photo, voice note or file."""
    return UNSUPPORTED_MESSAGE.format(kind=kind)


def deleted(result: int | ConfirmationExpired) -> str:
    """After /delete_me was confirmed: how many records went, or that the Yes had expired."""
    return DELETE_EXPIRED if isinstance(result, ConfirmationExpired) else DELETED.format(rows=result)


# ---- the loop ------------------------------------------------------------------------------


def asked(result: Asked | UnknownTopic | EmptyPool | NothingToRetry) -> str:
    """A new question, or why there is none."""
    match result:
        case Asked():
            return question(result, result.topic_title)
        case UnknownTopic():
            return unknown_topic(result)
        case EmptyPool():
            return empty_pool(result)
        case NothingToRetry():
            return NOTHING_TO_RETRY


def hint_reply(result: HintGiven | NoMoreHints | NoOpenQuestion) -> str:
    """/hint in practice."""
    match result:
        case HintGiven():
            return hint(result)
        case NoMoreHints():
            return no_more_hints(result)
        case NoOpenQuestion():
            return NO_OPEN_QUESTION


def skipped_reply(result: Skipped | NoOpenQuestion) -> str:
    """/skip in practice."""
    return skipped(result) if isinstance(result, Skipped) else NO_OPEN_QUESTION


def cancelled(result: Skipped | NoOpenQuestion) -> str:
    """/cancel outside a round."""
    return CANCELLED if isinstance(result, Skipped) else CANCELLED_NOTHING


def question(asked: Asked, topic_title: str) -> str:
    """A newly asked question."""
    q = asked.question
    lines = []
    if asked.replaced is not None:
        lines.append("<i>(The previous question was skipped.)</i>")
    level = LEVEL_NAMES.get(q.difficulty, str(q.difficulty))
    repeat = " · review" if asked.is_repeat else ""
    lines.append(f"🎯 <b>{html.escape(topic_title)}</b> · {level}{repeat}")
    lines.append("")
    lines.append(html.escape(q.question))
    lines.append("")
    hints = f"{asked.hints_total} hint{'s' if asked.hints_total != 1 else ''} available" if asked.hints_total else ""
    hints = f"{hints} (/hint). " if hints else ""
    lines.append(f"<i>Answer in your own words. {hints}/skip or /answer to give up.</i>")
    return fit("\n".join(lines))


def hint(given: HintGiven) -> str:
    """One hint and its cost."""
    return fit(
        f"💡 <b>Hint {given.index}/{given.total}:</b> {html.escape(given.text)}\n"
        f"<i>Best reachable score now: {percent(given.max_score_now)}.</i>"
    )


def no_more_hints(result: NoMoreHints) -> str:
    """Every hint was used."""
    if result.total == 0:
        return "This question has no hints. Give it your best shot, or /answer to see the model answer."
    return f"That was the last hint ({result.total}/{result.total}). Try an answer, or /answer to see the model answer."


def unknown_topic(result: UnknownTopic) -> str:
    """A topic the user's bank and decks do not have; the valid ones come with the result."""
    valid = ", ".join(result.valid)
    return fit(f"I have no topic “{html.escape(result.topic[:64])}”. Topics: {html.escape(valid)}.")


def empty_pool(result: EmptyPool) -> str:
    """No question matches the user's choice."""
    level = f" at level {LEVEL_NAMES.get(result.difficulty, '?')}" if result.difficulty else ""
    return f"No question matches your topics{level}. Change them with /topics."


_REVEALED_HEAD = "📘 <b>Model answer</b> (counted as given up; this question will come back soon)\n\n"


def model_answer(question: Question) -> str:
    """A question's model answer alone, escaped, with room left for a heading."""
    return clip_escaped(question.model_answer, MAX_MESSAGE_CHARS - len(_REVEALED_HEAD) - 10)


def revealed(result: Revealed) -> str:
    """The model answer after giving up."""
    return _REVEALED_HEAD + model_answer(result.question)


def skipped(result: Skipped) -> str:
    """The open question was skipped."""
    return "⏭ Skipped. It will come back later. Send /question for the next one."


def percent(value: float) -> str:
    """0.625 -> '62%'."""
    return f"{int(value * 100 + 1e-9)}%"


def score_bar(value: float, cells: int = BAR_CELLS) -> str:
    """A bar like ▰▰▰▰▰▰▱▱▱▱ 62%."""
    filled = max(0, min(cells, round(value * cells)))
    return "▰" * filled + "▱" * (cells - filled) + f" {percent(value)}"


VERDICTS = {
    Verdict.STRONG: "💪 Strong answer",
    Verdict.PARTIAL: "👍 Partly there",
    Verdict.WEAK: "🤏 Weak answer",
    Verdict.OFF_TOPIC: "🤔 Off topic",
}
NOTES = {
    # The question is closed by then: the Hint button under the feedback asks it again with a clue.
    "no-answer": f"No real answer there: press {BUTTON_HINT} to try it again with a clue; the model answer is below.",
    "keyword-list": "A bare list of terms scores lower: explain how the ideas connect.",
    "echo": "Words copied from the question earn nothing.",
    "opposite-reply": "You answered yes where the model answer says no, or the other way round.",
}
CONSOLE_NOTES = {
    **NOTES,
    "no-answer": "No real answer there: /retry asks it again and /hint then gives a clue; the model answer is below.",
}
"""The console has no buttons: its notes name commands."""


def feedback(result: Feedback, *, console: bool = False, with_model: bool = True) -> str:
    """The graded answer: score, verdict, covered (quoting the user), missed, contradicted, model answer
    (left out ``with_model=False``: a study group's question still open). ``console``: notes name commands."""
    grade = result.grade
    head = _feedback_head(result, CONSOLE_NOTES if console else NOTES)
    body = _concept_lines(grade)
    if not with_model:
        return fit(head + body)
    model = "\n📘 <b>Model answer</b>\n"
    budget = MAX_MESSAGE_CHARS - len(head) - len(body) - len(model) - 2
    if budget < 200:  # very long quotes: drop them rather than the model answer
        body = _concept_lines(grade, quotes=False)
        budget = MAX_MESSAGE_CHARS - len(head) - len(body) - len(model) - 2
    return fit(head + body + model + clip_escaped(result.question.model_answer, budget))


def _feedback_head(result: Feedback, notes: Mapping[str, str]) -> str:
    grade = result.grade
    lines = [f"<b>{score_bar(grade.score)}</b> · {VERDICTS[grade.verdict]}"]
    if result.hints_used:
        lines.append(
            f"<i>{result.hints_used} hint{'s' if result.hints_used != 1 else ''} used: "
            f"best reachable was {percent(grade.max_score)}.</i>"
        )
    if result.best_score_before is not None:
        best = percent(result.best_score_before)
        lines.append(f"<i>Attempt {result.attempts_on_question}; your best before: {best}.</i>")
    if result.truncated:
        lines.append(TRIMMED.format(limit=MAX_ANSWER_CHARS))
    lines.extend(f"<i>{notes[note]}</i>" for note in grade.notes if note in notes)
    return "\n".join(lines) + "\n"


def _concept_lines(grade: Grade, *, quotes: bool = True) -> str:
    lines: list[str] = []
    if grade.covered:
        lines.append("\n✅ <b>Covered</b>")
        for c in grade.covered:
            said = f" — you said “{clip_escaped(c.quote, MAX_QUOTE_CHARS)}”" if quotes and c.quote else ""
            lines.append(f"• {html.escape(c.name)}{said}")
    missed = [name for name in grade.missed if name not in {c.name for c in grade.contradicted}]
    if missed:
        lines.append("\n❌ <b>Missed</b>")
        lines.extend(f"• {html.escape(name)}" for name in missed)
    if grade.contradicted:
        lines.append("\n⚠️ <b>Contradicted</b>")
        for c in grade.contradicted:
            said = f" — you said “{clip_escaped(c.quote, MAX_QUOTE_CHARS)}”" if quotes and c.quote else ""
            lines.append(f"• {html.escape(c.name)}{said}")
    return "\n".join(lines) + "\n"


def stats(result: Stats) -> str:
    """Progress: answers, average, streak, per topic, weakest."""
    if result.answered == 0 and result.given_up == 0:
        return "📊 No answers yet. Send /question to start."
    average = percent(result.average_score) if result.average_score is not None else "—"
    lines = [
        "📊 <b>Your progress</b>",
        f"Answered: {result.answered} · given up: {result.given_up}",
        f"Average score: {average}",
        f"Streak: {result.streak_days} day{'s' if result.streak_days != 1 else ''}",
        "",
        "<b>By topic</b>",
    ]
    for t in result.per_topic:
        avg = percent(t.average) if t.average is not None else "—"
        lines.append(f"• {html.escape(t.title)}: {t.questions_seen}/{t.questions_total} seen, average {avg}")
    if result.weakest_topics:
        weakest = ", ".join(html.escape(t.title) for t in result.weakest_topics)
        lines += ["", f"<b>Work on:</b> {weakest}"]
    return fit("\n".join(lines))


def daily_question(asked: Asked, topic_title: str) -> str:
    """The pushed question of the day: the same as /question, with its own header."""
    return fit("☀️ <b>Your daily interview question</b>\n" + question(asked, topic_title))


def daily_other_open(other: Question) -> str:
    """Under a daily question re-sent late (its first run died) to a user who has opened another since."""
    return (
        f"⚠️ This question was delayed, and meanwhile you opened another one: "
        f"“{clip_escaped(other.question, 120)}”. A plain reply still answers that one. "
        f"To answer this one instead, press {BUTTON_ANSWER_THIS}."
    )


def admin(result: AdminStats) -> str:
    """The admin view."""
    return (
        "🛠 <b>Admin</b>\n"
        f"Users: {result.users} · active this week: {result.active_this_week}\n"
        f"Subscribers: {result.subscribers} · due now: {result.due_now}\n"
        f"Pushes today (UTC): {result.sent_today} sent, {result.failed_today} failed, "
        f"{result.blocked_today} blocked, {result.skipped_today} skipped (too late)"
    )


# ---- helpers ---------------------------------------------------------------------------------

_TAG = re.compile(r"</?(?:b|i|u|s|code|pre|a)(?:\s[^>]*)?>")


def plain(text: str) -> str:
    """The message as plain text: tags removed, entities unescaped (for the console)."""
    return html.unescape(_TAG.sub("", text))


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def clip_escaped(text: str, limit: int) -> str:
    """HTML-escaped and at most ``limit`` characters long *after* escaping."""
    cut = limit
    while cut > 0:
        escaped = html.escape(_clip(text, cut))
        if len(escaped) <= limit:
            return escaped
        cut -= max(1, len(escaped) - limit)
    return ""


def fit(text: str) -> str:
    """A last guard: never more than Telegram's limit (cut at a line so no tag is split)."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    lines: Sequence[str] = text.split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > MAX_MESSAGE_CHARS - 2:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + "\n…"
