"""The hot reads of the chat commands, on Core statements built once at import.

``/streak``, ``/stats``, settings and the lookups every interaction makes ran through
ORM sessions: building the statements and the session's begin/rollback bookkeeping
cost 1-2 ms a call, several times the database work. These statements are built once,
at import, and run on a DB-API connection from :class:`interviewprep.storage.uow.ReadOnly`
(pooled; on a SQLite file, one kept open per thread);
each read folds what it needs into one statement where it can (a streak's answer counts,
excused days and the owner's settings in one ``UNION ALL``; the account lookup as a
scalar subquery), so a command makes one round trip per service call.

Each statement runs as a :class:`Prepared`: compiled by SQLAlchemy once per dialect,
with SQLAlchemy's own bind and result type processing, but executed on the DB-API
cursor. ``Connection.execute`` spent 50-70 us per statement on bookkeeping (compiled
cache lookup, execution context, result metadata), more than SQLite takes to answer
these reads.

Nothing here writes, and nothing is cached across calls but compiled SQL: every read
sees what other processes on the same database committed before it started.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Date,
    Dialect,
    Engine,
    Float,
    Integer,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from interviewprep.storage.tables import (
    attempts as _attempts,
    cards as _cards,
    deliveries as _deliveries,
    group_days as _member_counts,
    group_members as _members,
    groups as _groups,
    identities as _identities,
    person_days as _days,
    person_totals as _totals,
    persons as _persons,
    question_totals as _outcomes,
    recipients as _recipients,
    reviews as _reviews,
)


class Prepared:
    """A Core statement compiled once per dialect and run on the DB-API cursor.

    Rows are named tuples with the statement's column keys, values processed by the
    columns' types as SQLAlchemy would (dates on SQLite, aware UTC datetimes, JSON,
    booleans). Statements with expanding ``IN`` parameters are not supported (they are
    compiled per call); :meth:`Reads.core` runs those through ``Connection.execute``.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._dialects: dict[str, _Compiled] = {}

    def rows(self, reads: Connected, params: Mapping[str, Any]) -> list[Any]:
        """Run the statement; DB-API errors are raised as SQLAlchemy's (OperationalError...)."""
        return self.execute(reads, params)[1]

    def execute(self, reads: Connected, params: Mapping[str, Any]) -> tuple[int, list[Any]]:
        """Run the statement (also INSERT/UPDATE, with or without RETURNING): the
        driver's rowcount and the rows returned."""
        compiled, count, fetched = self._run(reads, params)
        return count, [compiled.row(values) for values in fetched]

    def raw(self, reads: Connected, params: Mapping[str, Any]) -> Sequence[Any]:
        """:meth:`rows` as the driver returns them: plain tuples, no type processing
        (on SQLite a date is its ISO text: see :func:`day_of`). For statements returning
        thousands of rows, where building and processing each row costs more than the
        query."""
        return self._run(reads, params)[2]

    def _run(
        self, reads: Connected, params: Mapping[str, Any]
    ) -> tuple[_Compiled, int, Sequence[Any]]:
        dialect = reads.dialect
        key = f"{dialect.name}+{dialect.driver}"
        compiled = self._dialects.get(key)
        if compiled is None:
            compiled = self._dialects[key] = _Compiled(self.statement, dialect)
        arguments = compiled.arguments(params)
        cursor = reads.dbapi.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            if cursor.description is None or not compiled.columns:
                # no rows asked for: an UPDATE, or an INSERT (PostgreSQL's compiler adds
                # a RETURNING of the primary key nobody reads)
                return compiled, int(cursor.rowcount), []
            fetched = cursor.fetchall()
            if compiled.results is None:  # processors may depend on the driver's types
                compiled.processors(dialect, cursor.description)
            count = int(cursor.rowcount)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, arguments, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            cursor.close()
        return compiled, count, fetched

    def first(self, reads: Connected, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        rows = self.rows(reads, params)
        return rows[0] if rows else None


class Connected(Protocol):
    """What :class:`Prepared` runs on: a pooled DB-API connection and its dialect."""

    dbapi: PoolProxiedConnection
    dialect: Dialect


def autocommit(dbapi: PoolProxiedConnection) -> None:
    """PostgreSQL: no BEGIN before reads and no ROLLBACK after them (two round trips fewer
    each); every statement sees its own snapshot, as in a READ COMMITTED transaction.
    Pair with :func:`end_autocommit` before the connection goes back to the pool."""
    dbapi.driver_connection.autocommit = True  # type: ignore[union-attr]


def end_autocommit(dbapi: PoolProxiedConnection) -> None:
    """Transactions back on before the pool hands the connection out again; one that
    cannot be switched back is broken and invalidated, so the pool never reuses it."""
    try:
        dbapi.driver_connection.autocommit = False  # type: ignore[union-attr]
    except Exception:
        dbapi.invalidate()


# ISO day text -> date: the windowed streak reads return the same few dozen days for
# every member, and a lookup costs a fifth of parsing. One entry per calendar day seen
# (a few thousand over years), so the table needs no bound.
_DAYS: dict[str, date] = {}


def day_of(value: date | str) -> date:
    """A date column's value as a driver returns it (SQLite: ISO text) as a date."""
    if isinstance(value, date):
        return value
    found = _DAYS.get(value)
    if found is None:
        found = _DAYS[value] = date.fromisoformat(value)
    return found


class _Compiled:
    """A statement's SQL for one dialect, with its parameters and type processors."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        escaped: dict[str, str] = getattr(compiled, "escaped_bind_names", None) or {}
        self._fixed: dict[str, Any] = {}  # values written into the statement ("missed")
        self._given: dict[str, tuple[str, Callable[[Any], Any] | None]] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            sent = escaped.get(name, name)
            if bind.required:
                self._given[name] = (sent, process)
            else:
                value = bind.effective_value
                self._fixed[sent] = process(value) if process and value is not None else value
        self._positions: list[str] | None = (
            [escaped.get(n, n) for n in compiled.positiontup or []] if dialect.positional else None
        )
        # positional drivers (SQLite): each position's parameter name and processor, or
        # its fixed value, so a call builds the tuple in one pass
        sent_names = {sent: name for name, (sent, _) in self._given.items()}
        self._plan: list[tuple[str | None, Callable[[Any], Any] | None, Any]] | None = None
        if self._positions is not None:
            self._plan = [
                (sent_names[sent], self._given[sent_names[sent]][1], None)
                if sent in sent_names
                else (None, None, self._fixed[sent])
                for sent in self._positions
            ]
        # a SELECT's columns, or what an INSERT/UPDATE returns
        self._columns = list(
            getattr(statement, "selected_columns", None) or statement.exported_columns
        )
        self.columns = len(self._columns)
        self.results: list[Callable[[Any], Any] | None] | None = None
        self._row = namedtuple("Row", [c.key for c in self._columns])  # type: ignore[misc]

    def processors(self, dialect: Dialect, description: Any) -> None:
        """The result processors, from the column types and the driver's type codes."""
        self.results = [
            c.type.dialect_impl(dialect).result_processor(dialect, d[1])
            for c, d in zip(self._columns, description, strict=True)
        ]

    def arguments(self, params: Mapping[str, Any]) -> Any:
        if self._plan is not None:
            out = []
            for name, process, fixed in self._plan:
                if name is None:
                    out.append(fixed)
                    continue
                value = params[name]
                out.append(process(value) if process is not None and value is not None else value)
            return tuple(out)
        values = dict(self._fixed)
        for name, (sent, process) in self._given.items():
            value = params[name]
            values[sent] = process(value) if process and value is not None else value
        if self._positions is None:
            return values
        return tuple(values[name] for name in self._positions)

    def row(self, values: Any) -> Any:
        assert self.results is not None
        return self._row(
            *(
                v if p is None or v is None else p(v)
                for p, v in zip(self.results, values, strict=True)
            )
        )


_ANSWERED, _EXCUSED, _OWNER = 0, 1, 2  # row kinds of the folded statements below
_CARD, _OUTCOME = 0, 1
_INT = Integer()


def _kind(value: int) -> Any:
    return literal_column(str(value), _INT).label("kind")


def _null(type_: Any) -> Any:
    """A typed NULL, so every branch of a UNION has the same column types (PostgreSQL)."""
    return cast(null(), type_)


def _who(by: str) -> Any:
    """Whom a statement is about: a bound person id, or the person behind an account.

    The account lookup is an uncorrelated scalar subquery: both databases run it once
    per statement, and the caller's separate lookup query disappears.
    """
    if by == "id":
        return bindparam("person_id")
    return (
        select(_identities.c.person_id)
        .where(
            _identities.c.platform == bindparam("platform"),
            _identities.c.external_id == bindparam("external_id"),
        )
        .scalar_subquery()
    )


_PERSON_BY_ID = Prepared(select(_persons).where(_persons.c.id == bindparam("person_id")))
_PERSON_ID_BY_IDENTITY = Prepared(
    select(_identities.c.person_id).where(
        _identities.c.platform == bindparam("platform"),
        _identities.c.external_id == bindparam("external_id"),
    )
)
_PERSONS_BY_IDS = select(
    _persons.c.id, _persons.c.timezone, _persons.c.daily_goal, _persons.c.rest_days
).where(_persons.c.id.in_(bindparam("person_ids", expanding=True)))


def _excused(owner: Any, who: Any) -> Any:
    """(kind, day) of the daily deliveries missed while the bot was down."""
    return (
        select(_kind(_EXCUSED), _deliveries.c.local_date)
        .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
        .where(owner == who, _deliveries.c.status == "missed", _deliveries.c.kind == "daily")
    )


def _person_days(who: Any) -> Any:
    """A person's streak inputs in one statement: answers per local day (revealed ones do
    not count; the ``person_days`` rows the database's triggers keep, one per day),
    excused days, and one row with the person's time zone, goal, rest days."""
    excused = _excused(_recipients.c.person_id, who)
    return union_all(
        select(
            _kind(_ANSWERED),
            _days.c.day.label("day"),
            _days.c.answers.label("n"),
            _null(Text()).label("zone"),
            _null(Text()).label("rest"),
        ).where(_days.c.person_id == who),
        excused.add_columns(literal_column("0", _INT), _null(Text()), _null(Text())),
        select(
            _kind(_OWNER),
            _null(Date()),
            _persons.c.daily_goal,
            _persons.c.timezone,
            cast(_persons.c.rest_days, Text()),
        ).where(_persons.c.id == who),
    )


_PERSON_DAYS_BY_ID = Prepared(_person_days(_who("id")))
_PERSON_DAYS_BY_IDENTITY = Prepared(_person_days(_who("identity")))

# Several people at once (a leaderboard): one statement, whatever the count.
_MANY_DAYS = union_all(
    select(
        _kind(_ANSWERED),
        _days.c.person_id.label("person_id"),
        _days.c.day.label("day"),
        _days.c.answers.label("n"),
    ).where(_days.c.person_id.in_(bindparam("person_ids", expanding=True))),
    select(
        _kind(_EXCUSED),
        _recipients.c.person_id,
        _deliveries.c.local_date,
        literal_column("0", _INT),
    )
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.person_id.in_(bindparam("person_ids", expanding=True)),
        _deliveries.c.status == "missed",
        _deliveries.c.kind == "daily",
    ),
)


