"""A person's memory of one question, scheduled by FSRS (the ``fsrs`` library).

:class:`CardState` is an immutable snapshot; :func:`review` returns a new one. The
scheduler works in whole days: interview answers are long, and re-asking one after
ten minutes tests short-term memory, not recall, so there are no intra-day learning
steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import fsrs

from interviewprep.domain.clock import as_utc
from interviewprep.domain.rating import Rating

LEECH_LAPSES = 6  # forgotten this many times: flag it and show the explanation first
MAX_INTERVAL_DAYS = 3650


@dataclass(frozen=True)
class CardState:
    """FSRS memory state of one person x question card."""

    due: datetime
    state: int = fsrs.State.Learning.value
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        """Never reviewed."""
        return self.reps == 0

    @property
    def is_leech(self) -> bool:
        """Forgotten so often that drilling it again without help is wasted effort."""
        return self.lapses >= LEECH_LAPSES

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (stored beside each review so ratings can be changed)."""
        return {
            "due": self.due.isoformat(),
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        """Inverse of :meth:`to_dict`."""
        last = data.get("last_review")
        return cls(
            due=datetime.fromisoformat(data["due"]),
            state=int(data["state"]),
            step=data.get("step"),
            stability=data.get("stability"),
            difficulty=data.get("difficulty"),
            last_review=datetime.fromisoformat(last) if last else None,
            reps=int(data.get("reps", 0)),
            lapses=int(data.get("lapses", 0)),
        )


def new_card(now: datetime) -> CardState:
    """A card that has never been reviewed, due now."""
    return CardState(due=as_utc(now))


@dataclass(frozen=True)
class SchedulerConfig:
    """How FSRS schedules: per-person retention, global fuzzing."""

    desired_retention: float = 0.9
    fuzzing: bool = True


@lru_cache(maxsize=64)
def _scheduler(config: SchedulerConfig) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        desired_retention=config.desired_retention,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAX_INTERVAL_DAYS,
        enable_fuzzing=config.fuzzing,
    )


def _to_fsrs(card: CardState) -> fsrs.Card:
    # card_id is passed so that fsrs does not derive (and sleep for) a unique one
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=as_utc(card.due),
        last_review=as_utc(card.last_review) if card.last_review else None,
    )


def review(card: CardState, rating: Rating, now: datetime, config: SchedulerConfig) -> CardState:
    """Return the card after a review with ``rating`` at ``now``."""
    now = as_utc(now)
    updated, _ = _scheduler(config).review_card(_to_fsrs(card), fsrs.Rating(int(rating)), now)
    lapsed = rating is Rating.AGAIN and not card.is_new
    return replace(
        card,
        due=updated.due,
        state=int(updated.state),
        step=updated.step,
        stability=updated.stability,
        difficulty=updated.difficulty,
        last_review=updated.last_review,
        reps=card.reps + 1,
        lapses=card.lapses + (1 if lapsed else 0),
    )


def retrievability(card: CardState, now: datetime, config: SchedulerConfig) -> float:
    """Probability (0-1) that the person still recalls the answer at ``now``."""
    if card.is_new:
        return 0.0
    return float(_scheduler(config).get_card_retrievability(_to_fsrs(card), as_utc(now)))
