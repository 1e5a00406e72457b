"""Bad input: forged custom_ids, other servers, old days, double clicks, hostile text."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from interviewprep.adapters.discord import ids
from tests.adapters.discord.conftest import Harness, button
from tests.adapters.discord.fake_discord import (
    ADMIN_PERMISSIONS,
    Recorded,
    custom_ids,
    snowflake,
    user,
)
from tests.adapters.discord.test_daily import post_of, reviews

HOSTILE = (
    "@everyone @here <@&130000000000000123> <@130000000000000456> "
    "**bold** __u__ ||spoiler|| ```code``` > quote |"
)


def forged(custom_id: str, channel_id: str) -> dict[str, Any]:
    """A message carrying one button with a custom_id of our choosing."""
    return {
        "id": snowflake(),
        "channel_id": channel_id,
        "author": {"id": "1", "username": "x", "discriminator": "0", "avatar": None},
        "content": "",
        "timestamp": "2026-03-07T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 64,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "x", "custom_id": custom_id}],
            }
        ],
    }


def mention_settings(requests: list[Recorded]) -> list[Any]:
    """allowed_mentions of every message-creating request the bot made."""
    found = []
    for request in requests:
        body = request.json if isinstance(request.json, dict) else {}
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        if "content" in data or "embeds" in data:
            found.append(data.get("allowed_mentions"))
    return found


async def test_unknown_custom_ids_get_a_clear_private_answer(harness: Harness) -> None:
    for custom_id in ("ip:rate:abc:9", "ip:pick:1", "other:thing", "ip:" + "9" * 120):
        message = forged(custom_id, harness.general)
        answer = await harness.click(message, custom_id, harness.bob)
        assert answer.ephemeral
        assert "no longer valid" in answer.text


async def test_forged_ids_of_someone_else_change_nothing(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    bobs_pick = button(asked, "ip:pick:")

    stolen = await harness.click(forged(bobs_pick, harness.general), bobs_pick, harness.carol)
    assert "not open for you" in stolen.text
    assert reviews(harness) == 0

    result = await harness.click(asked.last, bobs_pick, harness.bob)
    rate = button(result, "ip:rate:")
    steal_rating = await harness.click(forged(rate, harness.general), rate, harness.carol)
    assert "not yours to rate" in steal_rating.text
    # someone who never used the bot gets the same answer, and is not enrolled by it
    stranger = await harness.click(forged(rate, harness.general), rate, harness.alice)
    assert "not yours to rate" in stranger.text
    assert harness.app.practice.find_person("discord", harness.alice["id"]) is None
    attempt = bobs_pick.split(":")[2]
    modal = ids.modal(int(attempt), ids.Ctx())
    via_modal = await harness.submit(modal, "my answer", harness.carol)
    assert "not open for you" in via_modal.text
    unknown = await harness.submit("ip:modal:nope", "my answer", harness.carol)
    assert "no longer valid" in unknown.text
    assert reviews(harness) == 1


async def test_answer_button_from_another_server_or_day(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    answer_id = button(post, "ip:ans:")
    other = harness.fake.add_guild("Other", user("Dave"))
    other_channel = other.add_channel("general")
    await harness.restart()

    elsewhere = harness.fake.click_payload(
        forged(answer_id, other_channel),
        answer_id,
        harness.bob,
        other,
        permissions=ADMIN_PERMISSIONS,
    )
    answer = await harness.fake.interact(elsewhere)
    assert "another server" in answer.text

    bad_day = answer_id.replace("20260307", "20261399")
    answer = await harness.click(forged(bad_day, harness.channel), bad_day, harness.bob)
    assert "not valid" in answer.text

    harness.clock.advance(timedelta(days=1))
    late = await harness.click(post, answer_id, harness.bob)
    assert "not today's question" in late.text
    assert reviews(harness) == 0


async def test_double_clicks_grade_once(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    pick = button(opened, "ip:pick:")
    payloads = [
        harness.fake.click_payload(opened.last, pick, harness.bob, harness.guild) for _ in range(2)
    ]

    first, second = [await harness.fake.send_interaction(p) for p in payloads]
    await asyncio.gather(harness.fake.settle(first), harness.fake.settle(second))

    assert reviews(harness) == 1
    assert "Score" in first.text
    assert "already answered" in second.text
    again = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    assert "already answered today's group question" in again.text
    assert reviews(harness) == 1


async def test_hostile_modal_text_never_pings(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "open")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    assert opened.modal is not None
    text = (HOSTILE * 100)[:4000]

    result = await harness.submit(opened.modal["custom_id"], text, harness.bob)
    assert result.ephemeral
    assert "Model answer" in result.text
    shared = await harness.click(result.last, button(result, "ip:share:"), harness.bob)
    assert "Shared" in shared.text

    (in_thread,) = harness.fake.posts_in(post["id"])
    content = in_thread["content"]
    assert len(content) <= 2000
    assert "@everyone" not in content
    assert "@here" not in content
    assert "<@130000000000000456>" not in content
    assert "<@&130000000000000123>" not in content
    assert content.count("||") >= 2
    assert "\\|\\|spoiler\\|\\|" in content
    settings = mention_settings(harness.fake.requests)
    assert settings
    assert all(s == {"parse": []} for s in settings)
    shared_again = await harness.click(result.last, button(result, "ip:share:"), harness.bob)
    assert shared_again.text  # answered, even though the button is disabled now
    assert any(c.get("disabled") for c in _buttons(shared.last))


def _buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in payload.get("components") or [] for c in row.get("components") or []]


async def test_share_into_a_foreign_thread_is_refused(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    result = await harness.click(opened.last, button(opened, "ip:pick:"), harness.bob)
    share = button(result, "ip:share:")
    elsewhere = share.rsplit(":", 1)[0] + ":" + harness.general

    refused = await harness.click(forged(elsewhere, harness.channel), elsewhere, harness.bob)

    assert "nothing was shared" in refused.text
    assert harness.fake.posts_in(harness.general) == []
    assert "ip:share:" in str(custom_ids(result.last))


def _select(custom_id: str, channel_id: str) -> dict[str, Any]:
    """A message carrying one select menu (as under a multiple-choice question)."""
    message = forged(custom_id, channel_id)
    message["components"] = [
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": custom_id,
                    "options": [{"label": "1. a", "value": "0"}, {"label": "2. b", "value": "1"}],
                    "min_values": 1,
                    "max_values": 2,
                }
            ],
        }
    ]
    return message


async def test_a_select_is_routed_by_its_id_and_checked_like_a_button(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    attempt = int(button(asked, "ip:pick:").split(":")[2])
    select = ids.multi(attempt, ids.Ctx())
    message = _select(select, harness.general)

    stolen = await harness.click(message, select, harness.carol, values=["0"])
    assert "not open for you" in stolen.text
    empty = await harness.click(message, select, harness.bob, values=["x"])
    assert "Choose at least one option" in empty.text
    assert reviews(harness) == 0
    chosen = await harness.click(message, select, harness.bob, values=["0"])
    assert "Score" in chosen.text
    assert reviews(harness) == 1
    # a button carrying a select's id is no select: refused, nothing graded
    as_button = await harness.click(forged(select, harness.general), select, harness.bob)
    assert "no longer valid" in as_button.text
    assert reviews(harness) == 1


async def test_a_strangers_skip_and_hint_change_nothing_and_enrol_nobody(harness: Harness) -> None:
    asked = await harness.slash("practice", harness.bob, {"topic": "sql"})
    for prefix in ("ip:skip:", "ip:hint:"):
        tapped = await harness.click(asked.last, button(asked, prefix), harness.alice)
        assert "not open for you" in tapped.text
    assert harness.app.practice.find_person("discord", harness.alice["id"]) is None
    hint = await harness.click(asked.last, button(asked, "ip:hint:"), harness.bob)
    assert "💡" in hint.text  # Bob's question is still open, and this is its first hint
    assert "first hint" in hint.text
