"""Local wall times to UTC instants: the fast path agrees with the minute-by-minute walk."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings, strategies as st

from interviewprep.domain import timing

ZONES = sorted(available_timezones())


@settings(max_examples=3000, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_instant_agrees_with_the_walk(zone: str, day: date, at: time) -> None:
    tz = ZoneInfo(zone)
    assert timing.instant(day, at, tz) == timing.walk_instant(day, at, tz)


def test_days_around_every_2026_transition_agree_with_the_walk() -> None:
    """Every zone's 2026 offset changes: the change day is detected, neighbours are exact."""
    transitions = 0
    for name in ZONES:
        tz = ZoneInfo(name)
        day = date(2026, 1, 1)
        while day.year == 2026:
            noon = datetime.combine(day, time(12), tzinfo=tz).utcoffset()
            next_noon = datetime.combine(day + timedelta(days=1), time(12), tzinfo=tz).utcoffset()
            if noon != next_noon:
                transitions += 1
                for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
                    if not _steady_walk(near, tz):  # the fast path must stand aside
                        assert timing.steady_offset(near, tz) is None, (name, near)
                    for hour in range(24):
                        for minute in (0, 30, 59):
                            at = time(hour, minute)
                            expected = timing.walk_instant(near, at, tz)
                            assert timing.instant(near, at, tz) == expected, (name, near, at)
            day += timedelta(days=1)
    assert transitions > 100  # dozens of zones change offset twice a year


def _steady_walk(day: date, tz: ZoneInfo) -> bool:
    """True when every half hour of ``day`` has the same offset (wall minus UTC, by the walk)."""
    offsets = {
        datetime.combine(day, time(hour, minute))
        - timing.walk_instant(day, time(hour, minute), tz).replace(tzinfo=None)
        for hour in range(24)
        for minute in (0, 30)
    }
    return len(offsets) == 1


def test_spring_forward_gap_moves_to_the_next_valid_minute() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-03-29 02:30 does not exist in Berlin: 02:00 jumps to 03:00 (01:00 UTC)
    assert timing.steady_offset(date(2026, 3, 29), berlin) is None
    assert timing.instant(date(2026, 3, 29), time(2, 30), berlin) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_fall_back_fold_takes_the_first_occurrence() -> None:
    new_york = ZoneInfo("America/New_York")
    # 2026-11-01 01:30 happens twice; the first is EDT (UTC-4)
    assert timing.instant(date(2026, 11, 1), time(1, 30), new_york) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_steady_day_is_plain_arithmetic() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    assert timing.steady_offset(date(2026, 7, 1), kolkata) == timedelta(hours=5, minutes=30)
    assert timing.instant(date(2026, 7, 1), time(9, 0), kolkata) == datetime(
        2026, 7, 1, 3, 30, tzinfo=UTC
    )
