"""Repositories: queries over one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from interviewprep.domain.cards import CardState
from interviewprep.storage.tables import (
    Attempt,
    CardRow,
    Delivery,
    Group,
    GroupMember,
    Identity,
    LinkCode,
    Person,
    Recipient,
    Report,
    Review,
)

_groups = Group.__table__  # type: ignore[attr-defined]
_members = GroupMember.__table__  # type: ignore[attr-defined]
_recipients = Recipient.__table__  # type: ignore[attr-defined]
_deliveries = Delivery.__table__  # type: ignore[attr-defined]
_reviews = Review.__table__  # type: ignore[attr-defined]
_attempts = Attempt.__table__  # type: ignore[attr-defined]
_persons = Person.__table__  # type: ignore[attr-defined]
_cards = CardRow.__table__  # type: ignore[attr-defined]
_identities = Identity.__table__  # type: ignore[attr-defined]
_INSERT_REVIEW = insert(_reviews).returning(_reviews.c.id)
_CARD_FIELDS = ("due", "state", "step", "stability", "difficulty", "last_review", "reps", "lapses")

# The answer path reads and writes with Core statements compiled once: it runs for
# every answer, and ORM unit-of-work bookkeeping was most of its cost.
_ANSWER_CONTEXT = (
    sa_select(
        _attempts.c.id,
        _attempts.c.person_id,
        _attempts.c.question_id,
        _attempts.c.status,
        _attempts.c.hints_used,
        _attempts.c.asked_at,
        _persons.c.timezone,
        _persons.c.desired_retention,
        _cards.c.id.label("card_id"),
        *(_cards.c[name] for name in _CARD_FIELDS),
    )
    .select_from(
        _attempts.join(_persons, _persons.c.id == _attempts.c.person_id).outerjoin(
            _cards,
            and_(
                _cards.c.person_id == _attempts.c.person_id,
                _cards.c.question_id == _attempts.c.question_id,
            ),
        )
    )
    .where(_attempts.c.id == bindparam("attempt_id"))
)


def _identity_context(attempt_on: Any) -> Select[Any]:
    """The answer context reached from a platform account: the person (always, when the
    account is known) and the attempt ``attempt_on`` selects with its card (or NULLs)."""
    return (
        sa_select(
            _identities.c.person_id.label("owner"),
            *_ANSWER_CONTEXT.selected_columns,
        )
        .select_from(
            _identities.join(_persons, _persons.c.id == _identities.c.person_id)
            .outerjoin(_attempts, and_(_attempts.c.person_id == _persons.c.id, attempt_on))
            .outerjoin(
                _cards,
                and_(
                    _cards.c.person_id == _attempts.c.person_id,
                    _cards.c.question_id == _attempts.c.question_id,
                ),
            )
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
_CLOSE_ATTEMPT = (
    update(_attempts)
    .where(_attempts.c.id == bindparam("attempt_id"), _attempts.c.status == "asked")
    .values(status=bindparam("new_status"), closed_at=bindparam("now"))
)
_UPDATE_CARD = (
    update(_cards)
    .where(_cards.c.id == bindparam("card_id"))
    .values({name: bindparam(f"new_{name}") for name in _CARD_FIELDS})
)
_INSERT_CARD = insert(_cards)

# --- a member opening the group's question of a day (the Answer button under a post)
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
_GROUP_ANSWER = (
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
        *(_cards.c[name] for name in _CARD_FIELDS),
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
_INSERT_MEMBER = insert(_members)
_INSERT_ATTEMPT = insert(_attempts).returning(_attempts.c.id)


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
    m = row._mapping
    card = (
        CardState(**{name: m[name] for name in _CARD_FIELDS}) if m["card_id"] is not None else None
    )
    return AnswerContext(
        attempt_id=m["id"],
        person_id=m["person_id"],
        question_id=m["question_id"],
        status=m["status"],
        hints_used=m["hints_used"],
        asked_at=m["asked_at"],
        timezone=m["timezone"],
        desired_retention=m["desired_retention"],
        card_id=m["card_id"],
        card=card,
    )


class AnswerRepository:
    """The hot answer path: one read, then a guarded close, a card write, a review insert."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def context(self, attempt_id: int) -> AnswerContext | None:
        """The attempt with its person's settings and card state, or None."""
        row = self.session.connection().execute(_ANSWER_CONTEXT, {"attempt_id": attempt_id}).first()
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
        row = self.session.connection().execute(statement, params).first()
        if row is None:
            return None
        if row._mapping["id"] is None:
            return int(row._mapping["owner"]), None
        return int(row._mapping["owner"]), _answer_context(row)

    def close_attempt(self, attempt_id: int, status: str, now: datetime) -> bool:
        """Close an open attempt; False when it was no longer open (a concurrent answer)."""
        result = self.session.connection().execute(
            _CLOSE_ATTEMPT, {"attempt_id": attempt_id, "new_status": status, "now": now}
        )
        return bool(result.rowcount == 1)

    def save_card(
        self,
        person_id: int,
        question_id: str,
        card_id: int | None,
        state: CardState,
        introduced_on: date,
    ) -> None:
        """Insert the card on a first answer, update it afterwards."""
        fields = {name: getattr(state, name) for name in _CARD_FIELDS}
        connection = self.session.connection()
        if card_id is None:
            connection.execute(
                _INSERT_CARD,
                {
                    "person_id": person_id,
                    "question_id": question_id,
                    "introduced_on": introduced_on,
                    **fields,
                },
            )
        else:
            params = {f"new_{k}": v for k, v in fields.items()}
            connection.execute(_UPDATE_CARD, {"card_id": card_id, **params})

    def insert_review(self, values: dict[str, Any]) -> int:
        """Insert a review row and return its id."""
        return int(self.session.connection().execute(_INSERT_REVIEW, values).scalar_one())

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
        return self.session.connection().execute(_GROUP_ANSWER, params).first()

    def join_group(self, group_id: int, person_id: int, now: datetime) -> None:
        """Insert a membership (the unique key refuses a second one)."""
        self.session.connection().execute(
            _INSERT_MEMBER,
            {
                "group_id": group_id,
                "person_id": person_id,
                "joined_at": now,
                "leaderboard_opt_out": False,
            },
        )

    def insert_attempt(self, values: dict[str, Any]) -> int:
        """Insert an attempt row (every column given) and return its id."""
        return int(self.session.connection().execute(_INSERT_ATTEMPT, values).scalar_one())


