"""Times of day as Alexa's AMAZON.TIME slot gives them, and as the skill says them."""

from __future__ import annotations

import re

# AMAZON.TIME resolves vague times to these codes.
_PERIODS = {"MO": (8, 0), "AF": (14, 0), "EV": (19, 0), "NI": (21, 0)}
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def parse_time(value: str | None) -> tuple[int, int] | None:
    """(hour, minute) from an AMAZON.TIME value ("21:00", "EV"); None when missing or impossible."""
    if not value:
        return None
    value = value.strip().upper()
    if value in _PERIODS:
        return _PERIODS[value]
    m = _HHMM.match(value)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def hhmm(time: tuple[int, int]) -> str:
    return f"{time[0]:02d}:{time[1]:02d}"


def spoken_time(value: str) -> str:
    """ "21:00" -> "9 PM", "07:30" -> "7:30 AM", "12:00" -> "noon", "00:00" -> "midnight"."""
    parsed = parse_time(value)
    if parsed is None:
        return value
    hour, minute = parsed
    if minute == 0 and hour == 12:
        return "noon"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "AM" if hour < 12 else "PM"
    h12 = hour % 12 or 12
    return f"{h12} {suffix}" if minute == 0 else f"{h12}:{minute:02d} {suffix}"
