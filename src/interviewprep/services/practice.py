"""The practice use cases: enrol, ask, answer, rate, skip, hint, reveal, stats, export.

Every method takes primitives, opens one unit of work, commits explicitly, and returns
plain data from :mod:`interviewprep.services.views`. Adapters render what comes back
and never touch the database or the bank themselves.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from interviewprep.bank.loader import Bank
from interviewprep.bank.schema import (
    Level,
    MultipleChoice,
    Question,
    SingleChoice,
    TrueFalse,
)
from interviewprep.domain import cards as carddomain, queue as queuedomain, streak as streakdomain
from interviewprep.domain.cards import CardState, SchedulerConfig
from interviewprep.domain.clock import Clock, local_date, system_clock
from interviewprep.domain.rating import Rating
from interviewprep.grading.result import Grader, GradeResult
from interviewprep.services.errors import (
    AttemptClosed,
    InvalidAnswer,
    NotEnrolled,
    QuestionRemoved,
    RatingLocked,
    UnknownAttempt,
    UnknownReview,
)
from interviewprep.services.settings import PersonSettings, updated
from interviewprep.services.subscriptions import reschedule_person
from interviewprep.services.views import (
    AnswerOutcome,
    QuestionView,
    RatingOutcome,
    Stats,
    TopicStats,
)
from interviewprep.storage.answering import AnswerContext, AnswerUnit, RatingContext, StoredReview
from interviewprep.storage.asking import AskContext, AskUnit, PlanInputs
from interviewprep.storage.group_answering import PERSON_FIELDS, GroupAnswerUnit
from interviewprep.storage.reads import StatsInputs, StreakInputs
from interviewprep.storage.tables import (
    Attempt,
    CardRow,
    GroupMember,
    Identity,
    Person,
    Recipient,
    Report,
)
from interviewprep.storage.uow import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 10_000
LEVEL_RANK = {Level.JUNIOR: 0, Level.MID: 1, Level.SENIOR: 2}
FORECAST_DAYS = 7


class Practice:
    """The practice loop over a question bank, a grader and a database."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        bank: Bank,
        grader: Grader,
        clock: Clock = system_clock,
        fuzz_intervals: bool = True,
        default_timezone: str = "UTC",
    ) -> None:
        self.uow = uow
        self.bank = bank
        self.grader = grader
        self.clock = clock
        self.fuzz = fuzz_intervals
        self.default_timezone = default_timezone
        self._rows: tuple[int, list[tuple[str, tuple[str, ...], int]]] | None = None

    # ----------------------------------------------------------------- people

    def enrol(
        self,
        platform: str,
        external_id: str,
        display_name: str = "",
        timezone: str | None = None,
    ) -> int:
        """Return the person behind a platform account, creating them on first contact."""
        with self.uow() as uow:
            person = uow.persons.by_identity(platform, external_id)
            if person is not None and person.id is not None:
                return person.id
            now = self.clock()
            person = self._new_person(display_name, timezone, now)
            uow.persons.add(person)
            assert person.id is not None
            uow.persons.link(
                Identity(
                    person_id=person.id, platform=platform, external_id=external_id, created_at=now
                )
            )
            uow.commit()
            logger.info("enrolled person %s from %s", person.id, platform)
            return person.id

    def enrol_on(
        self,
        unit: GroupAnswerUnit,
        platform: str,
        external_id: str,
        display_name: str = "",
        timezone: str | None = None,
    ) -> int:
        """Stage a new person for an account not linked to anyone, on a unit of compiled
        statements (no ORM session): the person and identity rows :meth:`enrol` makes,
        inserted, not committed (the caller's use case commits)."""
        now = self.clock()
        person = self._new_person(display_name, timezone, now)
        person_id = unit.insert_person({name: getattr(person, name) for name in PERSON_FIELDS})
        unit.link_identity(person_id, platform, external_id, now)
        return person_id

    def _new_person(self, display_name: str, timezone: str | None, now: datetime) -> Person:
        """A new person's row (not stored) with the default settings, a cleaned name and
        ``timezone`` (the default zone when None)."""
        settings = PersonSettings(
            display_name=_clean_line(display_name)[:200],
            timezone=timezone or self.default_timezone,
        )
        person = Person(created_at=now)
        settings.apply_to(person)
        return person

    def find_person(self, platform: str, external_id: str) -> int | None:
        """The person id behind a platform account, or None."""
        with self.uow.read() as reads:
            return reads.person_id_of(platform, external_id)

    def settings(self, person_id: int) -> PersonSettings:
        """A person's current settings.

        Raises:
            NotEnrolled: no such person.
        """
        with self.uow.read() as reads:
            person = reads.person(person_id)
        if person is None:
            raise NotEnrolled()
        return PersonSettings.of(person)

    def update_settings(self, person_id: int, **changes: Any) -> PersonSettings:
        """Change settings; every value is validated first (see :func:`updated`)."""
        with self.uow() as uow:
            person = self._person(uow, person_id)
            result = updated(PersonSettings.of(person), changes, set(self.bank.topics))
            result.apply_to(person)
            uow.session.add(person)
            reschedule_person(uow, person, self.clock())
            uow.commit()
            return result

    # ---------------------------------------------------------------- asking

    def next_question(
        self, person_id: int, topic: str | None = None, source: str = "practice"
    ) -> QuestionView | None:
        """The next question to ask, or None when nothing is due and no new one is allowed.

        An attempt left open (e.g. before a restart) is offered again first.

        Raises:
            NotEnrolled: no such person.
        """
        now = self.clock()
        with self.uow.asking() as unit:
            context = unit.ask_context(person_id)
            if context is None:
                raise NotEnrolled()
            return self._ask(
                unit, context, now, topic, source, lambda: unit.ask_context(person_id, lock=True)
            )

    def next_question_of(
        self, platform: str, external_id: str, topic: str | None = None, source: str = "practice"
    ) -> QuestionView | None:
        """:meth:`next_question` of the person behind a platform account: the account,
        the person's settings and their open attempt are one statement, so a chat
        command needs no separate lookup of the person first.

        Raises:
            NotEnrolled: the account is not linked to anyone (nothing was written: the
                caller enrols them and calls :meth:`next_question`).
        """
        now = self.clock()
        with self.uow.asking() as unit:
            context = unit.ask_context_of(platform, external_id)
            if context is None:
                raise NotEnrolled()
            return self._ask(
                unit,
                context,
                now,
                topic,
                source,
                lambda: unit.ask_context_of(platform, external_id, lock=True),
            )

    def _ask(
        self,
        unit: AskUnit,
        context: AskContext,
        now: datetime,
        topic: str | None,
        source: str,
        relock: Callable[[], AskContext | None],
    ) -> QuestionView | None:
        """Resume the open attempt, or plan, insert the attempt and commit.

        Resuming writes nothing and takes no lock (it works while another process
        writes). Asking a new question first takes the asking lock and reads the context
        again (``relock``): another process may have asked for this person meanwhile,
        and then its attempt is resumed instead of a second one being opened.
        """
        resumed = self._resumed(context, topic)
        if resumed is not None:
            return resumed
        locked = relock()
        if locked is None:
            raise NotEnrolled()  # forgotten or unlinked in the meantime
        resumed = self._resumed(locked, topic)
        if resumed is not None:
            return resumed
        context = locked
        today = local_date(now, ZoneInfo(context.timezone))
        inputs = unit.plan_inputs(context.id, today)
        items, cards = self._plan(context, inputs, now, today, topic, limit=1)
        if not items:
            return None
        question = self.bank.get(items[0].question_id)
        assert question is not None
        attempt_id = unit.insert_attempt(context.id, question.id, now, today, source)
        if context.attempt_id is not None:  # set aside for another topic: close it
            unit.close_stale(context.id, keep=attempt_id)
        unit.commit()
        return self.view_of(attempt_id, 0, question, cards.get(question.id), False)

    def _resumed(self, context: AskContext, topic: str | None) -> QuestionView | None:
        """The view of the person's open attempt when it is to be offered again."""
        if context.attempt_id is None:
            return None
        assert context.question_id is not None
        question = self.bank.get(context.question_id)
        if question is None or (topic is not None and topic not in question.topics):
            return None
        return self.view_of(context.attempt_id, context.hints_used, question, context.card, True)

    def current_of(self, platform: str, external_id: str) -> QuestionView | None:
        """:meth:`current` of the person behind a platform account, in one statement
        (the asking path's context read, without its lock); nothing is written.

        Raises:
            NotEnrolled: the account is not linked to anyone.
        """
        with self.uow.asking() as unit:
            context = unit.ask_context_of(platform, external_id)
        if context is None:
            raise NotEnrolled()
        return self._resumed(context, None)

    def current(self, person_id: int) -> QuestionView | None:
        """The question open for the person, if any; nothing new is asked."""
        with self.uow() as uow:
            self._person(uow, person_id)
            attempt = uow.attempts.open_for(person_id)
            if attempt is None:
                return None
            question = self.bank.get(attempt.question_id)
            if question is None:
                return None
            return self._view(attempt, question, uow.cards.get(person_id, question.id), True)

    def today(self, person_id: int) -> QuestionView | None:
        """Today's daily question again; asks one now if none was delivered yet today.

        A daily question already answered (or skipped, revealed) comes back with
        ``answered=True``: shown, not asked again, so it is never graded twice.
        """
        now = self.clock()
        with self.uow() as uow:
            person = self._person(uow, person_id)
            today = local_date(now, ZoneInfo(person.timezone))
            attempt = uow.attempts.daily_on(person_id, today)
            question = self.bank.get(attempt.question_id) if attempt else None
            if attempt is not None and question is not None:
                card = uow.cards.get(person_id, question.id)
                view = self._view(attempt, question, card, resumed=attempt.status == "asked")
                return replace(view, answered=attempt.status != "asked")
        return self.next_question(person_id, source="daily")

    def today_of(self, platform: str, external_id: str) -> QuestionView | None:
        """:meth:`today` of the person behind an account when today's daily question was
        already asked; None otherwise (not enrolled, nothing asked today, or the question
        left the bank), when :meth:`today` must run because it may ask one.

        Read-only, one statement: every /today after the day's delivery.
        """
        now = self.clock()
        utc_day = now.date()
        with self.uow.read() as reads:
            # every zone's local day is within a day of the UTC day
            row = reads.latest_daily_of(
                platform, external_id, utc_day - timedelta(days=1), utc_day + timedelta(days=1)
            )
        if row is None or row.attempt_id is None:
            return None
        if row.asked_on != local_date(now, ZoneInfo(row.timezone)):
            return None
        question = self.bank.get(row.question_id)
        if question is None:
            return None
        attempt: Any = SimpleNamespace(id=row.attempt_id, hints_used=row.hints_used)
        card = row if row.card_id is not None else None
        view = self._view(attempt, question, card, resumed=row.status == "asked")
        return replace(view, answered=row.status != "asked")

    def ask(
        self,
        person_id: int,
        question_id: str,
        source: str = "practice",
        group: tuple[int, date] | None = None,
    ) -> QuestionView:
        """Put a specific question to a person (a daily group question, a follow-up).

        Raises:
            QuestionRemoved: the id is not in the bank.
        """
        question = self.bank.get(question_id)
        if question is None:
            raise QuestionRemoved(question_id)
        now = self.clock()
        with self.uow() as uow:
            person = self._person(uow, person_id)
            attempt = uow.attempts.add(
                Attempt(
                    person_id=person_id,
                    question_id=question_id,
                    asked_at=now,
                    asked_on=local_date(now, ZoneInfo(person.timezone)),
                    source=source,
                    group_id=group[0] if group else None,
                    group_day=group[1] if group else None,
                )
            )
            card = uow.cards.get(person_id, question_id)
            uow.commit()
            return self._view(attempt, question, card)

    def queue(
        self, person_id: int, limit: int = 10, topic: str | None = None
    ) -> list[queuedomain.QueueItem]:
        """Preview what would be asked next, in order, without asking anything."""
        now = self.clock()
        with self.uow.asking() as unit:
            context = unit.ask_context(person_id)
            if context is None:
                raise NotEnrolled()
            today = local_date(now, ZoneInfo(context.timezone))
            inputs = unit.plan_inputs(context.id, today)
            return self._plan(context, inputs, now, today, topic, limit)[0]

    def _plan(
        self,
        person: AskContext,
        inputs: PlanInputs,
        now: datetime,
        today: date,
        topic: str | None,
        limit: int,
    ) -> tuple[list[queuedomain.QueueItem], dict[str, Any]]:
        """The queue, and the person's cards by question id (read for it: the caller
        needs no second read for the card of the question it asks)."""
        config = SchedulerConfig(desired_retention=person.desired_retention, fuzzing=self.fuzz)
        wanted = {topic} if topic else set(person.topics)

        def eligible(question: Question) -> bool:
            return not wanted or bool(wanted.intersection(question.topics))

        # the day's attempts (newest first) and every card, read in one statement
        day_attempts = inputs.day_attempts
        closed_today = {question for question, status in day_attempts if status != "asked"}
        cards = inputs.cards
        seen = {c.question_id for c in cards}
        due: list[queuedomain.DueCard] = []
        strength: dict[str, list[float]] = defaultdict(list)
        for row in cards:
            question = self.bank.get(row.question_id)
            if question is None:
                continue  # removed from the bank: history kept, never asked
            state = _state(row)
            recall = carddomain.retrievability(state, now, config)
            for t in question.topics:
                strength[t].append(recall)
            if row.due <= now and eligible(question) and question.id not in closed_today:
                due.append(
                    queuedomain.DueCard(question.id, tuple(question.topics), recall, state.is_leech)
                )
        rank = LEVEL_RANK[Level(person.level)]
        candidates = [
            (question_id, topics)
            for question_id, topics, level in self._question_rows()
            if level <= rank
            and question_id not in seen
            and question_id not in closed_today
            and (not wanted or not wanted.isdisjoint(topics))
        ]
        allowance = queuedomain.new_allowance(
            person.new_per_day,
            sum(1 for c in cards if c.introduced_on == today),
            len(candidates),
            today,
            person.interview_date,
        )
        if topic is not None:
            allowance = max(allowance, 1)  # an explicit topic request always gets a question
        mean = {t: sum(v) / len(v) for t, v in strength.items()}
        # plan takes reviews first: only the room they leave needs new questions ranked
        room = min(allowance, limit - min(limit, len(due)))
        unseen = queuedomain.preselect(candidates, _shuffler(person.id), mean, room)
        last_question = self.bank.get(day_attempts[0][0]) if day_attempts else None
        last_topic = last_question.topics[0] if last_question else None
        items = queuedomain.plan(due, unseen, allowance, mean, limit=limit, last_topic=last_topic)
        return items, {c.question_id: c for c in cards}

    def _question_rows(self) -> list[tuple[str, tuple[str, ...], int]]:
        """Every question's id, topics and level rank, built once per bank size (packs
        are only ever added)."""
        rows = self._rows
        if rows is None or rows[0] != len(self.bank):
            built = [(q.id, tuple(q.topics), LEVEL_RANK[q.level]) for q in self.bank]
            rows = self._rows = (len(self.bank), built)
        return rows[1]

    def view_of(
        self, attempt_id: int, hints_used: int, question: Question, card: Any, resumed: bool
    ) -> QuestionView:
        """The view of an attempt read without the ORM (``card``: anything with the FSRS
        state fields, or None for a question the person has not seen)."""
        attempt: Any = SimpleNamespace(id=attempt_id, hints_used=hints_used)
        return self._view(attempt, question, card, resumed)

    def _view(
        self,
        attempt: Attempt,
        question: Question,
        card: CardRow | None,
        resumed: bool = False,
    ) -> QuestionView:
        assert attempt.id is not None
        state = _state(card) if card else None
        leech = bool(state and state.is_leech)
        return QuestionView(
            attempt_id=attempt.id,
            question_id=question.id,
            type=question.type,
            prompt=question.prompt,
            level=question.level.value,
            topics=tuple(question.topics),
            options=_options(question),
            kind=queuedomain.ItemKind.REVIEW if card else queuedomain.ItemKind.NEW,
            hints_available=max(len(question.hints) - attempt.hints_used, 0),
            leech=leech,
            leech_note=question.explanation if leech else None,
            resumed=resumed,
        )

    # -------------------------------------------------------------- answering

    def submit_answer(self, person_id: int, attempt_id: int, answer: str) -> AnswerOutcome:
        """Grade an answer, schedule the card with the suggested rating, and save both.

        A second submission for the same attempt changes nothing and says so
        (``already_answered``). Self-graded answers (no automatic score) are saved
        unrated; :meth:`rate` schedules them.

        Raises:
            InvalidAnswer: empty or longer than ``MAX_ANSWER_CHARS``; the attempt stays open.
            UnknownAttempt, AttemptClosed, QuestionRemoved: see their messages.
        """
        text = clean_answer(answer)
        now = self.clock()
        with self.uow.answering() as unit:
            return self._answer(unit, self._context(unit, person_id, attempt_id), text, now)

    def answer_open(self, platform: str, external_id: str, answer: str) -> AnswerOutcome | None:
        """Answer the question open for a platform account, in one unit of work.

        The account, its newest open attempt and the card are read in one statement,
        then the answer is graded, scheduled and saved as :meth:`submit_answer` does
        (the outcome carries ``person_id``). A chat front-end needs nothing else to
        answer a typed message.

        Returns:
            The outcome, or None when no question is open for the account.

        Raises:
            NotEnrolled: the account is not linked to anyone.
            InvalidAnswer: empty or too long; the attempt stays open.
            QuestionRemoved: the open question left the bank (the attempt is closed).
        """
        now = self.clock()
        with self.uow.answering() as unit:
            found = unit.context_by_identity(platform, external_id)
            if found is None:
                raise NotEnrolled()
            context = found[1]
            if context is None:
                return None
            return self._answer(unit, context, clean_answer(answer), now)

    def answer_attempt(
        self, platform: str, external_id: str, attempt_id: int, answer: str
    ) -> AnswerOutcome:
        """Answer a named attempt of a platform account (a tapped option), in one unit
        of work: :meth:`submit_answer` without knowing the person id first.

        Raises:
            NotEnrolled: the account is not linked to anyone.
            InvalidAnswer, UnknownAttempt, AttemptClosed, QuestionRemoved: as
                :meth:`submit_answer`.
        """
        with self.uow.answering() as unit:
            return self.answer_attempt_in(unit, platform, external_id, attempt_id, answer)

    def answer_attempt_in(
        self, unit: AnswerUnit, platform: str, external_id: str, attempt_id: int, answer: str
    ) -> AnswerOutcome:
        """:meth:`answer_attempt` in the caller's unit (it commits what it records): for a
        use case that reads on the same connection afterwards."""
        now = self.clock()
        context = _account_attempt(unit, platform, external_id, attempt_id)
        return self._answer(unit, context, clean_answer(answer), now)

    def _answer(
        self, unit: AnswerUnit, context: AnswerContext, text: str, now: datetime
    ) -> AnswerOutcome:
        """Grade, schedule and save an answer to the attempt ``context`` describes."""
        question = self.bank.get(context.question_id)
        if context.status == "answered":
            return self._stored_outcome(unit, context.attempt_id, question)
        if context.status != "asked":
            raise AttemptClosed(context.status)
        if question is None:
            unit.close_attempt(context.attempt_id, "skipped", now)
            unit.commit()
            raise QuestionRemoved(context.question_id)
        grade = self._grade(question, text)
        if not grade.gradable and isinstance(question, SingleChoice | MultipleChoice | TrueFalse):
            # an unreadable pick ("maybe", "7") is a typo, not an answer: ask again
            raise InvalidAnswer(f"{grade.feedback} The question is still open.")
        suggested = _with_hints(grade.rating, context.hints_used)
        return self._record(unit, context, question, now, text, grade, suggested)

    def outcome(self, person_id: int, attempt_id: int) -> AnswerOutcome:
        """The stored result of an answered or revealed attempt (``already_answered``).

        Raises:
            UnknownAttempt: not this person's attempt.
            AttemptClosed: the attempt has no answer (still open, or skipped).
        """
        with self.uow.answering() as unit:
            context = self._context(unit, person_id, attempt_id)
            if context.status not in ("answered", "revealed"):
                raise AttemptClosed(context.status)
            return self._stored_outcome(unit, attempt_id, self.bank.get(context.question_id))

    def reveal(self, person_id: int, attempt_id: int) -> AnswerOutcome:
        """Give up on a question: show the answer and schedule it as Again."""
        now = self.clock()
        with self.uow.answering() as unit:
            context = self._context(unit, person_id, attempt_id)
            question = self.bank.get(context.question_id)
            if context.status in {"answered", "revealed"}:
                return self._stored_outcome(unit, attempt_id, question)
            if context.status != "asked":
                raise AttemptClosed(context.status)
            if question is None:
                raise QuestionRemoved(context.question_id)
            grade = GradeResult(
                score=0.0,
                rating=Rating.AGAIN,
                feedback="Answer revealed: it comes back soon.",
                grader="revealed",
            )
            return self._record(
                unit, context, question, now, "", grade, Rating.AGAIN, revealed=True
            )

    def _stored_outcome(
        self, unit: AnswerUnit, attempt_id: int, question: Question | None
    ) -> AnswerOutcome:
        review = unit.review_for_attempt(attempt_id)
        assert review is not None
        return self._outcome(review, question, already_answered=True)

    def _grade(self, question: Question, text: str) -> GradeResult:
        started = time.perf_counter()
        try:
            return self.grader.grade(question, text)
        except Exception:  # a grader bug must not lose the answer
            logger.exception("grader %s failed on %s", self.grader.name, question.id)
            return GradeResult(
                score=None,
                rating=None,
                feedback="Could not grade this answer automatically; please rate it yourself.",
                grader=self.grader.name,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )

    def _record(
        self,
        unit: AnswerUnit,
        context: AnswerContext,
        question: Question,
        now: datetime,
        text: str,
        grade: GradeResult,
        rating: Rating | None,
        revealed: bool = False,
    ) -> AnswerOutcome:
        """Close the attempt, schedule the card and insert the review; commits.

        The attempt is closed with a guarded UPDATE (only while it is still open), so
        two simultaneous answers to one question can never both be recorded.
        """
        if not unit.close_attempt(context.attempt_id, "revealed" if revealed else "answered", now):
            unit.rollback()
            return self._stored_outcome(unit, context.attempt_id, question)
        today = local_date(now, ZoneInfo(context.timezone))
        before = context.card or carddomain.new_card(now)
        after = before
        if rating is not None:
            config = SchedulerConfig(context.desired_retention, fuzzing=self.fuzz)
            after = carddomain.review(before, rating, now, config)
        unit.save_card(context.person_id, question.id, context.card_id, after, introduced_on=today)
        values: dict[str, Any] = {
            "person_id": context.person_id,
            "question_id": question.id,
            "attempt_id": context.attempt_id,
            "answered_at": now,
            "local_date": today,
            "answer": text,
            "score": grade.score,
            "grader": grade.grader,
            "key_points": [
                {"id": k.id, "status": k.status.value, "weight": k.weight} for k in grade.key_points
            ],
            "suggested_rating": int(rating) if rating else None,
            "rating": int(rating) if rating else None,
            "rated_at": None,
            "card_before": before.to_dict(),
            "answer_ms": int((now - context.asked_at).total_seconds() * 1000),
            "grading_ms": grade.elapsed_ms,
            "revealed": revealed,
        }
        try:
            review_id = unit.insert_review(values)
            unit.commit()
        except IntegrityError:
            # the same answer arrived at once through another connection and won
            unit.rollback()
            return self._stored_outcome(unit, context.attempt_id, question)
        review = StoredReview(id=review_id, **values)
        return self._outcome(review, question, grade=grade, next_due=after.due if rating else None)

    def _outcome(
        self,
        review: StoredReview,
        question: Question | None,
        grade: GradeResult | None = None,
        next_due: datetime | None = None,
        already_answered: bool = False,
    ) -> AnswerOutcome:
        assert review.id is not None
        if grade is None:  # rebuilt from storage for a repeat submission
            grade = GradeResult(
                score=review.score,
                rating=Rating(review.suggested_rating) if review.suggested_rating else None,
                feedback="You already answered this question; your first answer stands.",
                grader=review.grader,
            )
        return AnswerOutcome(
            person_id=review.person_id,
            attempt_id=review.attempt_id,
            review_id=review.id,
            question_id=review.question_id,
            answer=review.answer,
            grade=grade,
            suggested=Rating(review.suggested_rating) if review.suggested_rating else None,
            rating=Rating(review.rating) if review.rating else None,
            model_answer=question.model_answer if question else "",
            explanation=question.explanation if question else "",
            correct_options=_correct_options(question) if question else (),
            follow_ups=tuple(question.follow_ups) if question else (),
            next_due=next_due,
            already_answered=already_answered,
            revealed=review.revealed,
        )

    # ----------------------------------------------------------------- rating

    def rate(self, person_id: int, review_id: int, rating: Rating) -> RatingOutcome:
        """Confirm the suggested rating or override it; the card is rescheduled from the
        state it had before that answer.

        Raises:
            NotEnrolled: no such person.
            UnknownReview: not this person's review.
            RatingLocked: the question was answered again since.
        """
        now = self.clock()
        with self.uow.answering() as unit:
            return self._rate(
                unit, unit.rating_context(review_id, person_id=person_id), rating, now
            )

    def rate_by_account(
        self, platform: str, external_id: str, review_id: int, rating: Rating
    ) -> RatingOutcome:
        """:meth:`rate` from a platform account (a tapped rating button), in one unit of
        work: one statement finds the person, the review (if theirs) and its card.

        Raises:
            NotEnrolled: the account is not linked to anyone.
            UnknownReview, RatingLocked: as :meth:`rate`.
        """
        now = self.clock()
        with self.uow.answering() as unit:
            found = unit.rating_context(review_id, account=(platform, external_id))
            return self._rate(unit, found, rating, now)

    def _rate(
        self, unit: AnswerUnit, found: RatingContext | None, rating: Rating, now: datetime
    ) -> RatingOutcome:
        if found is None:
            raise NotEnrolled()
        if found.review_id is None:
            raise UnknownReview()
        review_id = found.review_id
        assert found.card_id is not None
        assert found.due is not None
        assert found.answered_at is not None
        suggested = Rating(found.suggested_rating) if found.suggested_rating else None
        if found.rating == int(rating):
            if found.rated_at is None:
                unit.rate_review(review_id, int(rating), now)
                unit.commit()
            return RatingOutcome(review_id, rating, suggested, changed=False, next_due=found.due)
        if not found.latest:
            raise RatingLocked()
        before = CardState.from_dict(found.card_before)
        config = SchedulerConfig(desired_retention=found.desired_retention, fuzzing=self.fuzz)
        after = carddomain.review(before, rating, found.answered_at, config)
        unit.update_card(found.card_id, after)
        unit.rate_review(review_id, int(rating), now)
        unit.commit()
        return RatingOutcome(review_id, rating, suggested, changed=True, next_due=after.due)

    # ------------------------------------------------------------ side actions

    def skip(self, person_id: int, attempt_id: int) -> None:
        """Put a question aside for today without answering; its schedule is unchanged."""
        with self.uow() as uow:
            attempt = self._attempt(uow, person_id, attempt_id)
            if attempt.status != "asked":
                raise AttemptClosed(attempt.status)
            attempt.status, attempt.closed_at = "skipped", self.clock()
            uow.commit()

    def skip_attempt(self, platform: str, external_id: str, attempt_id: int) -> None:
        """:meth:`skip` of a platform account's attempt (a tapped Skip button), in one
        unit of work: one statement finds the attempt if it is theirs, one closes it.

        Raises:
            NotEnrolled: the account is not linked to anyone.
            UnknownAttempt, AttemptClosed: as :meth:`skip`.
        """
        now = self.clock()
        with self.uow.answering() as unit:
            context = _account_attempt(unit, platform, external_id, attempt_id)
            if context.status != "asked":
                raise AttemptClosed(context.status)
            if not unit.close_attempt(attempt_id, "skipped", now):
                raise AttemptClosed("answered")  # answered from elsewhere a moment ago
            unit.commit()

    def hint_attempt(self, platform: str, external_id: str, attempt_id: int) -> str | None:
        """:meth:`hint` of a platform account's attempt (a tapped Hint button), in one
        unit of work.

        Raises:
            NotEnrolled: the account is not linked to anyone.
            UnknownAttempt, AttemptClosed: as :meth:`hint`.
        """
        with self.uow.answering() as unit:
            context = _account_attempt(unit, platform, external_id, attempt_id)
            if context.status != "asked":
                raise AttemptClosed(context.status)
            question = self.bank.get(context.question_id)
            if question is None or context.hints_used >= len(question.hints):
                return None
            index = unit.use_hint(attempt_id, len(question.hints))
            if index is None:  # closed, or the last hint taken, from elsewhere meanwhile
                return None
            unit.commit()
            return question.hints[index]

    def hint(self, person_id: int, attempt_id: int) -> str | None:
        """The next hint for an open question, or None when there are no more.

        Each hint used lowers the suggested rating of the answer by one step (not below
        Hard), because the recall was helped.
        """
        with self.uow() as uow:
            attempt = self._attempt(uow, person_id, attempt_id)
            if attempt.status != "asked":
                raise AttemptClosed(attempt.status)
            question = self.bank.get(attempt.question_id)
            if question is None or attempt.hints_used >= len(question.hints):
                return None
            text = question.hints[attempt.hints_used]
            attempt.hints_used += 1
            uow.commit()
            return text

    # ---------------------------------------------------------------- reading

    def streak(self, person_id: int) -> streakdomain.Streak:
        """The person's streak as of their current local day.

        Raises:
            NotEnrolled: no such person.
        """
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.streak_inputs(person_id)
        if inputs is None:
            raise NotEnrolled()
        return person_streak(inputs, now)

    def streak_of(self, platform: str, external_id: str) -> streakdomain.Streak | None:
        """:meth:`streak` of the person behind a platform account; None if not enrolled.

        One statement: a chat command needs no separate lookup of the person.
        """
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.streak_inputs_of(platform, external_id)
        return person_streak(inputs, now) if inputs is not None else None

    def streaks(self, person_ids: Collection[int]) -> dict[int, streakdomain.Streak]:
        """Streaks of several people (a leaderboard) in two queries; unknown ids are left out."""
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.streak_inputs_many(person_ids)
        return {pid: person_streak(each, now) for pid, each in inputs.items()}

    def stats(self, person_id: int) -> Stats:
        """Accuracy and retention per topic, due forecast, weakest topics and leeches.

        Raises:
            NotEnrolled: no such person.
        """
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.stats_inputs(person_id)
        if inputs is None:
            raise NotEnrolled()
        return self._stats(inputs, now)

    def stats_of(self, platform: str, external_id: str) -> Stats | None:
        """:meth:`stats` of the person behind a platform account; None if not enrolled."""
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.stats_inputs_of(platform, external_id)
        return self._stats(inputs, now) if inputs is not None else None

    def _stats(self, inputs: StatsInputs, now: datetime) -> Stats:
        zone = ZoneInfo(inputs.timezone)
        config = SchedulerConfig(desired_retention=inputs.desired_retention, fuzzing=self.fuzz)
        cards = inputs.cards
        answered: Counter[str] = Counter()
        correct: Counter[str] = Counter()
        total = right = 0
        # (question, answers, answers rated Hard or better), summed in the database
        for question_id, n, ok in inputs.outcomes:
            question = self.bank.get(question_id)
            total += n
            right += ok
            for t in question.topics if question else ():
                answered[t] += n
                correct[t] += ok
        recall: dict[str, list[float]] = defaultdict(list)
        leeches: list[str] = []
        due_now = 0
        today = local_date(now, zone)
        forecast: Counter[Any] = Counter()
        for row in cards:
            state = _state(row)
            question = self.bank.get(row.question_id)
            if state.is_leech:
                leeches.append(row.question_id)
            if question is None:
                continue
            if row.due <= now:
                due_now += 1
            day = max(local_date(row.due, zone), today)
            if (day - today).days < FORECAST_DAYS:
                forecast[day] += 1
            if not state.is_new:
                value = carddomain.retrievability(state, now, config)
                for t in question.topics:
                    recall[t].append(value)
        topics = tuple(
            TopicStats(
                t,
                answered[t],
                correct[t],
                sum(recall[t]) / len(recall[t]) if recall[t] else None,
            )
            for t in sorted(set(answered) | set(recall))
        )
        weakest = tuple(
            s.topic
            for s in sorted(
                (s for s in topics if s.retention is not None),
                key=lambda s: (s.retention, s.topic),
            )[:3]
        )
        return Stats(
            answered=total,
            correct=right,
            cards=len(cards),
            due_now=due_now,
            leeches=tuple(sorted(leeches)),
            topics=topics,
            forecast=tuple(
                (today + timedelta(days=i), forecast[today + timedelta(days=i)])
                for i in range(FORECAST_DAYS)
            ),
            weakest=weakest,
        )

    def export(self, person_id: int) -> dict[str, Any]:
        """All of a person's data as JSON-ready dicts."""
        with self.uow() as uow:
            person = self._person(uow, person_id)
            return {
                "format": "interviewprep-export/1",
                "exported_at": self.clock().isoformat(),
                "person": _row(person),
                "identities": [_row(i) for i in uow.persons.identities(person_id)],
                "cards": [_row(c) for c in uow.cards.all_for(person_id)],
                "reviews": [_row(r) for r in uow.reviews.all_for(person_id)],
                **{
                    name: [
                        _row(r) for r in uow.session.exec(select(table).where(column == person_id))
                    ]
                    for name, table, column in (
                        ("subscriptions", Recipient, Recipient.person_id),
                        ("groups", GroupMember, GroupMember.person_id),
                        ("reports", Report, Report.person_id),
                    )
                },
            }

    def forget(self, person_id: int) -> None:
        """Delete everything stored about a person, on every platform."""
        with self.uow() as uow:
            self._person(uow, person_id)
            uow.persons.delete_everything(person_id)
            uow.commit()
            logger.info("deleted person %s and all their data", person_id)

    # ---------------------------------------------------------------- helpers

    def _person(self, uow: UnitOfWork, person_id: int) -> Person:
        person = uow.persons.get(person_id)
        if person is None:
            raise NotEnrolled()
        return person

    def _context(self, unit: AnswerUnit, person_id: int, attempt_id: int) -> AnswerContext:
        context = unit.context(attempt_id)
        if context is None or context.person_id != person_id:
            raise UnknownAttempt()
        return context

    def _attempt(self, uow: UnitOfWork, person_id: int, attempt_id: int) -> Attempt:
        attempt = uow.attempts.get(attempt_id)
        if attempt is None or attempt.person_id != person_id:
            raise UnknownAttempt()
        return attempt


