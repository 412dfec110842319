"""Telegram handlers for mock interviews: /interview, /history, /timelimit and the ``iv:`` buttons.

Thin like ``handlers``: parse the update, call ``Interviews``, render with
``bot.rendering.interview_texts``, reply. ``register`` adds the commands and the button handler; the
composition root calls it. The practice handlers call the ``route_*`` functions first, so
free text, /hint, /cancel and /question go to the round while one is in progress.

Callback data is ``iv:`` + an action and round, position or question ids, never a user:
the service looks every id up together with the presser's own user id, so a forged button
can only ever act on the presser's own round. Charts are rendered in a worker process
(``bot.telegram_app.chart_worker``): the event loop keeps serving other users meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.domain.interview.arguments import parse_round_args, parse_time_limit
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    AnswerGraded,
    AskedInRound,
    BadRoundArgs,
    Debrief,
    FollowUpGraded,
    NoActiveRound,
    NoHintOnFollowUp,
    QuestionPassed,
    RoundEnded,
    RoundHint,
    RoundSpec,
    RoundStarted,
    RoundStep,
)
from bot.domain.interview.rules import LENGTH_CHOICES, LEVELS, MAX_LENGTH, MIN_LENGTH
from bot.domain.practice import Asked, EmptyPool, Feedback, NoMoreHints, NoOpenQuestion, Stats, UnknownTopic, topic_id
from bot.domain.users import InvalidSetting
from bot.rendering import interview_texts as itexts
from bot.rendering import texts
from bot.rendering.charts import ChartLabels, TopicBar
from bot.services.interviews import Interviews
from bot.telegram_app.chart_worker import render_in_worker
from bot.telegram_app.keyboards import question_keyboard
from bot.telegram_app.replies import chat_id, send_rich, sender

logger = logging.getLogger(__name__)

INTERVIEWS_KEY = "interviews"
"""``application.bot_data`` key of the ``Interviews`` service (set by the composition root)."""
CALLBACK_PREFIX = "iv"
CALLBACK_PATTERN = rf"^{CALLBACK_PREFIX}:"
MAX_CALLBACK_BYTES = 64
MAX_ID = 2**31 - 1
"""Round ids are 32-bit integers: larger numbers in forged data are refused before the database."""
TOPICS_PER_ROW = 2

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the interview commands and buttons; call before the general button handler is added."""
    application.add_handler(CommandHandler("interview", interview_command))
    application.add_handler(CommandHandler("history", history_command))
    application.add_handler(CommandHandler("timelimit", timelimit_command))
    # Only "iv:" data: every other button still reaches handlers.button, registered after this.
    application.add_handler(CallbackQueryHandler(interview_button, pattern=CALLBACK_PATTERN))


# ---- helpers ------------------------------------------------------------------------------------


def _interviews(context: Context) -> Interviews:
    return cast(Interviews, context.bot_data[INTERVIEWS_KEY])


def _data(*parts: object) -> str:
    return ":".join((CALLBACK_PREFIX, *(str(part) for part in parts)))


def _fits(data: str) -> bool:
    return len(data.encode()) <= MAX_CALLBACK_BYTES


def _number(text: str) -> int | None:
    """A non-negative id from callback data, or None (junk or out of range)."""
    if not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


# ---- keyboards ----------------------------------------------------------------------------------


def options_keyboard(spec: RoundSpec, titles: dict[str, str]) -> InlineKeyboardMarkup:
    """Length, topic (or mixed) and level, each button carrying the whole choice; then Start."""
    topic = spec.topic or "*"

    def mark(chosen: bool, label: str) -> str:
        return ("✅ " if chosen else "") + label

    lengths = [
        InlineKeyboardButton(
            mark(n == spec.length, itexts.BUTTON_LENGTH.format(n=n)), callback_data=_data("o", n, topic, spec.level)
        )
        for n in sorted({*LENGTH_CHOICES, spec.length})
    ]
    topic_buttons = [
        InlineKeyboardButton(
            mark(spec.topic is None, itexts.BUTTON_MIXED), callback_data=_data("o", spec.length, "*", spec.level)
        )
    ]
    topic_buttons += [
        InlineKeyboardButton(mark(spec.topic == topic_id, title), callback_data=data)
        for topic_id, title in titles.items()
        if _fits(data := _data("o", spec.length, topic_id, spec.level)) and _fits(_data("go", spec.length, topic_id, 3))
    ]
    levels = [
        InlineKeyboardButton(
            mark(level == spec.level, itexts.LEVEL_NAMES[level]), callback_data=_data("o", spec.length, topic, level)
        )
        for level in LEVELS
    ]
    rows = [lengths]
    rows += [topic_buttons[i : i + TOPICS_PER_ROW] for i in range(0, len(topic_buttons), TOPICS_PER_ROW)]
    rows.append(levels)
    rows.append([InlineKeyboardButton(itexts.BUTTON_START, callback_data=_data("go", spec.length, topic, spec.level))])
    return InlineKeyboardMarkup(rows)