WINDOW_PEOPLE = 25  # people named in one windowed streak read (the rest of the slots NULL)


def _window_days(members: Any) -> Any:
    """Streak inputs of several people from a window of recent local days, in one
    statement: answers per person and day since ``since`` (revealed ones do not count),
    excused days since ``since``, and one row per person with the goal, time zone, rest
    days and whether they answered before ``since``. ``members``: a subquery or a list
    of the people's ids."""
    earlier = (
        select(_days.c.day)
        .where(_days.c.person_id == _persons.c.id, _days.c.day < bindparam("since"))
        .correlate(_persons)
        .exists()
    )
    return union_all(
        select(
            _kind(_ANSWERED),
            _days.c.person_id.label("person_id"),
            _days.c.day.label("day"),
            _days.c.answers.label("n"),
            _null(Text()).label("zone"),
            _null(Text()).label("rest"),
            _null(Integer()).label("earlier"),
        ).where(_days.c.person_id.in_(members), _days.c.day >= bindparam("since")),
        select(
            _kind(_EXCUSED),
            _recipients.c.person_id,
            _deliveries.c.local_date,
            literal_column("0", _INT),
            _null(Text()),
            _null(Text()),
            _null(Integer()),
        )
        .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
        .where(
            _recipients.c.person_id.in_(members),
            _deliveries.c.status == "missed",
            _deliveries.c.kind == "daily",
            _deliveries.c.local_date >= bindparam("since"),
        ),
        select(
            _kind(_OWNER),
            _persons.c.id,
            _null(Date()),
            _persons.c.daily_goal,
            _persons.c.timezone,
            cast(_persons.c.rest_days, Text()),
            case((earlier, 1), else_=0),
        ).where(_persons.c.id.in_(members)),
    )


