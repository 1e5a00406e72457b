"""The offline rubric grader for open and behavioural questions.

For every key point, each of its wordings (the key point text and its phrasings) is
matched against the answer's clauses with :mod:`interviewprep.grading.lexical`:

* a wording is *found* when the best clause window covers enough of its stems
  (all of them for one- and two-stem wordings, ``cover`` otherwise) including at
  least one stem that does not merely repeat the prompt;
* a found wording whose window has the opposite polarity ("POST is idempotent"
  against "POST is not idempotent") makes the key point CONTRADICTED unless another
  wording is found with the right polarity (the benefit of the doubt goes to the
  answer; stated misconceptions are checked separately);
* a key point that is not found but partly matched (``partial``) earns partial
  credit and stays MISSING;
* the model answer's clauses that state a key point are a support wording: found, it
  covers the key point unless a wording of its own is contradicted; it never
  contradicts and earns no partial credit.

The weighted credit (0..1) is mapped to the score piecewise linearly so that the
band edges sit at ``partial_at`` (Hard), ``pass_at`` (Good) and ``easy_at`` (Easy)
of the rubric's weight: by default a quarter of the weighted key points is a partial
answer, three quarters a pass and 90% Easy, the convention the packs' sample answers
follow. A contradicted key point or a stated misconception caps the score in the
fail band (suggesting Again); a keyword list (terms without claims) caps it in the
fail band as well.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from interviewprep.bank.schema import Behavioural, OpenQuestion, StarPart
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.common import could_not_grade, scored
from interviewprep.grading.lexical import (
    POSITIVE,
    AnalysedAnswer,
    FuzzyIndex,
    Match,
    Phrase,
    common_stems,
    compared_sides,
    is_keyword_list,
    make_phrase,
    named_subjects,
    narrow_polarity,
    opposite_wordings,
    order_words,
    prepare_text,
    split_clauses,
    stem,
    swapped_roles,
    words_of,
    written_as,
)
from interviewprep.grading.prepare import prepare_answer
from interviewprep.grading.result import GradeResult, KeyPointResult, KeyPointStatus

logger = logging.getLogger(__name__)

RubricQuestion = OpenQuestion | Behavioural


@dataclass(frozen=True)
class RubricSettings:
    """Tuning knobs of the rubric grader (tuned on the dev split of eval/grading).

    Attributes:
        cover: share of a wording's stems needed to count it as found.
        partial: share of stems that earns ``partial_credit`` for a key point.
        partial_credit: the most credit a partly matched key point earns; below that
            the credit is proportional to the share of stems found.
        misconception: share of a misconception's stems needed to count it as stated.
        partial_at: weighted key-point credit where the partial (Hard) band starts.
        pass_at: weighted key-point credit where the pass (Good) band starts.
        easy_at: weighted key-point credit where the Easy band starts.
        keyword_list_cap: highest score for an answer that only lists terms.
        contradict: share of a wording's stems, denied, that contradicts its key point
            when several key points are denied so (see :func:`_denied_points`).
        min_latin_share: below this share of Latin letters the answer is not graded.
    """

    cover: float = 0.6
    partial: float = 0.3
    partial_credit: float = 0.75
    misconception: float = 0.8
    partial_at: float = 0.25
    pass_at: float = 0.75
    easy_at: float = 0.9
    keyword_list_cap: float = 0.3
    doubt: float = 0.5
    contradict: float = 0.4
    min_latin_share: float = 0.5
    tight_key_points: bool = False


@dataclass(frozen=True)
class _Point:
    id: str
    text: str
    weight: float
    star: StarPart | None
    phrases: tuple[Phrase, ...]
    support: tuple[Phrase, ...] = ()
    """Wordings taken from the model answer (see :func:`judge_point`)."""
    claims: tuple[Phrase, ...] = ()
    """The main clauses of its wordings of several clauses (see :func:`_denied_claim`)."""
    opposites: tuple[Opposite, ...] = ()
    """Its wordings with one word replaced by its opposite (see :func:`_opposed_point`)."""


@dataclass(frozen=True)
class _Misconception:
    text: str
    why: str
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class CompiledRubric:
    """A question's rubric with every wording pre-analysed."""

    points: tuple[_Point, ...]
    misconceptions: tuple[_Misconception, ...]
    sides: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    """The two things the prompt compares (see :func:`lexical.compared_sides`)."""
    common: frozenset[str] = frozenset()
    """Stems the rubric says of both compared things (see :func:`lexical.common_stems`)."""
    named: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    """Pairs of things that key points name as their subjects (see
    :func:`lexical.named_subjects`), other than the compared ``sides``."""
    named_common: frozenset[str] = frozenset()
    """Stems the rubric says of both things of a ``named`` pair."""
    fuzzy: FuzzyIndex = dataclasses.field(default_factory=lambda: FuzzyIndex(()), compare=False)
    """Every stem of the rubric's wordings, for fuzzy matching (see :class:`FuzzyIndex`)."""


