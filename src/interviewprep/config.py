"""Settings from the environment (prefix ``INTERVIEWPREP_``) and an optional ``.env``.

Settings are built at start-up by :func:`load_settings`, never at import, so tests and
tools can pass their own. A bad value stops start-up with one line naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "INTERVIEWPREP_"


def default_data_dir() -> Path:
    """The per-user data folder, e.g. ``~/.local/share/interviewprep``."""
    return Path(platformdirs.user_data_dir("interviewprep", appauthor=False))


def default_database_url() -> str:
    """A SQLite file in the user data folder: works with no setup."""
    return f"sqlite:///{default_data_dir() / 'interviewprep.db'}"


class Settings(BaseSettings):
    """Everything the bots and the CLI read from the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    pack_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="Extra pack folders, separated by ':' (or ',')."
    )
    builtin_packs: bool = Field(
        default=True, description="Load the packs shipped with interviewprep."
    )
    default_timezone: str = "UTC"
    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    discord_token: SecretStr | None = None
    fuzz_intervals: bool = True
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(
                "not a database URL (e.g. sqlite:///path.db or postgresql://...)"
            ) from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}; use sqlite or postgresql"
            )
        return value

    @field_validator("pack_dirs", mode="before")
    @classmethod
    def _split_dirs(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace(",", ":").split(":")
            return [Path(p).expanduser() for p in parts if p.strip()]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _valid_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    # --- Telegram webhook (adapters/telegram) --------------------------------------------
    # Polling unless TELEGRAM_WEBHOOK_URL is set. Telegram posts updates to that public URL
    # (HTTPS; plain HTTP only to a self-hosted Bot API server); the bot listens on
    # LISTEN:PORT (usually behind a reverse proxy) and checks SECRET, which Telegram sends
    # in the X-Telegram-Bot-Api-Secret-Token header. The secret is required with a URL.
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443
    telegram_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("telegram_webhook_url")
    @classmethod
    def _valid_webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")) or len(value) > 512:
            raise ValueError("use the public https:// URL Telegram should post updates to")
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _valid_webhook_secret(cls, value: SecretStr | None, info: object) -> SecretStr | None:
        secret = value.get_secret_value() if value is not None else ""
        if not secret:
            if getattr(info, "data", {}).get("telegram_webhook_url"):
                raise ValueError("required when INTERVIEWPREP_TELEGRAM_WEBHOOK_URL is set")
            return None
        allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        if not 16 <= len(secret) <= 256 or not set(secret) <= allowed:
            raise ValueError("use 16-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    # --- end of the Telegram webhook block -----------------------------------------------


def check_timezone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name such as ``Europe/Berlin``.

    Raises:
        ValueError: the name is not a known time zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from exc


class ConfigError(Exception):
    """Start-up configuration is invalid; the message is one line per bad variable."""


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment.

    Raises:
        ConfigError: naming each bad variable, e.g.
            ``INTERVIEWPREP_DEFAULT_TIMEZONE: unknown time zone 'Mars/Base'``.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors(include_url=False, include_input=False):
            name = ENV_PREFIX + "_".join(str(p) for p in error["loc"][:1]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise ConfigError("\n".join(lines)) from None