# a group's members on its leaderboard, or up to WINDOW_PEOPLE people named by id
_WINDOW_DAYS = Prepared(
    _window_days(
        select(_members.c.person_id).where(
            _members.c.group_id == bindparam("group_id"),
            _members.c.leaderboard_opt_out.is_(False),
        )
    )
)
_WINDOW_DAYS_OF = Prepared(
    _window_days([bindparam(f"p{i}", type_=Integer()) for i in range(WINDOW_PEOPLE)])
)

_STATE_COLUMNS = (
    "due",
    "state",
    "step",
    "stability",
    "difficulty",
    "last_review",
    "reps",
    "lapses",
)


def _person_stats(who: Any) -> Any:
    """A person's stats inputs in one statement: every card, answers and correct answers
    per question (the ``question_totals`` rows the database's triggers keep: one per
    question, however many answers), and one row with the person's time zone and desired
    retention."""
    no_state = [_null(_cards.c[name].type) for name in _STATE_COLUMNS]
    return union_all(
        select(
            _kind(_CARD),
            _cards.c.question_id,
            *(_cards.c[name] for name in _STATE_COLUMNS),
            _null(Integer()).label("answered"),
            _null(Integer()).label("correct"),
            _null(Float()).label("retention"),
        ).where(_cards.c.person_id == who),
        select(
            _kind(_OUTCOME),
            _outcomes.c.question_id,
            *no_state,
            _outcomes.c.answered,
            _outcomes.c.correct,
            _null(Float()),
        ).where(_outcomes.c.person_id == who),
        select(
            _kind(_OWNER),
            _persons.c.timezone,
            *no_state,
            _null(Integer()),
            _null(Integer()),
            _persons.c.desired_retention,
        ).where(_persons.c.id == who),
    )