def _account_attempt(
    unit: AnswerUnit, platform: str, external_id: str, attempt_id: int
) -> AnswerContext:
    """A platform account's attempt, read in one statement.

    Raises:
        NotEnrolled: the account is not linked to anyone.
        UnknownAttempt: no such attempt, or someone else's.
    """
    found = unit.context_by_identity(platform, external_id, attempt_id)
    if found is None:
        raise NotEnrolled()
    if found[1] is None:
        raise UnknownAttempt()
    return found[1]


# Unicode's control (Cc: U+0000-001F, U+007F-009F) and surrogate (Cs) characters, but
# newline and tab: one regex pass instead of a category lookup per character
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_answer(answer: str) -> str:
    """Normalise an answer for storage and grading.

    Control characters are dropped (NUL cannot even be stored by PostgreSQL) except
    newlines and tabs; surrounding space is stripped.

    Raises:
        InvalidAnswer: nothing is left, or the answer is too long to be a real answer.
    """
    if len(answer) > MAX_ANSWER_CHARS * 4:  # don't even scan a multi-megabyte paste
        raise InvalidAnswer(
            f"That answer is {len(answer):,} characters; please keep it under "
            f"{MAX_ANSWER_CHARS:,}. Nothing was saved; the question is still open."
        )
    text = _CONTROL.sub("", answer).strip()
    # zero-width and other format characters alone (U+200B, U+2060, U+FEFF) are no answer
    if not any(unicodedata.category(ch) != "Cf" and not ch.isspace() for ch in text):
        raise InvalidAnswer("That answer is empty; type an answer, or use skip / reveal.")
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidAnswer(
            f"That answer is {len(text):,} characters; please keep it under "
            f"{MAX_ANSWER_CHARS:,}. Nothing was saved; the question is still open."
        )
    return text


