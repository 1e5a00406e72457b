"""Database tables (SQLModel). Schema changes go through Alembic migrations.

Times are aware UTC datetimes; local calendar days (for streaks and daily limits)
are stored as dates computed in the person's zone at the time of the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Person(SQLModel, table=True):
    """One human, whatever platforms they use."""

    __tablename__ = "persons"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    display_name: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    delivery_time: str = Field(default="09:00", max_length=5)  # local HH:MM
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    level: str = Field(default="mid", max_length=10)
    new_per_day: int = 5
    daily_goal: int = 1
    desired_retention: float = 0.9
    rest_days: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interview_date: date | None = None
    reminders: bool = True
    reminder_hours: int = 3  # streak-saver this many hours before local midnight
    quiet_start: str | None = Field(default=None, max_length=5)  # local HH:MM, or None
    quiet_end: str | None = Field(default=None, max_length=5)


class Identity(SQLModel, table=True):
    """A platform account (telegram / discord / terminal) linked to a person."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_identity_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="persons.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=100)
    created_at: datetime


class CardRow(SQLModel, table=True):
    """FSRS state of one person x question. Kept when a question leaves the bank."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("person_id", "question_id", name="uq_card_person_question"),
        Index("ix_cards_person_due", "person_id", "due"),
        Index("ix_cards_person_introduced", "person_id", "introduced_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="persons.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    due: datetime
    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    introduced_on: date  # the person's local day of the first review


class Attempt(SQLModel, table=True):
    """A question put to a person, from asking to answer (survives restarts)."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_person_status", "person_id", "status"),
        # "what did this person close today" stays an index range as history grows
        Index("ix_attempts_person_day", "person_id", "asked_on", "status"),
        # one attempt per member at a group's question of a day: a double click on
        # "Answer" cannot open two attempts (NULL group ids never conflict)
        UniqueConstraint("group_id", "group_day", "person_id", name="uq_attempt_group_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="persons.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    asked_at: datetime
    asked_on: date  # local day
    status: str = Field(default="asked", max_length=12)  # asked|answered|skipped|revealed
    source: str = Field(default="practice", max_length=12)
    hints_used: int = 0
    closed_at: datetime | None = None
    group_id: int | None = Field(default=None, foreign_key="groups.id", ondelete="SET NULL")
    group_day: date | None = None  # the group's local day of a shared daily question


class Review(SQLModel, table=True):
    """One graded answer: the review log FSRS and the stats read."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_person_day", "person_id", "local_date"),
        Index("ix_reviews_person_question", "person_id", "question_id"),
        # a period's answers (the week and month leaderboards) from the index alone; the
        # streak reads now use person_days
        Index("ix_reviews_person_revealed_day", "person_id", "revealed", "local_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="persons.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    attempt_id: int = Field(foreign_key="attempts.id", unique=True, ondelete="CASCADE")
    answered_at: datetime
    local_date: date
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    score: float | None = None
    grader: str = Field(default="", max_length=40)
    key_points: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    suggested_rating: int | None = None
    rating: int | None = None  # None until the person rates a self-graded answer
    rated_at: datetime | None = None
    card_before: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    answer_ms: int | None = None  # from asking to answering
    grading_ms: float | None = None
    revealed: bool = False


class Group(SQLModel, table=True):
    """A Telegram group or Discord server with its own shared daily question."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_group_platform"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=100)  # Telegram chat id / Discord guild id
    channel_id: str = Field(max_length=100)  # where the daily question is posted
    name: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    delivery_time: str = Field(default="09:00", max_length=5)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    level: str = Field(default="mid", max_length=10)
    role_id: str | None = Field(default=None, max_length=100)
    leaderboard: bool = True
    min_members: int = 2  # members answering on a day for the group streak to count it
    created_at: datetime


class GroupMember(SQLModel, table=True):
    """A person taking part in a group's daily question."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "person_id", name="uq_group_member"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="persons.id", index=True, ondelete="CASCADE")
    joined_at: datetime
    leaderboard_opt_out: bool = False


class PersonDay(SQLModel, table=True):
    """How many answers a person gave on a local day (revealed ones left out): every
    streak's input, one row per day answered. Kept by the database's triggers on
    ``reviews`` (migration 0005), never written by the application."""

    __tablename__ = "person_days"

    person_id: int = Field(foreign_key="persons.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    answers: int


class GroupMemberDay(SQLModel, table=True):
    """A local day on which a member of a group answered: one row per group, day and
    member, whatever the number of answers. Kept by the database's triggers from
    ``person_days`` and ``group_members`` (migration 0005)."""

    __tablename__ = "group_member_days"

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    person_id: int = Field(foreign_key="persons.id", primary_key=True, ondelete="CASCADE")


class GroupDay(SQLModel, table=True):
    """How many members of a group answered on a local day: the group streak's input,
    one row per day, kept by the database's triggers from ``group_member_days``."""

    __tablename__ = "group_days"

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    members: int


