"""Answers written straight into the tables, for tests that need a history or a write
the services do not make (a review removed, moved or revealed later)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from interviewprep.storage.tables import Attempt, Review


def add_answer(
    session: Session,
    person_id: int,
    day: date,
    *,
    question_id: str = "q",
    revealed: bool = False,
    rating: int | None = None,
) -> None:
    """An answered (or revealed) attempt and its review at noon UTC of ``day``, flushed."""
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    attempt = Attempt(
        person_id=person_id,
        question_id=question_id,
        asked_at=moment,
        asked_on=day,
        status="revealed" if revealed else "answered",
        closed_at=moment,
    )
    session.add(attempt)
    session.flush()
    assert attempt.id is not None
    session.add(
        Review(
            person_id=person_id,
            question_id=question_id,
            attempt_id=attempt.id,
            answered_at=moment,
            local_date=day,
            rating=rating,
            revealed=revealed,
        )
    )
    session.flush()
