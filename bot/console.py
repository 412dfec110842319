"""``python -m bot console``: the practice loop in a terminal, no Telegram token needed.

Same commands (typed as ``/question``, ``/hint``, …), same ``Practice`` core, same database
and the same wording as the bot (``bot.rendering.texts`` with the HTML stripped). Input is read line
by line, so a test or a pipe can drive it; end of input exits cleanly.

Mock interviews work as in the bot (``/interview [n] [topic|mixed] [level]``, ``/history``,
``/timelimit``), with commands where the bot has buttons: ``/pass`` passes on a question or
follow-up, ``/review N`` opens the debrief's next step N as a practice question. The
debrief's chart is saved as a PNG file whose path is printed (``chart_dir``, by default a
folder in the system's temporary directory).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import IO

from bot.domain.bank import BankError, load_bank
from bot.domain.interview.arguments import parse_round_args, parse_time_limit
from bot.domain.interview.results import (
    AlreadyInRound,
    Answered,
    AnswerGraded,
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
from bot.domain.practice import (
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Revealed,
    Skipped,
    UnknownTopic,
)
from bot.domain.users import InvalidSetting, UserInfo
from bot.rendering import interview_texts as itexts
from bot.rendering import texts
from bot.rendering.charts import TopicBar, render_topic_chart
from bot.services.interviews import Interviews
from bot.services.practice import Practice
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine

CONSOLE_USER_ID = 0
"""The local user's id: one console user per database unless ``--user-id`` says otherwise."""
BUTTONS_HINT = "Next: /next · Retry: /retry · Stats: /stats"
DEFAULT_CHART_DIR = Path(tempfile.gettempdir()) / "ml-interview-bot-charts"


