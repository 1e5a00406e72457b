"""Keep each person's all-time answer totals, for the all-time leaderboard.

``/leaderboard all`` summed every review of every member of the server on each call: 38
ms on SQLite for 200 members with half a year of five answers a day (180,000 reviews),
on the event loop, and growing every day. ``person_totals`` holds each person's answers
of all time (revealed ones left out) and those rated Hard or better, so the board reads
one row per member. Triggers on ``reviews`` keep it in the same transaction as every
write: an answer, a rating given or changed later, a review removed (``/forget``), moved
to another person or revealed. The week and month boards still sum their period's
reviews: a period starts at an instant of the server's time zone, which no per-day
total can bound exactly.

The same caution as migration 0005 applies: a batch rebuild of ``reviews`` on SQLite
drops these triggers, and ``tests/storage/test_group_days.py`` fails without them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
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
]
_SQLITE_TRIGGERS = ("reviews_totals_added", "reviews_totals_removed", "reviews_totals_changed")

_PG_UP = [
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
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS reviews_totals ON reviews",
    "DROP FUNCTION IF EXISTS reviews_totals()",
]

_BACKFILL = """
    INSERT INTO person_totals (person_id, answered, correct)
    SELECT person_id, COUNT(*), SUM(CASE WHEN rating >= 2 THEN 1 ELSE 0 END)
    FROM reviews WHERE NOT revealed GROUP BY person_id
"""


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "person_totals",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.execute(_BACKFILL)  # before the triggers, so that nothing is counted twice
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
    op.drop_table("person_totals")
