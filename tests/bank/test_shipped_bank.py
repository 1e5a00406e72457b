"""Every shipped pack loads and passes the validator; the JSON Schema is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewprep.bank.cli import SCHEMA_FILE, pack_json_schema
from interviewprep.bank.loader import builtin_pack_dir, load_bank, load_pack, pack_files
from interviewprep.bank.taxonomy import load_taxonomy
from interviewprep.bank.validate import validate

SHIPPED = pack_files([builtin_pack_dir()])


def test_packs_are_shipped() -> None:
    assert SHIPPED, "no packs found in questions/"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: Path(p).name)
def test_each_shipped_pack_loads(path: Path) -> None:
    assert load_pack(path).questions


def test_the_whole_bank_loads_without_skipping_anything() -> None:
    bank = load_bank([builtin_pack_dir()])
    assert bank.skipped == []
    assert len(bank) >= 6


def test_the_shipped_bank_validates_structurally() -> None:
    taxonomy = load_taxonomy(builtin_pack_dir() / "taxonomy.yaml")
    report = validate(SHIPPED, taxonomy)
    assert [str(p) for p in report.errors] == []


def test_json_schema_is_current() -> None:
    committed = (builtin_pack_dir() / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == pack_json_schema(), "run `interviewprep packs schema`"
