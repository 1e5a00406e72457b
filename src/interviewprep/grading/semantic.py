"""The semantic grader: the lexical rubric grader plus sentence embeddings per key point.

Embeddings alone are worse than chance on negations and keyword lists (see the
platform notes), so the lexical analysis stays in charge of those: contradictions,
stated misconceptions and keyword lists are decided lexically and cap the score as
in the offline grader. Embeddings only *add* credit for key points the lexical
matcher missed, which is where paraphrases fail lexically:

* every sentence of the answer, the clauses of sentences that have several, and the
  whole answer when it is short, are embedded after dropping words that only repeat
  the question prompt (a key point is often one clause of a longer sentence);
* each key point's wordings (text and phrasings) are embedded the same way, once per
  question;
* a key point whose best cosine similarity reaches ``covered_at`` counts as covered,
  from ``partial_from`` it earns proportional partial credit, unless the matching
  segment and the wording disagree on negation (read narrowly, per segment, so a
  negation in another clause of the sentence does not hide a match).

Four rules keep the embeddings from lifting what the lexical reading has already
judged (tuned on the dev and tuning sets, see eval/grading/README.md):

* a segment lifts only the key points it is nearly as similar to as to its closest
  one (``own_margin``): a sentence that states one key point also resembles its
  neighbours ("replicas can be out of date for a while" is not "replicas converge");
* a segment whose closest key point the lexical reading already covers lifts nothing
  (``spent``): it is that key point's sentence;
* an answer in which the lexical reading finds any rubric wording opposed, even where
  the benefit of the doubt kept the key point from being contradicted, gets no lift at
  all (``opposed_blocks``): embeddings cannot tell "does not limit" from "limits";
* a segment does not lift a key point whose subject (the first content word of its
  text) it lacks while it names another key point's subject (``other_subject``):
  "a majority write can be rolled back" is not "a w 1 write can be rolled back", and
  embeddings barely see exchanged roles.

Needs the ``semantic`` extra (numpy, tokenizers) and the model weights (see
:mod:`interviewprep.grading.embedding`).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from interviewprep.bank.schema import Behavioural, OpenQuestion
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.embedding import MiniLmEncoder, shared_encoder
from interviewprep.grading.lexical import (
    AnalysedAnswer,
    prepare_text,
    split_clauses,
    stem,
    words_of,
)
from interviewprep.grading.offline import DefaultGrader
from interviewprep.grading.prepare import prepare_answer
from interviewprep.grading.result import GradeResult, KeyPointStatus
from interviewprep.grading.rubric import (
    PointOutcome,
    RubricAnalysis,
    RubricGrader,
    RubricSettings,
)

logger = logging.getLogger(__name__)

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE_BREAK = re.compile(
    r"[,:;()]\s+|\s+(?:but|whereas|while|although|though|because|since|so|and then)\s+"
)
MIN_CLAUSE_WORDS = 3


@dataclass(frozen=True)
class SemanticSettings:
    """Thresholds on cosine similarity (tuned on the dev split).

    Attributes:
        covered_at: similarity from which a key point counts as covered.
        partial_from: similarity from which a key point earns partial credit.
        max_segments: at most this many sentences are embedded (bounds latency).
        strip_prompt_words: drop words that only repeat the prompt before embedding.
        clauses: also embed the clauses of multi-clause sentences.
        own_margin: a segment lifts only the key points whose similarity is within
            this margin of its best one (a sentence that states one key point also
            resembles its neighbours); ``None`` lets any segment lift any key point.
        spent: a segment whose most similar key point the lexical reading already
            covers lifts nothing (it is that key point's sentence).
        opposed_blocks: an answer that the lexical reading finds opposing any wording
            of the rubric (even where the benefit of the doubt kept the key point from
            being contradicted) gets no lift at all: embeddings cannot see negation.
        other_subject: a segment does not lift a key point whose subject (the first
            content stem of its text) it lacks while it has another key point's
            subject: embeddings barely see exchanged roles.
    """

    covered_at: float = 0.5
    partial_from: float = 0.4
    max_segments: int = 24
    strip_prompt_words: bool = True
    clauses: bool = True
    own_margin: float | None = 0.1
    spent: bool = True
    opposed_blocks: bool = True
    other_subject: bool = True


def _negative(text: str) -> bool:
    """Whether ``text`` negates something, reading negation scope narrowly (so "the
    customers who never ordered are dropped" is negative, "avoid X" is not)."""
    return any(c.narrow for c in split_clauses(text))


def _segments(sentences: list[str]) -> list[str]:
    """The sentences, then the clauses of sentences that have several (a key point is
    often one clause of a longer sentence, and a negation elsewhere in the sentence
    must not hide it)."""
    segments = list(sentences)
    for sentence in sentences:
        parts = [p.strip(" ,;:-") for p in _CLAUSE_BREAK.split(sentence)]
        parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]
        if len(parts) > 1:
            segments.extend(parts)
    return segments


class SemanticRubricGrader:
    """Open and behavioural grading: lexical analysis plus per-key-point embeddings."""

    name = "semantic"

    def __init__(
        self,
        encoder: MiniLmEncoder,
        bands: RatingBands = DEFAULT_BANDS,
        settings: RubricSettings | None = None,
        semantic: SemanticSettings | None = None,
    ) -> None:
        self.encoder = encoder
        self.lexical = RubricGrader(bands, settings)
        self.semantic = semantic or SemanticSettings()
        self._cache: OrderedDict[int, tuple[object, Any, list[int], list[bool]]] = OrderedDict()
        self._lock = threading.Lock()

    def grade(self, question: OpenQuestion | Behavioural, answer: str) -> GradeResult:
        """Grade lexically, then raise the credit of key points the embeddings find."""
        prepared = prepare_answer(answer)
        lexical = self.lexical.grade(question, answer)
        if prepared.problem or not lexical.gradable:
            return replace(lexical, grader=self.name)
        analysis = self.lexical.analyse(question, prepared.text, prepared.truncated)
        if analysis.stated or analysis.keyword_list:
            return replace(lexical, grader=self.name)
        s = self.semantic
        if s.opposed_blocks and _opposed(analysis) >= self.lexical.settings.cover:
            return replace(lexical, grader=self.name)
        try:
            covered = [o.status is KeyPointStatus.COVERED for o in analysis.outcomes]
            best = self._similarities(question, prepared.text, covered)
        except Exception:  # the model must never take grading down
            logger.exception("semantic scoring failed; using the lexical grade")
            return replace(lexical, grader=self.name)
        outcomes = []
        for outcome, (similarity, sentence) in zip(analysis.outcomes, best, strict=True):
            if outcome.status is not KeyPointStatus.MISSING or similarity < s.partial_from:
                outcomes.append(outcome)
                continue
            if similarity >= s.covered_at:
                outcomes.append(PointOutcome(KeyPointStatus.COVERED, 1.0, similarity, sentence))
                continue
            share = (similarity - s.partial_from) / (s.covered_at - s.partial_from)
            credit = max(outcome.credit, share * self.lexical.settings.partial_credit)
            outcomes.append(replace(outcome, credit=credit))
        result = self.lexical.result(question, replace(analysis, outcomes=tuple(outcomes)))
        return replace(result, grader=self.name)

    def _strip(self, text: str, prompt: frozenset[str]) -> str:
        if not self.semantic.strip_prompt_words:
            return text
        kept = [w for w in words_of(prepare_text(text)) if stem(w) not in prompt]
        return " ".join(kept) or text

    def _rubric(
        self, question: OpenQuestion | Behavioural, prompt: frozenset[str]
    ) -> tuple[Any, list[int], list[bool]]:
        """Embeddings of every wording, the key point each belongs to, and its polarity."""
        with self._lock:
            cached = self._cache.get(id(question))
            if cached is not None and cached[0] is question:
                return cached[1], cached[2], cached[3]
        texts: list[str] = []
        owners: list[int] = []
        for index, point in enumerate(question.key_points):
            for wording in (point.text, *point.phrasings):
                texts.append(wording)
                owners.append(index)
        vectors = self.encoder.encode([self._strip(t, prompt) for t in texts])
        negative = [_negative(t) for t in texts]
        with self._lock:
            self._cache[id(question)] = (question, vectors, owners, negative)
            while len(self._cache) > 256:
                self._cache.popitem(last=False)
        return vectors, owners, negative

    def _similarities(
        self, question: OpenQuestion | Behavioural, text: str, covered: list[bool] | None = None
    ) -> list[tuple[float, str]]:
        """For each key point: the best similarity and the sentence that reached it."""
        prompt = frozenset(s for c in split_clauses(question.prompt) for s in c.stems)
        wordings, owners, negative = self._rubric(question, prompt)
        sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
        sentences = sentences[: self.semantic.max_segments]
        if self.semantic.clauses:
            sentences = _segments(sentences)[: 2 * self.semantic.max_segments]
        if 1 < len(sentences) <= 3:
            sentences.append(text)
        vectors = self.encoder.encode([self._strip(s, prompt) for s in sentences])
        clauses = [split_clauses(s) for s in sentences]
        sentence_negative = [any(c.narrow for c in parts) for parts in clauses]
        similarity = vectors @ wordings.T  # (sentences, wordings)
        subjects = [
            _subject(p.text) if self.semantic.other_subject else "" for p in question.key_points
        ]
        named = frozenset(subjects) - {""}
        points = len(question.key_points)
        best = [(0.0, "") for _ in question.key_points]
        for row, sentence in enumerate(sentences):
            agreeing = [0.0] * points
            anyway = [0.0] * points
            for column, owner in enumerate(owners):
                value = float(similarity[row, column])
                anyway[owner] = max(anyway[owner], value)
                if sentence_negative[row] == negative[column]:
                    agreeing[owner] = max(agreeing[owner], value)
            top = max(anyway)
            if self.semantic.spent and covered and covered[anyway.index(top)]:
                continue  # the sentence of a key point the lexical reading found
            margin = self.semantic.own_margin
            stems = {x for c in clauses[row] for x in c.stems} if named else set()
            for owner, value in enumerate(agreeing):
                subject = subjects[owner]
                if subject and subject not in stems and stems & (named - {subject}):
                    continue  # the segment says it of another key point's subject
                if margin is not None and value + margin < top:
                    continue  # the segment states another key point
                if value > best[owner][0]:
                    best[owner] = (value, sentence[:200])
        return best


@lru_cache(maxsize=4096)
def _subject(text: str) -> str:
    """The first content stem of a key point's text, read as its subject ("majority"
    in "majority acknowledges after most voting members have the write")."""
    clauses = split_clauses(text)
    return clauses[0].stems[0] if clauses and clauses[0].stems else ""


def _opposed(analysis: RubricAnalysis) -> float:
    """The best coverage of any key point wording that the answer opposes lexically.

    :func:`~interviewprep.grading.rubric.judge_point` gives a key point the benefit of
    the doubt when a wording is opposed but another partly agrees; the semantic grader
    does not lift anything in such an answer ("the GIL does not limit threads").
    """
    analysed = AnalysedAnswer(analysis.text)
    worst = 0.0
    for point in analysis.rubric.points:
        for phrase in point.phrases:
            match = analysed.match_phrase(phrase)
            if match.opposed and match.novel_hit and not match.weak and match.hits >= 2:
                worst = max(worst, match.coverage)
    return worst


def semantic_grader(bands: RatingBands = DEFAULT_BANDS) -> DefaultGrader:
    """The default grader with the semantic rubric grader for open questions.

    Raises:
        ModelUnavailableError: the embedding model is not installed.
    """
    encoder = shared_encoder()
    return DefaultGrader(bands, rubric=SemanticRubricGrader(encoder, bands), name="semantic")


__all__ = ["SemanticRubricGrader", "SemanticSettings", "semantic_grader"]
