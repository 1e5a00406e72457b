"""Counts kept by triggers: answers per person and day, members per group and day,
each person's all-time totals and their totals per question.

Streaks count answers per local day (revealed answers do not count). Every streak read
grouped a person's whole review history by day: ``/streak``, the milestones checked
after each answer, the leaderboard's streaks; the group streak did that for every member
of the server on each ``/streak``, ``/leaderboard`` and daily post (4,000 review rows for
200 members with 20 days of answers, growing every day); and ``/leaderboard all`` summed
every review of every member (38 ms on SQLite at 180,000 reviews, on the event loop);
``/stats`` grouped the person's every review by question (2.1 ms at 3,650). Five tables
now hold what those reads need:

* ``person_days``: a person's answers on a local day, one row per day answered;
* ``group_member_days``: one row per group, local day and member who answered that day;
* ``group_days``: how many members of a group answered on a day, one row per day;
* ``person_totals``: a person's answers of all time and those rated Hard or better;
* ``question_totals``: a person's answers to a question (revealed ones included, as
  ``/stats`` counts them) and those rated Hard or better.

Triggers keep them in the same transaction as every write to ``reviews`` or
``group_members`` (an answer; a rating given or changed; a review removed, as
``/forget`` does, moved or revealed; a member joining, with their earlier days, or
leaving), so no path of the application can miss them, and the application never writes
them:

* a review added (not revealed): its person's day +1, the row made at 1; its person's
  totals +1, and +1 correct when rated Hard or better; its question's totals likewise,
  revealed or not;
* a review removed (not revealed): the same -1, the day's row removed at 0;
* a review's person, question, day, rating or revealed flag changed: removed, then
  added;
* a person's day made: a member-day in each group of the person;
* a person's day removed: its member-days;
* a member added: a member-day for each day of theirs; removed (or moved): theirs of
  that group are removed;
* a member-day added or removed: its group's day count +1 or -1 (removed at 0).

``group_member_days`` is always the pairs of a membership and a day of that person's,
so a member-day is removed through whichever of the two is still there, by its primary
key (the table needs no other index). An answer costs three upserts in the database
engine, and the first answer of a day one insert and one upsert more per group of the
person. On PostgreSQL two first answers of one group on one day update the same
``group_days`` row, so the second waits for the first's commit (an answer's transaction
is milliseconds long). A person's groups are inserted in id order, and a joining
member's days in day order, and ``/forget`` (``PersonRepository.delete_everything``)
locks the rows it will decrement first, in (group, day) order, so two transactions take
the rows of ``group_days`` they share in the same order.

The week and month leaderboards still sum their period's reviews: a period starts at
an instant of the server's time zone, which no per-day count bounds exactly.

A person's first answer of a day reads their groups, and a join reads the member's
days: were both to run at once on PostgreSQL, each would miss the other's uncommitted
row and neither would count that day in that group. Both first take a transaction
advisory lock on the person (``pg_advisory_xact_lock(5005, person_id)``; nothing else
takes it, so it cannot close a cycle with the row locks of asking or answering), and
the second reads after the first commits. SQLite runs one writing transaction at a
time.

A later migration that rebuilds ``reviews``, ``group_members``, ``person_days`` or
``group_member_days`` on SQLite (``batch_alter_table`` copies a table into a new one)
drops that table's triggers and must create them again;
``tests/storage/test_kept_counts.py`` runs at head and fails without them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    # reviews -> person_days
    """
    CREATE TRIGGER reviews_days_added AFTER INSERT ON reviews
    WHEN NOT NEW.revealed
    BEGIN
        INSERT INTO person_days (person_id, day, answers)
        VALUES (NEW.person_id, NEW.local_date, 1)
        ON CONFLICT (person_id, day) DO UPDATE SET answers = answers + 1;
    END
    """,
    """
    CREATE TRIGGER reviews_days_removed AFTER DELETE ON reviews
    WHEN NOT OLD.revealed
    BEGIN
        UPDATE person_days SET answers = answers - 1
        WHERE person_id = OLD.person_id AND day = OLD.local_date;
        DELETE FROM person_days
        WHERE person_id = OLD.person_id AND day = OLD.local_date AND answers <= 0;
    END
    """,
    """
    CREATE TRIGGER reviews_days_moved
    AFTER UPDATE OF person_id, local_date, revealed ON reviews
    BEGIN
        UPDATE person_days SET answers = answers - 1
        WHERE NOT OLD.revealed AND person_id = OLD.person_id AND day = OLD.local_date;
        DELETE FROM person_days
        WHERE person_id = OLD.person_id AND day = OLD.local_date AND answers <= 0;
        INSERT INTO person_days (person_id, day, answers)
        SELECT NEW.person_id, NEW.local_date, 1 WHERE NOT NEW.revealed
        ON CONFLICT (person_id, day) DO UPDATE SET answers = answers + 1;
    END
    """,
    # person_days -> group_member_days
    """
    CREATE TRIGGER person_days_added AFTER INSERT ON person_days
    BEGIN
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT group_id, NEW.day, NEW.person_id FROM group_members
        WHERE person_id = NEW.person_id ORDER BY group_id;
    END
    """,
    """
    CREATE TRIGGER person_days_removed AFTER DELETE ON person_days
    BEGIN
        DELETE FROM group_member_days
        WHERE day = OLD.day AND person_id = OLD.person_id
          AND group_id IN (SELECT group_id FROM group_members WHERE person_id = OLD.person_id);
    END
    """,
    # group_members -> group_member_days
    """
    CREATE TRIGGER group_members_days_added AFTER INSERT ON group_members
    BEGIN
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT NEW.group_id, day, NEW.person_id FROM person_days
        WHERE person_id = NEW.person_id ORDER BY day;
    END
    """,
    """
    CREATE TRIGGER group_members_days_removed AFTER DELETE ON group_members
    BEGIN
        DELETE FROM group_member_days
        WHERE group_id = OLD.group_id AND person_id = OLD.person_id
          AND day IN (SELECT day FROM person_days WHERE person_id = OLD.person_id);
    END
    """,
    """
    CREATE TRIGGER group_members_days_moved AFTER UPDATE OF group_id, person_id ON group_members
    BEGIN
        DELETE FROM group_member_days
        WHERE group_id = OLD.group_id AND person_id = OLD.person_id
          AND day IN (SELECT day FROM person_days WHERE person_id = OLD.person_id);
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT NEW.group_id, day, NEW.person_id FROM person_days
        WHERE person_id = NEW.person_id ORDER BY day;
    END
    """,
    # group_member_days -> group_days
    """
    CREATE TRIGGER group_member_days_added AFTER INSERT ON group_member_days
    BEGIN
        INSERT INTO group_days (group_id, day, members) VALUES (NEW.group_id, NEW.day, 1)
        ON CONFLICT (group_id, day) DO UPDATE SET members = members + 1;
    END
    """,
    """
    CREATE TRIGGER group_member_days_removed AFTER DELETE ON group_member_days
    BEGIN
        UPDATE group_days SET members = members - 1
        WHERE group_id = OLD.group_id AND day = OLD.day;
        DELETE FROM group_days
        WHERE group_id = OLD.group_id AND day = OLD.day AND members <= 0;
    END
    """,
    # reviews -> person_totals
    """
    CREATE TRIGGER reviews_totals_added AFTER INSERT ON reviews
    WHEN NOT NEW.revealed
    BEGIN
        INSERT INTO person_totals (person_id, answered, correct)
        VALUES (NEW.person_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END)
        ON CONFLICT (person_id) DO UPDATE SET
            answered = answered + 1,
            correct = correct + excluded.correct;
    END
    """,
    """
    CREATE TRIGGER reviews_totals_removed AFTER DELETE ON reviews
    WHEN NOT OLD.revealed
    BEGIN
        UPDATE person_totals SET
            answered = answered - 1,
            correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
        WHERE person_id = OLD.person_id;
    END
    """,
    """
    CREATE TRIGGER reviews_totals_changed
    AFTER UPDATE OF person_id, rating, revealed ON reviews
    BEGIN
        UPDATE person_totals SET
            answered = answered - 1,
            correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
        WHERE NOT OLD.revealed AND person_id = OLD.person_id;
        INSERT INTO person_totals (person_id, answered, correct)
        SELECT NEW.person_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END
        WHERE NOT NEW.revealed
        ON CONFLICT (person_id) DO UPDATE SET
            answered = answered + 1,
            correct = correct + excluded.correct;
    END
    """,
    # reviews -> question_totals (revealed answers count here, as /stats counts them)
    """
    CREATE TRIGGER reviews_question_totals_added AFTER INSERT ON reviews
    BEGIN
        INSERT INTO question_totals (person_id, question_id, answered, correct)
        VALUES (NEW.person_id, NEW.question_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END)
        ON CONFLICT (person_id, question_id) DO UPDATE SET
            answered = answered + 1,
            correct = correct + excluded.correct;
    END
    """,
    """
    CREATE TRIGGER reviews_question_totals_removed AFTER DELETE ON reviews
    BEGIN
        UPDATE question_totals SET
            answered = answered - 1,
            correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
        WHERE person_id = OLD.person_id AND question_id = OLD.question_id;
        DELETE FROM question_totals
        WHERE person_id = OLD.person_id AND question_id = OLD.question_id AND answered <= 0;
    END
    """,
    """
    CREATE TRIGGER reviews_question_totals_changed
    AFTER UPDATE OF person_id, question_id, rating ON reviews
    BEGIN
        UPDATE question_totals SET
            answered = answered - 1,
            correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
        WHERE person_id = OLD.person_id AND question_id = OLD.question_id;
        DELETE FROM question_totals
        WHERE person_id = OLD.person_id AND question_id = OLD.question_id AND answered <= 0;
        INSERT INTO question_totals (person_id, question_id, answered, correct)
        VALUES (NEW.person_id, NEW.question_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END)
        ON CONFLICT (person_id, question_id) DO UPDATE SET
            answered = answered + 1,
            correct = correct + excluded.correct;
    END
    """,
]
_SQLITE_TRIGGERS = (
    "reviews_days_added",
    "reviews_days_removed",
    "reviews_days_moved",
    "person_days_added",
    "person_days_removed",
    "group_members_days_added",
    "group_members_days_removed",
    "group_members_days_moved",
    "group_member_days_added",
    "group_member_days_removed",
    "reviews_totals_added",
    "reviews_totals_removed",
    "reviews_totals_changed",
    "reviews_question_totals_added",
    "reviews_question_totals_removed",
    "reviews_question_totals_changed",
)

_PG_UP = [
    """
    CREATE FUNCTION reviews_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND NOT OLD.revealed THEN
            UPDATE person_days SET answers = answers - 1
            WHERE person_id = OLD.person_id AND day = OLD.local_date;
            DELETE FROM person_days
            WHERE person_id = OLD.person_id AND day = OLD.local_date AND answers <= 0;
        END IF;
        IF TG_OP <> 'DELETE' AND NOT NEW.revealed THEN
            INSERT INTO person_days (person_id, day, answers)
            VALUES (NEW.person_id, NEW.local_date, 1)
            ON CONFLICT (person_id, day) DO UPDATE SET answers = person_days.answers + 1;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER reviews_days
    AFTER INSERT OR DELETE OR UPDATE OF person_id, local_date, revealed ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_days()
    """,
    """
    CREATE FUNCTION person_days_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            -- a join of this person running at once waits, or is waited for: see above
            PERFORM pg_advisory_xact_lock(5005, NEW.person_id);
            INSERT INTO group_member_days (group_id, day, person_id)
            SELECT group_id, NEW.day, NEW.person_id FROM group_members
            WHERE person_id = NEW.person_id ORDER BY group_id
            ON CONFLICT DO NOTHING;
        ELSE
            DELETE FROM group_member_days
            WHERE day = OLD.day AND person_id = OLD.person_id
              AND group_id IN (
                SELECT group_id FROM group_members WHERE person_id = OLD.person_id
              );
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER person_days_members AFTER INSERT OR DELETE ON person_days
    FOR EACH ROW EXECUTE FUNCTION person_days_members()
    """,
    """
    CREATE FUNCTION group_members_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM group_member_days
            WHERE group_id = OLD.group_id AND person_id = OLD.person_id
              AND day IN (SELECT day FROM person_days WHERE person_id = OLD.person_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_advisory_xact_lock(5005, NEW.person_id);
            INSERT INTO group_member_days (group_id, day, person_id)
            SELECT NEW.group_id, day, NEW.person_id FROM person_days
            WHERE person_id = NEW.person_id ORDER BY day
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER group_members_days
    AFTER INSERT OR DELETE OR UPDATE OF group_id, person_id ON group_members
    FOR EACH ROW EXECUTE FUNCTION group_members_days()
    """,
    """
    CREATE FUNCTION group_member_days_counted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO group_days (group_id, day, members) VALUES (NEW.group_id, NEW.day, 1)
            ON CONFLICT (group_id, day) DO UPDATE SET members = group_days.members + 1;
        ELSE
            UPDATE group_days SET members = members - 1
            WHERE group_id = OLD.group_id AND day = OLD.day;
            DELETE FROM group_days
            WHERE group_id = OLD.group_id AND day = OLD.day AND members <= 0;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER group_member_days_counted AFTER INSERT OR DELETE ON group_member_days
    FOR EACH ROW EXECUTE FUNCTION group_member_days_counted()
    """,
    """
    CREATE FUNCTION reviews_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND NOT OLD.revealed THEN
            UPDATE person_totals SET
                answered = answered - 1,
                correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
            WHERE person_id = OLD.person_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NOT NEW.revealed THEN
            INSERT INTO person_totals (person_id, answered, correct)
            VALUES (NEW.person_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END)
            ON CONFLICT (person_id) DO UPDATE SET
                answered = person_totals.answered + 1,
                correct = person_totals.correct + EXCLUDED.correct;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER reviews_totals
    AFTER INSERT OR DELETE OR UPDATE OF person_id, rating, revealed ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_totals()
    """,
    """
    CREATE FUNCTION reviews_question_totals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE question_totals SET
                answered = answered - 1,
                correct = correct - CASE WHEN OLD.rating >= 2 THEN 1 ELSE 0 END
            WHERE person_id = OLD.person_id AND question_id = OLD.question_id;
            DELETE FROM question_totals
            WHERE person_id = OLD.person_id AND question_id = OLD.question_id
              AND answered <= 0;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO question_totals (person_id, question_id, answered, correct)
            VALUES (
                NEW.person_id, NEW.question_id, 1, CASE WHEN NEW.rating >= 2 THEN 1 ELSE 0 END
            )
            ON CONFLICT (person_id, question_id) DO UPDATE SET
                answered = question_totals.answered + 1,
                correct = question_totals.correct + EXCLUDED.correct;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER reviews_question_totals
    AFTER INSERT OR DELETE OR UPDATE OF person_id, question_id, rating ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_question_totals()
    """,
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS reviews_question_totals ON reviews",
    "DROP FUNCTION IF EXISTS reviews_question_totals()",
    "DROP TRIGGER IF EXISTS reviews_totals ON reviews",
    "DROP FUNCTION IF EXISTS reviews_totals()",
    "DROP TRIGGER IF EXISTS group_member_days_counted ON group_member_days",
    "DROP TRIGGER IF EXISTS group_members_days ON group_members",
    "DROP TRIGGER IF EXISTS person_days_members ON person_days",
    "DROP TRIGGER IF EXISTS reviews_days ON reviews",
    "DROP FUNCTION IF EXISTS group_member_days_counted()",
    "DROP FUNCTION IF EXISTS group_members_days()",
    "DROP FUNCTION IF EXISTS person_days_members()",
    "DROP FUNCTION IF EXISTS reviews_days()",
]

# What was already answered, from the reviews and memberships as they are; filled
# before the triggers exist, so that nothing is counted twice.
_BACKFILL = [
    """
    INSERT INTO person_days (person_id, day, answers)
    SELECT person_id, local_date, COUNT(*) FROM reviews
    WHERE NOT revealed GROUP BY person_id, local_date
    """,
    """
    INSERT INTO group_member_days (group_id, day, person_id)
    SELECT m.group_id, d.day, d.person_id
    FROM person_days d JOIN group_members m ON m.person_id = d.person_id
    """,
    """
    INSERT INTO group_days (group_id, day, members)
    SELECT group_id, day, COUNT(*) FROM group_member_days GROUP BY group_id, day
    """,
    """
    INSERT INTO person_totals (person_id, answered, correct)
    SELECT person_id, COUNT(*), SUM(CASE WHEN rating >= 2 THEN 1 ELSE 0 END)
    FROM reviews WHERE NOT revealed GROUP BY person_id
    """,
    """
    INSERT INTO question_totals (person_id, question_id, answered, correct)
    SELECT person_id, question_id, COUNT(*), SUM(CASE WHEN rating >= 2 THEN 1 ELSE 0 END)
    FROM reviews GROUP BY person_id, question_id
    """,
]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "person_days",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "day"),
    )
    op.create_table(
        "group_member_days",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "day", "person_id"),
    )
    op.create_table(
        "group_days",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "day"),
    )
    op.create_table(
        "person_totals",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "question_totals",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "question_id"),
    )
    for statement in _BACKFILL:
        op.execute(statement)
    for statement in _PG_UP if op.get_bind().dialect.name == "postgresql" else _SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DOWN:
            op.execute(statement)
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("question_totals")
    op.drop_table("person_totals")
    op.drop_table("group_days")
    op.drop_table("group_member_days")
    op.drop_table("person_days")
