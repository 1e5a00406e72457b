"""Count each group's members answering per local day, kept by triggers.

The group streak counts the days on which at least ``min_members`` members answered
(each on their own local day; revealed answers do not count). It was read from every
member's whole review history on each ``/streak``, ``/leaderboard`` and daily post: a
server of 200 members with 20 days of answers read 4,000 review rows per command, and
the read grew with every day. Two tables now hold what it needs:

* ``group_member_days``: one row per group, local day and member who answered that
  day (however many answers);
* ``group_days``: how many such members each group has per day, one row per day.

Triggers keep both, so every path that writes reviews or memberships keeps them exact
(a review added, removed or moved; a member joining, with their earlier days, or
leaving, as ``/forget`` does), in the same transaction as the write. The application
never writes them. A new group-day row is one index insert in the database engine per
answer and group the person belongs to; the read is one row per counted day.

On PostgreSQL two answers of one group on one day update the same ``group_days`` row,
so the second waits for the first's commit (an answer's transaction is milliseconds
long); the review trigger inserts a person's groups in id order, so two such
transactions take those rows in the same order.

A later migration that rebuilds ``reviews``, ``group_members`` or ``group_member_days``
on SQLite (``batch_alter_table`` copies a table into a new one) drops that table's
triggers and must create them again; ``tests/storage/test_group_days.py`` runs at head
and fails without them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each trigger does, in both dialects:
# - a member-day added: its group's day count +1 (the day's row made at 1);
# - a member-day removed: its count -1, the row removed at 0;
# - a review added (not revealed): a member-day in each group of its person;
# - a review removed (not revealed): its person's member-days of that day, unless
#   another unrevealed review of theirs is left on that day;
# - a review's person, day or revealed flag changed: removed, then added;
# - a member added: a member-day for each day with an unrevealed review of theirs;
# - a member removed (or moved): their member-days of that group.

_SQLITE_UP = [
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
    """
    CREATE TRIGGER reviews_member_days_added AFTER INSERT ON reviews
    WHEN NOT NEW.revealed
    BEGIN
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT group_id, NEW.local_date, NEW.person_id FROM group_members
        WHERE person_id = NEW.person_id ORDER BY group_id;
    END
    """,
    """
    CREATE TRIGGER reviews_member_days_removed AFTER DELETE ON reviews
    WHEN NOT OLD.revealed
    BEGIN
        DELETE FROM group_member_days
        WHERE person_id = OLD.person_id AND day = OLD.local_date
          AND NOT EXISTS (
            SELECT 1 FROM reviews
            WHERE person_id = OLD.person_id AND local_date = OLD.local_date AND NOT revealed
          );
    END
    """,
    """
    CREATE TRIGGER reviews_member_days_moved
    AFTER UPDATE OF person_id, local_date, revealed ON reviews
    BEGIN
        DELETE FROM group_member_days
        WHERE NOT OLD.revealed AND person_id = OLD.person_id AND day = OLD.local_date
          AND NOT EXISTS (
            SELECT 1 FROM reviews
            WHERE person_id = OLD.person_id AND local_date = OLD.local_date AND NOT revealed
          );
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT group_id, NEW.local_date, NEW.person_id FROM group_members
        WHERE NOT NEW.revealed AND person_id = NEW.person_id ORDER BY group_id;
    END
    """,
    """
    CREATE TRIGGER group_members_days_added AFTER INSERT ON group_members
    BEGIN
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT DISTINCT NEW.group_id, local_date, NEW.person_id FROM reviews
        WHERE person_id = NEW.person_id AND NOT revealed;
    END
    """,
    """
    CREATE TRIGGER group_members_days_removed AFTER DELETE ON group_members
    BEGIN
        DELETE FROM group_member_days
        WHERE group_id = OLD.group_id AND person_id = OLD.person_id;
    END
    """,
    """
    CREATE TRIGGER group_members_days_moved AFTER UPDATE OF group_id, person_id ON group_members
    BEGIN
        DELETE FROM group_member_days
        WHERE group_id = OLD.group_id AND person_id = OLD.person_id;
        INSERT OR IGNORE INTO group_member_days (group_id, day, person_id)
        SELECT DISTINCT NEW.group_id, local_date, NEW.person_id FROM reviews
        WHERE person_id = NEW.person_id AND NOT revealed;
    END
    """,
]
_SQLITE_TRIGGERS = (
    "group_member_days_added",
    "group_member_days_removed",
    "reviews_member_days_added",
    "reviews_member_days_removed",
    "reviews_member_days_moved",
    "group_members_days_added",
    "group_members_days_removed",
    "group_members_days_moved",
)

_PG_UP = [
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
    CREATE FUNCTION reviews_member_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND NOT OLD.revealed THEN
            DELETE FROM group_member_days
            WHERE person_id = OLD.person_id AND day = OLD.local_date
              AND NOT EXISTS (
                SELECT 1 FROM reviews
                WHERE person_id = OLD.person_id AND local_date = OLD.local_date
                  AND NOT revealed
              );
        END IF;
        IF TG_OP <> 'DELETE' AND NOT NEW.revealed THEN
            INSERT INTO group_member_days (group_id, day, person_id)
            SELECT group_id, NEW.local_date, NEW.person_id FROM group_members
            WHERE person_id = NEW.person_id ORDER BY group_id
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER reviews_member_days
    AFTER INSERT OR DELETE OR UPDATE OF person_id, local_date, revealed ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_member_days()
    """,
    """
    CREATE FUNCTION group_members_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            DELETE FROM group_member_days
            WHERE group_id = OLD.group_id AND person_id = OLD.person_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO group_member_days (group_id, day, person_id)
            SELECT DISTINCT NEW.group_id, local_date, NEW.person_id FROM reviews
            WHERE person_id = NEW.person_id AND NOT revealed
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
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS group_members_days ON group_members",
    "DROP TRIGGER IF EXISTS reviews_member_days ON reviews",
    "DROP TRIGGER IF EXISTS group_member_days_counted ON group_member_days",
    "DROP FUNCTION IF EXISTS group_members_days()",
    "DROP FUNCTION IF EXISTS reviews_member_days()",
    "DROP FUNCTION IF EXISTS group_member_days_counted()",
]

# The days already answered, from the reviews and memberships as they are.
_BACKFILL = [
    """
    INSERT INTO group_member_days (group_id, day, person_id)
    SELECT DISTINCT m.group_id, r.local_date, r.person_id
    FROM reviews r JOIN group_members m ON m.person_id = r.person_id
    WHERE NOT r.revealed
    """,
    """
    INSERT INTO group_days (group_id, day, members)
    SELECT group_id, day, COUNT(*) FROM group_member_days GROUP BY group_id, day
    """,
]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "group_member_days",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "day", "person_id"),
    )
    with op.batch_alter_table("group_member_days", schema=None) as batch_op:
        batch_op.create_index("ix_group_member_days_person_day", ["person_id", "day"], unique=False)
    op.create_table(
        "group_days",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "day"),
    )
    # filled before the triggers exist, so that nothing is counted twice
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
    op.drop_table("group_days")
    with op.batch_alter_table("group_member_days", schema=None) as batch_op:
        batch_op.drop_index("ix_group_member_days_person_day")
    op.drop_table("group_member_days")
