"""The command line: ``python -m bot [console|bank check|bank export|bank import|grade]``; no command runs the bot.

Thin on purpose: it parses arguments, reads the one ``Settings`` (environment and ``.env``,
with ``--database-url`` and ``--bank`` overriding them), calls the core and prints. Exit
status 0 on success, 1 when a check finds problems, 2 on a usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from bot.config import Settings, load_settings_or_exit
from bot.domain.bank import Bank, BankError, check_bank, load_bank, unguarded_concepts
from bot.domain.batch import grade_lines
from bot.domain.importer import DeckError, deck_to_yaml, import_file


def _build_parser() -> argparse.ArgumentParser:
    # Flags that override a setting; SUPPRESS keeps an absent flag from hiding the environment's value.
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="where progress is kept (default: $DATABASE_URL, from the environment or .env, or a SQLite file)",
    )
    bank = argparse.ArgumentParser(add_help=False)
    bank.add_argument(
        "--bank",
        nargs="+",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="bank folders or files (default: $BANK_PATH, or the bundled bank/)",
    )

    parser = argparse.ArgumentParser(
        prog="python -m bot", description="ML mock interviewer (no command: run the bot).", parents=[database, bank]
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    bank_parser = commands.add_parser("bank", help="check, export or import into the question bank")
    bank_commands = bank_parser.add_subparsers(dest="bank_command", metavar="ACTION", required=True)
    check = bank_commands.add_parser("check", help="validate bank files; errors name file, line and question")
    check.add_argument("paths", nargs="*", help="topic files or folders (default: $BANK_PATH or the bundled bank/)")
    export = bank_commands.add_parser("export", help="print the whole bank as one JSON array")
    export.add_argument("paths", nargs="*", help="topic files or folders (default: $BANK_PATH or the bundled bank/)")
    deck = bank_commands.add_parser(
        "import",
        help="turn a CSV or Markdown deck of questions and answers into a bank file to review",
        parents=[bank],
    )
    deck.add_argument("file", help="the deck: .csv (question and answer columns) or .md/.markdown (Q&A)")
    deck.add_argument("--topic", default=None, help="topic id of the new file (default: from the deck's name)")
    deck.add_argument("--title", default=None, help="topic title (default: the deck's # heading or name)")
    deck.add_argument(
        "--output", default=None, metavar="PATH", help="where to write the YAML, '-' for stdout (default: FILE.yaml)"
    )

    console = commands.add_parser(
        "console", help="practise in the terminal (no Telegram token needed)", parents=[database, bank]
    )
    console.add_argument("--user-id", type=int, default=0, help="the local user's id (default: 0)")

    commands.add_parser("grade", help="grade JSON Lines from stdin, one JSON line out per line in", parents=[bank])
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the command line gives (flags, and ``bank check|export`` paths), by setting name."""
    given: dict[str, Any] = {}
    if "database_url" in args:
        given["database_url"] = args.database_url
    paths = getattr(args, "paths", None) or getattr(args, "bank", None)
    if paths:
        given["bank_paths"] = tuple(Path(path) for path in paths)
    return given


def main(argv: Sequence[str] | None = None, *, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _build_parser().parse_args(argv)
    out = stdout or sys.stdout
    settings = load_settings_or_exit(need_token=args.command is None, **_overrides(args))
    if args.command == "bank" and args.bank_command == "check":
        return _bank_check(settings, out)
    if args.command == "bank" and args.bank_command == "export":
        return _bank_export(settings, out)
    if args.command == "bank" and args.bank_command == "import":
        return _bank_import(args, settings, out)
    if args.command == "grade":
        return _grade(settings, stdin or sys.stdin, out)
    if args.command == "console":
        return _console(args, settings, stdin or sys.stdin, out)
    return _run_bot(settings)


def _run_bot(settings: Settings) -> int:
    """Run the Telegram bot (imported here: the other commands must work without telegram)."""
    from bot.telegram_app.app import run  # noqa: PLC0415 (keeps the other commands light)

    run(settings)
    return 0


def _console(args: argparse.Namespace, settings: Settings, stdin: IO[str], out: IO[str]) -> int:
    from bot.console import run_console  # noqa: PLC0415 (the console loads the database layer)

    return asyncio.run(
        run_console(settings, user_id=args.user_id, stdin=stdin, stdout=out),
    )


def _bank_check(settings: Settings, out: IO[str]) -> int:
    bank, issues = check_bank(settings.bank_folders)
    if issues:
        for issue in sorted(issues):
            print(issue, file=sys.stderr)
        print(f"bank check: {len(issues)} problem(s)", file=sys.stderr)
        return 1
    assert bank is not None
    unguarded = unguarded_concepts(bank)
    for note in unguarded:  # not errors: concepts to review, which a wrong answer could state unnoticed
        print(f"{note} (no sibling or pole in its name, no 'contradicts')", file=sys.stderr)
    print(f"bank check: OK, {len(bank.questions)} questions in {len(bank.topics)} topics", file=out)
    if unguarded:
        print(f"{len(unguarded)} two-sided concept(s) nothing guards against a swap (listed above)", file=out)
    return 0


def _bank_export(settings: Settings, out: IO[str]) -> int:
    try:
        bank = load_bank(settings.bank_folders)
    except BankError as exc:
        print(exc, file=sys.stderr)
        return 1
    json.dump(
        [dict(q.to_json(), topic_title=bank.topics[q.topic]) for q in bank.questions], out, ensure_ascii=False, indent=2
    )
    out.write("\n")
    return 0


def _bank_import(args: argparse.Namespace, settings: Settings, out: IO[str]) -> int:
    """Import a deck; problems go to stderr as FILE:LINE: message, the YAML to --output."""
    source = Path(args.file)
    target = None if args.output == "-" else Path(args.output or source.with_suffix(".yaml"))
    if args.output is None and target is not None and target.exists():
        print(f"{target} already exists: pass --output to overwrite it or to choose another path", file=sys.stderr)
        return 2
    bank, bank_issues = check_bank(settings.bank_folders, validate_grading=False)
    if bank_issues:
        print(
            f"warning: the bank has {len(bank_issues)} problem(s) (see `python -m bot bank check`); "
            "ids and topics are checked against the questions that loaded",
            file=sys.stderr,
        )
    try:
        result = import_file(source, bank=bank, topic=args.topic, title=args.title)
    except DeckError as exc:
        print(exc, file=sys.stderr)
        return 2
    for issue in result.issues:
        print(issue, file=sys.stderr)
    summary = f"imported {len(result.questions)} questions, skipped {result.skipped}"
    if not result.questions:
        print(summary, file=sys.stderr)
        return 1
    text = deck_to_yaml(result)
    if target is None:
        out.write(text)
        print(summary, file=sys.stderr)  # stdout carries the YAML
        return 0
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{summary}; wrote {target} (topic {result.topic!r}): review it, then run `bank check`", file=out)
    return 0


def _grade(settings: Settings, stdin: IO[str], out: IO[str]) -> int:
    bank: Bank | None
    try:
        bank = load_bank(settings.bank_folders, validate_grading=False)
        failure = ""
    except BankError as exc:
        bank, failure = None, f"the question bank failed to load ({len(exc.issues)} problem(s)); first: {exc.issues[0]}"
        print(exc, file=sys.stderr)
    for line in grade_lines(stdin, bank, bank_failure=failure):
        out.write(line + "\n")
        out.flush()
    return 0
