"""The hot reads of the chat commands, on Core statements built once at import.

``/streak``, ``/stats``, settings and the lookups every interaction makes ran through
ORM sessions: building the statements and the session's begin/rollback bookkeeping
cost 1-2 ms a call, several times the database work. These statements are built once
(SQLAlchemy caches their compiled form per dialect) and run on a plain connection from
:class:`interviewprep.storage.uow.ReadOnly`; each read folds what it needs into as few
statements as possible (e.g. a streak's answer counts and excused days in one
``UNION ALL``).

Nothing here writes, and nothing is cached across calls: every read sees what other
processes on the same database committed before it started.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    bindparam,
    func,
    literal_column,
    select,
    union_all,
)

from interviewprep.storage.tables import (
    CardRow,
    Delivery,
    Group,
    GroupMember,
    Identity,
    Person,
    Recipient,
    Review,
)

_persons = Person.__table__  # type: ignore[attr-defined]
_identities = Identity.__table__  # type: ignore[attr-defined]
_reviews = Review.__table__  # type: ignore[attr-defined]
_cards = CardRow.__table__  # type: ignore[attr-defined]
_groups = Group.__table__  # type: ignore[attr-defined]
_members = GroupMember.__table__  # type: ignore[attr-defined]
_recipients = Recipient.__table__  # type: ignore[attr-defined]
_deliveries = Delivery.__table__  # type: ignore[attr-defined]

_ANSWERED, _EXCUSED = 0, 1
_KIND = Integer()


def _kind(value: int) -> Any:
    return literal_column(str(value), _KIND).label("kind")


_PERSON_BY_ID = select(_persons).where(_persons.c.id == bindparam("person_id"))
_PERSON_BY_IDENTITY = (
    select(_persons)
    .select_from(_identities.join(_persons, _persons.c.id == _identities.c.person_id))
    .where(
        _identities.c.platform == bindparam("platform"),
        _identities.c.external_id == bindparam("external_id"),
    )
)
_PERSON_ID_BY_IDENTITY = select(_identities.c.person_id).where(
    _identities.c.platform == bindparam("platform"),
    _identities.c.external_id == bindparam("external_id"),
)
_PERSONS_BY_IDS = select(_persons).where(_persons.c.id.in_(bindparam("person_ids", expanding=True)))

# A person's streak inputs: answers per local day (revealed answers do not count), then
# the days excused because a delivery was missed while the bot was down.
_PERSON_DAYS = union_all(
    select(_kind(_ANSWERED), _reviews.c.local_date.label("day"), func.count().label("n"))
    .where(_reviews.c.person_id == bindparam("person_id"), _reviews.c.revealed.is_(False))
    .group_by(_reviews.c.local_date),
    select(_kind(_EXCUSED), _deliveries.c.local_date, literal_column("0", _KIND))
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.person_id == bindparam("person_id"),
        _deliveries.c.status == "missed",
        _deliveries.c.kind == "daily",
    ),
)
# The same for several people at once (a leaderboard): one statement, whatever the count.
_MANY_DAYS = union_all(
    select(
        _kind(_ANSWERED),
        _reviews.c.person_id.label("person_id"),
        _reviews.c.local_date.label("day"),
        func.count().label("n"),
    )
    .where(
        _reviews.c.person_id.in_(bindparam("person_ids", expanding=True)),
        _reviews.c.revealed.is_(False),
    )
    .group_by(_reviews.c.person_id, _reviews.c.local_date),
    select(
        _kind(_EXCUSED),
        _recipients.c.person_id,
        _deliveries.c.local_date,
        literal_column("0", _KIND),
    )
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.person_id.in_(bindparam("person_ids", expanding=True)),
        _deliveries.c.status == "missed",
        _deliveries.c.kind == "daily",
    ),
)
_OUTCOMES = select(_reviews.c.question_id, _reviews.c.rating, _reviews.c.score).where(
    _reviews.c.person_id == bindparam("person_id")
)
_CARDS = select(_cards).where(_cards.c.person_id == bindparam("person_id"))

# A group with its delivery recipient's state (what GroupView shows).
_GROUP_COLUMNS = (
    _groups,
    _recipients.c.paused.label("recipient_paused"),
    _recipients.c.active.label("recipient_active"),
    _recipients.c.reason.label("recipient_reason"),
)
_GROUP_FROM = _groups.outerjoin(_recipients, _recipients.c.group_id == _groups.c.id)
_GROUP_BY_ID = (
    select(*_GROUP_COLUMNS)
    .select_from(_GROUP_FROM)
    .where(_groups.c.id == bindparam("group_id"))
    .order_by(_recipients.c.id)
    .limit(1)
)
_GROUP_BY_EXTERNAL = (
    select(*_GROUP_COLUMNS)
    .select_from(_GROUP_FROM)
    .where(
        _groups.c.platform == bindparam("platform"),
        _groups.c.external_id == bindparam("external_id"),
    )
    .order_by(_recipients.c.id)
    .limit(1)
)
# A group's streak inputs: members answering per local day, then excused days.
_GROUP_DAYS = union_all(
    select(
        _kind(_ANSWERED),
        _reviews.c.local_date.label("day"),
        func.count(func.distinct(_reviews.c.person_id)).label("n"),
    )
    .where(
        _reviews.c.person_id.in_(
            select(_members.c.person_id).where(_members.c.group_id == bindparam("group_id"))
        ),
        _reviews.c.revealed.is_(False),
    )
    .group_by(_reviews.c.local_date),
    select(_kind(_EXCUSED), _deliveries.c.local_date, literal_column("0", _KIND))
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.group_id == bindparam("group_id"),
        _deliveries.c.status == "missed",
        _deliveries.c.kind == "daily",
    ),
)


class Reads:
    """Read-only queries over one connection. Rows have the tables' column names."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ---------------------------------------------------------------- people

    def person(self, person_id: int) -> Row[Any] | None:
        """A person row (every column), or None."""
        return self.connection.execute(_PERSON_BY_ID, {"person_id": person_id}).first()

    def person_of(self, platform: str, external_id: str) -> Row[Any] | None:
        """The person row behind a platform account, or None."""
        params = {"platform": platform, "external_id": external_id}
        return self.connection.execute(_PERSON_BY_IDENTITY, params).first()

    def person_id_of(self, platform: str, external_id: str) -> int | None:
        """The person id behind a platform account, or None."""
        params = {"platform": platform, "external_id": external_id}
        found = self.connection.execute(_PERSON_ID_BY_IDENTITY, params).scalar()
        return int(found) if found is not None else None

    def persons(self, person_ids: Collection[int]) -> dict[int, Row[Any]]:
        """Person rows by id (unknown ids are left out)."""
        if not person_ids:
            return {}
        rows = self.connection.execute(_PERSONS_BY_IDS, {"person_ids": list(person_ids)})
        return {row.id: row for row in rows}

    def streak_days(self, person_id: int) -> tuple[dict[date, int], set[date]]:
        """A person's answers per local day (revealed ones left out) and excused days."""
        counts: dict[date, int] = {}
        excused: set[date] = set()
        for kind, day, n in self.connection.execute(_PERSON_DAYS, {"person_id": person_id}):
            if kind == _ANSWERED:
                counts[day] = int(n)
            else:
                excused.add(day)
        return counts, excused

    def streak_days_of(
        self, person_ids: Collection[int]
    ) -> tuple[dict[int, dict[date, int]], dict[int, set[date]]]:
        """:meth:`streak_days` of several people in one statement (every id is a key)."""
        counts: dict[int, dict[date, int]] = {p: {} for p in person_ids}
        excused: dict[int, set[date]] = {p: set() for p in person_ids}
        if not person_ids:
            return counts, excused
        rows = self.connection.execute(_MANY_DAYS, {"person_ids": list(person_ids)})
        for kind, person, day, n in rows:
            if kind == _ANSWERED:
                counts[person][day] = int(n)
            else:
                excused[person].add(day)
        return counts, excused

    def outcomes(self, person_id: int) -> list[Row[Any]]:
        """(question_id, rating, score) of every review of a person."""
        return list(self.connection.execute(_OUTCOMES, {"person_id": person_id}))

    def cards(self, person_id: int) -> list[Row[Any]]:
        """Every card row of a person."""
        return list(self.connection.execute(_CARDS, {"person_id": person_id}))

    # ---------------------------------------------------------------- groups

    def group(self, group_id: int) -> Row[Any] | None:
        """A group row with ``recipient_paused/active/reason`` (None without a recipient)."""
        return self.connection.execute(_GROUP_BY_ID, {"group_id": group_id}).first()

    def group_of(self, platform: str, external_id: str) -> Row[Any] | None:
        """:meth:`group` by the platform's chat or server id."""
        params = {"platform": platform, "external_id": external_id}
        return self.connection.execute(_GROUP_BY_EXTERNAL, params).first()

    def group_days(self, group_id: int) -> tuple[dict[date, int], set[date]]:
        """Members answering per local day (revealed answers left out), and excused days."""
        counts: dict[date, int] = {}
        excused: set[date] = set()
        for kind, day, n in self.connection.execute(_GROUP_DAYS, {"group_id": group_id}):
            if kind == _ANSWERED:
                counts[day] = int(n)
            else:
                excused.add(day)
        return counts, excused