class PersonTotals(SQLModel, table=True):
    """A person's answers of all time (revealed ones left out) and those rated Hard or
    better: the all-time leaderboard's points. Kept by the database's triggers on
    ``reviews`` (migration 0005), never written by the application."""

    __tablename__ = "person_totals"

    person_id: int = Field(foreign_key="persons.id", primary_key=True, ondelete="CASCADE")
    answered: int
    correct: int


class QuestionTotals(SQLModel, table=True):
    """A person's answers to one question (revealed ones included, as ``/stats`` counts
    them) and those rated Hard or better: the per-topic accuracy of the stats. Kept by
    the database's triggers on ``reviews`` (migration 0005)."""

    __tablename__ = "question_totals"

    person_id: int = Field(foreign_key="persons.id", primary_key=True, ondelete="CASCADE")
    question_id: str = Field(max_length=64, primary_key=True)
    answered: int
    correct: int


class Recipient(SQLModel, table=True):
    """Somewhere daily questions go: a person's private chat or a group's channel.

    ``next_at`` and ``remind_at`` are the next UTC instants a daily question and a
    streak-saver are due; they are NULL while inactive or paused, so the delivery tick
    is one index range scan over rows that are actually due.
    """

    __tablename__ = "recipients"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", name="uq_recipient_chat"),
        Index("ix_recipients_next_at", "next_at"),
        Index("ix_recipients_remind_at", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # person | group
    platform: str = Field(max_length=20)
    chat_id: str = Field(max_length=100)
    person_id: int | None = Field(
        default=None, foreign_key="persons.id", index=True, ondelete="CASCADE"
    )
    group_id: int | None = Field(
        default=None, foreign_key="groups.id", index=True, ondelete="CASCADE"
    )
    active: bool = True  # False: the chat is gone or the bot was blocked (data kept)
    paused: bool = False  # True: paused by an admin or for missing permissions
    reason: str | None = Field(default=None, max_length=300)
    next_at: datetime | None = None
    remind_at: datetime | None = None
    created_at: datetime


class Delivery(SQLModel, table=True):
    """One day's message to one recipient; the unique key makes every send idempotent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("recipient_id", "local_date", "kind", name="uq_delivery_day"),
        Index("ix_deliveries_status_lease", "status", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="recipients.id", ondelete="CASCADE")
    local_date: date
    kind: str = Field(max_length=10)  # daily | reminder
    # claimed -> sent | skipped | failed | gone; missed: the day passed while the bot was down
    status: str = Field(max_length=10)
    question_id: str | None = Field(default=None, max_length=64)
    attempt_id: int | None = None
    message_id: str | None = Field(default=None, max_length=100)
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: datetime
    lease_until: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    error: str | None = Field(default=None, max_length=500)


class Report(SQLModel, table=True):
    """A person's report of a problem with a question, for maintainers."""

    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(
        default=None, foreign_key="persons.id", index=True, ondelete="SET NULL"
    )
    question_id: str | None = Field(default=None, max_length=64, index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime
    resolved: bool = False


class LinkCode(SQLModel, table=True):
    """A one-time code that links another platform account to a person."""

    __tablename__ = "link_codes"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="persons.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


# The Core tables behind the models, for the statements compiled without the ORM session
# (storage/reads.py, answering.py, asking.py, group_answering.py, delivery.py).
persons: Table = Person.__table__  # type: ignore[attr-defined]
identities: Table = Identity.__table__  # type: ignore[attr-defined]
cards: Table = CardRow.__table__  # type: ignore[attr-defined]
attempts: Table = Attempt.__table__  # type: ignore[attr-defined]
reviews: Table = Review.__table__  # type: ignore[attr-defined]
groups: Table = Group.__table__  # type: ignore[attr-defined]
group_members: Table = GroupMember.__table__  # type: ignore[attr-defined]
person_days: Table = PersonDay.__table__  # type: ignore[attr-defined]
group_days: Table = GroupDay.__table__  # type: ignore[attr-defined]
person_totals: Table = PersonTotals.__table__  # type: ignore[attr-defined]
question_totals: Table = QuestionTotals.__table__  # type: ignore[attr-defined]
recipients: Table = Recipient.__table__  # type: ignore[attr-defined]
deliveries: Table = Delivery.__table__  # type: ignore[attr-defined]
