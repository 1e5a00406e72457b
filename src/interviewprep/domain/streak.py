"""Streak rules on the person's local calendar days.

A streak day is a local day with at least ``daily_goal`` answers. Rest weekdays
neither extend nor break a streak. Freezes are earned (one per ``earn_every``
consecutive streak days, at most ``max_freezes`` held) and spent automatically on a
missed day. A missed day with no freeze can still be restored the next day by
answering two days' worth (``2 x daily_goal``). Today never breaks a streak: the day
is not over.

Days are recorded as local dates when the answer is stored, so changing time zone
later never creates or removes a streak day.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class DayStatus(StrEnum):
    """What a calendar day did to the streak."""

    DONE = "done"  # goal met: extends the streak
    REST = "rest"  # a rest weekday without the goal met: neutral
    FROZEN = "frozen"  # missed, covered by a freeze: neutral
    RESTORED = "restored"  # missed, made up the next day: neutral
    EXCUSED = "excused"  # missed while the bot was down and could not deliver: neutral
    MISSED = "missed"  # broke the streak
    PENDING = "pending"  # today, goal not met yet


@dataclass(frozen=True)
class StreakRules:
    """The knobs of the streak rules."""

    daily_goal: int = 1
    rest_weekdays: frozenset[int] = frozenset()  # 0 = Monday ... 6 = Sunday
    earn_every: int = 7
    max_freezes: int = 2
    restore: bool = True  # a missed day can be made up the next day with 2 x goal

    def __post_init__(self) -> None:
        if self.daily_goal < 1:
            raise ValueError("daily goal must be at least 1")
        if any(not 0 <= d <= 6 for d in self.rest_weekdays):
            raise ValueError("rest weekdays are 0 (Monday) to 6 (Sunday)")


@dataclass(frozen=True)
class Streak:
    """The streak as of one local day."""

    current: int
    longest: int
    total_days: int
    freezes: int
    today_done: bool
    history: tuple[tuple[date, DayStatus], ...] = field(default=())
    restorable: int = 0  # a streak broken yesterday that today's double goal restores
    today: date | None = None  # the local day this streak is as of (for calendars)

    @property
    def at_risk(self) -> bool:
        """A streak is running and today's goal is not met yet."""
        return self.current > 0 and not self.today_done


def compute(
    counts: Mapping[date, int],
    today: date,
    rules: StreakRules,
    excused: Collection[date] = frozenset(),
) -> Streak:
    """Compute the streak from answers per local day, as of ``today``.

    Args:
        counts: number of answers on each local date (days without answers may be absent).
        today: the person's current local date.
        rules: goal, rest days and freeze policy.
        excused: days the bot was down and delivered nothing; missing them is neutral.
    """
    goal = rules.daily_goal
    active = sorted(d for d, n in counts.items() if n > 0)
    if active and active[-1] > today:
        # Moving west can put a recorded day "tomorrow"; it still counts, never vanishes.
        today = active[-1]
    if not active:
        return Streak(0, 0, 0, 0, today_done=False, today=today)
    current = longest = total = freezes = run_since_freeze = restorable = 0
    history: list[tuple[date, DayStatus]] = []
    day = active[0]
    while day <= today:
        n = counts.get(day, 0)
        if n >= goal:
            status = DayStatus.DONE
            current += 1
            total += 1
            run_since_freeze += 1
            if run_since_freeze >= rules.earn_every:
                freezes = min(freezes + 1, rules.max_freezes)
                run_since_freeze = 0
        elif day == today:
            status = DayStatus.PENDING
        elif day.weekday() in rules.rest_weekdays:
            status = DayStatus.REST
        elif day in excused:
            status = DayStatus.EXCUSED
        elif current == 0:
            status = DayStatus.MISSED  # nothing to break
        elif freezes > 0:
            status = DayStatus.FROZEN
            freezes -= 1
        elif rules.restore and counts.get(day + timedelta(days=1), 0) >= 2 * goal:
            status = DayStatus.RESTORED
        else:
            status = DayStatus.MISSED
            if rules.restore and day + timedelta(days=1) == today:
                restorable = current  # answering 2 x goal today brings it back
            current = 0
            run_since_freeze = 0
        longest = max(longest, current)
        history.append((day, status))
        day += timedelta(days=1)
    return Streak(
        current=current,
        longest=longest,
        total_days=total,
        freezes=freezes,
        today_done=counts.get(today, 0) >= goal,
        history=tuple(history),
        restorable=restorable,
        today=today,
    )


def current_from(
    counts: Mapping[date, int],
    today: date,
    rules: StreakRules,
    excused: Collection[date],
    since: date,
    earlier: bool,
) -> int | None:
    """The current streak as :func:`compute` gives it from the whole history, computed
    from the days since ``since`` only; None when days before ``since`` could change it.

    Without answers before ``since`` the window is the whole history. Otherwise the
    state at ``since`` is unknown, until a run of misses with no goal met in between
    outnumbers the freezes that can be held: each such miss spends a freeze or breaks
    the streak, and freezes are only earned on days the goal is met, so after it there
    is no streak and no freeze, whatever came before. (A miss the next day restores is
    not counted.) From there the streak depends on the window alone. Only the current
    streak is kept: no history, no longest.

    Args:
        counts: answers per local day; days before ``since`` are ignored.
        today: the owner's current local day.
        rules: as for :func:`compute`.
        excused: excused days (only those since ``since`` matter).
        since: the first day of the window (counts and excused days complete from it).
        earlier: whether any answer was recorded before ``since``.
    """
    days = {d: n for d, n in counts.items() if d >= since and n > 0}
    if days:
        today = max(today, max(days))  # as compute: a recorded day is never in the future
    elif not earlier:
        return 0
    goal, rest, restore = rules.daily_goal, rules.rest_weekdays, rules.restore
    known = not earlier  # is the state at ``day`` known (no streak, no freeze)?
    current = freezes = run = misses = 0
    day = since if earlier else min(days)
    one = timedelta(days=1)
    while day <= today:
        n = days.get(day, 0)
        if n >= goal:
            if known:
                current += 1
                run += 1
                if run >= rules.earn_every:
                    freezes = min(freezes + 1, rules.max_freezes)
                    run = 0
            misses = 0  # a freeze may have been earned
        elif day == today or day.weekday() in rest or day in excused:
            pass  # pending, rest or excused: neutral
        elif restore and days.get(day + one, 0) >= 2 * goal:
            if known and current and freezes:
                freezes -= 1  # frozen before it could be restored, as compute does
        elif not known:
            misses += 1
            if misses > rules.max_freezes:
                known = True  # no streak and no freeze from here on
        elif current and freezes:
            freezes -= 1
        else:
            current = run = 0
        day += one
    return current if known else None
