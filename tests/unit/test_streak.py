"""Streak rules, with examples and a property test against a reference computation."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from interviewprep.domain.streak import DayStatus, StreakRules, compute

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
