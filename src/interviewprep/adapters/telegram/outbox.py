"""Sending rendered HTML: long texts split into parts, the keyboard on the last part."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode

from interviewprep.adapters.telegram.markup import split


async def send_html(
    bot: Bot,
    chat_id: int | str,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message:
    """Send ``text`` (HTML) in as many messages as needed; returns the last one.

    The first part replies to ``reply_to`` (when given) and the last part carries the
    keyboard, so buttons sit under the end of the text.
    """
    parts = split(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id=chat_id,
            text=part,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if last else None,
            reply_parameters=(
                ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0
                else None
            ),
        )
    assert message is not None
    return message
