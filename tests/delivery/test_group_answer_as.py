"""Opening a group's question from a platform account in one unit of work
(``Groups.answer_as``) and the streak milestones of an answer (``Groups.milestones``),
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, func, select

from interviewprep.app import App
from interviewprep.delivery.messages import GroupQuestion
from interviewprep.domain.clock import FixedClock
from interviewprep.services.errors import (
    GroupQuestionDone,
    NotEnrolled,
    StaleGroupQuestion,
    UnknownAttempt,
    UnknownGroup,
)
from interviewprep.services.views import Milestones
from interviewprep.storage.answering import AnswerUnit
from interviewprep.storage.group_answering import GroupAnswerUnit
from interviewprep.storage.tables import Attempt, GroupMember, Identity, Person, Review
from tests.delivery.conftest import FakeSender
from tests.delivery.test_engine import Make, at

CHAT = "-100"


@pytest.fixture
def posted(app: App, clock: FixedClock, sender: FakeSender, make_engine: Make) -> GroupQuestion:
    at(clock, 2026, 3, 6, 8)
    app.groups.setup(
        "telegram", CHAT, channel_id=CHAT, name="Club", timezone="Asia/Tokyo", delivery_time="09:00"
    )
    at(clock, 2026, 3, 7, 0, 5)  # 09:05 in Tokyo
    asyncio.run(make_engine().tick())
    (post,) = sender.sent
    assert isinstance(post, GroupQuestion)
    return post


@pytest.fixture
def commits(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Transactions committed on the app's engine while the test runs: through a
    SQLAlchemy connection or session, or by a unit of compiled statements on a DB-API
    connection (which SQLAlchemy's events do not see)."""
    seen: list[int] = []

    def count(_connection: object) -> None:
        seen.append(1)

    unit_commit = AnswerUnit.commit

    def counted(unit: AnswerUnit) -> None:
        unit_commit(unit)
        seen.append(1)

    monkeypatch.setattr(AnswerUnit, "commit", counted)
    engine: Engine = app.engine
    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def _count(app: App, table: type, *where: object) -> int:
    with app.engine.connect() as connection:
        statement = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(connection.execute(statement).scalar_one())


def _open(app: App, post: GroupQuestion, account: str, name: str = "Ada") -> int:
    view = app.groups.answer_as(
        "telegram", CHAT, account, name, post.group_id, post.local_date, post.question_id
    )
    return view.attempt_id


def test_first_click_enrols_joins_and_opens_with_one_commit(
    app: App, posted: GroupQuestion, commits: list[int]
) -> None:
    view = app.groups.answer_as(
        "telegram", CHAT, "u1", "Ada", posted.group_id, posted.local_date, posted.question_id
    )

    assert len(commits) == 1
    assert view.question_id == posted.question_id
    assert not view.resumed
    person = app.practice.find_person("telegram", "u1")
    assert person is not None
    assert app.practice.settings(person).timezone == "Asia/Tokyo"  # the group's zone
    assert app.practice.settings(person).display_name == "Ada"
    assert _count(app, GroupMember, GroupMember.person_id == person) == 1
    current = app.practice.current(person)
    assert current is not None
    assert current.attempt_id == view.attempt_id


def test_a_click_enrols_as_a_first_contact_elsewhere_does(app: App, posted: GroupQuestion) -> None:
    """The person a first click enrols (compiled statements) has the settings that
    ``Practice.enrol`` (the ORM session) gives, with the group's zone and the name."""
    _open(app, posted, "u1", "  Ada\tLovelace ")
    clicked = app.practice.find_person("telegram", "u1")
    elsewhere = app.practice.enrol("discord", "u2", "  Ada\tLovelace ", timezone="Asia/Tokyo")
    assert clicked is not None
    assert app.practice.settings(clicked) == app.practice.settings(elsewhere)
    exported = [app.practice.export(p)["person"] for p in (clicked, elsewhere)]
    for person in exported:
        person.pop("id")
    assert exported[0] == exported[1]


def test_a_second_click_resumes_without_writing(
    app: App, posted: GroupQuestion, commits: list[int]
) -> None:
    first = _open(app, posted, "u1")
    commits.clear()

    again = app.groups.answer_as(
        "telegram", CHAT, "u1", "Ada", posted.group_id, posted.local_date, posted.question_id
    )

    assert again.attempt_id == first
    assert again.resumed
    assert commits == []
    assert _count(app, Attempt) == 1
    assert _count(app, Person) == 1
    assert _count(app, Identity) == 1


def test_an_enrolled_member_opens_with_their_own_zone(app: App, posted: GroupQuestion) -> None:
    person = app.practice.enrol("telegram", "u2", "Bob", timezone="America/Chicago")
    app.groups.join(posted.group_id, person)
    attempt = _open(app, posted, "u2")
    with app.engine.connect() as connection:
        asked_on = connection.execute(
            select(Attempt.asked_on).where(Attempt.id == attempt)  # type: ignore[arg-type]
        ).scalar_one()
    assert str(asked_on) == "2026-03-06"  # still the 6th in Chicago
    assert _count(app, GroupMember) == 1


