"""A member answering a group's daily question: compiled statements on one DB-API connection.

The *Answer* button under a group's post and the pick (or modal) that follows run for
every member every day. :class:`GroupAnswerUnit` is the answer path's
:class:`~interviewprep.storage.answering.AnswerUnit` (same connection handling, same
explicit commit) with what the group side needs on top:

* opening the group's question: one statement from the chat and the account to the
  group, the day's question, the person, their membership, attempt and card
  (:meth:`GroupAnswerUnit.group_question`), then only as needed the person's enrolment,
  the membership and the attempt, inserted by compiled statements. Through an ORM session
  the same work cost the session's begin/commit/close and ``Connection.execute``'s
  bookkeeping on each statement, more than the database work.
* the milestones of an answer: :meth:`GroupAnswerUnit.reads` gives the read-only queries
  of :class:`~interviewprep.storage.reads.Reads` on this unit's connection, so that they
  run right after the answer's commit without a second checkout from the pool.
"""

from __future__ import annotations

from datetime import date, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select as sa_select

from interviewprep.storage.answering import CARD_FIELDS, AnswerUnit
from interviewprep.storage.reads import Prepared, Reads, autocommit, end_autocommit
from interviewprep.storage.tables import (
    attempts as _attempts,
    cards as _cards,
    deliveries as _deliveries,
    group_members as _members,
    groups as _groups,
    identities as _identities,
    persons as _persons,
    recipients as _recipients,
)

# the question the group was sent on the day (what DeliveryRepository.for_group_day finds)
_DELIVERED = (
    sa_select(_deliveries.c.question_id)
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.group_id == _groups.c.id,
        _deliveries.c.local_date == bindparam("day"),
        _deliveries.c.kind == "daily",
        or_(
            _deliveries.c.status == "sent",
            and_(_deliveries.c.status == "claimed", _deliveries.c.question_id.is_not(None)),
        ),
    )
    .limit(1)
    .correlate(_groups)
    .scalar_subquery()
)
_MEMBER = (
    sa_select(_members.c.id)
    .where(_members.c.group_id == _groups.c.id, _members.c.person_id == _identities.c.person_id)
    .correlate(_groups, _identities)
    .scalar_subquery()
)
_newest = _attempts.alias("newest_open")
_NEWEST_OPEN = (
    sa_select(func.max(_newest.c.id))
    .where(_newest.c.person_id == _identities.c.person_id, _newest.c.status == "asked")
    .correlate(_identities)
    .scalar_subquery()
)
_GROUP_ANSWER = Prepared(
    sa_select(
        _groups.c.id.label("group_id"),
        _groups.c.timezone.label("group_timezone"),
        _DELIVERED.label("delivered"),
        _identities.c.person_id,
        _persons.c.timezone,
        _MEMBER.label("member_id"),
        _attempts.c.id.label("attempt_id"),
        _attempts.c.status,
        _attempts.c.hints_used,
        _NEWEST_OPEN.label("newest_open"),
        _cards.c.id.label("card_id"),
        *(_cards.c[name] for name in CARD_FIELDS),
    )
    .select_from(
        _groups.outerjoin(
            _identities,
            and_(
                _identities.c.platform == bindparam("platform"),
                _identities.c.external_id == bindparam("account"),
            ),
        )
        .outerjoin(_persons, _persons.c.id == _identities.c.person_id)
        .outerjoin(
            _attempts,
            and_(
                _attempts.c.group_id == _groups.c.id,
                _attempts.c.group_day == bindparam("day"),
                _attempts.c.person_id == _identities.c.person_id,
            ),
        )
        .outerjoin(
            _cards,
            and_(
                _cards.c.person_id == _identities.c.person_id,
                _cards.c.question_id == bindparam("question_id"),
            ),
        )
    )
    .where(_groups.c.platform == bindparam("platform"), _groups.c.external_id == bindparam("chat"))
)

MEMBER_FIELDS = ("group_id", "person_id", "joined_at", "leaderboard_opt_out")
PERSON_FIELDS = tuple(c.name for c in _persons.c if c.name != "id")
IDENTITY_FIELDS = ("person_id", "platform", "external_id", "created_at")


def _insert(table: Any, fields: tuple[str, ...], returning: bool) -> Prepared:
    """An INSERT of every named column from bound values (and the new id, if asked)."""
    statement = insert(table).values({name: bindparam(name) for name in fields})
    return Prepared(statement.returning(table.c.id) if returning else statement)


_INSERT_MEMBER = _insert(_members, MEMBER_FIELDS, returning=False)
_INSERT_PERSON = _insert(_persons, PERSON_FIELDS, returning=True)
_INSERT_IDENTITY = _insert(_identities, IDENTITY_FIELDS, returning=False)


class GroupAnswerUnit(AnswerUnit):
    """Use as ``with uow_factory.group_answering() as unit: ...; unit.commit()``.

    An :class:`~interviewprep.storage.answering.AnswerUnit` (every answer method works
    here too) with the group side's statements; nothing is committed until
    :meth:`commit`.
    """

    _autocommit = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._autocommit:
            end_autocommit(self.dbapi)
        super().__exit__(exc_type, exc, traceback)

    def group_question(
        self, platform: str, chat: str, account: str, day: date, question_id: str
    ) -> Any | None:
        """One statement from a chat (server) and an account to what opening the group's
        question of ``day`` needs, or None when no group is set up in the chat.

        The row has the group (``group_id``, ``group_timezone``), the question it was
        sent that day (``delivered``, NULL when none), the account's person
        (``person_id`` and ``timezone``, NULL when not enrolled), their membership
        (``member_id``), their attempt at the group's question of the day
        (``attempt_id``, ``status``, ``hints_used``), their newest open attempt
        (``newest_open``) and their card of ``question_id`` (``card_id`` and the FSRS
        state, NULL when unseen).
        """
        params = {
            "platform": platform,
            "chat": chat,
            "account": account,
            "day": day,
            "question_id": question_id,
        }
        return _GROUP_ANSWER.first(self, params)

    def insert_person(self, values: dict[str, Any]) -> int:
        """Insert a person (every field of ``PERSON_FIELDS``) and return the new id."""
        _, rows = _INSERT_PERSON.execute(self, values)
        return int(rows[0].id)

    def link_identity(self, person_id: int, platform: str, external_id: str, now: datetime) -> None:
        """Link a platform account to a person (the unique key refuses a second link)."""
        params = {
            "person_id": person_id,
            "platform": platform,
            "external_id": external_id,
            "created_at": now,
        }
        _INSERT_IDENTITY.execute(self, params)

    def join_group(self, group_id: int, person_id: int, now: datetime) -> None:
        """Insert a membership (the unique key refuses a second one)."""
        params = {
            "group_id": group_id,
            "person_id": person_id,
            "joined_at": now,
            "leaderboard_opt_out": False,
        }
        _INSERT_MEMBER.execute(self, params)

    def reads(self) -> Reads:
        """The read-only queries on this unit's connection, for use after :meth:`commit`
        (nothing left to roll back): each sees what was committed before it ran, as with
        ``uow_factory.read()``. Only the :class:`Prepared` reads (not ``Reads.core``),
        and the unit, not the returned object, gives the connection back.

        On PostgreSQL the connection is switched to autocommit for the rest of the unit
        (no BEGIN before the reads and no ROLLBACK after them, as ``read()`` does);
        the unit switches it back before returning it to the pool.
        """
        if self.dialect.name == "postgresql" and not self._autocommit:
            autocommit(self.dbapi)
            self._autocommit = True
        return Reads(self.dbapi, self._engine)
