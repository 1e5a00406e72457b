"""The rubric tests: every sample answer lands on its expected band."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewprep.bank.loader import load_pack
from interviewprep.grading import sample_band

HTTP_PACK = Path(__file__).resolve().parents[3] / "questions" / "http-essentials.yaml"

SAMPLES = [
    pytest.param(q, s.answer, s.expect, id=f"{q.id}-{i}")
    for q in load_pack(HTTP_PACK).questions
    for i, s in enumerate(q.samples)
]


@pytest.mark.parametrize(("question", "answer", "expect"), SAMPLES)
def test_http_essentials_samples_land_on_expected_band(
    question: object, answer: str, expect: object
) -> None:
    assert sample_band(question, answer) is expect  # type: ignore[arg-type]


def test_samples_exist() -> None:
    assert len(SAMPLES) >= 6
