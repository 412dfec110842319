"""Practice: /start, /help, /question, answers, /hint, /answer, /skip, /retry, /cancel, /stats, and their buttons.

Inside a mock interview round the conversation service answers for the round instead (the
round's step, a pass, its debrief); these handlers only render what comes back.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.conversation import InRound, InRoundHint, TopicTooLong
from bot.domain.interview.results import Answered, BlankIgnored, RoundEnded
from bot.domain.practice import Feedback, NoOpenQuestion, NothingToRetry, Revealed
from bot.rendering import interview_texts as itexts
from bot.rendering import texts
from bot.telegram_app import callbacks
from bot.telegram_app.context import Context
from bot.telegram_app.keyboards import feedback_keyboard, leave_keyboard
from bot.telegram_app.replies import (
    answer_query,
    send,
    send_answered,
    send_asked,
    send_debrief,
    send_rich,
    send_stats,
    sender,
)


async def start(update: Update, context: Context) -> None:
    """/start [topic]: welcome; a deep-link payload naming a topic asks from it."""
    welcome = await context.bot_data.conversation.start(sender(update), context.args[0] if context.args else None)
    await send(update, context, texts.welcome(welcome.first_name, is_new=welcome.is_new))
    if welcome.asked is not None:
        await send_asked(update, context, welcome.asked)


async def help_command(update: Update, context: Context) -> None:
    """/help: every command."""
    await context.bot_data.conversation.touch(sender(update))
    await send(update, context, texts.HELP)


async def question_command(update: Update, context: Context) -> None:
    """/question [topic] and /next: a new question (during an interview round: leave it first?)."""
    topic = " ".join(context.args) if context.args else None
    result = await context.bot_data.conversation.question(sender(update), topic)
    match result:
        case TopicTooLong():
            await send(update, context, texts.BAD_ARGUMENT.format(argument="that topic", usage=texts.QUESTION_USAGE))
        case InRound(step=step, topic=known):
            await send_rich(update, context, itexts.leave_prompt(step), leave_keyboard(step, known))
        case _:
            await send_asked(update, context, result)


async def text_answer(update: Update, context: Context) -> None:
    """Free text: the answer to the interview round's question, else to the open question, else a nudge."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    result = await context.bot_data.conversation.answer(sender(update), message.text)
    match result:
        case Answered():
            await send_answered(update, context, result)
        case BlankIgnored():
            pass  # nothing to grade in a round: ignored, as the console ignores an empty line
        case Feedback():
            await send_rich(update, context, texts.feedback(result), feedback_keyboard(result.question.id))
        case NoOpenQuestion():
            await send(update, context, texts.NUDGE_NO_QUESTION)


async def hint_command(update: Update, context: Context) -> None:
    """/hint: the next hint of the open question (or of the interview round's question)."""
    result = await context.bot_data.conversation.hint(sender(update))
    if isinstance(result, InRoundHint):
        await send_rich(update, context, itexts.hint_reply(result.result))
    else:
        await send(update, context, texts.hint_reply(result))


async def answer_command(update: Update, context: Context) -> None:
    """/answer: give up and show the model answer (in a round: pass on its question)."""
    result = await context.bot_data.conversation.reveal(sender(update))
    await _send_revealed(update, context, result)


async def _send_revealed(update: Update, context: Context, result: Answered | Revealed | NoOpenQuestion) -> None:
    match result:
        case Answered():
            await send_answered(update, context, result)
        case Revealed():
            await send_rich(update, context, texts.revealed(result), feedback_keyboard(result.question.id))
        case NoOpenQuestion():
            await send(update, context, texts.NO_OPEN_QUESTION)


async def skip_command(update: Update, context: Context) -> None:
    """/skip: close the open question without a score (in a round: pass on its question)."""
    result = await context.bot_data.conversation.skip(sender(update))
    if isinstance(result, Answered):
        await send_answered(update, context, result)
    else:
        await send(update, context, texts.skipped_reply(result))


async def retry_command(update: Update, context: Context) -> None:
    """/retry: the last question asked again (what the Retry button does under feedback)."""
    await send_asked(update, context, await context.bot_data.conversation.retry(sender(update)))


async def cancel_command(update: Update, context: Context) -> None:
    """/cancel: end the interview round (with a partial debrief), or put the open question aside."""
    result = await context.bot_data.conversation.cancel(sender(update))
    if isinstance(result, RoundEnded):
        await send_debrief(update, context, result.debrief)
    else:
        await send(update, context, texts.cancelled(result))


async def stats_command(update: Update, context: Context) -> None:
    """/stats: the user's progress, then a chart of it by topic."""
    await send_stats(update, context, await context.bot_data.conversation.stats(sender(update)))


# ---- buttons ------------------------------------------------------------------------------------------


async def next_button(update: Update, context: Context) -> None:
    """Next question: a practice question from the user's topics."""
    await send_asked(update, context, await context.bot_data.conversation.practise(sender(update)))
    await answer_query(update)


async def hint_button(update: Update, context: Context) -> None:
    """Hint under a question: only while it is the open one."""
    button = callbacks.Hint.of(update)
    result = await context.bot_data.conversation.hint_on(sender(update), button.question_id)
    if isinstance(result, NoOpenQuestion):
        await answer_query(update, texts.STALE_BUTTON)
        return
    await send(update, context, texts.hint_reply(result))
    await answer_query(update)


async def reveal_button(update: Update, context: Context) -> None:
    """Show model answer under a question: give up on it (only while it is the open one)."""
    button = callbacks.Reveal.of(update)
    result = await context.bot_data.conversation.reveal_on(sender(update), button.question_id)
    if isinstance(result, NoOpenQuestion):
        await answer_query(update, texts.STALE_BUTTON)
        return
    await _send_revealed(update, context, result)
    await answer_query(update)


async def retry_button(update: Update, context: Context) -> None:
    """Retry under feedback: the question asked again."""
    button = callbacks.Retry.of(update)
    result = await context.bot_data.conversation.retry(sender(update), button.question_id)
    if isinstance(result, NothingToRetry):
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await send_asked(update, context, result)
    await answer_query(update)


async def retry_with_hint_button(update: Update, context: Context) -> None:
    """Hint under feedback: the question asked again, then its first hint."""
    button = callbacks.RetryWithHint.of(update)
    result = await context.bot_data.conversation.retry_with_hint(sender(update), button.question_id)
    if isinstance(result, NothingToRetry):
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await send_asked(update, context, result.asked)
    await send(update, context, texts.hint_reply(result.hint))
    await answer_query(update)


async def model_answer_button(update: Update, context: Context) -> None:
    """Show model answer under feedback: the question is closed, so this only shows it."""
    button = callbacks.ModelAnswer.of(update)
    question = await context.bot_data.conversation.model_answer(sender(update), button.question_id)
    if question is None:
        await answer_query(update, texts.UNKNOWN_BUTTON)
        return
    await send_rich(update, context, texts.model_answer(question))
    await answer_query(update)
