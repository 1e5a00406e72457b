"""Repositories: queries over one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col, select

from interviewprep.storage.tables import (
    Attempt,
    CardRow,
    GroupDay,
    GroupMember,
    Identity,
    LinkCode,
    Person,
    PersonDay,
    PersonTotals,
    QuestionTotals,
    Recipient,
    Report,
    Review,
)

# What /forget deletes, in this order: reviews and memberships before the counts the
# database's triggers keep from them (see PersonRepository.delete_everything).
_PERSON_TABLES = (
    *(Review, Attempt, CardRow, Identity, Recipient, GroupMember, LinkCode, Report),
    *(PersonDay, PersonTotals, QuestionTotals),
)


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
        if self.session.get_bind().dialect.name == "postgresql":
            # The triggers decrement one group_days row per group and day of the person,
            # in the order the reviews are deleted; two people forgetting at once (or an
            # answer beside it) could take shared rows in opposite orders and deadlock.
            # Taking them all first, in (group, day) order, as answers and joins do, keeps
            # every transaction in one order.
            self.session.execute(
                select(GroupDay.group_id)
                .join(GroupMember, col(GroupMember.group_id) == col(GroupDay.group_id))
                .join(
                    PersonDay,
                    (col(PersonDay.person_id) == col(GroupMember.person_id))
                    & (col(PersonDay.day) == col(GroupDay.day)),
                )
                .where(col(GroupMember.person_id) == person_id)
                .order_by(col(GroupDay.group_id), col(GroupDay.day))
                .with_for_update(of=GroupDay)
            )
        # explicit, not only ON DELETE CASCADE: a SQLite connection without the pragma.
        # Removing the reviews and memberships first lets the database's triggers take
        # the person out of the group-day counts; the person's own counts go after them.
        for table in _PERSON_TABLES:
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
