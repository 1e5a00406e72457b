"""What the bot says: service results rendered as Telegram HTML plus inline keyboards.

Pure functions of the views the services return; no I/O. Every string that came from a
person (display names, answers) or a pack (prompts, options, explanations) goes through
:func:`markup.esc` or :func:`markup.rich`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from interviewprep.adapters.telegram import callbacks, zones
from interviewprep.adapters.telegram.callbacks import Verb
from interviewprep.adapters.telegram.keyboard import Button, Keyboard
from interviewprep.adapters.telegram.markup import esc, rich
from interviewprep.bank.schema import QuestionType
from interviewprep.delivery.messages import DailyQuestion, GroupQuestion, Reminder
from interviewprep.domain.rating import Rating
from interviewprep.domain.streak import DayStatus, Streak
from interviewprep.grading.result import KeyPointStatus
from interviewprep.services.settings import PersonSettings
from interviewprep.services.views import AnswerOutcome, QuestionView, RatingOutcome, Stats

Rendered = tuple[str, Keyboard | None]

BUTTON_CHARS = 40
MARKS = {
    KeyPointStatus.COVERED: "+",
    KeyPointStatus.MISSING: "−",
    KeyPointStatus.CONTRADICTED: "!",
}
DAY_MARKS = {
    DayStatus.DONE: "🟩",
    DayStatus.REST: "💤",
    DayStatus.FROZEN: "🧊",
    DayStatus.RESTORED: "🔁",
    DayStatus.MISSED: "🟥",
    DayStatus.PENDING: "⏳",
    DayStatus.EXCUSED: "🛠",
}
CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE}

COMMANDS: tuple[tuple[str, str], ...] = (
    ("today", "Today's question"),
    ("practice", "Extra practice: /practice [topic] [n]"),
    ("hint", "A hint for the open question"),
    ("skip", "Put the open question aside for today"),
    ("reveal", "Show the answer of the open question"),
    ("streak", "Your streak and calendar"),
    ("stats", "Accuracy, retention and what is due"),
    ("topics", "The topics you can practise"),
    ("settings", "Topics, level, time, time zone, pace"),
    ("report", "Report a problem with the last question"),
    ("export", "Download all your data (JSON)"),
    ("forget", "Delete all your data"),
    ("link", "Link your Discord account"),
    ("help", "How this bot works"),
    ("start", "Set up (again)"),
)
GROUP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("groupon", "Admins: daily group question [HH:MM] [time zone]"),
    ("groupoff", "Admins: stop the daily group question"),
    ("help", "How this bot works"),
)


def button(text: str, verb: Verb, *args: object) -> Button:
    """An inline button with namespaced callback data (a row item of a :class:`Keyboard`)."""
    return _clip(text), callbacks.encode(verb, *args)


def _clip(text: str, limit: int = BUTTON_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------- questions


def _header(view: QuestionView, title: str) -> str:
    tag = "review" if view.kind == "review" else "new"
    topics = ", ".join(view.topics)
    return f"<b>{esc(title)}</b> · {esc(topics)} · {esc(view.level)} · {tag}"


def _how_to_answer(kind: QuestionType, group: bool) -> str:
    if kind in CHOICE_TYPES:
        return (
            "Reply to this message with the number, or tap an option."
            if group
            else ("Tap an option.")
        )
    if kind is QuestionType.MULTIPLE_CHOICE:
        if group:
            return "Reply to this message with the numbers, e.g. <code>1 3</code>."
        return "Tap every right option, then <b>Submit</b>."
    if group:
        return "Reply to this message with your answer."
    return "Reply with your answer in one message."


def _options(options: Sequence[str]) -> list[str]:
    return [f"<b>{i + 1}.</b> {rich(option)}" for i, option in enumerate(options)]


def question(view: QuestionView, title: str = "Question", footer: str = "") -> Rendered:
    """A question put to one person, with answer and hint/skip/reveal buttons."""
    lines = [_header(view, title)]
    if view.resumed:
        lines.append("<i>Picking up where you left off.</i>")
    if view.leech and view.leech_note:
        lines.append("")
        lines.append("<i>This one keeps slipping. Read this first:</i>")
        lines.append(rich(view.leech_note))
    lines.append("")
    lines.append(rich(view.prompt))
    if view.options:
        lines.append("")
        lines.extend(_options(view.options))
    lines.append("")
    if view.answered:
        lines.append("<i>You have already answered this one today.</i>")
        if footer:
            lines.append(footer)
        return "\n".join(lines), None
    lines.append(f"<i>{_how_to_answer(view.type, group=False)}</i>")
    if footer:
        lines.append(footer)
    return "\n".join(lines), question_keyboard(view)


def question_keyboard(view: QuestionView, mask: int = 0) -> Keyboard:
    """Option buttons (toggles for multiple choice) and hint / skip / reveal."""
    rows: list[list[Button]] = []
    attempt = view.attempt_id
    if view.type in CHOICE_TYPES:
        verb = Verb.TRUE_FALSE if view.type is QuestionType.TRUE_FALSE else Verb.ANSWER
        rows.extend(
            [button(f"{i + 1}. {option}", verb, attempt, i)]
            for i, option in enumerate(view.options)
        )
    elif view.type is QuestionType.MULTIPLE_CHOICE:
        rows.extend(multiple_rows(attempt, view.options, mask))
    extra = []
    if view.hints_available:
        extra.append(button("💡 Hint", Verb.HINT, attempt))
    extra.append(button("⏭ Skip", Verb.SKIP, attempt))
    extra.append(button("👁 Reveal", Verb.REVEAL, attempt))
    rows.append(extra)
    return Keyboard(rows)


def multiple_rows(attempt: int, options: Sequence[str], mask: int) -> list[list[Button]]:
    """Toggle buttons for a multiple-choice question; the selection lives in the payload."""
    rows = [
        [
            button(
                f"{'☑' if mask >> i & 1 else '☐'} {i + 1}. {option}",
                Verb.TOGGLE,
                attempt,
                mask ^ (1 << i),
            )
        ]
        for i, option in enumerate(options)
    ]
    picked = bin(mask).count("1")
    rows.append([button(f"✅ Submit ({picked} selected)", Verb.SUBMIT, attempt, mask)])
    return rows


def choice_answer(kind: QuestionType, index: int) -> str:
    """The answer text for a tapped option: its number, or true/false."""
    if kind is QuestionType.TRUE_FALSE:
        return "true" if index == 0 else "false"
    return str(index + 1)


def mask_answer(mask: int, count: int) -> str | None:
    """The answer text for a selection mask (``"1 3"``); None if empty or out of range."""
    if mask <= 0 or mask >= 1 << count:
        return None
    return " ".join(str(i + 1) for i in range(count) if mask >> i & 1)


def daily(message: DailyQuestion) -> Rendered:
    """A person's daily question as delivered by the engine."""
    footer = f"🔥 Streak: {message.streak} day(s)." if message.streak else ""
    return question(message.question, title="📅 Daily question", footer=footer)


