"""Guessing the terminal user's time zone, so streak days follow their local day."""

from __future__ import annotations

import os
from pathlib import Path

from interviewprep.config import Settings, check_timezone


def guess_local_zone(settings: Settings) -> str:
    """``$TZ`` if it is an IANA name, else the ``/etc/localtime`` link, else the default."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if not name:
            continue
        try:
            check_timezone(name)
        except ValueError:
            continue
        return name
    return settings.default_timezone
