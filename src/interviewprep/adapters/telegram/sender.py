"""The delivery engine's Telegram sender: renders daily questions, group questions and
reminders, and turns Bot API errors into what the engine understands.

The sender uses its own :class:`telegram.Bot` without PTB's rate limiter: the engine
paces deliveries itself (:attr:`TelegramSender.limits`), so the two never queue the same
message twice or fight over a 429.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from interviewprep.adapters.telegram import render
from interviewprep.adapters.telegram.memory import Memory
from interviewprep.adapters.telegram.outbox import send_html
from interviewprep.app import App
from interviewprep.delivery.messages import (
    DailyQuestion,
    GroupQuestion,
    Outgoing,
    RateLimits,
    RecipientGone,
    RecipientPaused,
    Reminder,
    RetryLater,
)

logger = logging.getLogger(__name__)

PLATFORM = "telegram"

# Telegram: about 30 messages per second overall and one per second per chat (20 per
# minute in groups). Deliveries get 20/s; interactive replies keep the rest (see bot.py).
LIMITS = RateLimits(per_second=20.0, per_chat_interval=1.0)

# Bot API error descriptions, lower-cased, that mean the chat is gone for good...
_GONE = (
    "bot was blocked by the user",
    "user is deactivated",
    "bot was kicked",
    "chat not found",
    "group chat was deactivated",
    "group chat was deleted",
    "bot is not a member",
    "peer_id_invalid",
    "bot can't initiate conversation",
    "chat_id is empty",
)
# ...and that mean the bot is there but may not post (an admin can fix it).
_NO_RIGHTS = (
    "not enough rights",
    "have no rights",
    "chat_write_forbidden",
    "need administrator rights",
    "topic_closed",
    "chat_restricted",
)


def classify(error: TelegramError) -> RecipientGone | RecipientPaused | None:
    """The delivery error a Bot API error stands for, or None (a real failure)."""
    text = error.message.lower()
    if any(marker in text for marker in _NO_RIGHTS):
        return RecipientPaused(error.message)
    if isinstance(error, Forbidden) or any(marker in text for marker in _GONE):
        return RecipientGone(error.message)
    return None


class TelegramSender:
    """Sends what the delivery engine hands over, through a Bot without PTB's limiter."""

    platform = PLATFORM
    limits = LIMITS

    def __init__(self, bot: Bot, app: App, memory: Memory | None = None) -> None:
        self.bot = bot
        self.app = app
        self.memory = memory

    async def send(self, message: Outgoing) -> str | None:
        """Render and send one message; returns the id of the message with the buttons.

        Raises:
            RetryLater: Telegram answered 429 (flood control).
            RecipientGone: blocked bot, deleted chat, user gone.
            RecipientPaused: the bot may not post in that group.
        """
        if isinstance(message, DailyQuestion):
            text, keyboard = render.daily(message)
        elif isinstance(message, GroupQuestion):
            text, keyboard = render.group_question(message)
        elif isinstance(message, Reminder):
            text, keyboard = render.reminder(message)
        else:  # pragma: no cover - the engine only hands over the three kinds
            raise TypeError(f"cannot send {type(message).__name__}")
        chat_id = message.address.chat_id
        try:
            sent = await self._send(chat_id, text, keyboard, message)
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc)) from exc
        except (Forbidden, BadRequest) as exc:
            mapped = classify(exc)
            if mapped is None:
                raise
            logger.info("delivery %s to chat %s: %s", message.delivery_id, chat_id, exc.message)
            raise mapped from exc
        if isinstance(message, DailyQuestion) and self.memory is not None:
            # a private chat's id is the user's id: the answer will not need a lookup
            user = int(chat_id) if chat_id.lstrip("-").isdigit() else None
            self.memory.asked(message.person_id, message.question.attempt_id, user)
        return str(sent)

    async def _send(
        self,
        chat_id: str,
        text: str,
        keyboard: InlineKeyboardMarkup | None,
        message: Outgoing,
    ) -> int:
        try:
            return await send_html(self.bot, chat_id, text, keyboard)
        except ChatMigrated as exc:
            # a group became a supergroup: it has a new id; post there and remember it
            new_id = str(exc.new_chat_id)
            if isinstance(message, GroupQuestion):
                self.app.groups.migrate(PLATFORM, chat_id, new_id)
            logger.info("chat %s migrated to %s", chat_id, new_id)
            return await send_html(self.bot, new_id, text, keyboard)


def _seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for (PTB 22 warns that the type will become timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
