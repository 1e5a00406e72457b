"""Choosing what to ask next: the daily queue.

Due reviews come first, least likely to be recalled first. New questions follow,
within the day's allowance, preferring the person's weakest topics and interleaving
topics so that two questions in a row rarely share one. With an interview date, the
allowance grows so that the untouched material is spread over the days left.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class ItemKind(StrEnum):
    """Why a question is in the queue."""

    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True)
class DueCard:
    """A card that is due, with what the queue needs to order it."""

    question_id: str
    topics: tuple[str, ...]
    retrievability: float
    leech: bool = False


@dataclass(frozen=True)
class NewQuestion:
    """A question the person has never seen."""

    question_id: str
    topics: tuple[str, ...]
    order: int = 0  # a stable tie-breaker (bank order, or a per-person shuffle)


@dataclass(frozen=True)
class QueueItem:
    """One entry of the queue."""

    question_id: str
    kind: ItemKind
    leech: bool = False


def new_allowance(
    new_per_day: int,
    introduced_today: int,
    unseen: int,
    today: date,
    interview_date: date | None,
) -> int:
    """How many new questions may still be introduced today.

    Before an interview date the daily amount rises to cover everything unseen by the
    day before the interview (the last day is for review).
    """
    per_day = new_per_day
    if interview_date is not None and interview_date > today:
        days_left = max((interview_date - today).days, 1)
        # plan from the start of the day, so answering does not shrink today's share
        per_day = max(per_day, math.ceil((unseen + introduced_today) / days_left))
    return max(per_day - introduced_today, 0)


def plan(
    due: Sequence[DueCard],
    unseen: Sequence[NewQuestion],
    allowance: int,
    topic_strength: Mapping[str, float],
    limit: int,
    last_topic: str | None = None,
) -> list[QueueItem]:
    """Order the queue: due reviews, then new questions, topics interleaved.

    Args:
        due: due cards (any order).
        unseen: candidate new questions (any order).
        allowance: new questions allowed today (see :func:`new_allowance`).
        topic_strength: 0 (weak) to 1 (strong) per topic; unknown topics count as 0.5.
        limit: the most items to return.
        last_topic: the main topic of the question asked just before, avoided first.
    """
    reviews = sorted(due, key=lambda c: (c.retrievability, c.question_id))
    items = [
        QueueItem(c.question_id, ItemKind.REVIEW, c.leech)
        for c in _interleave(reviews, lambda c: c.topics, limit, last_topic)
    ]
    room = min(allowance, limit - len(items))
    if room <= 0:
        return items

    weakest: dict[tuple[str, ...], float] = {}  # per set of topics: a few dozen in a bank

    def weakness(q: NewQuestion) -> float:
        found = weakest.get(q.topics)
        if found is None:
            found = weakest[q.topics] = min(topic_strength.get(t, 0.5) for t in q.topics)
        return found

    fresh = _firsts_per_topic(unseen, lambda q: (weakness(q), q.order, q.question_id), room)
    last = items[-1] if items else None
    previous = _main_topic(due, last.question_id) if last else last_topic
    picked = _interleave(fresh, lambda q: q.topics, room, previous)
    items.extend(QueueItem(q.question_id, ItemKind.NEW) for q in picked)
    return items


def preselect(
    candidates: Sequence[tuple[str, tuple[str, ...]]],
    order: Callable[[str], int],
    topic_strength: Mapping[str, float],
    count: int,
) -> list[NewQuestion]:
    """The new questions :func:`plan` can pick when it takes ``count`` of them.

    Per main topic, the ``count`` first of ``candidates`` (question id and topics) by
    :func:`plan`'s key (weakness, ``order``, id): plan never goes deeper than ``count``
    into one topic (see :func:`_firsts_per_topic`), so it picks the same questions from
    these as from every candidate. ``order`` (a hash per question) is computed only for
    candidates whose weakness can place them among those, and no :class:`NewQuestion`
    is built for the rest: asking one question costs one pass over plain tuples.
    """
    if count <= 0:
        return []
    weakest: dict[tuple[str, ...], float] = {}
    buckets: dict[str, list[tuple[float, str, tuple[str, ...]]]] = defaultdict(list)
    for question_id, topics in candidates:
        weakness = weakest.get(topics)
        if weakness is None:
            weakness = weakest[topics] = (
                min(topic_strength.get(t, 0.5) for t in topics) if topic_strength else 0.5
            )
        buckets[topics[0] if topics else ""].append((weakness, question_id, topics))
    chosen: list[NewQuestion] = []
    for bucket in buckets.values():
        if len(bucket) > count:
            # the count-th smallest weakness bounds the weakness of the first count
            bound = heapq.nsmallest(count, [w for w, _, _ in bucket])[-1]
            bucket = [c for c in bucket if c[0] <= bound]
        keyed = [(w, order(q), q, topics) for w, q, topics in bucket]
        if len(keyed) > count:
            keyed = heapq.nsmallest(count, keyed)  # ids are unique: topics never compared
        chosen.extend(NewQuestion(q, topics, rank) for _, rank, q, topics in keyed)
    return chosen


def _firsts_per_topic(
    items: Sequence[NewQuestion],
    key: Callable[[NewQuestion], tuple[float, int, str]],
    count: int,
) -> list[NewQuestion]:
    """The ``count`` first items of each main topic by ``key``, sorted by ``key``.

    :func:`_interleave` taking ``count`` items never goes deeper than ``count`` into one
    topic, so it picks the same items from these as from the whole sorted list; asking
    one question (``count`` 1) then costs a pass over the bank instead of sorting it.
    """
    buckets: dict[str, list[NewQuestion]] = defaultdict(list)
    for item in items:
        buckets[item.topics[0] if item.topics else ""].append(item)
    chosen: list[NewQuestion] = []
    for bucket in buckets.values():
        chosen.extend(heapq.nsmallest(count, bucket, key=key) if len(bucket) > count else bucket)
    chosen.sort(key=key)
    return chosen


def _main_topic(due: Sequence[DueCard], question_id: str) -> str | None:
    card = next((c for c in due if c.question_id == question_id), None)
    return card.topics[0] if card and card.topics else None


def _interleave(
    ordered: Sequence[T],
    topics_of: Callable[[T], tuple[str, ...]],
    count: int,
    last: str | None = None,
) -> list[T]:
    """Keep the priority order, but avoid the same main topic twice in a row.

    Returns at most ``count`` items; costs O(count x topics).
    """
    buckets: dict[str, deque[tuple[int, T]]] = defaultdict(deque)
    for index, item in enumerate(ordered):
        topics = topics_of(item)
        buckets[topics[0] if topics else ""].append((index, item))
    result: list[T] = []
    while len(result) < count and buckets:
        heads = sorted((queue[0][0], key) for key, queue in buckets.items())
        key = next((k for _, k in heads if k != last), heads[0][1])
        result.append(buckets[key].popleft()[1])
        if not buckets[key]:
            del buckets[key]
        last = key
    return result
