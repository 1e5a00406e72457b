"""Reports of broken questions, and linking accounts across platforms."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, func, select

from interviewprep.domain.clock import Clock, system_clock
from interviewprep.services.errors import InvalidAnswer, LinkError, NotEnrolled
from interviewprep.services.views import ReportView
from interviewprep.storage.tables import Identity, LinkCode, Person, Recipient, Report, Review
from interviewprep.storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

MAX_REPORT_CHARS = 2_000
LINK_CODE_LIFETIME = timedelta(minutes=10)
# No 0/O or 1/I/L: codes are typed by hand from one app into another.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 8


def _hash(code: str) -> str:
    normal = "".join(code.split()).upper().replace("-", "")
    return hashlib.sha256(normal.encode()).hexdigest()


class Community:
    """Use cases between people and maintainers, and between a person's accounts."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock = system_clock) -> None:
        self.uow = uow
        self.clock = clock

    def report(self, person_id: int, text: str, question_id: str | None = None) -> int:
        """Store a problem report about a question (default: the last one asked).

        Raises:
            InvalidAnswer: the report is empty or too long.
        """
        cleaned = " ".join(text.split())
        if not cleaned:
            raise InvalidAnswer(
                "Say what is wrong with the question, e.g. /report option B is also right."
            )
        if len(cleaned) > MAX_REPORT_CHARS:
            raise InvalidAnswer(f"Please keep a report under {MAX_REPORT_CHARS:,} characters.")
        with self.uow() as uow:
            if uow.persons.get(person_id) is None:
                raise NotEnrolled()
            if question_id is None:
                latest = uow.attempts.latest(person_id)
                question_id = latest.question_id if latest else None
            row = Report(
                person_id=person_id, question_id=question_id, text=cleaned, created_at=self.clock()
            )
            uow.session.add(row)
            uow.session.flush()
            uow.commit()
            assert row.id is not None
            logger.info("report %s about %s", row.id, question_id)
            return row.id

    def reports(self, unresolved_only: bool = True) -> list[ReportView]:
        """Reports for maintainers, newest first (who sent them is not shown)."""
        with self.uow() as uow:
            statement = select(Report).order_by(col(Report.id).desc())
            if unresolved_only:
                statement = statement.where(col(Report.resolved).is_(False))
            return [
                ReportView(r.id or 0, r.question_id, r.text, r.created_at, r.resolved)
                for r in uow.session.exec(statement).all()
            ]

    def link_code(self, person_id: int) -> str:
        """A one-time code (10 minutes) that links another platform account to this person."""
        code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        now = self.clock()
        with self.uow() as uow:
            if uow.persons.get(person_id) is None:
                raise NotEnrolled()
            uow.session.add(
                LinkCode(
                    person_id=person_id,
                    code_hash=_hash(code),
                    created_at=now,
                    expires_at=now + LINK_CODE_LIFETIME,
                )
            )
            uow.commit()
        return f"{code[:4]}-{code[4:]}"

    def redeem(self, code: str, platform: str, external_id: str, display_name: str = "") -> int:
        """Link a platform account to the person who made ``code``; returns that person.

        An account that is new, or enrolled but without answers, is moved over (its empty
        profile is removed). An account with its own history is refused, so nothing is
        merged by accident.

        Raises:
            LinkError: unknown, used or expired code, or an account with its own history.
        """
        now = self.clock()
        with self.uow() as uow:
            row = uow.session.exec(
                select(LinkCode).where(LinkCode.code_hash == _hash(code))
            ).first()
            if row is None:
                raise LinkError("That link code is not valid; make a new one with /link.")
            if row.used_at is not None:
                raise LinkError("That link code was already used; make a new one with /link.")
            if row.expires_at <= now:
                raise LinkError(
                    "That link code has expired (codes last 10 minutes); make a new one."
                )
            target = row.person_id
            identity = uow.session.exec(
                select(Identity).where(
                    Identity.platform == platform, Identity.external_id == external_id
                )
            ).first()
            if identity is not None and identity.person_id != target:
                old = identity.person_id
                history = uow.session.exec(
                    select(func.count()).where(Review.person_id == old)
                ).one()
                if history:
                    raise LinkError(
                        "This account already has its own practice history, so it was not "
                        "linked. Use /forget here first if you want to keep the other one."
                    )
                others = uow.session.exec(
                    select(func.count()).where(
                        Identity.person_id == old, Identity.id != identity.id
                    )
                ).one()
                identity.person_id = target
                uow.session.add(identity)
                uow.session.flush()
                if not others:
                    # keep the account's daily-question chat; the empty profile goes
                    uow.session.execute(
                        update(Recipient)
                        .where(col(Recipient.person_id) == old)
                        .values(person_id=target)
                    )
                    uow.persons.delete_everything(old)
            elif identity is None:
                uow.persons.link(
                    Identity(
                        person_id=target, platform=platform, external_id=external_id, created_at=now
                    )
                )
            row.used_at = now
            uow.session.add(row)
            person = uow.session.get(Person, target)
            if person is not None and not person.display_name and display_name:
                person.display_name = " ".join(display_name.split())[:200]
            uow.commit()
            logger.info("linked a %s account to person %s", platform, target)
            return target
