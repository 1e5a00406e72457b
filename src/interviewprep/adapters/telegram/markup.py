"""Telegram HTML: escaping, code spans, and splitting long messages cleanly.

Everything a person or a pack wrote is escaped with :func:`html.escape`; only the tags
this adapter writes itself (``b``, ``i``, ``code``, ``pre``, ``tg-spoiler``) reach
Telegram as markup. Messages are capped at 4,096 characters, counted in UTF-16 code
units; :func:`split` cuts longer ones on line boundaries and closes and re-opens any tag
that spans the cut, so every part is valid on its own.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4096

# ```code blocks``` (with an optional language tag) and `inline code`
_CODE = re.compile(r"```(?:[A-Za-z0-9_+-]*\n)?(.*?)```|`([^`\n]+)`", re.DOTALL)
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>|&#?\w+;|\n|[^<&\n]+|[<&]")


def esc(text: object) -> str:
    """Escape any text for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def rich(text: str) -> str:
    """Escape pack text, rendering ```blocks``` as ``<pre>`` and `spans` as ``<code>``."""
    out: list[str] = []
    position = 0
    for match in _CODE.finditer(text):
        out.append(esc(text[position : match.start()]))
        if match.group(1) is not None:
            out.append(f"<pre>{esc(match.group(1).strip(chr(10)))}</pre>")
        else:
            out.append(f"<code>{esc(match.group(2))}</code>")
        position = match.end()
    out.append(esc(text[position:]))
    return "".join(out)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, room: int) -> int:
    """How many characters of ``text`` fit in ``room`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return index
    return len(text)


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _apply(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    match = _TOKEN.fullmatch(token)
    if match is None or match.group(2) is None:
        return stack
    if match.group(1):  # a closing tag
        if stack and stack[-1][0] == match.group(2).lower():
            return stack[:-1]
        return stack
    return [*stack, (match.group(2).lower(), token)]


def split(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML into parts of at most ``limit`` UTF-16 units, on line boundaries.

    A line longer than the limit is cut between characters (never inside a tag or an
    entity). Tags open at a cut are closed at the end of the part and re-opened at the
    start of the next one.
    """
    if units(text) <= limit:
        return [text]
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    parts_out: list[str] = []
    stack: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        while not stack and index < len(tokens) and tokens[index] == "\n":
            index += 1  # no blank lines at the top of a part
        if index >= len(tokens):
            break
        prefix = "".join(tag for _, tag in stack)
        parts = [prefix]
        size = units(prefix)
        local = list(stack)
        start = index
        last_break: tuple[int, int, list[tuple[str, str]]] | None = None
        while index < len(tokens):
            token = tokens[index]
            after = _apply(local, token)
            if size + units(token) + units(_closing(after)) > limit:
                break
            parts.append(token)
            size += units(token)
            local = after
            if token == "\n":
                last_break = (index, len(parts), list(local))
            index += 1
        if index >= len(tokens):
            parts_out.append("".join(parts) + _closing(local))
            break
        if last_break is not None and last_break[0] > start:
            at, count, local = last_break
            parts_out.append("".join(parts[: count - 1]) + _closing(local))
            index = at + 1
        else:
            token = tokens[index]
            room = limit - size - units(_closing(local))
            if not token.startswith(("<", "&")) and room > 0:
                keep = _cut(token, room)
                parts.append(token[:keep])
                tokens[index] = token[keep:]
            elif len(parts) == 1:  # a single atom wider than the limit: send it anyway
                parts.append(token)
                local = _apply(local, token)
                index += 1
            parts_out.append("".join(parts) + _closing(local))
        stack = local
    return [p for p in parts_out if p.strip()]


def visible(text: str) -> str:
    """The text a reader sees: tags removed, entities decoded (for tests and logs)."""
    return html.unescape(re.sub(r"<[^<>]+>", "", text))
