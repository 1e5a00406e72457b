"""Group chats: admin-only setup, the shared daily question, replies and buttons,
the summary of who answered, lost rights."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from interviewprep.delivery.engine import DeliveryEngine
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness
from tests.adapters.telegram.fake_api import Failure, Sent

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

GROUP = -100500
ADMIN = fake_api.user(51, "Bob <admin>", "de")
ADA = fake_api.user(52, "Ada", "en")
CY = fake_api.user(53, "Cy & Co", "en")


async def answer(tg: Harness, who: dict[str, Any], post: Sent, good: bool = True) -> list[Sent]:
    """Answer the group post: a tap for single choice / true-false, else a reply."""
    if post.keyboard:
        return await tg.press(who, post, "1. " if good else "2. ")
    text = "1 2" if "Select all" in post.text else "TTL expiry, 404, delete keys on update"
    return await tg.say(who, text, group=GROUP, reply_to=post.message_id)


async def setup_group(tg: Harness) -> DeliveryEngine:
    tg.api.member_status[(GROUP, ADMIN["id"])] = "administrator"
    engine = DeliveryEngine(tg.app, clock=tg.clock)
    engine.register(tg.sender)
    return engine


async def test_only_admins_turn_it_on_and_off(tg: Harness) -> None:
    await setup_group(tg)
    reply = await tg.say(ADA, "/groupon", group=GROUP)
    assert reply[0].text == "Only group admins can turn the daily question on."
    assert tg.app.groups.find("telegram", str(GROUP)) is None
    reply = await tg.say(ADMIN, "/groupon 25:00 Mars", group=GROUP)
    assert "timezone" in reply[0].text
    assert "Mars" in reply[0].text
    reply = await tg.say(ADMIN, "/groupon 10:30 Berlin", group=GROUP)
    assert "Daily group question is on: every day at 10:30" in reply[0].text
    assert "Europe/Berlin" in reply[0].text
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    assert view.name == "Backend <devs> & co"
    assert (view.delivery_time, view.timezone, view.paused) == ("10:30", "Europe/Berlin", False)

    assert "Only group admins" in (await tg.say(ADA, "/groupoff", group=GROUP))[0].text
    reply = await tg.say(ADMIN, "/groupoff", group=GROUP)
    assert "is off" in reply[0].text
    assert tg.app.groups.find("telegram", str(GROUP)).paused  # type: ignore[union-attr]
    await tg.say(ADMIN, "/groupon", group=GROUP)  # back on with the same time
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    assert not view.paused
    assert view.delivery_time == "10:30"
    # an anonymous admin posts as the group itself
    anonymous = {"sender_chat": {"id": GROUP, "type": "supergroup", "title": "g"}}
    reply = await tg.say(
        fake_api.user(1087968824, "Group"), "/groupoff", group=GROUP, extra=anonymous
    )
    assert "is off" in reply[0].text


@pytest.mark.parametrize("topic", ["sql", "caching"])  # buttons / replies
async def test_members_answer_the_group_question_and_tomorrow_shows_who(
    tg: Harness, topic: str
) -> None:
    engine = await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    tg.app.groups.update(view.id, topics=[topic], level="junior")
    tg.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    assert (await engine.tick()).sent == 1
    post = tg.api.last(GROUP)
    assert post.text.startswith("👥 Daily group question")
    assert "Each answer counts for the member's own schedule." in post.text
    assert (post.keyboard is not None) == (topic == "sql")

    result = (await answer(tg, ADA, post))[-1]
    assert result.text.startswith("Ada\n")
    assert "Score" in result.text
    assert "<tg-spoiler>" in result.html  # the model answer is hidden for the next person
    assert post.keyboard is None or post.buttons  # the shared post keeps its buttons
    ada = tg.person(ADA)
    assert tg.app.practice.export(ada)["reviews"][0]["question_id"]

    # Cy's display name is escaped in the group
    cy_result = (await answer(tg, CY, post, good=False))[-1]
    assert cy_result.html.startswith("<b>Cy &amp; Co</b>")
    # each member rates only their own answer
    review = cy_result.data("Good")
    await tg.tap(ADA, cy_result, review)
    assert "not yours to rate" in tg.toast()
    await tg.tap(CY, cy_result, review)
    assert tg.toast().startswith("Rated Good")
    # the shared post is never edited into one member's result: each gets a reply
    assert post.edits == 0
    assert "Score" not in post.text

    # chatter, and replies to other messages, get no reply
    assert await tg.say(ADA, "nice question!", group=GROUP) == []
    assert await tg.say(ADA, "+1", group=GROUP, reply_to=result.message_id) == []
    assert await tg.say(ADA, "+1", group=GROUP, reply_to=12345) == []

    # the next day's post says who answered; yesterday's buttons are stale
    tg.clock.now = datetime(2026, 3, 8, 10, 1, tzinfo=UTC)
    assert (await engine.tick()).sent == 1
    tomorrow = tg.api.last(GROUP)
    assert "Yesterday 2 answered:" in tomorrow.text
    assert "Ada" in tomorrow.text
    assert "Cy &amp; Co" in tomorrow.html
    await answer(tg, ADMIN, post)
    stale = tg.toast() if post.keyboard else tg.api.last(GROUP).text
    assert "not today's question" in stale


async def test_a_second_answer_by_a_member_is_refused(tg: Harness) -> None:
    engine = await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    tg.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    await engine.tick()
    post = tg.api.last(GROUP)
    await answer(tg, ADA, post)
    await answer(tg, ADA, post)
    said = tg.toast() if post.keyboard else tg.api.last(GROUP).text
    assert "already answered today's group question" in said
    assert len(tg.app.practice.export(tg.person(ADA))["reviews"]) == 1


async def test_a_reply_that_is_not_text(tg: Harness) -> None:
    engine = await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    tg.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    await engine.tick()
    post = tg.api.last(GROUP)
    sticker = {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    reply = await tg.say(ADA, None, group=GROUP, reply_to=post.message_id, extra=sticker)
    assert reply[0].text.startswith("I can only read text answers")
    assert reply[0].reply_to
    edited = await tg.say(
        ADA, "changed", group=GROUP, reply_to=post.message_id, kind="edited_message"
    )
    assert edited[0].text.startswith("Edits are not re-graded")
    assert await tg.say(ADA, "changed", group=GROUP, kind="edited_message") == []


async def test_lost_rights_pause_the_group(tg: Harness) -> None:
    engine = await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    tg.api.fail(
        "sendMessage",
        Failure(400, "Bad Request: not enough rights to send text messages", chat_id=GROUP),
    )
    tg.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    report = await engine.tick()
    assert report.gone == 1
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    assert view.paused
    assert "not enough rights" in (view.inactive_reason or "").lower()
    await tg.say(ADMIN, "/groupon", group=GROUP)  # an admin fixed the rights
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    assert not view.paused


async def test_personal_commands_in_a_group_point_to_a_private_chat(tg: Harness) -> None:
    reply = await tg.say(ADA, "/practice", group=GROUP)
    assert reply[0].text == "Let's do that in a private chat with me."
    assert tg.api.last(GROUP).keyboard == [
        [{"text": "Open a private chat", "url": "https://t.me/interviewprep_bot?start=group"}]
    ]
    help_reply = await tg.say(ADA, "/help", group=GROUP)
    assert "/groupon" in help_reply[0].text


async def test_bot_removed_from_the_group_pauses_it(tg: Harness) -> None:
    await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    await tg.process(
        {
            "update_id": tg.api.next_update_id(),
            "my_chat_member": {
                "chat": {"id": GROUP, "type": "supergroup", "title": "g"},
                "from": ADMIN,
                "date": 1_772_870_400,
                "old_chat_member": {"status": "member", "user": fake_api.BOT},
                "new_chat_member": {"status": "left", "user": fake_api.BOT},
            },
        }
    )
    view = tg.app.groups.find("telegram", str(GROUP))
    assert view is not None
    assert view.paused


async def test_a_group_upgraded_to_a_supergroup_is_followed(tg: Harness) -> None:
    engine = await setup_group(tg)
    await tg.say(ADMIN, "/groupon 10:00 UTC", group=GROUP)
    new_id = -1009999
    tg.api.fail(
        "sendMessage",
        Failure(400, "Bad Request: group chat was upgraded", chat_id=GROUP, migrate_to=new_id),
    )
    tg.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    assert (await engine.tick()).sent == 1
    assert tg.api.last(new_id).text.startswith("👥 Daily group question")
    assert tg.app.groups.find("telegram", str(new_id)) is not None
    assert tg.app.groups.find("telegram", str(GROUP)) is None
    # the service message Telegram sends in the old chat is followed too (no-op now)
    another = -1008888
    await tg.process(
        {
            "update_id": tg.api.next_update_id(),
            "message": {
                "message_id": 9,
                "date": 1_772_870_400,
                "chat": {"id": new_id, "type": "group", "title": "g"},
                "from": ADMIN,
                "migrate_to_chat_id": another,
            },
        }
    )
    view = tg.app.groups.find("telegram", str(another))
    assert view is not None
    assert view.channel_id == str(another)