def step_keyboard(step: RoundStep) -> InlineKeyboardMarkup:
    """Under a round's question: Hint (if any left) and Pass; under a follow-up: Pass; always End."""
    row: list[InlineKeyboardButton] = []
    if isinstance(step, AskedInRound):
        if step.hints_used < step.hints_total:
            row.append(InlineKeyboardButton(itexts.BUTTON_HINT, callback_data=_data("h", step.round_id, step.position)))
        row.append(
            InlineKeyboardButton(itexts.BUTTON_PASS, callback_data=_data("p", step.round_id, step.position, "q"))
        )
    else:
        row.append(
            InlineKeyboardButton(itexts.BUTTON_PASS, callback_data=_data("p", step.round_id, step.position, "f"))
        )
    end = [InlineKeyboardButton(itexts.BUTTON_END, callback_data=_data("end", step.round_id))]
    return InlineKeyboardMarkup([row, end])


def leave_keyboard(step: RoundStep, topic: str | None) -> InlineKeyboardMarkup:
    """Leave the round (then the practice question, from ``topic`` if it fits) or stay."""
    leave = _data("leave", step.round_id, topic) if topic else _data("leave", step.round_id)
    if not _fits(leave):
        leave = _data("leave", step.round_id)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(itexts.BUTTON_LEAVE, callback_data=leave),
                InlineKeyboardButton(itexts.BUTTON_STAY, callback_data=_data("stay", step.round_id)),
            ]
        ]
    )


def debrief_keyboard(debrief: Debrief) -> InlineKeyboardMarkup:
    """One button per next step (opens it as a practice question), then a new round."""
    steps = [
        InlineKeyboardButton(itexts.button_review(number), callback_data=data)
        for number, step in enumerate(debrief.next_steps, 1)
        if _fits(data := _data("rev", step.question.id))
    ]
    rows = [steps] if steps else []
    rows.append([InlineKeyboardButton(itexts.BUTTON_NEW_ROUND, callback_data=_data("new"))])
    return InlineKeyboardMarkup(rows)


# ---- sending ------------------------------------------------------------------------------------


def _titles(update: Update, context: Context) -> Mapping[str, str]:
    """Topic titles to show this user: the bank's and their own decks' (no query)."""
    return _interviews(context).practice.known_topics(sender(update).id)


async def _topics(update: Update, context: Context) -> dict[str, str]:
    """The topics this user can start a round on: the bank's, then their private decks'."""
    return await _interviews(context).practice.topics_of(sender(update))


async def _send_step(update: Update, context: Context, step: RoundStep) -> None:
    titles = _titles(update, context)
    await send_rich(update, context, itexts.step(step, titles), step_keyboard(step))


async def _send_answered(update: Update, context: Context, result: Answered) -> None:
    graded = result.graded
    match graded:
        case AnswerGraded():
            await send_rich(update, context, itexts.answer_feedback(graded))
        case FollowUpGraded():
            await send_rich(update, context, itexts.follow_up_feedback(graded))
        case QuestionPassed():
            await send_rich(update, context, itexts.passed(graded))
    if isinstance(result.next, Debrief):
        await _send_debrief(update, context, result.next)
    else:
        await _send_step(update, context, result.next)


async def _send_debrief(update: Update, context: Context, debrief: Debrief) -> None:
    """The debrief, then its chart as a photo (skipped if nothing was answered or rendering fails)."""
    titles = _titles(update, context)
    await send_rich(update, context, itexts.debrief(debrief, titles), debrief_keyboard(debrief))
    if debrief.answered == 0:
        return
    bars = [TopicBar(t.title, t.round_score, t.all_time) for t in debrief.per_topic]
    await _send_chart(update, context, bars, itexts.debrief_chart_labels(), itexts.chart_caption(debrief))


async def _send_chart(
    update: Update, context: Context, bars: list[TopicBar], labels: ChartLabels, caption: str
) -> None:
    await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_PHOTO)
    try:
        png = await render_in_worker(bars, labels)
    except Exception:  # a chart is a bonus: the text already went, so log and carry on
        logger.exception("Could not render a chart")
        return
    await context.bot.send_photo(chat_id(update), png, caption=caption)


async def send_stats_chart(update: Update, context: Context, stats: Stats) -> None:
    """/stats, after its text: the all-time average per topic as a chart (none before any answer)."""
    bars = [TopicBar(t.title, None, t.average) for t in stats.per_topic if t.average is not None]
    if bars:
        await _send_chart(update, context, bars, itexts.stats_chart_labels(), itexts.STATS_CHART_CAPTION)