def group_question(message: GroupQuestion) -> Rendered:
    """The group's shared daily question; members reply to it (or tap an option)."""
    kind = QuestionType(message.type)
    topics = ", ".join(message.topics)
    lines = [f"<b>👥 Daily group question</b> · {esc(topics)} · {esc(message.level)}"]
    if message.yesterday:
        names = ", ".join(esc(n) for n in message.yesterday)
        lines.append(f"Yesterday {len(message.yesterday)} answered: {names}.")
    if message.group_streak:
        lines.append(f"Group streak: {message.group_streak} day(s).")
    lines.append("")
    lines.append(rich(message.prompt))
    if message.options:
        lines.append("")
        lines.extend(_options(message.options))
    lines.append("")
    lines.append(f"<i>{_how_to_answer(kind, group=True)}</i>")
    lines.append("<i>Each answer counts for the member's own schedule.</i>")
    keyboard = None
    if kind in CHOICE_TYPES:
        keyboard = Keyboard(
            [
                [button(f"{i + 1}. {option}", Verb.GROUP_ANSWER, i)]
                for i, option in enumerate(message.options)
            ]
        )
    return "\n".join(lines), keyboard


def reminder(message: Reminder) -> Rendered:
    """The streak-saver."""
    if message.restorable:
        first = (
            f"Answer {2 * message.daily_goal} question(s) today to restore your "
            f"{message.restorable}-day streak."
        )
    else:
        first = f"🔥 Your {message.streak}-day streak ends in about {message.hours_left} hour(s)."
    lines = [
        first,
        f"Today: {message.answered_today} of {message.daily_goal} answered.",
        "/today for today's question, /practice for more.",
    ]
    return "\n".join(lines), None


# ----------------------------------------------------------------------- results