def _clean_line(text: str) -> str:
    return " ".join(
        "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cs"}).split()
    )


def _with_hints(rating: Rating | None, hints_used: int) -> Rating | None:
    if rating is None or hints_used == 0 or rating <= Rating.HARD:
        return rating
    return Rating(max(int(rating) - hints_used, int(Rating.HARD)))


def options_of(question: Question) -> tuple[str, ...]:
    """The answer options of a choice or true/false question, in order (labels a, b, ...)."""
    return _options(question)


def _options(question: Question) -> tuple[str, ...]:
    if isinstance(question, SingleChoice | MultipleChoice):
        return tuple(o.text for o in question.options)
    if isinstance(question, TrueFalse):
        return ("True", "False")
    return ()


def _correct_options(question: Question) -> tuple[str, ...]:
    if isinstance(question, SingleChoice | MultipleChoice):
        return tuple(o.text for o in question.options if o.correct)
    if isinstance(question, TrueFalse):
        return ("True",) if question.answer else ("False",)
    return ()


def _state(row: Any) -> CardState:
    """The FSRS state of a card (an ORM ``CardRow`` or a Core row of the cards table)."""
    return CardState(
        due=row.due,
        state=row.state,
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        last_review=row.last_review,
        reps=row.reps,
        lapses=row.lapses,
    )


