"""Callback data for inline buttons: short, namespaced, parsed strictly.

Every button's ``callback_data`` is ``ip:<verb>:<arg>...`` and at most 64 bytes (the
Bot API limit). The payload only *names* things (an attempt, a review, an option); the
services verify that they belong to the person who tapped, so a forged or stale payload
gets a clear "not yours / not open" answer and never changes anything. Parsing here only
checks the shape: anything else is :data:`None` ("unknown button").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from interviewprep.domain.rating import Rating

PREFIX = "ip"
MAX_BYTES = 64
MAX_ID = 2**53  # ids are database integers; refuse anything absurd before it hits the core


class Verb(StrEnum):
    """What a button does."""

    ANSWER = "a"  # a: attempt, option index (single choice)
    TRUE_FALSE = "t"  # t: attempt, 0 for true / 1 for false
    TOGGLE = "m"  # m: attempt, selection bit mask after the tap (multiple choice)
    SUBMIT = "M"  # M: attempt, selection bit mask (multiple choice)
    HINT = "h"  # h: attempt
    SKIP = "s"  # s: attempt
    REVEAL = "v"  # v: attempt
    RATE = "r"  # r: review, rating 1-4
    NEXT = "n"  # n: (no argument) next question of the session
    GROUP_ANSWER = "g"  # g: option index; the group question is the message's own
    SETTING = "o"  # o: mode, field, value (onboarding and /settings)
    FORGET = "f"  # f: person, expiry (unix seconds) or 0 to cancel


@dataclass(frozen=True)
class Callback:
    """A parsed button payload."""

    verb: Verb
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        """The argument at ``index`` as a non-negative integer.

        Raises:
            ValueError: missing, not a plain decimal number, or out of range.
        """
        text = self.args[index]
        if not text.isdigit() or len(text) > 16 or int(text) > MAX_ID:
            raise ValueError(f"not an id: {text!r}")
        return int(text)


def encode(verb: Verb, *args: object) -> str:
    """Build callback data such as ``ip:a:42:1``.

    Raises:
        ValueError: an argument contains ``:`` or the result exceeds 64 bytes.
    """
    parts = [str(a) for a in args]
    if any(":" in p for p in parts):
        raise ValueError("callback arguments must not contain ':'")
    data = ":".join([PREFIX, verb.value, *parts])
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


_ARITY = {
    Verb.ANSWER: 2,
    Verb.TRUE_FALSE: 2,
    Verb.TOGGLE: 2,
    Verb.SUBMIT: 2,
    Verb.HINT: 1,
    Verb.SKIP: 1,
    Verb.REVEAL: 1,
    Verb.RATE: 2,
    Verb.NEXT: 0,
    Verb.GROUP_ANSWER: 1,
    Verb.SETTING: 3,
    Verb.FORGET: 2,
}


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None when it is not one of ours or not well formed."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != PREFIX:
        return None
    try:
        verb = Verb(parts[1])
    except ValueError:
        return None
    args = tuple(parts[2:])
    if len(args) != _ARITY[verb] or any(not a for a in args):
        return None
    callback = Callback(verb, args)
    try:
        if verb in {Verb.ANSWER, Verb.TRUE_FALSE, Verb.TOGGLE, Verb.SUBMIT, Verb.RATE, Verb.FORGET}:
            callback.int_arg(0)
            callback.int_arg(1)
        elif verb in {Verb.HINT, Verb.SKIP, Verb.REVEAL, Verb.GROUP_ANSWER}:
            callback.int_arg(0)
    except ValueError:
        return None
    if verb is Verb.RATE and int(args[1]) not in {int(r) for r in Rating}:
        return None
    if verb is Verb.TRUE_FALSE and args[1] not in {"0", "1"}:
        return None
    return callback