def _verdict(result: AnswerOutcome) -> str:
    score = result.grade.score
    if result.revealed:
        return "👁 <b>Answer revealed</b>"
    if score is None:
        return "✍️ <b>Rate this one yourself</b>"
    rating = result.suggested
    icon = "✅" if rating and rating >= Rating.GOOD else "🟡" if rating is Rating.HARD else "❌"
    return f"{icon} <b>Score {score:.0%}</b>"


def outcome(
    result: AnswerOutcome,
    now: datetime,
    group: bool = False,
    who: str | None = None,
    next_button: str | None = None,
) -> Rendered:
    """The grade, key points, model answer, explanation, follow-ups and rating buttons.

    Args:
        result: what the services returned.
        group: in a group chat the model answer is hidden behind a spoiler.
        who: the member's display name, shown in groups.
        now: the current time, for "next review in 3 days".
        next_button: the label of a "next question" button under the ratings, if any.
    """
    grade = result.grade
    lines: list[str] = []
    if who:
        lines.append(f"<b>{esc(who)}</b>")
    if result.already_answered:
        lines.append(f"<i>{esc(grade.feedback)}</i>")
    lines.append(_verdict(result))
    if grade.feedback and not result.already_answered and not result.revealed:
        lines.append(esc(grade.feedback))
    if grade.truncated:
        lines.append("<i>Only the beginning of a very long answer was graded.</i>")
    if grade.key_points:
        lines.append("")
        for point in grade.key_points:
            lines.append(f"<code>{MARKS[point.status]}</code> {esc(point.text)}")
    for wrong in grade.misconceptions:
        lines.append(f"<code>!</code> misconception: {esc(wrong)}")
    if result.correct_options:
        lines.append("")
        lines.append("<b>Correct:</b> " + "; ".join(rich(o) for o in result.correct_options))
    lines.append("")
    lines.append("<b>Model answer</b>")
    model = rich(result.model_answer)
    lines.append(f"<tg-spoiler>{model}</tg-spoiler>" if group else model)
    if result.explanation:
        lines.append("<b>Why</b>")
        lines.append(rich(result.explanation))
    if result.follow_ups:
        lines.append("")
        lines.append("<b>Follow-up to think about</b>")
        lines.extend(f"• {rich(f)}" for f in result.follow_ups)
    if result.already_answered:
        return "\n".join(lines), None
    lines.append("")
    if result.suggested is None:
        lines.append("How did it go? Tap a rating to schedule the next review.")
    else:
        due = f" Next review {when(result.next_due, now)}." if result.next_due else ""
        lines.append(
            f"Suggested rating: <b>⭐ {result.suggested.label}</b>.{due} "
            "Tap it to confirm, or pick another."
        )
    keyboard = rating_keyboard(result.review_id, result.suggested, None, next_button)
    return "\n".join(lines), keyboard


_ANSWER_PROMPTS = frozenset(f"<i>{_how_to_answer(kind, group=False)}</i>" for kind in QuestionType)


def answered_question(question_html: str, result_html: str) -> str:
    """A question message turned into its result (edited in place after a tap).

    ``question_html`` is the question as Telegram shows it (``Message.text_html``); its
    "tap an option" line goes, the result follows below the question.
    """
    lines = [line for line in question_html.split("\n") if line not in _ANSWER_PROMPTS]
    return "\n".join(lines).rstrip() + "\n\n" + result_html


def rating_keyboard(
    review_id: int,
    suggested: Rating | None,
    chosen: Rating | None,
    next_button: str | None = None,
) -> Keyboard:
    """Again / Hard / Good / Easy; the suggestion starred, the confirmed one ticked."""
    row = []
    for rating in Rating:
        label = rating.label
        if rating is chosen:
            label = f"✔ {label}"
        elif rating is suggested and chosen is None:
            label = f"⭐ {label}"
        row.append(button(label, Verb.RATE, review_id, int(rating)))
    rows = [row]
    if next_button:
        rows.append([button(next_button, Verb.NEXT)])
    return Keyboard(rows)


def rated(result: RatingOutcome, now: datetime) -> str:
    """The toast after a rating tap."""
    if not result.changed:
        return f"Rated {result.rating.label}. Next review {when(result.next_due, now)}."
    return f"Rated {result.rating.label}: next review {when(result.next_due, now)}."


def when(moment: datetime | None, now: datetime) -> str:
    """When a review is due, relative to now: ``tomorrow``, ``in 3 days``, ``in 2 months``."""
    if moment is None:
        return "soon"
    days = round((moment - now).total_seconds() / 86400)
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 60:
        return f"in {days} days"
    return f"in {round(days / 30)} months"