def compile_rubric(question: RubricQuestion) -> CompiledRubric:
    """Analyse every key point and misconception wording of ``question``."""
    prompt = frozenset(s for c in split_clauses(question.prompt) for s in c.stems)
    points = tuple(
        _Point(
            k.id,
            k.text,
            k.weight,
            k.star,
            tuple(make_phrase(t, prompt) for t in (k.text, *k.phrasings)),
        )
        for k in question.key_points
    )
    points = tuple(_with_claims(point, prompt) for point in points)
    if question.model_answer:
        model = AnalysedAnswer(question.model_answer)
        points = tuple(_with_support(point, model, prompt, RubricSettings()) for point in points)
    points = _with_opposites(points, question.model_answer, prompt)
    misconceptions = tuple(
        _Misconception(
            m.text,
            m.why,
            tuple(make_phrase(t, prompt, uniform=True) for t in (m.text, *m.phrasings)),
        )
        for m in question.misconceptions
    )
    sides = compared_sides(question.prompt)
    wordings = [p for k in points for p in k.phrases]
    wordings += [p for m in misconceptions for p in m.phrases]
    named = tuple(
        pair
        for pair in named_subjects([k.text for k in question.key_points])
        if pair not in sides and pair[::-1] not in sides
    )
    every = [*wordings, *(p for k in points for p in (*k.support, *k.claims))]
    every += [o.phrase for k in points for o in k.opposites]
    targets = {s for p in every for s in p.stems}
    targets |= {s for k in points for o in k.opposites for s in (o.original, *o.before, *o.after)}
    return CompiledRubric(
        points,
        misconceptions,
        sides,
        common_stems(wordings, sides),
        named,
        common_stems(wordings, named) if named else frozenset(),
        FuzzyIndex(targets),
    )


def _unswapped(
    analysed: AnalysedAnswer,
    phrase: Phrase,
    match: Match,
    rubric: CompiledRubric,
    share: float = RubricSettings.cover,
    named: Phrase | None = None,
) -> Match:
    """``match``, opposed when the answer says it of the other compared thing ("a proc
    checks arity strictly" for "a lambda checks arity strictly")."""
    if match.opposed or not (rubric.sides or rubric.named):
        return match
    needed = _needed(phrase, share)
    own = frozenset(named.stems) if named else frozenset()
    if swapped_roles(analysed, phrase, match, rubric.sides, needed, rubric.common, own):
        return dataclasses.replace(match, opposed=True, swapped=True)
    if rubric.named and swapped_roles(
        analysed, phrase, match, rubric.named, needed, rubric.named_common, own
    ):
        # said of another named thing of the rubric: no evidence for this key point,
        # and a denial only together with another (see :func:`judge_point`)
        return dataclasses.replace(match, swapped=True)
    return match


MIN_CLAIM_STEMS = 2
"""A main clause needs this many stems to be denied on its own ("PUT is idempotent")."""


