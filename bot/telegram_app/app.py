"""The composition root: settings, database, services, and every handler of the bot, wired in one place.

``run`` is what ``python -m bot`` calls: it loads the bank (refusing to start on a broken
one), builds the services and the application, and runs long polling, or a webhook server
when ``WEBHOOK_URL`` is set. Migrations run in ``post_init``, inside the bot's own event
loop; the database is closed and the chart worker stopped in ``post_shutdown``. Handlers
reach the services through ``context.bot_data`` (``bot.telegram_app.context.BotServices``).
"""

from __future__ import annotations

import datetime as dtm
import logging
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, BotCommandScopeAllGroupChats, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings, configure_logging
from bot.domain.bank import Bank, BankError, load_bank
from bot.domain.decks import ReloadFailed
from bot.rendering import group_texts, texts
from bot.services import Services, build_services
from bot.storage.db import create_engine_from_url, make_sessionmaker, migrate_engine
from bot.telegram_app import callbacks, chart_worker
from bot.telegram_app.context import CONTEXT_TYPES, BotApplication, Handler, new_job_queue
from bot.telegram_app.daily import PushRunner, schedule_push
from bot.telegram_app.flood import MAX_CONCURRENT_UPDATES, FloodGuard, PerUserUpdateProcessor
from bot.telegram_app.group_daily import GroupPushRunner, schedule_group_push
from bot.telegram_app.group_rate import GroupRateLimiter
from bot.telegram_app.handlers import admin, decks, groups, interview, messages, practice, preferences

logger = logging.getLogger(__name__)

SEND_RETRIES = 3
"""How often a send that got 429 (flood control) is retried after waiting ``retry_after``."""
WEBHOOK_PATH = "telegram"

# Each button action and the handler it goes to (one CallbackQueryHandler each, pattern=Button.matches).
BUTTONS: tuple[tuple[type[callbacks.Button], Handler], ...] = (
    (callbacks.NextQuestion, practice.next_button),
    (callbacks.Hint, practice.hint_button),
    (callbacks.Reveal, practice.reveal_button),
    (callbacks.Retry, practice.retry_button),
    (callbacks.RetryWithHint, practice.retry_with_hint_button),
    (callbacks.ModelAnswer, practice.model_answer_button),
    (callbacks.ToggleTopic, preferences.toggle_topic_button),
    (callbacks.SetLevel, preferences.set_level_button),
    (callbacks.PickZone, preferences.pick_zone_button),
    (callbacks.SetZone, preferences.set_zone_button),
    (callbacks.PushDays, preferences.push_days_button),
    (callbacks.DeleteAccount, preferences.delete_button),
    (callbacks.RoundChoice, interview.option_button),
    (callbacks.StartRound, interview.start_button),
    (callbacks.NewRound, interview.new_round_button),
    (callbacks.HintInRound, interview.hint_button),
    (callbacks.PassInRound, interview.pass_button),
    (callbacks.EndRound, interview.end_button),
    (callbacks.LeaveRound, interview.leave_button),
    (callbacks.StayInRound, interview.stay_button),
    (callbacks.ReviewStep, interview.review_button),
    (callbacks.PractiseDeck, decks.practise_button),
    (callbacks.DeleteDeck, decks.delete_button),
    (callbacks.DeleteDeckConfirmed, decks.delete_confirmed_button),
    (callbacks.KeepDeck, decks.keep_button),
    (callbacks.SubmitDeck, decks.submit_button),
    (callbacks.PublishDeck, decks.publish_button),
)


