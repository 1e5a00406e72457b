"""Safe, typed-late YAML reading for packs.

Packs come from pull requests and from private folders, so the reader is defensive:

* only plain scalars, lists and mappings: every scalar stays a string (YAML's ``yes``,
  ``no``, ``1.10`` and ``010`` are not reinterpreted), and the pydantic models convert
  where a field really is a number or a boolean;
* anchors and aliases are refused, which rules out "billion laughs" bombs;
* duplicate keys are an error instead of the last one silently winning;
* a size cap applies before parsing;
* every value remembers its line, so errors point at the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_PACK_BYTES = 2 * 1024 * 1024

try:  # the C loader is much faster; fall back when libyaml is absent
    _Loader: Any = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.BaseLoader

Path_ = tuple[str | int, ...]
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


class YamlError(ValueError):
    """A pack file could not be read as YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    """Plain data read from YAML plus the line of every value."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """Return the line of the deepest known prefix of ``path``."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def read_yaml_file(path: Path) -> Document:
    """Read one YAML file defensively.

    Raises:
        YamlError: the file is too large, not UTF-8, or not safe, well-formed YAML.
    """
    size = path.stat().st_size
    if size > MAX_PACK_BYTES:
        raise YamlError(
            f"file is {size / 1_048_576:.1f} MB; packs are capped at "
            f"{MAX_PACK_BYTES // 1_048_576} MB (split it into several packs)"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError("file is not valid UTF-8", line) from exc
    return read_yaml_text(text)


def read_yaml_text(text: str) -> Document:
    """Parse YAML text into plain data with line numbers (see module docstring)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "malformed YAML"
        if "tab" in problem.lower():
            problem = "a tab is used for indentation; YAML needs spaces"
        raise YamlError(problem, line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"malformed YAML: {exc}") from exc
    doc = Document(data=None)
    if node is None:
        raise YamlError("file is empty")
    doc.data = _build(node, (), doc, set())
    return doc


def _build(node: yaml.Node, path: Path_, doc: Document, seen: set[int]) -> Any:
    if id(node) in seen:  # the same node reached twice can only be an alias
        raise YamlError("anchors and aliases (&, *) are not allowed in packs", _line(node))
    seen.add(id(node))
    doc.lines[path] = _line(node)
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:  # plain null, not the quoted word
            return None
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, seen) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("mapping keys must be plain text", _line(key_node))
            key = str(key_node.value)
            if key == "<<":
                raise YamlError("merge keys (<<) are not allowed in packs", _line(key_node))
            if key in result:
                raise YamlError(f"duplicate key {key!r}", _line(key_node))
            result[key] = _build(value_node, (*path, key), doc, seen)
        return result
    raise YamlError(f"unsupported YAML node {type(node).__name__}", _line(node))  # pragma: no cover


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1
