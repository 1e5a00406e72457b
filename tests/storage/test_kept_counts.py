"""The counts kept by the database's triggers (migration 0005) always equal what the
reads counted from the reviews before: answers per person and local day, distinct
members of a group with an unrevealed answer on each local day, and each person's
unrevealed answers of all time with those rated Hard or better. Checked after random
writes of every kind the application makes (answers, reveals, ratings, joins, /forget)
and some it does not make yet (a review removed, moved or revealed later; a member
leaving), on SQLite and PostgreSQL, and for the migration's backfill."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, case, delete, func, select, text, update
from sqlmodel import Session

from interviewprep.storage import db
from interviewprep.storage.repositories import PersonRepository
from interviewprep.storage.tables import (
    Group,
    GroupMember,
    Person,
    group_days,
    group_members,
    person_days,
    person_totals,
    question_totals,
    reviews,
)
from tests.history import add_answer

NOW = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(6)]
QUESTIONS = ["sql-1", "http-2", "git-3"]


def _expected(session: Session) -> dict[tuple[int, date], int]:
    """Members answering per group and day, counted from the reviews (the old read)."""
    statement = (
        select(
            group_members.c.group_id,
            reviews.c.local_date,
            func.count(func.distinct(reviews.c.person_id)),
        )
        .select_from(reviews.join(group_members, group_members.c.person_id == reviews.c.person_id))
        .where(reviews.c.revealed.is_(False))
        .group_by(group_members.c.group_id, reviews.c.local_date)
    )
    return {(g, _day(d)): n for g, d, n in session.execute(statement)}


def _expected_totals(session: Session) -> dict[int, tuple[int, int]]:
    """Each person's unrevealed answers and those rated Hard or better (the old read)."""
    statement = (
        select(
            reviews.c.person_id,
            func.count(),
            func.sum(case((reviews.c.rating >= 2, 1), else_=0)),
        )
        .where(reviews.c.revealed.is_(False))
        .group_by(reviews.c.person_id)
    )
    return {p: (n, int(c)) for p, n, c in session.execute(statement)}


def _expected_days(session: Session) -> dict[tuple[int, date], int]:
    """Each person's unrevealed answers per local day (the old streak reads)."""
    statement = (
        select(reviews.c.person_id, reviews.c.local_date, func.count())
        .where(reviews.c.revealed.is_(False))
        .group_by(reviews.c.person_id, reviews.c.local_date)
    )
    return {(p, _day(d)): n for p, d, n in session.execute(statement)}


def _kept_days(session: Session) -> dict[tuple[int, date], int]:
    rows = session.execute(
        select(person_days.c.person_id, person_days.c.day, person_days.c.answers)
    )
    return {(p, _day(d)): n for p, d, n in rows}


def _expected_outcomes(session: Session) -> dict[tuple[int, str], tuple[int, int]]:
    """Each person's answers per question, revealed ones too, and those rated Hard or
    better (the old stats read)."""
    statement = select(
        reviews.c.person_id,
        reviews.c.question_id,
        func.count(),
        func.sum(case((reviews.c.rating >= 2, 1), else_=0)),
    ).group_by(reviews.c.person_id, reviews.c.question_id)
    return {(p, q): (n, int(c)) for p, q, n, c in session.execute(statement)}


def _kept_outcomes(session: Session) -> dict[tuple[int, str], tuple[int, int]]:
    rows = session.execute(
        select(
            question_totals.c.person_id,
            question_totals.c.question_id,
            question_totals.c.answered,
            question_totals.c.correct,
        )
    )
    return {(p, q): (n, c) for p, q, n, c in rows}


def _kept_totals(session: Session) -> dict[int, tuple[int, int]]:
    rows = session.execute(
        select(person_totals.c.person_id, person_totals.c.answered, person_totals.c.correct)
    )
    return {p: (n, c) for p, n, c in rows if n}


def _kept(session: Session) -> dict[tuple[int, date], int]:
    rows = session.execute(select(group_days.c.group_id, group_days.c.day, group_days.c.members))
    return {(g, _day(d)): n for g, d, n in rows}


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _person(session: Session, name: str) -> int:
    person = Person(created_at=NOW, display_name=name)
    session.add(person)
    session.flush()
    assert person.id is not None
    return person.id


def _group(session: Session, n: int) -> int:
    group = Group(platform="discord", external_id=str(n), channel_id="1", created_at=NOW)
    session.add(group)
    session.flush()
    assert group.id is not None
    return group.id


def _join(session: Session, group_id: int, person_id: int) -> None:
    session.add(GroupMember(group_id=group_id, person_id=person_id, joined_at=NOW))
    session.flush()


