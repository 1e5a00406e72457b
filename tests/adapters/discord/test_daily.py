"""The daily group post: setup, post + thread, answering, sharing, leaderboard, restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from interviewprep.storage.tables import Review
from tests.adapters.discord.conftest import Harness, button
from tests.adapters.discord.fake_discord import EPHEMERAL, custom_ids, user


def reviews(harness: Harness) -> int:
    """How many answers are stored."""
    with Session(harness.app.engine) as session:
        return int(session.exec(select(func.count()).select_from(Review)).one())


def ratings(harness: Harness) -> list[int | None]:
    """The stored ratings, oldest first."""
    with Session(harness.app.engine) as session:
        return list(session.exec(select(Review.rating).order_by(col(Review.id))).all())


async def post_of(harness: Harness, kind: str) -> dict[str, Any]:
    """Deliver daily questions (a day apart) until one of ``kind`` (choice/open) is posted."""
    for _ in range(14):
        before = len(harness.fake.posts_in(harness.channel))
        await harness.deliver(minutes=31)
        posts = harness.fake.posts_in(harness.channel)
        assert len(posts) == before + 1, "the engine did not post the daily question"
        post = posts[-1]
        if f"t.{kind}-" in button(post, "ip:ans:"):
            return post
        harness.clock.advance(timedelta(days=1) - timedelta(minutes=31))
    raise AssertionError(f"no {kind} question delivered in two weeks")


async def test_admin_sets_up_and_the_daily_post_gets_a_thread(harness: Harness) -> None:
    setup = await harness.setup_group(time="09:30")
    assert setup.ephemeral
    assert "09:30" in setup.text
    assert f"<#{harness.channel}>" in setup.text
    group = harness.app.groups.find("discord", harness.guild.id)
    assert group is not None
    assert group.channel_id == harness.channel

    report = await harness.deliver()

    assert report.sent == 1
    (post,) = harness.fake.posts_in(harness.channel)
    assert post["request"]["allowed_mentions"] == {"parse": []}  # no role set: no ping
    assert "Daily question" in post["embeds"][0]["title"]
    assert button(post, "ip:ans:").startswith(f"ip:ans:{group.id}:20260307:")
    thread = harness.fake.threads[post["id"]]
    assert thread["parent_id"] == harness.channel


async def test_role_ping_only_for_the_configured_role(harness: Harness) -> None:
    role = harness.guild.add_role("learners")
    await harness.restart()  # the bot learns the new role from GUILD_CREATE
    await harness.setup_group()
    answer = await harness.slash("setup", harness.alice, {"role": role}, sub="role", admin=True)
    assert "will ping" in answer.text

    await harness.deliver()

    (post,) = harness.fake.posts_in(harness.channel)
    assert post["content"] == f"<@&{role}>"
    mentions = post["request"]["allowed_mentions"]
    assert [str(r) for r in mentions["roles"]] == [role]
    assert not mentions.get("parse")


async def test_member_answers_a_choice_question_and_shares_it(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")

    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    assert opened.ephemeral
    assert "right" in opened.text  # the options, as buttons
    pick = button(opened, "ip:pick:")  # option 1 is the right one in the fixture pack

    result = await harness.click(opened.last, pick, harness.bob)

    assert result.type == 7  # the private message turns into the result
    assert "Score 100%" in result.text
    assert "Model answer" in result.text
    assert "Good (suggested)" in result.text or "Easy (suggested)" in result.text
    assert reviews(harness) == 1
    shared = await harness.click(result.last, button(result, "ip:share:"), harness.bob)
    assert "Shared" in shared.text
    (in_thread,) = harness.fake.posts_in(post["id"])
    assert "||" in in_thread["content"]
    assert "Bob" in in_thread["content"]
    assert in_thread["request"]["allowed_mentions"] == {"parse": []}


async def test_member_answers_an_open_question_in_a_modal(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "open")

    opened = await harness.click(post, button(post, "ip:ans:"), harness.carol)

    modal = opened.modal
    assert modal is not None
    assert modal["custom_id"].startswith("ip:modal:")
    field = modal["components"][0]
    inner = field.get("component") or field["components"][0]
    assert inner["max_length"] == 4000
    result = await harness.submit(
        modal["custom_id"], "The first claim about concept.", harness.carol
    )
    assert result.ephemeral
    assert "Key points" in result.text
    assert "Model answer" in result.text
    assert reviews(harness) == 1

    again = await harness.submit(modal["custom_id"], "A second try", harness.carol)
    assert "already answered" in again.text
    assert reviews(harness) == 1


async def test_rating_buttons_mark_the_choice(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    result = await harness.click(opened.last, button(opened, "ip:pick:"), harness.bob)
    hard = next(c for c in custom_ids(result.last) if c.startswith("ip:rate:") and c.endswith(":2"))

    rated = await harness.click(result.last, hard, harness.bob)

    assert "Changed to **Hard**" in rated.text
    assert "✓ Hard" in rated.text
    assert ratings(harness) == [2]


async def test_leaderboard_after_several_members_answer(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    for member, option in ((harness.bob, 0), (harness.carol, 1), (harness.alice, 0)):
        opened = await harness.click(post, button(post, "ip:ans:"), member)
        pick = [c for c in custom_ids(opened.last) if c.startswith("ip:pick:")][option]
        await harness.click(opened.last, pick, member)

    board = await harness.slash("leaderboard", harness.carol, {"period": "week"})

    assert not board.ephemeral
    lines = board.text.splitlines()
    ranked = [line for line in lines if "pts" in line]
    assert len(ranked) == 3
    assert "Carol" in ranked[-1]  # the wrong answer ranks last
    assert "Server streak" in board.text

    hide = await harness.slash("settings", harness.bob, {"leaderboard": False})
    assert "hidden" in hide.text
    board = await harness.slash("leaderboard", harness.carol)
    assert "Bob" not in board.text
    assert "Alice" in board.text


async def test_buttons_still_work_after_a_restart(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)

    await harness.restart()

    result = await harness.click(opened.last, button(opened, "ip:pick:"), harness.bob)
    assert "Score" in result.text
    fresh = await harness.click(post, button(post, "ip:ans:"), harness.carol)
    assert "ip:pick:" in str(custom_ids(fresh.last))
    assert harness.fake.identify
    assert len(harness.fake.identify) == 2


async def test_streak_milestone_is_announced_in_the_thread(harness: Harness) -> None:
    await harness.setup_group()
    for day in range(3):
        post = await post_of(harness, "choice")
        opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
        await harness.click(opened.last, button(opened, "ip:pick:"), harness.bob)
        if day < 2:
            harness.clock.advance(timedelta(days=1) - timedelta(minutes=31))
    announced = [m["content"] for m in harness.fake.posts_in(post["id"])]
    assert any("3-day streak" in text and "Bob" in text for text in announced)


async def test_milestones_are_announced_once_by_the_answer_that_reached_them(
    harness: Harness,
) -> None:
    """Bob and Carol answer three days running (the server needs 2 a day): on the third
    day each member's 3-day streak is announced once, and the server's 3-day streak once,
    by Carol's answer, which made the day count; a second click on an option (the result
    shown again) announces nothing."""
    await harness.setup_group()
    for day in range(3):
        post = await post_of(harness, "choice")
        for member in (harness.bob, harness.carol):
            opened = await harness.click(post, button(post, "ip:ans:"), member)
            pick = button(opened, "ip:pick:")
            first = await harness.click(opened.last, pick, member)
            again = await harness.click(opened.last, pick, member)  # a double click
            assert "Score" in first.text
            assert "already answered" in again.text
        if day < 2:
            harness.clock.advance(timedelta(days=1) - timedelta(minutes=31))
    announced = [m["content"] for m in harness.fake.posts_in(post["id"])]
    streaks = [text for text in announced if "3-day streak" in text]
    assert len(streaks) == 2
    assert any("Bob" in text for text in streaks)
    assert any("Carol" in text for text in streaks)
    server = [text for text in announced if "server streak is now **3 days**" in text]
    assert len(server) == 1
    assert reviews(harness) == 6


async def test_answer_flags_are_ephemeral(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    assert int(opened.callbacks[0]["data"]["flags"]) & EPHEMERAL


async def test_members_answering_at_once_are_each_graded_once(harness: Harness) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    members = [user(f"Member {i}") for i in range(6)]
    assert harness.bot.db_workers == 1  # SQLite: the writes queue on one thread

    clicks = [
        await harness.fake.send_interaction(
            harness.fake.click_payload(post, button(post, "ip:ans:"), m, harness.guild)
        )
        for m in members
    ]
    opened = await asyncio.gather(*(harness.fake.settle(c) for c in clicks))
    picks = [
        await harness.fake.send_interaction(
            harness.fake.click_payload(o.last, button(o, "ip:pick:"), m, harness.guild)
        )
        for o, m in zip(opened, members, strict=True)
    ]
    results = await asyncio.gather(*(harness.fake.settle(p) for p in picks))

    assert all("Score 100%" in r.text for r in results)
    assert reviews(harness) == len(members)
    board = await harness.slash("leaderboard", harness.carol, {"period": "week"})
    assert len([line for line in board.text.splitlines() if "pts" in line]) == len(members)
