"""Local wall-clock times to UTC instants, across DST changes.

A daily delivery at 09:00 means 09:00 on the recipient's wall clock every day, so the
UTC instant moves when the zone changes offset. Two edge cases:

* a wall time that does not exist that day (the clock springs forward over it) is
  moved to the next minute that exists, e.g. 02:30 -> 03:00;
* a wall time that happens twice (the clock falls back) is taken at its first
  occurrence; one delivery per local day means it is never sent twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_MAX_GAP_MINUTES = 24 * 60  # no zone skips a whole day except at date-line moves


def parse_hhmm(text: str) -> time:
    """``"09:30"`` -> ``time(9, 30)``; the caller has validated the text."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def exists(day: date, at: time, zone: ZoneInfo) -> bool:
    """True when ``at`` appears on the wall clock of ``zone`` on ``day``."""
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


@lru_cache(maxsize=8192)
def steady_offset(day: date, zone: ZoneInfo) -> timedelta | None:
    """The UTC offset ``zone`` keeps through the whole of local ``day``, or None.

    None when the offset differs between the day's start, its noon and the next day's
    start, i.e. on a day with a transition. (A day with two transitions that cancel out
    before noon and after it would also be caught; tzdata has none for present dates.)
    """
    offsets = {
        datetime.combine(day, moment, tzinfo=zone).utcoffset() for moment in (time(0), time(12))
    }
    offsets.add(datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset())
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return offset


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on local ``day`` (see module notes on DST)."""
    offset = steady_offset(day, zone)
    if offset is not None:  # most days: plain arithmetic, no zone lookups per call
        return (datetime.combine(day, at) - offset).replace(tzinfo=UTC)
    return walk_instant(day, at, zone)


def walk_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """:func:`instant` the slow way: minute by minute to the first wall time that exists."""
    wall = datetime.combine(day, at)
    for _ in range(_MAX_GAP_MINUTES):
        if exists(wall.date(), wall.time(), zone):
            # fold=0 is the first of two repeated wall times (fall back)
            return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        wall += timedelta(minutes=1)
    raise ValueError(f"{at} on {day} never appears in {zone.key}")  # pragma: no cover


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The local calendar date of a UTC instant."""
    return moment.astimezone(zone).date()


def in_quiet_hours(at: time, start: time | None, end: time | None) -> bool:
    """True when ``at`` falls inside quiet hours ``[start, end)``, which may wrap midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def reminder_time(
    hours_before_midnight: int, quiet_start: time | None, quiet_end: time | None
) -> time:
    """The local time of the streak-saver reminder.

    It is ``hours_before_midnight`` before the end of the day; when that falls inside quiet
    hours it moves earlier, to 30 minutes before quiet hours begin, so it still arrives
    while the day can be saved.
    """
    hours = min(max(hours_before_midnight, 1), 23)
    at = time(24 - hours, 0)
    if in_quiet_hours(at, quiet_start, quiet_end) and quiet_start is not None:
        moved = datetime.combine(date(2000, 1, 1), quiet_start) - timedelta(minutes=30)
        at = moved.time()
    return at


def next_instant(now: datetime, at: time, zone: ZoneInfo, *, today_if_passed: bool) -> datetime:
    """The next UTC instant of wall time ``at``.

    Args:
        now: the current UTC instant.
        at: the local wall time.
        zone: the local zone.
        today_if_passed: return today's instant even when it has passed (it is then
            due at once), instead of tomorrow's.
    """
    today = local_day(now, zone)
    moment = instant(today, at, zone)
    if moment > now or today_if_passed:
        return moment
    return instant(today + timedelta(days=1), at, zone)
