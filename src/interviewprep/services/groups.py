"""Groups: a shared daily question, members with their own schedules, leaderboards."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from interviewprep.bank.loader import Bank
from interviewprep.bank.schema import Level
from interviewprep.config import check_timezone
from interviewprep.domain import streak as streakdomain, timing
from interviewprep.domain.clock import Clock, local_date, system_clock
from interviewprep.services.errors import (
    GroupQuestionDone,
    InvalidSetting,
    QuestionRemoved,
    StaleGroupQuestion,
    UnknownGroup,
)
from interviewprep.services.practice import LEVEL_RANK, Practice, person_rules, person_streak
from interviewprep.services.settings import parse_time_of_day
from interviewprep.services.subscriptions import reschedule_group
from interviewprep.services.views import (
    AnswerOutcome,
    DaySummary,
    GroupPost,
    GroupStreak,
    GroupView,
    LeaderRow,
    Milestones,
    QuestionView,
)
from interviewprep.storage.group_answering import GroupAnswerUnit
from interviewprep.storage.reads import WINDOW_PEOPLE, Reads, StreakInputs, WindowInputs
from interviewprep.storage.tables import Attempt, Group, GroupMember, Person, Recipient
from interviewprep.storage.uow import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

Period = Literal["week", "month", "all"]
# Leaderboard streaks are read from this many recent days (the whole history of a
# member whose streak the window cannot settle).
STREAK_WINDOW_DAYS = 35
_EDITABLE = {
    "name",
    "channel_id",
    "timezone",
    "delivery_time",
    "topics",
    "level",
    "role_id",
    "leaderboard",
    "min_members",
}


class Groups:
    """Use cases of a group (Telegram group chat or Discord server)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        bank: Bank,
        practice: Practice,
        clock: Clock = system_clock,
    ) -> None:
        self.uow = uow
        self.bank = bank
        self.practice = practice
        self.clock = clock

    # ----------------------------------------------------------------- setup

    def setup(
        self,
        platform: str,
        external_id: str,
        *,
        channel_id: str,
        name: str,
        timezone: str,
        delivery_time: str,
        topics: list[str] | None = None,
        level: str = "mid",
        role_id: str | None = None,
    ) -> GroupView:
        """Create or update a group's daily question; every value is validated first.

        Raises:
            InvalidSetting: naming the field, e.g. "delivery_time: '25:00' is not a time of day".
        """
        values = self._validated(
            {
                "name": name,
                "channel_id": channel_id,
                "timezone": timezone,
                "delivery_time": delivery_time,
                "topics": topics or [],
                "level": level,
                "role_id": role_id,
            }
        )
        now = self.clock()
        with self.uow() as uow:
            group = uow.session.exec(
                select(Group).where(Group.platform == platform, Group.external_id == external_id)
            ).first()
            if group is None:
                group = Group(platform=platform, external_id=external_id, created_at=now, **values)
            else:
                for key, value in values.items():
                    setattr(group, key, value)
            uow.session.add(group)
            uow.session.flush()
            self._ensure_recipient(uow, group, now)
            reschedule_group(uow, group, now)
            uow.commit()
            logger.info("group %s set up on %s", group.id, platform)
            return self._view(uow, group)

    def find(self, platform: str, external_id: str) -> GroupView | None:
        """The group of a platform chat or server, if set up."""
        with self.uow.read() as reads:
            row = reads.group_of(platform, external_id)
        return _view_of(row) if row is not None else None

    def get(self, group_id: int) -> GroupView:
        """One group.

        Raises:
            UnknownGroup: no such group.
        """
        with self.uow.read() as reads:
            row = reads.group(group_id)
        if row is None:
            raise UnknownGroup()
        return _view_of(row)

    def update(self, group_id: int, **changes: Any) -> GroupView:
        """Change a group's settings (validated; the error names the field)."""
        unknown = sorted(set(changes) - _EDITABLE)
        if unknown:
            raise InvalidSetting(f"unknown group setting(s): {', '.join(unknown)}")
        values = self._validated(changes)
        now = self.clock()
        with self.uow() as uow:
            group = self._group(uow, group_id)
            for key, value in values.items():
                setattr(group, key, value)
            uow.session.add(group)
            self._ensure_recipient(uow, group, now)
            reschedule_group(uow, group, now)
            uow.commit()
            return self._view(uow, group)

    def migrate(
        self, platform: str, old_external_id: str, new_external_id: str
    ) -> GroupView | None:
        """Follow a chat whose id changed (a Telegram group upgraded to a supergroup)."""
        with self.uow() as uow:
            group = uow.session.exec(
                select(Group).where(
                    Group.platform == platform, Group.external_id == old_external_id
                )
            ).first()
            if group is None:
                return None
            moved_channel = group.channel_id == old_external_id
            group.external_id = new_external_id
            if moved_channel:
                group.channel_id = new_external_id
            uow.session.add(group)
            self._ensure_recipient(uow, group, self.clock())
            uow.commit()
            return self._view(uow, group)

    def post_on(self, group_id: int, day: date) -> str | None:
        """The platform message id of the group's question of a day, if it was posted."""
        with self.uow() as uow:
            row = uow.deliveries.for_group_day(group_id, day)
            return row.message_id if row else None

    def pause(self, group_id: int, reason: str = "paused by an admin") -> GroupView:
        """Stop the daily question until resumed."""
        with self.uow() as uow:
            group = self._group(uow, group_id)
            for row in self._recipients(uow, group_id):
                row.paused, row.reason, row.next_at = True, reason[:300], None
                uow.session.add(row)
            uow.commit()
            return self._view(uow, group)

    def resume(self, group_id: int) -> GroupView:
        """Restart the daily question (also after a permissions problem or a lost chat)."""
        now = self.clock()
        with self.uow() as uow:
            group = self._group(uow, group_id)
            for row in self._recipients(uow, group_id):
                row.paused, row.active, row.reason = False, True, None
                uow.session.add(row)
            reschedule_group(uow, group, now)
            uow.commit()
            return self._view(uow, group)

    # ---------------------------------------------------------------- members

    def join(self, group_id: int, person_id: int) -> None:
        """Make a person a member (idempotent)."""
        with self.uow() as uow:
            self._group(uow, group_id)
            self._join(uow, group_id, person_id)
            uow.commit()

    def set_leaderboard_opt_out(self, group_id: int, person_id: int, opted_out: bool) -> None:
        """Hide (or show again) a member on the group's leaderboard."""
        with self.uow() as uow:
            member = self._join(uow, group_id, person_id)
            member.leaderboard_opt_out = opted_out
            uow.session.add(member)
            uow.commit()

    # -------------------------------------------------------------- questions

    def post_for_message(self, platform: str, chat_id: str, message_id: str) -> GroupPost | None:
        """The group question a platform message carries (for replies to it)."""
        with self.uow.read() as reads:
            row = reads.post_of_message(platform, chat_id, message_id)
        if row is None or row.group_id is None or row.question_id is None:
            return None
        return GroupPost(row.group_id, row.local_date, row.question_id)

    def answered_on(self, group_id: int, day: date) -> int:
        """How many members answered the group's question of ``day`` (a cheap count;
        :meth:`summary` also lists who)."""
        with self.uow.read() as reads:
            return reads.answered_on(group_id, day)

    def answer_as(
        self,
        platform: str,
        chat_id: str,
        account_id: str,
        display_name: str,
        group_id: int,
        day: date,
        question_id: str,
    ) -> QuestionView:
        """Open (or resume) a member's attempt at the group's question of ``day``, from a
        platform account and what a button or reply carries, in one unit of work with
        one commit.

        One statement reads the chat's group, the question it was sent on ``day``, the
        account's person, membership, attempt at that question and card; then, as
        needed, the account is enrolled (in the group's time zone), joins the group and
        its attempt is opened. An attempt already open is resumed without writing. The
        statements are compiled once and run on one pooled DB-API connection
        (:class:`~interviewprep.storage.group_answering.GroupAnswerUnit`).

        Args:
            platform: the platform of the chat and the account.
            chat_id: where the button was pressed (a Discord server).
            account_id: who pressed it.
            display_name: their name, stored if they are enrolled now.
            group_id: the group the button names (verified: it must be the chat's).
            day: the group-local day the button names (verified: it must be today).
            question_id: the question the button names (verified: it must be the day's).

        Raises:
            UnknownGroup: the chat has no group, or not the one the button names.
            StaleGroupQuestion: not this group's question, or not today's (group time).
            QuestionRemoved: the question left the bank.
            GroupQuestionDone: the member already answered, skipped or revealed it, or a
                newer question is open for them.
        """
        for retry in (False, True):
            try:
                with self.uow.group_answering() as unit:
                    return self._answer_as(
                        unit,
                        platform,
                        chat_id,
                        account_id,
                        display_name,
                        group_id,
                        day,
                        question_id,
                    )
            except IntegrityError:
                # a click elsewhere (another process) enrolled, joined or opened it a
                # moment ago: read again, and resume what it made
                if retry:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer_as(
        self,
        unit: GroupAnswerUnit,
        platform: str,
        chat_id: str,
        account_id: str,
        display_name: str,
        group_id: int,
        day: date,
        question_id: str,
    ) -> QuestionView:
        now = self.clock()
        row = unit.group_question(platform, chat_id, account_id, day, question_id)
        if row is None or row.group_id != group_id:
            raise UnknownGroup()
        group_zone = ZoneInfo(row.group_timezone)
        if day != local_date(now, group_zone) or row.delivered != question_id:
            raise StaleGroupQuestion()
        question = self.bank.get(question_id)
        if question is None:
            raise QuestionRemoved(question_id)
        if row.attempt_id is not None:
            if row.status != "asked" or row.newest_open != row.attempt_id:
                raise GroupQuestionDone()  # answered, or closed by a newer question elsewhere
            card = row if row.card_id is not None else None
            return self.practice.view_of(row.attempt_id, row.hints_used, question, card, True)
        person_id, zone = row.person_id, row.timezone
        if person_id is None:
            person_id = self.practice.enrol_on(
                unit, platform, account_id, display_name, row.group_timezone
            )
            zone = row.group_timezone
        if row.member_id is None:
            unit.join_group(group_id, person_id, now)
        attempt_id = unit.insert_attempt(
            person_id,
            question_id,
            now,
            local_date(now, ZoneInfo(zone)),
            "group",
            group=(group_id, day),
        )
        unit.commit()
        card = row if row.card_id is not None else None
        return self.practice.view_of(attempt_id, 0, question, card, False)

    def answer_post(
        self,
        platform: str,
        chat_id: str,
        account_id: str,
        attempt_id: int,
        answer: str,
        post_id: str,
    ) -> tuple[AnswerOutcome, Milestones]:
        """Answer a member's attempt at a group's question and tell which streaks the
        answer just made longer, in one unit of work.

        :meth:`Practice.answer_attempt` (the account's attempt, grade, close, card,
        review, one commit), then, on the same connection right after the commit and
        only when this call recorded the answer, the reads of :meth:`milestones`, with
        the same meaning: no second checkout from the pool, no second unit.

        Args:
            platform: the platform of the chat and the account.
            chat_id: where the answer was given (a Discord server).
            account_id: who answered.
            attempt_id: the attempt the pick or the form names.
            answer: the answer (option numbers or text).
            post_id: the message id of the group post the question came from.

        Returns:
            The outcome, and the milestones (empty for a repeat: ``already_answered``).

        Raises:
            NotEnrolled, InvalidAnswer, UnknownAttempt, AttemptClosed, QuestionRemoved:
                as :meth:`Practice.answer_attempt`.
        """
        with self.uow.group_answering() as unit:
            outcome = self.practice.answer_attempt_in(
                unit, platform, account_id, attempt_id, answer
            )
            if outcome.already_answered or outcome.person_id is None:
                return outcome, Milestones()
            now = self.clock()
            reached = _milestones(unit.reads(), platform, chat_id, post_id, outcome.person_id, now)
        return outcome, reached

    def milestones(self, platform: str, chat_id: str, post_id: str, person_id: int) -> Milestones:
        """The streaks a member's answer to the group post ``post_id`` just made longer.

        Called right after the answer was saved. The member's streak counts when the
        answer met today's goal (today's answers now equal the goal); the group streak
        when the answer made the day count (the members who answered the post now equal
        the group's ``min_members``). One read-only unit: the post, the member's streak
        inputs and, only when the day just counted, the group's. (:meth:`answer_post`
        makes the same reads right after its own commit.)
        """
        now = self.clock()
        with self.uow.read() as reads:
            return _milestones(reads, platform, chat_id, post_id, person_id, now)

    def choose_question(self, uow: UnitOfWork, group_id: int, recipient_id: int) -> str | None:
        """Pick the group's next question: on its topics and level, not asked before.

        The order is a stable shuffle per group; once every eligible question was used,
        the cycle starts again.
        """
        group = self._group(uow, group_id)
        rank = LEVEL_RANK[Level(group.level)]
        wanted = set(group.topics)
        eligible = [
            q.id
            for q in self.bank
            if LEVEL_RANK[q.level] <= rank and (not wanted or wanted.intersection(q.topics))
        ]
        if not eligible:
            return None
        used = uow.deliveries.group_history(recipient_id)
        fresh = [q for q in eligible if q not in used] or eligible
        return min(fresh, key=lambda q: _shuffle(group_id, q))

    # ---------------------------------------------------------------- reading

    def leaderboard(
        self, group_id: int, period: Period = "week", limit: int | None = None
    ) -> tuple[LeaderRow, ...]:
        """Members ranked by points in a period (group-local week or month, or all time).

        The ranking needs no streaks; each shown member's current streak comes from the
        last :data:`STREAK_WINDOW_DAYS` days of answers, in one statement for up to
        :data:`WINDOW_PEOPLE` members (or one for the whole group), settled by
        ``streak.current_from``; a member whose streak the window cannot settle (it may
        run on before the window) is read again over their whole history.

        Args:
            group_id: the group.
            period: this week, this month (group-local) or all time.
            limit: rank every member but return (and read the streaks of) only the
                first ``limit`` rows; None for all.
        """
        if period not in ("week", "month", "all"):
            raise InvalidSetting("period: choose week, month or all")
        now = self.clock()
        since = now.date() - timedelta(days=STREAK_WINDOW_DAYS)
        with self.uow.read() as reads:
            group = reads.group(group_id)
            if group is None:
                raise UnknownGroup()
            zone = ZoneInfo(group.timezone)
            today = local_date(now, zone)
            start: datetime | None = None
            if period == "week":
                start = timing.instant(today - timedelta(days=today.weekday()), time(0), zone)
            elif period == "month":
                start = timing.instant(today.replace(day=1), time(0), zone)
            rows = []
            for person_id, display_name, answered, correct in reads.leaderboard(group_id, start):
                right = int(correct or 0)
                points = 3 * right + (answered - right)
                name = display_name or f"member {person_id}"
                rows.append((points, right, name, person_id, answered))
            rows.sort(key=lambda r: (-r[0], -r[1], r[2].casefold()))
            shown = rows if limit is None else rows[: max(limit, 0)]
            ids = [r[3] for r in shown]
            streaks = _current_streaks(_windows(reads, group_id, ids, since), now, since)
            unsettled = [pid for pid in ids if pid not in streaks]
            if unsettled:  # their streaks may run on before the window: the whole history
                whole = _windows(reads, group_id, unsettled, date.min)
                streaks.update(_current_streaks(whole, now, date.min))
        return tuple(
            LeaderRow(i + 1, pid, name, answered, right, points, streaks.get(pid, 0))
            for i, (points, right, name, pid, answered) in enumerate(shown)
        )

    def streak(self, group_id: int) -> streakdomain.Streak:
        """The group streak: consecutive days on which at least ``min_members`` answered."""
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.group_streak_inputs(group_id)
        if inputs is None:
            raise UnknownGroup()
        return _group_streak(inputs, now)

    def streak_of(self, platform: str, external_id: str) -> GroupStreak | None:
        """:meth:`streak` of the group of a platform chat or server, in one statement;
        None when no group is set up there."""
        now = self.clock()
        with self.uow.read() as reads:
            inputs = reads.group_streak_inputs_of(platform, external_id)
        if inputs is None or inputs.owner_id is None:
            return None
        return GroupStreak(inputs.owner_id, inputs.daily_goal, _group_streak(inputs, now))

    def summary(self, group_id: int, day: date) -> DaySummary:
        """Who answered the group's question of ``day``."""
        with self.uow() as uow:
            self._group(uow, group_id)
            members = uow.session.exec(
                select(func.count()).where(GroupMember.group_id == group_id)
            ).one()
            names = uow.session.exec(
                select(Person.display_name)
                .join(Attempt, col(Attempt.person_id) == Person.id)
                .where(
                    Attempt.group_id == group_id,
                    Attempt.group_day == day,
                    Attempt.status == "answered",
                )
                .order_by(col(Attempt.closed_at))
            ).all()
            return DaySummary(day, int(members), tuple(n or "someone" for n in names))

    # ---------------------------------------------------------------- helpers

    def _validated(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = dict(changes)
        try:
            if "timezone" in values:
                check_timezone(values["timezone"])
            if "delivery_time" in values:
                values["delivery_time"] = parse_time_of_day(values["delivery_time"]).strftime(
                    "%H:%M"
                )
        except ValueError as exc:
            field = "timezone" if "zone" in str(exc) else "delivery_time"
            raise InvalidSetting(f"{field}: {exc}") from None
        if "level" in values and values["level"] not in {lv.value for lv in Level}:
            raise InvalidSetting("level: choose junior, mid or senior")
        if "topics" in values:
            bad = sorted(set(values["topics"]) - set(self.bank.topics))
            if bad:
                raise InvalidSetting(f"topics: unknown topic(s) {', '.join(bad)}")
            values["topics"] = sorted(set(values["topics"]))
        if "min_members" in values and not 1 <= int(values["min_members"]) <= 1000:
            raise InvalidSetting("min_members: between 1 and 1000")
        if "name" in values:
            values["name"] = " ".join(str(values["name"]).split())[:200]
        if "channel_id" in values and not str(values["channel_id"]).strip():
            raise InvalidSetting("channel_id: a channel is needed")
        return values

    def _group(self, uow: UnitOfWork, group_id: int) -> Group:
        group = uow.session.get(Group, group_id)
        if group is None:
            raise UnknownGroup()
        return group

    def _recipients(self, uow: UnitOfWork, group_id: int) -> list[Recipient]:
        return list(uow.session.exec(select(Recipient).where(Recipient.group_id == group_id)).all())

    def _ensure_recipient(self, uow: UnitOfWork, group: Group, now: datetime) -> None:
        rows = self._recipients(uow, group.id or 0)
        if rows:
            rows[0].chat_id = group.channel_id
            uow.session.add(rows[0])
            return
        uow.session.add(
            Recipient(
                kind="group",
                platform=group.platform,
                chat_id=group.channel_id,
                group_id=group.id,
                created_at=now,
            )
        )
        uow.session.flush()

    def _join(self, uow: UnitOfWork, group_id: int, person_id: int) -> GroupMember:
        member = uow.session.exec(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.person_id == person_id
            )
        ).first()
        if member is None:
            member = GroupMember(group_id=group_id, person_id=person_id, joined_at=self.clock())
            uow.session.add(member)
            uow.session.flush()
        return member

    def _view(self, uow: UnitOfWork, group: Group) -> GroupView:
        assert group.id is not None
        rows = self._recipients(uow, group.id)
        row = rows[0] if rows else None
        return _group_view(
            group,
            paused=bool(row and row.paused),
            active=bool(row and row.active),
            reason=row.reason if row else None,
        )