class PersonRepository:
    """Persons and their platform identities."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, person_id: int) -> Person | None:
        """The person with this id, if any."""
        return self.session.get(Person, person_id)

    def add(self, person: Person) -> Person:
        """Stage a new person; the id is assigned on flush."""
        self.session.add(person)
        self.session.flush()
        return person

    def by_identity(self, platform: str, external_id: str) -> Person | None:
        """The person linked to a platform account."""
        statement = (
            select(Person)
            .join(Identity, col(Identity.person_id) == col(Person.id))
            .where(Identity.platform == platform, Identity.external_id == external_id)
        )
        return self.session.exec(statement).first()

    def link(self, identity: Identity) -> None:
        """Stage a new identity."""
        self.session.add(identity)

    def identities(self, person_id: int) -> Sequence[Identity]:
        """Every platform account linked to a person."""
        return self.session.exec(select(Identity).where(Identity.person_id == person_id)).all()

    def delete_everything(self, person_id: int) -> None:
        """Delete a person and every row that belongs to them."""
        # explicit, not only ON DELETE CASCADE: a SQLite connection without the pragma
        for table in (Review, Attempt, CardRow, Identity, Recipient, GroupMember, LinkCode, Report):
            self.session.execute(delete(table).where(col(table.person_id) == person_id))
        self.session.execute(delete(Person).where(col(Person.id) == person_id))


class CardRepository:
    """FSRS cards: one per person x question."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, person_id: int, question_id: str) -> CardRow | None:
        """The card, if the person has seen the question."""
        statement = select(CardRow).where(
            CardRow.person_id == person_id, CardRow.question_id == question_id
        )
        return self.session.exec(statement).first()

    def add(self, card: CardRow) -> None:
        """Stage a new card."""
        self.session.add(card)

    def all_for(self, person_id: int) -> Sequence[CardRow]:
        """Every card of a person (bounded by the size of the bank)."""
        return self.session.exec(select(CardRow).where(CardRow.person_id == person_id)).all()

    def seen_ids(self, person_id: int) -> set[str]:
        """Question ids the person has a card for."""
        statement = select(CardRow.question_id).where(CardRow.person_id == person_id)
        return set(self.session.exec(statement).all())

    def introduced_on(self, person_id: int, day: date) -> int:
        """How many new questions the person started on a local day."""
        statement = select(func.count()).where(
            CardRow.person_id == person_id, CardRow.introduced_on == day
        )
        return int(self.session.exec(statement).one())


