"""Text normalisation shared by the graders and the pack validator."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[^\w\s.+#/-]", re.UNICODE)
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s.\-/]+|[\s.\-/]+$")


def normalize(text: str) -> str:
    """Fold case, unicode forms, "&"/"and", punctuation and spacing.

    Keeps characters that carry meaning in technical names (``C#``, ``C++``,
    ``node.js``, ``/etc``, ``utf-8``) but drops a full stop at the end.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return _EDGE_PUNCT.sub("", text)