_PERSON_STATS_BY_ID = Prepared(_person_stats(_who("id")))
_PERSON_STATS_BY_IDENTITY = Prepared(_person_stats(_who("identity")))

# A group with its delivery recipient's state (what GroupView shows).
_GROUP_COLUMNS = (
    _groups,
    _recipients.c.paused.label("recipient_paused"),
    _recipients.c.active.label("recipient_active"),
    _recipients.c.reason.label("recipient_reason"),
)
_GROUP_FROM = _groups.outerjoin(_recipients, _recipients.c.group_id == _groups.c.id)
_GROUP_BY_ID = Prepared(
    select(*_GROUP_COLUMNS)
    .select_from(_GROUP_FROM)
    .where(_groups.c.id == bindparam("group_id"))
    .order_by(_recipients.c.id)
    .limit(1)
)
_GROUP_BY_EXTERNAL = Prepared(
    select(*_GROUP_COLUMNS)
    .select_from(_GROUP_FROM)
    .where(
        _groups.c.platform == bindparam("platform"),
        _groups.c.external_id == bindparam("external_id"),
    )
    .order_by(_recipients.c.id)
    .limit(1)
)


def _group_of_chat() -> Any:
    """The group of a platform chat or server, as a scalar subquery (run once)."""
    return (
        select(_groups.c.id)
        .where(
            _groups.c.platform == bindparam("platform"),
            _groups.c.external_id == bindparam("external_id"),
        )
        .scalar_subquery()
    )


def _group_days(group: Any) -> Any:
    """A group's streak inputs in one statement: members answering per local day (the
    ``group_days`` rows the database's triggers keep: one per day, not one per review),
    excused days, and one row with the group's id, time zone and the members needed for
    a day to count."""
    return union_all(
        select(
            _kind(_ANSWERED),
            _member_counts.c.day.label("day"),
            _member_counts.c.members.label("n"),
            _null(Text()).label("zone"),
            _null(Integer()).label("owner"),
        ).where(_member_counts.c.group_id == group),
        _excused(_recipients.c.group_id, group).add_columns(
            literal_column("0", _INT), _null(Text()), _null(Integer())
        ),
        select(
            _kind(_OWNER),
            _null(Date()),
            _groups.c.min_members,
            _groups.c.timezone,
            _groups.c.id,
        ).where(_groups.c.id == group),
    )