def _with_claims(point: _Point, prompt: frozenset[str]) -> _Point:
    """``point`` with the main (first) clause of each wording of several clauses:
    "PUT is idempotent" of "PUT is idempotent because repeating the same request leaves
    the same state"."""
    claims: list[Phrase] = []
    for phrase in point.phrases:
        clauses = split_clauses(phrase.text)
        if len(clauses) > 1 and len(set(clauses[0].stems)) >= MIN_CLAIM_STEMS:
            claims.append(make_phrase(clauses[0].text, prompt))
    return dataclasses.replace(point, claims=tuple(claims)) if claims else point


@dataclass(frozen=True)
class Opposite:
    """A key point wording that asserts the opposite of the key point: one word
    replaced by its opposite ("reads get slower" for "reads get faster"), or, for an
    order word, the two sides exchanged ("copy the source before the lockfile" for
    "copy the lockfile before the source")."""

    phrase: Phrase
    word: str
    """The stem of the pivot: the opposite word, or the order word."""
    original: str
    """The stem of the word the opposite replaced (the order word itself if exchanged)."""
    before: frozenset[str]
    """The wording's stems before the pivot."""
    after: frozenset[str]
    """The wording's stems after it."""
    exchanged: bool = False
    """The sides of an order word exchanged, rather than a word replaced."""
    written: str = ""
    """The pivot as written (its stem before the synonym families): the answer must
    use this word, in any inflection, not only a word of its family ("the user is
    redirected" does not name the client)."""


def _with_opposites(
    points: tuple[_Point, ...], model_answer: str, prompt: frozenset[str]
) -> tuple[_Point, ...]:
    """``points`` with their opposite wordings (see :class:`Opposite` and
    :func:`lexical.opposite_wordings`); only positive wordings of at least
    :data:`MIN_CONTRADICTING_STEMS` stems have any.

    An opposite wording that the rubric itself states (the model answer or another key
    point: "eager loading runs one extra query" beside "lazy loading runs a query per
    row") is no misconception and is left out.
    """
    # the rubric's texts (-1: the model answer), each analysed only when it holds an
    # opposite wording's pivot
    texts = [(-1, model_answer)] if model_answer else []
    texts += [(index, p.text) for index, point in enumerate(points) for p in point.phrases]
    words: list[frozenset[str]] = []
    analysed: dict[int, AnalysedAnswer] = {}
    share = RubricSettings.misconception
    result: list[_Point] = []
    for index, point in enumerate(points):
        found: list[Opposite] = []
        for phrase in point.phrases:
            if phrase.negated or phrase.negative_mask:
                continue  # a negative wording says what is not the case already
            if len(phrase.stems) < MIN_CONTRADICTING_STEMS:
                continue
            candidates = [
                _opposite(make_phrase(text, prompt), word, original, written)
                for text, original, word, written in opposite_wordings(phrase.text)
            ]
            candidates += [
                _opposite(phrase, word, word, written, exchanged=True)
                for word, written in order_words(phrase.text)
            ]
            for candidate in candidates:
                if candidate is None:
                    continue
                if not words:
                    words = [
                        frozenset(stem(w) for w in words_of(prepare_text(t))) for _, t in texts
                    ]
                stated = False
                for number, (owner, text) in enumerate(texts):
                    if owner == index or candidate.word not in words[number]:
                        continue
                    if number not in analysed:
                        analysed[number] = AnalysedAnswer(text)
                    if _opposite_window(analysed[number], candidate, share):
                        stated = True
                        break
                if not stated:
                    found.append(candidate)
        result.append(dataclasses.replace(point, opposites=tuple(found)))
    return tuple(result)


def _opposite(
    phrase: Phrase, word: str, original: str, written: str, *, exchanged: bool = False
) -> Opposite | None:
    if word not in phrase.stems or (original in phrase.stems and not exchanged):
        return None
    at = phrase.stems.index(word)
    before, after = frozenset(phrase.stems[:at]), frozenset(phrase.stems[at + 1 :])
    if exchanged and not (before and after):
        return None
    return Opposite(phrase, word, original, before, after, exchanged, written)