def _windows(reads: Reads, group_id: int, ids: list[int], since: date) -> dict[int, WindowInputs]:
    """Windowed streak inputs of some of a group's members: by id for a few, else the
    group's whole leaderboard in one statement."""
    if not ids:
        return {}
    if len(ids) <= WINDOW_PEOPLE:
        return reads.streak_windows(ids, since)
    return reads.member_streak_windows(group_id, since)


def _current_streaks(
    windows: dict[int, WindowInputs], now: datetime, since: date
) -> dict[int, int]:
    """Current streaks of the members whose window settles them (see ``current_from``)."""
    out: dict[int, int] = {}
    for person_id, window in windows.items():
        current = streakdomain.current_from(
            window.counts,
            local_date(now, ZoneInfo(window.timezone)),
            person_rules(window.daily_goal, window.rest_days),
            window.excused,
            since,
            window.earlier,
        )
        if current is not None:
            out[person_id] = current
    return out


def _milestones(
    reads: Reads, platform: str, chat_id: str, post_id: str, person_id: int, now: datetime
) -> Milestones:
    """:meth:`Groups.milestones` over ``reads``: the post, the member's streak inputs and,
    only when the day just counted, the group's."""
    post = reads.post_in_chat(platform, chat_id, post_id)
    if post is None:
        return Milestones()
    inputs = reads.streak_inputs(person_id)
    group = (
        reads.group_streak_inputs(post.group_id) if int(post.answered) == post.min_members else None
    )
    reached: int | None = None
    if inputs is not None:
        streak = person_streak(inputs, now)
        today = streak.today
        if (
            streak.today_done
            and today is not None
            and inputs.counts.get(today) == inputs.daily_goal
        ):
            reached = streak.current
    return Milestones(person=reached, group=_group_streak(group, now).current if group else None)


