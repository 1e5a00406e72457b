"""Queries of the delivery engine: due recipients, idempotent claims, leases.

Every method works on a batch with a constant number of statements, whatever the batch
size: the engine plans a tick for 100,000 recipients without a query per recipient.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from interviewprep.storage.tables import (
    deliveries as _d,
    groups as _g,
    person_days as _days,
    persons as _p,
    recipients as _r,
)

# What the engine needs of a recipient, its person or its group, in one row.
_RECIPIENT_COLUMNS = (
    _r.c.id,
    _r.c.kind,
    _r.c.platform,
    _r.c.chat_id,
    _r.c.person_id,
    _r.c.group_id,
    _r.c.next_at,
    _r.c.remind_at,
    func.coalesce(_p.c.timezone, _g.c.timezone).label("timezone"),
    func.coalesce(_p.c.delivery_time, _g.c.delivery_time).label("delivery_time"),
    _p.c.reminders,
    _p.c.reminder_hours,
    _p.c.quiet_start,
    _p.c.quiet_end,
    _p.c.daily_goal,
    _p.c.rest_days,
)
_DAILY_COLUMNS = _RECIPIENT_COLUMNS[:10]  # up to delivery_time: what a daily claim needs
_SHARED_CLAIM_COLUMNS = ("claimed_by", "claimed_at", "lease_until")
_CLAIM_COLUMNS = {
    "recipient_id": "integer",
    "local_date": "date",
    "kind": "varchar",
    "status": "varchar",
    "attempts": "integer",
    "claimed_by": "varchar",
    "claimed_at": "timestamptz",
    "lease_until": "timestamptz",
}
"""The columns (and PostgreSQL types) of a claim row, as the engine builds them."""
_FROM = _r.outerjoin(_p, _p.c.id == _r.c.person_id).outerjoin(_g, _g.c.id == _r.c.group_id)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value  # dates: SQLite's format


def _array_literal(values: Iterable[Any], kind: str) -> str:
    """A PostgreSQL array literal of ``kind`` values (None is NULL), for the server to parse.

    psycopg adapting a list of 100k datetimes element by element took 4 s of a 10 s plan.
    Dates and aware datetimes print without spaces or quotes in ISO form.
    """
    if kind == "varchar":
        items = (
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
    elif kind == "integer":
        items = ("NULL" if v is None else str(int(v)) for v in values)
    else:  # date, timestamptz
        items = ("NULL" if v is None else v.isoformat() for v in values)
    return "{" + ",".join(items) + "}"


@dataclass(frozen=True)
class ClaimedRow:
    """A claimed delivery with what is needed to prepare and send it."""

    delivery_id: int
    recipient_id: int
    kind: str  # daily | reminder
    local_date: date
    platform: str
    chat_id: str
    recipient_kind: str
    person_id: int | None
    group_id: int | None
    attempts: int


class DeliveryRepository:
    """Batch queries over recipients and deliveries. Never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        bind = self.session.get_bind()
        return bind.dialect.name == "postgresql"

    def _lock(self, statement: Any) -> Any:
        # Two engines on one PostgreSQL split the due rows instead of waiting on each other.
        if self._postgres:
            return statement.with_for_update(skip_locked=True, of=_r)
        return statement

    def due(
        self,
        column: str,
        now: datetime,
        limit: int,
        platforms: Sequence[str],
        *,
        reminder_fields: bool = True,
    ) -> Sequence[Row[Any]]:
        """Recipients on ``platforms`` whose ``next_at`` or ``remind_at`` has come, oldest first.

        Args:
            reminder_fields: also read the person's reminder settings, goal and rest days
                (the daily pass does without: decoding 100k JSON rest-day lists was a
                tenth of a plan).
        """
        due_at = _r.c[column]
        statement = (
            select(*(_RECIPIENT_COLUMNS if reminder_fields else _DAILY_COLUMNS))
            .select_from(_FROM)
            .where(due_at <= now, _r.c.platform.in_(platforms))
            .order_by(due_at)
            .limit(limit)
        )
        return self.session.execute(self._lock(statement)).all()

    def insert_ignoring_conflicts(self, rows: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
        """Insert deliveries; rows whose (recipient, day, kind) exists are skipped.

        Returns:
            (recipient id, kind, new delivery id) of the rows actually inserted.
        """
        if not rows:
            return []
        if self._postgres:
            return self._insert_unnest(rows)
        return self._insert_json(rows)

    def _insert_json(self, rows: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
        # SQLite: the per-row values as one JSON array, read by json_each; the lease
        # columns, the same for a whole plan, bound once. SQLAlchemy's multi-row insert
        # converted three dates per row in Python (2 of 7 s for 82k rows).
        shared = {name: rows[0][name] for name in _SHARED_CLAIM_COLUMNS}
        if any(row[name] != value for row in rows for name, value in shared.items()):
            upsert = (
                sqlite_insert(_d)
                .on_conflict_do_nothing(index_elements=["recipient_id", "local_date", "kind"])
                .returning(_d.c.id, _d.c.recipient_id, _d.c.kind)
            )
            result = self.session.execute(upsert, rows)
        else:
            own = [name for name in _CLAIM_COLUMNS if name not in shared]
            payload = json.dumps(
                [[_json_value(row[name]) for name in own] for row in rows], separators=(",", ":")
            )
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(own)))
            statement = text(
                f"INSERT INTO deliveries ({', '.join(own + list(shared))})"
                f" SELECT {picks}, {', '.join(':' + name for name in shared)}"
                " FROM json_each(:rows) WHERE true"  # WHERE: SQLite's upsert-after-SELECT rule
                " ON CONFLICT (recipient_id, local_date, kind) DO NOTHING"
                " RETURNING id, recipient_id, kind"
            ).bindparams(*(bindparam(name, type_=_d.c[name].type) for name in shared))
            result = self.session.execute(statement, {"rows": payload, **shared})
        return [(int(r), str(k), int(d)) for d, r, k in result.all()]

    def _insert_unnest(self, rows: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
        # One statement with one array per column: psycopg parses a multi-row VALUES
        # statement anew for each page of rows (10 of 14 s for 82k rows), arrays once.
        arrays = {
            name: _array_literal((row[name] for row in rows), kind)
            for name, kind in _CLAIM_COLUMNS.items()
        }
        casts = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _CLAIM_COLUMNS.items())
        statement = text(
            f"INSERT INTO deliveries ({', '.join(_CLAIM_COLUMNS)}) SELECT * FROM unnest({casts})"
            " ON CONFLICT (recipient_id, local_date, kind) DO NOTHING"
            " RETURNING id, recipient_id, kind"
        )
        result = self.session.execute(statement, arrays)
        return [(int(r), str(k), int(d)) for d, r, k in result.all()]

    def set_due(self, column: str, values: Iterable[tuple[int, datetime | None]]) -> None:
        """Move recipients' next due instants (one statement)."""
        if column not in ("next_at", "remind_at"):
            raise ValueError(f"not a due column: {column}")
        pairs = list(values)
        if pairs and self._postgres:
            self.session.execute(
                text(
                    f"UPDATE recipients SET {column} = v.at FROM unnest("
                    "CAST(:ids AS integer[]), CAST(:ats AS timestamptz[])) AS v(id, at)"
                    " WHERE recipients.id = v.id"
                ),
                {
                    "ids": _array_literal((rid for rid, _ in pairs), "integer"),
                    "ats": _array_literal((at for _, at in pairs), "timestamptz"),
                },
            )
            return
        if pairs:
            # SQLite: one UPDATE ... FROM json_each instead of 100k executemany rows
            # the column type's own conversion, so the text matches what the ORM stores
            dialect = self.session.get_bind().dialect
            stored_as = _r.c[column].type.dialect_impl(dialect)
            convert: Callable[[Any], Any] = stored_as.bind_processor(dialect) or (
                lambda value: value
            )
            payload = json.dumps(
                [[rid, None if at is None else convert(at)] for rid, at in pairs],
                separators=(",", ":"),
            )
            self.session.execute(
                text(
                    f"UPDATE recipients SET {column} = json_extract(v.value, '$[1]')"
                    " FROM json_each(:pairs) AS v"
                    " WHERE recipients.id = json_extract(v.value, '$[0]')"
                ),
                {"pairs": payload},
            )

    def expired(self, now: datetime, limit: int, platforms: Sequence[str]) -> Sequence[Row[Any]]:
        """Claims whose lease ran out without a confirmation (a crash, a lost worker)."""
        statement = (
            select(_d.c.id, _d.c.recipient_id, _d.c.local_date, _d.c.kind, _d.c.attempts)
            .select_from(_d.join(_r, _r.c.id == _d.c.recipient_id))
            .where(_d.c.status == "claimed", _d.c.lease_until <= now, _r.c.platform.in_(platforms))
            .order_by(_d.c.lease_until)
            .limit(limit)
        )
        if self._postgres:
            statement = statement.with_for_update(skip_locked=True, of=_d)
        return self.session.execute(statement).all()

    def recipients(self, ids: Iterable[int]) -> dict[int, Row[Any]]:
        """Recipient rows (with zone and person fields) by id."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        statement = select(*_RECIPIENT_COLUMNS).select_from(_FROM).where(_r.c.id.in_(wanted))
        return {row.id: row for row in self.session.execute(statement).all()}

    def relet(self, delivery_ids: list[int], worker: str, now: datetime, until: datetime) -> None:
        """Take over expired claims: a new lease, one more attempt."""
        if delivery_ids:
            self.session.execute(
                update(_d)
                .where(_d.c.id.in_(delivery_ids), _d.c.status == "claimed")
                .values(
                    claimed_by=worker, claimed_at=now, lease_until=until, attempts=_d.c.attempts + 1
                )
            )

    def close(self, delivery_ids: list[int], status: str, error: str | None = None) -> None:
        """Give up on claims (expired on another day, or out of attempts)."""
        if delivery_ids:
            self.session.execute(
                update(_d).where(_d.c.id.in_(delivery_ids)).values(status=status, error=error)
            )

    def finish(self, delivery_id: int, worker: str, **values: Any) -> bool:
        """Record the outcome of a send, only while this worker still holds the claim."""
        result = self.session.execute(
            update(_d)
            .where(_d.c.id == delivery_id, _d.c.status == "claimed", _d.c.claimed_by == worker)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def extend(self, delivery_id: int, until: datetime, error: str | None = None) -> None:
        """Move a claim's lease: keep it while a send waits, or hand it to a later tick."""
        values: dict[str, Any] = {"lease_until": until}
        if error is not None:
            values["error"] = error
        self.session.execute(
            update(_d).where(_d.c.id == delivery_id, _d.c.status == "claimed").values(**values)
        )

    def note(self, delivery_id: int, **values: Any) -> None:
        """Record what a delivery carries (question, attempt) before it is sent."""
        self.session.execute(update(_d).where(_d.c.id == delivery_id).values(**values))

    def answered_on(self, pairs: Iterable[tuple[int, date]]) -> dict[tuple[int, date], int]:
        """Answers per (person, local day), for a batch of reminder candidates."""
        pairs = list(pairs)
        if not pairs:
            return {}
        people = {p for p, _ in pairs}
        days = {d for _, d in pairs}
        statement = select(_days.c.person_id, _days.c.day, _days.c.answers).where(
            _days.c.person_id.in_(people), _days.c.day.in_(days)
        )
        return {(p, d): int(n) for p, d, n in self.session.execute(statement).all()}

    def deactivate(self, recipient_id: int, reason: str, paused: bool) -> None:
        """Stop delivering to a recipient (gone or paused); its data stays."""
        values: dict[str, Any] = {"reason": reason[:300], "next_at": None, "remind_at": None}
        values["paused" if paused else "active"] = paused  # paused=True or active=False
        self.session.execute(update(_r).where(_r.c.id == recipient_id).values(**values))

    def group_history(self, recipient_id: int) -> set[str]:
        """Question ids a recipient has been sent already."""
        statement = select(_d.c.question_id).where(
            _d.c.recipient_id == recipient_id, _d.c.question_id.is_not(None)
        )
        return {q for q in self.session.execute(statement).scalars().all() if q}

    def get(self, delivery_id: int) -> Row[Any] | None:
        """One delivery row."""
        return self.session.execute(select(_d).where(_d.c.id == delivery_id)).first()

    def for_group_day(self, group_id: int, day: date) -> Row[Any] | None:
        """A group's daily delivery of one local day."""
        statement = (
            select(_d)
            .select_from(_d.join(_r, _r.c.id == _d.c.recipient_id))
            .where(
                _r.c.group_id == group_id,
                _d.c.local_date == day,
                _d.c.kind == "daily",
                or_(
                    _d.c.status == "sent",
                    and_(_d.c.status == "claimed", _d.c.question_id.is_not(None)),
                ),
            )
        )
        return self.session.execute(statement).first()
