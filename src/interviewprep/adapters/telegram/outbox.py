"""Sending rendered HTML: long texts split into parts, the keyboard on the last part.

Replies go out through :func:`post`: PTB's own request path (defaults, the rate
limiter, timeouts, errors mapped to :mod:`telegram.error`) without turning the Bot
API's answer into a :class:`telegram.Message` nobody reads. Parsing that answer was a
third of the cost of sending (bench/telegram_profile.py), and Telegram's real answer
(the whole text, its entities and the keyboard) is larger than any test's.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode

from interviewprep.adapters.telegram.markup import split


async def post(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """Call a Bot API method through PTB's request path; returns the raw JSON result.

    ``Bot._post`` is what every PTB method calls after collecting its arguments; an
    ``ExtBot`` applies its rate limiter below it, so replies stay paced as before.
    """
    return await bot._post(method, params)


async def send_html(
    bot: Bot,
    chat_id: int | str,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> int:
    """Send ``text`` (HTML) in as many messages as needed; returns the last one's id.

    The first part replies to ``reply_to`` (when given) and the last part carries the
    keyboard, so buttons sit under the end of the text.
    """
    parts = split(text)
    message_id = 0
    for index, part in enumerate(parts):
        params: dict[str, Any] = {"chat_id": chat_id, "text": part, "parse_mode": ParseMode.HTML}
        if keyboard is not None and index == len(parts) - 1:
            params["reply_markup"] = keyboard
        if reply_to is not None and index == 0:
            params["reply_parameters"] = ReplyParameters(
                message_id=reply_to, allow_sending_without_reply=True
            )
        result = await post(bot, "sendMessage", params)
        message_id = int(result["message_id"])
    return message_id