# ------------------------------------------------------------------ progress


def streak(value: Streak, weeks: int = 4) -> str:
    """Current and longest streak, freezes, and a calendar of the last weeks."""
    assert value.today is not None  # streaks from the services always carry their day
    today = value.today
    lines = [f"🔥 <b>Streak: {value.current} day(s)</b> · longest {value.longest}"]
    state = "done ✅" if value.today_done else "not yet"
    lines.append(f"Today: {state} · freezes held: {value.freezes} 🧊")
    if value.restorable:
        lines.append(f"Answer two days' worth today to restore your {value.restorable}-day streak.")
    status = dict(value.history)
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    lines.append("")
    lines.append("<code>Mo Tu We Th Fr Sa Su</code>")
    for week in range(weeks):
        cells = []
        for offset in range(7):
            day = start + timedelta(days=7 * week + offset)
            if day > today:
                cells.append("▪️")
            else:
                cells.append(DAY_MARKS.get(status[day], "⬜") if day in status else "⬜")
        lines.append("".join(cells))
    lines.append(
        "🟩 done · 🟥 missed · 🧊 freeze · 🔁 restored · 💤 rest · 🛠 bot down · ⏳ today · ⬜ none"
    )
    return "\n".join(lines)


def stats(value: Stats) -> str:
    """Accuracy and retention per topic, the due forecast, weakest topics and leeches."""
    accuracy = f"{value.accuracy:.0%}" if value.accuracy is not None else "n/a"
    lines = [
        "<b>Your progress</b>",
        f"Answered {value.answered} · accuracy {accuracy} · cards {value.cards} · "
        f"due now {value.due_now}",
    ]
    if value.topics:
        table = [f"{'topic':<18}{'answ':>5}{'acc':>6}{'ret':>6}"]
        for t in value.topics:
            acc = f"{t.accuracy:.0%}" if t.accuracy is not None else "-"
            ret = f"{t.retention:.0%}" if t.retention is not None else "-"
            table.append(f"{_clip(t.topic, 18):<18}{t.answered:>5}{acc:>6}{ret:>6}")
        lines.append("<pre>" + esc("\n".join(table)) + "</pre>")
    if value.weakest:
        lines.append("Weakest: " + esc(", ".join(value.weakest)))
    forecast = " · ".join(f"{d:%a} {n}" for d, n in value.forecast)
    lines.append(f"Due next days: {forecast}")
    if value.leeches:
        lines.append("Keep slipping: " + esc(", ".join(value.leeches)))
    return "\n".join(lines)


def topics(counts: dict[str, int], chosen: Sequence[str]) -> str:
    """The topics of the bank with question counts; the person's own ticked."""
    lines = ["<b>Topics</b> (✔ = in your daily mix; all topics when none is ticked)"]
    for topic, count in sorted(counts.items()):
        mark = "✔" if topic in chosen else "·"
        lines.append(f"{mark} <code>{esc(topic)}</code> · {count} question(s)")
    lines.append("")
    lines.append("/practice TOPIC [n] to drill one topic; /settings to change your mix.")
    return "\n".join(lines)


def settings_summary(value: PersonSettings, now: datetime) -> str:
    """The settings a person chose in onboarding."""
    chosen = ", ".join(value.topics) if value.topics else "all topics"
    return "\n".join(
        [
            "<b>Your settings</b>",
            f"Topics: {esc(chosen)}",
            f"Level: {esc(value.level.value)}",
            f"Daily question at: {esc(value.delivery_time)}",
            f"Time zone: {esc(zones.describe(value.timezone, now))}",
            f"New questions per day: {value.new_per_day}",
        ]
    )


def help_text(group: bool = False) -> str:
    """The command list."""
    lines = [
        "<b>interviewprep</b>: spaced-repetition interview practice.",
        "A daily question arrives at your time; answer by tapping an option or replying "
        "in text. You get a score, the key points you hit (+), missed (−) or contradicted "
        "(!), the model answer and the explanation, then confirm or change the suggested "
        "rating, which schedules the next review.",
        "",
    ]
    lines.extend(f"/{name} · {esc(text)}" for name, text in COMMANDS)
    lines.append("")
    lines.append("<b>In groups</b>")
    lines.extend(f"/{name} · {esc(text)}" for name, text in GROUP_COMMANDS[:2])
    lines.append("Members answer the group question by replying to it.")
    if group:
        lines.append("")
        lines.append("Practise on your own in a private chat with me.")
    return "\n".join(lines)
