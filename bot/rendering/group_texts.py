"""Every word the bot says in a study group (and the private feedback on a group answer), as Telegram HTML.

Short on purpose: a group's chat is shared, and Telegram lets a bot send about 20 messages a
minute there. Members' names and anything from the bank are HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import timedelta

from bot.domain.groups import (
    CloseReason,
    GroupAsked,
    GroupClosed,
    GroupGraded,
    GroupSettings,
    GroupTopics,
    Leaderboard,
    Origin,
    Placed,
    Standings,
)
from bot.domain.pushtime import zone
from bot.rendering.texts import LEVEL_NAMES, VERDICTS, clip_escaped, feedback, fit, percent, score_bar

GROUP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("question", "A question for everyone (optionally: /question <topic>)"),
    ("leaderboard", "Points this week and all time"),
    ("reveal", "Admins: close the question, show the model answer and ranking"),
    ("subscribe", "Admins: a daily question here (e.g. /subscribe 09:00 Europe/Berlin)"),
    ("unsubscribe", "Admins: stop the daily question"),
    ("settings", "Admins: time, time zone, days"),
    ("topics", "Admins: topics and difficulty (e.g. /topics metrics hard)"),
    ("delete_group", "Admins: delete this group's questions and scores"),
    ("help", "How the bot works in a group"),
)
"""The command menu in groups (``setMyCommands`` with the all-group-chats scope)."""

ONLY_ADMINS = "Only group admins can change this."
NO_OPEN_QUESTION = "There is no open question. /question asks one."
PRIVATE_BUTTON = "Buttons work in a private chat with me."
CONFIRM_DELETE = (
    "⚠️ This deletes this group's settings, questions, answers and leaderboard. Members keep their own "
    "progress. Send <code>/delete_group confirm</code> to do it."
)
SETTINGS_USAGE = (
    "Usage: <code>/settings time 08:30</code>, <code>/settings zone Europe/Berlin</code>, "
    "<code>/settings days weekdays</code> or <code>/settings days every</code>, or /topics."
)
SUBSCRIBE_USAGE = "Usage: /subscribe [HH:MM] [time zone], e.g. <code>/subscribe 09:00 Europe/Berlin</code>."
TOPICS_USAGE = "Change with <code>/topics metrics hard</code>, <code>/topics all</code> or <code>/topics any</code>."


def group_help(bot_username: str) -> str:
    """/help (and /start) in a group: how it works here."""
    commands = "\n".join(f"/{name} — {html.escape(text)}" for name, text in GROUP_COMMANDS)
    return (
        "👋 <b>I post ML interview questions for the group.</b>\n"
        "Reply to my question to answer: I grade each reply with a short line here. Your first answer "
        "counts for the leaderboard (later tries up to 3 are for your own practice). "
        f"Start a private chat with me (@{html.escape(bot_username)}) to get the full feedback there.\n\n"
        f"{commands}"
    )


def welcome(bot_username: str) -> str:
    """Posted once when the bot is added to a group."""
    return group_help(bot_username)


def private_only(command: str, bot_username: str) -> str:
    """A command of the private chat, typed in a group."""
    return f"/{html.escape(command[:32])} works in a private chat with me: @{html.escape(bot_username)}."


def question(asked: GroupAsked) -> str:
    """A question for everyone in the group."""
    q = asked.question
    head = (
        "☀️ <b>Today's question for the group</b>"
        if asked.origin is Origin.DAILY
        else "🎯 <b>Question for the group</b>"
    )
    level = LEVEL_NAMES.get(q.difficulty, str(q.difficulty))
    return fit(
        f"{head}\n{html.escape(asked.topic_title)} · {level}\n\n{html.escape(q.question)}\n\n"
        "<i>Reply to this message to answer. Your first answer counts.</i>"
    )


STILL_OPEN = "There is an open question: reply to it to answer. An admin can /reveal it first."


def cooling_down(wait: timedelta) -> str:
    """/question too soon after the last one."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"⏳ The next question can come in {minutes} min."


def empty_pool() -> str:
    """No question matches the group's topics and level."""
    return "No question matches this group's topics and level. An admin can change them with /topics."


def graded(result: GroupGraded, bot_username: str) -> str:
    """The one short line a member's reply gets in the group: score bar and verdict, no model answer."""
    line = f"{html.escape(result.member_name)}: <b>{score_bar(result.score)}</b> · {VERDICTS[result.verdict]}"
    if not result.counted:
        line += (
            f"\n<i>Try {result.try_number}: your first answer ({percent(result.counted_score)}) is the one that counts"
        )
        line += "; that was your last graded try.</i>" if result.last_try else ".</i>"
    if result.hint_private:
        line += (
            f"\n<i>Start a private chat with me (@{html.escape(bot_username)}) to get the full feedback: "
            "what you covered and missed.</i>"
        )
    return line


