"""Storage failures as the services and the CLI see them."""

from __future__ import annotations


class StorageUnavailable(Exception):
    """The database is locked, gone or unreachable; nothing was saved."""


def describe(exc: Exception) -> str:
    """One clear line for a driver error (locked, no tables, unreachable)."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    text = str(orig) if orig else str(exc)
    if "locked" in text:
        return "the database is busy (locked by another process); nothing was saved, try again"
    if "no such table" in text:
        return (
            "the database has no interviewprep tables (was the file deleted or replaced?); "
            "run `interviewprep db upgrade`. Nothing was saved"
        )
    return f"the database is not reachable ({text.splitlines()[0]}); nothing was saved"