def test_forged_stale_and_foreign_buttons_change_nothing(
    app: App, clock: FixedClock, posted: GroupQuestion, commits: list[int]
) -> None:
    gid, day, question = posted.group_id, posted.local_date, posted.question_id
    other = next(q.id for q in app.bank if q.id != question)
    with pytest.raises(UnknownGroup):  # a button of this group pressed in another chat
        app.groups.answer_as("telegram", "-200", "u1", "Ada", gid, day, question)
    with pytest.raises(UnknownGroup):  # another group's id in this chat
        app.groups.answer_as("telegram", CHAT, "u1", "Ada", gid + 1, day, question)
    with pytest.raises(UnknownGroup):  # the same chat id on another platform
        app.groups.answer_as("discord", CHAT, "u1", "Ada", gid, day, question)
    with pytest.raises(StaleGroupQuestion):
        app.groups.answer_as("telegram", CHAT, "u1", "Ada", gid, day, other)
    with pytest.raises(StaleGroupQuestion):
        app.groups.answer_as("telegram", CHAT, "u1", "Ada", gid, day - timedelta(days=1), question)
    clock.advance(timedelta(days=1))
    with pytest.raises(StaleGroupQuestion):  # yesterday's post, clicked today
        app.groups.answer_as("telegram", CHAT, "u1", "Ada", gid, day, question)
    assert commits == []
    assert _count(app, Person) == 0
    assert _count(app, Attempt) == 0


def test_answered_once_then_done(app: App, posted: GroupQuestion) -> None:
    attempt = _open(app, posted, "u1")
    outcome = app.practice.answer_attempt("telegram", "u1", attempt, "right")
    assert not outcome.already_answered
    again = app.practice.answer_attempt("telegram", "u1", attempt, "right")
    assert again.already_answered
    assert again.review_id == outcome.review_id
    with pytest.raises(GroupQuestionDone):
        _open(app, posted, "u1")
    with pytest.raises(UnknownAttempt):  # someone else's attempt id
        app.practice.answer_attempt("telegram", "u1", attempt + 100, "right")


def test_a_newer_open_question_elsewhere_wins(app: App, posted: GroupQuestion) -> None:
    _open(app, posted, "u1")
    person = app.practice.find_person("telegram", "u1")
    assert person is not None
    other = next(q.id for q in app.bank if q.id != posted.question_id)
    app.practice.ask(person, other)  # e.g. another group's question, opened later
    with pytest.raises(GroupQuestionDone):
        _open(app, posted, "u1")


def test_milestones_of_the_answer_that_met_the_goal(app: App, posted: GroupQuestion) -> None:
    app.groups.update(posted.group_id, min_members=2)
    message = "1"  # the fake sender's message id of the post
    a = _open(app, posted, "a", "A")
    first = app.practice.answer_attempt("telegram", "a", a, "right")
    assert first.person_id is not None

    reached = app.groups.milestones("telegram", CHAT, message, first.person_id)
    assert reached.person == 1  # a's first streak day
    assert reached.group is None  # one member of the two needed

    b = _open(app, posted, "b", "B")
    second = app.practice.answer_attempt("telegram", "b", b, "right")
    assert second.person_id is not None
    reached = app.groups.milestones("telegram", CHAT, message, second.person_id)
    assert (reached.person, reached.group) == (1, 1)  # the day counts for the group now

    # a second answer of the day does not meet the goal again
    view = app.practice.next_question(first.person_id)
    assert view is not None
    app.practice.submit_answer(first.person_id, view.attempt_id, "right")
    assert app.groups.milestones("telegram", CHAT, message, first.person_id).person is None
    # a message that is not the group's post, or a post of another chat: nothing
    assert app.groups.milestones("telegram", CHAT, "2", first.person_id).person is None
    assert app.groups.milestones("telegram", "-200", message, first.person_id).group is None


def test_answer_post_reads_the_milestones_of_the_answer_once(
    app: App, posted: GroupQuestion, commits: list[int]
) -> None:
    app.groups.update(posted.group_id, min_members=2)
    message = "1"  # the fake sender's message id of the post
    reached = []
    for account in ("a", "b", "c"):
        attempt = _open(app, posted, account, account.upper())
        commits.clear()
        outcome, milestones = app.groups.answer_post(
            "telegram", CHAT, account, attempt, "right", message
        )
        assert len(commits) == 1  # the answer's; the milestones only read
        assert not outcome.already_answered
        assert outcome.attempt_id == attempt
        assert outcome.person_id is not None
        # the same as the read-only unit finds right after the answer
        assert milestones == app.groups.milestones("telegram", CHAT, message, outcome.person_id)
        reached.append((milestones.person, milestones.group))
    # each met their goal; the second answer made the day count, the third did not
    assert reached == [(1, None), (1, 1), (1, None)]

    # a repeat (a double click of the option) shows the first result and reaches nothing
    commits.clear()
    again, milestones = app.groups.answer_post("telegram", CHAT, "b", attempt - 1, "right", message)
    assert again.already_answered
    assert milestones == Milestones()
    assert commits == []
    assert _count(app, Review) == 3


