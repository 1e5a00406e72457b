"""The grade command and the evaluation harness."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from interviewprep.grading.cli import grade_lines, register
from interviewprep.grading.evaluation import auc, load_eval_set, metrics, percentile, run_eval
from interviewprep.grading.offline import DefaultGrader

ROOT = Path(__file__).resolve().parents[3]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interviewprep")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_grade_lines_writes_one_result_per_line(http: dict[str, object]) -> None:
    lines = io.StringIO(
        json.dumps({"question_id": "http.not-found-code", "answer": "404"})
        + "\n"
        + json.dumps({"question_id": "nope", "answer": "x"})
        + "\n"
        + "not json\n\n"
        + json.dumps({"question_id": "http.idempotent-methods", "answer": "POST is idempotent"})
        + "\n"
    )
    out = io.StringIO()
    errors = grade_lines(lines, out, http)  # type: ignore[arg-type]
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 2
    assert len(replies) == 4
    assert replies[0]["correct"] is True
    assert replies[0]["rating"] == "Easy"
    assert "unknown question id" in replies[1]["error"]
    assert "error" in replies[2]
    assert replies[3]["band"] == "fail"
    assert replies[3]["key_points"]
    assert replies[3]["grader"] == "offline"
    assert replies[3]["elapsed_ms"] >= 0


def test_grade_command_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = ROOT / "questions" / "http-essentials.yaml"
    args = _parser().parse_args(["grade", "--pack", str(pack)])
    monkeypatch.setattr(
        "sys.stdin", io.StringIO('{"question_id": "http.head-no-body", "answer": "false"}\n')
    )
    assert args.func(args) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["correct"] is True


def test_grade_eval_prints_table(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["grade", "eval", str(ROOT / "eval" / "grading"), "--split", "dev"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for text in [
        "pass/fail accuracy",
        "three-way accuracy",
        "AUC",
        "p95",
        "confusion",
        "paraphrase",
        "negated",
    ]:
        assert text in out


def test_grade_eval_bad_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["grade", "eval", str(tmp_path)])
    assert args.func(args) == 2
    assert "cannot load" in capsys.readouterr().err


def test_eval_set_is_big_enough_and_split() -> None:
    data = load_eval_set(ROOT / "eval" / "grading")
    open_questions = {i.question_id for i in data.items}
    assert len(open_questions) >= 40
    assert len(data.items) >= 160
    dev = {i.question_id for i in data.select("dev").items}
    heldout = {i.question_id for i in data.select("heldout").items}
    assert dev
    assert heldout
    assert not dev & heldout
    kinds = {i.kind for i in data.items}
    assert {
        "paraphrase",
        "partial",
        "wrong",
        "negated",
        "keywords",
        "off-topic",
        "too-short",
        "rambling",
        "alias",
        "near-miss",
    } <= kinds


def test_default_grader_keeps_its_dev_results() -> None:
    # dev only: the held-out split is for reporting, never for tests or tuning
    data = load_eval_set(ROOT / "eval" / "grading").select("dev")
    m = metrics(run_eval(DefaultGrader(), data))
    assert m.pass_fail_accuracy >= 0.85
    assert m.must_fail_rate is not None
    assert m.must_fail_rate >= 0.95
    assert m.p95_ms <= 20


def test_tuning_answers_use_the_parent_questions() -> None:
    data = load_eval_set(ROOT / "eval" / "grading" / "tuning")
    assert data.items
    main = load_eval_set(ROOT / "eval" / "grading")
    dev = {i.question_id for i in main.select("dev").items}
    # extra tuning answers only ever go to dev questions
    assert {i.question_id for i in data.items} <= dev
    assert {i.split for i in data.items} == {"dev"}


def test_auc_and_percentile() -> None:
    assert auc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    assert auc([0.5], [True]) is None
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile([], 0.95) == 0.0
