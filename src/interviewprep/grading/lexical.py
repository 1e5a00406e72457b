"""Lexical analysis for rubric grading: clauses, stems, synonyms and negation.

An answer is split into sentences and each sentence into clauses (at commas,
colons, brackets and conjunctions such as "and", "but", "whereas", "because").
Each clause keeps its content words as stems (Snowball English stemmer, then a
small synonym table so that "retry", "resend" and "twice" count as repetition) and
where its negation cues ("not", "n't", "never", "no longer", "nor") sit among them.

:func:`match_phrase` then looks for the smallest window of clauses (inside one
sentence, or spilling into the next sentence when one side is only short
fragments such as "POST is not.") that covers most of a phrase's stems, fuzzily
(rapidfuzz ratio on stems), and decides whether that window negates the phrase.

Polarity is read twice. The clause-level reading (a verb negation negates every
matched word of its clause) proposes an opposition; the narrow reading confirms it:
each negation governs only the words after it, up to the end of its clause or of the
relative clause it sits in ("customers who never ordered are dropped"), or, in an
elliptical "POST is not", the words before it; "without" governs its own phrase and
avoidance verbs ("avoid X", "prevent X") negate softly, agreeing both with "do not X"
and with a positive claim. A window opposes a phrase only when, among the stems some
negation governs (on either side), those whose polarity differs outweigh those that
agree. Antonyms ("uncommitted", "synchronous") read as their base word negated for that
word only, and the narrow reading alone decides where one meets its base; a positive
answer opposes a negative phrase only with the phrase's whole negated predicate.
Synonym families are general (English and common engineering usage), never written for
one question.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Generic, TypeVar

import snowballstemmer
from rapidfuzz import fuzz, process

from interviewprep.grading.thesaurus import (
    ANTONYMS,
    OPPOSITES,
    SYNONYMS,
    has_expressions,
    rewrite_expressions,
)


def _words(text: str) -> list[str]:
    return text.split()


_STEMMER = snowballstemmer.stemmer("english")
_STEM_LOCK = threading.Lock()

STOPWORDS = frozenset(
    _words(
        """
        a an the is are was were be been being am it its this that these those there
        their they them then than of to in on at by for with as from into onto about
        and or if so do does did doing done has have had having can could will would
        should may might must shall i you we he she my your our me us his her which
        who whom whose what when where how why also just very really too some any
        such up out like e g eg ie etc basically actually simply thing things lot
        lots kind sort well way ways via per here whether both either whatever else
        even still let lets s t d ll re ve m okay ok yes yeah make makes made making
        itself themselves himself herself yourself yourselves ourselves myself
        """
    )
)
"""Words that carry no claim of their own (negation cues are handled separately)."""

NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "nor",
        "neither",
        "non",
        "nobody",
        "cannot",
        "nothing",
        "none",
        "nowhere",
    }
)
_MISCONCEPTION_CUES = frozenset({"myth", "misconception", "mistake", "mistakenly", "wrongly"})
_LOCAL_SCOPE = {"non": 1, "nothing": 1}
"""Cues that negate only the next content word ("non-simple", "costs nothing on
writes")."""
_PREPOSITION_CUES = frozenset({"without"})
_WITHOUT = "without"
"""Content words that also negate the next content word ("customers without orders
are dropped")."""
_AUXILIARIES = frozenset(
    _words(
        """
        is are was were be been am do does did can could will would should may might
        must has have had shall
        """
    )
)
"""A "not" right after one of these negates the verb phrase, hence the whole clause
("query plans are not worth looking at"); a "not" after a noun is contrastive and
negates only what follows it ("check results, not interactions")."""
SPREAD = -1
POSITIVE, NEGATIVE, SOFT = 0, 1, 2
"""Polarity of a stem under the narrow reading (see :meth:`Clause.polarity`)."""
_RELATIVE = frozenset({"who", "whom", "whose", "that", "which", "where"})
"""A negation after one of these sits in a relative clause ("customers who never
ordered are dropped"): its narrow scope ends at the next auxiliary, where the main
clause resumes."""
_AVOIDANCE = frozenset(
    _words(
        """
        avoid avoids avoided avoiding prevent prevents prevented preventing refrain
        refrains forbid forbids forbidden disallow disallows ignore ignores ignored
        ignoring bypass bypasses bypassed lack lacks lacked lacking lose loses lost
        losing miss misses missed missing broken absent unable insteadof
        """
    )
)
"""Words that negate what follows softly: "avoid X" agrees with "do not X" as well
as with a positive claim about avoiding X; "curl ignores CORS" with "curl does not
care about CORS"; "you lose random page access" with "you cannot jump to any page";
"broken authorisation" with "never authorises". "Instead of" and "rather than" read
as the cue word ``insteadof``: "reuse connections instead of paying to connect" does
not deny "connecting is expensive"."""
_INSTEAD = "insteadof"
_ADJECTIVAL = frozenset({"broken", "absent"})
"""Avoidance words that are adjectives: they soften the noun phrase after them, not the
rest of the clause ("broken authorisation lets anyone read the invoice" still claims
that anyone can read it)."""
_PRESCRIPTIVE = re.compile(
    r"\b(?:should|must|ought to|(?:need|needs|have|has|got) to|make sure|ensure|always)\b"
)
"""Modal words of a clause that prescribes rather than describes."""
_PREPOSITIONS = frozenset(_words("with for of in on at by from under into to after before when"))
"""After one of these "no" negates only the next word: "customers with no orders
get NULLs" says nothing negative about the NULLs."""
_CONDITIONAL = frozenset({"if", "unless"})
"""A clause opening with these states a condition, not a claim: its "no" cues are
ignored ("if no new writes happen, replicas converge" is a positive claim), verb
negations are not ("if two run at once they do not interfere")."""

_CONTRACTIONS = (
    (re.compile(r"\bcan[’']t\b"), "can not", "can't"),
    (re.compile(r"\bwon[’']t\b"), "will not", "won't"),
    (re.compile(r"\bshan[’']t\b"), "shall not", "shan't"),
    (re.compile(r"n[’']t\b"), " not", "n't"),
    (re.compile(r"\bcannot\b"), "can not", "cannot"),
    (re.compile(r"[’']s\b"), "", "'s"),
)
"""Each with a string that every match contains (apostrophes are straight by then)."""
_IDIOMS = re.compile(
    r"\bno matter\b|\b(?:does|do|did|will|would) not matter\b|\bnot only\b|\bnot just\b"
    r"|\bno doubt\b|\bno problem\b|\bnot to mention\b|\bif not\b"
    r"|\bor (?:none|nothing|neither)\b"  # "all or nothing", "both or neither"
    r"|\beach other\b|\bone another\b"  # reciprocal pronouns, not "each" or "one"
    r"|\bon the other hand\b|\b(?:in|by) contrast\b"  # connectives, not claims
)
_IDIOM_NEEDLES = (
    "matter",
    "not only",
    "not just",
    "no doubt",
    "no problem",
    "not to mention",
    "if not",
    "or n",
    "each other",
    "one another",
    "other hand",
    "contrast",
)
"""Every idiom above contains one of these."""
_NO_LONGER = re.compile(r"\bno longer\b")
_NOT_YET = re.compile(r"\bnot yet\b")
_NOT_JUST = re.compile(
    r"\b((?:" + "|".join(sorted(_AUXILIARIES)) + r")\s+not)\s+(?:just|only|simply|merely)\b"
)
""""do not just add retries" denies adding retries; "not just X but Y" is an idiom."""
_NOT_JUST_WORDS = ("just", "only", "simply", "merely")
_INSTEAD_OF = re.compile(r"\brather than\b|\binstead of\b")
_HEDGES = re.compile(r"\bnot (?:always|necessarily)\b")
""""does not always return the new value" hedges ("sometimes"), it does not deny."""
_DOES_NOT_MATTER = re.compile(
    r"\b(\w+)\s+(?:does|do|did|will|would) not matter(?:\s+(?:at all|much|really))?\b"
)
_EXPLETIVES = frozenset({"it", "this", "that", "which", "what", "who", "there", "so"})
_SLASH_TERMS = re.compile(r"\bi\s*/\s*o\b")
_NEGATIVE_TERMS = re.compile(r"\b(?:[a-z]+-)*(?:no|none)(?:-[a-z]+)+\b|\b(?:[a-z]+-)+none\b")
_SENTENCES = re.compile(r"[.!?;]+(?=\s|$)|\n+")
_CLAUSES = re.compile(
    r"[,:()\[\]{}—–\"“”]|\s-\s|\b(?:and|but|whereas|although|though|however"
    r"|because|since|so|which|unlike|except|yet|whereby|otherwise)\b|\s(?=(?:if|unless)\b)"
    r"|\b(?:while|whilst)\b(?!\s+[a-z]+ing\b)"
)
"""Clause boundaries. A "while" before a gerund is part of its clause: "never call
sleep while holding a lock" negates the holding too."""
_WORDS = re.compile(r"[^\W_]+[+#]*")
_GLUED_BRACKETS = re.compile(r"(?<=[^\s(\[{])[(\[{]([^()\[\]{}\n]*)[)\]}]")
"""Brackets glued to what precedes them are code, not an aside: "@{ $ref }",
"$users{alice}{roles}[0]", "f(x)". Their contents stay in the clause."""


_BRITISH = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$")
"""British "-ise" spellings, read as "-ize" before stemming ("serialise" and
"serialize", "authorisation" and "authorization" get one stem)."""


_ABLE = re.compile(r"^([a-z]{4,}?)e?(?:able|ably|abilit(?:y|ies)|ible|ibly|ibilit(?:y|ies))$")
"""Adjectives in "-able"/"-ible" (and their "-ability" nouns) of at least eight letters
share the stem of their base word: "cacheable" and "cached", "readable" and "read",
"reversible" and "reverse" (the stemmer keeps "cacheabl", "readabl")."""


_OVERSTEMMED = {
    **dict.fromkeys(
        _words(
            """
            personal personally personalize personalizes personalized personalizing
            personalization personalizations
            """
        ),
        "personal",
    ),
    **dict.fromkeys(_words("responsive responsively responsiveness"), "responsiv"),
    **dict.fromkeys(_words("synchronous synchronously"), "synchronous"),
    "indices": "index",
    **dict.fromkeys(_words("suite suites"), "suite"),
}
"""Derived words whose Snowball stem falls together with an unrelated word: "personal"
and "personalized" would stem to "person" (a user), "responsive" to "respons" (a
response), "synchronous" to "synchron" (to synchronise), "suite" (of tests) to "suit"
(suitable). Checked after the British "-ise" rewrite."""


def _raw_stem(word: str) -> str:
    if "is" in word:
        word = _BRITISH.sub(r"iz\1", word)
    exception = _OVERSTEMMED.get(word)
    if exception is not None:
        return exception
    if len(word) >= 8 and ("bl" in word or "bil" in word):
        able = _ABLE.match(word)
        if able is not None:
            word = _silent_e(able.group(1))
    with _STEM_LOCK:
        return str(_STEMMER.stemWord(word))


_SILENT_E = re.compile(r"(?:[aeiou][ltszvcgd]|[rnl]s)$")
"""Bases of "-able" words that dropped a silent "e" ("scalable", "writable",
"serializable", "reproducible"): restored so they share their verb's stem ("scale",
"write"); "discoverable", "predictable", "cacheable" keep theirs."""


def _silent_e(base: str) -> str:
    return base + "e" if _SILENT_E.search(base) else base


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        head = _raw_stem(group[0])
        for word in group:
            table.setdefault(_raw_stem(word), head)
    return table


_SYNONYM_OF = _build_synonyms()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The canonical stem of a lower-case word (stemmed, then mapped to its synonym group)."""
    base = _raw_stem(word)
    return _SYNONYM_OF.get(base, base)


def _build_opposites() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for first, second in OPPOSITES:
        table.setdefault(_raw_stem(first), []).append(second)
        table.setdefault(_raw_stem(second), []).append(first)
    return {word: tuple(dict.fromkeys(words)) for word, words in table.items()}


_OPPOSITE_OF = _build_opposites()
"""Per word of :data:`OPPOSITES` (its stem before the synonym families), its opposites:
only these words are replaced, while an answer may state the opposite with any word of
the opposite's family."""
_OPPOSITE_CONCEPTS = frozenset(stem(word) for pair in OPPOSITES for word in pair)
"""The (cached) stems of those words: only a word with one of them can be one."""


def opposite_wordings(text: str) -> list[tuple[str, str, str, str]]:
    """``text`` with one word replaced by an opposite (see
    :data:`interviewprep.grading.thesaurus.OPPOSITES`), once per such word and opposite:
    (the new text, the replaced word's stem, the opposite's stem, the opposite's stem
    before the synonym families). A word whose concept occurs twice, or whose
    opposite's concept already occurs, is left alone."""
    words = words_of(prepare_text(text))
    stems = [stem(w) for w in words if w not in STOPWORDS and w not in NEGATIONS]
    found: list[tuple[str, str, str, str]] = []
    for index, word in enumerate(words):
        if word in STOPWORDS or word in NEGATIONS:
            continue
        concept = stem(word)
        if concept not in _OPPOSITE_CONCEPTS:
            continue
        opposites = _OPPOSITE_OF.get(_raw_stem(word))
        if not opposites or stems.count(concept) > 1:
            continue
        for opposite in opposites:
            other = stem(opposite)
            if other in stems:
                continue
            replaced = " ".join((*words[:index], opposite, *words[index + 1 :]))
            found.append((replaced, concept, other, _raw_stem(opposite)))
    return found


ORDER_WORDS = frozenset({"before", "after"})
"""Words that put two things in order: exchanging the things around one reverses the
claim ("copy the lockfile before the source")."""


def order_words(text: str) -> list[tuple[str, str]]:
    """The order words that occur once in ``text`` (see :data:`ORDER_WORDS`): each as
    its stem and its stem before the synonym families."""
    words = words_of(prepare_text(text))
    return [(stem(w), _raw_stem(w)) for w in sorted(ORDER_WORDS) if words.count(w) == 1]


WRITTEN_PREFIX = 4
"""Letters a word must share with a pivot word to be written as it (see
:func:`written_as`): "slowest" and "slower", "servers" and "server"."""


def written_as(clause: Clause, written: str) -> bool:
    """Whether ``clause`` holds ``written`` (a word's stem before the synonym families)
    in some inflection: a word that starts with the same :data:`WRITTEN_PREFIX`
    letters ("slowest" for "slower", "servers" for "server", not "host")."""
    size = min(WRITTEN_PREFIX, len(written))
    head = written[:size]
    return any(w.startswith(head) for w in words_of(clause.text))


def prepare_text(text: str, *, keep_expressions: bool = False) -> str:
    """Lower-case, expand contractions and drop idioms whose "not"/"no" negates nothing.

    "no longer" becomes "not"; "rather than" and "instead of" the soft cue
    ``insteadof``. Multi-word expressions become
    their concept words (:mod:`interviewprep.grading.thesaurus`); with
    ``keep_expressions`` (answers) the expression's own words stay beside them.
    """
    # an answer is prepared twice (for its clauses, with its expressions' words,
    # and for the keyword-list test, without): the steps around the rewrite do not
    # depend on ``keep_expressions``, so they are cached, and so is the (usual)
    # finding that the text holds no expression to rewrite
    text = _before_expressions(text)
    if has_expressions(text):
        text = rewrite_expressions(text, keep=keep_expressions)
    return _after_expressions(text)


_PREPARED_CACHE = 256
"""Texts kept by each cached step of :func:`prepare_text` (answers are at most 4,000
characters)."""


@lru_cache(maxsize=_PREPARED_CACHE)
def _before_expressions(text: str) -> str:
    # each pattern is skipped when the text lacks a string all its matches contain
    text = text.replace("’", "'").lower()
    for pattern, replacement, needle in _CONTRACTIONS:
        if needle in text:
            text = pattern.sub(replacement, text)
    # "I/O" is a term, not the pronoun "I"
    if "/" in text:
        text = _SLASH_TERMS.sub("io", text)
    # "no-cache", "If-None-Match": names, not negations
    if "-" in text:
        text = _NEGATIVE_TERMS.sub(lambda m: m.group(0).replace("-", ""), text)
    return text


@lru_cache(maxsize=_PREPARED_CACHE)
def _after_expressions(text: str) -> str:
    # "lock order does not matter" denies that the order matters: a negative claim
    # about its subject; "it does not matter how often" is an idiom (dropped below)
    if "matter" in text:
        text = _DOES_NOT_MATTER.sub(_matter, text)
    if any(needle in text for needle in _DISMISSAL_NEEDLES):
        text = _DISMISSAL.sub(_dismissed, text)
    if "not always" in text or "not necessarily" in text:
        text = _HEDGES.sub("sometimes", text)
    if "rather than" in text or "instead of" in text:
        text = _INSTEAD_OF.sub(_INSTEAD, text)
    if "not" in text and any(word in text for word in _NOT_JUST_WORDS):
        text = _NOT_JUST.sub(r"\1", text)
    if "no longer" in text:
        text = _NO_LONGER.sub("not", text)
    if "not yet" in text:
        # "yet" would start a clause and leave "not" alone: "written but not yet committed"
        text = _NOT_YET.sub("not", text)
    if any(needle in text for needle in _IDIOM_NEEDLES):
        text = _IDIOMS.sub(" ", text)
    return text


_DISMISSAL = re.compile(
    r"\b(\w+)\s+(?:(?:does|do|did|will|would|can|could) not (?:really |actually |even )?"
    r"(?:help|work|tell (?:you|us) anything)"
    r"|(?:has|have|had|makes?|made) (?:no|little) (?:effect|difference|impact)"
    r"|(?:adds?|added) (?:nothing|no value)"
    r"|(?:is|are|was|were) (?:useless|pointless|of no use))\b"
    r"(?:\s+(?:at all|much|beyond (?:it|that|this|them)))?"
)
"""A predicate that dismisses its subject as a remedy: "escaping the output does not
help", "provisioned concurrency has no effect", "tokens are useless", "mutation
testing adds nothing", "the row estimates do not tell you anything". Like "X does not
matter", it is read as the elliptical "X is not", a denial of what the clause names."""
_DISMISSAL_NEEDLES = (
    "not help",
    "not really",
    "not actually",
    "not even",
    "not work",
    "not tell",
    "nothing",
    "no value",
    "no ",
    "little ",
    "useless",
    "pointless",
)


def _dismissed(match: re.Match[str]) -> str:
    subject = match.group(1)
    if subject in _EXPLETIVES:
        return match.group(0)  # "it does not help much": an aside
    return f"{subject} is not"


def _matter(match: re.Match[str]) -> str:
    subject = match.group(1)
    if subject in _EXPLETIVES:
        return match.group(0)
    return f"{subject} is not"  # elliptical: the clause's claim is denied


def words_of(text: str) -> list[str]:
    """The word tokens of already prepared text."""
    return _WORDS.findall(text)


_T = TypeVar("_T")


class _stored(Generic[_T]):  # noqa: N801 - used as a decorator, like cached_property
    """:func:`functools.cached_property` without its lock (taken on every first use
    before Python 3.12; every clause of every answer computes its positions once)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        value = self.compute(instance)
        instance.__dict__[self.name] = value  # found there from now on
        return value


@dataclass(frozen=True)
class Clause:
    """One clause of an answer.

    Attributes:
        text: the clause as written (lower-cased).
        sentence: index of the sentence it belongs to.
        stems: canonical stems of its content words, in order.
        joined: stems of adjacent content words written together ("plain text" gives
            "plaintext"), each with the position of its first word.
        cues: for each negation cue, how many content words precede it and its scope:
            :data:`SPREAD` (the whole clause), 0 (the words after it) or n (the next n
            words).
        narrow: the stem ranges (start, end) each negation cue governs read narrowly:
            the words after it up to the end of the clause, or of the relative clause
            it sits in; for an elliptical "POST is not", the words before it.
        soft: the stem ranges governed by an avoidance verb ("avoid retrying").
        prescriptive: the clause says what should be done ("you must check the
            owner"), not what is the case.
        aside: the stem ranges after "instead of" or "rather than": an alternative set
            aside, which earns no partial credit.
        antonyms: positions of stems written as their antonym ("uncommitted" is the
            stem of "committed", negated).
    """

    text: str
    sentence: int
    stems: tuple[str, ...]
    cues: tuple[tuple[int, int], ...]
    joined: tuple[tuple[str, int], ...] = ()
    narrow: tuple[tuple[int, int], ...] = ()
    soft: tuple[tuple[int, int], ...] = ()
    prescriptive: bool = False
    aside: tuple[tuple[int, int], ...] = ()
    antonyms: tuple[int, ...] = ()

    def polarity(self, position: int) -> int:
        """:data:`NEGATIVE`, :data:`SOFT` or :data:`POSITIVE` for the stem at ``position``,
        with the narrow reading of negation scope."""
        if any(start <= position < end for start, end in self.narrow):
            return NEGATIVE
        if any(start <= position < end for start, end in self.soft):
            return SOFT
        return POSITIVE

    @property
    def elliptical(self) -> bool:
        """A negative clause whose predicate is left out: "POST is not", "PUT isn't"."""
        return any(cue >= len(self.stems) for cue, _ in self.cues)

    @_stored
    def where(self) -> dict[str, tuple[int, ...]]:
        """The positions of each stem and joined pair (built once, on first use)."""
        where: dict[str, list[int]] = {}
        for i, s in enumerate(self.stems):
            where.setdefault(s, []).append(i)
        for s, i in self.joined:
            where.setdefault(s, []).append(i)
        return {s: tuple(found) for s, found in where.items()}

    def positions(self, options: frozenset[str]) -> list[int]:
        """Positions of the stems (or joined pairs) that are in ``options``, in no
        particular order (callers only test them with ``any``/``all``)."""
        where = self.where
        return [p for s in options if s in where for p in where[s]]

    @property
    def short(self) -> bool:
        """A fragment such as "PUT" or "POST is not": at most two content words."""
        return len(self.stems) <= 2

    def negates(self, position: int, matched: Iterable[int]) -> bool:
        """Whether the stem at ``position`` is negated, given all ``matched`` positions.

        Clause-level negation: a verb negation ("is not", "n't", "never") that governs
        any matched word (it precedes one, as in "query plans are not worth looking
        at", or ends the clause, as in "POST is not.") negates every matched word of
        the clause. Other cues ("no", a contrastive "not") negate the words after them;
        "non-" negates only the next word.
        """
        for cue, scope in self.cues:
            if scope == SPREAD:
                if cue >= len(self.stems) or any(p >= cue for p in matched):
                    return True
            elif scope == 0:
                if position >= cue or cue >= len(self.stems):
                    return True
            elif cue <= position < cue + scope:
                return True
        return False


_NOT_PURPOSE = frozenset(
    _words("want wants wanted need needs needed able unable try tries tried used going supposed")
)


def _purpose(words: Sequence[str], index: int) -> bool:
    """Whether the "to" at ``index`` starts a purpose ("... every row to find a match"):
    a common verb follows it, and a content word that does not take an infinitive
    ("waiting to retry", "need to check") precedes it."""
    before = words[index - 1] if index else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    return (
        after in _VERB_SET
        and before not in STOPWORDS
        and before not in _NOT_PURPOSE
        and before != _INSTEAD
        and not before.endswith("ing")
    )


def _noun_phrase(words: Sequence[str], start: int) -> int:
    """How many content words from ``start`` run on before a function word (at least 1)."""
    count = 0
    for word in words[start:]:
        if word in STOPWORDS or word in NEGATIONS:
            break
        count += 1
    return max(count, 1)


def _clause(text: str, sentence: int, words: list[str]) -> Clause:
    # ``words`` are the word tokens of ``text`` (split_clauses has them already)
    stems: list[str] = []
    cues: list[tuple[int, int]] = []
    joined: list[tuple[str, int]] = []
    starts: list[tuple[int, int, bool]] = []  # (position, local scope or 0, relative)
    soft_starts: list[tuple[int, bool, int]] = []  # (position, relative, local scope or 0)
    aside_starts: list[int] = []
    auxiliaries: list[int] = []
    antonyms: list[int] = []
    conditional = bool(words) and words[0] in _CONDITIONAL  # ignores "no", not "do not"
    relative = False
    previous = ""
    before = ""
    purposes: list[int] = []
    for index, word in enumerate(words):
        if word not in _SPECIAL_WORDS:
            # most words: a content word that is no cue of any kind (the general
            # branch below would end up doing just this)
            if previous and previous.isalpha() and word.isalpha():
                joined.append((stem(previous + word), len(stems) - 1))
            stems.append(stem(word))
            previous = before = word
            continue
        if word in _PLAIN_STOPWORDS:
            previous = ""
            before = word
            continue
        if word == "to" and aside_starts and _purpose(words, index):
            purposes.append(len(stems))
        if word in _RELATIVE:
            relative = True
        if word in _AUXILIARIES or (relative and word in _S_FORMS):
            # a finite verb ends a relative clause too: "commits that depend on others
            # you did not bring along break things"
            auxiliaries.append(len(stems))
        if word in NEGATIONS or word in _MISCONCEPTION_CUES:
            verb_negation = word == "never" or (word in {"not", "non"} and before in _AUXILIARIES)
            if not conditional or verb_negation:
                if word in _LOCAL_SCOPE and before not in _AUXILIARIES:
                    scope = _LOCAL_SCOPE[word]
                elif word == "no" and before in _PREPOSITIONS:
                    # "with no orders": the noun phrase after it, up to a function word
                    scope = _noun_phrase(words, index + 1)
                elif word == "never" or (word in {"not", "non"} and before in _AUXILIARIES):
                    scope = SPREAD  # "is not idempotent", "is non-idempotent"
                else:
                    scope = 0
                cues.append((len(stems), scope))
                starts.append((len(stems), max(scope, 0), relative))
            previous = ""
        elif word == _INSTEAD:
            soft_starts.append((len(stems), relative, 0))
            aside_starts.append(len(stems))
            previous = ""
        elif word not in STOPWORDS:
            if previous and previous.isalpha() and word.isalpha():
                joined.append((stem(previous + word), len(stems) - 1))
            base = ANTONYMS.get(word)
            if base is not None:
                # "uncommitted" is "not committed": a negation of this word only
                antonyms.append(len(stems))
                cues.append((len(stems), 1))
                starts.append((len(stems), 1, relative))
                word = base
            stems.append(stem(word))
            if word in _AVOIDANCE:
                # an adjective ("broken authorisation") softens its noun phrase only
                local = _noun_phrase(words, index + 1) if word in _ADJECTIVAL else 0
                soft_starts.append((len(stems), relative, local))
            if word in _PREPOSITION_CUES and not conditional:
                # "without" is a word of its own; it negates the next word, or read
                # narrowly its phrase, up to the next auxiliary ("customers without
                # orders are dropped", "find rows without scanning the whole table")
                cues.append((len(stems), 1))
                starts.append((len(stems), 0, True))
            previous = word
        else:
            previous = ""
        before = word
    count = len(stems)
    if not (cues or soft_starts or aside_starts):
        # no cue of any kind (antonyms come with cues): nothing is negated or set aside
        return Clause(
            text.strip(),
            sentence,
            tuple(stems),
            (),
            tuple(joined),
            prescriptive=_PRESCRIPTIVE.search(text) is not None,
        )
    if cues:
        withouts = [c for c, scope in cues if scope == 1 and c > 0 and stems[c - 1] == _WITHOUT]
        verb_cues = [c for c, scope in cues if scope == SPREAD]
        if withouts and verb_cues and min(verb_cues) < max(withouts):
            # a double negation: "it can not be modified without the other side
            # noticing" states that modifications are noticed
            cues, starts = [], []

    def end_of(start: int, in_relative: bool) -> int:
        # a relative clause ends at the next auxiliary after its own words
        if in_relative:
            return next((a for a in auxiliaries if a > start), count)
        return count

    narrow: list[tuple[int, int]] = []
    for start, local, in_relative in starts:
        if local:
            narrow.append((start, start + local))
        elif start >= count:
            narrow.append((0, count))  # "POST is not."
        else:
            narrow.append((start, end_of(start, in_relative)))
    soft = [
        (start, min(start + local, count) if local else end_of(start, rel))
        for start, rel, local in soft_starts
        if start < count
    ]
    prescriptive = not cues and _PRESCRIPTIVE.search(text) is not None
    aside = tuple((start, count) for start in aside_starts if start < count)
    if purposes and aside:
        # "instead of reading every row to find a match": the purpose is shared by
        # both alternatives, not set aside with the first
        aside = tuple((a, next((p for p in purposes if p > a), b)) for a, b in aside)
        ends = dict(aside)
        soft = [(start, min(end, ends.get(start, end))) for start, end in soft]
    return Clause(
        text.strip(),
        sentence,
        tuple(stems),
        tuple(cues),
        tuple(joined),
        tuple(narrow),
        tuple(soft),
        prescriptive,
        aside,
        tuple(antonyms),
    )


def split_clauses(text: str, *, answer: bool = False) -> list[Clause]:
    """Split text into clauses with stems and negation cues (text is lower-cased here).

    An ``answer`` keeps the words of its multi-word expressions beside their concept
    words; a rubric phrase is read as concept words only.
    """
    prepared = prepare_text(text, keep_expressions=answer)
    clauses: list[Clause] = []
    for index, sentence in enumerate(s for s in _SENTENCES.split(prepared) if s.strip()):
        if "(" in sentence or "[" in sentence or "{" in sentence:
            sentence = _GLUED_BRACKETS.sub(r" \1 ", sentence)
        dangling = False  # a negative subject still waiting for its verb
        for part in _CLAUSES.split(sentence):
            if part and part.strip():
                words = _WORDS.findall(part)
                clause = _clause(part, index, words)
                if dangling and words and words[0] in _AUXILIARIES:
                    # "nobody on the wire, like the cafe wifi, can read it": the
                    # predicate is negated by the subject before the aside
                    clause = _negated_predicate(clause)
                    dangling = False
                elif words and words[0] in _NEGATIVE_SUBJECTS:
                    dangling = not any(w in _AUXILIARIES for w in words)
                if not clause.stems and clauses and clauses[-1].sentence == index:
                    clauses[-1] = _borrowed_negation(clauses[-1], clause)
                if clause.stems or clause.cues:
                    clauses.append(clause)
    return clauses


def _borrowed_negation(before: Clause, clause: Clause) -> Clause:
    """``before``, made elliptically negative when ``clause`` is only a verb negation
    split from it and ``before`` is a bare subject: "PUT, on the other hand, is not"
    reads as "PUT is not" ("PATCH modifies and might not be" does not: the negation
    takes up an earlier predicate)."""
    if not any(scope == SPREAD for _, scope in clause.cues) or before.elliptical:
        return before
    if len(before.stems) != 1:
        return before
    count = len(before.stems)
    return dataclasses.replace(
        before,
        cues=(*before.cues, (count, SPREAD)),
        narrow=(*before.narrow, (0, count)),
        prescriptive=False,
    )


_NEGATIVE_SUBJECTS = frozenset({"nobody", "nothing", "none", "neither"})
"""Subjects that negate their clause's predicate."""


def _negated_predicate(clause: Clause) -> Clause:
    count = len(clause.stems)
    return dataclasses.replace(
        clause,
        cues=((0, 0), *clause.cues),
        narrow=((0, count), *clause.narrow),
        prescriptive=False,
    )


@dataclass(frozen=True)
class Phrase:
    """A rubric phrase (key point text, phrasing or misconception), pre-analysed.

    Attributes:
        text: the phrase as written.
        stems: its distinct canonical content stems.
        weights: weight of each stem (words that only repeat the prompt weigh less).
        novel: which stems do not occur in the question prompt.
        negated: the phrase itself is negative ("POST is not idempotent").
        polarity: each stem's polarity under the narrow reading of negation scope
            (:data:`POSITIVE`, :data:`NEGATIVE` or :data:`SOFT`).
        antonym_mask: the stems (a bitmask by position) written as their antonym.
        head_mask: the stems (a bitmask by position) that a negation of the phrase
            governs first ("drop" in "cannot drop tables").
    """

    text: str
    stems: tuple[str, ...]
    weights: tuple[float, ...]
    novel: tuple[bool, ...]
    negated: bool
    polarity: tuple[int, ...] = ()
    antonym_mask: int = 0
    head_mask: int = 0

    @cached_property
    def total(self) -> float:
        return sum(self.weights)

    @cached_property
    def negative_mask(self) -> int:
        """A bitmask of the stems the phrase negates (narrow reading)."""
        return sum(1 << bit for bit, own in enumerate(self.polarity) if own == NEGATIVE)

    @cached_property
    def novel_mask(self) -> int:
        """A bitmask of the stems (by position) that are not in the prompt."""
        return sum(1 << bit for bit, novel in enumerate(self.novel) if novel)

    @cached_property
    def halves(self) -> tuple[int, int] | None:
        """Bitmasks of the stems weighing 1 and 0.5, when every stem weighs one of
        these: any sum of them is exact in floating point, whatever the order, so a
        mask's weight is its count of each (see :meth:`AnalysedAnswer._weight`)."""
        ones = halves = 0
        for bit, weight in enumerate(self.weights):
            if weight == 1.0:
                ones |= 1 << bit
            elif weight == 0.5:
                halves |= 1 << bit
            else:
                return None
        return ones, halves


PROMPT_WORD_WEIGHT = 0.5


def negation_vote(
    clauses: Sequence[Clause], targets: Sequence[frozenset[str]], weights: Sequence[float]
) -> bool:
    """Whether ``clauses`` negate the target stems, by a weighted vote.

    A target counts as negated when every clause where it occurs negates it (see
    :meth:`Clause.negates`). Ties count as negated, so "GET, PUT and DELETE are
    idempotent; POST is not" does not
    state "POST is idempotent", and "POST is not idempotent" is negative.
    """
    if not any(clause.cues for clause in clauses):
        return False  # no cue negates anything: every target found votes positive
    negative = positive = 0.0
    # per clause, the positions of each target, and of all of them
    found = [[clause.positions(options) for options in targets] for clause in clauses]
    matched = [[p for positions in row for p in positions] for row in found]
    for index, weight in enumerate(weights):
        states = [
            any(clause.negates(p, in_clause) for p in row[index])
            for clause, row, in_clause in zip(clauses, found, matched, strict=True)
            if row[index]
        ]
        if not states:
            continue
        if all(states):
            negative += weight
        else:
            positive += weight
    if negative == positive == 0.0:
        return False
    return negative >= positive


def _combined(states: Sequence[int]) -> int:
    """One polarity for a stem seen several times: negative only if always negative."""
    if all(state == NEGATIVE for state in states):
        return NEGATIVE
    if all(state != POSITIVE for state in states):
        return SOFT
    return POSITIVE


def narrow_polarity(
    clauses: Sequence[Clause], options: frozenset[str], *, answer: bool = False
) -> int | None:
    """The combined narrow polarity of the stems in ``options`` across ``clauses``.

    With ``answer``, a positive stem of a prescriptive clause ("the server must check
    the owner") counts as :data:`SOFT`: a remedy does not deny a key point that
    describes the flaw ("the server does not check the owner").
    """
    states = [
        SOFT if answer and c.prescriptive and state == POSITIVE else state
        for c in clauses
        for p in c.positions(options)
        for state in (c.polarity(p),)
    ]
    return _combined(states) if states else None


def make_phrase(text: str, prompt_stems: frozenset[str], *, uniform: bool = False) -> Phrase:
    """Analyse a rubric phrase; stems also in the prompt weigh :data:`PROMPT_WORD_WEIGHT`.

    When every stem repeats the prompt (as in "GET, PUT and DELETE are idempotent"
    for a question that lists those methods), or with ``uniform``, all weigh 1.
    """
    clauses = split_clauses(text)
    seen: dict[str, None] = {}
    for clause in clauses:
        for item in clause.stems:
            seen.setdefault(item, None)
    stems = tuple(seen)
    novel = tuple(s not in prompt_stems for s in stems)
    if any(novel) and not uniform:
        weights = tuple(1.0 if n else PROMPT_WORD_WEIGHT for n in novel)
    else:
        weights = tuple(1.0 for _ in stems)
    # the phrase's polarity is its main (longest, then first) clause's: "the traffic
    # is encrypted so eavesdroppers cannot read it" is a positive claim, "SPAs and
    # mobile apps have no client secret" a negative one
    negated = False
    first = max(clauses, key=lambda c: len(c.stems), default=None)
    if first is not None and first.stems:
        weight_of = dict(zip(stems, weights, strict=True))
        own = list(dict.fromkeys(first.stems))
        negated = negation_vote([first], [frozenset({s}) for s in own], [weight_of[s] for s in own])
    polarity = tuple(narrow_polarity(clauses, frozenset({s})) or POSITIVE for s in stems)
    antonym = {c.stems[p] for c in clauses for p in c.antonyms}
    antonym_mask = sum(1 << bit for bit, s in enumerate(stems) if s in antonym)
    heads = {c.stems[a] for c in clauses for a, b in c.narrow if a < min(b, len(c.stems))}
    head_mask = sum(1 << bit for bit, s in enumerate(stems) if s in heads)
    return Phrase(text, stems, weights, novel, negated, polarity, antonym_mask, head_mask)


@dataclass(frozen=True)
class Match:
    """The best window of an answer for one phrase.

    Attributes:
        coverage: weighted share of the phrase's stems found in the window, 0..1.
        opposed: the window's polarity differs from the phrase's (one negates, the
            other does not).
        evidence: the clauses of the window, joined.
        novel_hit: at least one stem that is not in the prompt was found (or the
            phrase has none).
        hits: how many of the phrase's stems were found, not counting those only
            found in an alternative set aside ("rather than an implementation"); a stem
            the phrase itself negates or avoids ("without scanning", "instead of the
            mean") counts wherever it is found, as "instead of X" agrees with it.
        weak: an opposition to a negative phrase that misses part of the negated
            predicate ("added automatic retries" against "nobody needed to re-run
            builds", "cache full pages" against "do not cache personalised pages"):
            neither evidence for the phrase nor against it.
        window: the first and last clause index of the window.
        swapped: opposed because the window says it of the other compared thing
            (see :func:`swapped_roles`).
    """

    coverage: float
    opposed: bool
    evidence: str
    novel_hit: bool
    hits: int = 0
    weak: bool = False
    window: tuple[int, int] = (0, -1)
    swapped: bool = False


NO_MATCH = Match(0.0, False, "", False)


def _whole_predicate(phrase: Phrase, union: int) -> bool:
    """Whether a window (``union``, a mask of the phrase stems found) holds the negated
    predicate of a negative phrase: every stem the phrase negates, or all but one when
    it negates four or more. A positive answer opposes "do not cache personalised
    pages" only if it is about personalised pages."""
    scope = phrase.negative_mask
    size = scope.bit_count()
    return (union & scope).bit_count() >= size - (size >= MIN_LOOSE_PREDICATE)


MIN_LOOSE_PREDICATE = 4
FUZZY_MIN_LENGTH = 5
FUZZY_SCORE = 85.0
MAX_WINDOW = 6


@lru_cache(maxsize=4096)
def _bits(mask: int) -> tuple[int, ...]:
    """The positions of the set bits of ``mask``, lowest first (phrases have a few
    dozen stems at most, so the masks seen are few)."""
    bits = []
    bit = 0
    while mask:
        if mask & 1:
            bits.append(bit)
        mask >>= 1
        bit += 1
    return tuple(bits)


MAX_NEAR_WORDS = 128
"""Answer words a :class:`FuzzyIndex` keeps before it starts afresh: about 12 KB per
rubric, at most about 6 MB with the rubric cache (512 rubrics) however varied the
answers (the Telegram bot's memory budget is 150 MB; 1,024 words would have allowed
about 50 MB)."""


def fuzzy_matches(word: str, choices: Sequence[str]) -> list[str]:
    """The choices whose rapidfuzz ratio with ``word`` reaches :data:`FUZZY_SCORE`, best
    first."""
    return [
        choice
        for choice, _, _ in process.extract(
            word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE, limit=None
        )
    ]


class FuzzyIndex:
    """A rubric's stems that :meth:`AnalysedAnswer.alike` may match fuzzily, and per
    answer word seen so far, which of them it is close to.

    Answers to one question share most of their words, so each word is compared with
    the rubric's stems once (rapidfuzz's ratio is symmetric) instead of every stem
    being compared with every answer's whole vocabulary.
    """

    def __init__(self, targets: Iterable[str]) -> None:
        self.targets = frozenset(t for t in targets if len(t) >= FUZZY_MIN_LENGTH and t.isalpha())
        self._choices = sorted(self.targets)
        self._near: dict[str, tuple[str, ...]] = {}

    def near(self, word: str) -> tuple[str, ...]:
        """The targets whose ratio with ``word`` reaches :data:`FUZZY_SCORE`."""
        found = self._near.get(word)
        if found is None:
            found = tuple(fuzzy_matches(word, self._choices))
            if len(self._near) >= MAX_NEAR_WORDS:
                self._near.clear()
            self._near[word] = found
        return found


_NOWHERE: tuple[frozenset[str], tuple[int, ...]] = (frozenset(), ())
"""What :meth:`AnalysedAnswer._find` gives for a stem the answer does not hold."""


class AnalysedAnswer:
    """An answer split into clauses, with a stem index for fast phrase matching.

    With ``fuzzy`` (the rubric's :class:`FuzzyIndex`) its targets' fuzzy matches are
    looked up there; :meth:`alike` finds the same stems either way.
    """

    def __init__(self, text: str, fuzzy: FuzzyIndex | None = None) -> None:
        self.clauses = split_clauses(text, answer=True)
        self.vocabulary = sorted({s for c in self.clauses for s in c.stems})
        self._known = frozenset(self.vocabulary)
        self._joined = frozenset(s for c in self.clauses for s, _ in c.joined)
        self._alike: dict[str, frozenset[str]] = {}
        self._fuzzy = fuzzy
        self._close: dict[str, list[str]] | None = None
        # per stem (or joined pair), the clauses that hold it; per phrase stem, its
        # alike stems and the clauses that hold any of them: a phrase's clause masks
        # come from these instead of testing every clause for every stem
        self._clauses_of: dict[str, list[int]] = {}
        for index, clause in enumerate(self.clauses):
            # the keys of clause.where, without building it (most clauses never need it)
            items = dict.fromkeys(clause.stems)
            if clause.joined:
                items.update(dict.fromkeys(s for s, _ in clause.joined))
            for item in items:
                self._clauses_of.setdefault(item, []).append(index)
        self._found: dict[str, tuple[frozenset[str], tuple[int, ...]]] = {}
        self._sentence = [c.sentence for c in self.clauses]
        self._short = [c.short for c in self.clauses]
        self._ends: dict[bool, list[int]] = {}
        # how many clauses before each index have negation cues: a window without
        # any is never negated (see negation_vote)
        self._cued = [0]
        for clause in self.clauses:
            self._cued.append(self._cued[-1] + bool(clause.cues))

    def holds(self, item: str) -> bool:
        """Whether a clause holds ``item`` (a stem or joined pair) exactly."""
        return item in self._clauses_of

    def alike(self, target: str) -> frozenset[str]:
        """Answer stems equal or fuzzily close to ``target`` (never fuzzy for digits)."""
        cached = self._alike.get(target)
        if cached is not None:
            return cached
        found = {target} if target in self._known or target in self._joined else set()
        if self._fuzzy is not None and target in self._fuzzy.targets:
            close = self._close if self._close is not None else self._close_words()
            found.update(close.get(target, ()))
        elif len(target) >= FUZZY_MIN_LENGTH and target.isalpha():
            found.update(c for c in fuzzy_matches(target, self.vocabulary) if c.isalpha())
        result = frozenset(found)
        self._alike[target] = result
        return result

    def _close_words(self) -> dict[str, list[str]]:
        """Per target of the fuzzy index, the answer's (alphabetic) stems close to it."""
        assert self._fuzzy is not None
        near = self._fuzzy.near
        close: dict[str, list[str]] = {}
        for word in self.vocabulary:
            if word.isalpha():
                for target in near(word):
                    close.setdefault(target, []).append(word)
        self._close = close
        return close

    def reach(self, phrase: Phrase) -> float:
        """The highest ``coverage`` that :meth:`match_phrase` can give ``phrase`` here
        (rounded as it rounds): the weighted share of its stems found anywhere in the
        answer. Callers that need more skip the match."""
        if not phrase.stems or not self.clauses:
            return 0.0
        known = self._found
        mask = 0
        for bit, target in enumerate(phrase.stems):
            if (known.get(target) or self._find(target))[1]:
                mask |= 1 << bit
        # a window's stems are a subset of these and weigh no more (positive weights,
        # summed in the same order), and rounding keeps the order
        return round(self._weight(phrase, mask) / phrase.total, 4)

    def match_phrase(self, phrase: Phrase, *, tight: bool = False, skip: int = 0) -> Match:
        """Find the best clause window for ``phrase``; see the module docstring.

        With ``tight`` (used for misconceptions) a window holds at most one clause of
        more than two content words, so a claim is not assembled from several
        separate statements. ``skip`` is a bitmask of clauses (by index) to leave out.
        """
        if not phrase.stems or not self.clauses:
            return NO_MATCH
        known = self._found
        found = [known.get(s) or self._find(s) for s in phrase.stems]
        if not any(indices for _, indices in found):
            return NO_MATCH  # no clause holds any of the stems
        alike = [options for options, _ in found]
        masks = [0] * len(self.clauses)  # per clause, a bitmask of the stems it holds
        if skip:
            for bit, (_, indices) in enumerate(found):
                for index in indices:
                    if not skip >> index & 1:
                        masks[index] |= 1 << bit
            if not any(masks):
                return NO_MATCH
        else:  # every stem found above sets a bit
            for bit, (_, indices) in enumerate(found):
                flag = 1 << bit
                for index in indices:
                    masks[index] |= flag
        best = self._best_window(phrase, masks, tight)
        if best is None:
            return NO_MATCH
        coverage, _, neg_start, end = best
        start = -neg_start
        union = 0
        for index in range(start, end + 1):
            union |= masks[index]
        opposed = self._negated(phrase, alike, start, end) != phrase.negated
        if not opposed and end > start:
            opposed = self._clause_opposes(phrase, alike, masks, start, end, union)
        if opposed or self._antonym_in(phrase, alike, start, end, union):
            opposed = self._narrowly_opposed(phrase, alike, masks, start, end)
        if opposed and phrase.negated and phrase.head_mask & union:
            opposed = not self._head_negated(phrase, alike, start, end)
        weak = opposed and phrase.negated and not _whole_predicate(phrase, union)
        novel_hit = not phrase.novel_mask or bool(union & phrase.novel_mask)
        window = self.clauses[start : end + 1]
        evidence = window[0].text if start == end else "; ".join([c.text for c in window])
        if window[0].aside if start == end else any(c.aside for c in window):
            own = phrase.polarity or (POSITIVE,) * len(alike)
            hits = sum(
                own[bit] != POSITIVE
                or any(
                    not any(a <= p < b for a, b in clause.aside)
                    for clause in window
                    for p in clause.positions(options)
                )
                for bit, options in enumerate(alike)
                if union >> bit & 1
            )
        else:
            hits = union.bit_count()  # every stem found counts
        return Match(round(coverage, 4), opposed, evidence, novel_hit, hits, weak, (start, end))

    def _head_negated(
        self, phrase: Phrase, alike: Sequence[frozenset[str]], start: int, end: int
    ) -> bool:
        """Whether the window negates the word a negative phrase's negation governs
        first (its head): "the database login cannot drop them" agrees with "the app
        user cannot drop tables" although "tables" is positive in another clause."""
        clauses = self.clauses[start : end + 1]
        return any(
            phrase.head_mask >> bit & 1
            and narrow_polarity(clauses, options, answer=True) == NEGATIVE
            for bit, options in enumerate(alike)
        )

    def _antonym_in(
        self,
        phrase: Phrase,
        alike: Sequence[frozenset[str]],
        start: int,
        end: int,
        union: int,
    ) -> bool:
        """Whether a matched stem is written as its antonym on either side ("already
        committed" against "uncommitted"): the narrow reading then decides alone, as
        one negated word does not tip the clause-level vote."""
        if phrase.antonym_mask & union:
            return True
        for clause in self.clauses[start : end + 1]:
            if clause.antonyms and any(
                p in clause.antonyms for options in alike for p in clause.positions(options)
            ):
                return True
        return False

    def spent(self, phrase: Phrase, match: Match) -> int:
        """The clause (a one-bit mask) that ``match`` used up, or 0.

        A short clause (at most two content words) all of whose words belong to
        ``phrase`` names what the phrase states ("it is path traversal" for "path
        traversal") and says nothing else.
        """
        start, end = match.window
        if start != end or match.opposed or not self._short[start]:
            return 0
        options = {s for target in phrase.stems for s in self._find(target)[0]}
        if all(s in options for s in self.clauses[start].stems):
            return 1 << start
        return 0

    def _find(self, target: str) -> tuple[frozenset[str], tuple[int, ...]]:
        """:meth:`alike` and the indices of the clauses that hold any of those stems."""
        found = self._found.get(target)
        if found is None:
            fuzzy = self._fuzzy
            if fuzzy is not None and (
                target in fuzzy.targets or len(target) < FUZZY_MIN_LENGTH or not target.isalpha()
            ):
                # no fuzzy extract to run: when no other answer stem is close, the
                # stem itself is all there is (what alike() gives then, without its
                # sets)
                close = self._close if self._close is not None else self._close_words()
                if target not in close:
                    clauses = self._clauses_of.get(target)
                    found = (frozenset((target,)), tuple(clauses)) if clauses else _NOWHERE
                    self._found[target] = found
                    return found
            options = self.alike(target)
            if len(options) == 1:
                # one stem: its clauses are already distinct and in order
                (only,) = options
                found = self._found[target] = (options, tuple(self._clauses_of.get(only, ())))
                return found
            indices = {i for s in options for i in self._clauses_of.get(s, ())}
            found = self._found[target] = (options, tuple(sorted(indices)))
        return found

    def _best_window(
        self, phrase: Phrase, masks: Sequence[int], tight: bool
    ) -> tuple[float, int, int, int] | None:
        """The window with the highest coverage, then the fewest clauses, then the
        first: (coverage, -span, -start, end), or None.

        A window holds at most :data:`MAX_WINDOW` clauses of one sentence, or of two
        adjacent sentences where the part in one of them is only short fragments. A
        window ending in a clause without phrase stems is never chosen (the shorter
        one beats it).
        """
        total = phrase.total
        weights: dict[int, float] = {}  # union mask -> its weight, summed in bit order
        # no window covers more than all the phrase stems the answer holds: once a
        # window reaches that, only a shorter one can beat it
        full = functools.reduce(operator.or_, masks)
        top = self._weight(phrase, full) / total
        if phrase.halves is not None and full in masks:
            # every weight is positive, so only a clause holding all the stems found
            # reaches the top coverage alone: the first such clause is the best window
            first = masks.index(full)
            return (top, 0, -first, first)
        best: tuple[float, int, int, int] | None = None
        # the joinability rules depend on the answer only (see _window_ends); a clause
        # without phrase stems neither changes a window's union nor ends a chosen one
        last_end = self._ends.get(tight) or self._window_ends(tight)
        held = [i for i, mask in enumerate(masks) if mask]
        count = len(held)
        halves = phrase.halves
        ones, half = halves if halves is not None else (0, 0)
        best_coverage, best_span = -1.0, 0  # best[:2], once best is set
        for k, start in enumerate(held):
            if best is not None and best_coverage == top and best_span == 0:
                break  # a single clause covers all it can
            union = 0
            last = last_end[start]
            for j in range(k, count):
                end = held[j]
                if end > last:
                    break
                span = start - end
                if best is not None and best_coverage == top and span <= best_span:
                    break
                union |= masks[end]
                weight = weights.get(union)
                if weight is None:
                    # _weight, inlined for the usual weights (union is never empty)
                    if halves is not None:
                        weight = (union & ones).bit_count() + 0.5 * (union & half).bit_count()
                    else:
                        weight = self._weight(phrase, union)
                    weights[union] = weight
                coverage = weight / total
                # (coverage, span) > (best_coverage, best_span), without the tuples
                if best is None or (
                    coverage > best_coverage or (coverage == best_coverage and span > best_span)
                ):
                    best_coverage, best_span = coverage, span
                    best = (coverage, span, -start, end)
        return best

    def _window_ends(self, tight: bool) -> list[int]:
        """Per start clause, the last clause a window from it may reach (the rules of
        :meth:`_best_window`: at most :data:`MAX_WINDOW` clauses, one sentence or two
        joinable ones, with ``tight`` one sentence and one long clause)."""
        ends = self._ends.get(tight)
        if ends is not None:
            return ends
        sentence, short, n = self._sentence, self._short, len(self._sentence)
        ends = []
        for start in range(n):
            long_clauses = 0
            first = sentence[start]
            left_short = right_short = True  # the window's clauses in each sentence
            last = start - 1
            for end in range(start, min(n, start + MAX_WINDOW)):
                if sentence[end] == first:
                    left_short = left_short and short[end]
                elif sentence[end] - first > 1:
                    break
                else:
                    right_short = right_short and short[end]
                    if not (left_short or right_short):
                        break  # not joinable
                    if tight:
                        break  # a stated claim is read inside one sentence
                long_clauses += not short[end]
                if tight and long_clauses > 1:
                    break
                last = end
            ends.append(last)
        self._ends[tight] = ends
        return ends

    @staticmethod
    def _weight(phrase: Phrase, mask: int) -> float:
        halves = phrase.halves
        if halves is not None:
            if not mask:
                return 0  # what sum() of nothing gives
            return (mask & halves[0]).bit_count() + 0.5 * (mask & halves[1]).bit_count()
        weights = phrase.weights
        return sum([weights[bit] for bit in _bits(mask)])  # in bit order, as before

    def _clause_opposes(
        self,
        phrase: Phrase,
        alike: Sequence[frozenset[str]],
        masks: Sequence[int],
        start: int,
        end: int,
        union: int,
    ) -> bool:
        """One clause of a multi-clause window opposes the phrase on its own.

        "GET and DELETE are idempotent, PUT is not idempotent" does not support "GET,
        PUT and DELETE are idempotent" even though most of its words agree: the clause
        "PUT is not idempotent" holds at least two of the phrase's words and at least
        half of the matched weight, and its polarity is the opposite. An elliptical
        negative clause ("but PUT isn't") opposes with a single word.
        """
        if not phrase.negated and self._cued[end + 1] == self._cued[start]:
            return False  # a clause without cues votes positive, as the phrase does
        matched_weight = self._weight(phrase, union)
        for index in range(start, end + 1):
            clause = self.clauses[index]
            if not clause.cues and not phrase.negated:
                continue  # the same vote
            bits = [b for b in _bits(masks[index]) if b < len(alike)]
            if not bits:
                continue
            weight = sum(phrase.weights[b] for b in bits)
            if not (clause.elliptical or _negative_fragment(clause)) and (
                len(bits) < 2 or weight * 2 < matched_weight
            ):
                continue
            targets = [alike[b] for b in bits]
            weights = [phrase.weights[b] for b in bits]
            if negation_vote([clause], targets, weights) != phrase.negated:
                return True
        return False

    def _narrowly_opposed(
        self,
        phrase: Phrase,
        alike: Sequence[frozenset[str]],
        masks: Sequence[int],
        start: int,
        end: int,
    ) -> bool:
        """Confirm an opposition with the narrow reading of negation scope.

        The clause-level reading above lets a negation anywhere in a clause negate
        every word of it, which is right for "query plans are not worth looking at"
        but wrong for "customers who never ordered are dropped" or "you read a value
        that never existed" against "the data read never existed". Here only the stems
        inside some negation's narrow scope (on either side) take part: the match is
        opposed when those whose polarity differs outweigh those that agree. "Avoid
        X" agrees with "do not X" (and with a positive claim about avoiding X). The
        window as a whole, or any one clause of it with two matched stems, may oppose.
        """
        clauses = self.clauses[start : end + 1]
        groups = [clauses]
        if end > start:
            for index in range(start, end + 1):
                if masks[index].bit_count() >= 2:  # two matched stems
                    groups.append([self.clauses[index]])
        for group in groups:
            differ = agree = 0.0
            differing: list[int] = []
            for bit, options in enumerate(alike):
                found = narrow_polarity(group, options, answer=True) if options else None
                if found is None:
                    continue
                own = phrase.polarity[bit] if phrase.polarity else POSITIVE
                if own == found == POSITIVE:
                    continue
                if own == found or SOFT in (own, found):
                    agree += phrase.weights[bit]
                else:
                    differ += phrase.weights[bit]
                    differing.append(bit)
            if differ > agree and not _complement(phrase, group, alike, differing):
                return True
        return False

    def _negated(
        self, phrase: Phrase, alike: Sequence[frozenset[str]], start: int, end: int
    ) -> bool:
        if self._cued[end + 1] == self._cued[start]:
            return False  # what negation_vote says when no clause has a cue
        return negation_vote(self.clauses[start : end + 1], alike, phrase.weights)


def _negative_fragment(clause: Clause) -> bool:
    """A verbless negative fragment that takes back one word of the clause before it:
    "it only runs after the handler, never before it", "GET and PUT are, not POST"."""
    return clause.short and any(scope == SPREAD for _, scope in clause.cues)


def _complement(
    phrase: Phrase, group: Sequence[Clause], alike: Sequence[frozenset[str]], differing: list[int]
) -> bool:
    """Whether an opposition is only a claim about the complement: an antonym differs
    (on either side) and so does another word. "The commits are not lost" does not deny
    "uncommitted changes are lost" (what is not committed is lost, what is committed is
    not), while "reading committed data" does deny "reading uncommitted data"."""
    if len(differing) < 2:
        return False
    for bit in differing:
        if phrase.antonym_mask >> bit & 1:
            return True
        if any(p in c.antonyms for c in group if c.antonyms for p in c.positions(alike[bit])):
            return True
    return False


_CLAIM_WORDS = frozenset(
    _words(
        """
        is are was were be been being am isn aren wasn weren has have had do does
        did can could will would should may might must shall not never i you we he
        she it they this that these there
        """
    )
)
"""Auxiliaries, modals and pronouns: any of them means the answer makes a claim."""

_VERBS = _words(
    """
    mean make cause give return create leave keep let allow need change happen
    behave work depend send store use take break run stay become avoid ensure
    prevent replace add remove check roll fix tell write say try see find decide
    lead learn start stop wait block lock read load hold share copy split spread
    protect verify sign encrypt hash expire fail retry repeat call win lose show
    help cost slow speed
    """
)
_VERB_SET = frozenset(_VERBS)
_ARTICLES = frozenset({"a", "an", "the"})
_IRREGULAR_PAST = frozenset(
    _words(
        """
        made gave left kept took broke ran became told wrote said saw found led
        learnt held spread lost won sent
        """
    )
)
_S_FORMS = (
    frozenset(v + "s" for v in _VERBS)
    | frozenset(v + "es" for v in _VERBS)
    | frozenset(v[:-1] + "ies" for v in _VERBS if v.endswith("y"))
)
_PAST_FORMS = (
    frozenset(v + "ed" for v in _VERBS)
    | frozenset(v + "d" for v in _VERBS if v.endswith("e"))
    | frozenset(v[:-1] + "ied" for v in _VERBS if v.endswith("y"))
    | _IRREGULAR_PAST
)
"""Inflected forms of common verbs ("creates", "changed"). Base forms such as "write"
or "allow" also occur as nouns in term lists, so they do not count, and an "-s" form
counts only when a word follows it in the same item ("retries" is a noun)."""
_LIST_SEPARATORS = re.compile(r"[,;\n/•·|]+|\s[-*]\s|^\s*[-*]\s|\band\b|\bor\b")
_COMPOUND_START = re.compile(r"\s*[^\W_]+-[^\W_]")
MAX_LIST_ITEM_WORDS = 4
MIN_LIST_ITEMS = 5
"""A run of at least this many short items is a list even if one item starts with a
common verb (see :func:`is_keyword_list`)."""
_NOT_NULL = re.compile(r"\bnot null\b")
"""The SQL constraint "NOT NULL" is a term, not a claim, in a list."""
MAX_LIST_WORDS = 40
_WRITTEN_TERMS = re.compile(
    r"\b[A-Z]{2,}(?:[ \t]+[A-Z0-9]{2,})+\b|\b[1-5]\d\d(?:[ \t]+[A-Z][a-z]+)+\b|\b\w+_\w+\b"
)
"""Terms whose words would read as a claim: SQL and other keywords in capitals ("SKIP
LOCKED", "NOT NULL"), an HTTP status with its reason phrase ("304 Not Modified") and
identifiers ("created_at"). Each word is read as the neutral word "term", so the
answer keeps its length."""


def _neutral(match: re.Match[str]) -> str:
    return " ".join("term" for _ in _WORDS.findall(match.group(0).replace("_", " ")))


def is_keyword_list(text: str) -> bool:
    """True for answers that list terms without making a claim.

    Examples: "idempotent, GET, PUT, DELETE, retries" or a bullet list of nouns. The
    test: no auxiliary, modal, pronoun, inflected common verb or imperative anywhere,
    at most 40 words, most items without articles, and either several short items (at
    most four words each) or one short run of words.
    """
    prepared = prepare_text(text)
    if "not null" in prepared:
        prepared = _NOT_NULL.sub("notnull", prepared)
    words = words_of(prepared)
    if len(words) < 2 or len(words) > MAX_LIST_WORDS:
        return False
    terms = _WRITTEN_TERMS.sub(_neutral, text)
    if terms != text:
        prepared = prepare_text(terms)
        if "not null" in prepared:
            prepared = _NOT_NULL.sub("notnull", prepared)
        words = words_of(prepared)
    if any(w in _CLAIM_WORDS for w in words):
        return False
    parts = [p for p in _LIST_SEPARATORS.split(prepared) if words_of(p)]
    items = [words_of(p) for p in parts]
    imperatives = 0
    for part, item in zip(parts, items, strict=True):
        # "POST creates duplicates" is a claim; "retries" or "disk writes" is a term
        if any(w in _S_FORMS and i < len(item) - 1 for i, w in enumerate(item)):
            return False
        # "POST created duplicates" is a claim; "lost update", "left join" and
        # "shared state" are terms (a participle before its noun)
        if any(w in _PAST_FORMS for w in item[1:]) or (len(item) == 1 and item[0] in _PAST_FORMS):
            return False
        # an imperative: "use git reflog to find them", "check the logs"; not a
        # hyphenated compound ("read-only user")
        if (
            item[0] in _VERB_SET
            and (len(item) >= 3 or (item[1:2] and item[1] in _ARTICLES))
            and not _COMPOUND_START.match(part)
        ):
            if item[1] in _ARTICLES or len(items) < MIN_LIST_ITEMS:
                return False
            # "slow query log" among a run of terms: a verb that is also an adjective
            # or a noun heads a term; one such item among many is no instruction
            imperatives += 1
            if imperatives > 1:
                return False
    if sum(any(w in _ARTICLES for w in item) for item in items) * 2 > len(items):
        return False  # "the full stack trace and a correlation id": noun phrases in prose
    if len(items) >= 2:
        return all(len(i) <= MAX_LIST_ITEM_WORDS for i in items)
    return len(words) <= 2 * MAX_LIST_ITEM_WORDS


_COMPARED = re.compile(
    r"\b(?:differences? between|compare|comparing)\s+(.+?)\s+(?:and|with|to|versus|vs\.?)\s+"
    r"(.+?)(?=[,;:?!.]|\s+(?:and|in|for|when|which|why|how|what)\b|$)"
    r"|([^,;:?!.]+?)\s+(?:versus|vs\.?)\s+([^,;:?!.]+)"
)
"""A prompt that compares two named things: "the difference between PUT and PATCH",
"compare X with Y", "X versus Y"."""

_CODE_SPAN = re.compile(r"`([^`]*)`")
_CODE_PUNCTUATION = re.compile(r"[:;,.?!\"']")
_FOIL = frozenset({"compared", "opposed", "versus", "vs"})
"""A clause opening with these (in its first two words) names the other side only as
a foil: "compared with PUT", "as opposed to PUT". ("Unlike" is a clause boundary, so
"unlike PUT" is a clause "PUT" that only names it.)"""


def compared_sides(prompt: str) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """The two things a prompt compares, each as its distinguishing stems.

    "The difference between a liveness check and a readiness check" gives ({liveness},
    {readiness}); when the sides share a word, the stems after the last shared one
    distinguish them ("write concern w 1" and "w majority" give {1} and {majority}).
    Only sides told apart by one word each are kept.
    """
    sides: list[tuple[frozenset[str], frozenset[str]]] = []
    # punctuation inside code spans belongs to the name ("`w: 1`")
    prompt = _CODE_SPAN.sub(lambda m: _CODE_PUNCTUATION.sub(" ", m.group(1)), prompt)
    for found in _COMPARED.finditer(prepare_text(prompt)):
        left, right = (g for g in found.groups() if g is not None)
        a = [stem(w) for w in words_of(left) if w not in STOPWORDS and w not in NEGATIONS]
        b = [stem(w) for w in words_of(right) if w not in STOPWORDS and w not in NEGATIONS]
        own_a, own_b = _distinct(a, b), _distinct(b, a)
        # one word against a name of two: "a Docker image and a container" (its head
        # noun, the last word). Not "optimistic and pessimistic locking": the head
        # left out of the first side ("locking") is said of both and would read as a
        # predicate; nor a list of three ("include, extend and prepend")
        if len(own_a) == len(a) == 2 and len(own_b) == len(b) == 1 and "," not in left:
            own_a = frozenset({a[-1]})
        # one word each: "Kubernetes liveness and readiness probes" is left alone, as
        # which words are shared is not clear
        if len(own_a) == len(own_b) == 1:
            sides.append((_with_joined(own_a, a, b), _with_joined(own_b, b, a)))
    return tuple(sides)


_SUBJECT = re.compile(
    r"^\s*(([A-Za-z][a-z]*(?:[A-Z]|[._-][A-Za-z])[\w.-]*|[A-Z]{2,}\b)"
    r"(?:\s+[\w-]+){0,3}?)\s+[a-z]+[^s\W]s\b"
)
"""A key point that opens with a name written as one ("HttpOnly", "composer.lock",
"SameSite", "CSRF"), up to three more words and a verb in the third person:
"HttpOnly hides the cookie", "SameSite Lax or Strict withholds it". A capitalised
common word ("Secure sends") is not read as a name."""
MIN_NAMED_POINTS = 2


def named_subjects(texts: Sequence[str]) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """Pairs of the named things that key points make claims about, read like the
    sides of a comparison (see :func:`compared_sides`).

    A key point text that opens with a name and a verb ("HttpOnly hides the cookie from
    JavaScript", "SameSite withholds it on cross-site requests") assigns the claim to
    that name; any two such names told apart by one word each form a pair.
    """
    names: list[list[str]] = []
    capitals: list[tuple[str, str]] = []  # per name, as written and its capitals
    for text in texts:
        found = _SUBJECT.match(text)
        if found is None:
            continue
        words = words_of(prepare_text(found.group(2)))
        if not words or any(w in STOPWORDS or w in NEGATIONS for w in words):
            continue
        name = [stem(w) for w in words]
        if name not in names:
            names.append(name)
            capitals.append((found.group(2), "".join(c for c in found.group(1) if c.isupper())))
    if len(names) < MIN_NAMED_POINTS:
        return ()
    sides: list[tuple[frozenset[str], frozenset[str]]] = []
    for index, a in enumerate(names):
        for other, b in enumerate(names[index + 1 :], index + 1):
            if _acronym(capitals[index], capitals[other]):
                continue  # "OpenID Connect adds" and "OIDC issues": one thing
            own_a, own_b = _distinct(a, b), _distinct(b, a)
            if len(own_a) == len(own_b) == 1:
                sides.append((_with_joined(own_a, a, b), _with_joined(own_b, b, a)))
    return tuple(sides)


def _acronym(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether one name (as written, with the capitals of its key point's opening words)
    is the acronym of the other: "OIDC" of "OpenID Connect"."""
    return any(
        a.isupper() and len(a) > 1 and a == caps
        for (a, _), (_, caps) in ((first, second), (second, first))
    )


def common_stems(
    phrases: Iterable[Phrase], sides: tuple[tuple[frozenset[str], frozenset[str]], ...]
) -> frozenset[str]:
    """Stems of ``phrases`` said of both compared things, with the same polarity (each
    in a phrase that names only one of them): "fails" in "a failing liveness check
    restarts the container" and "a failing readiness check removes the pod without
    restarting it", but not "restart"."""
    common: set[str] = set()
    for first, second in sides:
        of_first: set[tuple[str, int]] = set()
        of_second: set[tuple[str, int]] = set()
        for phrase in phrases:
            stems = frozenset(phrase.stems)
            own = phrase.polarity or (POSITIVE,) * len(phrase.stems)
            said = set(zip(phrase.stems, own, strict=True))
            if stems & first and not stems & second:
                of_first |= said
            elif stems & second and not stems & first:
                of_second |= said
        common |= {s for s, _ in of_first & of_second}
        # a word said both ways is a predicate that tells the two apart
        common -= {s for s, _ in of_first ^ of_second}
    return frozenset(common)


def _with_joined(own: frozenset[str], side: list[str], other: list[str]) -> frozenset[str]:
    """``own`` and the side's last two words written together ("w 1" is also "w1")."""
    if len(side) < 2 or side[-1] not in own:
        return own
    joined = stem(side[-2] + side[-1])
    return own if joined in other else own | {joined}


def _distinct(side: list[str], other: list[str]) -> frozenset[str]:
    shared = [i for i, s in enumerate(side) if s in other]
    tail = side[shared[-1] + 1 :] if shared else side
    return frozenset(s for s in (tail or side) if s not in other)


def swapped_roles(
    analysed: AnalysedAnswer,
    phrase: Phrase,
    match: Match,
    sides: tuple[tuple[frozenset[str], frozenset[str]], ...],
    needed: float = 0.0,
    common: frozenset[str] = frozenset(),
    named: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``match`` attributes the phrase's claim about one compared thing to the
    other: "a proc checks its arity strictly" against "a lambda checks its arity
    strictly" when the prompt compares procs and lambdas.

    The clauses of the window that hold the phrase's other stems (its predicate) must
    all be about the rival, by name or, for a clause that names neither, by the last
    clause of its sentence that names one ("a proc checks arity and raises an error").
    Words the rubric says of both things (``common``: "fails", "probe") are no part of
    the predicate. A phrase that names neither thing is about the one ``named`` names
    (the key point's own text: "when it fails, the container is restarted" for "a
    failing liveness check restarts the container").
    """
    start, end = match.window
    if end < start or not sides or match.coverage + 1e-9 < needed:
        return False  # a partial match of the wrong side is still a partial match
    stems = frozenset(phrase.stems)
    if not any(stems & (a | b) for a, b in sides):
        stems |= named
    for own, rival in (*sides, *((b, a) for a, b in sides)):
        if not stems & own or stems & rival:
            continue
        predicate = [analysed._find(s)[0] for s in phrase.stems if s not in own | common]
        # the clauses of the window that hold most of the predicate state the claim
        held = {
            index: sum(bool(analysed.clauses[index].positions(o)) for o in predicate)
            for index in range(start, end + 1)
        }
        most = max(held.values(), default=0)
        if not most:
            continue
        subjects = {_subject_of(analysed, i, own, rival) for i, n in held.items() if n == most}
        if subjects == {"rival"}:
            return True
    return False


def _subject_of(
    analysed: AnalysedAnswer, index: int, own: frozenset[str], rival: frozenset[str]
) -> str | None:
    """Which compared thing clause ``index`` is about: "own", "rival" or None (both,
    or neither named in its sentence so far)."""
    sentence = analysed.clauses[index].sentence
    while index >= 0 and analysed.clauses[index].sentence == sentence:
        clause = analysed.clauses[index]
        words = words_of(clause.text)
        if not _FOIL.intersection(words[:2]):
            has_own = any(s in own for s in clause.stems)
            has_rival = any(s in rival for s in clause.stems)
            if has_own or has_rival:
                return None if has_own and has_rival else "own" if has_own else "rival"
        index -= 1
    return None


_SPECIAL_WORDS = (
    frozenset({"to", _INSTEAD})
    | _RELATIVE
    | _AUXILIARIES
    | _S_FORMS
    | NEGATIONS
    | _MISCONCEPTION_CUES
    | STOPWORDS
    | frozenset(ANTONYMS)
    | _AVOIDANCE
    | _PREPOSITION_CUES
)
"""Words that :func:`_clause` must look at closely; any other word is a plain content
word."""
_PLAIN_STOPWORDS = (
    STOPWORDS - _RELATIVE - _AUXILIARIES - _S_FORMS - NEGATIONS - _MISCONCEPTION_CUES
) - {"to", _INSTEAD}
"""Stopwords that are no cue of any kind: :func:`_clause` only notes them as the
previous word."""
