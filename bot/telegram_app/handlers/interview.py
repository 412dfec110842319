"""Mock interviews: /interview, /history, /timelimit and the round's buttons (options, hint, pass, end, leave...)."""

from __future__ import annotations

from telegram import Update

from bot.domain.conversation import InRound, LeftRound, RoundOptions
from bot.domain.interview.results import AlreadyInRound, BadRoundArgs, NoActiveRound, RoundSpec, RoundStarted
from bot.domain.practice import EmptyPool, NothingToRetry, UnknownTopic
from bot.domain.users import InvalidSetting
from bot.rendering import debrief_texts, texts
from bot.rendering import interview_texts as itexts
from bot.services.conversation import Started
from bot.telegram_app import callbacks
from bot.telegram_app.context import Context
from bot.telegram_app.keyboards import options_keyboard
from bot.telegram_app.replies import (
    answer_query,
    edit,
    send_answered,
    send_asked,
    send_debrief,
    send_rich,
    send_step,
    sender,
    step_user,
)


async def interview_command(update: Update, context: Context) -> None:
    """/interview [n] [topic|mixed] [level]: start a round; alone, a keyboard of options."""
    conversation = context.bot_data.conversation
    if not context.args:
        options = await conversation.interview_options(sender(update))
        if isinstance(options, AlreadyInRound):
            await _send_started(update, context, options)
        else:
            await _send_options(update, context, options)
        return
    result = await conversation.interview(sender(update), context.args)
    if isinstance(result, BadRoundArgs):
        await send_rich(update, context, itexts.bad_args(result, conversation.titles(step_user(update))))
    else:
        await _send_started(update, context, result)


async def _send_options(update: Update, context: Context, options: RoundOptions) -> None:
    await send_rich(
        update, context, itexts.options(options.spec, options.titles), options_keyboard(options.spec, options.titles)
    )


async def _send_started(update: Update, context: Context, result: Started) -> None:
    titles = context.bot_data.conversation.titles(step_user(update))
    match result:
        case RoundStarted():
            await send_rich(update, context, itexts.started(result, titles))
            await send_step(update, context, result.first)
        case AlreadyInRound():
            await send_rich(update, context, itexts.already_in_round(result))
            await send_step(update, context, result.step)
        case UnknownTopic():
            await send_rich(update, context, texts.unknown_topic(result))
        case EmptyPool():
            await send_rich(update, context, texts.empty_pool(result))


async def history_command(update: Update, context: Context) -> None:
    """/history: past rounds with date, score and verdict."""
    conversation = context.bot_data.conversation
    history = await conversation.history(sender(update))
    await send_rich(update, context, debrief_texts.history(history, conversation.titles(step_user(update))))


async def timelimit_command(update: Update, context: Context) -> None:
    """/timelimit [seconds|off]: show or set the per-question time limit of interview rounds."""
    conversation = context.bot_data.conversation
    if not context.args:
        await send_rich(
            update, context, itexts.time_limit(await conversation.time_limit(sender(update)), changed=False)
        )
        return
    result = await conversation.set_time_limit(sender(update), " ".join(context.args))
    if isinstance(result, InvalidSetting):
        await send_rich(update, context, itexts.bad_time_limit(result))
    else:
        await send_rich(update, context, itexts.time_limit(result, changed=True))


# ---- buttons ------------------------------------------------------------------------------------------


async def option_button(update: Update, context: Context) -> None:
    """A length, topic or level of the round to start: the options redrawn in place."""
    button = callbacks.RoundChoice.of(update)
    options = await context.bot_data.conversation.round_options(
        sender(update), button.length, button.topic, button.level
    )
    if options is None:
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await edit(update, itexts.options(options.spec, options.titles), options_keyboard(options.spec, options.titles))
    await answer_query(update)


async def start_button(update: Update, context: Context) -> None:
    """Start the interview: the round the options describe."""
    button = callbacks.StartRound.of(update)
    conversation = context.bot_data.conversation
    started = await conversation.start_chosen_round(sender(update), button.length, button.topic, button.level)
    if started is None:
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await _send_started(update, context, started)
    await answer_query(update)


async def new_round_button(update: Update, context: Context) -> None:
    """New interview, under a debrief: the options of a new round."""
    spec = RoundSpec()
    topic = spec.topic or callbacks.ALL_TOPICS
    options = await context.bot_data.conversation.round_options(sender(update), spec.length, topic, spec.level)
    assert options is not None, "the default round is always on offer"
    await _send_options(update, context, options)
    await answer_query(update)


async def hint_button(update: Update, context: Context) -> None:
    """Hint under a round's question: only while it is current."""
    button = callbacks.HintInRound.of(update)
    result = await context.bot_data.conversation.round_hint(sender(update), button.round_id, button.position)
    if isinstance(result, NoActiveRound):
        await answer_query(update, itexts.STALE_BUTTON)
        return
    await send_rich(update, context, itexts.hint_reply(result))
    await answer_query(update)


async def pass_button(update: Update, context: Context) -> None:
    """Pass on a round's question or follow-up: it counts 0, the round moves on."""
    button = callbacks.PassInRound.of(update)
    conversation = context.bot_data.conversation
    result = await conversation.pass_on(sender(update), button.round_id, button.position, follow_up=button.follow_up)
    if isinstance(result, NoActiveRound):
        await answer_query(update, itexts.STALE_BUTTON)
        return
    await send_answered(update, context, result)
    await answer_query(update)


async def end_button(update: Update, context: Context) -> None:
    """End the round: the debrief of what was answered."""
    button = callbacks.EndRound.of(update)
    result = await context.bot_data.conversation.end_round(sender(update), button.round_id)
    if isinstance(result, NoActiveRound):
        await answer_query(update, itexts.ROUND_OVER_BUTTON)
        return
    await send_debrief(update, context, result.debrief)
    await answer_query(update)


async def leave_button(update: Update, context: Context) -> None:
    """Leave the round (after /question in a round): its debrief, then the practice question."""
    button = callbacks.LeaveRound.of(update)
    result = await context.bot_data.conversation.leave_round(sender(update), button.round_id, button.topic)
    if not isinstance(result, LeftRound):
        await answer_query(update, itexts.ROUND_OVER_BUTTON)
        return
    await send_debrief(update, context, result.debrief)
    await send_asked(update, context, result.asked)
    await answer_query(update)


async def stay_button(update: Update, context: Context) -> None:
    """Stay in the round: where it stands."""
    button = callbacks.StayInRound.of(update)
    step = await context.bot_data.conversation.stay_in_round(sender(update), button.round_id)
    if isinstance(step, NoActiveRound):
        await answer_query(update, itexts.ROUND_OVER_BUTTON)
        return
    await send_rich(update, context, itexts.STAYING)
    await send_step(update, context, step)
    await answer_query(update)


async def review_button(update: Update, context: Context) -> None:
    """A debrief's next step, opened as a practice question (not during another round)."""
    button = callbacks.ReviewStep.of(update)
    result = await context.bot_data.conversation.review(sender(update), button.question_id)
    match result:
        case NothingToRetry():
            await answer_query(update, texts.UNKNOWN_BUTTON)
        case InRound():
            await answer_query(update, itexts.FINISH_ROUND_FIRST)
        case _:
            await send_asked(update, context, result)
            await answer_query(update)
