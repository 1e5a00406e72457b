"""Time is passed in: a clock is anything that returns an aware UTC ``datetime``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class FixedClock:
    """A clock for tests and benchmarks that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = as_utc(now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.now += delta


def as_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC, with ``tzinfo`` exactly ``datetime.UTC``.

    Raises:
        ValueError: the datetime is naive (no time zone), which would be ambiguous.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    return moment.astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day at ``moment`` in ``zone``: the unit of streaks and daily limits."""
    return as_utc(moment).astimezone(zone).date()
