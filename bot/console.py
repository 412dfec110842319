"""``python -m bot console``: the interviewer in a terminal, no Telegram token needed.

The second front end over the same conversation service as the bot: the same commands
(typed as ``/question``, ``/hint``, …), the same database (``DATABASE_URL``, from the
environment or ``.env``) and the same wording (``bot.rendering`` with the HTML stripped).
Input is read line by line, so a test or a pipe can drive it; end of input exits cleanly.

Where the bot has buttons the console has commands: ``/retry``, ``/pass`` (a round's question
or follow-up), ``/review N`` (the debrief's next step N as a practice question),
``/topics metrics hard`` (topics and level), ``/delete_me`` then ``yes``. Charts (``/stats``
and the debrief) are saved as PNG files whose path is printed (``chart_dir``, by default a
folder in the system's temporary directory). What needs a chat (the daily push, decks sent as
files) says it works in Telegram only.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.config import Settings
from bot.domain.bank import BankError, load_bank
from bot.domain.conversation import (
    DeleteAsked,
    InRound,
    InRoundHint,
    SettingsUsage,
    SettingsView,
    TopicChoice,
    TopicTooLong,
)
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    BadRoundArgs,
    BlankIgnored,
    Debrief,
    NoActiveRound,
    RoundEnded,
    RoundSpec,
    RoundStarted,
    RoundStep,
)
from bot.domain.practice import (
    EmptyPool,
    Feedback,
    NoOpenQuestion,
    Revealed,
    Stats,
    UnknownTopic,
)
from bot.domain.users import InvalidSetting, UserInfo
from bot.rendering import debrief_texts, settings_texts, texts
from bot.rendering import interview_texts as itexts
from bot.rendering.charts import ChartLabels, TopicBar, render_topic_chart
from bot.services import build_services
from bot.services.conversation import Conversation, Started
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine

CONSOLE_USER_ID = 0
"""The local user's id: one console user per database unless ``--user-id`` says otherwise."""
DEFAULT_CHART_DIR = Path(tempfile.gettempdir()) / "ml-interview-bot-charts"


