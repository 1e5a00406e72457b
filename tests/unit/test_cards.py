"""FSRS cards: pure functions with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from interviewprep.domain.cards import (
    LEECH_LAPSES,
    CardState,
    SchedulerConfig,
    new_card,
    retrievability,
    review,
)
from interviewprep.domain.clock import FixedClock, as_utc, local_date
from interviewprep.domain.rating import Rating

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONFIG = SchedulerConfig(fuzzing=False)


def test_new_card_is_due_now_and_new() -> None:
    card = new_card(NOW)
    assert card.due == NOW
    assert card.is_new
    assert not card.is_leech


def test_review_returns_a_new_card_and_leaves_the_old_one() -> None:
    card = new_card(NOW)
    after = review(card, Rating.GOOD, NOW, CONFIG)
    assert card.reps == 0
    assert after.reps == 1
    assert after.last_review == NOW
    assert after.due > NOW + timedelta(days=1)  # whole days, no 10-minute learning steps


def test_better_ratings_schedule_further_out() -> None:
    card = review(new_card(NOW), Rating.GOOD, NOW, CONFIG)
    later = card.due
    dues = [review(card, r, later, CONFIG).due for r in Rating]
    assert dues == sorted(dues)
    assert len(set(dues)) == 4


def test_forgetting_counts_a_lapse_and_leeches_are_flagged() -> None:
    card = review(new_card(NOW), Rating.GOOD, NOW, CONFIG)
    assert card.lapses == 0
    for _ in range(LEECH_LAPSES):
        card = review(card, Rating.AGAIN, card.due, CONFIG)
    assert card.lapses == LEECH_LAPSES
    assert card.is_leech


def test_first_answer_wrong_is_not_a_lapse() -> None:
    assert review(new_card(NOW), Rating.AGAIN, NOW, CONFIG).lapses == 0


def test_higher_retention_means_shorter_intervals() -> None:
    card = review(new_card(NOW), Rating.GOOD, NOW, CONFIG)
    relaxed = review(card, Rating.GOOD, card.due, SchedulerConfig(0.8, fuzzing=False))
    strict = review(card, Rating.GOOD, card.due, SchedulerConfig(0.95, fuzzing=False))
    assert strict.due < relaxed.due


def test_retrievability_decays_over_time() -> None:
    card = review(new_card(NOW), Rating.GOOD, NOW, CONFIG)
    soon = retrievability(card, NOW + timedelta(days=1), CONFIG)
    late = retrievability(card, NOW + timedelta(days=60), CONFIG)
    assert 1 >= soon > late > 0
    assert retrievability(new_card(NOW), NOW, CONFIG) == 0.0


def test_snapshot_round_trips() -> None:
    card = review(new_card(NOW), Rating.HARD, NOW, CONFIG)
    assert CardState.from_dict(card.to_dict()) == card


def test_times_must_be_aware_and_are_stored_in_utc() -> None:
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2026, 1, 1))
    berlin = datetime(2026, 1, 1, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    assert as_utc(berlin) == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert review(new_card(berlin), Rating.GOOD, berlin, CONFIG).last_review == as_utc(berlin)


def test_local_date_follows_the_zone() -> None:
    late = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert local_date(late, ZoneInfo("Europe/Berlin")).day == 2
    assert local_date(late, ZoneInfo("America/New_York")).day == 1


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(NOW)
    assert clock() == NOW
    clock.advance(timedelta(hours=2))
    assert clock() == NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "rating"),
    [("1", Rating.AGAIN), ("hard", Rating.HARD), ("G", Rating.GOOD), (" easy ", Rating.EASY)],
)
def test_rating_parse(text: str, rating: Rating) -> None:
    assert Rating.parse(text) is rating


def test_rating_parse_rejects_noise() -> None:
    assert Rating.parse("5") is None
    assert Rating.parse("great") is None
