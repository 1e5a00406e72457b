"""Time zones for onboarding: a guess from the language code, cities, UTC offsets.

Telegram tells a bot the user's interface language (``language_code``), never their
location or time zone. The language is a hint only: the guess is always shown for
confirmation, with a list of cities and whole-hour UTC offsets to pick from instead.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from interviewprep.domain.clock import as_utc

# Language (or language-region) -> the most likely zone. Languages spoken across many
# zones (English, Spanish, Arabic...) map to their largest single-zone population or
# to nothing, in which case the deployment's default time zone is offered.
_BY_LANGUAGE = {
    "en-gb": "Europe/London",
    "en-ie": "Europe/Dublin",
    "en-in": "Asia/Kolkata",
    "en-au": "Australia/Sydney",
    "en-nz": "Pacific/Auckland",
    "en-za": "Africa/Johannesburg",
    "en-us": "America/New_York",
    "en-ca": "America/Toronto",
    "de": "Europe/Berlin",
    "de-at": "Europe/Vienna",
    "de-ch": "Europe/Zurich",
    "fr": "Europe/Paris",
    "fr-ca": "America/Toronto",
    "es": "Europe/Madrid",
    "es-mx": "America/Mexico_City",
    "es-ar": "America/Argentina/Buenos_Aires",
    "it": "Europe/Rome",
    "pt": "Europe/Lisbon",
    "pt-br": "America/Sao_Paulo",
    "nl": "Europe/Amsterdam",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "el": "Europe/Athens",
    "sv": "Europe/Stockholm",
    "nb": "Europe/Oslo",
    "no": "Europe/Oslo",
    "da": "Europe/Copenhagen",
    "fi": "Europe/Helsinki",
    "et": "Europe/Tallinn",
    "lv": "Europe/Riga",
    "lt": "Europe/Vilnius",
    "uk": "Europe/Kyiv",
    "be": "Europe/Minsk",
    "ru": "Europe/Moscow",
    "tr": "Europe/Istanbul",
    "he": "Asia/Jerusalem",
    "fa": "Asia/Tehran",
    "hi": "Asia/Kolkata",
    "bn": "Asia/Dhaka",
    "ur": "Asia/Karachi",
    "id": "Asia/Jakarta",
    "ms": "Asia/Kuala_Lumpur",
    "th": "Asia/Bangkok",
    "vi": "Asia/Ho_Chi_Minh",
    "zh": "Asia/Shanghai",
    "zh-hans": "Asia/Shanghai",
    "zh-hant": "Asia/Taipei",
    "zh-tw": "Asia/Taipei",
    "zh-hk": "Asia/Hong_Kong",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "kk": "Asia/Almaty",
    "uz": "Asia/Tashkent",
    "ka": "Asia/Tbilisi",
    "hy": "Asia/Yerevan",
    "az": "Asia/Baku",
}

# Cities offered as buttons, west to east: (label, IANA zone).
CITIES: tuple[tuple[str, str], ...] = (
    ("Los Angeles", "America/Los_Angeles"),
    ("Denver", "America/Denver"),
    ("Chicago", "America/Chicago"),
    ("New York", "America/New_York"),
    ("São Paulo", "America/Sao_Paulo"),
    ("London", "Europe/London"),
    ("Lisbon", "Europe/Lisbon"),
    ("Berlin", "Europe/Berlin"),
    ("Paris", "Europe/Paris"),
    ("Madrid", "Europe/Madrid"),
    ("Warsaw", "Europe/Warsaw"),
    ("Kyiv", "Europe/Kyiv"),
    ("Istanbul", "Europe/Istanbul"),
    ("Moscow", "Europe/Moscow"),
    ("Dubai", "Asia/Dubai"),
    ("Tehran", "Asia/Tehran"),
    ("Karachi", "Asia/Karachi"),
    ("India", "Asia/Kolkata"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Dhaka", "Asia/Dhaka"),
    ("Bangkok", "Asia/Bangkok"),
    ("Singapore", "Asia/Singapore"),
    ("Shanghai", "Asia/Shanghai"),
    ("Tokyo", "Asia/Tokyo"),
    ("Adelaide", "Australia/Adelaide"),
    ("Sydney", "Australia/Sydney"),
    ("Auckland", "Pacific/Auckland"),
)

# Whole-hour offsets as fixed zones. Note the POSIX sign: Etc/GMT-3 is UTC+3.
OFFSETS: tuple[int, ...] = tuple(range(-12, 15))

_OFFSET_TEXT = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def offset_zone(hours: int) -> str:
    """The fixed zone for a whole-hour UTC offset, e.g. 3 -> ``Etc/GMT-3`` (UTC+3).

    Raises:
        ValueError: outside -12..+14.
    """
    if hours not in OFFSETS:
        raise ValueError(f"UTC offsets run from -12 to +14, not {hours:+d}")
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{-hours:+d}"


def guess(language_code: str | None, default: str) -> str:
    """The zone suggested for a Telegram ``language_code`` (``de``, ``pt-br``...)."""
    if not language_code:
        return default
    code = language_code.strip().lower().replace("_", "-")
    return _BY_LANGUAGE.get(code) or _BY_LANGUAGE.get(code.split("-")[0]) or default


def describe(zone: str, now: datetime) -> str:
    """A zone with its current offset and local time: ``Europe/Berlin (UTC+01:00, 10:00)``."""
    local = as_utc(now).astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    label = zone
    if zone.startswith("Etc/GMT"):
        label = "fixed offset"
    return f"{label} (UTC{offset[:3]}:{offset[3:]}, now {local:%H:%M})"


def parse(text: str) -> str | None:
    """Read a typed time zone: an IANA name, a city from :data:`CITIES`, or ``UTC+3``.

    Returns None when nothing matches.
    """
    value = text.strip()
    if not value or len(value) > 64:
        return None
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    match = _OFFSET_TEXT.match(value)
    if match:
        hours = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
        minutes = int(match.group(3) or 0)
        if minutes == 0 and hours in OFFSETS:
            return offset_zone(hours)
        for _label, zone in CITIES:  # half-hour offsets: pick a city on that offset
            delta = datetime(2026, 1, 15, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
            if (
                delta is not None
                and delta.total_seconds()
                == (hours * 60 + (minutes if hours >= 0 else -minutes)) * 60
            ):
                return zone
        return None
    folded = value.casefold().replace(" ", "_")
    for label, zone in CITIES:
        if folded in {label.casefold().replace(" ", "_"), zone.casefold()}:
            return zone
    for zone in _ZONES_BY_FOLD.get(folded, ()):
        return zone
    return None


def _fold_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for zone in sorted(available_timezones()):
        index.setdefault(zone.casefold(), []).append(zone)
        city = zone.rsplit("/", 1)[-1].casefold()
        if "/" in zone and not zone.startswith("Etc/"):
            index.setdefault(city, []).append(zone)
    return {key: tuple(value) for key, value in index.items()}


_ZONES_BY_FOLD = _fold_index()
