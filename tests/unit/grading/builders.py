"""Small builders shared by the grading rule tests."""

from __future__ import annotations

from interviewprep.bank.schema import OpenQuestion


def open_question(
    points: list[dict[str, object]],
    prompt: str = "What would you do?",
    model_answer: str = "A test answer.",
) -> OpenQuestion:
    """An open question with ``points`` as its key points (and by default a placeholder
    model answer)."""
    return OpenQuestion.model_validate(
        {
            "id": "t.rule",
            "type": "open",
            "prompt": prompt,
            "level": "mid",
            "topics": ["testing"],
            "model_answer": model_answer,
            "explanation": "A test question.",
            "key_points": points,
        }
    )
