"""Graders by name, for the CLI and the evaluation harness."""

from __future__ import annotations

import os

from interviewprep.grading.result import Grader

GRADER_NAMES = ("offline", "llm", "semantic")


class UnknownGraderError(ValueError):
    """The grader name is not known or the grader cannot be built here."""


def make_grader(name: str = "offline") -> Grader:
    """Build a grader by name.

    ``offline`` is the default. ``llm`` reads ``INTERVIEWPREP_LLM_BASE_URL``,
    ``INTERVIEWPREP_LLM_MODEL`` and ``INTERVIEWPREP_LLM_API_KEY`` from the
    environment. ``semantic`` needs the optional ONNX embedding model.

    Raises:
        UnknownGraderError: unknown name, or the grader's requirements are missing.
    """
    if name == "offline":
        from interviewprep.grading.offline import DefaultGrader

        return DefaultGrader()
    if name == "llm":
        base_url = os.environ.get("INTERVIEWPREP_LLM_BASE_URL")
        model = os.environ.get("INTERVIEWPREP_LLM_MODEL")
        if not base_url or not model:
            raise UnknownGraderError(
                "the llm grader needs INTERVIEWPREP_LLM_BASE_URL and INTERVIEWPREP_LLM_MODEL"
            )
        from interviewprep.grading.llm import LlmGrader

        return LlmGrader(base_url, model, os.environ.get("INTERVIEWPREP_LLM_API_KEY", ""))
    if name == "semantic":
        try:
            from interviewprep.grading.semantic import semantic_grader

            return semantic_grader()
        except (ImportError, RuntimeError) as exc:  # missing extra or model weights
            raise UnknownGraderError(f"the semantic grader is not available: {exc}") from exc
    raise UnknownGraderError(f"unknown grader {name!r}; choose one of {', '.join(GRADER_NAMES)}")
