"""The unit of work: one session, the repositories over it, and an explicit commit.

The hot paths skip the ORM session: :meth:`UnitOfWorkFactory.read` (the chat commands'
reads, :mod:`interviewprep.storage.reads`), :meth:`UnitOfWorkFactory.answering`
(answering and rating, :mod:`interviewprep.storage.answering`) and
:meth:`UnitOfWorkFactory.asking` (asking the next question and previewing the queue,
:mod:`interviewprep.storage.asking`) run compiled statements on a pooled DB-API
connection.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session

from interviewprep.storage.answering import AnswerUnit
from interviewprep.storage.asking import AskUnit
from interviewprep.storage.delivery import DeliveryRepository
from interviewprep.storage.errors import StorageUnavailable, describe
from interviewprep.storage.group_answering import GroupAnswerUnit
from interviewprep.storage.reads import Reads
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


class ReadOnly:
    """Use as ``with uow_factory.read() as reads: ...`` for reads that change nothing.

    A pooled DB-API connection instead of an ORM session: no identity map, no session
    begin/rollback bookkeeping. Each statement sees what was committed before it ran
    (as in a READ COMMITTED transaction); the connection goes back to the pool at the
    end of the block, where the pool rolls back whatever the driver began.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reads: Reads | None = None

    def __enter__(self) -> Reads:
        try:
            raw = self._engine.raw_connection()
            if self._engine.dialect.name == "postgresql":
                # no BEGIN before and ROLLBACK after: two round trips fewer per read. Each
                # statement sees its own snapshot, as in a READ COMMITTED transaction.
                raw.driver_connection.autocommit = True  # type: ignore[union-attr]
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
        if self._reads is not None:
            if self._engine.dialect.name == "postgresql":
                try:
                    self._reads.dbapi.driver_connection.autocommit = False  # type: ignore[union-attr]
                except Exception:
                    self._reads.dbapi.invalidate()  # broken: the pool must not reuse it
            self._reads.close()
            self._reads = None
        if isinstance(exc, OperationalError):  # as UnitOfWork: a clear message, not a trace
            raise StorageUnavailable(describe(exc)) from exc
        if isinstance(exc, OperationalError):
            raise StorageUnavailable(describe(exc)) from exc


class UnitOfWorkFactory:
    """Makes units of work on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Model objects built without an ORM query (model_construct) need configured
        # mappers; in a fresh process nothing else may have configured them yet.
        configure_mappers()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def read(self) -> ReadOnly:
        """A read-only unit (see :class:`ReadOnly`)."""
        return ReadOnly(self.engine)

    def answering(self) -> AnswerUnit:
        """The answer and rating paths' unit (see :mod:`interviewprep.storage.answering`)."""
        return AnswerUnit(self.engine)

    def asking(self) -> AskUnit:
        """The asking path's unit (see :mod:`interviewprep.storage.asking`)."""
        return AskUnit(self.engine)

    def group_answering(self) -> GroupAnswerUnit:
        """The group answer path's unit (see :mod:`interviewprep.storage.group_answering`)."""
        return GroupAnswerUnit(self.engine)