def private_feedback(result: GroupGraded) -> str:
    """The full feedback on a group answer, in the member's private chat (no model answer while it is open)."""
    assert result.private is not None
    head = "👥 <b>Your answer in the group</b>\n" + clip_escaped(result.question.question, 300) + "\n\n"
    tail = "\n📘 The model answer comes in the group when the question closes."
    if not result.counted:
        tail += f"\n<i>The group counts your first answer ({percent(result.counted_score)}).</i>"
    return fit(head + feedback(result.private, with_model=False) + tail)


_CLOSED_HEAD = {
    CloseReason.REVEALED: "🔓 <b>Closed by an admin.</b>",
    CloseReason.EXPIRED: "⌛ <b>Time's up for this question.</b>",
    CloseReason.NEXT_PUSH: "🔔 <b>A new question is coming: this one closes.</b>",
    CloseReason.REMOVED: "",
}


def closed(result: GroupClosed) -> str:
    """A question closes: the model answer, then who answered and their scores."""
    lines = [_CLOSED_HEAD[result.reason], ""]
    if result.message_id is None:
        lines += [f"<i>{clip_escaped(result.question.question, 300)}</i>", ""]
    lines += ["🏁 <b>Ranking</b>"]
    if result.ranking:
        lines += [_ranked(p) for p in result.ranking]
    else:
        lines.append("Nobody answered this one.")
    head = "\n".join(lines) + "\n\n📘 <b>Model answer</b>\n"
    return fit(head + clip_escaped(result.question.model_answer, 4000 - len(head)))


def _ranked(placed: Placed) -> str:
    score = percent(placed.score) if placed.score is not None else "—"
    return f"{placed.place}. {html.escape(placed.name)} — {score}"


def leaderboard(result: Leaderboard) -> str:
    """/leaderboard: this week and all time, top 10 and the asker's own place."""
    if not result.all_time.top:
        return "🏆 No points yet in this group. Reply to a question to score."
    parts = ["🏆 <b>Leaderboard</b>", "", "<b>This week</b>", *_standings(result.week), ""]
    parts += ["<b>All time</b>", *_standings(result.all_time)]
    if not result.asker_has_points:
        parts += ["", "<i>You have no points yet: reply to the next question.</i>"]
    parts += ["", "<i>Points: each question's first answer, score out of 10. 🔥 questions answered in a row.</i>"]
    return fit("\n".join(parts))


def _standings(board: Standings) -> list[str]:
    if not board.top:
        return ["No answers yet this week."]
    lines = [_standing(p) for p in board.top]
    if board.own is not None:
        lines += ["…", _standing(board.own)]
    return lines


def _standing(placed: Placed) -> str:
    streak = f" · 🔥{placed.streak}" if placed.streak > 1 else ""
    name = f"<b>{html.escape(placed.name)}</b>" if placed.is_asker else html.escape(placed.name)
    return f"{placed.place}. {name} — {placed.points} pts{streak}"


def settings(result: GroupSettings, titles: Mapping[str, str]) -> str:
    """The group's settings, and how admins change them."""
    topics = ", ".join(titles.get(t, t) for t in result.topics) if result.topics else "all topics"
    level = LEVEL_NAMES.get(result.difficulty, "?") if result.difficulty else "any level"
    return fit(
        "⚙️ <b>This group's settings</b>\n"
        f"Topics: {html.escape(topics)} · {level}\n"
        f"Time zone: {html.escape(result.timezone)}\n"
        f"Daily question: {_daily_line(result)}\n\n"
        f"{SETTINGS_USAGE}"
    )


def _daily_line(result: GroupSettings) -> str:
    if result.daily_time is None:
        return "off (/subscribe 09:00 Europe/Berlin turns it on)"
    days = "Monday to Friday" if result.weekdays_only else "every day"
    return f"{html.escape(result.daily_time)}, {days}"


def subscribed(result: GroupSettings) -> str:
    """/subscribe worked in a group."""
    lines = [
        f"📅 <b>Daily question on</b> for this group: {_daily_line(result)}, time zone {html.escape(result.timezone)}."
    ]
    if result.next_push_at is not None:
        local = result.next_push_at.astimezone(zone(result.timezone))
        lines.append(f"The next one comes on {local:%a %d %b} at {local:%H:%M} group time.")
    lines.append("Each one closes the one before with its model answer and ranking. /unsubscribe stops it.")
    return "\n".join(lines)


def unsubscribed(*, was_subscribed: bool) -> str:
    """/unsubscribe in a group."""
    if not was_subscribed:
        return "This group has no daily question. /subscribe turns it on."
    return "🔕 Daily question off for this group. /subscribe turns it on again."


def topics(result: GroupTopics) -> str:
    """/topics in a group: what its questions are about."""
    chosen = ", ".join(result.titles.get(t, t) for t in result.topics) if result.topics else "all topics"
    level = LEVEL_NAMES.get(result.difficulty, "?") if result.difficulty else "any level"
    return fit(f"📚 This group's questions: {html.escape(chosen)}; {level}.\n{TOPICS_USAGE}")


def deleted(rows: int) -> str:
    """/delete_group confirm."""
    return f"🗑 Done: this group's data is deleted ({rows} records). /question starts afresh."
