"""Wiring: the python-telegram-bot Application with every handler, in one place."""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from interviewprep.adapters.telegram import buttons, handlers, render
from interviewprep.adapters.telegram.memory import Memory
from interviewprep.adapters.telegram.ordering import PerChatUpdateProcessor
from interviewprep.adapters.telegram.transport import bot_request, updates_request
from interviewprep.app import App

logger = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

# Interactive replies (answers to what people send) are paced by PTB's AIORateLimiter
# at 10 messages/s overall and Telegram's 20/min per group, retrying a 429 twice.
# Deliveries from the engine go through a separate Bot (sender.py) that the engine
# paces at 20/s: together they stay under Telegram's ~30 messages/s.
INTERACTIVE_PER_SECOND = 10.0
# Updates of different chats handled at once while others wait for the Bot API.
CONCURRENT_UPDATES = 8
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]

_PRIVATE_COMMANDS = {
    "start": handlers.start,
    "settings": handlers.settings,
    "today": handlers.today,
    "practice": handlers.practice,
    "hint": handlers.hint,
    "skip": handlers.skip,
    "reveal": handlers.reveal,
    "streak": handlers.streak,
    "stats": handlers.stats,
    "topics": handlers.topics,
    "report": handlers.report,
    "export": handlers.export,
    "forget": handlers.forget,
    "link": handlers.link,
}
_NON_TEXT = (
    filters.ATTACHMENT
    | filters.Sticker.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
    | filters.VENUE
)


def api_roots(base_url: str | None) -> tuple[str, str] | None:
    """``(base_url, base_file_url)`` for a self-hosted Bot API server, e.g.
    ``http://127.0.0.1:8081`` -> ``http://127.0.0.1:8081/bot`` and ``.../file/bot``."""
    if not base_url:
        return None
    root = base_url.rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def default_rate_limiter() -> AIORateLimiter:
    """PTB's limiter for interactive replies (see the module constants)."""
    return AIORateLimiter(
        overall_max_rate=INTERACTIVE_PER_SECOND, overall_time_period=1, max_retries=2
    )


def build_application(
    app: App,
    token: str,
    *,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: AIORateLimiter | None = None,
    updater: bool = True,
    concurrency: int = CONCURRENT_UPDATES,
) -> TelegramApp:
    """Build the Application, register every handler; ``app`` and a :class:`Memory` go in
    ``bot_data``.

    Args:
        app: the core services.
        token: the bot token.
        base_url: a self-hosted Bot API server (``INTERVIEWPREP_TELEGRAM_BASE_URL``).
        request: the HTTP layer for API calls (tests pass a recording one); default
            :func:`~interviewprep.adapters.telegram.transport.bot_request` (aiohttp),
            two connections per concurrent update.
        get_updates_request: the HTTP layer for long polling; default
            :func:`~interviewprep.adapters.telegram.transport.updates_request` when
            ``request`` is the default too (PTB's own when a test passes ``request``).
        rate_limiter: the limiter for interactive replies; None for none (tests, benchmarks).
        updater: False for webhook-less, update-queue-less use such as ``process_update``.
        concurrency: updates handled at once (different chats only; see ordering.py).
    """
    builder = ApplicationBuilder().token(token)
    roots = api_roots(base_url)
    if roots is not None:
        builder = builder.base_url(roots[0]).base_file_url(roots[1])
    # Bot API calls over aiohttp (see transport.py); tests pass theirs
    if request is None:
        request = bot_request(2 * concurrency)
        if get_updates_request is None:
            get_updates_request = updates_request()
    builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limiter is not None:
        builder = builder.rate_limiter(cast(Any, rate_limiter))
    if not updater:
        builder = builder.updater(None)
    if concurrency > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrency))
    application: TelegramApp = builder.build()
    application.bot_data["app"] = app
    application.bot_data["memory"] = Memory()
    install(application)
    return application


def memory_of(application: TelegramApp) -> Memory:
    """The application's :class:`Memory` (shared with the delivery sender)."""
    memory = application.bot_data["memory"]
    assert isinstance(memory, Memory)
    return memory


def install(application: TelegramApp) -> None:
    """Register every handler (and the error handler) on ``application``."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    message = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, handlers.dedupe), group=-1)
    # the most frequent update first: PTB tries a group's handlers in order, and a typed
    # answer (private text, not a command) matches no other handler anyway
    application.add_handler(
        MessageHandler(private & message & filters.TEXT & ~filters.COMMAND, handlers.answer_text)
    )
    for name, callback in _PRIVATE_COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(CommandHandler("help", handlers.help_command))
    application.add_handler(CommandHandler("start", handlers.help_command, filters=groups))
    application.add_handler(CommandHandler("groupon", handlers.groupon, filters=groups))
    application.add_handler(CommandHandler("groupoff", handlers.groupoff, filters=groups))
    application.add_handler(
        CommandHandler(list(_PRIVATE_COMMANDS), handlers.private_only, filters=groups)
    )
    application.add_handler(CallbackQueryHandler(buttons.tap))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.migrated))
    application.add_handler(
        ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(private & message & _NON_TEXT, handlers.not_text))
    application.add_handler(MessageHandler(groups & message & filters.REPLY, handlers.group_reply))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited))
    application.add_error_handler(handlers.on_error)


async def set_commands(bot: Bot) -> None:
    """Publish the command menus (private chats and groups) with setMyCommands."""
    await bot.set_my_commands(
        [BotCommand(name, text[:256]) for name, text in render.COMMANDS],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand(name, text[:256]) for name, text in render.GROUP_COMMANDS],
        scope=BotCommandScopeAllGroupChats(),
    )
