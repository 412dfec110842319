"""The composition root: settings, database, practice service and every handler, wired in one place.

``run`` is what ``python -m bot`` calls: it loads the bank (refusing to start on a broken
one), builds the application and runs long polling, or a webhook server when
``WEBHOOK_URL`` is set. Migrations run in ``post_init``, inside the bot's own event loop.
"""

from __future__ import annotations

import datetime as dtm
import logging
import sys
from pathlib import Path
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings, configure_logging
from bot.domain.bank import DEFAULT_BANK_DIR, Bank, BankError
from bot.rendering import texts
from bot.services.daily import DailyPush
from bot.services.interviews import Interviews
from bot.services.library import Library, load_serving_bank
from bot.services.practice import Practice
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine
from bot.telegram_app import chart_worker, decks, handlers, interview_handlers
from bot.telegram_app.daily import RUNNER_KEY, PushRunner, schedule_push
from bot.telegram_app.flood import MAX_CONCURRENT_UPDATES, FloodGuard, PerUserUpdateProcessor

logger = logging.getLogger(__name__)

ENGINE_KEY = "engine"
MIGRATE_KEY = "migrate_on_start"
SCHEDULE_KEY = "schedule_daily_push"
SEND_RETRIES = 3
"""How often a send that got 429 (flood control) is retried after waiting ``retry_after``."""
WEBHOOK_PATH = "telegram"