class Console:
    """One terminal session over the practice and interview services."""

    def __init__(self, practice: Practice, user_id: int, out: IO[str], *, chart_dir: Path = DEFAULT_CHART_DIR) -> None:
        self.practice = practice
        self.interviews = Interviews(practice)
        self.user_id = user_id
        self.chart_dir = chart_dir
        self._out = out
        self._confirm_delete = False
        self._last_debrief: Debrief | None = None

    def say(self, message: str) -> None:
        """Print a message (HTML stripped) followed by a blank line."""
        self._out.write(texts.plain(message) + "\n\n")
        self._out.flush()

    async def start(self) -> None:
        """Create or refresh the local user and greet them."""
        state = await self.practice.touch_user(UserInfo(self.user_id, self.user_id, ""))
        self.say(texts.CONSOLE_INTRO)
        if state.is_new:
            self.say(texts.welcome("", is_new=True))

    async def handle(self, line: str) -> bool:
        """Handle one input line; False means quit."""
        text = line.strip()
        if not text:
            return True
        if self._confirm_delete:
            self._confirm_delete = False
            if text.casefold() in {"yes", "y"}:
                self.say(texts.deleted(await self.practice.delete_user(self.user_id)))
                await self.practice.touch_user(UserInfo(self.user_id, self.user_id, ""))
            else:
                self.say(texts.DELETE_KEPT)
            return True
        if not text.startswith("/"):
            await self._answer(text)
            return True
        command, _, args = text[1:].partition(" ")
        return await self._command(command.split("@")[0].casefold(), args.strip())

    async def _command(self, command: str, args: str) -> bool:
        p, uid = self.practice, self.user_id
        match command:
            case "quit" | "exit":
                return False
            case "start":
                self.say(texts.welcome("", is_new=True))
            case "help":
                self.say(texts.CONSOLE_HELP)
            case "question" | "next":
                step = await self.interviews.current(uid)
                if step is not None:
                    self.say(itexts.CONSOLE_QUESTION_IN_ROUND.format(where=itexts.where(step)))
                else:
                    self._asked(await p.ask(uid, args or None))
            case "retry":
                self._asked(await p.retry(uid))
            case "topics":
                await self._topics(args)
            case "hint":
                hinted = await self.interviews.hint(uid)
                if isinstance(hinted, NoActiveRound):
                    self._hint(await p.hint(uid))
                else:
                    self._round_hint(hinted)
            case "answer":
                revealed = await p.reveal(uid)
                self.say(texts.revealed(revealed) if isinstance(revealed, Revealed) else texts.NO_OPEN_QUESTION)
            case "cancel" if isinstance(ended := await self.interviews.cancel(uid), RoundEnded):
                await self._debrief(ended.debrief)
            case "skip" | "cancel":
                skipped = await p.skip(uid)
                self.say(texts.skipped(skipped) if isinstance(skipped, Skipped) else texts.NO_OPEN_QUESTION)
            case "interview":
                await self._interview(args)
            case "pass":
                passed = await self.interviews.pass_question(uid)
                if isinstance(passed, NoActiveRound):
                    self.say(itexts.NO_ROUND)
                else:
                    await self._answered(passed)
            case "history":
                self.say(itexts.history(await self.interviews.history(uid), p.bank.topics))
            case "timelimit":
                await self._time_limit(args)
            case "review":
                await self._review(args)
            case "stats":
                self.say(texts.stats(await p.stats(uid)))
            case "settings":
                self.say(texts.settings(await p.settings(uid), p.bank.topics))
            case _ if command in texts.TELEGRAM_ONLY_COMMANDS:
                self.say(texts.TELEGRAM_ONLY.format(command="/" + command))
            case "delete_me":
                self._confirm_delete = True
                self.say(texts.DELETE_CONFIRM + "\nType yes to confirm, anything else to keep your data.")
            case _:
                self.say(texts.unknown_command("/" + command))
        return True

    async def _answer(self, text: str) -> None:
        result = await self.interviews.answer_any(self.user_id, text)
        if isinstance(result, Answered):
            await self._answered(result)
        elif isinstance(result, Feedback):
            self.say(texts.feedback(result) + "\n" + BUTTONS_HINT)
        else:
            self.say(texts.NUDGE_NO_QUESTION)

    async def _topics(self, args: str) -> None:
        bank = self.practice.bank
        if not args:
            current = await self.practice.settings(self.user_id)
            self.say(
                texts.topic_list(bank.topics)
                + "\n\n"
                + texts.settings(current, bank.topics).split("\n", 1)[1].split("\n\n")[0]
                + "\nChoose with /topics <topic> [<topic> …], or /topics all."
            )
            return
        chosen = [] if args.casefold() == "all" else args.replace(",", " ").split()
        result = await self.practice.set_topics(self.user_id, chosen)
        if isinstance(result, UnknownTopic):
            self.say(texts.unknown_topic(result))
        else:
            self.say(texts.settings(result, bank.topics))

    def _asked(self, result: Asked | UnknownTopic | EmptyPool | NothingToRetry) -> None:
        match result:
            case Asked(question=q):
                self.say(texts.question(result, self.practice.bank.topics.get(q.topic, q.topic)))
            case UnknownTopic():
                self.say(texts.unknown_topic(result))
            case EmptyPool():
                self.say(texts.empty_pool(result))
            case NothingToRetry():
                self.say(texts.NOTHING_TO_RETRY)

    # ---- mock interviews ----------------------------------------------------------------------

    async def _interview(self, args: str) -> None:
        titles = self.practice.bank.topics
        if args:
            spec = parse_round_args(args.split(), titles)
            if isinstance(spec, BadRoundArgs):
                self.say(itexts.bad_args(spec, titles))
                return
        else:
            spec = RoundSpec()
        result = await self.interviews.start(self.user_id, spec)
        match result:
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
        self.say(itexts.step(step, self.practice.bank.topics) + "\n" + itexts.CONSOLE_ROUND_COMMANDS)

    async def _answered(self, result: Answered) -> None:
        graded = result.graded
        match graded:
            case AnswerGraded():
                self.say(itexts.answer_feedback(graded))
            case FollowUpGraded():
                self.say(itexts.follow_up_feedback(graded))
            case QuestionPassed():
                self.say(itexts.passed(graded))
        if isinstance(result.next, Debrief):
            await self._debrief(result.next)
        else:
            self._step(result.next)

    async def _debrief(self, debrief: Debrief) -> None:
        """The debrief as text, and its chart saved as a PNG file (its path printed)."""
        self._last_debrief = debrief
        self.say(itexts.debrief(debrief, self.practice.bank.topics, buttons=False))
        if debrief.answered == 0:
            return
        bars = [TopicBar(t.title, t.round_score, t.all_time) for t in debrief.per_topic]
        path = self.chart_dir / f"interview-{self.user_id}-{debrief.round_id}.png"
        try:
            png = await asyncio.to_thread(render_topic_chart, bars, itexts.debrief_chart_labels())
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, png)
        except (OSError, RuntimeError, ValueError) as exc:
            self.say(itexts.CONSOLE_CHART_FAILED.format(error=exc))
            return
        self.say(itexts.CONSOLE_CHART_SAVED.format(path=path))

    def _round_hint(self, result: RoundHint | NoMoreHints | NoHintOnFollowUp) -> None:
        match result:
            case RoundHint():
                self.say(itexts.hint(result))
            case NoMoreHints():
                self.say(itexts.no_more_hints(result, move_on=itexts.CONSOLE_MOVE_ON))
            case NoHintOnFollowUp():
                self.say(itexts.no_hint_on_follow_up(move_on=itexts.CONSOLE_MOVE_ON))

    async def _time_limit(self, args: str) -> None:
        if not args:
            self.say(itexts.time_limit(await self.interviews.time_limit(self.user_id), changed=False))
            return
        value = parse_time_limit(args[:32])
        result = (
            value if isinstance(value, InvalidSetting) else await self.interviews.set_time_limit(self.user_id, value)
        )
        if isinstance(result, InvalidSetting):
            self.say(itexts.bad_time_limit(result))
        else:
            self.say(itexts.time_limit(result, changed=True))

    async def _review(self, args: str) -> None:
        steps = self._last_debrief.next_steps if self._last_debrief else ()
        number = int(args) if args.isdigit() else 0
        if not 1 <= number <= len(steps):
            self.say(itexts.CONSOLE_NO_STEP.format(number=args[:8] or "?"))
            return
        if await self.interviews.current(self.user_id) is not None:
            self.say(itexts.FINISH_ROUND_FIRST)
            return
        self._asked(await self.practice.retry(self.user_id, steps[number - 1].question.id))

    def _hint(self, result: HintGiven | NoMoreHints | NoOpenQuestion) -> None:
        match result:
            case HintGiven():
                self.say(texts.hint(result))
            case NoMoreHints():
                self.say(texts.no_more_hints(result))
            case NoOpenQuestion():
                self.say(texts.NO_OPEN_QUESTION)


async def run_console(
    database_url: str,
    *,
    user_id: int = CONSOLE_USER_ID,
    bank_paths: tuple[str, ...] = (),
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    chart_dir: Path = DEFAULT_CHART_DIR,
) -> int:
    """Run the console until ``/quit`` or end of input; returns the exit status."""
    inp, out = stdin or sys.stdin, stdout or sys.stdout
    try:
        bank = load_bank(bank_paths)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = create_engine_from_url(database_url)
    try:
        await migrate_engine(engine)
        practice = Practice(bank, bank.make_grader(), make_sessionmaker(engine))
        console = Console(practice, user_id, out, chart_dir=chart_dir)
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
