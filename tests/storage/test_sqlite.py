"""SQLite specifics: pragmas, a locked database and a database that is gone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from interviewprep.bank.loader import load_bank
from interviewprep.domain.clock import FixedClock
from interviewprep.services.errors import AttemptClosed
from interviewprep.services.practice import Practice
from interviewprep.services.views import QuestionView
from interviewprep.storage import db
from interviewprep.storage.uow import StorageUnavailable, UnitOfWorkFactory
from tests.services.conftest import PACKS, FakeGrader


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_the_data_folder_is_created(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    db.upgrade(engine)
    assert (tmp_path / "deep" / "er" / "x.db").exists()
    engine.dispose()


def _practice(url: str) -> Practice:
    engine = db.make_engine(url)
    return Practice(
        UnitOfWorkFactory(engine),
        load_bank([PACKS]),
        FakeGrader(),
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


@contextmanager
def _locked_with_an_open_question(path: Path) -> Iterator[tuple[Practice, int, QuestionView]]:
    """A database with one person and their open question, while another connection
    holds the write lock (released on leaving the block)."""
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    practice = _practice(f"sqlite:///{path}")
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield practice, person, view
    finally:
        blocker.rollback()
        blocker.close()


def test_a_locked_database_gives_a_clear_message_and_keeps_earlier_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    with (
        _locked_with_an_open_question(tmp_path / "locked.db") as (practice, person, view),
        pytest.raises(StorageUnavailable, match="busy"),
    ):
        practice.submit_answer(person, view.attempt_id, "right")
    # nothing was half-saved: the question is still open and can be answered now
    assert practice.submit_answer(person, view.attempt_id, "right").rating is not None


def test_a_database_that_is_gone_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    practice = _practice(f"sqlite:///{path}")
    person = practice.enrol("terminal", "me")
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    practice.uow.engine.dispose()  # type: ignore[attr-defined]
    with pytest.raises(StorageUnavailable, match="no interviewprep tables"):
        practice.next_question(person)


def test_reads_of_a_database_that_is_gone_give_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    practice = _practice(f"sqlite:///{path}")
    person = practice.enrol("discord", "1")
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    practice.uow.engine.dispose()
    for read in (
        lambda: practice.streak(person),
        lambda: practice.streak_of("discord", "1"),
        lambda: practice.stats_of("discord", "1"),
        lambda: practice.settings(person),
        lambda: practice.find_person("discord", "1"),
    ):
        with pytest.raises(StorageUnavailable, match="no interviewprep tables"):
            read()


def test_without_lock_waits_a_locked_write_fails_at_once_and_rolls_back(tmp_path: Path) -> None:
    with _locked_with_an_open_question(tmp_path / "nowait.db") as (practice, person, view):
        started = time.perf_counter()
        with db.without_lock_waits(), pytest.raises(StorageUnavailable) as refused:
            practice.submit_answer(person, view.attempt_id, "right")
        assert time.perf_counter() - started < 1.0  # no 5 s in the busy handler
        assert db.is_lock_wait(refused.value)
    # nothing was half-saved: the question is still open and can be answered now
    assert practice.submit_answer(person, view.attempt_id, "right").rating is not None


def test_connections_wait_again_outside_the_block(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    busy = text("PRAGMA busy_timeout")
    with db.without_lock_waits(), engine.connect() as connection:
        assert connection.execute(busy).scalar() == 0
    with engine.connect() as connection:  # the same pooled connection, checked out again
        assert connection.execute(busy).scalar() == db.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_is_lock_wait_is_only_about_locks() -> None:
    assert not db.is_lock_wait(ValueError("database is locked"))
    assert not db.is_lock_wait(StorageUnavailable("the database file is gone"))


def test_asking_on_a_locked_database_fails_at_once_and_writes_nothing(tmp_path: Path) -> None:
    with _locked_with_an_open_question(tmp_path / "ask.db") as (practice, person, view):
        topic = next(t for t in sorted(practice.bank.topics) if t not in view.topics)
        # the open question is resumed without writing, even now
        resumed = practice.next_question(person)
        assert resumed is not None
        assert (resumed.attempt_id, resumed.resumed) == (view.attempt_id, True)
        started = time.perf_counter()
        with db.without_lock_waits(), pytest.raises(StorageUnavailable) as refused:
            practice.next_question(person, topic=topic)  # a new attempt: a write
        assert time.perf_counter() - started < 1.0
        assert db.is_lock_wait(refused.value)
    # nothing was half-saved: the first question is still the open one, and asking for
    # the other topic works now (closing the first)
    assert practice.queue(person, 1, topic=topic)
    again = practice.next_question(person)
    assert again is not None
    assert again.attempt_id == view.attempt_id
    other = practice.next_question(person, topic=topic)
    assert other is not None
    assert topic in other.topics
    with pytest.raises(AttemptClosed):
        practice.submit_answer(person, view.attempt_id, "right")
