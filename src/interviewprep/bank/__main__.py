"""``python -m interviewprep.bank PATHS``: a quick strict check while writing packs."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from interviewprep.bank.loader import builtin_pack_dir
from interviewprep.bank.schema import AUTO_GRADED
from interviewprep.bank.taxonomy import load_taxonomy
from interviewprep.bank.validate import validate


def main(argv: list[str]) -> int:
    """Validate the given packs (default: the built-in ones) and print a summary."""
    paths = [Path(a) for a in argv] or [builtin_pack_dir()]
    taxonomy = load_taxonomy(builtin_pack_dir() / "taxonomy.yaml")
    report = validate(paths, taxonomy)
    for problem in report.errors:
        print(problem)
    types = Counter(q.type.value for p in report.packs for q in p.questions)
    topics = Counter(t for p in report.packs for q in p.questions for t in q.topics)
    auto = sum(n for t, n in types.items() if t in AUTO_GRADED)
    total = report.question_count
    print(f"{total} questions, {len(report.errors)} errors; types: {dict(types)}")
    if total:
        print(f"auto-gradable {auto / total:.0%}, open {types['open'] / total:.0%}")
    print("topics:", dict(sorted(topics.items())))
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
