"""The ``interviewprep`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine

from interviewprep.config import ConfigError, Settings, check_timezone, load_settings
from interviewprep.services.errors import PracticeError
from interviewprep.storage.errors import StorageUnavailable

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=getattr(args, "log_level", None) or logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except StorageUnavailable as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 3
    except PracticeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (`interviewprep export | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def build_parser() -> argparse.ArgumentParser:
    """All subcommands."""
    parser = argparse.ArgumentParser(
        prog="interviewprep",
        description="Spaced-repetition interview practice for backend developers.",
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    drill = sub.add_parser("drill", help="practise in the terminal (no token, no setup)")
    drill.add_argument("--topic", help="only this taxonomy topic, e.g. sql or http")
    drill.add_argument("--count", type=_positive, default=5, help="questions in this session")
    _profile(drill)
    drill.set_defaults(func=cmd_drill)

    for name, func, text in (
        ("stats", cmd_stats, "your progress per topic"),
        ("streak", cmd_streak, "your streak"),
        ("export", cmd_export, "all your data as JSON on stdout"),
    ):
        command = sub.add_parser(name, help=text)
        _profile(command)
        command.set_defaults(func=func)

    forget = sub.add_parser("forget", help="delete all your data")
    _profile(forget)
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(func=cmd_forget)

    settings = sub.add_parser("settings", help="show or change your settings (KEY=VALUE ...)")
    _profile(settings)
    settings.add_argument("changes", nargs="*", metavar="KEY=VALUE")
    settings.set_defaults(func=cmd_settings)

    reports = sub.add_parser("reports", help="list problem reports about questions (maintainers)")
    reports.add_argument("--all", action="store_true", help="include resolved reports")
    reports.set_defaults(func=cmd_reports)

    runner = sub.add_parser(
        "run", help="run the Telegram and/or Discord bot with daily delivery (needs tokens)"
    )
    runner.add_argument("platform", choices=["telegram", "discord", "all"])
    runner.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    runner.set_defaults(func=cmd_run)

    database = sub.add_parser("db", help="database migrations")
    dbsub = database.add_subparsers(metavar="ACTION")
    up = dbsub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    down = dbsub.add_parser("downgrade", help="revert migrations to REVISION (base = empty)")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)
    current = dbsub.add_parser("current", help="show the database's revision")
    current.set_defaults(func=cmd_db_current)

    from interviewprep.bank import cli as bank_cli

    bank_cli.register(sub)
    try:
        from interviewprep.grading import cli as grading_cli
    except ImportError:  # pragma: no cover - the grading CLI ships with the package
        pass
    else:
        grading_cli.register(sub)
    return parser


def _profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        default=os.environ.get("INTERVIEWPREP_PROFILE", "default"),
        help="terminal profile name (several people can share a machine)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1 or value > 200:
        raise argparse.ArgumentTypeError("choose a number from 1 to 200")
    return value


def _app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    from interviewprep.app import build_app

    return build_app(settings or load_settings())


def _person(app, profile: str) -> int:  # type: ignore[no-untyped-def]
    from interviewprep.adapters.terminal.zone import guess_local_zone

    return int(
        app.practice.enrol(
            "terminal", profile, display_name=profile, timezone=guess_local_zone(app.settings)
        )
    )


def cmd_reports(args: argparse.Namespace) -> int:
    """Print reports about questions, newest first, one per line."""
    app = _app()
    try:
        for report in app.community.reports(unresolved_only=not args.all):
            when = report.created_at.strftime("%Y-%m-%d")
            print(f"#{report.id}\t{when}\t{report.question_id or '-'}\t{report.text}")
    finally:
        app.close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the chat bots and the delivery engine until SIGINT or SIGTERM."""
    from interviewprep.runner import PLATFORMS, run

    return run(PLATFORMS if args.platform == "all" else (args.platform,))


def cmd_drill(args: argparse.Namespace) -> int:
    """Run a drill session."""
    from interviewprep.adapters.terminal.drill import Terminal, run_drill

    app = _app()
    try:
        if args.topic and args.topic not in app.bank.topics:
            print(
                f"unknown topic {args.topic!r}; topics: {', '.join(app.bank.topics)}",
                file=sys.stderr,
            )
            return 2
        if not len(app.bank):
            print(
                "the question bank is empty (see `interviewprep packs validate`)", file=sys.stderr
            )
            return 2
        person = _person(app, args.profile)
        term = Terminal(sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
        run_drill(app.practice, person, term, count=args.count, topic=args.topic)
        return 0
    finally:
        app.close()


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the stats table."""
    from interviewprep.adapters.terminal import render

    app = _app()
    try:
        stats = app.practice.stats(_person(app, args.profile))
        print(render.stats_block(stats, render.Style.detect(sys.stdout.isatty())))
        return 0
    finally:
        app.close()


def cmd_streak(args: argparse.Namespace) -> int:
    """Print the streak line."""
    from interviewprep.adapters.terminal import render

    app = _app()
    try:
        print(render.streak_line(app.practice.streak(_person(app, args.profile))))
        return 0
    finally:
        app.close()


def cmd_export(args: argparse.Namespace) -> int:
    """Print all of the profile's data as JSON."""
    app = _app()
    try:
        data = app.practice.export(_person(app, args.profile))
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    finally:
        app.close()


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete the profile's data after confirmation."""
    app = _app()
    try:
        person = app.practice.find_person("terminal", args.profile)
        if person is None:
            print(f"nothing stored for profile {args.profile!r}")
            return 0
        if not args.yes:
            reply = input(f"Delete everything stored for profile {args.profile!r}? Type yes: ")
            if reply.strip().lower() != "yes":
                print("Nothing deleted.")
                return 1
        app.practice.forget(person)
        print("All your data is deleted.")
        return 0
    finally:
        app.close()


def cmd_settings(args: argparse.Namespace) -> int:
    """Show settings, or apply KEY=VALUE changes."""
    app = _app()
    try:
        person = _person(app, args.profile)
        changes: dict[str, object] = {}
        for item in args.changes:
            key, sep, value = item.partition("=")
            if not sep:
                print(f"expected KEY=VALUE, got {item!r}", file=sys.stderr)
                return 2
            changes[key.strip()] = _setting_value(key.strip(), value.strip())
        current = (
            app.practice.update_settings(person, **changes)
            if changes
            else app.practice.settings(person)
        )
        for key, value in current.model_dump(mode="json").items():
            print(f"{key} = {value}")
        return 0
    finally:
        app.close()


def _setting_value(key: str, value: str) -> object:
    if key in {"topics", "rest_days"}:
        return [v.strip() for v in value.split(",") if v.strip()]
    if key == "timezone":
        check_timezone(value)
    if value.lower() in {"", "none", "null"} and key == "interview_date":
        return None
    return value


@contextmanager
def _engine() -> Iterator[Engine]:
    from interviewprep.storage import db

    engine = db.make_engine(load_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply migrations."""
    from interviewprep.storage import db

    with _engine() as engine:
        db.upgrade(engine, args.revision)
        print(f"database at revision {db.current_revision(engine)}")
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    """Revert migrations."""
    from interviewprep.storage import db

    with _engine() as engine:
        db.downgrade(engine, args.revision)
        print(f"database at revision {db.current_revision(engine)}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    """Print the current and newest revisions."""
    from interviewprep.storage import db

    with _engine() as engine:
        print(f"current: {db.current_revision(engine)}  head: {db.head_revision()}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
