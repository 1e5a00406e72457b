"""The answer and rating paths' unit of work: compiled statements on one DB-API connection.

Answering a question (read the attempt with its person's settings and card, close the
attempt, write the card, insert the review, commit) and rating an answer run for every
answer a person gives. Through an ORM session each statement cost 50-70 us of
``Connection.execute`` bookkeeping and the session's begin/commit/close another
~0.2 ms, more than the database work (bench/telegram_profile.py). Here every statement
is a :class:`~interviewprep.storage.reads.Prepared` (compiled once per dialect, with
SQLAlchemy's bind and result type processing, run on the DB-API cursor) on a pooled
connection, and the unit commits on that connection.

Transactions are the driver's own, as under the ORM session: on SQLite the first write
begins one (pysqlite's implicit BEGIN, which SQLAlchemy relies on as well), on
PostgreSQL the first statement. Leaving the block without :meth:`AnswerUnit.commit`
rolls back (the pool resets the connection on its return). Asking a question runs on
the same scheme: :class:`interviewprep.storage.asking.AskUnit` is this unit with the
asking path's statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace, TracebackType
from typing import Any, Self

from sqlalchemy import Dialect, Engine, and_, bindparam, func, insert, select as sa_select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import FromClause, Select

from interviewprep.domain.cards import CardState
from interviewprep.storage.errors import StorageUnavailable, describe
from interviewprep.storage.reads import Prepared
from interviewprep.storage.tables import (
    attempts as _attempts,
    cards as _cards,
    identities as _identities,
    persons as _persons,
    reviews as _reviews,
)

CARD_FIELDS = ("due", "state", "step", "stability", "difficulty", "last_review", "reps", "lapses")
REVIEW_FIELDS = (
    "person_id",
    "question_id",
    "attempt_id",
    "answered_at",
    "local_date",
    "answer",
    "score",
    "grader",
    "key_points",
    "suggested_rating",
    "rating",
    "rated_at",
    "card_before",
    "answer_ms",
    "grading_ms",
    "revealed",
)

_CONTEXT_COLUMNS = (
    _attempts.c.id,
    _attempts.c.person_id,
    _attempts.c.question_id,
    _attempts.c.status,
    _attempts.c.hints_used,
    _attempts.c.asked_at,
    _persons.c.timezone,
    _persons.c.desired_retention,
    _cards.c.id.label("card_id"),
    *(_cards.c[name] for name in CARD_FIELDS),
)
CARD_OF_ATTEMPT = and_(
    _cards.c.person_id == _attempts.c.person_id,
    _cards.c.question_id == _attempts.c.question_id,
)

# an attempt by id, with its person's settings and card
_ANSWER_CONTEXT = Prepared(
    sa_select(*_CONTEXT_COLUMNS)
    .select_from(
        _attempts.join(_persons, _persons.c.id == _attempts.c.person_id).outerjoin(
            _cards, CARD_OF_ATTEMPT
        )
    )
    .where(_attempts.c.id == bindparam("attempt_id"))
)


def _identity_context(attempt_on: Any) -> Prepared:
    """The answer context reached from a platform account: the person (always, when the
    account is known) and the attempt ``attempt_on`` selects with its card (or NULLs)."""
    return Prepared(
        sa_select(_identities.c.person_id.label("owner"), *_CONTEXT_COLUMNS)
        .select_from(
            _identities.join(_persons, _persons.c.id == _identities.c.person_id)
            .outerjoin(_attempts, and_(_attempts.c.person_id == _persons.c.id, attempt_on))
            .outerjoin(_cards, CARD_OF_ATTEMPT)
        )
        .where(
            _identities.c.platform == bindparam("platform"),
            _identities.c.external_id == bindparam("external_id"),
        )
    )


_open = _attempts.alias("open_attempts")
# the account's newest open attempt (what ``AttemptRepository.open_for`` finds)
_IDENTITY_OPEN = _identity_context(
    _attempts.c.id
    == sa_select(func.max(_open.c.id))
    .where(_open.c.person_id == _persons.c.id, _open.c.status == "asked")
    .scalar_subquery()
)
# a named attempt, only when it is the account's own
_IDENTITY_ATTEMPT = _identity_context(_attempts.c.id == bindparam("attempt_id"))

_CLOSE_ATTEMPT = Prepared(
    update(_attempts)
    .where(_attempts.c.id == bindparam("attempt_id"), _attempts.c.status == "asked")
    .values(status=bindparam("new_status"), closed_at=bindparam("now"))
)
# a hint of an open attempt: the count goes up only while hints are left, and the new
# count comes back (the hint shown is the one at the old count)
_USE_HINT = Prepared(
    update(_attempts)
    .where(
        _attempts.c.id == bindparam("attempt_id"),
        _attempts.c.status == "asked",
        _attempts.c.hints_used < bindparam("available"),
    )
    .values(hints_used=_attempts.c.hints_used + 1)
    .returning(_attempts.c.hints_used)
)
_UPDATE_CARD = Prepared(
    update(_cards)
    .where(_cards.c.id == bindparam("card_id"))
    .values({name: bindparam(f"new_{name}") for name in CARD_FIELDS})
)
_INSERT_ATTEMPT = Prepared(
    insert(_attempts)
    .values(
        {
            name: bindparam(name)
            for name in ("person_id", "question_id", "asked_at", "asked_on", "source")
        }
        | {"status": "asked", "hints_used": 0, "closed_at": None}
        | {"group_id": bindparam("group_id"), "group_day": bindparam("group_day")}
    )
    .returning(_attempts.c.id)
)
_INSERT_CARD = Prepared(
    insert(_cards).values(
        {name: bindparam(name) for name in ("person_id", "question_id", "introduced_on")}
        | {name: bindparam(name) for name in CARD_FIELDS}
    )
)
_INSERT_REVIEW = Prepared(
    insert(_reviews)
    .values({name: bindparam(name) for name in REVIEW_FIELDS})
    .returning(_reviews.c.id)
)
_REVIEW_OF_ATTEMPT = Prepared(
    sa_select(_reviews).where(_reviews.c.attempt_id == bindparam("attempt_id"))
)


def person_source(by_account: bool) -> FromClause:
    """Where a statement about one person starts: ``persons``, or a platform account
    joined to its person (see :func:`for_person`)."""
    if by_account:
        return _identities.join(_persons, _persons.c.id == _identities.c.person_id)
    return _persons


def for_person(statement: Select[Any], by_account: bool) -> Select[Any]:
    """``statement`` (from :func:`person_source`) narrowed to one person: by the
    ``person_id`` parameter, or by the ``platform`` and ``external_id`` of an account."""
    if by_account:
        return statement.where(
            _identities.c.platform == bindparam("platform"),
            _identities.c.external_id == bindparam("external_id"),
        )
    return statement.where(_persons.c.id == bindparam("person_id"))


def _rating_context(by_account: bool) -> Prepared:
    """A review to rate, its card, whether it is the newest review of its question and
    the owner's desired retention: from a person id, or from a platform account.

    The review only when it is the person's own (NULLs otherwise); no row at all for an
    unknown account or person.
    """
    newer = _reviews.alias("newer_reviews")
    latest = (
        sa_select(func.max(newer.c.id))
        .where(
            newer.c.person_id == _reviews.c.person_id,
            newer.c.question_id == _reviews.c.question_id,
        )
        .scalar_subquery()
    )
    columns = (
        _persons.c.id.label("owner"),
        _persons.c.desired_retention,
        _reviews.c.id,
        _reviews.c.question_id,
        _reviews.c.suggested_rating,
        _reviews.c.rating,
        _reviews.c.rated_at,
        _reviews.c.card_before,
        _reviews.c.answered_at,
        latest.label("latest_id"),
        _cards.c.id.label("card_id"),
        _cards.c.due,
    )
    statement = sa_select(*columns).select_from(
        person_source(by_account)
        .outerjoin(
            _reviews,
            and_(_reviews.c.person_id == _persons.c.id, _reviews.c.id == bindparam("review_id")),
        )
        .outerjoin(
            _cards,
            and_(
                _cards.c.person_id == _reviews.c.person_id,
                _cards.c.question_id == _reviews.c.question_id,
            ),
        )
    )
    return Prepared(for_person(statement, by_account))


_RATING_BY_PERSON = _rating_context(by_account=False)
_RATING_BY_ACCOUNT = _rating_context(by_account=True)
_RATE_REVIEW = Prepared(
    update(_reviews)
    .where(_reviews.c.id == bindparam("review_id"))
    .values(rating=bindparam("new_rating"), rated_at=bindparam("now"))
)


@dataclass(frozen=True)
class AnswerContext:
    """What answering needs to know about an attempt, read in one statement."""

    attempt_id: int
    person_id: int
    question_id: str
    status: str
    hints_used: int
    asked_at: datetime
    timezone: str
    desired_retention: float
    card_id: int | None
    card: CardState | None


def _answer_context(row: Any) -> AnswerContext:
    card = (
        CardState(**{name: getattr(row, name) for name in CARD_FIELDS})
        if row.card_id is not None
        else None
    )
    return AnswerContext(
        attempt_id=row.id,
        person_id=row.person_id,
        question_id=row.question_id,
        status=row.status,
        hints_used=row.hints_used,
        asked_at=row.asked_at,
        timezone=row.timezone,
        desired_retention=row.desired_retention,
        card_id=row.card_id,
        card=card,
    )


class StoredReview(SimpleNamespace):
    """A review row's fields as attributes (``id``, ``person_id``, ``score``... as in
    :class:`~interviewprep.storage.tables.Review`), without a model object's validation or
    bookkeeping: the answer path only reads them back."""

    id: int
    person_id: int
    attempt_id: int
    question_id: str
    answer: str
    score: float | None
    grader: str
    suggested_rating: int | None
    rating: int | None
    revealed: bool


@dataclass(frozen=True)
class RatingContext:
    """What rating a review needs (see :meth:`AnswerUnit.rating_context`)."""

    person_id: int
    desired_retention: float
    review_id: int | None  # None: no such review of this person
    question_id: str
    suggested_rating: int | None
    rating: int | None
    rated_at: datetime | None
    card_before: dict[str, Any]
    answered_at: datetime | None
    latest: bool  # the newest review of its question (an override is allowed)
    card_id: int | None
    due: datetime | None


class AnswerUnit:
    """Use as ``with uow_factory.answering() as unit: ...; unit.commit()``.

    The answer path's repository and unit of work in one: each method is one statement;
    nothing is committed until :meth:`commit`.
    """

    dbapi: PoolProxiedConnection
    dialect: Dialect

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.dialect = engine.dialect

    def __enter__(self) -> Self:
        try:
            self.dbapi = self._engine.raw_connection()
        except (OperationalError, self.dialect.loaded_dbapi.OperationalError) as exc:
            raise StorageUnavailable(describe(exc)) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.dbapi.close()  # back to the pool, which rolls back what was not committed
        if isinstance(exc, OperationalError):
            raise StorageUnavailable(describe(exc)) from exc

    def commit(self) -> None:
        """Make the work durable."""
        try:
            self.dbapi.commit()
        except self.dialect.loaded_dbapi.Error as exc:
            wrapped = DBAPIError.instance(
                "COMMIT", None, exc, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            )
            if isinstance(wrapped, OperationalError):
                raise StorageUnavailable(describe(wrapped)) from exc
            raise wrapped from exc

    def rollback(self) -> None:
        """Drop what this unit wrote so far."""
        self.dbapi.rollback()

    # ------------------------------------------------------------- answering

    def context(self, attempt_id: int) -> AnswerContext | None:
        """The attempt with its person's settings and card state, or None."""
        row = _ANSWER_CONTEXT.first(self, {"attempt_id": attempt_id})
        return None if row is None else _answer_context(row)

    def context_by_identity(
        self, platform: str, external_id: str, attempt_id: int | None = None
    ) -> tuple[int, AnswerContext | None] | None:
        """One statement from a platform account to what answering needs.

        ``attempt_id`` None: the account's newest open attempt; otherwise that attempt if
        it belongs to the account (whatever its status). Returns None for an unknown
        account, ``(person_id, None)`` when there is no such attempt.
        """
        params: dict[str, Any] = {"platform": platform, "external_id": external_id}
        if attempt_id is None:
            statement = _IDENTITY_OPEN
        else:
            statement = _IDENTITY_ATTEMPT
            params["attempt_id"] = attempt_id
        row = statement.first(self, params)
        if row is None:
            return None
        if row.id is None:
            return int(row.owner), None
        return int(row.owner), _answer_context(row)

    def insert_attempt(
        self,
        person_id: int,
        question_id: str,
        now: datetime,
        day: date,
        source: str,
        group: tuple[int, date] | None = None,
    ) -> int:
        """Insert an open attempt (asked at ``now`` on the person's local ``day``; for a
        group's question of a day, ``group``) and return its id."""
        params = {
            "person_id": person_id,
            "question_id": question_id,
            "asked_at": now,
            "asked_on": day,
            "source": source,
            "group_id": group[0] if group else None,
            "group_day": group[1] if group else None,
        }
        _, rows = _INSERT_ATTEMPT.execute(self, params)
        return int(rows[0].id)

    def close_attempt(self, attempt_id: int, status: str, now: datetime) -> bool:
        """Close an open attempt; False when it was no longer open (a concurrent answer)."""
        count, _ = _CLOSE_ATTEMPT.execute(
            self, {"attempt_id": attempt_id, "new_status": status, "now": now}
        )
        return count == 1

    def use_hint(self, attempt_id: int, available: int) -> int | None:
        """Count one more hint of an open attempt that has fewer than ``available``; the
        index of the hint to show, or None (no hint left, or the attempt was closed)."""
        _, rows = _USE_HINT.execute(self, {"attempt_id": attempt_id, "available": available})
        return int(rows[0].hints_used) - 1 if rows else None

    def save_card(
        self,
        person_id: int,
        question_id: str,
        card_id: int | None,
        state: CardState,
        introduced_on: date,
    ) -> None:
        """Insert the card on a first answer, update it afterwards."""
        fields = {name: getattr(state, name) for name in CARD_FIELDS}
        if card_id is None:
            params = {
                "person_id": person_id,
                "question_id": question_id,
                "introduced_on": introduced_on,
                **fields,
            }
            _INSERT_CARD.execute(self, params)
        else:
            self.update_card(card_id, state)

    def update_card(self, card_id: int, state: CardState) -> None:
        """Write a card's new FSRS state."""
        params = {f"new_{name}": getattr(state, name) for name in CARD_FIELDS}
        _UPDATE_CARD.execute(self, {"card_id": card_id, **params})

    def insert_review(self, values: dict[str, Any]) -> int:
        """Insert a review row (every field of ``REVIEW_FIELDS``) and return its id."""
        _, rows = _INSERT_REVIEW.execute(self, values)
        return int(rows[0].id)

    def review_for_attempt(self, attempt_id: int) -> StoredReview | None:
        """The review that answered an attempt."""
        row = _REVIEW_OF_ATTEMPT.first(self, {"attempt_id": attempt_id})
        return None if row is None else StoredReview(**row._asdict())

    # ---------------------------------------------------------------- rating

    def rating_context(
        self,
        review_id: int,
        person_id: int | None = None,
        account: tuple[str, str] | None = None,
    ) -> RatingContext | None:
        """A review to rate, reached from its person or a platform account (one
        statement). None for an unknown person or account; ``review_id`` None in the
        result when the review is not theirs."""
        if account is not None:
            params: dict[str, Any] = {
                "platform": account[0],
                "external_id": account[1],
                "review_id": review_id,
            }
            row = _RATING_BY_ACCOUNT.first(self, params)
        else:
            row = _RATING_BY_PERSON.first(self, {"person_id": person_id, "review_id": review_id})
        if row is None:
            return None
        return RatingContext(
            person_id=int(row.owner),
            desired_retention=row.desired_retention,
            review_id=row.id,
            question_id=row.question_id or "",
            suggested_rating=row.suggested_rating,
            rating=row.rating,
            rated_at=row.rated_at,
            card_before=row.card_before or {},
            answered_at=row.answered_at,
            latest=row.id is not None and row.latest_id == row.id,
            card_id=row.card_id,
            due=row.due,
        )

    def rate_review(self, review_id: int, rating: int, now: datetime) -> None:
        """Record a review's rating (confirmed or overridden) and when it was given."""
        _RATE_REVIEW.execute(self, {"review_id": review_id, "new_rating": rating, "now": now})
