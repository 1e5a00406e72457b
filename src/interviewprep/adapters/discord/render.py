"""Discord rendering of what the services return: embeds and component specs.

Bank text (prompts, model answers) is trusted markdown. Member text (names, answers)
is escaped for markdown and mentions before it is shown, and shared answers go in
spoilers; messages are sent with no allowed mentions anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

import discord

from interviewprep.adapters.discord import ids
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import Button, Control, Reply, Select, clip
from interviewprep.bank.schema import QuestionType
from interviewprep.domain.rating import Rating
from interviewprep.domain.streak import Streak
from interviewprep.grading.result import KeyPointStatus
from interviewprep.services.views import AnswerOutcome, LeaderRow, QuestionView, Stats

BLUE = discord.Colour.blurple()
GREEN = discord.Colour.green()
GOLD = discord.Colour.gold()
RED = discord.Colour.red()
GREY = discord.Colour.light_grey()

CHOICE_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE_CHOICE}
)
MARKS = {
    KeyPointStatus.COVERED: "✅",
    KeyPointStatus.MISSING: "➖",
    KeyPointStatus.CONTRADICTED: "❌",
}
STREAK_MILESTONES = frozenset({3, 7, 14, 30, 50, 100, 200, 365, 500, 1000})
_BARE_PIPE = re.compile(r"(?<!\\)\|")


def member_text(value: str) -> str:
    """Escape member text: no markdown, no mentions (``@everyone`` stays harmless)."""
    escaped = discord.utils.escape_markdown(discord.utils.escape_mentions(value))
    return _BARE_PIPE.sub(r"\\|", escaped)


def spoiler(value: str, limit: int = 1700) -> str:
    """Escaped member text inside a spoiler, at most ``limit`` characters inside."""
    escaped = member_text(value)
    if len(escaped) > limit:
        # never leave a dangling backslash that would escape the closing spoiler bars
        escaped = escaped[: limit - 1].rstrip("\\") + "…"
    return f"||{escaped}||"


def name(value: str) -> str:
    """A display name, escaped and cut to 40 characters."""
    return member_text(clip(" ".join(value.split()) or "someone", 40))


def is_choice(view: QuestionView) -> bool:
    """True for questions answered with buttons or a select."""
    return view.type in CHOICE_TYPES


# ------------------------------------------------------------------ questions


def question_embed(view: QuestionView, title: str = "Question") -> discord.Embed:
    """The question: prompt, options, topics and level."""
    embed = discord.Embed(
        title=clip(f"{title} · {', '.join(view.topics)} · {view.level}", 256),
        description=clip(view.prompt, 3500),
        colour=BLUE,
    )
    if view.options:
        lines = [f"**{i + 1}.** {option}" for i, option in enumerate(view.options)]
        how = "Pick every correct option." if view.multiple else "Pick one."
        embed.add_field(name=how, value=clip("\n".join(lines), 1024), inline=False)
    if view.leech and view.leech_note:
        embed.add_field(
            name="This one keeps slipping. Read this first:",
            value=clip(view.leech_note, 1024),
            inline=False,
        )
    footer = f"{view.question_id} · {'review' if view.kind == 'review' else 'new'}"
    if view.resumed:
        footer += " · picking up where you left off"
    embed.set_footer(text=footer)
    return embed


def answer_controls(view: QuestionView, ctx: Ctx, personal: bool = True) -> list[list[Control]]:
    """Option buttons, a select (multiple choice) or a Write button, then side actions."""
    rows: list[list[Control]] = []
    if view.type is QuestionType.MULTIPLE_CHOICE:
        rows.append(
            [
                Select(
                    custom_id=ids.multi(view.attempt_id, ctx),
                    placeholder="Choose every correct option",
                    options=tuple(
                        (f"{i + 1}. {option}", str(i)) for i, option in enumerate(view.options)
                    ),
                    min_values=1,
                    max_values=len(view.options),
                )
            ]
        )
    elif is_choice(view):
        buttons: list[Control] = [
            Button(ids.pick(view.attempt_id, i, ctx), f"{i + 1}. {option}", "primary")
            for i, option in enumerate(view.options[:20])
        ]
        rows.extend(buttons[i : i + 5] for i in range(0, len(buttons), 5))
    else:
        rows.append([Button(ids.write(view.attempt_id, ctx), "Write your answer", "primary")])
    side: list[Control] = []
    if view.hints_available:
        side.append(Button(ids.hint(view.attempt_id, ctx), "Hint"))
    if personal:
        side.append(Button(ids.skip(view.attempt_id), "Skip for today"))
    side.append(Button(ids.reveal(view.attempt_id, ctx), "Show answer", "danger"))
    rows.append(side)
    return rows[:5]


def question_reply(view: QuestionView, ctx: Ctx, title: str = "Question") -> Reply:
    """A question with its answer controls."""
    return Reply(
        embeds=[question_embed(view, title)],
        rows=answer_controls(view, ctx, personal=not ctx.group),
    )


# ------------------------------------------------------------------- outcomes


def outcome_embed(outcome: AnswerOutcome) -> discord.Embed:
    """Score, key points, correct options, model answer, explanation, follow-ups."""
    grade = outcome.grade
    if outcome.revealed:
        title, colour = "Answer revealed: it comes back soon", GREY
    elif grade.score is None:
        title, colour = "Rate your answer yourself", GREY
    else:
        suggested = f" · suggested {outcome.suggested.label}" if outcome.suggested else ""
        colour = GREEN if (outcome.suggested or 0) >= Rating.GOOD else GOLD
        if (outcome.suggested or 0) <= Rating.AGAIN:
            colour = RED
        title = f"Score {grade.score:.0%}{suggested}"
    description = grade.feedback
    if outcome.already_answered:
        description = "You already answered this question; your first answer stands."
    embed = discord.Embed(title=title, description=clip(description, 2000), colour=colour)
    if grade.key_points:
        lines = [f"{MARKS[p.status]} {p.text} ({p.status.value})" for p in grade.key_points]
        embed.add_field(name="Key points", value=clip("\n".join(lines), 1024), inline=False)
    if grade.misconceptions:
        embed.add_field(
            name="Misconceptions",
            value=clip("\n".join(f"❌ {m}" for m in grade.misconceptions), 1024),
            inline=False,
        )
    if outcome.correct_options:
        embed.add_field(
            name="Correct", value=clip("\n".join(outcome.correct_options), 1024), inline=False
        )
    if outcome.model_answer:
        embed.add_field(name="Model answer", value=clip(outcome.model_answer, 1024), inline=False)
    if outcome.explanation:
        embed.add_field(name="Why", value=clip(outcome.explanation, 1024), inline=False)
    if outcome.follow_ups:
        embed.add_field(
            name="Follow-up to think about",
            value=clip("\n".join(outcome.follow_ups), 1024),
            inline=False,
        )
    if outcome.next_due is not None:
        embed.set_footer(text=f"Next review: {outcome.next_due:%a %d %b %Y}")
    return embed


def rating_row(review_id: int, suggested: Rating | None, chosen: Rating | None) -> list[Control]:
    """Again / Hard / Good / Easy, the suggestion marked, the rating in force highlighted."""
    row: list[Control] = []
    for rating in Rating:
        label = rating.label
        style = "secondary"
        if rating == suggested:
            label += " (suggested)"
            style = "success"
        if chosen is not None and rating == chosen:
            label = "✓ " + label
            style = "primary"
        row.append(Button(ids.rate(review_id, int(rating)), label, style))
    return row


def outcome_reply(outcome: AnswerOutcome, ctx: Ctx) -> Reply:
    """The ephemeral result: the embed, rating buttons, Share (groups) or Next (practice)."""
    rows: list[list[Control]] = [rating_row(outcome.review_id, outcome.suggested, outcome.rating)]
    extra: list[Control] = []
    if ctx.post_id is not None and outcome.answer and not outcome.revealed:
        extra.append(Button(ids.share(outcome.attempt_id, ctx.post_id), "Share in thread"))
    if ctx.post_id is None and ctx.remaining > 0:
        extra.append(
            Button(
                ids.next_question(Ctx(remaining=ctx.remaining - 1, topic=ctx.topic)),
                f"Next question ({ctx.remaining} left)",
                "primary",
            )
        )
    if extra:
        rows.append(extra)
    return Reply(embeds=[outcome_embed(outcome)], rows=rows)


def mark_rating(rows: list[list[Control]], review_id: int, chosen: Rating) -> list[list[Control]]:
    """The same rows with the rating buttons of ``review_id`` showing ``chosen``."""
    prefix = f"ip:rate:{review_id}:"
    out: list[list[Control]] = []
    for row in rows:
        new_row: list[Control] = []
        for control in row:
            if isinstance(control, Button) and control.custom_id.startswith(prefix):
                rating = Rating(int(control.custom_id.rsplit(":", 1)[1]))
                suggested = "(suggested)" in control.label
                label = rating.label + (" (suggested)" if suggested else "")
                style = "success" if suggested else "secondary"
                if rating == chosen:
                    label, style = "✓ " + label, "primary"
                new_row.append(Button(control.custom_id, label, style))
            else:
                new_row.append(control)
        out.append(new_row)
    return out


def disable(rows: list[list[Control]], custom_id_prefix: str) -> list[list[Control]]:
    """The same rows with the matching buttons disabled (a Share already used)."""
    return [
        [
            Button(c.custom_id, c.label, c.style, True)
            if isinstance(c, Button) and c.custom_id.startswith(custom_id_prefix)
            else c
            for c in row
        ]
        for row in rows
    ]


# -------------------------------------------------------------- progress views


def streak_line(streak: Streak) -> str:
    """One line: current and longest streak, freezes, today's state."""
    today = "done today" if streak.today_done else "not yet today"
    line = f"🔥 **{streak.current}** day(s), longest {streak.longest}, {today}"
    if streak.freezes:
        line += f", {streak.freezes} freeze(s) held"
    if streak.restorable:
        line += f" (answer two today to restore your {streak.restorable}-day streak)"
    return line


