"""The unit of work: one session, the repositories over it, and an explicit commit.

The hot paths skip the ORM session: :meth:`UnitOfWorkFactory.read` (the chat commands'
reads, :mod:`interviewprep.storage.reads`), :meth:`UnitOfWorkFactory.answering`
(answering and rating, :mod:`interviewprep.storage.answering`) and
:meth:`UnitOfWorkFactory.asking` (asking the next question and previewing the queue,
:mod:`interviewprep.storage.asking`) run compiled statements on a pooled DB-API
connection.
"""

from __future__ import annotations

import contextlib
import threading
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import configure_mappers
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlmodel import Session

from interviewprep.storage import db
from interviewprep.storage.answering import AnswerUnit
from interviewprep.storage.asking import AskUnit
from interviewprep.storage.delivery import DeliveryRepository
from interviewprep.storage.errors import StorageUnavailable, describe
from interviewprep.storage.group_answering import GroupAnswerUnit
from interviewprep.storage.reads import Reads, autocommit, end_autocommit
from interviewprep.storage.repositories import (
    AttemptRepository,
    CardRepository,
    PersonRepository,
    ReviewRepository,
)


class UnitOfWork:
    """Use as ``with uow_factory() as uow: ...; uow.commit()``.

    Leaving the block without :meth:`commit` rolls everything back, so a failure in
    the middle of a use case never half-saves it.
    """

    persons: PersonRepository
    cards: CardRepository
    attempts: AttemptRepository
    reviews: ReviewRepository
    deliveries: DeliveryRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Self:
        self.session = Session(self._engine, expire_on_commit=False)
        self.persons = PersonRepository(self.session)
        self.cards = CardRepository(self.session)
        self.attempts = AttemptRepository(self.session)
        self.reviews = ReviewRepository(self.session)
        self.deliveries = DeliveryRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, OperationalError):
            raise StorageUnavailable(describe(exc)) from exc

    def commit(self) -> None:
        """Make the work durable."""
        try:
            self.session.commit()
        except OperationalError as exc:
            raise StorageUnavailable(describe(exc)) from exc


class KeptReads(threading.local):
    """One read connection per thread, kept open between reads (SQLite files only).

    A pooled checkout and return cost 11-13 us per read (the pool's queue, the
    checkout event, the reset's rollback), as much as SQLite takes to answer a chat
    command's read. Reads never begin a transaction here: Python's sqlite3 begins one
    only before a write, so each SELECT sees what was committed before it ran, as on a
    pooled connection. Each thread has its own connection (the event loop's reads and a
    database thread's never share one); :meth:`close_all` closes every thread's when
    the engine is disposed.
    """

    connection: PoolProxiedConnection | None = None

    def __init__(self, engine: Engine, opened: list[PoolProxiedConnection]) -> None:
        self._engine = engine
        self._opened = opened  # every thread's, shared (threading.local copies attributes)

    def get(self) -> PoolProxiedConnection:
        """This thread's connection, opened (outside the pool) on first use."""
        connection = self.connection
        if connection is None or connection.dbapi_connection is None:  # none yet, or closed
            connection = self._engine.raw_connection()
            connection.detach()  # its own from now on: closing it closes the file handle
            cursor = connection.cursor()
            # a checkout inside without_lock_waits() may have set no timeout: reads keep
            # the usual one (in WAL mode they wait only in rare cases, e.g. a WAL reset)
            cursor.execute(f"PRAGMA busy_timeout={db.SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()
            self.connection = connection
            self._opened.append(connection)
        return connection

    def drop(self) -> None:
        """Close this thread's connection (after an error: the next read opens another)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(ValueError):
                self._opened.remove(connection)
            with contextlib.suppress(Exception):
                connection.close()

    def close_all(self) -> None:
        """Close every thread's connection (the engine is being disposed)."""
        opened = list(self._opened)
        self._opened.clear()
        for connection in opened:
            with contextlib.suppress(Exception):
                connection.close()


def keeps_reads(engine: Engine) -> bool:
    """Whether reads keep a connection per thread: SQLite files (a pooled file database).

    Not PostgreSQL, whose connections are a server's resource shared by every process
    (its pool bounds them), nor an in-memory SQLite database, where another connection
    would be another, empty database.
    """
    return engine.dialect.name == "sqlite" and isinstance(engine.pool, QueuePool)


class ReadOnly:
    """Use as ``with uow_factory.read() as reads: ...`` for reads that change nothing.

    A DB-API connection instead of an ORM session: no identity map, no session
    begin/rollback bookkeeping. Each statement sees what was committed before it ran
    (as in a READ COMMITTED transaction). On a SQLite file the connection is the
    thread's kept one (:class:`KeptReads`); otherwise it is pooled and goes back to the
    pool at the end of the block, where the pool rolls back whatever the driver began.
    """

    def __init__(self, engine: Engine, kept: KeptReads | None = None) -> None:
        self._engine = engine
        self._kept = kept
        self._reads: Reads | None = None

    def __enter__(self) -> Reads:
        try:
            if self._kept is not None:
                self._reads = Reads(self._kept.get(), self._engine, kept=True)
                return self._reads
            raw = self._engine.raw_connection()
            if self._engine.dialect.name == "postgresql":
                autocommit(raw)
            self._reads = Reads(raw, self._engine)
        except (OperationalError, self._engine.dialect.loaded_dbapi.OperationalError) as exc:
            raise StorageUnavailable(describe(exc)) from exc
        return self._reads

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        reads, self._reads = self._reads, None
        if reads is not None:
            if self._kept is not None:
                if isinstance(exc, DBAPIError) or reads.in_transaction():
                    self._kept.drop()  # a broken connection, or one left mid-transaction
                reads.close()
            else:
                if self._engine.dialect.name == "postgresql":
                    end_autocommit(reads.dbapi)
                reads.close()
        if isinstance(exc, OperationalError):  # as UnitOfWork: a clear message, not a trace
            raise StorageUnavailable(describe(exc)) from exc


class UnitOfWorkFactory:
    """Makes units of work on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Model objects built without an ORM query (model_construct) need configured
        # mappers; in a fresh process nothing else may have configured them yet.
        configure_mappers()
        self._kept: KeptReads | None = None
        if keeps_reads(engine):
            self._kept = KeptReads(engine, [])
            event.listen(engine, "engine_disposed", self._close_kept)

    def _close_kept(self, _engine: Engine) -> None:
        if self._kept is not None:
            self._kept.close_all()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def read(self) -> ReadOnly:
        """A read-only unit (see :class:`ReadOnly`)."""
        return ReadOnly(self.engine, self._kept)

    def answering(self) -> AnswerUnit:
        """The answer and rating paths' unit (see :mod:`interviewprep.storage.answering`)."""
        return AnswerUnit(self.engine)

    def asking(self) -> AskUnit:
        """The asking path's unit (see :mod:`interviewprep.storage.asking`)."""
        return AskUnit(self.engine)

    def group_answering(self) -> GroupAnswerUnit:
        """The group answer path's unit (see :mod:`interviewprep.storage.group_answering`)."""
        return GroupAnswerUnit(self.engine)
