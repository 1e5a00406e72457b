"""``interviewprep drill`` and friends as a user runs them: a real process, stdin, SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKS = Path(__file__).parent.parent / "fixtures" / "packs"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh user: own HOME and database, only the test pack, no colour."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWPREP_")},
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "INTERVIEWPREP_BUILTIN_PACKS": "false",
        "INTERVIEWPREP_PACK_DIRS": str(PACKS),
        "NO_COLOR": "1",
        "TZ": "Europe/Berlin",
    }


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewprep.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_scripted_drill_grades_rates_and_keeps_a_streak(
    env: dict[str, str], tmp_path: Path
) -> None:
    # choice questions in the test pack have the right option first; "3" rates Good
    result = run(env, "drill", "--topic", "caching", "--count", "3", stdin="1\n3\n" * 3)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Model answer") == 3
    assert out.count("Rated Good") == 3
    assert "Session: 3 answered, 3 passed." in out
    assert "Streak: 1 day(s)" in out
    assert (tmp_path / "data" / "interviewprep" / "interviewprep.db").exists()

    stats = run(env, "stats")
    assert "caching" in stats.stdout
    exported = json.loads(run(env, "export").stdout)
    assert len(exported["reviews"]) == 3
    assert exported["person"]["timezone"] == "Europe/Berlin"


def test_bad_input_is_explained_and_nothing_is_lost(env: dict[str, str]) -> None:
    script = "\n".join(["", "7", "/hint", "/skip", "/reveal", "3"]) + "\n"
    result = run(env, "drill", "--topic", "sql", "--count", "2", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "That answer is empty" in out
    assert "still open" in out  # "7" is not an option of a two-option question
    assert "Hint: first hint" in out
    assert "Skipped for today." in out
    assert "Answer revealed" in out
    assert "Session: 1 answered" in out


def test_end_of_input_stops_cleanly_and_the_open_question_resumes(env: dict[str, str]) -> None:
    first = run(env, "drill", "--topic", "http", "--count", "1", stdin="")
    assert first.returncode == 0, first.stderr
    assert "Everything you answered is saved" in first.stdout
    asked = first.stdout.split("\n[1/1] ")[1].split(" ")[0]
    second = run(env, "drill", "--topic", "http", "--count", "1", stdin="1\n3\n")
    assert f"[1/1] {asked}" in second.stdout
    assert "picking up where you left off" in second.stdout


def test_settings_and_forget(env: dict[str, str]) -> None:
    changed = run(env, "settings", "new_per_day=3", "timezone=Asia/Tokyo")
    assert "new_per_day = 3" in changed.stdout
    refused = run(env, "settings", "delivery_time=25:00")
    assert refused.returncode == 1
    assert "delivery_time" in refused.stderr
    gone = run(env, "forget", "--yes")
    assert "deleted" in gone.stdout


def test_configuration_errors_name_the_variable(env: dict[str, str]) -> None:
    result = run({**env, "INTERVIEWPREP_DEFAULT_TIMEZONE": "Mars/Base"}, "drill")
    assert result.returncode == 2
    assert "INTERVIEWPREP_DEFAULT_TIMEZONE: unknown time zone 'Mars/Base'" in result.stderr
    result = run({**env, "INTERVIEWPREP_DATABASE_URL": "mysql://x"}, "drill")
    assert "INTERVIEWPREP_DATABASE_URL" in result.stderr


def test_stopping_at_the_rating_prompt_keeps_the_suggested_rating(env: dict[str, str]) -> None:
    # the right option, then end of input at "Enter to confirm": the suggestion stays
    result = run(env, "drill", "--topic", "caching", "--count", "1", stdin="1\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Suggested rating" in out
    assert "Everything you answered is saved" in out
    assert "Session: 1 answered, 1 passed." in out