def build_application(
    settings: Settings,
    bank: Bank,
    practice: Practice,
    *,
    engine: AsyncEngine | None = None,
    migrate_on_start: bool = False,
    flood_guard: FloodGuard | None = None,
    push_runner: PushRunner | None = None,
    schedule_daily_push: bool = True,
    library: Library | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot, ready to run: every handler registered here and nowhere else.

    ``engine`` (the one behind ``practice``) is migrated in ``post_init`` if asked, and
    disposed in ``post_shutdown``. ``flood_guard`` defaults to 10 messages per 5 s per user.
    ``push_runner`` defaults to one over ``practice`` with the configured grace period; the
    push runs every minute on the JobQueue unless ``schedule_daily_push`` is off. ``library``
    (bank reloads and decks sent by admins) defaults to the configured bank and decks folders.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        # Telegram's flood limits: wait out a 429's retry_after and try again, a few times.
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_rate_limit, max_retries=SEND_RETRIES))
        # Users are served concurrently, each user's own updates in order; floods are cut short.
        .concurrent_updates(
            PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES, flood_guard if flood_guard is not None else FloodGuard())
        )
    )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    application = builder.post_init(_post_init).post_shutdown(_post_shutdown).build()
    application.bot_data[handlers.PRACTICE_KEY] = practice
    application.bot_data[interview_handlers.INTERVIEWS_KEY] = Interviews(practice)
    application.bot_data[ENGINE_KEY] = engine
    application.bot_data[MIGRATE_KEY] = migrate_on_start
    application.bot_data[SCHEDULE_KEY] = schedule_daily_push
    runner = push_runner or PushRunner(DailyPush(practice, grace=dtm.timedelta(minutes=settings.push_grace_minutes)))
    if runner.daily.practice is not practice:
        raise ValueError("the push runner must use the same practice service")
    application.bot_data[RUNNER_KEY] = runner
    application.bot_data[handlers.DAILY_KEY] = runner.daily
    application.bot_data[handlers.ADMINS_KEY] = frozenset(settings.admin_ids)
    if bank is not practice.bank:
        raise ValueError("the practice service must use the same bank")

    # Order matters: handlers in one group are tried top to bottom and the first match wins.
    # 0. The user blocked (or unblocked) the bot: remembered so no push goes to a closed chat.
    application.add_handler(ChatMemberHandler(handlers.chat_member_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    # 1. Edited messages first, so an edited "/hint" is not run again as a command.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited_message))
    # 1b. Mock interviews: /interview, /history, /timelimit, and their "iv:" buttons (before the
    #     general button handler in 4, which matches everything).
    interview_handlers.register(application)
    # 1c. Admins: /reload, decks sent as documents, and their "deck:" buttons.
    decks.register(application, library or Library(practice, bank_paths(settings), settings.decks_dir))
    # 2. The commands of the menu (and /next as an alias of /question).
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler(["question", "next"], handlers.question_command))
    application.add_handler(CommandHandler("topics", handlers.topics_command))
    application.add_handler(CommandHandler("hint", handlers.hint_command))
    application.add_handler(CommandHandler("answer", handlers.answer_command))
    application.add_handler(CommandHandler("skip", handlers.skip_command))
    application.add_handler(CommandHandler("stats", handlers.stats_command))
    application.add_handler(CommandHandler("settings", handlers.settings_command))
    application.add_handler(CommandHandler("subscribe", handlers.subscribe_command))
    application.add_handler(CommandHandler("unsubscribe", handlers.unsubscribe_command))
    application.add_handler(CommandHandler("admin", handlers.admin_command))
    application.add_handler(CommandHandler("delete_me", handlers.delete_me_command))
    application.add_handler(CommandHandler("cancel", handlers.cancel_command))
    # 3. Any other command: after the known ones, before free text would take it as an answer.
    application.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    # 4. Inline buttons (data parsed in the handler; it always acts for the presser).
    application.add_handler(CallbackQueryHandler(handlers.button))
    # 5. Free text in a private chat is an answer (or earns a nudge).
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, handlers.text_answer)
    )
    # 6. Everything else a user can send privately (stickers, photos, voice, files, ...).
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, handlers.unsupported_message)
    )
    # 7. Last: the one error handler, which logs and apologises.
    application.add_error_handler(handlers.error_handler)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Migrate the database (if asked) and publish the command menu."""
    engine = cast(AsyncEngine | None, application.bot_data.get(ENGINE_KEY))
    if engine is not None and application.bot_data.get(MIGRATE_KEY):
        await migrate_engine(engine)
    await application.bot.set_my_commands([BotCommand(name, description) for name, description in texts.COMMANDS])
    if application.bot_data.get(SCHEDULE_KEY):
        schedule_push(application)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    """Close the database connections and stop the chart worker process (if one was started)."""
    engine = cast(AsyncEngine | None, application.bot_data.get(ENGINE_KEY))
    if engine is not None:
        await engine.dispose()
    chart_worker.shutdown_worker()


def bank_paths(settings: Settings) -> list[Path]:
    """The bank folder in use (``BANK_PATH`` or the bundled ``bank/``)."""
    return [settings.bank_path or DEFAULT_BANK_DIR]


def load_bank_or_exit(settings: Settings) -> Bank:
    """The question bank with the published decks, or its problems on stderr and exit status 1."""
    try:
        return load_serving_bank(bank_paths(settings), settings.decks_dir)
    except BankError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of ``run_webhook`` (and ``Updater.start_webhook``) for ``WEBHOOK_URL``.

    Telegram sends ``WEBHOOK_SECRET`` in a header with every update; PTB's webhook server
    answers 403 to any request without it, before the update is parsed.
    """
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": WEBHOOK_PATH,
        "webhook_url": f"{settings.webhook_url.rstrip('/')}/{WEBHOOK_PATH}",
        "secret_token": secret,
        "allowed_updates": Update.ALL_TYPES,
    }


def run(settings: Settings) -> None:
    """Run the bot until interrupted: long polling, or a webhook server if ``WEBHOOK_URL`` is set."""
    configure_logging(settings)
    bank = load_bank_or_exit(settings)
    engine = create_engine_from_url(settings.database_url)
    practice = Practice(
        bank,
        bank.make_grader(),
        make_sessionmaker(engine),
        default_timezone=settings.default_timezone,
        default_daily_time=settings.default_daily_time,
    )
    application = build_application(settings, bank, practice, engine=engine, migrate_on_start=True)
    logger.info("Starting with %d questions in %d topics", len(bank.questions), len(bank.topics))
    if settings.webhook_url:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