class AttemptRepository:
    """Questions put to people, open or closed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, attempt_id: int) -> Attempt | None:
        """The attempt with this id."""
        return self.session.get(Attempt, attempt_id)

    def add(self, attempt: Attempt) -> Attempt:
        """Stage a new attempt; the id is assigned on flush."""
        self.session.add(attempt)
        self.session.flush()
        return attempt

    def open_for(self, person_id: int) -> Attempt | None:
        """The person's newest unanswered attempt, if any."""
        statement = (
            select(Attempt)
            .where(Attempt.person_id == person_id, Attempt.status == "asked")
            .order_by(col(Attempt.id).desc())
        )
        return self.session.exec(statement).first()

    def daily_on(self, person_id: int, day: date) -> Attempt | None:
        """The person's newest daily-question attempt of a local day, whatever its status."""
        statement = (
            select(Attempt)
            .where(
                Attempt.person_id == person_id, Attempt.asked_on == day, Attempt.source == "daily"
            )
            .order_by(col(Attempt.id).desc())
        )
        return self.session.exec(statement).first()

    def latest(self, person_id: int) -> Attempt | None:
        """The person's most recent attempt."""
        statement = (
            select(Attempt).where(Attempt.person_id == person_id).order_by(col(Attempt.id).desc())
        )
        return self.session.exec(statement).first()

    def latest_on(self, person_id: int, day: date) -> Attempt | None:
        """The person's most recent attempt on a local day, whatever its status."""
        statement = (
            select(Attempt)
            .where(Attempt.person_id == person_id, Attempt.asked_on == day)
            .order_by(col(Attempt.id).desc())
        )
        return self.session.exec(statement).first()

    def closed_on(self, person_id: int, day: date) -> set[str]:
        """Question ids the person answered, skipped or revealed on a local day."""
        statement = select(Attempt.question_id).where(
            Attempt.person_id == person_id,
            Attempt.asked_on == day,
            Attempt.status != "asked",
        )
        return set(self.session.exec(statement).all())

    def close_stale(self, person_id: int, keep: int) -> None:
        """Mark every other open attempt of a person as skipped."""
        self.session.execute(
            update(Attempt)
            .where(
                col(Attempt.person_id) == person_id,
                col(Attempt.status) == "asked",
                col(Attempt.id) != keep,
            )
            .values(status="skipped")
        )


class ReviewRepository:
    """Graded answers: the review log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, review_id: int) -> Review | None:
        """The review with this id."""
        return self.session.get(Review, review_id)

    def for_attempt(self, attempt_id: int) -> Review | None:
        """The review that answered an attempt."""
        return self.session.exec(select(Review).where(Review.attempt_id == attempt_id)).first()

    def latest_for(self, person_id: int, question_id: str) -> Review | None:
        """The person's newest review of a question."""
        statement = (
            select(Review)
            .where(Review.person_id == person_id, Review.question_id == question_id)
            .order_by(col(Review.id).desc())
        )
        return self.session.exec(statement).first()

    def all_for(self, person_id: int) -> Sequence[Review]:
        """Every review of a person, oldest first (for export)."""
        statement = select(Review).where(Review.person_id == person_id).order_by(col(Review.id))
        return self.session.exec(statement).all()