_GROUP_DAYS = Prepared(_group_days(bindparam("group_id")))
_GROUP_DAYS_OF_CHAT = Prepared(_group_days(_group_of_chat()))


_POST_OF_MESSAGE = Prepared(
    select(_deliveries.c.local_date, _deliveries.c.question_id, _recipients.c.group_id)
    .select_from(_deliveries.join(_recipients, _recipients.c.id == _deliveries.c.recipient_id))
    .where(
        _recipients.c.platform == bindparam("platform"),
        _recipients.c.chat_id == bindparam("chat_id"),
        _deliveries.c.message_id == bindparam("message_id"),
    )
    .limit(1)
)
# A group's post (by its message id) in a chat, with the members who answered it and
# how many must answer for the day to count (what an answer's milestones need). The
# answers are counted up to min_members + 1 only: that tells whether they equal
# min_members, and the count stays a few index rows however many members answered
# (counting every answer cost ~80 us at 1,000 answers a day on SQLite, ~230 at 3,000).
_counted = _groups.alias("counted_group")
_ANSWERS_TO_COUNT = (
    select(_counted.c.min_members + 1)
    .where(
        _counted.c.platform == bindparam("platform"),
        _counted.c.external_id == bindparam("external_id"),
    )
    .scalar_subquery()
)
_POST_ANSWERS = (
    select(_attempts.c.id)
    .where(
        _attempts.c.group_id == _groups.c.id,
        _attempts.c.group_day == _deliveries.c.local_date,
        _attempts.c.status == "answered",
    )
    .correlate(_groups, _deliveries)
    .limit(_ANSWERS_TO_COUNT)
    .subquery("post_answers")
)
_POST_IN_CHAT = Prepared(
    select(
        _groups.c.id.label("group_id"),
        _groups.c.min_members,
        _deliveries.c.local_date,
        select(func.count()).select_from(_POST_ANSWERS).scalar_subquery().label("answered"),
    )
    .select_from(
        _groups.join(_recipients, _recipients.c.group_id == _groups.c.id).join(
            _deliveries, _deliveries.c.recipient_id == _recipients.c.id
        )
    )
    .where(
        _groups.c.platform == bindparam("platform"),
        _groups.c.external_id == bindparam("external_id"),
        _recipients.c.chat_id == _groups.c.channel_id,
        _deliveries.c.message_id == bindparam("message_id"),
    )
    .limit(1)
)
_ANSWERED_ON = Prepared(
    select(func.count().label("n")).where(
        _attempts.c.group_id == bindparam("group_id"),
        _attempts.c.group_day == bindparam("day"),
        _attempts.c.status == "answered",
    )
)


def _latest_daily() -> Any:
    """The person's newest daily-question attempt asked within a window of local days,
    with its card (if any): what /today shows when the day's question was asked."""
    newest = (
        select(func.max(_attempts.c.id))
        .where(
            _attempts.c.person_id == _persons.c.id,
            _attempts.c.source == "daily",
            _attempts.c.asked_on.between(bindparam("first_day"), bindparam("last_day")),
        )
        .correlate(_persons)
        .scalar_subquery()
    )
    return (
        select(
            _persons.c.id.label("person_id"),
            _persons.c.timezone,
            _attempts.c.id.label("attempt_id"),
            _attempts.c.question_id,
            _attempts.c.status,
            _attempts.c.hints_used,
            _attempts.c.asked_on,
            _cards.c.id.label("card_id"),
            *(_cards.c[name] for name in _STATE_COLUMNS),
        )
        .select_from(
            _identities.join(_persons, _persons.c.id == _identities.c.person_id)
            .outerjoin(_attempts, _attempts.c.id == newest)
            .outerjoin(
                _cards,
                (_cards.c.person_id == _persons.c.id)
                & (_cards.c.question_id == _attempts.c.question_id),
            )
        )
        .where(
            _identities.c.platform == bindparam("platform"),
            _identities.c.external_id == bindparam("external_id"),
        )
    )


_LATEST_DAILY_OF = Prepared(_latest_daily())


