"""Review ratings: how well a person recalled an answer."""

from __future__ import annotations

from enum import IntEnum


class Rating(IntEnum):
    """The four FSRS ratings, with the same values as ``fsrs.Rating``."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """The name shown on buttons: "Again", "Hard", "Good", "Easy"."""
        return self.name.capitalize()

    @classmethod
    def parse(cls, text: str) -> Rating | None:
        """Read a rating from "1".."4", a name or its first letter; None if unclear."""
        value = text.strip().lower()
        for rating in cls:
            if value in {str(rating.value), rating.name.lower(), rating.name[0].lower()}:
                return rating
        return None
