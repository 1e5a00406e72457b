"""Pack loading: located errors for every kind of bad input; bad packs never sink the bank."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from interviewprep.bank.loader import PackError, load_bank, load_pack
from interviewprep.bank.schema import QuestionType, ShortAnswer, TrueFalse
from interviewprep.bank.yamlsafe import MAX_PACK_BYTES

GOOD_HEAD = """\
id: mini
title: Mini
description: A tiny pack.
authors: [tests]
version: 1.0.0
license: CC0-1.0
questions:
"""
TF = """\
  - id: mini.tf
    type: true_false
    level: junior
    topics: [http]
    prompt: Is this a statement?
    answer: yes
    model_answer: Yes.
    explanation: Because.
"""
SHORT = """\
  - id: mini.short
    type: short_answer
    level: junior
    topics: [sql]
    prompt: Which version?
    accepted: [1.10, no, 010]
    model_answer: 1.10
    explanation: Versions are text.
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(path)
    return [str(p) for p in info.value.problems]


def test_a_good_pack_loads_with_yaml_scalars_kept_as_text(tmp_path: Path) -> None:
    loaded = load_pack(write(tmp_path, GOOD_HEAD + TF + SHORT))
    tf, short = loaded.questions
    assert isinstance(tf, TrueFalse)
    assert tf.answer is True
    assert isinstance(short, ShortAnswer)
    assert short.accepted == ["1.10", "no", "010"]  # not 1.1, False and 8
    assert short.model_answer == "1.10"
    assert loaded.lines == {"mini.tf": 8, "mini.short": 16}


def test_unknown_field_is_named_with_file_line_and_question(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_HEAD + TF.replace("explanation:", "explaination:"))
    (message,) = [p for p in problems(path) if "explaination" in p]
    assert message.startswith(f"{path}:15: question mini.tf: explaination: unknown field")


def test_missing_field_and_wrong_type_are_located(tmp_path: Path) -> None:
    text = GOOD_HEAD + TF.replace("    answer: yes\n", "") + SHORT.replace("short_answer", "essay")
    found = problems(write(tmp_path, text))
    assert any("question mini.tf: answer: required field is missing" in p for p in found)
    assert any("question mini.short: unknown question type" in p for p in found)


def test_html_in_a_prompt_is_refused_but_code_spans_are_fine(tmp_path: Path) -> None:
    bad = TF.replace("Is this a statement?", "Is <b>this</b> bold?")
    found = problems(write(tmp_path, GOOD_HEAD + bad))
    assert any("prompt" in p and "'<b>'" in p for p in found)
    fine = TF.replace("Is this a statement?", "'Does `<script>` run here?'")
    assert load_pack(write(tmp_path, GOOD_HEAD + fine, "ok.yaml"))


def test_tab_indentation_is_explained(tmp_path: Path) -> None:
    (message,) = problems(write(tmp_path, GOOD_HEAD + TF.replace("    level", "\tlevel")))
    assert ":10:" in message
    assert "tab" in message


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    (message,) = problems(write(tmp_path, GOOD_HEAD + TF + "    level: senior\n"))
    assert "duplicate key 'level'" in message
    assert ":16:" in message


def test_yaml_bombs_are_refused_before_expansion(tmp_path: Path) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        previous = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        bomb += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    (message,) = problems(write(tmp_path, bomb))
    assert "aliases" in message


def test_oversized_files_are_refused_without_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_HEAD + "# " + "x" * (10 * 1024 * 1024) + "\n")
    (message,) = problems(path)
    assert "10.0 MB" in message
    assert str(MAX_PACK_BYTES // 1_048_576) in message


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(GOOD_HEAD.encode() + b"\xff\xfe\x00")
    (message,) = problems(path)
    assert "UTF-8" in message


def test_a_bad_pack_is_skipped_and_the_rest_of_the_bank_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, GOOD_HEAD + TF, "good.yaml")
    write(tmp_path, GOOD_HEAD.replace("id: mini", "id: broken") + "  - nonsense\n", "bad.yaml")
    clash = GOOD_HEAD.replace("id: mini", "id: other") + TF
    write(tmp_path, clash, "z-clash.yaml")
    with caplog.at_level(logging.ERROR):
        bank = load_bank([tmp_path])
    assert len(bank) == 1
    assert "mini.tf" in bank
    assert len(bank.skipped) == 2
    assert any("z-clash.yaml" in p.file and "already used" in p.message for p in bank.skipped)
    assert "bad.yaml" in caplog.text


def test_every_question_type_is_accepted(tmp_path: Path) -> None:
    from interviewprep.bank.loader import builtin_pack_dir

    loaded = load_pack(builtin_pack_dir() / "http-essentials.yaml")
    assert {q.type for q in loaded.questions} == set(QuestionType)
