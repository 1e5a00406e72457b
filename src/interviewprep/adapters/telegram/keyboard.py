"""Inline keyboards of callback buttons, built from plain rows and serialised once.

PTB builds, validates and freezes an object per button, then walks them all again to
serialise the markup on every send: ~0.25 ms for the five rating buttons under a result
(bench/telegram_profile.py), about as much as grading and saving a choice answer. Every
keyboard this adapter sends holds callback buttons whose labels and payloads it made
(and checked) itself, so :class:`Keyboard` keeps them as ``(label, callback_data)``
pairs, hands PTB their JSON when a message is sent, and builds PTB's button objects only
if something reads :attr:`Keyboard.inline_keyboard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject

Button = tuple[str, str]  # (label, callback data)


class Keyboard(InlineKeyboardMarkup):
    """An :class:`~telegram.InlineKeyboardMarkup` of callback buttons given as plain rows."""

    __slots__ = ("_json", "_rows")

    def __init__(self, rows: Sequence[Sequence[Button]]) -> None:
        TelegramObject.__init__(self, api_kwargs=None)  # PTB's objects are made on demand
        self._rows: tuple[tuple[Button, ...], ...] = tuple(tuple(row) for row in rows)
        self._json = {
            "inline_keyboard": [
                [{"text": text, "callback_data": data} for text, data in row] for row in self._rows
            ]
        }
        self._id_attrs = (self._rows,)
        self._freeze()

    @property
    def inline_keyboard(  # type: ignore[override]
        self,
    ) -> tuple[tuple[InlineKeyboardButton, ...], ...]:
        """The buttons as PTB objects (made on each access; sending does not need them)."""
        return tuple(
            tuple(InlineKeyboardButton(text, callback_data=data) for text, data in row)
            for row in self._rows
        )

    @property
    def rows(self) -> tuple[tuple[Button, ...], ...]:
        """The ``(label, callback data)`` rows."""
        return self._rows

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """The ``reply_markup`` JSON, built once."""
        return self._json