def _opposite_window(analysed: AnalysedAnswer, opposite: Opposite, share: float) -> Match | None:
    """The window of ``analysed`` that states ``opposite``, or None.

    It is read as a misconception (``share`` of its stems, inside one sentence) and
    must hold the pivot, positively. For a replaced word, the window must not hold the
    key point's own word, and the wording's words before the opposite word must come
    before it in the answer and those after it after it, so that "the index is slower
    than a scan" does not deny "a scan is faster". For exchanged sides, a word of each
    side must sit wholly on the other side of the order word ("copy the source before
    the lockfile" for "copy the lockfile before the source"; "before copying the
    source, copy the lockfile" has no word before the pivot and is not read so).
    """
    if not analysed.holds(opposite.word):
        return None  # the pivot is read below by its own stem only: nothing to find
    if analysed.reach(opposite.phrase) + 1e-9 < _needed(opposite.phrase, share):
        return None  # no window can hold enough of it (the test below, made early)
    match = analysed.match_phrase(opposite.phrase, tight=True)
    if match.opposed or match.weak or not match.novel_hit:
        return None
    if match.coverage + 1e-9 < _needed(opposite.phrase, share):
        return None
    start, end = match.window
    clauses = analysed.clauses[start : end + 1]
    pivot = frozenset({opposite.word})
    if narrow_polarity(clauses, pivot, answer=True) != POSITIVE:
        return None
    if not any(written_as(c, opposite.written) for c in clauses):
        return None
    if not opposite.exchanged and any(
        c.positions(analysed.alike(opposite.original)) for c in clauses
    ):
        return None
    places = {
        s: sorted((i, p) for i, c in enumerate(clauses) for p in c.positions(analysed.alike(s)))
        for s in opposite.before | opposite.after
    }
    at = min(
        (i, p)
        for i, c in enumerate(clauses)
        if written_as(c, opposite.written)
        for p in c.positions(pivot)
    )
    early = [s for s in opposite.before if places[s]]
    late = [s for s in opposite.after if places[s]]
    if opposite.exchanged:
        crossed = any(places[s][0] > at for s in early) and any(places[s][-1] < at for s in late)
        return match if crossed else None
    if (opposite.before and not early) or (opposite.after and not late):
        return None
    if all(places[s][0] < at for s in early) and all(places[s][-1] > at for s in late):
        return match
    return None


def _opposed_point(analysed: AnalysedAnswer, point: _Point, share: float) -> tuple[str, int] | None:
    """The evidence and window (a bitmask of clauses) of the first opposite wording of
    ``point`` that the answer states (see :func:`_opposite_window`), or None."""
    for opposite in point.opposites:
        match = _opposite_window(analysed, opposite, share)
        if match is not None:
            start, end = match.window
            return match.evidence, sum(1 << i for i in range(start, end + 1))
    return None


def _denied_claim(analysed: AnalysedAnswer, point: _Point) -> str:
    """The answer's clause that denies a key point's main claim in all its words ("so
    PUT is not idempotent" for "PUT is idempotent because repeating the same request
    leaves the same state"), when no clause states the claim; or "".

    The whole wording is often too long for its first clause to reach the ``cover``
    share, so the denial would go unseen.
    """
    for claim in point.claims:
        if analysed.reach(claim) < 1.0:
            continue  # no window holds all of it (the test below, made early)
        match = analysed.match_phrase(claim, tight=True)
        if not match.opposed or match.weak or not match.novel_hit or match.coverage < 1.0:
            continue
        start, end = match.window
        skip = sum(1 << index for index in range(start, end + 1))
        again = analysed.match_phrase(claim, tight=True, skip=skip)
        if again.coverage >= 1.0 and not again.opposed:
            continue  # stated elsewhere: the benefit of the doubt
        return match.evidence
    return ""


