"""What each command and button does, over the services: synchronous, returns a Reply.

These functions run in a worker thread (the services use a synchronous database
session). They take an :class:`Actor` -- who interacted, where -- and plain values
parsed from the interaction; they never touch discord.py objects, so they are easy to
reason about and to test. Every id that came from a ``custom_id`` is checked here
against the database through the services.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from interviewprep.adapters.discord import ids, render
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import (
    Announcement,
    Button,
    Control,
    ModalSpec,
    Reply,
    clip,
    text,
)
from interviewprep.app import App
from interviewprep.domain.rating import Rating
from interviewprep.domain.streak import Streak
from interviewprep.services.errors import (
    NotEnrolled,
    PracticeError,
    UnknownAttempt,
    UnknownGroup,
    UnknownReview,
)
from interviewprep.services.views import GroupView, Milestones, QuestionView

logger = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_PRACTICE = 20
MODAL_TITLE = "Your answer"
NOT_SET_UP = (
    "This server has no daily question yet. A server admin can start one with `/setup channel`."
)


@dataclass(frozen=True)
class Actor:
    """Who interacted, and where (ids are Discord snowflakes as strings)."""

    user_id: str
    name: str
    guild_id: str | None = None
    guild_name: str = ""
    channel_id: str | None = None


@dataclass(frozen=True)
class ChannelCheck:
    """The bot's view of a channel chosen in /setup: what it may not do there."""

    channel_id: str
    mention: str
    missing: tuple[str, ...] = ()