def _leaderboard(since: bool) -> Any:
    """Members shown on a group's leaderboard with their answers (revealed ones left
    out) and answers rated Hard or better, since a moment or of all time (the totals the
    database's triggers keep: one row per member, however long the history)."""
    if since:
        members = select(_members.c.person_id).where(_members.c.group_id == bindparam("group_id"))
        # the local day of an answer is at most a day before its UTC day: the day bound
        # keeps the scan to the period's rows of the (person, revealed, day) index
        counted = (
            select(
                _reviews.c.person_id,
                func.count().label("answered"),
                func.sum(case((_reviews.c.rating >= 2, 1), else_=0)).label("correct"),
            )
            .where(
                _reviews.c.person_id.in_(members),
                _reviews.c.revealed.is_(False),
                _reviews.c.local_date >= bindparam("since_day"),
                _reviews.c.answered_at >= bindparam("since"),
            )
            .group_by(_reviews.c.person_id)
            .subquery("totals")
        )
    else:
        counted = (
            select(_totals.c.person_id, _totals.c.answered, _totals.c.correct)
            .where(_totals.c.answered > 0)
            .subquery("totals")
        )
    return (
        select(
            _members.c.person_id,
            _persons.c.display_name,
            counted.c.answered,
            counted.c.correct,
        )
        .select_from(
            _members.join(_persons, _persons.c.id == _members.c.person_id).join(
                counted, counted.c.person_id == _members.c.person_id
            )
        )
        .where(
            _members.c.group_id == bindparam("group_id"),
            _members.c.leaderboard_opt_out.is_(False),
        )
    )


_LEADERBOARD_SINCE = Prepared(_leaderboard(since=True))
_LEADERBOARD_ALL = Prepared(_leaderboard(since=False))


@dataclass(frozen=True)
class StreakInputs:
    """What a streak is computed from: the owner's settings and the days."""

    timezone: str
    daily_goal: int  # a person's goal, or a group's members needed on a day
    rest_days: tuple[int, ...]
    counts: dict[date, int]
    excused: set[date]
    owner_id: int | None = None  # the group's id (group streaks only)


@dataclass(frozen=True)
class WindowInputs:
    """A person's streak inputs from a window of recent days (``streak.current_from``)."""

    timezone: str
    daily_goal: int
    rest_days: tuple[int, ...]
    counts: dict[date, int]  # answers per local day since the window's first day
    excused: set[date]  # excused days since the window's first day
    earlier: bool  # answered before the window's first day


@dataclass(frozen=True)
class StatsInputs:
    """What the stats are computed from."""

    timezone: str
    desired_retention: float
    cards: list[Any]  # card rows (question_id and the FSRS state columns)
    outcomes: list[tuple[str, int, int]]  # (question id, answers, rated Hard or better)


def _streak_inputs(rows: Any) -> StreakInputs | None:
    counts: dict[date, int] = {}
    excused: set[date] = set()
    owner: Any = None
    for row in rows:
        if row.kind == _ANSWERED:
            counts[row.day] = int(row.n)
        elif row.kind == _EXCUSED:
            excused.add(row.day)
        else:
            owner = row
    if owner is None:
        return None
    rest = getattr(owner, "rest", None)
    return StreakInputs(
        timezone=owner.zone,
        daily_goal=int(owner.n),
        rest_days=tuple(json.loads(rest)) if rest else (),
        counts=counts,
        excused=excused,
        owner_id=getattr(owner, "owner", None),
    )