def stats_embed(stats: Stats) -> discord.Embed:
    """Accuracy, cards, due now, topics, weakest, forecast, leeches."""
    accuracy = f"{stats.accuracy:.0%}" if stats.accuracy is not None else "n/a"
    embed = discord.Embed(
        title="Your progress",
        description=(
            f"Answered **{stats.answered}** · accuracy **{accuracy}** · cards {stats.cards}"
            f" · due now {stats.due_now}"
        ),
        colour=BLUE,
    )
    if stats.topics:
        lines = []
        for t in stats.topics[:20]:
            acc = f"{t.accuracy:.0%}" if t.accuracy is not None else "-"
            ret = f"{t.retention:.0%}" if t.retention is not None else "-"
            lines.append(f"`{t.topic:<18}` {t.answered:>3} answered · {acc} right · {ret} recall")
        embed.add_field(name="Topics", value=clip("\n".join(lines), 1024), inline=False)
    if stats.weakest:
        embed.add_field(name="Weakest", value=", ".join(stats.weakest), inline=False)
    forecast = " · ".join(f"{d:%a} {n}" for d, n in stats.forecast)
    embed.add_field(name="Due next days", value=forecast or "-", inline=False)
    if stats.leeches:
        embed.add_field(
            name="Keep slipping", value=clip(", ".join(stats.leeches), 1024), inline=False
        )
    return embed