def build_application(
    settings: Settings,
    services: Services,
    *,
    engine: AsyncEngine | None = None,
    migrate_on_start: bool = False,
    flood_guard: FloodGuard | None = None,
    push_runner: PushRunner | None = None,
    group_push_runner: GroupPushRunner | None = None,
    schedule_daily_push: bool = True,
    request: BaseRequest | None = None,
) -> BotApplication:
    """The bot, ready to run: every handler registered here and nowhere else.

    ``engine`` (the one behind the services) is migrated in ``post_init`` if asked, and
    disposed in ``post_shutdown``. ``flood_guard`` defaults to 10 messages per 5 s per user.
    ``push_runner`` defaults to one over ``services.daily`` and ``group_push_runner`` to one over
    ``services.group_push``; both push jobs run every minute on the JobQueue unless
    ``schedule_daily_push`` is off. ``request`` replaces PTB's HTTP layer
    (its public ``BaseRequest`` extension point) for every Bot API call: the offline tests use it.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .context_types(CONTEXT_TYPES)
        .job_queue(new_job_queue())
        # Telegram's flood limits, overall and per group: wait out a 429's retry_after and try again, a few times.
        .rate_limiter(
            GroupRateLimiter(settings.telegram_rate_limit, settings.telegram_group_rate_limit, max_retries=SEND_RETRIES)
        )
        # Users are served concurrently, each user's own updates in order; floods are cut short.
        .concurrent_updates(
            PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES, flood_guard if flood_guard is not None else FloodGuard())
        )
    )
    if request is not None:
        builder = builder.request(request)
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")

    async def post_init(application: BotApplication) -> None:
        """Migrate the database (if asked), publish the command menu, schedule the daily push."""
        if engine is not None and migrate_on_start:
            await migrate_engine(engine, decks_dir=settings.decks_dir)
        loaded = await services.library.load()  # the published decks, from the database
        if isinstance(loaded, ReloadFailed):
            logger.error("Published decks left out (the bank files alone are in service): %s", loaded.problems)
        await application.bot.set_my_commands([BotCommand(c.name, c.description) for c in texts.TELEGRAM_COMMANDS])
        await application.bot.set_my_commands(
            [BotCommand(name, description) for name, description in group_texts.GROUP_COMMANDS],
            scope=BotCommandScopeAllGroupChats(),
        )
        if schedule_daily_push:
            schedule_push(application)
            schedule_group_push(application)

    async def post_shutdown(application: BotApplication) -> None:
        """Close the database connections and stop the chart worker process (if one was started)."""
        if engine is not None:
            await engine.dispose()
        chart_worker.shutdown_worker()

    application: BotApplication = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    runner = push_runner or PushRunner(services.daily)
    if runner.daily is not services.daily:
        raise ValueError("the push runner must use the services' daily push")
    bot_data = application.bot_data
    bot_data.conversation = services.conversation
    bot_data.decks = services.decks
    bot_data.library = services.library
    bot_data.daily = services.daily
    bot_data.push_runner = runner
    bot_data.groups = services.groups
    bot_data.group_push_runner = group_push_runner or GroupPushRunner(services.group_push)
    bot_data.group_admins = groups.AdminCache()
    bot_data.admin_ids = frozenset(settings.admin_ids)

    # Order matters: handlers in one group are tried top to bottom and the first match wins.
    # In groups new messages only: an edited reply is not another answer, an edited command not run again.
    private, in_groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    # -1. (A handler group of its own, run first.) A button pressed in a group: the bot puts none
    #     there, so it is forged or stale; answered, and stopped before any private button handler.
    application.add_handler(TypeHandler(Update, groups.button_in_group), group=-1)
    # 0. The bot's own membership: a user blocked (or unblocked) it in private, or it joined or
    #    left a group (remembered: no pushes to a closed chat).
    application.add_handler(ChatMemberHandler(messages.chat_member_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    # 1. Groups and supergroups, before every private-chat handler. The bot speaks in a group only
    #    when spoken to: its commands, or a reply to its message. Nothing else there has a handler,
    #    so chatter, edits and unknown commands get no answer (never an "I didn't understand").
    application.add_handler(MessageHandler(in_groups & filters.StatusUpdate.MIGRATE, groups.migrated))
    group_commands: tuple[tuple[list[str], Handler], ...] = (
        (["question", "next"], groups.question_command),
        (["reveal"], groups.reveal_command),
        (["leaderboard"], groups.leaderboard_command),
        (["subscribe"], groups.subscribe_command),
        (["unsubscribe"], groups.unsubscribe_command),
        (["settings"], groups.settings_command),
        (["topics"], groups.topics_command),
        (["delete_group"], groups.delete_group_command),
        (["help", "start"], groups.help_command),
    )
    for names, command in group_commands:
        application.add_handler(CommandHandler(names, command, filters=in_groups))
    # The private chat's own commands, typed in a group: one line saying where they work.
    in_both = {name for names, _ in group_commands for name in names}
    private_only = [c.name for c in texts.TELEGRAM_COMMANDS if c.name not in in_both]
    application.add_handler(CommandHandler(private_only, groups.private_only_command, filters=in_groups))
    application.add_handler(
        MessageHandler(in_groups & filters.REPLY & filters.TEXT & ~filters.COMMAND, groups.reply_answer)
    )
    # 2. Private chat: edited messages first, so an edited "/hint" is not run again as a command.
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED, messages.edited_message))
    # 3. The commands of the menu (texts.TELEGRAM_COMMANDS; /next is an alias of /question). The
    #    conversation service decides whether /hint, /answer, /skip, /cancel and /question act on a
    #    round or on practice.
    commands: tuple[tuple[list[str], Handler], ...] = (
        (["start"], practice.start),
        (["help"], practice.help_command),
        (["question", "next"], practice.question_command),
        (["hint"], practice.hint_command),
        (["answer"], practice.answer_command),
        (["skip"], practice.skip_command),
        (["retry"], practice.retry_command),
        (["cancel"], practice.cancel_command),
        (["stats"], practice.stats_command),
        (["topics"], preferences.topics_command),
        (["settings"], preferences.settings_command),
        (["subscribe"], preferences.subscribe_command),
        (["unsubscribe"], preferences.unsubscribe_command),
        (["delete_me"], preferences.delete_me_command),
        (["interview"], interview.interview_command),
        (["history"], interview.history_command),
        (["timelimit"], interview.timelimit_command),
        (["mydecks"], decks.my_decks_command),
        # Admins only (ADMIN_IDS); to anybody else these answer as unknown commands.
        (["admin"], admin.admin_command),
        (["reload"], admin.reload_command),
        (["decks"], admin.waiting_decks_command),
    )
    for names, command in commands:
        application.add_handler(CommandHandler(names, command, filters=private))
    # 4. Any other command in private: after the known ones, before free text would take it as an answer.
    application.add_handler(MessageHandler(private & filters.COMMAND, messages.unknown_command))
    # 5. Inline buttons (private chats only, see -1): one handler per button action, each seeing only
    #    its own well-formed data (callbacks.py builds and parses all of it); anything else is unknown.
    for button, pressed in BUTTONS:
        application.add_handler(CallbackQueryHandler(pressed, pattern=button.matches))
    application.add_handler(CallbackQueryHandler(messages.unknown_button))
    # 6. A file in a private chat is a deck of the sender's own questions.
    application.add_handler(MessageHandler(private & filters.Document.ALL, decks.deck_received))
    # 7. Free text in a private chat is an answer (or earns a nudge).
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, practice.text_answer))
    # 8. Everything else a user can send privately (stickers, photos, voice, ...).
    application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, messages.unsupported_message))
    # 9. Last: the one error handler, which logs and apologises.
    application.add_error_handler(messages.error_handler)
    return application


def load_bank_or_exit(settings: Settings) -> Bank:
    """The bank files, validated, or their problems on stderr and exit status 1 (published decks join in post_init)."""
    try:
        return load_bank(settings.bank_folders)
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
    services = build_services(
        bank,
        make_sessionmaker(engine),
        bank_paths=settings.bank_folders,
        default_timezone=settings.default_timezone,
        default_daily_time=settings.default_daily_time,
        push_grace=dtm.timedelta(minutes=settings.push_grace_minutes),
        group_question_time=dtm.timedelta(hours=settings.group_question_hours),
        group_cooldown=dtm.timedelta(minutes=settings.group_cooldown_minutes),
        push_lease=dtm.timedelta(seconds=settings.push_lease_seconds),
    )
    application = build_application(settings, services, engine=engine, migrate_on_start=True)
    logger.info("Starting with %d questions in %d topics", len(bank.questions), len(bank.topics))
    if settings.webhook_url:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
