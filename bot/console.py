"""``python -m bot console``: the practice loop in a terminal, no Telegram token needed.

Same commands (typed as ``/question``, ``/hint``, …), same ``Practice`` core, same database
and the same wording as the bot (``bot.texts`` with the HTML stripped). Input is read line
by line, so a test or a pipe can drive it; end of input exits cleanly.
"""

from __future__ import annotations

import asyncio
import sys
from typing import IO

from bot import texts
from bot.core.bank import BankError, load_bank
from bot.core.practice import (
    Asked,
    EmptyPool,
    Feedback,
    HintGiven,
    NoMoreHints,
    NoOpenQuestion,
    NothingToRetry,
    Practice,
    Revealed,
    Skipped,
    UnknownTopic,
    UserInfo,
)
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine

CONSOLE_USER_ID = 0
"""The local user's id: one console user per database unless ``--user-id`` says otherwise."""
BUTTONS_HINT = "Next: /next · Retry: /retry · Stats: /stats"


class Console:
    """One terminal session over the practice service."""

    def __init__(self, practice: Practice, user_id: int, out: IO[str]) -> None:
        self.practice = practice
        self.user_id = user_id
        self._out = out
        self._confirm_delete = False

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
                self.say(texts.HELP + "\n/retry — Retry the last question\n/quit — Leave the console")
            case "question" | "next":
                self._asked(await p.ask(uid, args or None))
            case "retry":
                self._asked(await p.retry(uid))
            case "topics":
                await self._topics(args)
            case "hint":
                self._hint(await p.hint(uid))
            case "answer":
                revealed = await p.reveal(uid)
                self.say(texts.revealed(revealed) if isinstance(revealed, Revealed) else texts.NO_OPEN_QUESTION)
            case "skip" | "cancel":
                skipped = await p.skip(uid)
                self.say(texts.skipped(skipped) if isinstance(skipped, Skipped) else texts.NO_OPEN_QUESTION)
            case "stats":
                self.say(texts.stats(await p.stats(uid)))
            case "settings":
                self.say(texts.settings(await p.settings(uid), p.bank.topics))
            case "delete_me":
                self._confirm_delete = True
                self.say(texts.DELETE_CONFIRM + "\nType yes to confirm, anything else to keep your data.")
            case _:
                self.say(texts.unknown_command("/" + command))
        return True

    async def _answer(self, text: str) -> None:
        result = await self.practice.answer(self.user_id, text)
        if isinstance(result, Feedback):
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
            self.say(texts.unknown_topic(result, bank.topics))
        else:
            self.say(texts.settings(result, bank.topics))

    def _asked(self, result: Asked | UnknownTopic | EmptyPool | NothingToRetry) -> None:
        match result:
            case Asked(question=q):
                self.say(texts.question(result, self.practice.bank.topics.get(q.topic, q.topic)))
            case UnknownTopic():
                self.say(texts.unknown_topic(result, self.practice.bank.topics))
            case EmptyPool():
                self.say(texts.empty_pool(result))
            case NothingToRetry():
                self.say(texts.NOTHING_TO_RETRY)

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
        console = Console(Practice(bank, bank.make_grader(), make_sessionmaker(engine)), user_id, out)
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
