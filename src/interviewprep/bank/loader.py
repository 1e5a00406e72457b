"""Load question packs from YAML files into an in-memory :class:`Bank`.

Two modes: :func:`load_pack` is strict and raises :class:`PackError` listing every
problem with its file, line, question id and field; :func:`load_bank` is what the bots
use: a bad pack is logged and skipped, so a broken third-party pack never takes the
bot down.
"""

from __future__ import annotations

import importlib.resources
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from interviewprep.bank.schema import Pack, Question, QuestionType
from interviewprep.bank.yamlsafe import Document, YamlError, read_yaml_file

logger = logging.getLogger(__name__)

_TAGS = frozenset(t.value for t in QuestionType)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as possible."""

    file: str
    message: str
    line: int | None = None
    question_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.question_id:
            parts.append(f"question {self.question_id}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts) + f": {self.message}"


class PackError(Exception):
    """A pack failed to load; ``problems`` lists every located problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class LoadedPack:
    """A validated pack and where it came from."""

    pack: Pack
    path: Path
    lines: dict[str, int] = field(default_factory=dict)  # question id -> line

    @property
    def questions(self) -> Sequence[Question]:
        return self.pack.questions


def load_pack(path: Path) -> LoadedPack:
    """Read and validate one pack file.

    Raises:
        PackError: with every problem found, each naming the file and place.
    """
    name = str(path)
    try:
        doc = read_yaml_file(path)
    except YamlError as exc:
        raise PackError([Problem(name, exc.message, exc.line)]) from exc
    except OSError as exc:
        raise PackError([Problem(name, f"cannot read file: {exc.strerror}")]) from exc
    if not isinstance(doc.data, dict):
        raise PackError(
            [Problem(name, "a pack must be a mapping with id, title, questions, ...", 1)]
        )
    try:
        pack = Pack.model_validate(doc.data)
    except ValidationError as exc:
        raise PackError(_problems(name, doc, exc)) from exc
    lines = {}
    for index, question in enumerate(pack.questions):
        line = doc.line_of(("questions", index))
        if line:
            lines[question.id] = line
    return LoadedPack(pack=pack, path=path, lines=lines)


def _problems(name: str, doc: Document, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path, field_name = _data_path(doc.data, error["loc"])
        question_id = None
        if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
            items = doc.data.get("questions")
            if isinstance(items, list) and isinstance(items[path[1]], dict):
                raw_id = items[path[1]].get("id")
                question_id = raw_id if isinstance(raw_id, str) else f"#{path[1] + 1}"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling against the pack schema)"
        elif error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "union_tag_invalid":
            allowed = ", ".join(t.value for t in QuestionType)
            message = f"unknown question type; use one of: {allowed}"
        problems.append(Problem(name, message, doc.line_of(path), question_id, field_name or None))
    return problems


def _data_path(data: Any, loc: tuple[int | str, ...]) -> tuple[tuple[str | int, ...], str]:
    """Map a pydantic error location onto the YAML data, dropping union tags.

    Returns the path into the data and a readable field name such as
    ``options[2].text``.
    """
    path: list[str | int] = []
    readable = ""
    current = data
    for part in loc:
        if part in _TAGS and isinstance(current, dict) and part not in current:
            continue  # a discriminator tag such as "single_choice"
        if _has(current, part):
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str):
            # a missing or unknown key: name it, but it has no line of its own
            readable += f".{part}" if readable else part
            continue
        else:
            continue
        path.append(part)
        if len(path) <= 2 and path[0] == "questions":
            continue  # "questions[3]" is said through the question id instead
        readable += f"[{part}]" if isinstance(part, int) else (f".{part}" if readable else part)
    return tuple(path), readable


NOT_PACKS = frozenset({"taxonomy.yaml"})


def _has(data: Any, part: int | str) -> bool:
    """True when ``part`` is a key of a mapping or an index of a list."""
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and part < len(data)


def pack_files(dirs: Iterable[Path]) -> list[Path]:
    """Every pack file (``*.yaml``/``*.yml``) in the given folders (or files), sorted."""
    found: list[Path] = []
    for entry in dirs:
        if entry.is_file():
            found.append(entry)
        elif entry.is_dir():
            found.extend(
                p
                for p in entry.iterdir()
                if p.suffix in {".yaml", ".yml"} and p.name not in NOT_PACKS
            )
        else:
            logger.warning("pack folder %s does not exist; skipped", entry)
    return sorted(set(found))


@dataclass
class Bank:
    """All loaded questions, indexed by id."""

    packs: list[LoadedPack] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    _by_id: dict[str, Question] = field(default_factory=dict)
    _pack_of: dict[str, str] = field(default_factory=dict)

    def add(self, loaded: LoadedPack) -> list[Problem]:
        """Add a pack; questions whose id another pack already uses are refused."""
        clashes = []
        for question in loaded.questions:
            if question.id in self._by_id:
                clashes.append(
                    Problem(
                        str(loaded.path),
                        f"id already used by pack {self._pack_of[question.id]!r}",
                        loaded.lines.get(question.id),
                        question.id,
                        "id",
                    )
                )
        if clashes:
            return clashes
        self.packs.append(loaded)
        for question in loaded.questions:
            self._by_id[question.id] = question
            self._pack_of[question.id] = loaded.pack.id
        return []

    def get(self, question_id: str) -> Question | None:
        """The question with this id, or None when it is not in the bank."""
        return self._by_id.get(question_id)

    def pack_of(self, question_id: str) -> str | None:
        """The id of the pack holding a question."""
        return self._pack_of.get(question_id)

    def __iter__(self) -> Iterator[Question]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    @property
    def topics(self) -> list[str]:
        """Every topic id used by at least one question, sorted."""
        return sorted({t for q in self for t in q.topics})


def builtin_pack_dir() -> Path:
    """The folder of packs shipped with interviewprep (``questions/`` in a checkout)."""
    return Path(str(importlib.resources.files("interviewprep.questions")))


def load_bank(dirs: Iterable[Path]) -> Bank:
    """Load every pack in ``dirs``, skipping (and logging) the ones that fail."""
    bank = Bank()
    for path in pack_files(dirs):
        try:
            loaded = load_pack(path)
        except PackError as exc:
            for problem in exc.problems:
                logger.error("pack skipped: %s", problem)
            bank.skipped.extend(exc.problems)
            continue
        clashes = bank.add(loaded)
        for problem in clashes:
            logger.error("pack skipped: %s", problem)
        bank.skipped.extend(clashes)
    return bank