class Reads:
    """Read-only queries over one pooled DB-API connection (see ``storage.uow.ReadOnly``).

    Rows are named tuples with the tables' column names.
    """

    def __init__(self, dbapi: PoolProxiedConnection, engine: Engine, *, kept: bool = False) -> None:
        self.dbapi = dbapi
        self.dialect = engine.dialect
        self._engine = engine
        self._kept = kept  # the thread's kept connection (storage.uow.KeptReads): not closed
        self._core: Connection | None = None

    def core(self) -> Connection:
        """A SQLAlchemy connection for statements :class:`Prepared` cannot run."""
        if self._core is None:
            self._core = self._engine.connect()
        return self._core

    def in_transaction(self) -> bool:
        """Whether the driver has a transaction open on the DB-API connection."""
        return bool(getattr(self.dbapi.dbapi_connection, "in_transaction", False))

    def close(self) -> None:
        """Give the connections back to the pool (which rolls back what they began); a
        kept connection stays open for the thread's next read."""
        try:
            if self._core is not None:
                self._core.close()
        finally:
            if not self._kept:
                self.dbapi.close()

    # ---------------------------------------------------------------- people

    def person(self, person_id: int) -> Any | None:
        """A person row (every column), or None."""
        return _PERSON_BY_ID.first(self, {"person_id": person_id})

    def person_id_of(self, platform: str, external_id: str) -> int | None:
        """The person id behind a platform account, or None."""
        params = {"platform": platform, "external_id": external_id}
        found = _PERSON_ID_BY_IDENTITY.first(self, params)
        return int(found.person_id) if found is not None else None

    def streak_inputs(self, person_id: int) -> StreakInputs | None:
        """A person's streak inputs (one statement), or None for an unknown id."""
        rows = _PERSON_DAYS_BY_ID.rows(self, {"person_id": person_id})
        return _streak_inputs(rows)

    def streak_inputs_of(self, platform: str, external_id: str) -> StreakInputs | None:
        """:meth:`streak_inputs` of the person behind a platform account, or None."""
        params = {"platform": platform, "external_id": external_id}
        return _streak_inputs(_PERSON_DAYS_BY_IDENTITY.rows(self, params))

    def streak_inputs_many(self, person_ids: Collection[int]) -> dict[int, StreakInputs]:
        """:meth:`streak_inputs` of several people in two statements (unknown ids left out)."""
        if not person_ids:
            return {}
        params = {"person_ids": list(person_ids)}
        people = self.core().execute(_PERSONS_BY_IDS, params).all()
        counts: dict[int, dict[date, int]] = {row.id: {} for row in people}
        excused: dict[int, set[date]] = {row.id: set() for row in people}
        if people:
            found = {"person_ids": list(counts)}
            for kind, person, day, n in self.core().execute(_MANY_DAYS, found).all():
                if kind == _ANSWERED:
                    counts[person][day] = int(n)
                else:
                    excused[person].add(day)
        return {
            row.id: StreakInputs(
                row.timezone, row.daily_goal, tuple(row.rest_days), counts[row.id], excused[row.id]
            )
            for row in people
        }

    def member_streak_windows(self, group_id: int, since: date) -> dict[int, WindowInputs]:
        """Streak inputs since the local day ``since`` of every member on a group's
        leaderboard (opted-out members left out), in one statement (its rows unprocessed:
        a row per member and day)."""
        params = {"group_id": group_id, "since": since}
        return _windows(_WINDOW_DAYS.raw(self, params))

    def streak_windows(self, person_ids: Collection[int], since: date) -> dict[int, WindowInputs]:
        """:meth:`member_streak_windows` of people named by id (unknown ids left out), one
        statement per :data:`WINDOW_PEOPLE` people."""
        ids = list(dict.fromkeys(person_ids))
        out: dict[int, WindowInputs] = {}
        for start in range(0, len(ids), WINDOW_PEOPLE):
            chunk = ids[start : start + WINDOW_PEOPLE]
            params: dict[str, Any] = {"since": since}
            params.update({f"p{i}": None for i in range(WINDOW_PEOPLE)})
            params.update({f"p{i}": person for i, person in enumerate(chunk)})
            out.update(_windows(_WINDOW_DAYS_OF.raw(self, params)))
        return out

    def latest_daily_of(
        self, platform: str, external_id: str, first_day: date, last_day: date
    ) -> Any | None:
        """The account's person (``person_id``, ``timezone``) with their newest daily
        attempt asked between two local days (``attempt_id`` None when there is none) and
        its card (``card_id`` None when unseen); None when the account is not enrolled."""
        params = {
            "platform": platform,
            "external_id": external_id,
            "first_day": first_day,
            "last_day": last_day,
        }
        return _LATEST_DAILY_OF.first(self, params)

    def stats_inputs(self, person_id: int) -> StatsInputs | None:
        """A person's stats inputs (one statement), or None for an unknown id."""
        rows = _PERSON_STATS_BY_ID.rows(self, {"person_id": person_id})
        return _stats_inputs(rows)

    def stats_inputs_of(self, platform: str, external_id: str) -> StatsInputs | None:
        """:meth:`stats_inputs` of the person behind a platform account, or None."""
        params = {"platform": platform, "external_id": external_id}
        return _stats_inputs(_PERSON_STATS_BY_IDENTITY.rows(self, params))

    # ---------------------------------------------------------------- groups

    def group(self, group_id: int) -> Any | None:
        """A group row with ``recipient_paused/active/reason`` (None without a recipient)."""
        return _GROUP_BY_ID.first(self, {"group_id": group_id})

    def group_of(self, platform: str, external_id: str) -> Any | None:
        """:meth:`group` by the platform's chat or server id."""
        params = {"platform": platform, "external_id": external_id}
        return _GROUP_BY_EXTERNAL.first(self, params)

    def group_streak_inputs(self, group_id: int) -> StreakInputs | None:
        """A group's streak inputs (``daily_goal``: members needed a day), or None."""
        rows = _GROUP_DAYS.rows(self, {"group_id": group_id})
        return _streak_inputs(rows)

    def group_streak_inputs_of(self, platform: str, external_id: str) -> StreakInputs | None:
        """:meth:`group_streak_inputs` of a platform chat or server (``owner_id``: the
        group's id), or None when no group is set up there."""
        params = {"platform": platform, "external_id": external_id}
        return _streak_inputs(_GROUP_DAYS_OF_CHAT.rows(self, params))

    def post_of_message(self, platform: str, chat_id: str, message_id: str) -> Any | None:
        """(local_date, question_id, group_id) of the delivery that made a message."""
        params = {"platform": platform, "chat_id": chat_id, "message_id": message_id}
        return _POST_OF_MESSAGE.first(self, params)

    def post_in_chat(self, platform: str, external_id: str, message_id: str) -> Any | None:
        """(group_id, min_members, local_date, answered) of the group post ``message_id``
        in the group of a platform chat or server, or None. ``answered`` counts the
        members who answered the post up to ``min_members + 1`` (enough to tell whether
        they equal ``min_members``; :meth:`answered_on` counts them all)."""
        params = {"platform": platform, "external_id": external_id, "message_id": message_id}
        return _POST_IN_CHAT.first(self, params)

    def answered_on(self, group_id: int, day: date) -> int:
        """How many members answered a group's question of a local day."""
        row = _ANSWERED_ON.first(self, {"group_id": group_id, "day": day})
        return int(row.n) if row is not None else 0

    def leaderboard(self, group_id: int, since: datetime | None) -> Sequence[Any]:
        """(person_id, display_name, answered, correct) tuples of members on the
        leaderboard with answers since ``since`` (all time when None); opted-out members
        are left out. Plain driver tuples: a board ranks every member, and these columns
        need no type processing (``correct`` is None for no answers rated)."""
        if since is None:
            return _LEADERBOARD_ALL.raw(self, {"group_id": group_id})
        since_day = since.astimezone(UTC).date() - timedelta(days=1)
        params = {"group_id": group_id, "since": since, "since_day": since_day}
        return _LEADERBOARD_SINCE.raw(self, params)


