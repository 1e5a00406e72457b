"""Milliseconds per answer to a Discord server's daily question, in process.

    python bench/discord_answer_path.py [--members 300] [--rounds 3] [--database-url ...]

One answer is what a member's two interactions cost the adapter's flows with sockets
and discord.py left out: the *Answer* button under the day's post (checks and opens the
attempt, renders the question) and then the pick of an option (a single-choice
question) or the submitted modal (an open question, graded by the default grader,
answered with its model answer), with the streak milestones of the answer.

It runs :class:`interviewprep.adapters.discord.flows.Flows` as the bot does:
``Groups.answer_as`` (one statement, one commit, compiled statements on one DB-API
connection) and ``Groups.answer_post`` (``Practice.answer_attempt``'s transaction, then
the milestone reads on the same connection; until 2026-11-22 ``Groups.answer_as`` ran
through an ORM session and ``Groups.milestones`` took a read-only unit of its own). The
README's first "before" column came from this script at commit 920accb, which also kept
a copy of the earlier path (``Groups.answer``: three ORM units of work, two commits;
since removed).

Every member answers once (one attempt per member and day), so each round has members
of its own, enrolled beforehand; single-threaded; medians of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date

from common import database_argument, fresh_engine, record_group_post
from interviewprep.adapters.discord import ids
from interviewprep.adapters.discord.flows import PLATFORM, Actor, Flows
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import Reply
from interviewprep.app import App, assemble, load_packs
from interviewprep.bank.schema import Level, OpenQuestion, SingleChoice
from interviewprep.config import load_settings
from interviewprep.domain.clock import system_clock
from interviewprep.grading import default_grader

Answer = Callable[[Actor, int, date, str, int, str], Reply]


def after(app: App) -> Answer:
    """The adapter's flows as the bot runs them now."""
    flows = Flows(app)

    def answer(
        actor: Actor, group_id: int, day: date, question: str, post: int, text: str
    ) -> Reply:
        opened = flows.answer_group(actor, group_id, f"{day:%Y%m%d}", question, post)
        ctx = Ctx(post_id=post)
        if opened.modal is None:
            pick = next(
                c.custom_id for row in opened.rows for c in row if "ip:pick:" in c.custom_id
            )
            attempt = int(pick.split(":")[2])
            return flows.pick(actor, attempt, [0], ctx)
        attempt = int(opened.modal.custom_id.split(":")[2])
        return flows.submit(actor, attempt, text, ctx)

    return answer


def _post(app: App, guild: str, kind: type) -> tuple[int, date, str, int, str]:
    """A server's group with today's post of a question of ``kind``."""
    group = app.groups.setup(
        PLATFORM, guild, channel_id=f"{guild}1", name=guild, timezone="UTC", delivery_time="09:00"
    )
    question = next(
        q for q in app.bank if isinstance(q, kind) and q.level in (Level.JUNIOR, Level.MID)
    )
    now = app.clock()
    today = now.date()
    post = int(guild) * 10
    record_group_post(app.engine, group.id, today, question.id, str(post), now)
    assert ids.answer(group.id, today, question.id)
    return group.id, today, question.id, post, question.model_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=300, help="answers per round")
    parser.add_argument("--rounds", type=int, default=3)
    database_argument(parser)
    args = parser.parse_args()

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), system_clock)
    try:
        posts = {"choice": _post(app, "900", SingleChoice), "open": _post(app, "800", OpenQuestion)}
        paths = {"after": after(app)}
        print(f"{label}: {args.members} answers a round, {args.rounds} rounds, single-threaded")
        serial = iter(range(10**9))
        for kind, (group_id, day, question, post, model) in posts.items():
            guild = "900" if kind == "choice" else "800"
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.rounds + 1):  # the first round warms up
                for name, path in paths.items():
                    actors = []
                    for _ in range(args.members):
                        n = next(serial)
                        actor = Actor(user_id=str(10**6 + n), name=f"m{n}", guild_id=guild)
                        app.practice.enrol(PLATFORM, actor.user_id, actor.name)
                        actors.append(actor)
                    began = time.perf_counter()
                    for actor in actors:
                        reply = path(actor, group_id, day, question, post, model)
                        assert reply.embeds, reply
                        assert not reply.error, reply
                    times[name].append((time.perf_counter() - began) / args.members * 1000)
            line = ", ".join(
                f"{name} {statistics.median(ms[1:]):.2f} ms"
                f" ({' / '.join(f'{m:.2f}' for m in ms[1:])})"
                for name, ms in times.items()
            )
            print(f"  answer, {kind:<6}: {line}")
    finally:
        app.close()
        cleanup()


if __name__ == "__main__":
    main()
