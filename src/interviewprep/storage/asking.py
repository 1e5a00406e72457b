"""The asking path's unit of work: compiled statements on one DB-API connection.

Asking a person their next question (``/practice``, the Next button, ``/today`` before
the day's delivery, the daily delivery itself) reads the person's settings with their
newest open attempt, the day's attempts and every card, inserts the new attempt and
commits. Through an ORM session that was five statements with ~0.2 ms of session
begin/commit/close and 50-70 us of ``Connection.execute`` bookkeeping each. Here it is
the answer path's scheme (:mod:`interviewprep.storage.answering`): each statement a
:class:`~interviewprep.storage.reads.Prepared` on a pooled connection, and

* the person's settings, their newest open attempt and that attempt's card in one row
  (:meth:`AskUnit.ask_context`; :meth:`AskUnit.ask_context_of` reaches the person from
  a platform account in the same statement);
* the day's attempts and every card in one ``UNION ALL`` (:meth:`AskUnit.plan_inputs`);
* the insert of the attempt with ``RETURNING`` its id (:meth:`AnswerUnit.insert_attempt`,
  shared with the group answer path), and the guarded close of other
  open attempts when one was set aside (:meth:`AskUnit.close_stale`).

Resuming an open attempt writes nothing and takes no lock. Asking a new question reads
the context again under a lock held until the unit ends (``ask_context(..., lock=True)``):
SQLite's write lock (``BEGIN IMMEDIATE``), or the person's row on PostgreSQL (``FOR NO
KEY UPDATE``). Two processes asking for the same person at the same moment therefore
ask one after the other, and the second resumes the attempt the first opened; before,
when neither had committed before the other read, both opened one. Previewing the
queue takes no lock. Nothing is committed until :meth:`AskUnit.commit`; leaving the
block without it rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select as sa_select,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError

from interviewprep.storage.answering import (
    CARD_FIELDS,
    CARD_OF_ATTEMPT,
    AnswerUnit,
    for_person,
    person_source,
)
from interviewprep.storage.reads import Prepared
from interviewprep.storage.tables import (
    attempts as _attempts,
    cards as _cards,
    persons as _persons,
)

_open = _attempts.alias("open_attempts")
# the person's newest open attempt (what ``AttemptRepository.open_for`` finds)
_NEWEST_OPEN = (
    sa_select(func.max(_open.c.id))
    .where(_open.c.person_id == _persons.c.id, _open.c.status == "asked")
    .scalar_subquery()
)
_CONTEXT_COLUMNS = (
    _persons.c.id.label("person_id"),
    _persons.c.timezone,
    _persons.c.topics,
    _persons.c.level,
    _persons.c.new_per_day,
    _persons.c.desired_retention,
    _persons.c.interview_date,
    _attempts.c.id.label("attempt_id"),
    _attempts.c.question_id,
    _attempts.c.hints_used,
    _cards.c.id.label("card_id"),
    *(_cards.c[name] for name in CARD_FIELDS),
)


def _ask_context(by_account: bool) -> Prepared:
    """A person's settings with their newest open attempt and its card (NULLs when none
    is open or the question is unseen): from a person id, or from a platform account."""
    statement = sa_select(*_CONTEXT_COLUMNS).select_from(
        person_source(by_account)
        .outerjoin(
            _attempts,
            and_(_attempts.c.person_id == _persons.c.id, _attempts.c.id == _NEWEST_OPEN),
        )
        .outerjoin(_cards, CARD_OF_ATTEMPT)
    )
    return Prepared(for_person(statement, by_account))


_CONTEXT_BY_ID = _ask_context(by_account=False)
_CONTEXT_BY_ACCOUNT = _ask_context(by_account=True)


def _lock_person(by_account: bool) -> Prepared:
    """PostgreSQL: lock the person's row until the transaction ends. ``FOR NO KEY
    UPDATE``: askers wait for each other, while inserts that only reference the person
    (an answer's review, another attempt) do not wait, so no deadlock with them."""
    statement = sa_select(_persons.c.id).select_from(person_source(by_account))
    return Prepared(for_person(statement, by_account).with_for_update(of=_persons, key_share=True))


_LOCK_BY_ID = _lock_person(by_account=False)
_LOCK_BY_ACCOUNT = _lock_person(by_account=True)

_CARD, _ATTEMPT = 0, 1  # row kinds of _PLAN_INPUTS


def _typed_null(type_: Any) -> Any:
    return cast(null(), type_)


# Every card of the person (the first branch: its column types process both branches'
# rows), then the question and status of each attempt of the local day. A compound
# SELECT cannot order one branch: the attempts come with their ids, sorted in Python.
_PLAN_INPUTS = Prepared(
    union_all(
        sa_select(
            _cards.c.id,
            _cards.c.question_id,
            *(_cards.c[name] for name in CARD_FIELDS),
            _cards.c.introduced_on,
            _typed_null(String()).label("status"),
            literal_column(str(_CARD), Integer()).label("kind"),
        ).where(_cards.c.person_id == bindparam("person_id")),
        sa_select(
            _attempts.c.id,
            _attempts.c.question_id,
            *(_typed_null(_cards.c[name].type) for name in CARD_FIELDS),
            _typed_null(Date()),
            _attempts.c.status,
            literal_column(str(_ATTEMPT), Integer()),
        ).where(
            _attempts.c.person_id == bindparam("person_id"),
            _attempts.c.asked_on == bindparam("day"),
        ),
    )
)
_CLOSE_STALE = Prepared(
    update(_attempts)
    .where(
        _attempts.c.person_id == bindparam("person_id"),
        _attempts.c.status == "asked",
        _attempts.c.id != bindparam("keep"),
    )
    .values(status="skipped")
)


@dataclass(frozen=True)
class AskContext:
    """A person's settings that asking and planning read, with their newest open attempt
    (``attempt_id`` None when none is open) and its card (``card``: a row with the FSRS
    state fields, None when the question is unseen)."""

    id: int
    timezone: str
    topics: list[str]
    level: str
    new_per_day: int
    desired_retention: float
    interview_date: date | None
    attempt_id: int | None
    question_id: str | None
    hints_used: int
    card: Any | None


@dataclass(frozen=True)
class PlanInputs:
    """What planning reads besides the settings: the day's attempts as (question id,
    status), newest first, and every card (rows with ``question_id``, the FSRS state
    fields and ``introduced_on``), in the database's order."""

    day_attempts: list[tuple[str, str]]
    cards: list[Any]


def _context(row: Any) -> AskContext:
    return AskContext(
        id=int(row.person_id),
        timezone=row.timezone,
        topics=list(row.topics or []),
        level=row.level,
        new_per_day=row.new_per_day,
        desired_retention=row.desired_retention,
        interview_date=row.interview_date,
        attempt_id=row.attempt_id,
        question_id=row.question_id,
        hints_used=row.hints_used or 0,
        card=row if row.card_id is not None else None,
    )


class AskUnit(AnswerUnit):
    """Use as ``with uow_factory.asking() as unit: ...; unit.commit()``.

    The answer unit's connection, commit and rollback (:class:`AnswerUnit`) with the
    asking path's statements; each method is one statement.
    """

    def ask_context(self, person_id: int, *, lock: bool = False) -> AskContext | None:
        """The person's settings and newest open attempt with its card, or None.

        ``lock``: first take the lock that serialises asking for one person (SQLite's
        write lock, or the person's row on PostgreSQL; see :meth:`_lock`), so that the
        open attempt read is the one to resume.
        """
        params = {"person_id": person_id}
        if lock:
            self._lock(_LOCK_BY_ID, params)
        row = _CONTEXT_BY_ID.first(self, params)
        return None if row is None else _context(row)

    def ask_context_of(
        self, platform: str, external_id: str, *, lock: bool = False
    ) -> AskContext | None:
        """:meth:`ask_context` of the person behind a platform account, or None when the
        account is not linked to anyone."""
        params = {"platform": platform, "external_id": external_id}
        if lock:
            self._lock(_LOCK_BY_ACCOUNT, params)
        row = _CONTEXT_BY_ACCOUNT.first(self, params)
        return None if row is None else _context(row)

    def _lock(self, statement: Prepared, params: Mapping[str, Any]) -> None:
        """Hold a lock until the unit ends, so two processes asking for one person at the
        same moment do it one after the other: the second reads the attempt the first
        opened and resumes it instead of opening another.

        SQLite: ``BEGIN IMMEDIATE`` (the database's write lock, taken before the reads
        instead of at the insert; held for the ~1 ms of planning). PostgreSQL: the
        person's row ``FOR NO KEY UPDATE``, in a statement of its own, so that the
        context read after it (a new snapshot under READ COMMITTED) sees what the other
        committed.
        """
        if self.dialect.name == "sqlite":
            if not self.dbapi.dbapi_connection.in_transaction:  # type: ignore[union-attr]
                cursor = self.dbapi.cursor()
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                except self.dialect.loaded_dbapi.Error as exc:
                    raise DBAPIError.instance(
                        "BEGIN IMMEDIATE",
                        (),
                        exc,
                        self.dialect.loaded_dbapi.Error,
                        dialect=self.dialect,
                    ) from exc
                finally:
                    cursor.close()
            return
        statement.rows(self, params)

    def plan_inputs(self, person_id: int, day: date) -> PlanInputs:
        """The attempts of a local day (newest first) and every card of a person."""
        rows = _PLAN_INPUTS.rows(self, {"person_id": person_id, "day": day})
        cards = [row for row in rows if row.kind == _CARD]
        attempts = sorted((row for row in rows if row.kind == _ATTEMPT), key=lambda r: -r.id)
        return PlanInputs([(row.question_id, row.status) for row in attempts], cards)

    def close_stale(self, person_id: int, keep: int) -> None:
        """Mark every other open attempt of a person as skipped."""
        _CLOSE_STALE.execute(self, {"person_id": person_id, "keep": keep})
