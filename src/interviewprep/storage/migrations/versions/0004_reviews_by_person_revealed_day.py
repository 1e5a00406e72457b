"""Index reviews by person, revealed and local day (covering the streak reads).

Streaks count a person's answers per local day, leaving revealed ones out. With only
``(person_id, local_date)`` indexed, every review row was read from the table to check
``revealed``; this index answers those reads (and the group streak's distinct members
per day, and the leaderboard's window of recent days) from the index alone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviews_person_revealed_day",
            ["person_id", "revealed", "local_date"],
            unique=False,
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_person_revealed_day")
