"""Namespaced ``custom_id`` strings for buttons, selects and modals.

Every component the bot sends carries what its handler needs in its ``custom_id``
(at most 100 characters), so buttons keep working after a restart. Nothing in a
``custom_id`` is trusted: handlers verify every id against the database through the
services (the attempt or review must belong to the person clicking, the group must be
this server's, the question must be the group's question of that day).

Formats (``<ctx>`` is ``p<post message id>`` for a group question, or
``n<remaining>[.<topic>]`` for a personal practice run):

    ip:ans:<group_id>:<yyyymmdd>:<question_id>    the Answer button under a daily group post
    ip:pick:<attempt_id>:<option>:<ctx>           one option of a choice question
    ip:multi:<attempt_id>:<ctx>                   the select of a multiple-choice question
    ip:write:<attempt_id>:<ctx>                   opens the answer modal of an open question
    ip:modal:<attempt_id>:<ctx>                   the answer modal itself
    ip:skip:<attempt_id>  ip:reveal:<attempt_id>:<ctx>  ip:hint:<attempt_id>:<ctx>
    ip:rate:<review_id>:<rating>                  rating buttons (1 Again ... 4 Easy)
    ip:share:<attempt_id>:<post message id>       share an answer in the thread (spoilers)
    ip:next:<ctx>                                 the next question of a practice run
    ip:forget:<yes|no>                            confirm or cancel /forget
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_CUSTOM_ID = 100
PREFIX = "ip:"

_ID = r"\d{1,20}"
QUESTION_ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}"
CTX = r"(?:p\d{1,20}|n\d{1,2}(?:\.[a-z0-9-]{1,40})?)"

ANSWER = rf"ip:ans:(?P<group>{_ID}):(?P<day>\d{{8}}):(?P<question>{QUESTION_ID})"
PICK = rf"ip:pick:(?P<attempt>{_ID}):(?P<option>\d{{1,2}}):(?P<ctx>{CTX})"
MULTI = rf"ip:multi:(?P<attempt>{_ID}):(?P<ctx>{CTX})"
WRITE = rf"ip:write:(?P<attempt>{_ID}):(?P<ctx>{CTX})"
MODAL = rf"ip:modal:(?P<attempt>{_ID}):(?P<ctx>{CTX})"
SKIP = rf"ip:skip:(?P<attempt>{_ID})"
REVEAL = rf"ip:reveal:(?P<attempt>{_ID}):(?P<ctx>{CTX})"
HINT = rf"ip:hint:(?P<attempt>{_ID}):(?P<ctx>{CTX})"
RATE = rf"ip:rate:(?P<review>{_ID}):(?P<rating>[1-4])"
SHARE = rf"ip:share:(?P<attempt>{_ID}):(?P<post>{_ID})"
NEXT = rf"ip:next:(?P<ctx>{CTX})"
FORGET = r"ip:forget:(?P<choice>yes|no)"

ANSWER_FIELD = "answer"  # the text input of the answer modal


@dataclass(frozen=True)
class Ctx:
    """Where a question came from: a group post (with its thread) or a practice run."""

    post_id: int | None = None  # the group post (its thread has the same id)
    remaining: int = 0  # questions left in a /practice run after this one
    topic: str | None = None  # the topic of the /practice run

    @property
    def group(self) -> bool:
        """True for a group's daily question."""
        return self.post_id is not None

    def encode(self) -> str:
        """The ``<ctx>`` part of a custom_id."""
        if self.post_id is not None:
            return f"p{self.post_id}"
        text = f"n{max(0, min(self.remaining, 99))}"
        if self.topic and re.fullmatch(r"[a-z0-9-]{1,40}", self.topic):
            text += f".{self.topic}"
        return text

    @classmethod
    def decode(cls, text: str) -> Ctx:
        """Read a ``<ctx>`` part (already matched by :data:`CTX`)."""
        if text.startswith("p"):
            return cls(post_id=int(text[1:]))
        count, _, topic = text[1:].partition(".")
        return cls(remaining=int(count), topic=topic or None)


def _checked(custom_id: str) -> str:
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"custom_id longer than {MAX_CUSTOM_ID} characters: {custom_id!r}")
    return custom_id


def answer(group_id: int, day: date, question_id: str) -> str:
    """The Answer button under a group's daily post."""
    return _checked(f"ip:ans:{group_id}:{day:%Y%m%d}:{question_id}")


def pick(attempt_id: int, option: int, ctx: Ctx) -> str:
    """One option (0-based index) of a single-choice or true/false question."""
    return _checked(f"ip:pick:{attempt_id}:{option}:{ctx.encode()}")


def multi(attempt_id: int, ctx: Ctx) -> str:
    """The select menu of a multiple-choice question."""
    return _checked(f"ip:multi:{attempt_id}:{ctx.encode()}")


def write(attempt_id: int, ctx: Ctx) -> str:
    """The button that opens the answer modal."""
    return _checked(f"ip:write:{attempt_id}:{ctx.encode()}")


def modal(attempt_id: int, ctx: Ctx) -> str:
    """The answer modal."""
    return _checked(f"ip:modal:{attempt_id}:{ctx.encode()}")


def skip(attempt_id: int) -> str:
    """Put a question aside for today."""
    return _checked(f"ip:skip:{attempt_id}")


def reveal(attempt_id: int, ctx: Ctx) -> str:
    """Show the answer (scheduled as Again)."""
    return _checked(f"ip:reveal:{attempt_id}:{ctx.encode()}")


def hint(attempt_id: int, ctx: Ctx) -> str:
    """The next hint."""
    return _checked(f"ip:hint:{attempt_id}:{ctx.encode()}")


def rate(review_id: int, rating: int) -> str:
    """Confirm or override the suggested rating."""
    return _checked(f"ip:rate:{review_id}:{rating}")


def share(attempt_id: int, post_id: int) -> str:
    """Share an answer in the thread of a group post."""
    return _checked(f"ip:share:{attempt_id}:{post_id}")


def next_question(ctx: Ctx) -> str:
    """The next question of a practice run."""
    return _checked(f"ip:next:{ctx.encode()}")


def forget(confirm: bool) -> str:
    """Confirm (or cancel) deleting everything."""
    return f"ip:forget:{'yes' if confirm else 'no'}"


def parse_day(text: str) -> date | None:
    """``yyyymmdd`` -> date, or None for an impossible date (a forged id)."""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