def _random_write(
    session: Session, rng: random.Random, people: list[int], groups: list[int]
) -> str:
    """One random write; returns its kind."""
    kind = rng.choice(
        ["answer"] * 6
        + ["reveal", "join", "join", "leave", "remove", "move", "flip", "rate", "question"]
        + ["forget"]
    )
    review_ids = list(session.execute(select(reviews.c.id)).scalars())
    members = list(session.execute(select(group_members.c.group_id, group_members.c.person_id)))
    changes: dict[str, Callable[[], dict[str, Any]]] = {  # a review changed in place
        "move": lambda: {"local_date": rng.choice(DAYS)},
        "flip": lambda: {"revealed": ~reviews.c.revealed},
        "question": lambda: {"question_id": rng.choice(QUESTIONS)},
        "rate": lambda: {"rating": rng.choice([1, 2, 3, 4])},
    }
    if kind in ("answer", "reveal"):
        add_answer(
            session,
            rng.choice(people),
            rng.choice(DAYS),
            question_id=rng.choice(QUESTIONS),
            revealed=kind == "reveal",
            rating=rng.choice([None, 1, 2, 3, 4]),
        )
    elif kind == "join":
        group_id, person_id = rng.choice(groups), rng.choice(people)
        if (group_id, person_id) not in {tuple(m) for m in members}:
            _join(session, group_id, person_id)
    elif kind == "leave" and members:
        group_id, person_id = rng.choice(members)
        session.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id, group_members.c.person_id == person_id
            )
        )
    elif kind == "remove" and review_ids:
        session.execute(delete(reviews).where(reviews.c.id == rng.choice(review_ids)))
    elif kind in changes and review_ids:
        session.execute(
            update(reviews).where(reviews.c.id == rng.choice(review_ids)).values(**changes[kind]())
        )
    elif kind == "forget" and len(people) > 3:
        gone = people.pop(rng.randrange(len(people)))
        PersonRepository(session).delete_everything(gone)
        people.append(_person(session, "new"))
    return kind


def test_counts_follow_every_kind_of_write(engine: Engine) -> None:
    rng = random.Random(7)
    seen: set[str] = set()
    peak_days = peak_members = 0
    with Session(engine) as session:
        groups = [_group(session, n) for n in range(3)]
        people = [_person(session, f"p{n}") for n in range(8)]
        session.commit()
        for step in range(400):
            seen.add(_random_write(session, rng, people, groups))
            if step % 10 == 9:
                # a unit rolled back leaves the counts as they were, like its writes
                if rng.random() < 0.2:
                    session.rollback()
                    people[:] = list(session.execute(select(Person.id)).scalars())
                else:
                    session.commit()
                kept = _kept(session)
                assert kept == _expected(session), f"after step {step}"
                peak_days = max(peak_days, len(kept))
                peak_members = max([peak_members, *kept.values()])
                assert _kept_days(session) == _expected_days(session), f"after step {step}"
                assert _kept_totals(session) == _expected_totals(session), f"after step {step}"
                assert _kept_outcomes(session) == _expected_outcomes(session), f"at step {step}"
        session.commit()
        assert _kept(session) == _expected(session)
        assert _kept_days(session) == _expected_days(session)
        assert _kept_totals(session) == _expected_totals(session)
        assert _kept_outcomes(session) == _expected_outcomes(session)
    kinds = {"answer", "reveal", "join", "leave", "remove", "move", "flip", "rate", "question"}
    kinds.add("forget")
    assert seen >= kinds
    assert peak_days >= 10  # the writes made real overlap
    assert peak_members >= 3


def test_a_member_counts_once_a_day_and_brings_their_earlier_days(engine: Engine) -> None:
    with Session(engine) as session:
        group = _group(session, 1)
        ada, bob = _person(session, "ada"), _person(session, "bob")
        _join(session, group, ada)
        for _ in range(3):  # three answers on one day: one member that day
            add_answer(session, ada, DAYS[0])
        add_answer(session, ada, DAYS[1], revealed=True)  # a revealed answer does not count
        add_answer(session, bob, DAYS[0])
        add_answer(session, bob, DAYS[2])
        assert _kept(session) == {(group, DAYS[0]): 1}
        _join(session, group, bob)  # bob's answers before he joined count, as they did
        assert _kept(session) == {(group, DAYS[0]): 2, (group, DAYS[2]): 1}
        PersonRepository(session).delete_everything(bob)
        assert _kept(session) == {(group, DAYS[0]): 1}
        session.commit()


