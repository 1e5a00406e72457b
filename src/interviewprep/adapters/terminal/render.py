"""Plain-terminal rendering of service results: colour only on a TTY without NO_COLOR."""

from __future__ import annotations

import os
import shutil
import textwrap
from dataclasses import dataclass

from interviewprep.domain.streak import Streak
from interviewprep.grading.result import KeyPointStatus
from interviewprep.services.views import AnswerOutcome, QuestionView, Stats

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
MARKS = {
    KeyPointStatus.COVERED: ("+", "green"),
    KeyPointStatus.MISSING: ("-", "yellow"),
    KeyPointStatus.CONTRADICTED: ("!", "red"),
}


@dataclass(frozen=True)
class Style:
    """Colours on or off, and the wrap width."""

    color: bool
    width: int

    @classmethod
    def detect(cls, is_tty: bool) -> Style:
        """Colour on a real terminal unless NO_COLOR is set; wrap to its width."""
        color = is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        width = min(shutil.get_terminal_size((88, 24)).columns, 100) if is_tty else 88
        return cls(color=color, width=max(width, 40))

    def paint(self, text: str, *styles: str) -> str:
        """Wrap ``text`` in ANSI codes when colour is on."""
        if not self.color or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def wrap(self, text: str, indent: str = "") -> str:
        """Wrap prose to the width, leaving code blocks and short lines alone."""
        out: list[str] = []
        in_code = False
        for line in text.splitlines() or [""]:
            if line.strip().startswith("```"):
                in_code = not in_code
                continue
            if in_code or not line.strip():
                out.append(indent + line)
            else:
                out.extend(
                    textwrap.wrap(line, self.width, initial_indent=indent, subsequent_indent=indent)
                )
        return "\n".join(out)


def letter(index: int) -> str:
    """Option label: 1, 2, 3... (the drill takes numbers or letters)."""
    return str(index + 1)


def question(view: QuestionView, number: int, total: int, style: Style) -> str:
    """The question block: header, leech note, prompt, options and how to answer."""
    tag = "review" if view.kind == "review" else "new"
    header = (
        f"[{number}/{total}] {view.question_id} · {view.level} · {tag} · {', '.join(view.topics)}"
    )
    lines = [style.paint(header, "dim")]
    if view.resumed:
        lines.append(style.paint("(picking up where you left off)", "dim"))
    if view.leech and view.leech_note:
        lines.append(style.paint("This one keeps slipping. Read this first:", "yellow"))
        lines.append(style.wrap(view.leech_note, "  "))
    lines.append("")
    lines.append(style.paint(style.wrap(view.prompt), "bold"))
    if view.options:
        lines.append("")
        for index, option in enumerate(view.options):
            lines.append(f"  {letter(index)}) {option}")
        lines.append("")
        how = "numbers separated by spaces" if view.multiple else "a number"
        lines.append(style.paint(f"Answer with {how}.", "dim"))
    else:
        lines.append("")
        lines.append(style.paint("Type your answer.", "dim"))
    commands = "/hint, /skip, /reveal, /quit" if view.hints_available else "/skip, /reveal, /quit"
    lines.append(style.paint(f"Commands: {commands}", "dim"))
    return "\n".join(lines)


def outcome(result: AnswerOutcome, style: Style) -> str:
    """The grade, key points, model answer and explanation."""
    grade = result.grade
    lines: list[str] = [""]
    if result.already_answered:
        lines.append(style.paint(grade.feedback, "yellow"))
    if grade.score is not None and not result.revealed:
        colour = (
            "green" if (result.suggested or 0) >= 3 else "yellow" if grade.score >= 0.4 else "red"
        )
        lines.append(style.paint(f"Score {grade.score:.0%}", "bold", colour))
    if grade.feedback and not result.already_answered:
        lines.append(style.wrap(grade.feedback))
    for point in grade.key_points:
        mark, colour = MARKS[point.status]
        lines.append(style.paint(f"  {mark} ", colour) + f"{point.text} ({point.status.value})")
    for wrong in grade.misconceptions:
        lines.append(style.paint("  ! ", "red") + f"misconception: {wrong}")
    if result.correct_options:
        lines.append("Correct: " + "; ".join(result.correct_options))
    lines.append("")
    lines.append(style.paint("Model answer", "cyan", "bold"))
    lines.append(style.wrap(result.model_answer, "  "))
    lines.append(style.paint("Why", "cyan", "bold"))
    lines.append(style.wrap(result.explanation, "  "))
    if result.follow_ups:
        lines.append(style.paint("Follow-up to think about", "cyan", "bold"))
        lines.extend(style.wrap(f, "  ") for f in result.follow_ups)
    return "\n".join(lines)


def streak_line(streak: Streak) -> str:
    """One line: current and longest streak, freezes, today's state."""
    today = "done today" if streak.today_done else "not yet today"
    text = f"Streak: {streak.current} day(s), longest {streak.longest}, {today}"
    if streak.freezes:
        text += f", {streak.freezes} freeze(s) held"
    if streak.restorable:
        text += f" (answer two today to restore your {streak.restorable}-day streak)"
    return text


def stats_block(stats: Stats, style: Style) -> str:
    """A compact stats table."""
    lines = [style.paint("Your progress", "bold")]
    accuracy = f"{stats.accuracy:.0%}" if stats.accuracy is not None else "n/a"
    lines.append(
        f"Answered {stats.answered} · accuracy {accuracy} · cards {stats.cards}"
        f" · due now {stats.due_now}"
    )
    if stats.topics:
        lines.append(f"{'topic':<24}{'answered':>9}{'accuracy':>10}{'retention':>11}")
        for t in stats.topics:
            acc = f"{t.accuracy:.0%}" if t.accuracy is not None else "-"
            ret = f"{t.retention:.0%}" if t.retention is not None else "-"
            lines.append(f"{t.topic:<24}{t.answered:>9}{acc:>10}{ret:>11}")
    if stats.weakest:
        lines.append("Weakest: " + ", ".join(stats.weakest))
    forecast = ", ".join(f"{d:%a} {n}" for d, n in stats.forecast)
    lines.append(f"Due next days: {forecast}")
    if stats.leeches:
        lines.append("Leeches (keep slipping): " + ", ".join(stats.leeches))
    return "\n".join(lines)
