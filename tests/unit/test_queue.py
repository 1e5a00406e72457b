"""The daily queue: pure ordering rules."""

from __future__ import annotations

from datetime import date

from interviewprep.domain.queue import DueCard, ItemKind, NewQuestion, new_allowance, plan


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
