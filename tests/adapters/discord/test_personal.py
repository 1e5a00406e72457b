"""Personal commands: /practice (server and DM), /today, /streak, /stats, /settings,
/report, /export, /forget, /link."""

from __future__ import annotations

import json

from tests.adapters.discord.conftest import Harness, button
from tests.adapters.discord.fake_discord import custom_ids


async def test_practice_run_in_dms_with_next_button(harness: Harness) -> None:
    first = await harness.slash("practice", harness.bob, {"topic": "caching", "count": 2}, dm=True)

    assert "caching" in first.text
    pick = button(first, "ip:pick:")
    result = await harness.click(first.last, pick, harness.bob, dm=True)
    assert "Score" in result.text
    second = await harness.click(result.last, button(result, "ip:next:n0"), harness.bob, dm=True)
    assert "caching" in second.text
    assert second.text != first.text
    person = harness.app.practice.find_person("discord", harness.bob["id"])
    assert person is not None
    assert harness.app.practice.stats(person).answered == 1


async def test_open_question_through_the_write_button(harness: Harness) -> None:
    reply = await harness.slash("practice", harness.bob, {"topic": "http", "count": 5})
    while "ip:write:" not in str(custom_ids(reply.last)):
        reply = await harness.click(reply.last, button(reply, "ip:skip:"), harness.bob)
        reply = await harness.slash("practice", harness.bob, {"topic": "http", "count": 5})

    write = button(reply, "ip:write:")
    # someone else's Write button: refused, and a stranger is not enrolled by the click
    for other in (harness.carol, harness.alice):
        refused = await harness.click(reply.last, write, other)
        assert refused.modal is None
        assert "not open for you" in refused.text
    assert harness.app.practice.find_person("discord", harness.alice["id"]) is None
    opened = await harness.click(reply.last, write, harness.bob)

    assert opened.modal is not None
    result = await harness.submit(opened.modal["custom_id"], "no idea", harness.bob)
    assert "Model answer" in result.text
    assert "Again (suggested)" in result.text


async def test_reveal_hint_and_skip(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    hint = await harness.click(asked.last, button(asked, "ip:hint:"), harness.bob)
    assert "💡" in hint.text
    shown = await harness.click(asked.last, button(asked, "ip:reveal:"), harness.bob)
    assert "Answer revealed" in shown.text
    again = await harness.slash("practice", harness.bob, {"topic": "sql"})
    skipped = await harness.click(again.last, button(again, "ip:skip:"), harness.bob)
    assert "Skipped" in skipped.text


async def test_today_streak_and_stats(harness: Harness) -> None:
    today = await harness.slash("today", harness.carol)
    assert "Today's question" in today.text
    await harness.click(today.last, button(today, "ip:pick:"), harness.carol)

    again = await harness.slash("today", harness.carol)
    assert "already answered" in again.text
    streak = await harness.slash("streak", harness.carol)
    assert "**1**" in streak.text
    assert "done today" in streak.text
    stats = await harness.slash("stats", harness.carol)
    assert "Answered **1**" in stats.text


async def test_settings_show_change_and_refuse(harness: Harness) -> None:
    shown = await harness.slash("settings", harness.bob)
    assert "Time zone:** UTC" in shown.text

    changed = await harness.slash(
        "settings",
        harness.bob,
        {
            "timezone": "Europe/Berlin",
            "level": "senior",
            "topics": "sql,http",
            "dm_reminders": True,
        },
    )

    assert "Europe/Berlin" in changed.text
    assert "senior" in changed.text
    assert "sql, http" in changed.text
    person = harness.app.practice.find_person("discord", harness.bob["id"])
    assert person is not None
    assert harness.app.subscriptions.subscribed(person, "discord")
    bad = await harness.slash("settings", harness.bob, {"timezone": "Mars/Base"})
    assert "timezone" in bad.text
    assert "Mars/Base" in bad.text
    assert harness.app.practice.settings(person).timezone == "Europe/Berlin"


async def test_export_then_forget(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    await harness.click(asked.last, button(asked, "ip:pick:"), harness.bob)

    exported = await harness.slash("export", harness.bob)

    assert exported.ephemeral
    ((name, blob),) = exported.files
    data = json.loads(blob)
    assert name.endswith(".json")
    assert len(data["reviews"]) == 1
    prompt = await harness.slash("forget", harness.bob)
    cancel = await harness.click(prompt.last, "ip:forget:no", harness.bob)
    assert "nothing was deleted" in cancel.text
    assert harness.app.practice.find_person("discord", harness.bob["id"]) is not None
    done = await harness.click(prompt.last, "ip:forget:yes", harness.bob)
    assert "deleted" in done.text
    assert harness.app.practice.find_person("discord", harness.bob["id"]) is None


async def test_report_and_link(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    assert asked.last
    report = await harness.slash("report", harness.bob, {"message": "option 2 is also right"})
    assert "Report #1" in report.text
    unknown = await harness.slash("report", harness.bob, {"message": "x", "question": "nope"})
    assert "no question" in unknown.text

    made = await harness.slash("link", harness.bob)
    code = made.text.split("`")[1]
    bad = await harness.slash("link", harness.carol, {"code": "ZZZZ-ZZZZ"})
    assert "not valid" in bad.text
    linked = await harness.slash("link", harness.carol, {"code": code})
    assert "Linked" in linked.text
    assert harness.app.practice.find_person(
        "discord", harness.carol["id"]
    ) == harness.app.practice.find_person("discord", harness.bob["id"])


async def test_unknown_topic_is_refused(harness: Harness) -> None:
    answer = await harness.slash("practice", harness.bob, {"topic": "@everyone"})
    assert "no topic" in answer.text
    assert answer.last["allowed_mentions"] == {"parse": []}