def _group_streak(inputs: StreakInputs, now: datetime) -> streakdomain.Streak:
    """Consecutive group days with ``min_members`` answering; no freezes, no restoring."""
    rules = streakdomain.StreakRules(
        daily_goal=max(inputs.daily_goal, 1), max_freezes=0, restore=False
    )
    today = local_date(now, ZoneInfo(inputs.timezone))
    return streakdomain.compute(inputs.counts, today, rules, inputs.excused)


def _view_of(row: Any) -> GroupView:
    """A GroupView from a :meth:`Reads.group` row."""
    return _group_view(
        row,
        paused=bool(row.recipient_paused),
        active=bool(row.recipient_active),
        reason=row.recipient_reason,
    )


def _group_view(group: Any, *, paused: bool, active: bool, reason: str | None) -> GroupView:
    """A GroupView from anything with a group's fields (an ORM ``Group`` or a Core row)."""
    return GroupView(
        id=group.id,
        platform=group.platform,
        external_id=group.external_id,
        channel_id=group.channel_id,
        name=group.name,
        timezone=group.timezone,
        delivery_time=group.delivery_time,
        topics=tuple(group.topics),
        level=group.level,
        role_id=group.role_id,
        leaderboard=group.leaderboard,
        min_members=group.min_members,
        paused=paused,
        active=active,
        inactive_reason=reason,
    )


def _shuffle(group_id: int, question_id: str) -> int:
    digest = hashlib.blake2b(f"g{group_id}:{question_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")
