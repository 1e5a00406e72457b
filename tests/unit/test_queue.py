"""The daily queue: pure ordering rules."""

from __future__ import annotations

import random
from datetime import date

import pytest

from interviewprep.domain.queue import (
    DueCard,
    ItemKind,
    NewQuestion,
    QueueItem,
    _interleave,
    _main_topic,
    new_allowance,
    plan,
    preselect,
)


def test_due_reviews_come_first_least_recalled_first() -> None:
    due = [DueCard("a", ("sql",), 0.8), DueCard("b", ("http",), 0.3)]
    new = [NewQuestion("n", ("git",))]
    items = plan(due, new, allowance=5, topic_strength={}, limit=10)
    assert [i.question_id for i in items] == ["b", "a", "n"]
    assert [i.kind for i in items] == [ItemKind.REVIEW, ItemKind.REVIEW, ItemKind.NEW]


def test_new_questions_stop_at_the_allowance_and_the_limit() -> None:
    new = [NewQuestion(f"q{i}", ("sql",), i) for i in range(10)]
    assert len(plan([], new, allowance=3, topic_strength={}, limit=10)) == 3
    assert len(plan([], new, allowance=30, topic_strength={}, limit=4)) == 4
    assert plan([], new, allowance=0, topic_strength={}, limit=4) == []


def test_weakest_topics_are_preferred_for_new_questions() -> None:
    new = [NewQuestion("strong", ("sql",), 0), NewQuestion("weak", ("http",), 1)]
    items = plan([], new, allowance=1, topic_strength={"sql": 0.95, "http": 0.4}, limit=1)
    assert items[0].question_id == "weak"


def test_topics_are_interleaved_without_breaking_priority_more_than_needed() -> None:
    new = [NewQuestion(f"s{i}", ("sql",), i) for i in range(3)] + [
        NewQuestion(f"h{i}", ("http",), 10 + i) for i in range(2)
    ]
    items = plan([], new, allowance=5, topic_strength={}, limit=5)
    assert [i.question_id for i in items] == ["s0", "h0", "s1", "h1", "s2"]


def test_the_previous_topic_is_avoided_first() -> None:
    new = [NewQuestion("s", ("sql",), 0), NewQuestion("h", ("http",), 1)]
    items = plan([], new, allowance=1, topic_strength={}, limit=1, last_topic="sql")
    assert items[0].question_id == "h"


def test_leech_flag_travels_with_the_item() -> None:
    items = plan([DueCard("x", ("sql",), 0.1, leech=True)], [], 0, {}, 5)
    assert items[0].leech


def test_allowance_without_interview_date() -> None:
    assert new_allowance(5, 2, 100, date(2026, 1, 1), None) == 3
    assert new_allowance(5, 9, 100, date(2026, 1, 1), None) == 0


def test_interview_date_spreads_unseen_material_over_the_days_left() -> None:
    today = date(2026, 1, 1)
    assert new_allowance(5, 0, 100, today, date(2026, 1, 11)) == 10
    assert new_allowance(5, 4, 96, today, date(2026, 1, 11)) == 6  # same day, same share
    assert new_allowance(5, 0, 10, today, date(2026, 1, 11)) == 5  # never below the setting
    assert new_allowance(5, 0, 100, today, date(2025, 12, 1)) == 5  # date passed


def _plan_sorting_everything(
    due: list[DueCard],
    unseen: list[NewQuestion],
    allowance: int,
    strength: dict[str, float],
    limit: int,
    last_topic: str | None,
) -> list[QueueItem]:
    """The plan as it was before new questions were preselected per topic (reference)."""
    reviews = sorted(due, key=lambda c: (c.retrievability, c.question_id))
    items = [
        QueueItem(c.question_id, ItemKind.REVIEW, c.leech)
        for c in _interleave(reviews, lambda c: c.topics, limit, last_topic)
    ]
    room = min(allowance, limit - len(items))
    if room <= 0:
        return items
    fresh = sorted(
        unseen,
        key=lambda q: (min(strength.get(t, 0.5) for t in q.topics), q.order, q.question_id),
    )
    previous = _main_topic(due, items[-1].question_id) if items else last_topic
    picked = _interleave(fresh, lambda q: q.topics, room, previous)
    return items + [QueueItem(q.question_id, ItemKind.NEW) for q in picked]


@pytest.mark.parametrize("seed", range(40))
def test_the_plan_picks_what_sorting_every_new_question_picked(seed: int) -> None:
    rng = random.Random(seed)
    topics = ["sql", "http", "git", "docker", "auth", "cache"][: rng.randint(1, 6)]

    def some_topics() -> tuple[str, ...]:
        return tuple(rng.sample(topics, rng.randint(1, min(3, len(topics)))))

    due = [DueCard(f"d{i}", some_topics(), rng.random()) for i in range(rng.randint(0, 8))]
    unseen = [
        NewQuestion(f"n{i}", some_topics(), rng.randint(0, 30)) for i in range(rng.randint(0, 80))
    ]
    strength = {t: rng.choice([0.2, 0.5, 0.9]) for t in topics if rng.random() < 0.7}
    orders = {q.question_id: q.order for q in unseen}
    for limit in (1, 2, 3, 10, 100):
        allowance = rng.randint(0, limit + 2)
        last = rng.choice([None, *topics])
        expected = _plan_sorting_everything(due, unseen, allowance, strength, limit, last)
        assert plan(due, unseen, allowance, strength, limit, last) == expected
        # the service ranks only what preselect keeps for the room the reviews leave
        room = min(allowance, limit - min(limit, len(due)))
        kept = preselect(
            [(q.question_id, q.topics) for q in unseen], orders.__getitem__, strength, room
        )
        assert len(kept) <= len(unseen)
        assert plan(due, kept, allowance, strength, limit, last) == expected


def test_preselect_ranks_only_the_weakest_topics_candidates() -> None:
    hashed: list[str] = []

    def order(question_id: str) -> int:
        hashed.append(question_id)
        return int(question_id[1:])

    candidates = [(f"q{i}", ("sql",) if i % 2 else ("sql", "cache")) for i in range(20)]
    kept = preselect(candidates, order, {"sql": 0.9, "cache": 0.2}, 1)
    # "cache" is weak: only the ten questions that also cover it were hashed
    assert sorted(hashed) == sorted(f"q{i}" for i in range(0, 20, 2))
    assert kept == [NewQuestion("q0", ("sql", "cache"), 0)]
    assert preselect(candidates, order, {}, 0) == []
