"""Typed times of day -> AMAZON.TIME values ("21:00", "EV"), as Alexa resolves spoken ones."""

from __future__ import annotations

import re

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "thirty": 30,
    "forty five": 45,
    "forty-five": 45,
}
_PERIODS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI"}
_FIXED = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
_PATTERN = re.compile(
    r"^(?:(?P<half>half past|quarter past|quarter to) )?(?P<hour>\d{1,2}|[a-z]+)"
    r"(?:(?::| )(?P<minute>\d{2}|fifteen|thirty|forty[ -]five))?"
    r"(?: o'?clock)?(?: ?(?P<ampm>a ?m|p ?m|in the morning|in the evening|at night|tonight))?$"
)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUMBERS.get(word)


def spoken_time(text: str) -> str | None:
    said = " ".join(text.lower().replace(".", "").split())
    said = re.sub(r"^(the )?", "", said)
    if said in _FIXED:
        return _FIXED[said]
    for word, code in _PERIODS.items():
        if said in (word, f"in the {word}", f"at {word}", f"this {word}", f"every {word}"):
            return code
    m = _PATTERN.match(said)
    if not m:
        return None
    hour = _number(m.group("hour"))
    minute = _number(m.group("minute")) if m.group("minute") else 0
    if hour is None or minute is None or minute > 59:
        return None
    if m.group("half"):
        offset = {"half past": 30, "quarter past": 15, "quarter to": -15}[m.group("half")]
        hour, minute = (hour - 1, 45) if offset < 0 else (hour, offset)
    ampm = (m.group("ampm") or "").replace(" ", "")
    if ampm in ("pm", "intheevening", "atnight", "tonight") and hour < 12:
        hour += 12
    elif ampm in ("am", "inthemorning") and hour == 12:
        hour = 0
    if not 0 <= hour <= 23:
        return None
    return f"{hour:02d}:{minute:02d}"