def test_answer_post_refuses_what_answer_attempt_refuses(app: App, posted: GroupQuestion) -> None:
    attempt = _open(app, posted, "a")
    with pytest.raises(NotEnrolled):
        app.groups.answer_post("telegram", CHAT, "nobody", attempt, "right", "1")
    _open(app, posted, "b")
    with pytest.raises(UnknownAttempt):  # b's own account, a's attempt
        app.groups.answer_post("telegram", CHAT, "b", attempt, "right", "1")
    assert _count(app, Review) == 0


def test_answer_post_of_another_message_or_chat_reaches_nothing(
    app: App, posted: GroupQuestion
) -> None:
    app.groups.update(posted.group_id, min_members=1)
    a = _open(app, posted, "a")
    outcome, milestones = app.groups.answer_post("telegram", "-200", "a", a, "right", "1")
    assert not outcome.already_answered
    assert milestones == Milestones()  # not the post of that chat: nothing to announce
    b = _open(app, posted, "b")
    _, milestones = app.groups.answer_post("telegram", CHAT, "b", b, "right", "2")
    assert milestones == Milestones()


def test_the_post_counts_answers_up_to_one_past_min_members(
    app: App, posted: GroupQuestion
) -> None:
    app.groups.update(posted.group_id, min_members=2)
    seen = []
    for account in ("a", "b", "c", "d"):
        attempt = _open(app, posted, account)
        app.practice.answer_attempt("telegram", account, attempt, "right")
        with app.uow.read() as reads:
            post = reads.post_in_chat("telegram", CHAT, "1")
        assert post is not None
        assert post.group_id == posted.group_id
        assert post.local_date == posted.local_date
        seen.append(int(post.answered))
    assert seen == [1, 2, 3, 3]  # enough to tell whether they equal min_members
    assert app.groups.answered_on(posted.group_id, posted.local_date) == 4


@pytest.mark.parametrize("before", ["enrolled", "joined", "opened"])
def test_a_click_racing_another_process_resumes_what_it_made(
    app: App,
    posted: GroupQuestion,
    commits: list[int],
    monkeypatch: pytest.MonkeyPatch,
    before: str,
) -> None:
    """Another process enrols, joins or opens between this click's read and its inserts:
    the unique key refuses the insert, and the click reads again and resumes."""
    gid, day, question = posted.group_id, posted.local_date, posted.question_id
    read = GroupAnswerUnit.group_question
    made: list[int] = []

    def racing(unit: GroupAnswerUnit, *args: object) -> object:
        row = read(unit, *args)  # type: ignore[arg-type]
        if not made:  # the first read only: the other process commits after it
            made.append(0)
            person = app.practice.enrol("telegram", "u1", "Ada")
            if before != "enrolled":
                app.groups.join(gid, person)
            if before == "opened":
                with app.uow() as other:
                    made[0] = (
                        other.attempts.add(
                            Attempt(
                                person_id=person,
                                question_id=question,
                                asked_at=app.clock(),
                                asked_on=day,
                                status="asked",
                                source="group",
                                group_id=gid,
                                group_day=day,
                            )
                        ).id
                        or 0
                    )
                    other.commit()
        return row

    monkeypatch.setattr(GroupAnswerUnit, "group_question", racing)
    view = app.groups.answer_as("telegram", CHAT, "u1", "Ada", gid, day, question)

    assert _count(app, Person) == 1
    assert _count(app, Identity) == 1
    assert _count(app, GroupMember) == 1
    assert _count(app, Attempt) == 1
    if before == "opened":
        assert view.resumed
        assert view.attempt_id == made[0]
        assert len(commits) == 3  # the other process's enrol, join, open; none here
    else:
        assert not view.resumed  # the retry joined (if needed) and opened it
        assert len(commits) == (1 if before == "enrolled" else 2) + 1


def test_reads_after_the_commit_give_the_connection_back_as_it_was(
    app: App, posted: GroupQuestion
) -> None:
    """On PostgreSQL the unit reads in autocommit after its commit; the pool must get
    the connection back in transactions again (SQLite: the reads simply work)."""
    with app.uow.group_answering() as unit:
        driver = unit.dbapi.driver_connection
        before = getattr(driver, "autocommit", None)
        unit.commit()
        reads = unit.reads()
        assert reads.post_in_chat("telegram", CHAT, "1") is not None
        assert reads.streak_inputs(10**6) is None
        if app.engine.dialect.name == "postgresql":
            assert driver.autocommit is True  # type: ignore[union-attr]
    assert getattr(driver, "autocommit", None) == before
    # the next unit of compiled statements still commits what it writes
    attempt = _open(app, posted, "u1")
    assert attempt > 0
    assert _count(app, Attempt) == 1
