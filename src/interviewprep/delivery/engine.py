"""The delivery engine: one periodic tick finds what is due, claims it, and fans it out.

A tick has two halves:

* **plan** (one transaction, a constant number of statements per batch): recipients
  whose ``next_at`` / ``remind_at`` has come are read in one index range (on
  PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so several engines split the work);
  a delivery row per (recipient, local day, kind) is inserted with ``ON CONFLICT DO
  NOTHING`` -- the unique key is what makes a send idempotent across restarts and
  workers -- and the recipients' next instants move to the following day. Claims
  whose lease expired (a crash between claim and send) are taken over the same way.
* **fan-out**: each claim is prepared (the person's question is opened, the group's
  question chosen) and handed to the platform's :class:`Sender`, paced by the
  platform's :class:`RateLimiter`. A 429 pauses the platform and retries the same
  message; a chat that is gone deactivates its recipient; any other error is logged
  and retried on a later tick, at most ``max_attempts`` times.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import secrets
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interviewprep.delivery.limits import RateLimiter
from interviewprep.delivery.messages import (
    Address,
    DailyQuestion,
    GroupQuestion,
    Outgoing,
    RecipientGone,
    RecipientPaused,
    Reminder,
    RetryLater,
    Sender,
)
from interviewprep.domain import timing
from interviewprep.domain.clock import Clock, local_date
from interviewprep.services.errors import PracticeError
from interviewprep.services.practice import options_of
from interviewprep.storage.delivery import ClaimedRow

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from interviewprep.app import App

logger = logging.getLogger(__name__)

MISSED_DAYS_RECORDED = 7  # after a longer outage, older days are not even recorded
MAX_RETRY_AFTER = 5  # 429s for one message before it is left to a later tick


@dataclass(frozen=True)
class EngineConfig:
    """Knobs of the engine.

    Attributes:
        tick_seconds: how often the scheduler ticks.
        batch: most recipients claimed per tick (the rest wait for the next tick).
        lease_seconds: how long a claim may stay unconfirmed before another tick retries it.
        max_attempts: sends of one delivery before it is marked failed.
        retry_seconds: wait before retrying a send that raised an unexpected error.
        workers_per_platform: sends in flight at once on one platform.
    """

    tick_seconds: float = 30.0
    batch: int = 1000
    lease_seconds: float = 600.0
    max_attempts: int = 3
    retry_seconds: float = 300.0
    workers_per_platform: int = 16


@dataclass
class TickReport:
    """What one tick did (for logs, tests and benchmarks)."""

    claimed: int = 0
    retried: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    gone: int = 0
    missed_days: int = 0
    rate_limited: int = 0
    plan_seconds: float = 0.0
    statuses: dict[int, str] = field(default_factory=dict)  # delivery id -> final status


class DeliveryEngine:
    """Daily questions and reminders for every platform, from one scheduler."""

    def __init__(
        self,
        app: App,
        clock: Clock | None = None,
        config: EngineConfig | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.app = app
        self.clock = clock or app.clock
        self.config = config or EngineConfig()
        self.worker = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.senders: dict[str, Sender] = {}
        self.limiters: dict[str, RateLimiter] = {}
        self._lock = asyncio.Lock()
        self._stopping = False

    # ---------------------------------------------------------------- wiring

    def register(self, sender: Sender) -> None:
        """Deliver to ``sender.platform`` through ``sender`` from now on."""
        self.senders[sender.platform] = sender
        self.limiters[sender.platform] = RateLimiter(sender.limits)
        logger.info("delivery sender registered for %s", sender.platform)

    def start(self, scheduler: AsyncIOScheduler) -> None:
        """Tick every ``tick_seconds`` on the application's scheduler (first tick now)."""
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.config.tick_seconds,
            id="interviewprep-delivery-tick",
            max_instances=1,
            coalesce=True,  # ticks missed while one ran long fold into one
            misfire_grace_time=None,
            next_run_time=datetime.now().astimezone(),
            replace_existing=True,
        )

    async def stop(self) -> None:
        """Finish the tick in hand; claims not sent yet are released for the next start."""
        self._stopping = True
        async with self._lock:
            pass

    # ------------------------------------------------------------------ tick

    async def tick(self) -> TickReport:
        """Plan and send everything due now; returns when every claimed send is done."""
        report = TickReport()
        if self._stopping or not self.senders:
            return report
        async with self._lock:
            loop = asyncio.get_running_loop()
            started = loop.time()
            now = self.clock()
            claims = await asyncio.to_thread(self.plan, now, report)
            report.plan_seconds = loop.time() - started
            by_platform: dict[str, list[ClaimedRow]] = defaultdict(list)
            for claim in claims:
                by_platform[claim.platform].append(claim)
            await asyncio.gather(
                *(self._fan_out(platform, rows, report) for platform, rows in by_platform.items())
            )
        if report.claimed or report.retried:
            logger.info(
                "delivery tick: %d claimed, %d retried, %d sent, %d skipped, %d failed, %d gone",
                report.claimed,
                report.retried,
                report.sent,
                report.skipped,
                report.failed,
                report.gone,
            )
        return report

    def plan(self, now: datetime, report: TickReport | None = None) -> list[ClaimedRow]:
        """Claim what is due at ``now`` (synchronous; one transaction)."""
        report = report or TickReport()
        platforms = sorted(self.senders)
        lease = now + timedelta(seconds=self.config.lease_seconds)
        base = {"claimed_by": self.worker, "claimed_at": now, "lease_until": lease}
        instants: dict[tuple[str, str, date], datetime] = {}

        def at(zone: ZoneInfo, hhmm: str, day: date) -> datetime:
            key = (zone.key, hhmm, day)
            if key not in instants:
                instants[key] = timing.instant(day, timing.parse_hhmm(hhmm), zone)
            return instants[key]

        todays: dict[str, tuple[date, datetime]] = {}

        def today_in(zone: ZoneInfo) -> date:
            if zone.key not in todays:
                today = local_date(now, zone)
                todays[zone.key] = (today, timing.instant(today, time(0), zone))
            return todays[zone.key][0]

        def day_of(moment: datetime, zone: ZoneInfo) -> date:
            # most due instants fell today: a comparison instead of a zone conversion
            today = today_in(zone)
            if todays[zone.key][1] <= moment <= now:
                return today
            return local_date(moment, zone)

        with self.app.uow() as uow:
            repo = uow.deliveries
            claims: list[dict[str, Any]] = []
            missed: list[dict[str, Any]] = []
            moves: list[tuple[int, datetime | None]] = []
            meta: dict[tuple[int, str], Any] = {}
            for row in repo.due(
                "next_at", now, self.config.batch, platforms, reminder_fields=False
            ):
                zone = self._zone(repo, row)
                if zone is None:
                    continue
                today = today_in(zone)
                first_late = max(day_of(row.next_at, zone), today - timedelta(MISSED_DAYS_RECORDED))
                day = first_late
                while day < today:
                    missed.append(
                        {
                            **base,
                            "recipient_id": row.id,
                            "local_date": day,
                            "kind": "daily",
                            "status": "missed",
                            "attempts": 0,
                        }
                    )
                    day += timedelta(days=1)
                slot = at(zone, row.delivery_time, today)
                if slot <= now:
                    claims.append(
                        {
                            **base,
                            "recipient_id": row.id,
                            "local_date": today,
                            "kind": "daily",
                            "status": "claimed",
                            "attempts": 1,
                        }
                    )
                    meta[(row.id, "daily")] = (row, today)
                    moves.append((row.id, at(zone, row.delivery_time, today + timedelta(days=1))))
                else:
                    moves.append((row.id, slot))
            repo.set_due("next_at", moves)
            report.missed_days += len(repo.insert_ignoring_conflicts(missed))

            candidates: list[tuple[Any, date]] = []
            moves = []
            for row in repo.due("remind_at", now, self.config.batch, platforms):
                zone = self._zone(repo, row)
                if zone is None:
                    continue
                if row.kind != "person" or not row.reminders:
                    moves.append((row.id, None))
                    continue
                today = today_in(zone)
                hhmm = timing.reminder_time(
                    row.reminder_hours,
                    timing.parse_hhmm(row.quiet_start) if row.quiet_start else None,
                    timing.parse_hhmm(row.quiet_end) if row.quiet_end else None,
                ).strftime("%H:%M")
                slot = at(zone, hhmm, today)
                if slot <= now:
                    if day_of(row.remind_at, zone) == today:  # no catch-up of old days
                        candidates.append((row, today))
                    moves.append((row.id, at(zone, hhmm, today + timedelta(days=1))))
                else:
                    moves.append((row.id, slot))
            repo.set_due("remind_at", moves)
            answered = repo.answered_on((row.person_id, day) for row, day in candidates)
            for row, day in candidates:
                if day.weekday() in (row.rest_days or []):
                    continue  # a rest day cannot break the streak: nothing to save
                if answered.get((row.person_id, day), 0) >= row.daily_goal:
                    continue
                claims.append(
                    {
                        **base,
                        "recipient_id": row.id,
                        "local_date": day,
                        "kind": "reminder",
                        "status": "claimed",
                        "attempts": 1,
                    }
                )
                meta[(row.id, "reminder")] = (row, day)

            inserted = repo.insert_ignoring_conflicts(claims)
            result = [
                _claimed(delivery_id, kind, *meta[(recipient_id, kind)])
                for recipient_id, kind, delivery_id in inserted
            ]
            report.claimed += len(result)

            expired = repo.expired(now, self.config.batch, platforms)
            recipients = repo.recipients(r.recipient_id for r in expired)
            relet: list[int] = []
            give_up: list[int] = []
            for d in expired:
                owner = recipients.get(d.recipient_id)
                zone = self._zone(repo, owner) if owner is not None else None
                if owner is None or zone is None or d.attempts >= self.config.max_attempts:
                    give_up.append(d.id)
                elif today_in(zone) != d.local_date:
                    give_up.append(d.id)  # the day is over: no stale question tomorrow
                else:
                    relet.append(d.id)
                    result.append(_claimed(d.id, d.kind, owner, d.local_date, d.attempts + 1))
            repo.relet(relet, self.worker, now, lease)
            repo.close(give_up, "failed", "not confirmed before the day ended or out of attempts")
            report.retried += len(relet)
            uow.commit()
        return result

    # --------------------------------------------------------------- fan-out

    async def _fan_out(self, platform: str, claims: list[ClaimedRow], report: TickReport) -> None:
        queue: asyncio.Queue[ClaimedRow] = asyncio.Queue()
        for claim in claims:
            queue.put_nowait(claim)

        async def worker() -> None:
            while not queue.empty():
                claim = queue.get_nowait()
                if self._stopping:
                    await asyncio.to_thread(self._release, claim)
                    continue
                try:
                    await self._deliver(claim, report)
                except Exception:  # never let one recipient stop the others
                    logger.exception("delivery %s to %s failed", claim.delivery_id, platform)
                    report.failed += 1

        count = max(1, min(self.config.workers_per_platform, len(claims)))
        await asyncio.gather(*(worker() for _ in range(count)))

    async def _deliver(self, claim: ClaimedRow, report: TickReport) -> None:
        sender = self.senders[claim.platform]
        limiter = self.limiters[claim.platform]
        message = await asyncio.to_thread(self._prepare, claim)
        if message is None:
            report.skipped += 1
            report.statuses[claim.delivery_id] = "skipped"
            return
        for _ in range(MAX_RETRY_AFTER + 1):
            await limiter.acquire(claim.chat_id)
            try:
                message_id = await sender.send(message)
            except RetryLater as exc:
                report.rate_limited += 1
                limiter.pause(exc.seconds)
                logger.warning("%s asked to wait %.1f s; retrying", claim.platform, exc.seconds)
                await asyncio.to_thread(self._extend, claim, exc.seconds)
                continue
            except (RecipientGone, RecipientPaused) as exc:
                paused = isinstance(exc, RecipientPaused)
                await asyncio.to_thread(self._gone, claim, str(exc), paused)
                report.gone += 1
                report.statuses[claim.delivery_id] = "gone"
                return
            except Exception as exc:
                logger.exception(
                    "sender for %s raised on delivery %s", claim.platform, claim.delivery_id
                )
                await asyncio.to_thread(self._retry_later, claim, f"{type(exc).__name__}: {exc}")
                report.failed += 1
                report.statuses[claim.delivery_id] = "retry"
                return
            await asyncio.to_thread(
                self._finish, claim, status="sent", sent_at=self.clock(), message_id=message_id
            )
            report.sent += 1
            report.statuses[claim.delivery_id] = "sent"
            return
        await asyncio.to_thread(self._retry_later, claim, "rate limited too many times")
        report.failed += 1

    # ----------------------------------------------------- preparing messages

    def _prepare(self, claim: ClaimedRow) -> Outgoing | None:
        address = Address(claim.platform, claim.chat_id)
        try:
            if claim.kind == "reminder":
                return self._reminder(claim, address)
            if claim.recipient_kind == "group":
                return self._group_question(claim, address)
            return self._daily_question(claim, address)
        except PracticeError as exc:
            self._finish(claim, status="skipped", error=str(exc)[:500])
            return None

    def _daily_question(self, claim: ClaimedRow, address: Address) -> DailyQuestion | None:
        practice = self.app.practice
        assert claim.person_id is not None
        with self.app.uow() as uow:
            earlier = uow.attempts.daily_on(claim.person_id, claim.local_date)
            # asked and closed earlier today (through /today): nothing more to deliver
            done = earlier is not None and earlier.status != "asked"
        if done:
            self._finish(claim, status="skipped", error="answered today already")
            return None
        view = practice.next_question(claim.person_id, source="daily")
        if view is None:
            self._finish(claim, status="skipped", error="nothing due and no new question allowed")
            return None
        self._note(claim, question_id=view.question_id, attempt_id=view.attempt_id)
        return DailyQuestion(
            delivery_id=claim.delivery_id,
            address=address,
            person_id=claim.person_id,
            local_date=claim.local_date,
            question=view,
            streak=practice.streak(claim.person_id).current,
        )

    def _group_question(self, claim: ClaimedRow, address: Address) -> GroupQuestion | None:
        groups = self.app.groups
        assert claim.group_id is not None
        with self.app.uow() as uow:
            row = uow.deliveries.get(claim.delivery_id)
            question_id = row.question_id if row else None
            if question_id is None:  # a retry posts the question chosen the first time
                question_id = groups.choose_question(uow, claim.group_id, claim.recipient_id)
                if question_id is not None:
                    uow.deliveries.note(claim.delivery_id, question_id=question_id)
                    uow.commit()
        question = self.app.bank.get(question_id) if question_id else None
        if question is None or question_id is None:
            self._finish(claim, status="skipped", error="no question matches the group's topics")
            return None
        view = groups.get(claim.group_id)
        yesterday = groups.summary(claim.group_id, claim.local_date - timedelta(days=1))
        options = options_of(question)
        return GroupQuestion(
            delivery_id=claim.delivery_id,
            address=address,
            group_id=claim.group_id,
            local_date=claim.local_date,
            question_id=question_id,
            prompt=question.prompt,
            type=question.type.value,
            options=options,
            topics=tuple(question.topics),
            level=question.level.value,
            role_id=view.role_id,
            group_streak=groups.streak(claim.group_id).current,
            yesterday=yesterday.answered,
        )

    def _reminder(self, claim: ClaimedRow, address: Address) -> Reminder | None:
        assert claim.person_id is not None
        practice = self.app.practice
        streak = practice.streak(claim.person_id)
        settings = practice.settings(claim.person_id)
        if streak.today_done:
            self._finish(claim, status="skipped", error="goal met before the reminder")
            return None
        if streak.current == 0 and streak.restorable == 0:
            self._finish(claim, status="skipped", error="no streak at stake")
            return None
        now = self.clock()
        zone = ZoneInfo(settings.timezone)
        midnight = timing.instant(claim.local_date + timedelta(days=1), time(0), zone)
        return Reminder(
            delivery_id=claim.delivery_id,
            address=address,
            person_id=claim.person_id,
            local_date=claim.local_date,
            streak=streak.current,
            restorable=streak.restorable,
            answered_today=self._answered_today(claim),
            daily_goal=settings.daily_goal,
            hours_left=max(1, math.ceil((midnight - now).total_seconds() / 3600)),
        )

    def _answered_today(self, claim: ClaimedRow) -> int:
        assert claim.person_id is not None
        with self.app.uow() as uow:
            return uow.deliveries.answered_on([(claim.person_id, claim.local_date)]).get(
                (claim.person_id, claim.local_date), 0
            )

    # ------------------------------------------------------ recording results

    def _zone(self, repo: Any, row: Any) -> ZoneInfo | None:
        try:
            zone = _zone_named(row.timezone)
            timing.parse_hhmm(row.delivery_time)
            return zone
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            # validated on input, so only a database edited by hand gets here
            logger.error("recipient %s has a bad zone or time (%s); paused", row.id, exc)
            repo.deactivate(row.id, f"bad time zone or delivery time: {exc}", paused=True)
            return None

    def _finish(self, claim: ClaimedRow, **values: Any) -> None:
        with self.app.uow() as uow:
            if not uow.deliveries.finish(claim.delivery_id, self.worker, **values):
                logger.warning("delivery %s was taken over by another worker", claim.delivery_id)
            uow.commit()

    def _note(self, claim: ClaimedRow, **values: Any) -> None:
        with self.app.uow() as uow:
            uow.deliveries.note(claim.delivery_id, **values)
            uow.commit()

    def _extend(self, claim: ClaimedRow, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=self.config.lease_seconds + seconds)
        with self.app.uow() as uow:
            uow.deliveries.extend(claim.delivery_id, until)
            uow.commit()

    def _retry_later(self, claim: ClaimedRow, error: str) -> None:
        until = self.clock() + timedelta(seconds=self.config.retry_seconds)
        with self.app.uow() as uow:
            uow.deliveries.extend(claim.delivery_id, until, error=error[:500])
            uow.commit()

    def _release(self, claim: ClaimedRow) -> None:
        # shutting down: let the next start (or another worker) send it at once
        with self.app.uow() as uow:
            uow.deliveries.extend(claim.delivery_id, self.clock())
            uow.commit()

    def _gone(self, claim: ClaimedRow, reason: str, paused: bool) -> None:
        logger.warning(
            "%s chat %s %s: %s",
            claim.platform,
            claim.chat_id,
            "paused" if paused else "gone",
            reason,
        )
        with self.app.uow() as uow:
            uow.deliveries.finish(claim.delivery_id, self.worker, status="gone", error=reason[:500])
            uow.deliveries.deactivate(claim.recipient_id, reason, paused=paused)
            uow.commit()


@functools.cache
def _zone_named(name: str) -> ZoneInfo:
    # ZoneInfo keeps only 8 zones strongly cached; a tick over every zone re-read the
    # tz files per row (half of a 100k-recipient plan). There are ~600 zones at most.
    return ZoneInfo(name)


def _claimed(delivery_id: int, kind: str, row: Any, day: date, attempts: int = 1) -> ClaimedRow:
    return ClaimedRow(
        delivery_id=delivery_id,
        recipient_id=row.id,
        kind=kind,
        local_date=day,
        platform=row.platform,
        chat_id=row.chat_id,
        recipient_kind=row.kind,
        person_id=row.person_id,
        group_id=row.group_id,
        attempts=attempts,
    )