async def _start(update: Update, context: Context, spec: RoundSpec) -> None:
    interviews = _interviews(context)
    result = await interviews.start(sender(update), spec)
    titles = _titles(update, context)
    match result:
        case RoundStarted():
            await send_rich(update, context, itexts.started(result, titles))
            await _send_step(update, context, result.first)
        case AlreadyInRound():
            await send_rich(update, context, itexts.already_in_round(result))
            await _send_step(update, context, result.step)
        case UnknownTopic():
            await send_rich(update, context, texts.unknown_topic(result))
        case EmptyPool():
            await send_rich(update, context, texts.empty_pool(result))


# ---- commands -----------------------------------------------------------------------------------


async def interview_command(update: Update, context: Context) -> None:
    """/interview [n] [topic|mixed] [level]: start a round; alone, a keyboard of options."""
    interviews = _interviews(context)
    args = context.args or []
    if not args:
        step = await interviews.current(sender(update))
        if step is not None:
            await send_rich(update, context, itexts.already_in_round(AlreadyInRound(step)))
            await _send_step(update, context, step)
            return
        spec = RoundSpec()
        titles = await _topics(update, context)
        await send_rich(update, context, itexts.options(spec, titles), options_keyboard(spec, titles))
        return
    titles = await _topics(update, context)  # also touches the user, as every command does
    parsed = parse_round_args(args, titles)
    if isinstance(parsed, BadRoundArgs):
        await send_rich(update, context, itexts.bad_args(parsed, titles))
        return
    await _start(update, context, parsed)


async def history_command(update: Update, context: Context) -> None:
    """/history: past rounds with date, score and verdict."""
    interviews = _interviews(context)
    history = await interviews.history(sender(update))
    await send_rich(update, context, itexts.history(history, _titles(update, context)))


async def timelimit_command(update: Update, context: Context) -> None:
    """/timelimit [seconds|off]: show or set the per-question time limit of interview rounds."""
    interviews = _interviews(context)
    args = context.args or []
    if not args:
        await send_rich(update, context, itexts.time_limit(await interviews.time_limit(sender(update)), changed=False))
        return
    value = parse_time_limit(" ".join(args)[:32])
    if isinstance(value, InvalidSetting):
        await interviews.time_limit(sender(update))
        await send_rich(update, context, itexts.bad_time_limit(value))
        return
    result = await interviews.set_time_limit(sender(update), value)
    if isinstance(result, InvalidSetting):
        await send_rich(update, context, itexts.bad_time_limit(result))
    else:
        await send_rich(update, context, itexts.time_limit(result, changed=True))


# ---- routing from the practice handlers --------------------------------------------------------


async def answer_text(update: Update, context: Context, text: str) -> Feedback | NoOpenQuestion | None:
    """Free text: sent here as the answer to the round's question or follow-up (None), or the
    practice result (graded feedback, or no open question) for the caller to send."""
    result = await _interviews(context).answer_any(sender(update), text)
    if isinstance(result, Answered):
        await _send_answered(update, context, result)
        return None
    return result


async def route_hint(update: Update, context: Context) -> bool:
    """/hint: a hint on the round's question. False when no round is running."""
    result = await _interviews(context).hint(sender(update))
    if isinstance(result, NoActiveRound):
        return False
    await _send_round_hint(update, context, result)
    return True


async def _send_round_hint(
    update: Update, context: Context, result: RoundHint | NoMoreHints | NoHintOnFollowUp
) -> None:
    match result:
        case RoundHint():
            await send_rich(update, context, itexts.hint(result))
        case NoMoreHints():
            await send_rich(update, context, itexts.no_more_hints(result))
        case NoHintOnFollowUp():
            await send_rich(update, context, itexts.no_hint_on_follow_up())


async def route_pass(update: Update, context: Context) -> bool:
    """/skip or /answer during a round: pass on its current question or follow-up (it counts 0,
    as the Pass button does). False when no round is running."""
    result = await _interviews(context).pass_question(sender(update))
    if isinstance(result, NoActiveRound):
        return False
    await _send_answered(update, context, result)
    return True


async def route_cancel(update: Update, context: Context) -> bool:
    """/cancel: end the round with a partial debrief. False when no round is running."""
    result = await _interviews(context).cancel(sender(update))
    if isinstance(result, NoActiveRound):
        return False
    await _send_debrief(update, context, result.debrief)
    return True


async def route_question(update: Update, context: Context, topic: str | None) -> bool:
    """/question during a round: ask whether to leave it first. False when no round is running."""
    interviews = _interviews(context)
    step = await interviews.current(sender(update))
    if step is None:
        return False
    wanted = topic_id(topic) if topic else None
    known = wanted if wanted in _titles(update, context) else None
    await send_rich(update, context, itexts.leave_prompt(step), leave_keyboard(step, known))
    return True


# ---- buttons ------------------------------------------------------------------------------------


