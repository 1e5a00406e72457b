"""What the delivery engine hands to adapters, and what adapters may answer with.

An adapter registers one :class:`Sender` per platform. The engine decides *when* and
*what* (the question, the reminder); the sender only renders and sends. A sender
signals platform trouble with the exceptions below, never with return codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from interviewprep.services.views import QuestionView


@dataclass(frozen=True)
class Address:
    """Where a message goes on one platform (chat id, channel id or user id for DMs)."""

    platform: str
    chat_id: str


@dataclass(frozen=True)
class DailyQuestion:
    """A person's own daily question; the attempt is already open for them."""

    delivery_id: int
    address: Address
    person_id: int
    local_date: date
    question: QuestionView
    streak: int  # current streak before today's answer


@dataclass(frozen=True)
class GroupQuestion:
    """A group's shared question for one local day; members answer with ``Groups.answer_as``."""

    delivery_id: int
    address: Address
    group_id: int
    local_date: date
    question_id: str
    prompt: str
    type: str  # a QuestionType value
    options: tuple[str, ...]
    topics: tuple[str, ...]
    level: str
    role_id: str | None  # a role to mention (Discord), if the admin set one
    group_streak: int
    yesterday: tuple[str, ...] = field(default=())  # display names who answered yesterday


@dataclass(frozen=True)
class Reminder:
    """A streak-saver: the person has not met today's goal and their day ends soon."""

    delivery_id: int
    address: Address
    person_id: int
    local_date: date
    streak: int  # the streak at stake
    restorable: int  # a streak broken yesterday that answering twice today restores
    answered_today: int
    daily_goal: int
    hours_left: int


Outgoing = DailyQuestion | GroupQuestion | Reminder


@dataclass(frozen=True)
class RateLimits:
    """A platform's sending limits, which the engine keeps to.

    Attributes:
        per_second: messages per second overall (Telegram: about 30).
        per_chat_interval: minimum seconds between two messages to one chat.
    """

    per_second: float = 30.0
    per_chat_interval: float = 1.0


class Sender(Protocol):
    """One platform's way to deliver: implemented by each adapter."""

    platform: str
    limits: RateLimits

    async def send(self, message: Outgoing) -> str | None:
        """Render and send one message; return the platform's message id, if any.

        Raises:
            RetryLater: the platform asked to wait (HTTP 429); the engine waits and retries.
            RecipientGone: the chat is gone or the bot is blocked; the recipient is deactivated.
            RecipientPaused: the bot lacks permissions there; the recipient is paused until
                an admin resumes it.
        """
        ...


class DeliveryError(Exception):
    """Base class of what a sender may raise to steer the engine."""


class RetryLater(DeliveryError):
    """Rate limited: retry the same message after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited; retry after {seconds:g} s")
        self.seconds = max(float(seconds), 0.0)


class RecipientGone(DeliveryError):
    """The chat no longer exists or the bot was blocked: stop sending, keep the data."""


class RecipientPaused(DeliveryError):
    """The bot cannot post there (missing permissions): pause until an admin resumes."""
