"""The delivery engine against the real services and database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from interviewprep.app import App
from interviewprep.delivery.engine import DeliveryEngine, EngineConfig
from interviewprep.delivery.messages import (
    DailyQuestion,
    GroupQuestion,
    RecipientGone,
    RecipientPaused,
    Reminder,
    RetryLater,
)
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.streak import DayStatus
from interviewprep.services.errors import InvalidSetting
from interviewprep.storage.tables import Delivery, Recipient
from tests.delivery.conftest import FakeSender

Make = Callable[..., DeliveryEngine]


def at(clock: FixedClock, year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
    clock.now = datetime(year, month, day, hour, minute, tzinfo=UTC)


def person(app: App, chat: str, zone: str = "UTC", when: str = "09:00", **extra: object) -> int:
    pid = app.practice.enrol("telegram", chat, f"user {chat}")
    app.practice.update_settings(pid, timezone=zone, delivery_time=when, **extra)
    app.subscriptions.subscribe(pid, "telegram", chat)
    return pid


def deliveries(app: App) -> list[Delivery]:
    with app.uow() as uow:
        rows = uow.session.exec(select(Delivery).order_by(Delivery.id)).all()
        return [Delivery.model_validate(r.model_dump()) for r in rows]


def answer_daily(app: App, message: DailyQuestion, text: str = "right answer") -> None:
    app.practice.submit_answer(message.person_id, message.question.attempt_id, text)


async def test_daily_question_arrives_at_local_time_once(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 12)
    pid = person(app, "1", "America/New_York", "09:00")  # 09:00 EST = 14:00 UTC
    engine = make_engine()
    at(clock, 2026, 3, 6, 13, 59)
    assert (await engine.tick()).sent == 0
    at(clock, 2026, 3, 6, 14, 0)
    report = await engine.tick()
    assert report.sent == 1
    (message,) = sender.sent
    assert isinstance(message, DailyQuestion)
    assert message.person_id == pid
    assert str(message.local_date) == "2026-03-06"
    assert message.question.prompt  # a real question from the bank, attempt open
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        assert (await engine.tick()).sent == 0
    assert len(sender.sent) == 1


async def test_restart_and_crash_between_claim_and_send_never_send_twice(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    person(app, "1")
    person(app, "2")
    at(clock, 2026, 3, 6, 9, 1)
    crashed = make_engine(lease_seconds=600)
    claims = crashed.plan(clock())  # claimed, then the process dies before sending
    assert len(claims) == 2
    assert sender.sent == []
    restarted = make_engine(lease_seconds=600)
    assert (await restarted.tick()).sent == 0  # the claim is still leased
    clock.advance(timedelta(minutes=11))
    report = await restarted.tick()
    assert (report.retried, report.sent) == (2, 2)
    assert sorted(m.address.chat_id for m in sender.sent) == ["1", "2"]
    again = make_engine()
    clock.advance(timedelta(hours=1))
    assert (await again.tick()).sent == 0
    assert {d.status for d in deliveries(app)} == {"sent"}


async def test_an_unconfirmed_claim_from_yesterday_is_not_sent_today(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    person(app, "1")
    at(clock, 2026, 3, 6, 23, 50)
    make_engine().plan(clock())  # claimed late, then a crash
    at(clock, 2026, 3, 7, 8)
    engine = make_engine()
    await engine.tick()
    assert sender.sent == []
    at(clock, 2026, 3, 7, 9)
    await engine.tick()
    assert [str(m.local_date) for m in sender.sent] == ["2026-03-07"]
    statuses = {str(d.local_date): d.status for d in deliveries(app)}
    assert statuses == {"2026-03-06": "failed", "2026-03-07": "sent"}


def test_two_workers_on_one_database_send_each_recipient_once(
    app: App, clock: FixedClock, sender: FakeSender
) -> None:
    at(clock, 2026, 3, 6, 8)
    for i in range(60):
        person(app, str(i))
    at(clock, 2026, 3, 6, 9, 30)
    engines = [DeliveryEngine(app, worker_id=f"w{i}", config=EngineConfig(batch=7)) for i in (1, 2)]
    for engine in engines:
        engine.register(sender)

    def run(engine: DeliveryEngine) -> None:
        for _ in range(12):  # small batches: the two workers interleave
            asyncio.run(engine.tick())

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    chats = sorted(int(m.address.chat_id) for m in sender.sent)
    assert chats == list(range(60))
    assert len(deliveries(app)) == 60


async def test_catch_up_sends_today_once_and_excuses_the_days_the_bot_was_down(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 2, 8)
    pid = person(app, "1")
    engine = make_engine()
    at(clock, 2026, 3, 2, 9)
    await engine.tick()
    answer_daily(app, sender.sent[-1])  # Monday: streak 1
    at(clock, 2026, 3, 5, 15)  # down Tuesday and Wednesday, back Thursday afternoon
    report = await make_engine().tick()
    assert report.sent == 1
    assert report.missed_days == 2
    assert str(sender.sent[-1].local_date) == "2026-03-05"
    answer_daily(app, sender.sent[-1])
    streak = app.practice.streak(pid)
    assert streak.current == 2
    assert [s for _, s in streak.history] == [
        DayStatus.DONE,
        DayStatus.EXCUSED,
        DayStatus.EXCUSED,
        DayStatus.DONE,
    ]
    assert (await make_engine().tick()).sent == 0


async def test_dst_keeps_local_time_and_skips_or_dedups_odd_wall_times(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 20)  # 15:00 in New York: today's slots have passed
    person(app, "nine", "America/New_York", "09:00")
    person(app, "gap", "America/New_York", "02:30")  # 2026-03-08 02:30 never happens
    engine = make_engine()
    sent_at: dict[str, list[datetime]] = {"nine": [], "gap": []}
    at(clock, 2026, 3, 7, 0)
    while clock() < datetime(2026, 3, 10, tzinfo=UTC):
        before = len(sender.sent)
        await engine.tick()
        for message in sender.sent[before:]:
            sent_at[message.address.chat_id].append(clock())
            answer_daily(app, message)  # type: ignore[arg-type]
        clock.advance(timedelta(minutes=1))
    hours = [t.strftime("%m-%d %H:%M") for t in sent_at["nine"]]
    assert hours == ["03-07 14:00", "03-08 13:00", "03-09 13:00"]  # 09:00 EST, then EDT
    gap = [t.strftime("%m-%d %H:%M") for t in sent_at["gap"]]
    assert gap == ["03-07 07:30", "03-08 07:00", "03-09 06:30"]  # 03-08: next valid minute

    # fall back: 01:30 happens twice on 2026-11-01; sent at the first one only
    at(clock, 2026, 10, 31, 12)
    person(app, "fold", "America/New_York", "01:30")
    at(clock, 2026, 11, 1, 5, 0)
    while clock() < datetime(2026, 11, 1, 8, tzinfo=UTC):
        before = len(sender.sent)
        await engine.tick()
        for message in sender.sent[before:]:
            if message.address.chat_id == "fold":
                sent_at.setdefault("fold", []).append(clock())
        clock.advance(timedelta(minutes=5))
    assert [t.strftime("%H:%M") for t in sent_at["fold"]] == ["05:30"]  # 01:30 EDT


async def test_429_waits_and_delivers_the_same_message(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    person(app, "1")
    person(app, "2")
    sender.fail("1", RetryLater(0.05), RetryLater(0.05))
    at(clock, 2026, 3, 6, 9)
    report = await make_engine().tick()
    assert (report.sent, report.rate_limited, report.failed) == (2, 2, 0)
    assert sorted(m.address.chat_id for m in sender.sent) == ["1", "2"]


async def test_gone_chat_is_deactivated_others_continue_data_kept(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    blocked = person(app, "blocked")
    person(app, "fine")
    sender.fail("blocked", RecipientGone("Forbidden: bot was blocked by the user"))
    engine = make_engine()
    at(clock, 2026, 3, 6, 9)
    report = await engine.tick()
    assert (report.sent, report.gone) == (1, 1)
    with app.uow() as uow:
        found = uow.session.exec(select(Recipient).where(Recipient.chat_id == "blocked")).one()
        row = Recipient.model_validate(found.model_dump())
    assert (row.active, row.next_at) == (False, None)
    assert "blocked" in (row.reason or "")
    at(clock, 2026, 3, 7, 9)
    await engine.tick()
    assert [m.address.chat_id for m in sender.sent] == ["fine", "fine"]
    assert app.practice.export(blocked)["person"]["display_name"] == "user blocked"
    # coming back (/start again) resumes delivery
    app.subscriptions.subscribe(blocked, "telegram", "blocked")
    at(clock, 2026, 3, 8, 9)
    await engine.tick()
    assert sorted(m.address.chat_id for m in sender.sent[2:]) == ["blocked", "fine"]


async def test_a_sender_that_raises_is_retried_later_and_never_sends_twice(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    person(app, "flaky")
    person(app, "fine")
    sender.fail("flaky", RuntimeError("network hiccup"))
    engine = make_engine(retry_seconds=120)
    at(clock, 2026, 3, 6, 9)
    report = await engine.tick()
    assert (report.sent, report.failed) == (1, 1)
    clock.advance(timedelta(minutes=1))
    assert (await engine.tick()).sent == 0  # waits retry_seconds
    clock.advance(timedelta(minutes=2))
    assert (await engine.tick()).sent == 1
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        await engine.tick()
    assert sorted(m.address.chat_id for m in sender.sent) == ["fine", "flaky"]
    # the retry re-sends the question opened the first time, not a second one
    flaky = [d for d in deliveries(app) if d.attempts == 2]
    assert len(flaky) == 1
    assert flaky[0].status == "sent"


async def test_a_sender_that_keeps_failing_gives_up_after_max_attempts(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    person(app, "down")
    sender.fail("down", *(RuntimeError("500") for _ in range(10)))
    engine = make_engine(retry_seconds=60, max_attempts=3)
    at(clock, 2026, 3, 6, 9)
    for _ in range(6):
        await engine.tick()
        clock.advance(timedelta(minutes=2))
    (row,) = deliveries(app)
    assert (row.status, row.attempts) == ("failed", 3)
    assert sender.sent == []


async def test_missing_permissions_pause_the_group(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    group = app.groups.setup(
        "telegram",
        "-100",
        channel_id="-100",
        name="SQL club",
        timezone="UTC",
        delivery_time="09:00",
    )
    sender.fail("-100", RecipientPaused("not enough rights to send messages"))
    at(clock, 2026, 3, 6, 9)
    await make_engine().tick()
    view = app.groups.get(group.id)
    assert view.paused
    assert "rights" in (view.inactive_reason or "")
    app.groups.resume(group.id)
    at(clock, 2026, 3, 7, 9)
    await make_engine().tick()
    assert [type(m) for m in sender.sent] == [GroupQuestion]


async def test_streak_saver_reminder_only_when_a_streak_is_at_stake(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 5, 5)
    saver = person(app, "saver", "Europe/Berlin", "08:00", reminder_hours=3)
    done = person(app, "done", "Europe/Berlin", "08:00")
    quiet = person(app, "quiet", "Europe/Berlin", "08:00", quiet_start="20:00", quiet_end="07:00")
    off = person(app, "off", "Europe/Berlin", "08:00", reminders=False)
    engine = make_engine()
    at(clock, 2026, 3, 5, 7)  # 08:00 Berlin
    await engine.tick()
    for message in list(sender.sent):
        answer_daily(app, message)  # type: ignore[arg-type]
    at(clock, 2026, 3, 6, 7)
    await engine.tick()
    for message in sender.sent[4:]:
        if message.person_id == done:  # type: ignore[union-attr]
            answer_daily(app, message)  # type: ignore[arg-type]
    reminders: dict[int, datetime] = {}
    at(clock, 2026, 3, 6, 12)
    while clock() < datetime(2026, 3, 7, tzinfo=UTC):
        before = len(sender.sent)
        await engine.tick()
        for message in sender.sent[before:]:
            assert isinstance(message, Reminder)
            reminders[message.person_id] = clock()
        clock.advance(timedelta(minutes=15))
    assert set(reminders) == {saver, quiet}  # done answered; reminders off for "off"
    assert reminders[saver].strftime("%H:%M") == "20:00"  # 21:00 Berlin
    assert reminders[quiet].strftime("%H:%M") == "18:30"  # moved before quiet hours
    assert off not in reminders


async def test_group_question_members_answer_and_next_post_names_them(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 8)
    group = app.groups.setup(
        "telegram", "-42", channel_id="-42", name="Study", timezone="UTC", delivery_time="09:00"
    )
    app.groups.update(group.id, min_members=2)
    engine = make_engine()
    at(clock, 2026, 3, 6, 9)
    await engine.tick()
    (post,) = sender.sent
    assert isinstance(post, GroupQuestion)
    assert post.group_id == group.id
    people = [app.practice.enrol("telegram", f"m{i}", f"Member {i}") for i in range(3)]
    for i, pid in enumerate(people[:2]):
        view = app.groups.answer_as(
            "telegram", "-42", f"m{i}", f"Member {i}", group.id, post.local_date, post.question_id
        )
        app.practice.submit_answer(pid, view.attempt_id, "right")
    assert app.groups.summary(group.id, post.local_date).answered == ("Member 0", "Member 1")
    assert app.groups.streak(group.id).current == 1
    at(clock, 2026, 3, 7, 9)
    await engine.tick()
    second = sender.sent[-1]
    assert isinstance(second, GroupQuestion)
    assert second.yesterday == ("Member 0", "Member 1")
    assert second.group_streak == 1
    assert second.question_id != post.question_id


def test_bad_times_and_zones_are_refused_with_the_field_named(app: App, clock: FixedClock) -> None:
    pid = app.practice.enrol("telegram", "1")
    with pytest.raises(InvalidSetting, match="delivery_time"):
        app.practice.update_settings(pid, delivery_time="25:00")
    with pytest.raises(InvalidSetting, match="timezone"):
        app.practice.update_settings(pid, timezone="Mars/Base")
    with pytest.raises(InvalidSetting, match="quiet"):
        app.practice.update_settings(pid, quiet_start="22:00")
    with pytest.raises(InvalidSetting, match="timezone"):
        app.groups.setup(
            "discord", "g", channel_id="c", name="x", timezone="Mars/Base", delivery_time="09:00"
        )
    with pytest.raises(InvalidSetting, match="delivery_time"):
        app.groups.setup(
            "discord", "g", channel_id="c", name="x", timezone="UTC", delivery_time="25:00"
        )


async def test_today_then_daily_delivery_does_not_ask_twice(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make
) -> None:
    at(clock, 2026, 3, 6, 7)
    pid = person(app, "1")
    view = app.practice.today(pid)
    assert view is not None
    assert not view.answered
    app.practice.submit_answer(pid, view.attempt_id, "right")
    again = app.practice.today(pid)
    assert again is not None
    assert again.answered
    assert again.attempt_id == view.attempt_id
    at(clock, 2026, 3, 6, 9)
    report = await make_engine().tick()
    assert (report.sent, report.skipped) == (0, 1)


async def test_worker_ids_with_quotes_commas_and_braces_are_stored_verbatim(
    app: App, clock: FixedClock, sender: FakeSender
) -> None:
    """Claims go to PostgreSQL as array literals: awkward worker names must survive."""
    at(clock, 2026, 3, 6, 8)
    person(app, "1", "UTC", "09:00")
    person(app, "2", "UTC", "09:00")
    worker = 'host "a", {b}\\c NULL'
    engine = DeliveryEngine(app, worker_id=worker)
    engine.register(sender)
    at(clock, 2026, 3, 6, 9)
    assert (await engine.tick()).sent == 2
    rows = deliveries(app)
    assert [r.claimed_by for r in rows] == [worker, worker]
    assert {r.local_date.isoformat() for r in rows} == {"2026-03-06"}
    assert all(r.lease_until == clock.now + timedelta(seconds=600) for r in rows)


@pytest.mark.parametrize("same_lease", [True, False], ids=["one-lease", "mixed-leases"])
def test_claim_inserts_skip_existing_days_and_return_new_ids(
    app: App, clock: FixedClock, same_lease: bool
) -> None:
    """Both insert paths (batch-wide lease bound once, or per row) agree."""
    at(clock, 2026, 3, 6, 8)
    person(app, "1")
    person(app, "2")
    with app.uow() as uow:
        rids = sorted(r.id for r in uow.session.exec(select(Recipient)).all())
    now = clock.now
    day = now.date()

    def row(rid: int, kind: str, shift: int) -> dict[str, object]:
        lease = now + timedelta(minutes=10 if same_lease else 10 + shift)
        return {
            "recipient_id": rid,
            "local_date": day,
            "kind": kind,
            "status": "claimed",
            "attempts": 1,
            "claimed_by": "w",
            "claimed_at": now,
            "lease_until": lease,
        }

    with app.uow() as uow:
        first = uow.deliveries.insert_ignoring_conflicts([row(rids[0], "daily", 0)])
        uow.commit()
    with app.uow() as uow:
        again = uow.deliveries.insert_ignoring_conflicts(
            [row(rids[0], "daily", 1), row(rids[1], "daily", 2), row(rids[0], "reminder", 3)]
        )
        uow.commit()
    assert [(r, k) for r, k, _ in first] == [(rids[0], "daily")]
    assert sorted((r, k) for r, k, _ in again) == [(rids[0], "reminder"), (rids[1], "daily")]
    stored = {(d.recipient_id, d.kind): d for d in deliveries(app)}
    assert {d.id for d in stored.values()} == {i for *_, i in first + again}
    assert stored[(rids[0], "daily")].lease_until == now + timedelta(minutes=10)
    assert stored[(rids[0], "reminder")].local_date == day
    expected = timedelta(minutes=10 if same_lease else 13)
    assert stored[(rids[0], "reminder")].lease_until == now + expected