async def interview_button(update: Update, context: Context) -> None:
    """Every ``iv:`` button: o/go (options, start), h/p (hint, pass), end, leave, stay, rev (next step), new."""
    query = update.callback_query
    assert query is not None
    interviews = _interviews(context)
    who = sender(update)
    _, _, rest = (query.data or "").partition(":")
    action, *args = rest.split(":")
    notice: str | None = None
    match action, args:
        case (("o" | "go"), [length, topic, level]):
            titles = await _topics(update, context)
            spec = _spec(length, topic, level, titles)
            if spec is None:
                notice = texts.UNKNOWN_BUTTON
            elif action == "go":
                await _start(update, context, spec)
            else:
                await _refresh_options(update, spec, titles)
        case "h", [round_id, position] if (rid := _number(round_id)) is not None and position.isdigit():
            hinted = await interviews.hint(who, rid, int(position))
            if isinstance(hinted, NoActiveRound):
                notice = itexts.STALE_BUTTON
            else:
                await _send_round_hint(update, context, hinted)
        case "p", [round_id, position, ("q" | "f") as stage] if (
            rid := _number(round_id)
        ) is not None and position.isdigit():
            passed = await interviews.pass_question(who, rid, int(position), follow_up=stage == "f")
            if isinstance(passed, NoActiveRound):
                notice = itexts.STALE_BUTTON
            else:
                await _send_answered(update, context, passed)
        case "end", [round_id] if (rid := _number(round_id)) is not None:
            ended = await interviews.cancel(who, rid)
            if isinstance(ended, NoActiveRound):
                notice = itexts.ROUND_OVER_BUTTON
            else:
                await _send_debrief(update, context, ended.debrief)
        case "leave", [round_id, *topic] if (rid := _number(round_id)) is not None and len(topic) <= 1:
            notice = await _leave(update, context, rid, topic[0] if topic else None)
        case "stay", [round_id] if (rid := _number(round_id)) is not None:
            step = await interviews.current(who)
            if step is None or step.round_id != rid:
                notice = itexts.ROUND_OVER_BUTTON
            else:
                await send_rich(update, context, itexts.STAYING)
                await _send_step(update, context, step)
        case "rev", [question_id] if question_id:
            notice = await _review(update, context, question_id)
        case "new", []:
            spec = RoundSpec()
            titles = await _topics(update, context)
            await send_rich(update, context, itexts.options(spec, titles), options_keyboard(spec, titles))
        case _:
            notice = texts.UNKNOWN_BUTTON
    await query.answer(notice)


def _spec(length: str, topic: str, level: str, titles: dict[str, str]) -> RoundSpec | None:
    """The round a keyboard button describes, or None for data no keyboard of ours has."""
    if not (length.isdigit() and level.isdigit()) or (topic != "*" and topic not in titles):
        return None
    spec = RoundSpec(int(length), None if topic == "*" else topic, int(level))
    return spec if MIN_LENGTH <= spec.length <= MAX_LENGTH and spec.level in LEVELS else None


async def _refresh_options(update: Update, spec: RoundSpec, titles: dict[str, str]) -> None:
    """Redraw the options keyboard in place (if its message is still accessible)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(
            itexts.options(spec, titles), parse_mode=ParseMode.HTML, reply_markup=options_keyboard(spec, titles)
        )
    except BadRequest as exc:
        if "message is not modified" not in exc.message:
            raise


async def _leave(update: Update, context: Context, round_id: int, topic: str | None) -> str | None:
    """Leave the round (partial debrief), then ask a practice question; a notice if the round is gone."""
    ended = await _interviews(context).cancel(sender(update), round_id)
    if isinstance(ended, NoActiveRound):
        return itexts.ROUND_OVER_BUTTON
    assert isinstance(ended, RoundEnded)
    await _send_debrief(update, context, ended.debrief)
    # Imported here: handlers imports this module for routing, and the practice question is theirs.
    from bot.telegram_app import handlers  # noqa: PLC0415

    context.args = [topic] if topic else []
    await handlers.question_command(update, context)
    return None


async def _review(update: Update, context: Context, question_id: str) -> str | None:
    """A debrief's next step, opened as a practice question (its feedback ends with the model answer)."""
    interviews = _interviews(context)
    who = sender(update)
    question = await interviews.practice.find_question(who, question_id)
    if question is None:
        return texts.UNKNOWN_BUTTON
    if await interviews.current(who) is not None:
        return itexts.FINISH_ROUND_FIRST
    practice = interviews.practice
    seen = await practice.retry(who, question.id)
    if not isinstance(seen, Asked):
        return texts.UNKNOWN_BUTTON
    keyboard = question_keyboard(question.id, seen.hints_total)
    await send_rich(update, context, texts.question(seen, seen.topic_title), keyboard)
    return None
