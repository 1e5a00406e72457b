"""The read services the chat commands call on every interaction: lookups by platform
account, streaks (with missed and excused days), stats per topic, groups.

They run on both databases (the ``engine`` fixture) and check what a member sees, not
how it is queried.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from interviewprep.bank.loader import Bank
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.queue import ItemKind
from interviewprep.domain.streak import DayStatus
from interviewprep.services.errors import NotEnrolled, UnknownGroup
from interviewprep.services.groups import Groups
from interviewprep.services.practice import Practice
from interviewprep.storage.tables import Delivery, Recipient
from interviewprep.storage.uow import UnitOfWorkFactory
from tests.history import add_answer


def _answer(practice: Practice, person: int, text: str = "right") -> None:
    view = practice.next_question(person)
    assert view is not None
    practice.submit_answer(person, view.attempt_id, text)


def _reveal(practice: Practice, person: int) -> None:
    view = practice.next_question(person)
    assert view is not None
    practice.reveal(person, view.attempt_id)


def _missed_delivery(
    engine: Engine, day: date, person_id: int | None = None, group_id: int | None = None
) -> None:
    """A daily delivery the engine recorded as missed (the bot was down that day)."""
    now = datetime.combine(day, datetime.min.time()).astimezone()
    with Session(engine) as session:
        recipient = Recipient(
            kind="person" if person_id else "group",
            platform="discord",
            chat_id=f"chat-{person_id}-{group_id}-{day}",
            person_id=person_id,
            group_id=group_id,
            created_at=now,
        )
        session.add(recipient)
        session.flush()
        assert recipient.id is not None
        session.add(
            Delivery(
                recipient_id=recipient.id,
                local_date=day,
                kind="daily",
                status="missed",
                claimed_at=now,
                lease_until=now,
            )
        )
        session.commit()


@pytest.fixture
def groups(engine: Engine, bank: Bank, practice: Practice, clock: FixedClock) -> Groups:
    return Groups(UnitOfWorkFactory(engine), bank, practice, clock)


def test_person_lookup_by_platform_account(practice: Practice) -> None:
    person = practice.enrol("discord", "42", "Ada")
    assert practice.find_person("discord", "42") == person
    assert practice.find_person("telegram", "42") is None
    assert practice.find_person("discord", "43") is None
    assert practice.streak_of("discord", "43") is None
    assert practice.stats_of("discord", "43") is None


def test_settings_are_read_back_and_unknown_people_refused(practice: Practice) -> None:
    person = practice.enrol("discord", "42", "Ada", timezone="Europe/Berlin")
    practice.update_settings(
        person,
        rest_days=[6],
        topics=["sql"],
        quiet_start="22:00",
        quiet_end="07:00",
        interview_date=date(2026, 4, 1),
    )
    settings = practice.settings(person)
    assert settings.display_name == "Ada"
    assert settings.timezone == "Europe/Berlin"
    assert settings.rest_days == [6]
    assert settings.topics == ["sql"]
    assert (settings.quiet_start, settings.quiet_end) == ("22:00", "07:00")
    assert settings.interview_date == date(2026, 4, 1)
    with pytest.raises(NotEnrolled):
        practice.settings(person + 1000)
    with pytest.raises(NotEnrolled):
        practice.streak(person + 1000)
    with pytest.raises(NotEnrolled):
        practice.stats(person + 1000)


def test_streak_across_a_missed_day(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("discord", "42")
    practice.update_settings(person, new_per_day=20)
    _answer(practice, person)  # Saturday 7 March
    clock.advance(timedelta(days=1))
    _answer(practice, person)  # Sunday
    clock.advance(timedelta(days=2))  # Monday missed
    _answer(practice, person)  # Tuesday: one answer does not restore Monday (two would)
    clock.advance(timedelta(days=1))
    _reveal(practice, person)  # Wednesday: a revealed answer is not a streak day

    streak = practice.streak_of("discord", "42")

    assert streak is not None
    assert streak == practice.streak(person)
    assert (streak.current, streak.longest, streak.total_days) == (1, 2, 3)
    assert not streak.today_done
    assert streak.today == date(2026, 3, 11)
    statuses = dict(streak.history)
    assert statuses[date(2026, 3, 9)] is DayStatus.MISSED
    assert statuses[date(2026, 3, 10)] is DayStatus.DONE


def test_a_day_missed_while_the_bot_was_down_is_excused(
    practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    person = practice.enrol("discord", "42")
    practice.update_settings(person, new_per_day=20)
    _answer(practice, person)  # 7 March
    _missed_delivery(engine, date(2026, 3, 8), person_id=person)
    clock.advance(timedelta(days=2))
    _answer(practice, person)  # 9 March

    streak = practice.streak_of("discord", "42")

    assert streak is not None
    assert streak.current == 2
    assert dict(streak.history)[date(2026, 3, 8)] is DayStatus.EXCUSED


def test_streaks_of_several_people_match_each_one(practice: Practice, clock: FixedClock) -> None:
    ada = practice.enrol("discord", "1")
    bob = practice.enrol("discord", "2", timezone="Pacific/Auckland")
    idle = practice.enrol("discord", "3")
    for person in (ada, bob):
        practice.update_settings(person, new_per_day=20)
    _answer(practice, ada)
    _answer(practice, bob)
    clock.advance(timedelta(days=1))
    _answer(practice, ada)

    many = practice.streaks([ada, bob, idle, 9999])

    assert set(many) == {ada, bob, idle}  # unknown ids are left out
    for person in (ada, bob, idle):
        assert many[person] == practice.streak(person)
    assert (many[ada].current, many[bob].current, many[idle].current) == (2, 1, 0)
    assert many[bob].today == date(2026, 3, 8)  # 09:00 UTC on 8 March is 22:00 in Auckland
    assert practice.streaks([]) == {}


def test_stats_per_topic(practice: Practice) -> None:
    person = practice.enrol("discord", "42")
    practice.update_settings(person, new_per_day=6, topics=["sql"])
    for text in ["right", "wrong", "half"]:
        _answer(practice, person, text)

    stats = practice.stats_of("discord", "42")

    assert stats is not None
    assert stats == practice.stats(person)
    assert (stats.answered, stats.correct, stats.cards) == (3, 2, 3)
    (sql,) = stats.topics
    assert (sql.topic, sql.answered, sql.correct) == ("sql", 3, 2)
    assert sql.retention is not None
    assert 0 < sql.retention <= 1
    assert stats.weakest == ("sql",)
    assert sum(n for _, n in stats.forecast) == 3
    assert stats.due_now == 0


def test_stats_of_someone_without_answers(practice: Practice) -> None:
    practice.enrol("discord", "42")
    stats = practice.stats_of("discord", "42")
    assert stats is not None
    assert (stats.answered, stats.cards, stats.topics, stats.weakest) == (0, 0, (), ())
    assert len(stats.forecast) == 7


def test_group_found_by_server_with_its_delivery_state(groups: Groups) -> None:
    assert groups.find("discord", "900") is None
    made = groups.setup(
        "discord", "900", channel_id="901", name="Guild", timezone="UTC", delivery_time="09:00"
    )
    found = groups.find("discord", "900")
    assert found == made
    assert found is not None
    assert found.active
    assert not found.paused
    groups.pause(made.id, "holidays")
    paused = groups.get(made.id)
    assert paused.paused
    assert paused.inactive_reason == "holidays"
    assert groups.find("discord", "900") == paused
    with pytest.raises(UnknownGroup):
        groups.get(made.id + 1000)
    with pytest.raises(UnknownGroup):
        groups.streak(made.id + 1000)


def test_group_streak_counts_days_with_enough_members(
    groups: Groups, practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    group = groups.setup(
        "discord", "900", channel_id="901", name="Guild", timezone="UTC", delivery_time="09:00"
    )
    ada, bob = practice.enrol("discord", "1"), practice.enrol("discord", "2")
    outsider = practice.enrol("discord", "3")
    for person in (ada, bob, outsider):
        practice.update_settings(person, new_per_day=20)
    groups.join(group.id, ada)
    groups.join(group.id, bob)
    _answer(practice, ada)  # 7 March: both members (min_members is 2)
    _answer(practice, bob)
    clock.advance(timedelta(days=1))
    _answer(practice, ada)  # 8 March: one member and an outsider: not a group day
    _answer(practice, outsider)
    _missed_delivery(engine, date(2026, 3, 9), group_id=group.id)  # 9 March: bot was down
    clock.advance(timedelta(days=2))
    _answer(practice, ada)  # 10 March: both again
    _answer(practice, bob)

    streak = groups.streak(group.id)

    assert (streak.current, streak.longest, streak.total_days) == (1, 1, 2)
    statuses = dict(streak.history)
    assert statuses[date(2026, 3, 8)] is DayStatus.MISSED
    assert statuses[date(2026, 3, 9)] is DayStatus.EXCUSED
    assert statuses[date(2026, 3, 10)] is DayStatus.DONE


def test_group_streak_follows_who_is_a_member(
    groups: Groups, practice: Practice, clock: FixedClock
) -> None:
    group = groups.setup(
        "discord", "900", channel_id="901", name="Guild", timezone="UTC", delivery_time="09:00"
    )
    ada, bob = practice.enrol("discord", "1"), practice.enrol("discord", "2")
    for person in (ada, bob):
        practice.update_settings(person, new_per_day=20)
    groups.join(group.id, ada)
    _answer(practice, ada)
    _answer(practice, ada)  # two answers: still one member that day
    _answer(practice, bob)  # not a member yet
    assert not groups.streak(group.id).today_done

    groups.join(group.id, bob)  # his answer of the day counts once he joins

    assert (groups.streak(group.id).current, groups.streak(group.id).today_done) == (1, True)
    practice.forget(bob)
    assert (groups.streak(group.id).current, groups.streak(group.id).today_done) == (0, False)


def test_group_streak_by_server_id(groups: Groups, practice: Practice, clock: FixedClock) -> None:
    assert groups.streak_of("discord", "900") is None
    group = groups.setup(
        "discord", "900", channel_id="901", name="Guild", timezone="UTC", delivery_time="09:00"
    )
    groups.update(group.id, min_members=1)
    ada = practice.enrol("discord", "1")
    groups.join(group.id, ada)
    _answer(practice, ada)

    server = groups.streak_of("discord", "900")

    assert server is not None
    assert (server.group_id, server.min_members) == (group.id, 1)
    assert server.streak == groups.streak(group.id)
    assert (server.streak.current, server.streak.today_done) == (1, True)
    assert groups.streak_of("telegram", "900") is None


def test_today_read_shows_the_day_question_once_asked(
    practice: Practice, clock: FixedClock
) -> None:
    assert practice.today_of("discord", "42") is None  # not enrolled
    person = practice.enrol("discord", "42", timezone="Pacific/Auckland")
    assert practice.today_of("discord", "42") is None  # nothing asked today: today() asks

    asked = practice.today(person)  # 22:00 on 7 March in Auckland
    assert asked is not None

    shown = practice.today_of("discord", "42")
    assert shown == practice.today(person)
    assert shown is not None
    assert (shown.attempt_id, shown.answered, shown.resumed) == (asked.attempt_id, False, True)

    practice.submit_answer(person, asked.attempt_id, "right")
    done = practice.today_of("discord", "42")
    assert done == practice.today(person)
    assert done is not None
    assert done.answered
    assert done.kind is ItemKind.REVIEW  # it has a card now

    clock.advance(timedelta(hours=3))  # 01:00 on 8 March in Auckland: a new day
    assert practice.today_of("discord", "42") is None


def _history(engine: Engine, person: int, days: list[date], revealed: bool = False) -> None:
    """Answers on these local days, written straight into the tables (a long history)."""
    with Session(engine) as session:
        for day in days:
            add_answer(session, person, day, question_id="sql-1", rating=3, revealed=revealed)
        session.commit()


def test_leaderboard_streaks_match_the_whole_history(
    engine: Engine, practice: Practice, groups: Groups, clock: FixedClock
) -> None:
    today = clock.now.date()
    group = groups.setup(
        "discord", "900", channel_id="901", name="Club", timezone="UTC", delivery_time="09:00"
    )

    def ago(*offsets: int) -> list[date]:
        return [today - timedelta(days=o) for o in offsets]

    histories = {
        "every day for 80 days": ago(*range(80)),
        "a break inside the window": ago(*range(12), *range(15, 80)),
        "one miss inside the window, frozen": ago(*range(20), *range(21, 80)),
        "recent only": ago(*range(5)),
        "long ago only": ago(*range(60, 80)),
        "yesterday not today": ago(*range(1, 50)),
        "revealed today": ago(*range(1, 10)),
        "rest days": [d for d in ago(*range(70)) if d.weekday() != 6],
    }
    for i in range(20):  # more members than one read by id takes (WINDOW_PEOPLE)
        histories[f"filler {i:02}"] = ago(*range(i % 7, 40, 1 + i % 3))
    people = {}
    for name, days in histories.items():
        person = practice.enrol("discord", name, name)
        groups.join(group.id, person)
        _history(engine, person, days)
        people[name] = person
    practice.update_settings(people["rest days"], rest_days=[6])
    _history(engine, people["revealed today"], ago(0), revealed=True)
    _missed_delivery(engine, today - timedelta(days=40), person_id=people["long ago only"])

    ranked = groups.leaderboard(group.id, "all")
    board = {row.display_name: row.streak for row in ranked}
    assert groups.leaderboard(group.id, "all", limit=3) == ranked[:3]  # by id, not the group

    expected = {name: practice.streak(person).current for name, person in people.items()}
    assert board == expected
    assert board["every day for 80 days"] == 80
    assert board["a break inside the window"] == 12
    assert board["one miss inside the window, frozen"] == 79
    assert board["long ago only"] == 0
