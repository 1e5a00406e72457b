"""Where a person's daily question and reminders go, and when they are next due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from interviewprep.domain import timing
from interviewprep.domain.clock import Clock, system_clock
from interviewprep.services.errors import NotEnrolled
from interviewprep.storage.tables import Group, Person, Recipient
from interviewprep.storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


def person_times(
    person: Person, now: datetime, *, today_if_passed: bool
) -> tuple[datetime, datetime | None]:
    """The next daily-question and reminder instants (UTC) for a person's settings."""
    zone = ZoneInfo(person.timezone)
    daily = timing.next_instant(
        now, timing.parse_hhmm(person.delivery_time), zone, today_if_passed=today_if_passed
    )
    if not person.reminders:
        return daily, None
    at = timing.reminder_time(
        person.reminder_hours,
        timing.parse_hhmm(person.quiet_start) if person.quiet_start else None,
        timing.parse_hhmm(person.quiet_end) if person.quiet_end else None,
    )
    return daily, timing.next_instant(now, at, zone, today_if_passed=False)


def group_time(group: Group, now: datetime, *, today_if_passed: bool) -> datetime:
    """The next daily-question instant (UTC) of a group."""
    return timing.next_instant(
        now,
        timing.parse_hhmm(group.delivery_time),
        ZoneInfo(group.timezone),
        today_if_passed=today_if_passed,
    )


def reschedule_person(uow: UnitOfWork, person: Person, now: datetime) -> None:
    """Recompute a person's due instants after a settings change (same transaction).

    Today's slot counts even when it has passed: if today's question has not gone out
    yet it goes now; if it has, the delivery's unique key stops a second one.
    """
    rows = uow.session.exec(
        select(Recipient).where(
            Recipient.person_id == person.id,
            Recipient.active == True,  # noqa: E712
            Recipient.paused == False,  # noqa: E712
        )
    ).all()
    for row in rows:
        row.next_at, row.remind_at = person_times(person, now, today_if_passed=True)
        uow.session.add(row)


def reschedule_group(uow: UnitOfWork, group: Group, now: datetime) -> None:
    """Recompute a group's next delivery after setup, a settings change or a resume."""
    rows = uow.session.exec(
        select(Recipient).where(Recipient.group_id == group.id, Recipient.active == True)  # noqa: E712
    ).all()
    for row in rows:
        row.next_at = None if row.paused else group_time(group, now, today_if_passed=True)
        row.remind_at = None
        uow.session.add(row)


class Subscriptions:
    """Turn daily delivery to a private chat on and off."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock = system_clock) -> None:
        self.uow = uow
        self.clock = clock

    def subscribe(self, person_id: int, platform: str, chat_id: str) -> None:
        """Deliver a person's daily question and reminders to a chat (idempotent).

        The first question comes at the next delivery time, not at once: subscribing
        happens during onboarding, when a question would interrupt.
        """
        now = self.clock()
        with self.uow() as uow:
            person = uow.persons.get(person_id)
            if person is None:
                raise NotEnrolled()
            row = uow.session.exec(
                select(Recipient).where(
                    Recipient.platform == platform, Recipient.chat_id == chat_id
                )
            ).first()
            if row is None:
                row = Recipient(kind="person", platform=platform, chat_id=chat_id, created_at=now)
            row.kind, row.person_id, row.group_id = "person", person_id, None
            row.active, row.paused, row.reason = True, False, None
            row.next_at, row.remind_at = person_times(person, now, today_if_passed=False)
            uow.session.add(row)
            uow.commit()

    def unsubscribe(self, platform: str, chat_id: str) -> None:
        """Stop daily delivery to a chat (the person's data stays)."""
        self._stop(platform, chat_id, "unsubscribed", paused=True)

    def deactivate(self, platform: str, chat_id: str, reason: str) -> None:
        """Mark a chat gone (blocked bot, deleted chat): no more sends, data kept."""
        self._stop(platform, chat_id, reason, paused=False)

    def subscribed(self, person_id: int, platform: str) -> bool:
        """True when the person gets daily questions on this platform."""
        with self.uow() as uow:
            row = uow.session.exec(
                select(Recipient).where(
                    Recipient.person_id == person_id,
                    Recipient.platform == platform,
                    Recipient.active == True,  # noqa: E712
                    Recipient.paused == False,  # noqa: E712
                )
            ).first()
            return row is not None

    def _stop(self, platform: str, chat_id: str, reason: str, paused: bool) -> None:
        with self.uow() as uow:
            row = uow.session.exec(
                select(Recipient).where(
                    Recipient.platform == platform, Recipient.chat_id == chat_id
                )
            ).first()
            if row is None or row.id is None:
                return
            uow.deliveries.deactivate(row.id, reason, paused=paused)
            uow.commit()
            logger.info("recipient %s %s: %s", row.id, "paused" if paused else "inactive", reason)
