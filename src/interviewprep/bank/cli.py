"""``interviewprep packs ...``: the maintainers' tools for question packs."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from interviewprep.bank.loader import builtin_pack_dir, load_pack
from interviewprep.bank.schema import AUTO_GRADED, ID_PATTERN, Level, Pack, Question, QuestionType
from interviewprep.bank.taxonomy import Taxonomy, load_taxonomy
from interviewprep.bank.validate import SampleGrader, validate

SCHEMA_FILE = "schema/pack.schema.json"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``packs`` command and its actions."""
    packs = sub.add_parser("packs", help="validate, measure and scaffold question packs")
    actions = packs.add_subparsers(metavar="ACTION")

    check = actions.add_parser("validate", help="strict checks, including the rubric tests")
    check.add_argument("paths", nargs="*", help="pack files or folders (default: built-in)")
    check.add_argument(
        "--no-rubric", action="store_true", help="skip grading the sample answers (faster)"
    )
    check.set_defaults(func=cmd_validate)

    coverage = actions.add_parser("coverage", help="questions per taxonomy entry, level, type")
    coverage.add_argument("paths", nargs="*")
    coverage.add_argument("--markdown", action="store_true", help="print a Markdown table")
    coverage.set_defaults(func=cmd_coverage)

    new = actions.add_parser("new", help="scaffold a pack with comments")
    new.add_argument("pack_id", help="e.g. kafka-basics")
    new.add_argument("--output", help="file to write (default: questions/PACK_ID.yaml)")
    new.set_defaults(func=cmd_new)

    schema = actions.add_parser("schema", help="write (or --check) the JSON Schema for packs")
    schema.add_argument("--check", action="store_true", help="fail if the file is out of date")
    schema.set_defaults(func=cmd_schema)


def _paths(values: list[str]) -> list[Path]:
    return [Path(v) for v in values] or [builtin_pack_dir()]


def _taxonomy() -> Taxonomy:
    return load_taxonomy(builtin_pack_dir() / "taxonomy.yaml")


def _rubric_grader() -> SampleGrader | None:
    try:
        from interviewprep.grading import sample_band
    except ImportError:  # pragma: no cover - the grader ships with the package
        return None
    grader: SampleGrader = sample_band
    return grader


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate packs; exit 1 when anything is wrong."""
    grader = None if args.no_rubric else _rubric_grader()
    report = validate(_paths(args.paths), _taxonomy(), grader)
    for problem in report.errors:
        print(problem)
    status = "FAILED" if report.errors else "ok"
    print(
        f"{status}: {len(report.packs)} pack(s), {report.question_count} question(s), "
        f"{report.samples_checked} sample answer(s) graded, {len(report.errors)} problem(s)",
        file=sys.stderr,
    )
    return 1 if report.errors else 0


def coverage_rows(questions: list[Question], taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """One row per taxonomy entry: counts by level and type, and the minimum."""
    rows = []
    for entry in taxonomy.entries:
        tagged = [q for q in questions if entry.id in q.topics]
        levels = Counter(q.level for q in tagged)
        auto = sum(q.type in AUTO_GRADED for q in tagged)
        rows.append(
            {
                "id": entry.id,
                "total": len(tagged),
                "minimum": entry.minimum,
                "junior": levels[Level.JUNIOR],
                "mid": levels[Level.MID],
                "senior": levels[Level.SENIOR],
                "auto": auto,
                "open": sum(q.type is QuestionType.OPEN for q in tagged),
                "behavioural": sum(q.type is QuestionType.BEHAVIOURAL for q in tagged),
            }
        )
    return rows


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print the coverage table; exit 1 when an entry is below its minimum."""
    taxonomy = _taxonomy()
    questions: list[Question] = []
    report = validate(_paths(args.paths), None)
    for loaded in report.packs:
        questions.extend(loaded.questions)
    rows = coverage_rows(questions, taxonomy)
    columns = ["id", "total", "minimum", "junior", "mid", "senior", "auto", "open", "behavioural"]
    if args.markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for row in rows:
            print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    else:
        print(f"{'taxonomy entry':<22}" + "".join(f"{c:>12}" for c in columns[1:]))
        for row in rows:
            flag = "  << below minimum" if row["total"] < row["minimum"] else ""
            print(f"{row['id']:<22}" + "".join(f"{row[c]:>12}" for c in columns[1:]) + flag)
    types = Counter(q.type for q in questions)
    total = len(questions)
    auto = sum(n for t, n in types.items() if t in AUTO_GRADED)
    short = [r["id"] for r in rows if r["total"] < r["minimum"]]
    summary = f"{total} questions"
    if total:
        summary += (
            f"; auto-gradable {auto / total:.0%}, open {types[QuestionType.OPEN] / total:.0%}, "
            f"behavioural {types[QuestionType.BEHAVIOURAL]}"
        )
    print(summary)
    if short:
        print(f"below minimum: {', '.join(short)}", file=sys.stderr)
        return 1
    return 0


