"""Reads on a SQLite file keep one connection per thread (``storage.uow.KeptReads``)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from interviewprep.bank.loader import load_bank
from interviewprep.domain.clock import FixedClock
from interviewprep.services.practice import Practice
from interviewprep.storage import db
from interviewprep.storage.uow import StorageUnavailable, UnitOfWorkFactory, keeps_reads
from tests.conftest import pg_url
from tests.services.conftest import PACKS, FakeGrader


def _practice(engine: Engine) -> Practice:
    return Practice(
        UnitOfWorkFactory(engine),
        load_bank([PACKS]),
        FakeGrader(),
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Engine:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'kept.db'}")
    db.upgrade(engine)
    return engine


def test_a_kept_connection_sees_what_another_process_commits_after_its_last_read(
    sqlite_file: Engine, tmp_path: Path
) -> None:
    practice = _practice(sqlite_file)
    assert practice.streak_of("discord", "42") is None  # opens the kept connection
    # another process enrols the person and changes their goal after that read
    other = _practice(db.make_engine(f"sqlite:///{tmp_path / 'kept.db'}"))
    person = other.enrol("discord", "42")
    assert practice.streak_of("discord", "42") is not None
    with sqlite3.connect(tmp_path / "kept.db") as outside:
        outside.execute("UPDATE persons SET timezone = 'America/New_York' WHERE id = ?", (person,))
    streak = practice.streak_of("discord", "42")  # 2026-01-01 00:00 UTC is still 12-31 there
    assert streak is not None
    assert streak.today == date(2025, 12, 31)
    sqlite_file.dispose()


def test_reads_in_one_thread_share_a_connection_and_threads_do_not(sqlite_file: Engine) -> None:
    uow = UnitOfWorkFactory(sqlite_file)
    with uow.read() as first:
        mine = first.dbapi.dbapi_connection
    with uow.read() as second:
        assert second.dbapi.dbapi_connection is mine
    assert sqlite_file.pool.checkedout() == 0  # type: ignore[attr-defined]
    seen: list[object] = []

    def other() -> None:
        with uow.read() as reads:
            seen.append(reads.dbapi.dbapi_connection)

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert len(seen) == 1
    assert seen[0] is not mine
    sqlite_file.dispose()
    # disposing the engine closes every thread's kept connection
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")  # type: ignore[union-attr]
    with pytest.raises(sqlite3.ProgrammingError):
        seen[0].execute("SELECT 1")  # type: ignore[attr-defined]
    with uow.read() as reads:  # and a read after the dispose opens another one
        assert reads.person_id_of("discord", "1") is None


def test_a_failed_read_drops_the_connection_and_the_next_one_works(
    sqlite_file: Engine, tmp_path: Path
) -> None:
    practice = _practice(sqlite_file)
    person = practice.enrol("discord", "7")
    uow = UnitOfWorkFactory(sqlite_file)
    with uow.read() as reads:
        broken = reads.dbapi.dbapi_connection

    def refused() -> None:
        with uow.read() as reads:
            try:
                reads.dbapi.cursor().execute("SELECT * FROM no_such_table")
            except sqlite3.OperationalError as exc:
                raise OperationalError("SELECT", (), exc) from exc

    with pytest.raises(StorageUnavailable):
        refused()
    with uow.read() as reads:
        assert reads.dbapi.dbapi_connection is not broken
        assert reads.person_id_of("discord", "7") == person
    sqlite_file.dispose()


def test_a_read_left_in_a_transaction_is_not_reused(sqlite_file: Engine) -> None:
    uow = UnitOfWorkFactory(sqlite_file)
    with uow.read() as reads:
        first = reads.dbapi.dbapi_connection
        first.execute("BEGIN")  # type: ignore[union-attr]
    with uow.read() as reads:
        assert reads.dbapi.dbapi_connection is not first
        assert not reads.in_transaction()
    sqlite_file.dispose()


def test_only_sqlite_files_keep_reads(tmp_path: Path) -> None:
    memory = db.make_engine("sqlite://")
    assert not keeps_reads(memory)
    assert keeps_reads(db.make_engine(f"sqlite:///{tmp_path / 'f.db'}"))
    url = pg_url()
    if url is not None:
        assert not keeps_reads(db.make_engine(url))