class Flows:
    """The Discord adapter's use of the services (dependencies injected: the App)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.grades_on_loop = app.practice.grader.loop_safe
        # Nothing read from the database is kept between interactions. Several bot
        # processes (shards, or a Telegram bot) may share one PostgreSQL database, and
        # what one of them changes must show in the next interaction of every other:
        # a /link or /forget moves or deletes the person behind an account, /pause or
        # /setup changes the server's group, any member's answer moves the server
        # streak. A process-local cache could only be invalidated by this process, so
        # the reads are made cheap instead (Core statements on a kept connection:
        # see interviewprep.storage.reads) and the lookup of the person behind the
        # account is folded into the reads that need it (streak_of, stats_of).

    # ---------------------------------------------------------------- people

    def person(self, actor: Actor, timezone: str | None = None) -> int:
        """The person behind a Discord account, enrolled on first contact."""
        practice = self.app.practice
        found = practice.find_person(PLATFORM, actor.user_id)
        if found is None:
            found = practice.enrol(PLATFORM, actor.user_id, actor.name, timezone)
        return found

    def group_here(self, actor: Actor) -> GroupView | None:
        """This server's group, if an admin set one up."""
        if actor.guild_id is None:
            return None
        return self.app.groups.find(PLATFORM, actor.guild_id)

    def group_streak(self, group_id: int) -> Streak:
        """The server streak."""
        return self.app.groups.streak(group_id)

    # -------------------------------------------------------------- practice

    def practice(self, actor: Actor, topic: str | None, count: int) -> Reply:
        """``/practice``: the next question from the person's own queue."""
        if topic is not None and topic not in self.app.bank.topics:
            known = ", ".join(sorted(self.app.bank.topics)[:30])
            return text(f"There is no topic {render.member_text(topic)}. Topics: {known}")
        count = max(1, min(count, MAX_PRACTICE))
        return self._ask_next(actor, Ctx(remaining=count - 1, topic=topic))

    def next_question(self, actor: Actor, ctx: Ctx) -> Reply:
        """The Next button of a practice run."""
        return self._ask_next(actor, ctx)

    def _ask_next(self, actor: Actor, ctx: Ctx) -> Reply:
        practice = self.app.practice
        try:
            # the account lookup is part of the asking unit's first read
            view = practice.next_question_of(PLATFORM, actor.user_id, topic=ctx.topic)
        except NotEnrolled:  # first contact: enrol as everywhere else (self.person), ask
            view = practice.next_question(self.person(actor), topic=ctx.topic)
        if view is None:
            return text(
                "Nothing is due right now and today's new questions are done. "
                "Come back tomorrow, or raise `new_per_day` in /settings."
            )
        return render.question_reply(view, ctx)

    def today(self, actor: Actor) -> Reply:
        """``/today``: today's daily question (shown again if already answered)."""
        group = self.group_here(actor)
        person = self.person(actor)
        return self._today(group, self.app.practice.today(person))

    def today_read(self, actor: Actor) -> Reply | None:
        """:meth:`today` when the day's question was asked already; None when it may have
        to be asked now (a write)."""
        view = self.app.practice.today_of(PLATFORM, actor.user_id)
        if view is None:
            return None
        return self._today(self.group_here(actor), view)

    @staticmethod
    def _today(group: GroupView | None, view: QuestionView | None) -> Reply:
        lines = []
        if group is not None and not group.paused:
            lines.append(f"Today's server question is posted in <#{group.channel_id}>.")
        if view is None:
            lines.append("Nothing is due today: you are all caught up.")
            return text("\n".join(lines))
        if view.answered:
            reply = Reply(embeds=[render.question_embed(view, "Today's question")])
            lines.append("You already answered today's question. `/practice` for more.")
            reply.content = "\n".join(lines)
            return reply
        reply = render.question_reply(view, Ctx(), "Today's question")
        reply.content = "\n".join(lines)
        return reply

    # ------------------------------------------------------------- answering

    def answer_group(
        self, actor: Actor, group_id: int, day_text: str, question_id: str, post_id: int
    ) -> Reply:
        """The Answer button under a group post: choice buttons, or the answer modal.

        One service call (:meth:`Groups.answer_as`) checks the button against the
        database and opens (or resumes) the member's attempt with one commit.
        """
        another = text("This button belongs to another server's question; answer the post here.")
        if actor.guild_id is None:
            return another
        day = ids.parse_day(day_text)
        if day is None:  # a forged id: say which kind of wrong it is
            group = self.group_here(actor)
            if group is None or group.id != group_id:
                return another
            return text("That button is not valid; answer the latest post.")
        try:
            view = self.app.groups.answer_as(
                PLATFORM, actor.guild_id, actor.user_id, actor.name, group_id, day, question_id
            )
        except UnknownGroup:
            return another
        ctx = Ctx(post_id=post_id)
        reply = render.question_reply(view, ctx, "Today's question")
        if not render.is_choice(view):
            reply.modal = self._modal(view, ctx)
        return reply

    def is_choice_question(self, question_id: str) -> bool:
        """Whether a bank question is answered with buttons or a select (no slow grading)."""
        question = self.app.bank.get(question_id)
        return question is not None and question.type in render.CHOICE_TYPES

    def answers_quickly(self, question_id: str) -> bool:
        """Whether answering a bank question is a short write: a choice question, or any
        question when the grader may run on the loop (``Grader.loop_safe``: the offline
        grader; the semantic and LLM graders keep their answers on the database
        thread)."""
        return self.grades_on_loop or self.is_choice_question(question_id)

    @staticmethod
    def _modal(view: QuestionView, ctx: Ctx) -> ModalSpec:
        return ModalSpec(
            custom_id=ids.modal(view.attempt_id, ctx),
            title=MODAL_TITLE,
            label=clip(f"{view.question_id}: answer in your own words", 45),
            placeholder=clip(view.prompt, 100),
        )

    def write(self, actor: Actor, attempt_id: int, ctx: Ctx) -> Reply:
        """The Write button: the answer modal, if the attempt is this person's and open
        (a read: nobody is enrolled by it)."""
        with _nobodys(UnknownAttempt):
            view = self.app.practice.current_of(PLATFORM, actor.user_id)
        if view is None or view.attempt_id != attempt_id:
            raise UnknownAttempt()
        reply = text("Press *Write your answer* again to open the answer box.")
        reply.rows = [render.answer_controls(view, ctx, personal=not ctx.group)[0]]
        reply.modal = self._modal(view, ctx)
        return reply

    def pick(self, actor: Actor, attempt_id: int, options: list[int], ctx: Ctx) -> Reply:
        """A choice (button) or choices (select): graded once, result shown privately."""
        answer = " ".join(str(i + 1) for i in sorted(set(options)))
        return self.submit(actor, attempt_id, answer, ctx)

    def submit(self, actor: Actor, attempt_id: int, answer: str, ctx: Ctx) -> Reply:
        """Grade an answer (choice or modal text); a repeat shows the first result.

        One unit of work from the account (:meth:`Practice.answer_attempt`): the attempt
        must be this account's; then grade, close, schedule, save, commit. A group
        question's answer (:meth:`Groups.answer_post`) also reads, on the same
        connection after the commit, the streak milestones it reached.
        """
        reached: Milestones | None = None
        with _nobodys(UnknownAttempt):
            if ctx.post_id is not None and actor.guild_id is not None:
                outcome, reached = self.app.groups.answer_post(
                    PLATFORM, actor.guild_id, actor.user_id, attempt_id, answer, str(ctx.post_id)
                )
            else:
                outcome = self.app.practice.answer_attempt(
                    PLATFORM, actor.user_id, attempt_id, answer
                )
        reply = render.outcome_reply(outcome, ctx)
        if reached is not None and ctx.post_id is not None:
            reply.announce = self._announcements(actor, reached, ctx.post_id)
        return reply

    def reveal(self, actor: Actor, attempt_id: int, ctx: Ctx) -> Reply:
        """Show the answer (it comes back soon)."""
        outcome = self.app.practice.reveal(self.person(actor), attempt_id)
        return render.outcome_reply(outcome, ctx)

    def skip(self, actor: Actor, attempt_id: int) -> Reply:
        """Put a question aside until tomorrow."""
        with _nobodys(UnknownAttempt):
            self.app.practice.skip_attempt(PLATFORM, actor.user_id, attempt_id)
        return text("Skipped: it is set aside until tomorrow. `/practice` for another one.")

    def hint(self, actor: Actor, attempt_id: int) -> Reply:
        """The next hint (each one lowers the suggested rating a step)."""
        with _nobodys(UnknownAttempt):
            hint = self.app.practice.hint_attempt(PLATFORM, actor.user_id, attempt_id)
        if hint is None:
            return text("No more hints for this question.")
        return text(f"💡 {hint}\n*Each hint lowers the suggested rating by one step.*")

    def rate(self, actor: Actor, review_id: int, rating: int, rows: list[list[Control]]) -> Reply:
        """Confirm or override the suggested rating; the result message is updated."""
        with _nobodys(UnknownReview):
            # one unit from the account to the review: no separate lookup of the person
            outcome = self.app.practice.rate_by_account(
                PLATFORM, actor.user_id, review_id, Rating(rating)
            )
        verb = "Changed to" if outcome.changed else "Saved:"
        due = render.when(outcome.next_due)
        return Reply(
            content=f"{verb} **{outcome.rating.label}** · next review {due}",
            rows=render.mark_rating(rows, review_id, outcome.rating),
            keep_embeds=True,
        )

    def share(
        self, actor: Actor, attempt_id: int, post_id: int, rows: list[list[Control]]
    ) -> Reply:
        """Post the person's answer in the group post's thread, in spoilers."""
        group = self.group_here(actor)
        if group is None:
            return text("Answers can only be shared in the server the question was posted in.")
        person = self.person(actor)
        review = self._review_of(person, attempt_id)
        if review is None or not review.get("answer") or review.get("revealed"):
            return text("There is no answer of yours to share for that question.")
        post = self.app.groups.post_for_message(PLATFORM, group.channel_id, str(post_id))
        if post is None or post.group_id != group.id or post.question_id != review["question_id"]:
            return text("That thread is not this question's thread; nothing was shared.")
        content = (
            f"**{render.name(actor.name)}** shared their answer to `{post.question_id}`:\n"
            f"{render.spoiler(str(review['answer']))}"
        )
        return Reply(
            content="Shared in the thread (in spoilers).",
            rows=render.disable(rows, f"ip:share:{attempt_id}:"),
            keep_embeds=True,
            announce=[Announcement(post_id, content)],
        )

    def _review_of(self, person: int, attempt_id: int) -> dict[str, Any] | None:
        """The member's stored answer to an attempt, or None when it has none."""
        try:
            outcome = self.app.practice.outcome(person, attempt_id)
        except PracticeError:
            return None
        return {
            "answer": outcome.answer,
            "review_id": outcome.review_id,
            "question_id": outcome.question_id,
            "revealed": outcome.revealed,
        }

    @staticmethod
    def _announcements(actor: Actor, reached: Milestones, post_id: int) -> list[Announcement]:
        """Streak milestones reached by an answer, to announce in the post's thread."""
        out: list[Announcement] = []
        if reached.person in render.STREAK_MILESTONES:
            out.append(
                Announcement(
                    post_id,
                    f"🔥 **{render.name(actor.name)}** reached a {reached.person}-day streak!",
                )
            )
        if reached.group in render.STREAK_MILESTONES:
            out.append(
                Announcement(
                    post_id,
                    f"🏆 The server streak is now **{reached.group} days**. Keep it up!",
                )
            )
        return out

    # --------------------------------------------------------------- reading

    def streak(self, actor: Actor) -> Reply:
        """``/streak``: the person's streak, and the server's when in a server."""
        reply = self.streak_read(actor)
        if reply is None:  # first contact: enrol, then read
            self.person(actor)
            reply = self.streak_read(actor)
            assert reply is not None
        return reply

    def streak_read(self, actor: Actor) -> Reply | None:
        """:meth:`streak` without enrolling: None for someone not enrolled yet."""
        streak = self.app.practice.streak_of(PLATFORM, actor.user_id)
        if streak is None:
            return None
        lines = ["**Your streak:** " + render.streak_line(streak)]
        if actor.guild_id is not None:
            server = self.app.groups.streak_of(PLATFORM, actor.guild_id)
            if server is not None:
                lines.append(
                    f"**Server streak:** {server.streak.current} day(s) with at least "
                    f"{server.min_members} member(s) answering, longest {server.streak.longest}"
                )
        return text("\n".join(lines))

    def stats(self, actor: Actor) -> Reply:
        """``/stats``."""
        reply = self.stats_read(actor)
        if reply is None:  # first contact: enrol, then read
            reply = Reply(embeds=[render.stats_embed(self.app.practice.stats(self.person(actor)))])
        return reply

    def stats_read(self, actor: Actor) -> Reply | None:
        """:meth:`stats` without enrolling: None for someone not enrolled yet."""
        stats = self.app.practice.stats_of(PLATFORM, actor.user_id)
        return Reply(embeds=[render.stats_embed(stats)]) if stats is not None else None

    def leaderboard(self, actor: Actor, period: Literal["week", "month", "all"]) -> Reply:
        """``/leaderboard``: this server's members (opted-out members left out)."""
        group = self.group_here(actor)
        if group is None:
            return text(NOT_SET_UP)
        if not group.leaderboard:
            return text("The leaderboard is turned off on this server.")
        rows = self.app.groups.leaderboard(group.id, period, limit=render.LEADERBOARD_ROWS)
        reply = Reply(embeds=[render.leaderboard_embed(rows, period, self.group_streak(group.id))])
        reply.ephemeral = False
        return reply

    def settings(self, actor: Actor, changes: dict[str, Any], extras: dict[str, bool]) -> Reply:
        """``/settings``: show, or change, personal settings (each value validated)."""
        person = self.person(actor)
        notes: list[str] = []
        if changes:
            self.app.practice.update_settings(person, **changes)
        if "dm" in extras:
            if extras["dm"]:
                self.app.subscriptions.subscribe(person, PLATFORM, actor.user_id)
                notes.append("You will get your daily question and reminders by DM.")
            else:
                self.app.subscriptions.unsubscribe(PLATFORM, actor.user_id)
                notes.append("No more DMs from me (you can still use /practice).")
        if "leaderboard" in extras:
            group = self.group_here(actor)
            if group is None:
                notes.append("The leaderboard setting applies in a server with a daily question.")
            else:
                self.app.groups.set_leaderboard_opt_out(group.id, person, not extras["leaderboard"])
                notes.append(
                    "You are on this server's leaderboard."
                    if extras["leaderboard"]
                    else "You are hidden from this server's leaderboard."
                )
        current = self.app.practice.settings(person)
        dm = self.app.subscriptions.subscribed(person, PLATFORM)
        lines = [
            f"**Time zone:** {current.timezone}",
            f"**Daily question at:** {current.delivery_time}",
            f"**Level:** {current.level.value}",
            f"**Topics:** {', '.join(current.topics) or 'all'}",
            f"**New questions per day:** {current.new_per_day}",
            f"**DM daily question and reminders:** {'on' if dm else 'off'}",
        ]
        head = "Settings saved." if changes or extras else "Your settings:"
        return text("\n".join([head, *notes, *lines]))

    def report(self, actor: Actor, message: str, question_id: str | None) -> Reply:
        """``/report``: a problem with a question, for the maintainers."""
        if question_id is not None and question_id not in self.app.bank:
            return text(f"There is no question {render.member_text(question_id)} in the bank.")
        number = self.app.community.report(self.person(actor), message, question_id)
        return text(f"Thanks! Report #{number} is with the maintainers.")

    def export(self, actor: Actor) -> Reply:
        """``/export``: everything about the person, as a JSON file only they see."""
        data = self.app.practice.export(self.person(actor))
        blob = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
        return Reply(
            content="Here is everything stored about you.",
            file=("interviewprep-export.json", blob),
        )

    def forget_prompt(self) -> Reply:
        """``/forget``: ask for confirmation with a button."""
        return Reply(
            content=(
                "This deletes **everything** stored about you on every platform: answers, "
                "schedule, streaks, settings. It cannot be undone."
            ),
            rows=[
                [
                    Button(ids.forget(True), "Delete everything", "danger"),
                    Button(ids.forget(False), "Cancel"),
                ]
            ],
        )

    def forget(self, actor: Actor, confirm: bool) -> Reply:
        """The /forget buttons."""
        if not confirm:
            return Reply(content="Cancelled: nothing was deleted.", rows=[], keep_embeds=True)
        person = self.app.practice.find_person(PLATFORM, actor.user_id)
        if person is None:
            return Reply(content="There is nothing stored about you.", rows=[], keep_embeds=True)
        self.app.practice.forget(person)
        return Reply(content="Done: everything about you was deleted.", rows=[], keep_embeds=True)

    def link(self, actor: Actor, code: str | None) -> Reply:
        """``/link``: make a code here, or redeem one made on another platform."""
        if code:
            self.app.community.redeem(code.strip(), PLATFORM, actor.user_id, actor.name)
            return text("Linked: this Discord account now shares your practice history.")
        made = self.app.community.link_code(self.person(actor))
        return text(
            f"Your link code: `{made}` (valid 10 minutes, single use). "
            "Send `/link " + made + "` to the bot on the other platform."
        )

    # ----------------------------------------------------------------- admin

    def setup_channel(
        self,
        actor: Actor,
        check: ChannelCheck,
        delivery_time: str,
        timezone: str,
        packs: str | None,
        level: str,
    ) -> Reply:
        """``/setup channel``: create or update the server's daily question."""
        assert actor.guild_id is not None
        topics = [t.strip() for t in (packs or "").replace(";", ",").split(",") if t.strip()]
        group = self.app.groups.setup(
            PLATFORM,
            actor.guild_id,
            channel_id=check.channel_id,
            name=actor.guild_name,
            timezone=timezone,
            delivery_time=delivery_time,
            topics=topics,
            level=level,
        )
        lines = [
            f"Daily question set up in {check.mention} at **{group.delivery_time}** "
            f"({group.timezone}), level **{group.level}**, topics: "
            f"{', '.join(group.topics) or 'all'}."
        ]
        if check.missing:
            lines.append(self.grant_text(check))
        if group.paused:
            lines.append("Deliveries are paused; run `/resume` when ready.")
        return text("\n".join(lines))

    @staticmethod
    def grant_text(check: ChannelCheck) -> str:
        """What an admin must grant the bot in a channel."""
        return (
            f"⚠️ I can't do everything I need in {check.mention}: please grant me "
            f"**{', '.join(check.missing)}** there."
        )

    def setup_role(self, actor: Actor, role_id: str | None, role_mention: str) -> Reply:
        """``/setup role``: a role pinged with the daily question (or none)."""
        group = self.group_here(actor)
        if group is None:
            return text(NOT_SET_UP)
        self.app.groups.update(group.id, role_id=role_id)
        if role_id is None:
            return text("The daily question will not ping any role.")
        return text(f"The daily question will ping {role_mention}.")

    def setup_leaderboard(self, actor: Actor, on: bool) -> Reply:
        """``/setup leaderboard on|off``."""
        group = self.group_here(actor)
        if group is None:
            return text(NOT_SET_UP)
        self.app.groups.update(group.id, leaderboard=on)
        return text(f"The leaderboard is now {'on' if on else 'off'} on this server.")

    def pause(self, actor: Actor) -> Reply:
        """``/pause``: stop the daily question."""
        group = self.group_here(actor)
        if group is None:
            return text(NOT_SET_UP)
        self.app.groups.pause(group.id)
        return text("The daily question is paused. `/resume` starts it again.")

    def resume(self, actor: Actor, check: ChannelCheck | None) -> Reply:
        """``/resume``: start the daily question again (after a pause or a permission fix)."""
        group = self.group_here(actor)
        if group is None:
            return text(NOT_SET_UP)
        group = self.app.groups.resume(group.id)
        lines = [
            f"The daily question is back on: next one at {group.delivery_time} ({group.timezone})."
        ]
        if check is not None and check.missing:
            lines.append(self.grant_text(check))
        return text("\n".join(lines))


@contextmanager
def _nobodys(error: type[PracticeError]) -> Iterator[None]:
    """An account with nobody behind it owns no attempt or answer: a stranger's tap on
    another member's button gets ``error``, as a forged one does, and enrols nobody."""
    try:
        yield
    except NotEnrolled:
        raise error() from None