SCAFFOLD = """\
# yaml-language-server: $schema=schema/pack.schema.json
# A question pack. Check it with: interviewprep packs validate {filename}
# Field reference: questions/CONTRIBUTING.md and questions/schema/pack.schema.json
id: {pack_id}                   # lowercase, [a-z0-9-.]; unique across all packs
title: {title}
description: >-
  One or two sentences: what this pack covers and for whom.
authors: [Your Name]
version: 1.0.0                  # bump the minor version when you add questions
license: CC-BY-4.0
questions:
  # Ids are stable forever: progress is stored against them. Never reuse an id.
  - id: {prefix}.example-choice
    type: single_choice         # single_choice | multiple_choice | true_false |
                                # short_answer | open | behavioural
    level: junior               # junior | mid | senior
    topics: [http]              # ids from questions/taxonomy.yaml
    prompt: >-
      One idea, no trick wording. Put code in backticks.
    options:
      - text: The right answer (<= 100 characters)
        correct: true
        why: One line on why it is right.
      - text: A plausible distractor
        why: One line on why it is wrong (required for every wrong option).
    model_answer: What a strong candidate says.
    explanation: >-
      Why it is so, and the common mistake.
    hints: [A nudge that does not give the answer away.]

  - id: {prefix}.example-open
    type: open
    level: mid
    topics: [http]
    prompt: Explain ... and why it matters.
    model_answer: >-
      A complete reference answer.
    explanation: >-
      Why, and the misconception people usually hold.
    key_points:                 # 3-5 atomic claims; the grader matches them
      - id: first-claim
        text: the first claim in a few words
        weight: 2
        phrasings: [another way to say it, a shorter way]
    misconceptions:             # a stated misconception fails the answer
      - text: a classic wrong claim
        why: why it is wrong
    samples:                    # the rubric's tests: >= 3, graded by `packs validate`
      - answer: A correct answer in your own words.
        expect: pass
      - answer: Half of it.
        expect: partial
      - answer: The misconception, stated confidently.
        expect: fail
"""


def cmd_new(args: argparse.Namespace) -> int:
    """Write a commented pack skeleton."""
    import re

    if not re.match(ID_PATTERN, args.pack_id):
        print(f"pack id {args.pack_id!r} must match {ID_PATTERN}", file=sys.stderr)
        return 2
    output = Path(args.output) if args.output else Path("questions") / f"{args.pack_id}.yaml"
    if output.exists():
        print(f"{output} already exists; not overwritten", file=sys.stderr)
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    text = SCAFFOLD.format(
        pack_id=args.pack_id,
        filename=output,
        title=args.pack_id.replace("-", " ").capitalize(),
        prefix=args.pack_id.split("-")[0],
    )
    output.write_text(text, encoding="utf-8")
    load_pack(output)  # the scaffold itself must always be valid
    print(f"wrote {output}")
    return 0


def pack_json_schema() -> str:
    """The JSON Schema of a pack, as committed in questions/schema/."""
    schema = Pack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "interviewprep question pack"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    """Write or check questions/schema/pack.schema.json."""
    target = builtin_pack_dir() / SCHEMA_FILE
    current = pack_json_schema()
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != current:
            print(f"{target} is out of date: run `interviewprep packs schema`", file=sys.stderr)
            return 1
        print(f"{target} is current")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(current, encoding="utf-8")
    print(f"wrote {target}")
    return 0
