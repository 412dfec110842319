"""The command line: ``python -m bot [console|bank check|bank export|grade]``; no command runs the bot.

Thin on purpose: it parses arguments, calls the core and prints. Exit status 0 on
success, 1 when a check finds problems, 2 on a usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import IO

from bot.core.bank import Bank, BankError, check_bank, load_bank
from bot.core.batch import grade_lines

DATABASE_URL_ENV = "DATABASE_URL"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="ML mock interviewer.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    bank = commands.add_parser("bank", help="check or export the question bank")
    bank_commands = bank.add_subparsers(dest="bank_command", metavar="ACTION", required=True)
    check = bank_commands.add_parser("check", help="validate bank files; errors name file, line and question")
    check.add_argument("paths", nargs="*", help="topic files or folders (default: the bundled bank/)")
    export = bank_commands.add_parser("export", help="print the whole bank as one JSON array")
    export.add_argument("paths", nargs="*", help="topic files or folders (default: the bundled bank/)")

    console = commands.add_parser("console", help="practise in the terminal (no Telegram token needed)")
    console.add_argument(
        "--database-url", default=None, help=f"where progress is kept (default: ${DATABASE_URL_ENV} or a SQLite file)"
    )
    console.add_argument("--user-id", type=int, default=0, help="the local user's id (default: 0)")
    console.add_argument("--bank", nargs="*", default=[], metavar="PATH", help="bank files or folders")

    grade = commands.add_parser("grade", help="grade JSON Lines from stdin, one JSON line out per line in")
    grade.add_argument("--bank", nargs="*", default=[], metavar="PATH", help="bank files or folders")
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    out = stdout or sys.stdout
    if args.command == "bank" and args.bank_command == "check":
        return _bank_check(args.paths, out)
    if args.command == "bank" and args.bank_command == "export":
        return _bank_export(args.paths, out)
    if args.command == "grade":
        return _grade(args.bank, stdin or sys.stdin, out)
    if args.command == "console":
        return _console(args, stdin or sys.stdin, out)
    if args.command is None:
        return _run_bot()
    _build_parser().print_help(sys.stderr)
    return 2


def _run_bot() -> int:
    """Run the Telegram bot (imported here: the other commands must work without telegram)."""
    from bot.config import load_settings_or_exit  # noqa: PLC0415 (keeps the other commands light)
    from bot.telegram_app.app import run  # noqa: PLC0415

    run(load_settings_or_exit())
    return 0


def _console(args: argparse.Namespace, stdin: IO[str], out: IO[str]) -> int:
    from bot.config import DEFAULT_DATABASE_URL  # noqa: PLC0415
    from bot.console import run_console  # noqa: PLC0415

    url = args.database_url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    return asyncio.run(run_console(url, user_id=args.user_id, bank_paths=tuple(args.bank), stdin=stdin, stdout=out))


def _bank_check(paths: Sequence[str], out: IO[str]) -> int:
    bank, issues = check_bank(paths)
    if issues:
        for issue in sorted(issues):
            print(issue, file=sys.stderr)
        print(f"bank check: {len(issues)} problem(s)", file=sys.stderr)
        return 1
    assert bank is not None
    print(f"bank check: OK, {len(bank.questions)} questions in {len(bank.topics)} topics", file=out)
    return 0


def _bank_export(paths: Sequence[str], out: IO[str]) -> int:
    try:
        bank = load_bank(paths)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    json.dump(
        [dict(q.to_json(), topic_title=bank.topics[q.topic]) for q in bank.questions], out, ensure_ascii=False, indent=2
    )
    out.write("\n")
    return 0


def _grade(paths: Sequence[str], stdin: IO[str], out: IO[str]) -> int:
    bank: Bank | None
    try:
        bank = load_bank(paths, validate_grading=False)
        failure = ""
    except BankError as exc:
        bank, failure = None, f"the question bank failed to load ({len(exc.issues)} problem(s)); first: {exc.issues[0]}"
        print(exc, file=sys.stderr)
    for line in grade_lines(stdin, bank, bank_failure=failure):
        out.write(line + "\n")
        out.flush()
    return 0
