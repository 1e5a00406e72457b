"""What the services return: plain, immutable data that adapters render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from interviewprep.bank.schema import QuestionType
from interviewprep.domain.queue import ItemKind
from interviewprep.domain.rating import Rating
from interviewprep.domain.streak import Streak
from interviewprep.grading.result import GradeResult


@dataclass(frozen=True)
class QuestionView:
    """A question as put to one person in one attempt."""

    attempt_id: int
    question_id: str
    type: QuestionType
    prompt: str
    level: str
    topics: tuple[str, ...]
    options: tuple[str, ...]  # choice and true/false questions; labels a, b, c... in order
    kind: ItemKind
    hints_available: int
    leech: bool = False
    leech_note: str | None = None  # for leeches: the explanation, shown before asking
    resumed: bool = False  # an attempt left open earlier (e.g. before a restart)
    answered: bool = False  # already closed (answered, skipped or revealed): shown, not asked

    @property
    def multiple(self) -> bool:
        """True when more than one option may be chosen."""
        return self.type is QuestionType.MULTIPLE_CHOICE


@dataclass(frozen=True)
class AnswerOutcome:
    """The result of answering (or revealing) a question."""

    attempt_id: int
    review_id: int
    question_id: str
    answer: str
    grade: GradeResult
    suggested: Rating | None  # None: the person must rate the answer themselves
    rating: Rating | None  # the rating in force now
    model_answer: str
    explanation: str
    correct_options: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    next_due: datetime | None = None
    already_answered: bool = False  # a repeat submission: nothing changed
    revealed: bool = False
    person_id: int | None = None  # whose answer (set by every Practice method)


@dataclass(frozen=True)
class RatingOutcome:
    """The result of confirming or overriding a suggested rating."""

    review_id: int
    rating: Rating
    suggested: Rating | None
    changed: bool
    next_due: datetime


@dataclass(frozen=True)
class TopicStats:
    """How a person is doing on one topic."""

    topic: str
    answered: int
    correct: int
    retention: float | None  # mean recall probability of reviewed cards, now

    @property
    def accuracy(self) -> float | None:
        """Share of answers rated Hard or better."""
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class Stats:
    """A person's summary."""

    answered: int
    correct: int
    cards: int
    due_now: int
    leeches: tuple[str, ...]
    topics: tuple[TopicStats, ...]
    forecast: tuple[tuple[date, int], ...]  # cards due on each of the next days (local)
    weakest: tuple[str, ...] = field(default=())

    @property
    def accuracy(self) -> float | None:
        """Share of all answers rated Hard or better."""
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class GroupView:
    """A group's daily-question setup."""

    id: int
    platform: str
    external_id: str
    channel_id: str
    name: str
    timezone: str
    delivery_time: str
    topics: tuple[str, ...]
    level: str
    role_id: str | None
    leaderboard: bool
    min_members: int
    paused: bool
    active: bool
    inactive_reason: str | None


@dataclass(frozen=True)
class GroupStreak:
    """A group's streak with what a line about it needs."""

    group_id: int
    min_members: int  # members answering on a day for it to count
    streak: Streak


@dataclass(frozen=True)
class Milestones:
    """Streaks an answer to a group's question made longer, for announcing."""

    person: int | None = None  # the member's streak, when this answer met today's goal
    group: int | None = None  # the group streak, when this answer made the day count


@dataclass(frozen=True)
class GroupPost:
    """The group question a platform message carries."""

    group_id: int
    local_date: date
    question_id: str


@dataclass(frozen=True)
class LeaderRow:
    """One line of a group leaderboard.

    ``points``: 3 per answer rated Hard or better, 1 per other answer, so effort counts
    and correct recall counts more.
    """

    rank: int
    person_id: int
    display_name: str
    answered: int
    correct: int
    points: int
    streak: int


@dataclass(frozen=True)
class DaySummary:
    """Who in a group answered the group's question on one day."""

    local_date: date
    members: int
    answered: tuple[str, ...]


@dataclass(frozen=True)
class ReportView:
    """A person's report about a question, as maintainers read it."""

    id: int
    question_id: str | None
    text: str
    created_at: datetime
    resolved: bool
