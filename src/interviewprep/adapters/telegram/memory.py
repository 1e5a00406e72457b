"""What the bot remembers between updates, in memory and bounded.

Nothing here is needed for correctness: every entry is a shortcut the services would
give again (at the price of a query), or a short-lived conversation state (a /practice
session, a typed setting) whose loss after a restart costs one extra tap. Entries are
evicted least-recently-used, so memory stays flat however many people use the bot
(PTB's own ``user_data`` would keep a dict per user forever).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_SIZE = 50_000


class Lru(Generic[K, V]):
    """A dict that forgets its least recently used entries beyond ``size``."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Remember ``value``; evicts the oldest entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Forget ``key``; returns what was there."""
        return self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Session:
    """A /practice run in a private chat: how many questions are left, on which topic."""

    total: int
    left: int
    topic: str | None = None


@dataclass(frozen=True)
class Awaiting:
    """The bot asked for a typed value (a time or a time zone) for a settings field."""

    mode: str
    field: str


@dataclass
class Memory:
    """Shortcuts and conversation state shared by the handlers and the sender.

    Attributes:
        persons: Telegram user id -> person id.
        open: person id -> the attempt of the last question this process put to them.
        sessions: Telegram user id -> the running /practice session.
        awaiting: Telegram user id -> the settings field a typed value is expected for.
    """

    persons: Lru[int, int] = field(default_factory=Lru)
    open: Lru[int, int] = field(default_factory=Lru)
    sessions: Lru[int, Session] = field(default_factory=lambda: Lru(5_000))
    awaiting: Lru[int, Awaiting] = field(default_factory=lambda: Lru(5_000))

    def asked(self, person: int, attempt: int, user: int | None = None) -> None:
        """A question was put to ``person`` (in a private chat with ``user``)."""
        self.open.put(person, attempt)
        if user is not None:
            self.persons.put(user, person)

    def forget_user(self, user: int) -> None:
        """Drop everything about a Telegram user (after /forget, /link, NotEnrolled)."""
        person = self.persons.pop(user)
        if person is not None:
            self.open.pop(person)
        self.sessions.pop(user)
        self.awaiting.pop(user)
