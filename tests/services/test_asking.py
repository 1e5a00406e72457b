"""Asking without the ORM (``Practice.next_question``, ``next_question_of`` and ``queue``
on :class:`~interviewprep.storage.asking.AskUnit`), on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from interviewprep.bank.loader import Bank
from interviewprep.domain.clock import FixedClock
from interviewprep.services.errors import NotEnrolled
from interviewprep.services.practice import Practice
from interviewprep.storage import db
from interviewprep.storage.tables import Attempt
from interviewprep.storage.uow import UnitOfWorkFactory
from tests.services.conftest import FakeGrader


def _attempts(engine: Engine, person: int) -> list[tuple[int, str, str, str]]:
    """(id, question, status, source) of a person's attempts, oldest first."""
    table = Attempt.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.question_id, table.c.status, table.c.source)
            .where(table.c.person_id == person)
            .order_by(table.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def other_engine(engine: Engine) -> Iterator[Engine]:
    """A second engine on the same database: the connections of another process."""
    if engine.dialect.name == "sqlite":
        other = db.make_engine(engine.url.render_as_string(hide_password=False))
    else:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        other = db.make_engine(
            engine.url.render_as_string(hide_password=False),
            connect_args={"options": f"-csearch_path={schema}"},
        )
    yield other
    other.dispose()


def test_next_question_of_asks_what_the_queue_shows_and_stores_the_attempt(
    practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    person = practice.enrol("discord", "42", timezone="Asia/Tokyo")
    expected = practice.queue(person, 1)[0].question_id
    view = practice.next_question_of("discord", "42", source="drill")
    assert view is not None
    assert (view.question_id, view.resumed, view.kind.value) == (expected, False, "new")
    assert _attempts(engine, person) == [(view.attempt_id, expected, "asked", "drill")]
    table = Attempt.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == view.attempt_id)).one()
    assert row.asked_at == clock()
    assert row.asked_on == (clock() + timedelta(hours=9)).date()  # Tokyo's day
    assert (row.hints_used, row.closed_at, row.group_id, row.group_day) == (0, None, None, None)


def test_next_question_of_an_unknown_account_is_not_enrolled_and_writes_nothing(
    practice: Practice, engine: Engine
) -> None:
    practice.enrol("discord", "42")
    with pytest.raises(NotEnrolled):
        practice.next_question_of("discord", "43")
    with pytest.raises(NotEnrolled):
        practice.next_question_of("telegram", "42")
    with pytest.raises(NotEnrolled):
        practice.next_question(10_000)
    with pytest.raises(NotEnrolled):
        practice.queue(10_000)
    with engine.connect() as connection:
        assert connection.execute(select(Attempt.__table__)).first() is None  # type: ignore[attr-defined]