def _windows(rows: Sequence[Any]) -> dict[int, WindowInputs]:
    """WindowInputs per person from the unprocessed rows of a windowed streak read."""
    counts: dict[int, dict[date, int]] = {}
    excused: dict[int, set[date]] = {}
    owners: list[Any] = []
    for kind, person, day, n, zone, rest, earlier in rows:
        if kind == _ANSWERED:
            counts.setdefault(person, {})[day_of(day)] = n
        elif kind == _EXCUSED:
            excused.setdefault(person, set()).add(day_of(day))
        else:
            owners.append((person, n, zone, rest, earlier))
    return {
        person: WindowInputs(
            timezone=zone,
            daily_goal=int(goal),
            rest_days=tuple(json.loads(rest)) if rest else (),
            counts=counts.get(person, {}),
            excused=excused.get(person, set()),
            earlier=bool(earlier),
        )
        for person, goal, zone, rest, earlier in owners
    }


def _stats_inputs(rows: Any) -> StatsInputs | None:
    cards: list[Any] = []
    outcomes: list[tuple[str, int, int]] = []
    owner: Any = None
    for row in rows:
        if row.kind == _CARD:
            cards.append(row)
        elif row.kind == _OUTCOME:
            outcomes.append((row.question_id, int(row.answered), int(row.correct or 0)))
        else:
            owner = row
    if owner is None:
        return None
    # the owner row carries the time zone in question_id and the retention in retention
    return StatsInputs(owner.question_id, float(owner.retention), cards, outcomes)