PERIODS = {"week": "this week", "month": "this month", "all": "all time"}
LEADERBOARD_ROWS = 20  # members shown on the leaderboard


def leaderboard_embed(
    rows: Sequence[LeaderRow], period: str, group_streak: Streak | None
) -> discord.Embed:
    """The leaderboard table (names escaped)."""
    lines = []
    for row in rows[:LEADERBOARD_ROWS]:
        medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(row.rank, f"`{row.rank:>2}.`")
        lines.append(
            f"{medal} **{name(row.display_name)}** · {row.points} pts · "
            f"{row.correct}/{row.answered} right · 🔥 {row.streak}"
        )
    embed = discord.Embed(
        title=f"Leaderboard · {PERIODS.get(period, period)}",
        description="\n".join(lines) or "Nobody has answered yet: be the first!",
        colour=GOLD,
    )
    if group_streak is not None:
        embed.set_footer(
            text=f"Server streak: {group_streak.current} day(s), longest {group_streak.longest}"
        )
    return embed


def day_label(day: date) -> str:
    """``Sat 7 Mar``."""
    return f"{day:%a} {day.day} {day:%b}"


def when(moment: datetime | None) -> str:
    """A short date for a due time."""
    return "-" if moment is None else f"{moment:%a %d %b}"


HELP = """\
**Practice**
`/practice [topic] [count]` questions from your own spaced-repetition queue (works in DMs too)
`/today` today's daily question · `/streak` · `/stats`
`/leaderboard [week|month|all]` this server's leaderboard (opt out in `/settings`)
`/settings` time zone, level, topics, DM reminders, leaderboard
`/report` report a problem with a question · `/export` all your data as JSON
`/forget` delete everything about you · `/link` connect your Telegram account
**Server admins** (Manage Server)
`/setup channel` channel, time, time zone, topics, level · `/setup role` · \
`/setup leaderboard on|off` · `/pause` · `/resume`
Answers are private: only you see your result unless you press *Share in thread*."""