def test_an_open_question_is_resumed_with_its_card_and_hints(
    practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    person = practice.enrol("discord", "42")
    practice.update_settings(person, new_per_day=20, level="senior")
    first = practice.next_question_of("discord", "42", topic="sql")
    assert first is not None
    practice.submit_answer(person, first.attempt_id, "no idea")  # Again: due in minutes
    clock.advance(timedelta(days=1))
    again = practice.next_question_of("discord", "42")
    assert again is not None
    assert again.question_id == first.question_id
    assert again.kind.value == "review"
    practice.hint(person, again.attempt_id)
    resumed = practice.next_question_of("discord", "42")
    by_id = practice.next_question(person)
    assert resumed == by_id
    assert resumed is not None
    assert (resumed.attempt_id, resumed.resumed, resumed.kind.value) == (
        again.attempt_id,
        True,
        "review",
    )
    assert resumed.hints_available == again.hints_available - 1
    assert [a[2] for a in _attempts(engine, person)] == ["answered", "asked"]


def test_another_process_resumes_the_question_this_one_asked(
    practice: Practice, engine: Engine, other_engine: Engine, bank: Bank, clock: FixedClock
) -> None:
    person = practice.enrol("discord", "42")
    view = practice.next_question_of("discord", "42")
    assert view is not None
    other = Practice(
        UnitOfWorkFactory(other_engine), bank, FakeGrader(), clock=clock, fuzz_intervals=False
    )
    again = other.next_question_of("discord", "42")
    assert again is not None
    assert (again.attempt_id, again.resumed) == (view.attempt_id, True)
    assert [a[2] for a in _attempts(engine, person)] == ["asked"]
    # set aside for another topic there: one open attempt is left, the newest
    topic = next(t for t in sorted(bank.topics) if t not in bank.get(view.question_id).topics)  # type: ignore[union-attr]
    other.update_settings(person, level="senior")
    moved = other.next_question(person, topic=topic)
    assert moved is not None
    assert moved.attempt_id != view.attempt_id
    assert [a[2] for a in _attempts(engine, person)] == ["skipped", "asked"]
    assert practice.next_question_of("discord", "42") == replace(moved, resumed=True)


def test_a_failed_insert_rolls_back_and_leaves_a_usable_connection(
    practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    """An attempt for a person deleted meanwhile (another process's /forget) is refused
    by the foreign key; the unit's connection goes back to the pool rolled back."""
    person = practice.enrol("discord", "42")
    with practice.uow.asking() as unit:
        unit.insert_attempt(person, "t.choice-1", clock(), clock().date(), "practice")
        with pytest.raises(IntegrityError):
            unit.insert_attempt(person + 1000, "t.choice-1", clock(), clock().date(), "practice")
    assert _attempts(engine, person) == []  # the first insert was not committed either
    for _ in range(3):  # every pooled connection is clean (PostgreSQL: not aborted)
        view = practice.next_question_of("discord", "42")
        assert view is not None
    assert len(_attempts(engine, person)) == 1


def test_the_account_read_is_the_persons_settings(practice: Practice) -> None:
    person = practice.enrol("discord", "42", timezone="Europe/Berlin")
    practice.update_settings(person, topics=["sql"], level="junior", new_per_day=3)
    with practice.uow.asking() as unit:
        context = unit.ask_context_of("discord", "42")
        by_id = unit.ask_context(person)
    assert context == by_id
    assert context is not None
    assert (context.id, context.timezone, context.topics, context.level) == (
        person,
        "Europe/Berlin",
        ["sql"],
        "junior",
    )
    assert (context.new_per_day, context.attempt_id, context.card) == (3, None, None)


def test_two_processes_asking_for_one_person_at_once_open_one_attempt(
    practice: Practice,
    engine: Engine,
    other_engine: Engine,
    bank: Bank,
    grader: FakeGrader,
    clock: FixedClock,
) -> None:
    """Each asker reads the person's open attempt under a lock held to its commit, so the
    second one waits and then resumes the first one's question."""
    other = Practice(UnitOfWorkFactory(other_engine), bank, grader, clock=clock)
    person = practice.enrol("discord", "42")
    practice.update_settings(person, new_per_day=50)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # interleave the two threads as two processes would
    try:
        for _ in range(25):
            barrier = threading.Barrier(2)
            seen: list[int] = []

            threads = [
                threading.Thread(target=_ask_at_once, args=(s, barrier, seen))
                for s in (practice, other)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(seen) == 2
            assert seen[0] == seen[1]  # the second asker resumed the first one's attempt
            opened = [a for a in _attempts(engine, person) if a[2] == "asked"]
            assert len(opened) == 1
            practice.skip(person, seen[0])
            clock.advance(timedelta(days=1))  # a skipped question is asked again another day
    finally:
        sys.setswitchinterval(switch)


def _ask_at_once(service: Practice, barrier: threading.Barrier, seen: list[int]) -> None:
    barrier.wait()
    view = service.next_question_of("discord", "42")
    assert view is not None
    seen.append(view.attempt_id)


def test_current_of_shows_the_open_question_of_an_account_and_writes_nothing(
    practice: Practice, engine: Engine
) -> None:
    with pytest.raises(NotEnrolled):
        practice.current_of("discord", "7")
    person = practice.enrol("discord", "7")
    assert practice.current_of("discord", "7") is None
    asked = practice.next_question(person)
    assert asked is not None
    shown = practice.current_of("discord", "7")
    assert shown is not None
    assert (shown.attempt_id, shown.question_id, shown.resumed) == (
        asked.attempt_id,
        asked.question_id,
        True,
    )
    assert shown == practice.current(person)
    assert len(_attempts(engine, person)) == 1
