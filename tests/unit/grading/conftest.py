"""Shared fixtures for the grading tests: the example pack and the eval questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewprep.bank.loader import load_pack
from interviewprep.bank.schema import Question

ROOT = Path(__file__).resolve().parents[3]
HTTP_PACK = ROOT / "questions" / "http-essentials.yaml"
EVAL_DIR = ROOT / "eval" / "grading"


@pytest.fixture(scope="session")
def http() -> dict[str, Question]:
    """The questions of questions/http-essentials.yaml by id."""
    return {q.id: q for q in load_pack(HTTP_PACK).questions}


@pytest.fixture(scope="session")
def evalq() -> dict[str, Question]:
    """The questions of the grading evaluation set by id."""
    return {q.id: q for q in load_pack(EVAL_DIR / "questions.yaml").questions}
