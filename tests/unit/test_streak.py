"""Streak rules, with examples and a property test against a reference computation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from interviewprep.domain.streak import DayStatus, StreakRules, compute, current_from

MON = date(2026, 3, 2)  # a Monday


def days(*offsets: int, n: int = 1) -> dict[date, int]:
    return {MON + timedelta(days=o): n for o in offsets}


def test_no_answers_no_streak() -> None:
    streak = compute({}, MON, StreakRules())
    assert (streak.current, streak.longest, streak.total_days) == (0, 0, 0)


def test_consecutive_days_count_and_today_is_pending() -> None:
    streak = compute(days(0, 1, 2), MON + timedelta(days=3), StreakRules())
    assert streak.current == 3
    assert not streak.today_done
    assert streak.at_risk
    assert streak.history[-1] == (MON + timedelta(days=3), DayStatus.PENDING)


def test_a_missed_day_breaks_the_streak() -> None:
    streak = compute(days(0, 1, 3), MON + timedelta(days=3), StreakRules())
    assert (streak.current, streak.longest) == (1, 2)


def test_rest_days_neither_extend_nor_break() -> None:
    # Mon..Fri answered, Sat+Sun rest, Mon answered
    rules = StreakRules(rest_weekdays=frozenset({5, 6}))
    streak = compute(days(0, 1, 2, 3, 4, 7), MON + timedelta(days=7), rules)
    assert streak.current == 6
    answered_on_rest = compute(days(0, 5), MON + timedelta(days=5), rules)
    assert answered_on_rest.total_days == 2


def test_daily_goal() -> None:
    rules = StreakRules(daily_goal=3)
    assert compute(days(0, n=2), MON, rules).current == 0
    assert compute(days(0, n=3), MON, rules).current == 1


def test_freezes_are_earned_and_spent_on_a_missed_day() -> None:
    answered = days(*range(7), 8)  # a week, then a gap on day 7
    streak = compute(answered, MON + timedelta(days=8), StreakRules())
    assert streak.current == 8
    assert dict(streak.history)[MON + timedelta(days=7)] is DayStatus.FROZEN
    assert streak.freezes == 0


def test_at_most_two_freezes_are_held() -> None:
    streak = compute(days(*range(30)), MON + timedelta(days=29), StreakRules())
    assert streak.freezes == 2


def test_restore_window_by_answering_two_days_worth() -> None:
    counts = days(0, 1, 2)
    counts[MON + timedelta(days=4)] = 2  # missed day 3, double on day 4
    streak = compute(counts, MON + timedelta(days=4), StreakRules())
    assert streak.current == 4
    assert dict(streak.history)[MON + timedelta(days=3)] is DayStatus.RESTORED


def test_a_restorable_break_is_announced() -> None:
    streak = compute(days(0, 1, 2), MON + timedelta(days=4), StreakRules())
    assert streak.current == 0
    assert streak.restorable == 3


def reference(counts: dict[date, int], today: date, rest: frozenset[int]) -> int:
    """Current streak with no freezes and no restores: walk back from today."""
    current = 0
    day = today
    if counts.get(day, 0) == 0:
        day -= timedelta(days=1)  # today is not over
    while True:
        if counts.get(day, 0) > 0:
            current += 1
        elif day.weekday() not in rest:
            return current
        if day < min(counts, default=today):
            return current
        day -= timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(
    offsets=st.sets(st.integers(0, 40), max_size=30),
    rest=st.frozensets(st.integers(0, 6), max_size=3),
    today_offset=st.integers(0, 45),
)
def test_streak_agrees_with_reference_and_moves_monotonically(
    offsets: set[int], rest: frozenset[int], today_offset: int
) -> None:
    today = MON + timedelta(days=today_offset)
    counts = {MON + timedelta(days=o): 1 for o in offsets if o <= today_offset}
    rules = StreakRules(rest_weekdays=rest, max_freezes=0)
    streak = compute(counts, today, rules)
    assert streak.current == reference(counts, today, rest) or any(
        s is DayStatus.RESTORED for _, s in streak.history
    )
    # answering today never lowers the streak; it raises it unless already done
    with_today = compute({**counts, today: counts.get(today, 0) + 1}, today, rules)
    assert with_today.current >= streak.current
    if not streak.today_done:
        assert with_today.current == streak.current + 1


# --- time zones, DST and answer instants ----------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]
# 2026-02-20 .. 2026-04-20 spans the northern spring-forward and southern fall-back changes
START = datetime(2026, 2, 20, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    minutes=st.lists(st.integers(0, 60 * 24 * 59), max_size=40),
    rest=st.frozensets(st.integers(0, 6), max_size=2),
)
def test_streak_over_zones_and_dst_follows_the_local_day(
    zone: str, minutes: list[int], rest: frozenset[int]
) -> None:
    """Day by day: an answer never lowers the streak, no answer never raises it, and it
    agrees with the reference walk over local dates.

    The streak is compared at the end of each day (as seen the next morning): during a
    day without an answer yet, the streak is only "at risk", not broken.
    """
    tz = ZoneInfo(zone)
    answers = sorted(START + timedelta(minutes=m) for m in minutes)
    counts: dict[date, int] = {}
    for moment in answers:
        day = moment.astimezone(tz).date()
        counts[day] = counts.get(day, 0) + 1
    rules = StreakRules(rest_weekdays=rest, max_freezes=0, restore=False)
    first = START.astimezone(tz).date()
    previous = 0
    for offset in range(61):
        today = first + timedelta(days=offset)
        seen = {d: n for d, n in counts.items() if d <= today}
        assert compute(seen, today, rules).current == reference(seen, today, rest)
        current = compute(seen, today + timedelta(days=1), rules).current
        if today in seen:
            assert current >= previous
        else:
            assert current <= previous
        previous = current


@settings(max_examples=100, deadline=None)
@given(
    first=st.sampled_from(ZONES),
    second=st.sampled_from(ZONES),
    minutes=st.lists(st.integers(0, 60 * 24 * 30), min_size=1, max_size=30),
    switch=st.integers(0, 60 * 24 * 30),
)
def test_changing_time_zone_never_creates_or_removes_a_recorded_day(
    first: str, second: str, minutes: list[int], switch: int
) -> None:
    """Days are stored as local dates when answered; a later move keeps them as they were."""
    recorded: dict[date, int] = {}
    for m in sorted(minutes):
        moment = START + timedelta(minutes=m)
        tz = ZoneInfo(first if m < switch else second)
        day = moment.astimezone(tz).date()
        recorded[day] = recorded.get(day, 0) + 1
    end = (START + timedelta(days=31)).astimezone(ZoneInfo(second)).date()
    streak = compute(recorded, end, StreakRules())
    assert streak.total_days == len(recorded)


# --- the current streak from a window of recent days ----------------------------------


@settings(max_examples=1000, deadline=None)
@given(
    counts=st.dictionaries(st.integers(0, 80), st.integers(0, 4), max_size=70),
    excused=st.sets(st.integers(0, 80), max_size=10),
    goal=st.integers(1, 2),
    rest=st.frozensets(st.integers(0, 6), max_size=2),
    max_freezes=st.integers(0, 2),
    earn_every=st.integers(1, 7),
    restore=st.booleans(),
    since_offset=st.integers(0, 80),
    today_offset=st.integers(0, 85),
)
def test_current_from_a_window_agrees_with_the_whole_history(
    counts: dict[int, int],
    excused: set[int],
    goal: int,
    rest: frozenset[int],
    max_freezes: int,
    earn_every: int,
    restore: bool,
    since_offset: int,
    today_offset: int,
) -> None:
    history = {MON + timedelta(days=o): n for o, n in counts.items()}
    gone = {MON + timedelta(days=o) for o in excused}
    today = MON + timedelta(days=today_offset)
    since = MON + timedelta(days=min(since_offset, today_offset))
    rules = StreakRules(
        daily_goal=goal,
        rest_weekdays=rest,
        earn_every=earn_every,
        max_freezes=max_freezes,
        restore=restore,
    )
    earlier = any(n > 0 and d < since for d, n in history.items())
    window = {d: n for d, n in history.items() if d >= since}  # what the window read returns

    current = current_from(window, today, rules, {d for d in gone if d >= since}, since, earlier)

    whole = compute(history, today, rules, gone).current
    assert current is None or current == whole
    if not earlier:
        assert current == whole


def test_current_from_a_window_after_a_break() -> None:
    rules = StreakRules()  # up to 2 freezes
    today = MON + timedelta(days=30)
    since = MON + timedelta(days=20)
    # a long run before the window, then three missed days in it, then 5 days answered
    history = days(*range(20), *range(25, 31))
    window = {d: n for d, n in history.items() if d >= since}
    assert current_from(window, today, rules, set(), since, earlier=True) == 6
    assert compute(history, today, rules).current == 6
    # two missed days in the window could have been frozen: the window cannot tell
    history = days(*range(20), *range(22, 31))
    window = {d: n for d, n in history.items() if d >= since}
    assert current_from(window, today, rules, set(), since, earlier=True) is None
    assert compute(history, today, rules).current == 29  # both frozen: earned before
