"""Per-person settings, validated before they reach the database."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import Row

from interviewprep.bank.schema import Level
from interviewprep.config import check_timezone
from interviewprep.services.errors import InvalidSetting
from interviewprep.storage.tables import Person

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time_of_day(text: str) -> time:
    """Read a local time such as ``9:30`` or ``21:05``.

    Raises:
        ValueError: not a valid 24-hour time (``25:00``, ``9.30``, ``noon``).
    """
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day; use HH:MM on a 24-hour clock, e.g. 09:00")
    return time(int(match.group(1)), int(match.group(2)))


class PersonSettings(BaseModel):
    """What a person can change about their practice."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    display_name: Annotated[str, Field(max_length=200)] = ""
    timezone: str = "UTC"
    delivery_time: str = "09:00"
    topics: list[str] = Field(default_factory=list)
    level: Level = Level.MID
    new_per_day: Annotated[int, Field(ge=0, le=50)] = 5
    daily_goal: Annotated[int, Field(ge=1, le=50)] = 1
    desired_retention: Annotated[float, Field(ge=0.7, le=0.97)] = 0.9
    rest_days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=list)
    interview_date: date | None = None
    reminders: bool = True
    reminder_hours: Annotated[int, Field(ge=1, le=12)] = 3
    quiet_start: str | None = None
    quiet_end: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("delivery_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return parse_time_of_day(value).strftime("%H:%M")

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is None or not value.strip() or value.strip().lower() in {"off", "none"}:
            return None
        return parse_time_of_day(value).strftime("%H:%M")

    @model_validator(mode="after")
    def _quiet_pair(self) -> PersonSettings:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both quiet_start and quiet_end (or neither)")
        return self

    @field_validator("rest_days")
    @classmethod
    def _rest(cls, value: list[int]) -> list[int]:
        days = sorted(set(value))
        if len(days) >= 7:
            raise ValueError("at least one day of the week must be a practice day")
        return days

    @classmethod
    def of(cls, person: Person | Row[Any]) -> PersonSettings:
        """Read the settings stored on a person row (ORM object or Core row)."""
        return cls.model_validate({name: getattr(person, name) for name in cls.model_fields})

    def apply_to(self, person: Person) -> None:
        """Write these settings onto a person row."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            setattr(person, name, value.value if isinstance(value, Level) else value)


def updated(
    current: PersonSettings, changes: dict[str, Any], known_topics: set[str]
) -> PersonSettings:
    """Return ``current`` with ``changes`` applied and validated.

    Raises:
        InvalidSetting: naming the setting and why, e.g. "timezone: unknown time zone 'X'".
    """
    unknown = sorted(set(changes) - set(PersonSettings.model_fields))
    if unknown:
        raise InvalidSetting(f"unknown setting(s): {', '.join(unknown)}")
    try:
        result = PersonSettings.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        name = str(error["loc"][0]) if error["loc"] else "quiet hours"
        raise InvalidSetting(f"{name}: {str(error['msg']).removeprefix('Value error, ')}") from None
    bad = sorted(set(result.topics) - known_topics)
    if bad:
        raise InvalidSetting(f"topics: unknown topic(s) {', '.join(bad)}")
    return result