def _with_support(
    point: _Point, model: AnalysedAnswer, prompt: frozenset[str], settings: RubricSettings
) -> _Point:
    """``point`` with the model answer's clauses that state it as a support wording.

    The model answer is the rubric author's own paraphrase: the window where it states
    the key point (found as an answer would be, not opposed) often says the same thing
    in other words ("lookups get much faster" for "avoids a full table scan").
    """
    best: Match | None = None
    for phrase in point.phrases:
        match = model.match_phrase(phrase)
        if match.opposed or match.weak or not match.novel_hit:
            continue
        if match.coverage + 1e-9 < _needed(phrase, settings.cover):
            continue
        if best is None or match.coverage > best.coverage:
            best = match
    if best is None:
        return point
    return dataclasses.replace(point, support=(make_phrase(best.evidence, prompt),))


class _RubricCache:
    """A small LRU of compiled rubrics keyed by question identity."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[RubricQuestion, CompiledRubric]] = OrderedDict()
        self._lock = Lock()

    def get(self, question: RubricQuestion) -> CompiledRubric:
        key = id(question)
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] is question:
                self._items.move_to_end(key)
                return item[1]
        compiled = compile_rubric(question)
        with self._lock:
            self._items[key] = (question, compiled)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return compiled


_CACHE = _RubricCache()


def _needed(phrase: Phrase, share: float) -> float:
    return 1.0 if len(phrase.stems) <= 2 else share


@dataclass(frozen=True)
class PointOutcome:
    """What the lexical matcher found for one key point."""

    status: KeyPointStatus
    credit: float
    coverage: float
    evidence: str
    denied: float = 0.0
    """The share of a wording the answer denies, below the share that contradicts."""


MIN_DENIED_POINTS = 2
"""An answer that denies part of this many key points contradicts them: one denial
below the ``cover`` share may be a correct answer put negatively ("the server does not
remember anything" for "the server is stateless"), several are a pattern."""


def _denied_points(outcomes: list[PointOutcome]) -> list[PointOutcome]:
    """``outcomes`` with every partly denied key point contradicted when there are
    :data:`MIN_DENIED_POINTS` of them or more."""
    if sum(o.denied > 0 for o in outcomes) < MIN_DENIED_POINTS:
        return outcomes
    return [
        PointOutcome(KeyPointStatus.CONTRADICTED, 0.0, o.denied, "") if o.denied else o
        for o in outcomes
    ]


MIN_PARTIAL_HITS = 2
"""Partial credit needs at least two words of a wording: one shared word is chance."""


MIN_CONTRADICTING_STEMS = 3
"""An extra phrasing needs this many stems to contradict a key point; the key point's
own text always can ("POST is not idempotent")."""


def judge_point(
    matches: list[tuple[Phrase, Match]], settings: RubricSettings, own: int | None = None
) -> PointOutcome:
    """Decide a key point's status from the matches of its wordings.

    ``matches`` lists the key point text first, then its phrasings, then (from index
    ``own`` on) its support wordings taken from the model answer: these may cover the
    key point when no wording of its own is contradicted, but never contradict it and
    earn no partial credit.
    """
    own = len(matches) if own is None else own
    best_for = best_against = 0.0
    evidence_for = evidence_against = ""
    best_any = 0.0
    support_for, support_evidence = 0.0, ""
    near_against = swapped_against = 0.0
    for index, (phrase, match) in enumerate(matches):
        if not match.novel_hit or match.weak:
            continue
        if match.swapped and not match.opposed:
            swapped_against = max(swapped_against, match.coverage)
            continue
        if index >= own:
            if match.opposed:
                continue
            if match.coverage + 1e-9 >= _needed(phrase, settings.cover) and (
                match.coverage > support_for
            ):
                support_for, support_evidence = match.coverage, match.evidence
            continue
        if match.opposed and index and len(phrase.stems) < MIN_CONTRADICTING_STEMS:
            continue  # a short extra phrasing ("no merge commits") is too vague to refute
        if not match.opposed and match.hits >= MIN_PARTIAL_HITS:
            best_any = max(best_any, match.coverage)
        if match.coverage + 1e-9 < _needed(phrase, settings.cover):
            if match.opposed and match.hits >= MIN_PARTIAL_HITS:
                near_against = max(near_against, match.coverage)
            continue
        if match.opposed:
            if match.swapped:
                swapped_against = max(swapped_against, match.coverage)
            if match.coverage > best_against:
                best_against, evidence_against = match.coverage, match.evidence
        elif match.coverage > best_for:
            best_for, evidence_for = match.coverage, match.evidence
    if best_for:
        return PointOutcome(KeyPointStatus.COVERED, 1.0, best_for, evidence_for)
    if best_against and best_any < settings.doubt:
        return PointOutcome(KeyPointStatus.CONTRADICTED, 0.0, best_against, evidence_against)
    if support_for and not best_against:
        return PointOutcome(KeyPointStatus.COVERED, 1.0, support_for, support_evidence)
    credit = 0.0
    if best_any >= settings.partial:
        credit = min(settings.partial_credit, best_any / settings.cover)
    # much of a wording denied and less of any stated ("escaping the output does not
    # help" for "escape output for its context"): see :func:`_denied_points`
    # a claim given to the other compared thing counts as a denial too, even where
    # another wording's partial match kept it from contradicting: an answer that
    # exchanges the roles of two things does so in two key points (a crossing)
    near_against = max(near_against, swapped_against)
    denied = (
        near_against if near_against >= settings.contradict and near_against > best_any else 0.0
    )
    return PointOutcome(KeyPointStatus.MISSING, credit, best_any, "", denied)


def _stated(phrase: Phrase, match: Match, settings: RubricSettings) -> bool:
    return (
        match.novel_hit
        and not match.opposed
        and match.coverage + 1e-9 >= _needed(phrase, settings.misconception)
    )


def credit_to_score(credit: float, settings: RubricSettings, bands: RatingBands) -> float:
    """Map weighted key-point credit (0..1) to a score, piecewise linearly, so that
    the band edges fall at ``partial_at``, ``pass_at`` and ``easy_at``."""
    knots = (
        (0.0, 0.0),
        (settings.partial_at, bands.hard),
        (settings.pass_at, bands.good),
        (settings.easy_at, bands.easy),
        (1.0, 1.0),
    )
    for (x0, y0), (x1, y1) in itertools.pairwise(knots):
        if credit <= x1:
            return y0 + (y1 - y0) * (credit - x0) / (x1 - x0) if x1 > x0 else y1
    return 1.0


@dataclass(frozen=True)
class RubricAnalysis:
    """What the lexical matcher found in one answer.

    Attributes:
        rubric: the compiled rubric.
        outcomes: one per key point, in rubric order.
        stated: the misconceptions the answer states.
        keyword_list: the answer only lists terms.
        truncated: the answer was cut before grading.
        text: the prepared answer text.
    """

    rubric: CompiledRubric
    outcomes: tuple[PointOutcome, ...]
    stated: tuple[str, ...]
    keyword_list: bool
    truncated: bool
    text: str


def _matches(
    point: _Point,
    read: Callable[[_Point, Phrase], Match],
    reach: Callable[[Phrase], float] | None = None,
    cover: float = RubricSettings.cover,
) -> tuple[list[tuple[Phrase, Match]], int]:
    """The matches of ``point``'s wordings, in order, up to the first of its own that
    covers it completely, and how many of them are its own wordings: no later wording
    changes what :func:`judge_point` decides (a later one can only tie that coverage,
    and the first keeps the evidence).

    With ``reach`` (:meth:`AnalysedAnswer.reach`), once a wording covers the key point
    (as :func:`judge_point` reads a wording covering it, with ``cover``), a later own
    wording is read only if it could cover more, and support wordings are not read:
    judge_point then returns the highest such coverage, the first to reach it.
    """
    found: list[tuple[Phrase, Match]] = []
    own = len(point.phrases)
    count = 0
    best = 0.0  # the highest coverage of an own wording that covers the key point
    for index, phrase in enumerate((*point.phrases, *point.support)):
        if best and reach is not None and (index >= own or reach(phrase) <= best):
            continue  # it cannot cover more (index 0 is always read)
        match = read(point, phrase)
        found.append((phrase, match))
        if index >= own:
            continue
        count += 1
        if match.coverage == 1.0 and match.novel_hit and not match.opposed and not match.weak:
            break
        if (
            match.novel_hit
            and not match.weak
            and not match.opposed
            and not match.swapped
            and match.coverage + 1e-9 >= _needed(phrase, cover)
            and match.coverage > best
        ):
            best = match.coverage
    return found, count


class RubricGrader:
    """Grades open and behavioural answers against weighted key points, offline."""

    name = "lexical"

    def __init__(
        self, bands: RatingBands = DEFAULT_BANDS, settings: RubricSettings | None = None
    ) -> None:
        self.bands = bands
        self.settings = settings or RubricSettings()

    def grade(self, question: RubricQuestion, answer: str) -> GradeResult:
        """Grade a free-text answer."""
        prepared = prepare_answer(answer)
        if prepared.problem:
            return could_not_grade(self.name, prepared.problem, truncated=prepared.truncated)
        if prepared.letters and prepared.latin_share < self.settings.min_latin_share:
            return could_not_grade(
                self.name,
                "The offline grader reads answers written in English only; rate this one yourself.",
                truncated=prepared.truncated,
            )
        return self.result(question, self.analyse(question, prepared.text, prepared.truncated))

    def analyse(self, question: RubricQuestion, text: str, truncated: bool) -> RubricAnalysis:
        """Match every key point and misconception against a prepared answer."""
        rubric = _CACHE.get(question)
        analysed = AnalysedAnswer(text, rubric.fuzzy)
        tight = self.settings.tight_key_points
        cover = self.settings.cover

        def read(point: _Point, phrase: Phrase, skip: int = 0) -> Match:
            # skip: a bitmask of clauses to leave out (spent on other key points)
            match = analysed.match_phrase(phrase, tight=tight, skip=skip)
            return _unswapped(analysed, phrase, match, rubric, cover, point.phrases[0])

        reach = analysed.reach
        read_first = [_matches(point, read, reach, cover) for point in rubric.points]
        matches = [found for found, _ in read_first]
        outcomes = [judge_point(found, self.settings, own) for found, own in read_first]
        # a clause that only states one covered key point ("it is path traversal")
        # earns no partial credit for another ("the resolved path stays under the
        # base directory"); only a partly matched key point can use what is spent,
        # so the wordings left unmatched above are matched only then
        spent = 0
        if any(o.status is KeyPointStatus.MISSING and o.credit for o in outcomes):
            for found, outcome, point in zip(matches, outcomes, rubric.points, strict=True):
                if outcome.status is KeyPointStatus.COVERED:
                    # every wording: those _matches left unread are read now
                    wordings = (*point.phrases, *point.support)
                    done = {id(p) for p, _ in found}
                    found.extend((p, read(point, p)) for p in wordings if id(p) not in done)
                    for phrase, match in found:
                        spent |= analysed.spent(phrase, match)
        if spent:
            for index, (found, outcome) in enumerate(zip(matches, outcomes, strict=True)):
                if outcome.status is KeyPointStatus.MISSING and outcome.credit:
                    again = [(p, read(rubric.points[index], p, spent)) for p, _ in found]
                    outcomes[index] = judge_point(
                        again, self.settings, len(rubric.points[index].phrases)
                    )
        for index, point in enumerate(rubric.points):
            if point.claims and outcomes[index].status is KeyPointStatus.MISSING:
                evidence = _denied_claim(analysed, point)
                if evidence:
                    outcomes[index] = PointOutcome(KeyPointStatus.CONTRADICTED, 0.0, 1.0, evidence)
        for index, point in enumerate(rubric.points):
            status = outcomes[index].status
            if not point.opposites or status is KeyPointStatus.CONTRADICTED:
                continue
            opposed = _opposed_point(analysed, point, self.settings.misconception)
            if opposed is None:
                continue
            said, window = opposed
            if status is KeyPointStatus.COVERED:
                # covered by the very clause that states the opposite ("the client
                # generates the key" holds most of "the server generates the key"):
                # it stays covered only if stated elsewhere too
                again = [(p, read(point, p, window)) for p in (*point.phrases, *point.support)]
                if judge_point(again, self.settings, len(point.phrases)).status is (
                    KeyPointStatus.COVERED
                ):
                    continue
            outcomes[index] = PointOutcome(KeyPointStatus.CONTRADICTED, 0.0, 1.0, said)
        outcomes = _denied_points(outcomes)
        share = self.settings.misconception

        def states(misconception: _Misconception, phrase: Phrase) -> bool:
            if analysed.reach(phrase) + 1e-9 < _needed(phrase, share):
                return False  # no window holds enough of it (see _stated)
            match = analysed.match_phrase(phrase, tight=True)
            match = _unswapped(analysed, phrase, match, rubric, share, misconception.phrases[0])
            return _stated(phrase, match, self.settings)

        stated = tuple(
            m.text for m in rubric.misconceptions if any(states(m, p) for p in m.phrases)
        )
        return RubricAnalysis(
            rubric, tuple(outcomes), stated, is_keyword_list(text), truncated, text
        )

    def result(
        self, question: RubricQuestion, analysis: RubricAnalysis, name: str | None = None
    ) -> GradeResult:
        """Turn an analysis (possibly with credits raised by another signal) into a result."""
        rubric, outcomes, stated = analysis.rubric, analysis.outcomes, analysis.stated
        total = sum(p.weight for p in rubric.points)
        raw = sum(p.weight * o.credit for p, o in zip(rubric.points, outcomes, strict=True))
        score = self._score(raw / total) if total else 0.0
        key_points = tuple(
            KeyPointResult(
                id=p.id,
                text=p.text,
                status=o.status,
                weight=p.weight,
                coverage=round(o.coverage, 3),
                evidence=o.evidence,
            )
            for p, o in zip(rubric.points, outcomes, strict=True)
        )
        contradicted = [k for k in key_points if k.status is KeyPointStatus.CONTRADICTED]
        details = {"raw_coverage": f"{raw / total:.3f}" if total else "0"}
        if stated or contradicted:
            score = min(score, self.bands.cap_fail())
        if analysis.keyword_list:
            details["keyword_list"] = "yes"
            score = min(score, self.settings.keyword_list_cap)
        feedback = self._feedback(question, rubric, key_points, stated, analysis.keyword_list)
        return scored(
            name or self.name,
            score,
            self.bands,
            feedback,
            truncated=analysis.truncated,
            key_points=key_points,
            misconceptions=stated,
            details=details,
        )

    def _score(self, credit: float) -> float:
        return credit_to_score(credit, self.settings, self.bands)

    @staticmethod
    def _feedback(
        question: RubricQuestion,
        rubric: CompiledRubric,
        key_points: tuple[KeyPointResult, ...],
        stated: tuple[str, ...],
        keyword_list: bool,
    ) -> str:
        if stated:
            why = next(m.why for m in rubric.misconceptions if m.text == stated[0])
            return f'Careful: "{stated[0]}" is a misconception: {why}.'
        contradicted = [k for k in key_points if k.status is KeyPointStatus.CONTRADICTED]
        if contradicted:
            return f"Your answer contradicts a key point: {contradicted[0].text}."
        if keyword_list:
            return (
                "This reads as a list of terms; say in sentences what they mean and how "
                "they relate."
            )
        covered = sum(k.status is KeyPointStatus.COVERED for k in key_points)
        missing = sorted(
            (k for k in key_points if k.status is KeyPointStatus.MISSING),
            key=lambda k: -k.weight,
        )
        text = f"Covered {covered} of {len(key_points)} key points."
        if isinstance(question, Behavioural):
            parts: list[str] = []
            for point in rubric.points:
                missed = point.star and any(k.id == point.id for k in missing)
                if missed and point.star and point.star.value not in parts:
                    parts.append(point.star.value)
            if parts:
                text += f" Say more about the {', '.join(parts)}."
        elif missing:
            text += " Missing: " + "; ".join(k.text for k in missing[:2]) + "."
        return text
