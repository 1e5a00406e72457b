"""Admin commands: /setup, /pause, /resume; members are refused with a clear message."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.fake_discord import CREATE_PUBLIC_THREADS, MANAGE_GUILD


async def test_admin_commands_are_hidden_from_members_by_default(harness: Harness) -> None:
    commands = {c["name"]: c for c in harness.fake.commands}
    for name in ("setup", "pause", "resume"):
        assert int(commands[name]["default_member_permissions"]) == MANAGE_GUILD
    setup = {o["name"]: o for o in commands["setup"]["options"]}
    assert set(setup) == {"channel", "role", "leaderboard"}
    described = {o["name"]: o["description"] for o in setup["channel"]["options"]}
    assert set(described) == {"channel", "time", "timezone", "packs", "level"}
    assert all(described.values())
    practice = {o["name"]: o for o in commands["practice"]["options"]}
    assert practice["count"]["min_value"] == 1
    assert practice["count"]["max_value"] == 20


async def test_member_is_refused_setup_with_a_clear_message(harness: Harness) -> None:
    options = {"channel": harness.channel, "time": "09:30", "timezone": "UTC"}

    refused = await harness.slash("setup", harness.bob, options, sub="channel")

    assert refused.ephemeral
    assert "Manage Server" in refused.text
    assert harness.app.groups.find("discord", harness.guild.id) is None
    for name in ("pause", "resume"):
        answer = await harness.slash(name, harness.bob)
        assert "Manage Server" in answer.text


async def test_setup_rejects_bad_values_naming_the_field(harness: Harness) -> None:
    options = {"channel": harness.channel, "time": "25:00", "timezone": "UTC"}
    answer = await harness.slash("setup", harness.alice, options, sub="channel", admin=True)
    assert "delivery_time" in answer.text
    options = {"channel": harness.channel, "time": "09:00", "timezone": "Mars/Base"}
    answer = await harness.slash("setup", harness.alice, options, sub="channel", admin=True)
    assert "timezone" in answer.text
    assert "Mars/Base" in answer.text
    options = {**options, "timezone": "Europe/Berlin", "packs": "sql, nosuchtopic"}
    answer = await harness.slash("setup", harness.alice, options, sub="channel", admin=True)
    assert "nosuchtopic" in answer.text
    assert harness.app.groups.find("discord", harness.guild.id) is None


async def test_setup_tells_the_admin_what_to_grant(harness: Harness) -> None:
    locked = harness.guild.add_channel("locked", deny_bot=CREATE_PUBLIC_THREADS)
    await harness.restart()
    options = {"channel": locked, "time": "09:30", "timezone": "UTC", "packs": "sql"}

    answer = await harness.slash("setup", harness.alice, options, sub="channel", admin=True)

    assert "Create Public Threads" in answer.text
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert group.topics == ("sql",)


async def test_leaderboard_switch_pause_and_resume(harness: Harness) -> None:
    before = await harness.slash("pause", harness.alice, admin=True)
    assert "no daily question yet" in before.text
    await harness.setup_group()

    off = await harness.slash(
        "setup", harness.alice, {"state": "off"}, sub="leaderboard", admin=True
    )
    assert "off" in off.text
    board = await harness.slash("leaderboard", harness.bob)
    assert "turned off" in board.text

    paused = await harness.slash("pause", harness.alice, admin=True)
    assert "paused" in paused.text
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert group.paused
    report = await harness.deliver()
    assert report.sent == 0
    assert harness.fake.posts_in(harness.channel) == []

    resumed = await harness.slash("resume", harness.alice, admin=True)
    assert "back on" in resumed.text
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert not group.paused