def test_the_migration_counts_what_was_already_answered(engine: Engine) -> None:
    db.downgrade(engine, "0004")
    with Session(engine) as session:
        first, second = _group(session, 1), _group(session, 2)
        ada, bob, cy = (_person(session, name) for name in ("ada", "bob", "cy"))
        for group_id, person_id in ((first, ada), (first, bob), (second, bob)):
            session.execute(
                group_members.insert().values(group_id=group_id, person_id=person_id, joined_at=NOW)
            )
        for person_id, day, revealed, rating in (
            (ada, DAYS[0], False, 3),
            (ada, DAYS[0], False, 1),
            (bob, DAYS[0], False, None),
            (bob, DAYS[1], True, 4),
            (cy, DAYS[1], False, 2),  # in no group
        ):
            add_answer(session, person_id, day, revealed=revealed, rating=rating)
        session.commit()
    db.upgrade(engine)
    with Session(engine) as session:
        assert _kept(session) == {(first, DAYS[0]): 2, (second, DAYS[0]): 1}
        assert _kept_totals(session) == {ada: (2, 1), bob: (1, 0), cy: (1, 1)}
        assert _kept_days(session) == {(ada, DAYS[0]): 2, (bob, DAYS[0]): 1, (cy, DAYS[1]): 1}
        assert _kept_outcomes(session) == _expected_outcomes(session)
        assert _kept_outcomes(session)[(bob, "q")] == (2, 1)  # the revealed answer too
        add_answer(session, cy, DAYS[1])  # the triggers run after the backfill: no double count
        _join(session, second, cy)
        assert _kept(session) == {(first, DAYS[0]): 2, (second, DAYS[0]): 1, (second, DAYS[1]): 1}
        assert _kept(session) == _expected(session)
        assert _kept_totals(session) == {ada: (2, 1), bob: (1, 0), cy: (2, 1)}


def test_members_answering_at_once_are_all_counted(engine: Engine) -> None:
    # on PostgreSQL the first answers of a day race to create the day's row: the upsert
    # must count every one of them (a plain insert-or-update in the application would not)
    with Session(engine) as session:
        group = _group(session, 1)
        people = [_person(session, f"p{n}") for n in range(24)]
        for person_id in people:
            _join(session, group, person_id)
        session.commit()
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def answer_all(batch: list[int]) -> None:
        start.wait()
        try:
            for person_id in batch:
                with Session(engine) as session:
                    add_answer(session, person_id, DAYS[0])
                    session.commit()
        except BaseException as exc:  # reported below: a thread's exception is lost
            errors.append(exc)

    threads = [threading.Thread(target=answer_all, args=(people[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert _kept(session) == {(group, DAYS[0]): 24}


def test_forget_takes_the_group_days_in_order(engine: Engine) -> None:
    # Another transaction holds the group's first day and then wants its last one. A
    # /forget that took the last day first would close a cycle, and PostgreSQL would
    # abort one of the two as a deadlock. The forget's reviews are deleted newest first
    # here: in the order they were written, as PostgreSQL reads them for a person with
    # many reviews (a bitmap or sequential scan), not by the index in day order.
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: no lock order to keep")
    with Session(engine) as session:
        group = _group(session, 1)
        ada, bob = _person(session, "ada"), _person(session, "bob")
        for person_id in (ada, bob):
            _join(session, group, person_id)
        for day in reversed(DAYS):
            add_answer(session, ada, day)
        add_answer(session, bob, DAYS[0])
        add_answer(session, bob, DAYS[-1])
        session.commit()
    errors: list[BaseException] = []

    def forget() -> None:
        try:
            with Session(engine) as session:
                session.execute(text("SET LOCAL enable_indexscan = off"))
                session.execute(text("SET LOCAL enable_bitmapscan = off"))
                PersonRepository(session).delete_everything(ada)
                session.commit()
        except BaseException as exc:  # reported below: a thread's exception is lost
            errors.append(exc)

    with engine.connect() as other:
        other.execute(_day_row(group, DAYS[0]).with_for_update())
        thread = threading.Thread(target=forget)
        thread.start()
        time.sleep(0.5)  # the forget now waits for the first day (or holds the last)
        other.execute(_day_row(group, DAYS[-1]).with_for_update())
        other.commit()
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert _kept(session) == {(group, DAYS[0]): 1, (group, DAYS[-1]): 1}


def _day_row(group_id: int, day: date) -> Any:
    return select(group_days.c.members).where(
        group_days.c.group_id == group_id, group_days.c.day == day
    )


def test_a_first_answer_and_a_join_at_once_count_the_day(engine: Engine) -> None:
    # The join reads the member's days and the answer reads the member's groups, each
    # before the other has committed: each must wait for the other, or neither counts
    # the member's new day in the group.
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: the two cannot overlap")
    with Session(engine) as session:
        group, ada = _group(session, 1), _person(session, "ada")
        session.commit()
    errors: list[BaseException] = []

    def answer() -> None:
        try:
            with Session(engine) as session:
                add_answer(session, ada, DAYS[0])
                session.commit()
        except BaseException as exc:  # reported below: a thread's exception is lost
            errors.append(exc)

    with Session(engine) as joining:
        _join(joining, group, ada)  # not committed yet
        thread = threading.Thread(target=answer)
        thread.start()
        time.sleep(0.5)  # the answer has read (or waits to read) the member's groups
        joining.commit()
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert _kept(session) == {(group, DAYS[0]): 1}
        assert _kept(session) == _expected(session)
