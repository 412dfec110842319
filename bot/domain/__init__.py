"""The domain layer: the rules and their results, pure Python (no database, no Telegram, no services).

The grader and the bank, spaced repetition, push times, practice and interview rules, deck
checks, reading command words, and the frozen dataclasses every user action returns. Its
ruff.toml bans every import that does I/O or knows a front end.
"""
