"""``interviewprep drill``: practise in the terminal with the same services as the bots.

Interactive on a TTY (open answers end with an empty line); scriptable otherwise: one
line per answer and per rating prompt, so tests and shell pipelines can drive it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TextIO
from zoneinfo import ZoneInfo

from interviewprep.adapters.terminal import render
from interviewprep.domain.rating import Rating
from interviewprep.services.errors import PracticeError
from interviewprep.services.practice import Practice
from interviewprep.services.views import AnswerOutcome, QuestionView

logger = logging.getLogger(__name__)

PLATFORM = "terminal"


class _Quit(Exception):
    """The person asked to stop (``/quit``, Ctrl-D or Ctrl-C)."""


@dataclass
class Terminal:
    """Input and output streams plus whether a human is typing."""

    stdin: TextIO
    stdout: TextIO
    interactive: bool

    def say(self, text: str = "") -> None:
        """Print a block of text."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        """Read one line; raises _Quit at end of input."""
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            raise _Quit
        return line.rstrip("\n")

    def ask_block(self, prompt: str) -> str:
        """Read an answer: up to an empty line on a TTY, one line otherwise."""
        first = self.ask(prompt)
        if not self.interactive or first.startswith("/"):
            return first
        lines = [first]
        while lines[-1].strip():
            lines.append(self.ask("  "))
        return "\n".join(lines).strip()


@dataclass
class DrillSummary:
    """What a drill session did."""

    asked: int = 0
    answered: int = 0
    passed: int = 0


def run_drill(
    practice: Practice,
    person_id: int,
    term: Terminal,
    count: int = 5,
    topic: str | None = None,
) -> DrillSummary:
    """Ask up to ``count`` questions, grade the answers, confirm ratings, show the streak."""
    style = render.Style.detect(term.interactive)
    zone = ZoneInfo(practice.settings(person_id).timezone)
    summary = DrillSummary()
    try:
        for number in range(1, count + 1):
            view = practice.next_question(person_id, topic=topic, source="drill")
            if view is None:
                term.say(
                    "Nothing is due and you have had today's new questions. "
                    "Come back tomorrow, or raise new_per_day with `interviewprep settings`."
                )
                break
            summary.asked += 1
            term.say()
            term.say(render.question(view, number, count, style))
            result = _answer(practice, person_id, view, term, style)
            if result is None:
                continue
            summary.answered += 1
            term.say(render.outcome(result, style))
            # the suggestion is in force until the person rates: stopping at the rating
            # prompt keeps it, so the session counts it
            in_force = result.rating is not None and result.rating >= Rating.HARD
            summary.passed += in_force
            final = _rate(practice, person_id, result, term, zone)
            summary.passed += (final is not None and final >= Rating.HARD) - in_force
    except _Quit:
        term.say("Stopped. Everything you answered is saved.")
    except KeyboardInterrupt:
        term.say("\nStopped. Everything you answered is saved.")
    term.say()
    term.say(f"Session: {summary.answered} answered, {summary.passed} passed.")
    term.say(render.streak_line(practice.streak(person_id)))
    return summary


def _answer(
    practice: Practice, person_id: int, view: QuestionView, term: Terminal, style: render.Style
) -> AnswerOutcome | None:
    """Read answers and commands until the question is answered, skipped or revealed."""
    while True:
        text = term.ask_block("> ")
        command = text.strip().lower()
        if command in {"/quit", "/q", "/exit"}:
            raise _Quit
        if command == "/skip":
            practice.skip(person_id, view.attempt_id)
            term.say(style.paint("Skipped for today.", "dim"))
            return None
        if command == "/hint":
            hint = practice.hint(person_id, view.attempt_id)
            term.say(style.paint(f"Hint: {hint}" if hint else "No more hints.", "yellow"))
            continue
        try:
            if command == "/reveal":
                return practice.reveal(person_id, view.attempt_id)
            # choice answers go through as typed: the grader reads numbers, letters or text
            return practice.submit_answer(person_id, view.attempt_id, text)
        except PracticeError as exc:
            term.say(style.paint(str(exc), "red"))


def _rate(
    practice: Practice, person_id: int, result: AnswerOutcome, term: Terminal, zone: ZoneInfo
) -> Rating | None:
    """Confirm the suggested rating (Enter) or override it; self-rate when there is none."""
    if result.already_answered:
        return result.rating
    suggested = result.suggested
    while True:
        if suggested is None:
            prompt = "Rate yourself: 1 Again, 2 Hard, 3 Good, 4 Easy: "
        else:
            prompt = (
                f"Suggested rating: {suggested.label}. "
                "Enter to confirm, or 1 Again, 2 Hard, 3 Good, 4 Easy: "
            )
        reply = term.ask(prompt).strip()
        if not reply and suggested is not None:
            chosen: Rating | None = suggested
        else:
            chosen = Rating.parse(reply) if reply else None
        if chosen is None:
            term.say("Please answer 1, 2, 3 or 4.")
            continue
        outcome = practice.rate(person_id, result.review_id, chosen)
        when = outcome.next_due.astimezone(zone).strftime("%a %d %b %Y")
        term.say(f"Rated {chosen.label}; next review around {when}.")
        return chosen