class Console:
    """One terminal session over the conversation service."""

    def __init__(
        self, conversation: Conversation, user_id: int, out: IO[str], *, chart_dir: Path = DEFAULT_CHART_DIR
    ) -> None:
        self.conversation = conversation
        self.me = UserInfo(user_id, user_id, "")
        self.chart_dir = chart_dir
        self._out = out
        self._delete_asked: DeleteAsked | None = None
        self._last_debrief: Debrief | None = None

    def say(self, message: str) -> None:
        """Print a message (HTML stripped) followed by a blank line."""
        self._out.write(texts.plain(message) + "\n\n")
        self._out.flush()

    async def start(self) -> None:
        """Create or refresh the local user and greet them."""
        welcome = await self.conversation.start(self.me)
        self.say(texts.CONSOLE_INTRO)
        if welcome.is_new:
            self.say(texts.welcome("", is_new=True))

    async def handle(self, line: str) -> bool:
        """Handle one input line; False means quit."""
        text = line.strip()
        if not text:
            return True
        if self._delete_asked is not None:
            asked, self._delete_asked = self._delete_asked, None
            if text.casefold() in {"yes", "y"}:
                self.say(texts.deleted(await self.conversation.delete_me(self.me, asked.asked_at)))
                await self.conversation.touch(self.me)
            else:
                self.say(texts.DELETE_KEPT)
            return True
        if not text.startswith("/"):
            await self._answered(await self.conversation.answer(self.me, text))
            return True
        command, _, rest = text[1:].partition(" ")
        return await self._command(command.split("@")[0].casefold(), rest.split())

    async def _command(self, command: str, args: list[str]) -> bool:
        conversation, me = self.conversation, self.me
        match command:
            case "quit" | "exit":
                return False
            case "start":
                self.say(texts.welcome("", is_new=True))
            case "help":
                self.say(texts.CONSOLE_HELP)
            case "question" | "next":
                await self._question(" ".join(args) or None)
            case "retry":
                self.say(texts.asked(await conversation.retry(me)))
            case "hint":
                hinted = await conversation.hint(me)
                if isinstance(hinted, InRoundHint):
                    self.say(itexts.hint_reply(hinted.result, move_on=itexts.CONSOLE_MOVE_ON))
                else:
                    self.say(texts.hint_reply(hinted))
            case "answer":
                await self._answered(await conversation.reveal(me))
            case "skip":
                skipped = await conversation.skip(me)
                if isinstance(skipped, Answered):
                    await self._answered(skipped)
                else:
                    self.say(texts.skipped_reply(skipped))
            case "cancel":
                cancelled = await conversation.cancel(me)
                if isinstance(cancelled, RoundEnded):
                    await self._debrief(cancelled.debrief)
                else:
                    self.say(texts.cancelled(cancelled))
            case "stats":
                await self._stats(await conversation.stats(me))
            case "topics":
                self._topics(await conversation.topics(me, args))
            case "settings":
                await self._settings(args)
            case "interview":
                await self._interview(args)
            case "pass":
                passed = await conversation.pass_on(me)
                if isinstance(passed, NoActiveRound):
                    self.say(itexts.NO_ROUND)
                else:
                    await self._answered(passed)
            case "history":
                self.say(debrief_texts.history(await conversation.history(me), self._titles()))
            case "timelimit":
                await self._time_limit(args)
            case "review":
                await self._review(args)
            case "delete_me":
                self._delete_asked = await conversation.ask_delete_me(me)
                self.say(texts.DELETE_CONFIRM + "\nType yes to confirm, anything else to keep your data.")
            case _ if command in texts.TELEGRAM_ONLY_COMMANDS:
                self.say(texts.TELEGRAM_ONLY.format(command="/" + command))
            case _:
                await conversation.touch(me)
                self.say(texts.unknown_command("/" + command))
        return True

    def _titles(self) -> dict[str, str]:
        return dict(self.conversation.titles(self.me.id))

    # ---- practice ---------------------------------------------------------------------------------

    async def _question(self, topic: str | None) -> None:
        result = await self.conversation.question(self.me, topic)
        match result:
            case TopicTooLong():
                self.say(texts.BAD_ARGUMENT.format(argument="that topic", usage=texts.QUESTION_USAGE))
            case InRound(step=step):
                self.say(itexts.CONSOLE_QUESTION_IN_ROUND.format(where=itexts.where(step)))
            case _:
                self.say(texts.asked(result))

    async def _answered(self, result: Answered | BlankIgnored | Feedback | Revealed | NoOpenQuestion) -> None:
        """What an answer (or /answer) came to: a round's step, feedback, the model answer, or a nudge
        (nothing for a line of invisible characters in a round)."""
        match result:
            case Answered():
                self.say(itexts.graded(result.graded))
                if isinstance(result.next, Debrief):
                    await self._debrief(result.next)
                else:
                    self._step(result.next)
            case Feedback():
                self.say(texts.feedback(result, console=True) + "\n" + texts.CONSOLE_NEXT)
            case Revealed():
                self.say(texts.revealed(result))
            case NoOpenQuestion():
                self.say(texts.NUDGE_NO_QUESTION)
            case BlankIgnored():
                pass

    def _topics(self, result: TopicChoice | UnknownTopic) -> None:
        if isinstance(result, UnknownTopic):
            self.say(texts.unknown_topic(result))
        else:
            self.say(settings_texts.console_topics(result.topics, result.titles, result.difficulty))

    async def _settings(self, args: Sequence[str]) -> None:
        conversation = self.conversation
        result = await (conversation.change_setting(self.me, args) if args else conversation.settings(self.me))
        match result:
            case SettingsView(settings=current, titles=titles):
                self.say(settings_texts.settings(current, titles))
            case InvalidSetting():
                self.say(settings_texts.invalid_setting(result))
            case SettingsUsage():
                self.say(settings_texts.SETTINGS_USAGE)
            case _:
                self._topics(result)

    async def _stats(self, stats: Stats) -> None:
        """/stats: the text, then the chart of the all-time average per topic saved as a PNG."""
        self.say(texts.stats(stats))
        bars = [TopicBar(t.title, None, t.average) for t in stats.per_topic if t.average is not None]
        if bars:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            name = f"stats-{self.me.id}-{stamp}.png"
            await self._save_chart(bars, debrief_texts.stats_chart_labels(), name, itexts.CONSOLE_STATS_CHART_SAVED)

    # ---- mock interviews ----------------------------------------------------------------------------

    async def _interview(self, args: list[str]) -> None:
        if args:
            result: Started | BadRoundArgs = await self.conversation.interview(self.me, args)
        else:
            result = await self.conversation.start_round(self.me, RoundSpec())
        titles = self._titles()
        match result:
            case BadRoundArgs():
                self.say(itexts.bad_args(result, titles))
            case RoundStarted():
                if not args:
                    self.say(itexts.CONSOLE_OPTIONS)
                self.say(itexts.started(result, titles) + "\n" + itexts.CONSOLE_PASS)
                self._step(result.first)
            case AlreadyInRound():
                self.say(itexts.already_in_round(result))
                self._step(result.step)
            case UnknownTopic():
                self.say(texts.unknown_topic(result))
            case EmptyPool():
                self.say(texts.empty_pool(result))

    def _step(self, step: RoundStep) -> None:
        self.say(itexts.step(step, self._titles()) + "\n" + itexts.CONSOLE_ROUND_COMMANDS)

    async def _debrief(self, debrief: Debrief) -> None:
        """The debrief as text, and its chart saved as a PNG file (its path printed)."""
        self._last_debrief = debrief
        self.say(debrief_texts.debrief(debrief, self._titles(), buttons=False))
        if debrief.answered == 0:
            return
        bars = [TopicBar(t.title, t.round_score, t.all_time) for t in debrief.per_topic]
        name = f"interview-{self.me.id}-{debrief.round_id}.png"
        await self._save_chart(bars, debrief_texts.debrief_chart_labels(), name, itexts.CONSOLE_CHART_SAVED)

    async def _save_chart(self, bars: list[TopicBar], labels: ChartLabels, name: str, saved: str) -> None:
        """Draw a chart (off the event loop) and save it in ``chart_dir``; say where, or why not."""
        path = self.chart_dir / name
        try:
            png = await asyncio.to_thread(render_topic_chart, bars, labels)
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, png)
        except (OSError, RuntimeError, ValueError) as exc:
            self.say(itexts.CONSOLE_CHART_FAILED.format(error=exc))
            return
        self.say(saved.format(path=path))

    async def _time_limit(self, args: list[str]) -> None:
        if not args:
            self.say(itexts.time_limit(await self.conversation.time_limit(self.me), changed=False))
            return
        result = await self.conversation.set_time_limit(self.me, " ".join(args))
        if isinstance(result, InvalidSetting):
            self.say(itexts.bad_time_limit(result))
        else:
            self.say(itexts.time_limit(result, changed=True))

    async def _review(self, args: list[str]) -> None:
        steps = self._last_debrief.next_steps if self._last_debrief else ()
        number = int(args[0]) if len(args) == 1 and args[0].isdigit() else 0
        if not 1 <= number <= len(steps):
            self.say(itexts.CONSOLE_NO_STEP.format(number=" ".join(args)[:8] or "?"))
            return
        result = await self.conversation.review(self.me, steps[number - 1].question.id)
        if isinstance(result, InRound):
            self.say(itexts.FINISH_ROUND_FIRST)
        else:
            self.say(texts.asked(result))


async def run_console(
    settings: Settings,
    *,
    user_id: int = CONSOLE_USER_ID,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    chart_dir: Path = DEFAULT_CHART_DIR,
) -> int:
    """Run the console on ``settings``' database and bank until ``/quit`` or end of input; the exit status."""
    inp, out = stdin or sys.stdin, stdout or sys.stdout
    try:
        bank = load_bank(settings.bank_folders)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = create_engine_from_url(settings.database_url)
    try:
        await migrate_engine(engine, decks_dir=settings.decks_dir)
        services = build_services(
            bank,
            make_sessionmaker(engine),
            bank_paths=settings.bank_folders,
            default_timezone=settings.default_timezone,
            default_daily_time=settings.default_daily_time,
        )
        await services.library.load()  # the published decks, from the database
        console = Console(services.conversation, user_id, out, chart_dir=chart_dir)
        await console.start()
        while True:
            line = await asyncio.to_thread(inp.readline)
            if not line:  # end of input
                break
            if not await console.handle(line):
                break
        console.say(texts.CONSOLE_BYE)
    finally:
        await engine.dispose()
    return 0
