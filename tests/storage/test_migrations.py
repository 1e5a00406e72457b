"""Migrations: from empty to head, back to empty, and up again; models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from interviewprep.storage import db

TABLES = {"persons", "identities", "cards", "attempts", "reviews"}


def test_upgrade_downgrade_upgrade(engine: Engine) -> None:
    assert db.current_revision(engine) == db.head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "the models changed without a migration: add one under storage/migrations"


def test_queue_indexes_exist(engine: Engine) -> None:
    indexes = {i["name"] for i in inspect(engine).get_indexes("cards")}
    assert {"ix_cards_person_due", "ix_cards_person_introduced"} <= indexes


def test_the_period_boards_have_their_covering_index(engine: Engine) -> None:
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("reviews")}
    assert indexes["ix_reviews_person_revealed_day"] == ["person_id", "revealed", "local_date"]
    db.downgrade(engine, "0003")
    assert "ix_reviews_person_revealed_day" not in {
        i["name"] for i in inspect(engine).get_indexes("reviews")
    }
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()


def test_the_kept_counts_come_and_go_with_their_migration(engine: Engine) -> None:
    kept = {"person_days", "group_member_days", "group_days", "person_totals", "question_totals"}
    assert kept <= set(inspect(engine).get_table_names())
    db.downgrade(engine, "0004")
    assert not kept & set(inspect(engine).get_table_names())
    db.upgrade(engine)
    assert kept <= set(inspect(engine).get_table_names())
