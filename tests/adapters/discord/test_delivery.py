"""The Discord sender through the real delivery engine: DMs, reminders, and every fault."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from interviewprep.delivery.messages import Address, GroupQuestion, RetryLater
from tests.adapters.discord.conftest import Harness, button
from tests.adapters.discord.fake_discord import snowflake


async def subscribe_bob(harness: Harness) -> str:
    """Bob turns on DMs; returns his DM channel id."""
    answer = await harness.slash("settings", harness.bob, {"dm_reminders": True})
    assert "by DM" in answer.text
    return harness.fake.dm_channels.setdefault(harness.bob["id"], snowflake())


async def test_daily_question_by_dm_can_be_answered_there(harness: Harness) -> None:
    dm = await subscribe_bob(harness)
    harness.clock.advance(timedelta(days=1))

    report = await harness.engine.tick()

    assert report.sent >= 1
    (message,) = harness.fake.posts_in(dm)
    assert "daily question" in message["content"]
    assert message["request"]["allowed_mentions"] == {"parse": []}
    control = button(message, "ip:pick:") if "ip:pick:" in str(message) else None
    if control is None:
        opened = await harness.click(message, button(message, "ip:write:"), harness.bob, dm=True)
        assert opened.modal is not None
        result = await harness.submit(opened.modal["custom_id"], "an answer", harness.bob, dm=True)
    else:
        result = await harness.click(message, control, harness.bob, dm=True)
    assert "Model answer" in result.text


async def test_reminder_by_dm(harness: Harness) -> None:
    dm = await subscribe_bob(harness)
    # the first day counts towards a streak so that a reminder has something at stake
    today = await harness.slash("today", harness.bob)
    await harness.click(today.last, button(today, "ip:pick:"), harness.bob)
    for _ in range(4 * 24):
        harness.clock.advance(timedelta(minutes=30))
        await harness.engine.tick()
        if any("⏰" in (m.get("content") or "") for m in harness.fake.posts_in(dm)):
            break
    reminders = [m for m in harness.fake.posts_in(dm) if "⏰" in (m.get("content") or "")]
    assert reminders, [m.get("content") for m in harness.fake.posts_in(dm)]
    assert "ip:next:" in button(reminders[0], "ip:next:")


async def test_deleted_channel_deactivates_the_group(harness: Harness) -> None:
    await harness.setup_group()
    harness.fake.deleted_channels.add(harness.channel)

    report = await harness.deliver()

    assert report.gone == 1
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert not group.active


async def test_bot_kicked_deactivates_the_group(harness: Harness) -> None:
    await harness.setup_group()
    await harness.fake.kick(harness.guild)

    report = await harness.deliver()

    assert report.gone == 1
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert not group.active


async def test_closed_dms_stop_the_subscription(harness: Harness) -> None:
    await subscribe_bob(harness)
    harness.fake.closed_dms.add(harness.bob["id"])
    harness.clock.advance(timedelta(days=1))

    report = await harness.engine.tick()

    assert report.gone == 1
    person = harness.app.practice.find_person("discord", harness.bob["id"])
    assert person is not None
    assert not harness.app.subscriptions.subscribed(person, "discord")


async def test_missing_permissions_pause_and_tell_the_owner(harness: Harness) -> None:
    await harness.setup_group()
    harness.fake.forbidden_channels.add(harness.channel)

    report = await harness.deliver()

    assert report.gone == 1
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert group.paused
    owner_dm = harness.fake.dm_channels[harness.alice["id"]]
    (notice,) = harness.fake.posts_in(owner_dm)
    assert "Send Messages" in notice["content"]
    assert "/resume" in notice["content"]


async def test_no_thread_permission_posts_a_notice_and_pauses(harness: Harness) -> None:
    await harness.setup_group()
    harness.fake.no_thread_channels.add(harness.channel)

    report = await harness.deliver()

    assert report.gone == 1
    _post, notice = harness.fake.posts_in(harness.channel)
    assert "Create Public Threads" in notice["content"]
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert group.paused
    resumed = await harness.slash("resume", harness.alice, admin=True)
    assert "back on" in resumed.text


async def test_rate_limit_becomes_retry_later(harness: Harness) -> None:
    harness.fake.rate_limited[harness.channel] = 60.0
    message = GroupQuestion(
        delivery_id=1,
        address=Address("discord", harness.channel),
        group_id=1,
        local_date=date(2026, 3, 7),
        question_id="t.choice-1",
        prompt="?",
        type="single_choice",
        options=("a", "b"),
        topics=("sql",),
        level="junior",
        role_id=None,
        group_streak=0,
    )

    with pytest.raises(RetryLater) as caught:
        await harness.engine.senders["discord"].send(message)

    assert caught.value.seconds == pytest.approx(60.0)
