"""Repositories: queries over one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from interviewprep.storage.answering import CARD_FIELDS
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
_attempts = Attempt.__table__  # type: ignore[attr-defined]
_persons = Person.__table__  # type: ignore[attr-defined]
_cards = CardRow.__table__  # type: ignore[attr-defined]
_identities = Identity.__table__  # type: ignore[attr-defined]

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
_INSERT_MEMBER = insert(_members)
_INSERT_ATTEMPT = insert(_attempts).returning(_attempts.c.id)


class GroupAnswerRepository:
    """A member opening a group's question of the day: one read, then the inserts it needs."""

    def __init__(self, session: Session) -> None:
        self.session = session

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


class ReviewRepository:
    """Graded answers: the review log."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, review_id: int) -> Review | None:
        """The review with this id."""
        return self.session.get(Review, review_id)

    def all_for(self, person_id: int) -> Sequence[Review]:
        """Every review of a person, oldest first (for export)."""
        statement = select(Review).where(Review.person_id == person_id).order_by(col(Review.id))
        return self.session.exec(statement).all()
