"""Database tables (SQLModel). Schema changes go through Alembic migrations.

Times are aware UTC datetimes; local calendar days (for streaks and daily limits)
are stored as dates computed in the person's zone at the time of the event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
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


class Review(SQLModel, table=True):
    """One graded answer: the review log FSRS and the stats read."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_person_day", "person_id", "local_date"),
        Index("ix_reviews_person_question", "person_id", "question_id"),
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
