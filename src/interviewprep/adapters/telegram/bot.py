"""``serve``: run the Telegram bot (polling or webhook) until told to stop.

Two :class:`telegram.Bot` objects share the token: the Application's, paced by PTB's
``AIORateLimiter`` for interactive replies, and the delivery engine's sender, paced by
the engine alone. Shutdown stops fetching updates first, then lets the Application
finish the update in hand, so no answer is half-processed.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram import Bot

from interviewprep.adapters.telegram.application import (
    ALLOWED_UPDATES,
    TelegramApp,
    api_roots,
    build_application,
    default_rate_limiter,
    memory_of,
    set_commands,
)
from interviewprep.adapters.telegram.sender import TelegramSender
from interviewprep.adapters.telegram.transport import bot_request
from interviewprep.app import App
from interviewprep.config import ConfigError, Settings
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.logsafe import RedactSecrets

logger = logging.getLogger(__name__)

# Loggers whose records may carry the bot token (request URLs contain it).
_NOISY = (
    "aiohttp",
    "httpx",
    "httpcore",
    "telegram",
    "telegram.ext",
    "interviewprep",
    "apscheduler",
)


class Redaction:
    """A :class:`RedactSecrets` filter attached to the root handlers and noisy loggers."""

    def __init__(self, token: str) -> None:
        self.filter = RedactSecrets([token])
        self.targets: list[logging.Filterer] = [
            *logging.getLogger().handlers,
            *(logging.getLogger(name) for name in _NOISY),
        ]
        for target in self.targets:
            target.addFilter(self.filter)
        # httpx logs every request URL (with the token) at INFO: keep it to warnings
        self.httpx_level = logging.getLogger("httpx").level
        logging.getLogger("httpx").setLevel(max(self.httpx_level, logging.WARNING))

    def remove(self) -> None:
        """Detach the filter again."""
        for target in self.targets:
            target.removeFilter(self.filter)
        logging.getLogger("httpx").setLevel(self.httpx_level)


def _token(settings: Settings) -> str:
    secret = settings.telegram_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise ConfigError("INTERVIEWPREP_TELEGRAM_TOKEN: not set (the token from @BotFather)")
    return token


def delivery_bot(settings: Settings, token: str) -> Bot:
    """The Bot the delivery engine's sender uses: no PTB limiter (the engine paces it);
    its concurrent workers share up to 8 connections (transport.py)."""
    roots = api_roots(settings.telegram_base_url)
    request = bot_request(8)
    if roots is None:
        return Bot(token, request=request)
    return Bot(token, base_url=roots[0], base_file_url=roots[1], request=request)


async def serve(app: App, engine: DeliveryEngine, stop: asyncio.Event) -> None:
    """Run the bot until ``stop`` is set, then shut down gracefully.

    Polling by default; a webhook server when ``INTERVIEWPREP_TELEGRAM_WEBHOOK_URL`` is
    set. The engine gets a :class:`TelegramSender` for daily questions and reminders.

    Raises:
        ConfigError: no token.
    """
    settings = app.settings
    token = _token(settings)
    redaction = Redaction(token)
    application = build_application(
        app, token, base_url=settings.telegram_base_url, rate_limiter=default_rate_limiter()
    )
    sender_bot = delivery_bot(settings, token)
    try:
        await application.initialize()
        await sender_bot.initialize()
        engine.register(TelegramSender(sender_bot, app, memory_of(application)))
        await set_commands(application.bot)
        await application.start()
        await _receive(application, settings)
        logger.info("telegram bot @%s running", application.bot.username)
        await stop.wait()
        logger.info("telegram bot stopping")
    finally:
        await _shutdown(application, sender_bot)
        redaction.remove()


async def _receive(application: TelegramApp, settings: Settings) -> None:
    updater = application.updater
    assert updater is not None
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        assert secret is not None  # the settings refuse a webhook URL without a secret
        await updater.start_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        logger.info(
            "webhook mode: listening on %s:%s",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
        )
    else:
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        logger.info("polling mode")


async def _shutdown(application: TelegramApp, sender_bot: Bot) -> None:
    """Stop fetching, finish the update in hand, then close connections.

    Each step runs even when an earlier one failed; otherwise PTB masks the real error
    with "This Application is still running!".
    """
    steps = []
    if application.updater is not None and application.updater.running:
        steps.append(application.updater.stop())
    if application.running:
        steps.append(application.stop())
    for step in steps:
        try:
            await step
        except Exception:
            logger.exception("error while stopping the telegram bot")
    for closing in (application.shutdown(), sender_bot.shutdown()):
        try:
            await closing
        except Exception:
            logger.exception("error while closing telegram connections")
