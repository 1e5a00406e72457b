"""Group, linking and report services, on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from interviewprep.app import App
from interviewprep.delivery.messages import GroupQuestion
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.rating import Rating
from interviewprep.services.errors import (
    AttemptClosed,
    GroupQuestionDone,
    InvalidAnswer,
    InvalidSetting,
    LinkError,
    StaleGroupQuestion,
    UnknownAttempt,
)
from interviewprep.services.views import QuestionView
from tests.delivery.conftest import FakeSender
from tests.delivery.test_engine import Make, at


def open_group(app: App, account: str, group_id: int, day: date, question_id: str) -> QuestionView:
    """A member of the Telegram group ``-100`` opening its question, as the bot does."""
    return app.groups.answer_as("telegram", "-100", account, account, group_id, day, question_id)


@pytest.fixture
def posted(app: App, clock: FixedClock, sender: FakeSender, make_engine: Make) -> GroupQuestion:
    at(clock, 2026, 3, 6, 8)
    app.groups.setup(
        "telegram",
        "-100",
        channel_id="-100",
        name="Backend club",
        timezone="UTC",
        delivery_time="09:00",
    )
    at(clock, 2026, 3, 6, 9)
    asyncio.run(make_engine().tick())
    (post,) = sender.sent
    assert isinstance(post, GroupQuestion)
    return post


def test_double_click_opens_one_attempt_and_grades_once(app: App, posted: GroupQuestion) -> None:
    pid = app.practice.enrol("telegram", "u1", "Ada")
    first = open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)
    second = open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)
    assert first.attempt_id == second.attempt_id
    outcome = app.practice.submit_answer(pid, first.attempt_id, "right")
    assert not outcome.already_answered
    again = app.practice.submit_answer(pid, first.attempt_id, "right")
    assert again.already_answered
    assert again.review_id == outcome.review_id
    with pytest.raises(GroupQuestionDone):
        open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)


def test_forged_or_stale_group_buttons_are_refused(
    app: App, clock: FixedClock, posted: GroupQuestion
) -> None:
    app.practice.enrol("telegram", "u1", "Ada")
    other = next(q.id for q in app.bank if q.id != posted.question_id)
    with pytest.raises(StaleGroupQuestion):
        open_group(app, "u1", posted.group_id, posted.local_date, other)  # tampered id
    yesterday = posted.local_date - timedelta(days=1)
    with pytest.raises(StaleGroupQuestion):
        open_group(app, "u1", posted.group_id, yesterday, posted.question_id)
    clock.advance(timedelta(days=1))
    with pytest.raises(StaleGroupQuestion):  # yesterday's post, clicked today
        open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)


def test_leaderboard_ranks_by_points_and_respects_opt_out(
    app: App, clock: FixedClock, posted: GroupQuestion
) -> None:
    gid = posted.group_id
    names = ["Ada", "Bob", "Cy"]
    people = {n: app.practice.enrol("telegram", n, n) for n in names}
    answers = {"Ada": "right", "Bob": "wrong", "Cy": "right"}
    for name, pid in people.items():
        view = open_group(app, name, gid, posted.local_date, posted.question_id)
        app.practice.submit_answer(pid, view.attempt_id, answers[name])
    # Ada also practises on her own: two more correct answers
    for _ in range(2):
        view = app.practice.next_question(people["Ada"])
        assert view is not None
        app.practice.submit_answer(people["Ada"], view.attempt_id, "right")
    board = app.groups.leaderboard(gid, "week")
    assert [(r.rank, r.display_name, r.answered, r.correct, r.points) for r in board] == [
        (1, "Ada", 3, 3, 9),
        (2, "Cy", 1, 1, 3),
        (3, "Bob", 1, 0, 1),
    ]
    app.groups.set_leaderboard_opt_out(gid, people["Ada"], True)
    assert [r.display_name for r in app.groups.leaderboard(gid, "all")] == ["Cy", "Bob"]
    # next month, this month's board starts empty
    clock.now = datetime(2026, 4, 2, 12, tzinfo=UTC)
    assert app.groups.leaderboard(gid, "month") == ()
    with pytest.raises(InvalidSetting, match="period"):
        app.groups.leaderboard(gid, "year")  # type: ignore[arg-type]


def test_group_streak_needs_min_members_each_day(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make, posted: GroupQuestion
) -> None:
    gid = posted.group_id
    app.groups.update(gid, min_members=2)
    people = {n: app.practice.enrol("telegram", n, n) for n in ("a", "b")}
    engine = make_engine()
    for day in range(3):
        post = sender.sent[-1]
        assert isinstance(post, GroupQuestion)
        members = ("a", "b") if day != 1 else ("a",)
        for name in members:
            pid = people[name]
            view = open_group(app, name, gid, post.local_date, post.question_id)
            app.practice.submit_answer(pid, view.attempt_id, "right")
        clock.advance(timedelta(days=1))
        asyncio.run(engine.tick())
    streak = app.groups.streak(gid)
    assert streak.current == 1
    assert streak.longest == 1
    assert app.groups.summary(gid, posted.local_date).answered == ("a", "b")


def test_pause_and_resume_a_group(
    app: App, clock: FixedClock, sender: FakeSender, make_engine: Make, posted: GroupQuestion
) -> None:
    app.groups.pause(posted.group_id)
    clock.advance(timedelta(days=1))
    asyncio.run(make_engine().tick())
    assert len(sender.sent) == 1
    assert app.groups.get(posted.group_id).paused
    app.groups.resume(posted.group_id)
    asyncio.run(make_engine().tick())  # today's slot passed while paused: sent on resume
    assert len(sender.sent) == 2


def test_link_code_moves_a_new_account_once(app: App, clock: FixedClock) -> None:
    owner = app.practice.enrol("telegram", "t1", "Ada")
    code = app.community.link_code(owner)
    assert app.community.redeem(code.lower(), "discord", "d1", "ada#1") == owner
    assert app.practice.find_person("discord", "d1") == owner
    with pytest.raises(LinkError, match="already used"):
        app.community.redeem(code, "discord", "d2")
    late = app.community.link_code(owner)
    clock.advance(timedelta(minutes=11))
    with pytest.raises(LinkError, match="expired"):
        app.community.redeem(late, "discord", "d3")
    with pytest.raises(LinkError, match="not valid"):
        app.community.redeem("NOPE-NOPE", "discord", "d3")


def test_link_refuses_an_account_with_its_own_history(app: App) -> None:
    owner = app.practice.enrol("telegram", "t1", "Ada")
    other = app.practice.enrol("discord", "d1", "Ada on Discord")
    view = app.practice.next_question(other)
    assert view is not None
    app.practice.submit_answer(other, view.attempt_id, "right")
    with pytest.raises(LinkError, match="history"):
        app.community.redeem(app.community.link_code(owner), "discord", "d1")
    assert app.practice.find_person("discord", "d1") == other


def test_an_empty_account_is_merged_and_keeps_its_chat(app: App) -> None:
    owner = app.practice.enrol("telegram", "t1", "Ada")
    empty = app.practice.enrol("discord", "d1")
    app.subscriptions.subscribe(empty, "discord", "dm-d1")
    app.community.redeem(app.community.link_code(owner), "discord", "d1")
    assert app.practice.find_person("discord", "d1") == owner
    assert app.subscriptions.subscribed(owner, "discord")


def test_reports_default_to_the_last_question_and_refuse_empty_text(app: App) -> None:
    pid = app.practice.enrol("telegram", "t1", "Ada")
    view = app.practice.next_question(pid)
    assert view is not None
    rid = app.community.report(pid, "  option B is also right  ")
    (report,) = app.community.reports()
    assert (report.id, report.question_id, report.text) == (
        rid,
        view.question_id,
        "option B is also right",
    )
    with pytest.raises(InvalidAnswer):
        app.community.report(pid, "   ")
    app.practice.forget(pid)
    assert app.community.reports() == []


def test_rating_override_still_works_for_group_answers(app: App, posted: GroupQuestion) -> None:
    pid = app.practice.enrol("telegram", "u1", "Ada")
    view = open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)
    outcome = app.practice.submit_answer(pid, view.attempt_id, "right")
    rated = app.practice.rate(pid, outcome.review_id, Rating.EASY)
    assert rated.changed
    assert rated.rating is Rating.EASY


def test_a_migrated_chat_keeps_its_group(app: App, posted: GroupQuestion) -> None:
    moved = app.groups.migrate("telegram", "-100", "-100999")
    assert moved is not None
    assert (moved.external_id, moved.channel_id) == ("-100999", "-100999")
    assert app.groups.find("telegram", "-100999") is not None
    assert app.groups.find("telegram", "-100") is None
    assert app.groups.migrate("telegram", "-404", "-405") is None


def test_stored_outcome_and_post_of_the_day(app: App, posted: GroupQuestion) -> None:
    assert app.groups.post_on(posted.group_id, posted.local_date) == "1"
    pid = app.practice.enrol("telegram", "u1", "Ada")
    view = open_group(app, "u1", posted.group_id, posted.local_date, posted.question_id)
    with pytest.raises(AttemptClosed, match="not answered"):
        app.practice.outcome(pid, view.attempt_id)
    done = app.practice.submit_answer(pid, view.attempt_id, "right answer")
    stored = app.practice.outcome(pid, view.attempt_id)
    assert stored.already_answered
    assert (stored.review_id, stored.answer) == (done.review_id, "right answer")
    intruder = app.practice.enrol("discord", "u2", "Eve")
    with pytest.raises(UnknownAttempt):
        app.practice.outcome(intruder, view.attempt_id)


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060\ufeff", " \u200b\n"])
def test_invisible_answers_are_refused_and_the_question_stays_open(
    app: App, invisible: str
) -> None:
    pid = app.practice.enrol("telegram", "t1", "Ada")
    view = app.practice.next_question(pid)
    assert view is not None
    with pytest.raises(InvalidAnswer, match="empty"):
        app.practice.submit_answer(pid, view.attempt_id, invisible)
    current = app.practice.current(pid)
    assert current is not None
    assert current.attempt_id == view.attempt_id


def test_answers_counted_and_posts_found_by_message(app: App, posted: GroupQuestion) -> None:
    gid, day = posted.group_id, posted.local_date
    assert app.groups.answered_on(gid, day) == 0
    people = {n: app.practice.enrol("telegram", n, n) for n in ("a", "b", "c")}
    for name in ("a", "b"):
        view = open_group(app, name, gid, day, posted.question_id)
        app.practice.submit_answer(people[name], view.attempt_id, "right")
    opened = open_group(app, "c", gid, day, posted.question_id)  # opened, not answered
    assert opened.attempt_id
    assert app.groups.answered_on(gid, day) == 2
    assert app.groups.answered_on(gid, day - timedelta(days=1)) == 0
    post = app.groups.post_for_message("telegram", "-100", "1")
    assert post is not None
    assert (post.group_id, post.local_date, post.question_id) == (gid, day, posted.question_id)
    assert app.groups.post_for_message("telegram", "-100", "2") is None
    assert app.groups.post_for_message("discord", "-100", "1") is None