def person_rules(daily_goal: int, rest_days: Collection[int]) -> streakdomain.StreakRules:
    """The streak rules of a person with these settings."""
    return streakdomain.StreakRules(daily_goal=daily_goal, rest_weekdays=frozenset(rest_days))


def person_streak(inputs: StreakInputs, now: datetime) -> streakdomain.Streak:
    """A person's streak as of their local day at ``now``."""
    rules = person_rules(inputs.daily_goal, inputs.rest_days)
    today = local_date(now, ZoneInfo(inputs.timezone))
    return streakdomain.compute(inputs.counts, today, rules, inputs.excused)


def _shuffler(person_id: int) -> Callable[[str], int]:
    """A per-person, stable order for new questions (not the same for everyone): the
    first 4 bytes of BLAKE2b over ``"{person_id}:{question_id}"``. The hash of the
    prefix is computed once and copied per question (the same digests as hashing each
    string whole, in half the time over the bank)."""
    prefix = hashlib.blake2b(f"{person_id}:".encode(), digest_size=4)

    def key(question_id: str) -> int:
        digest = prefix.copy()
        digest.update(question_id.encode())
        return int.from_bytes(digest.digest(), "big")

    return key


def _row(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = row.model_dump()
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.astimezone(UTC).isoformat()
        elif hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return data
