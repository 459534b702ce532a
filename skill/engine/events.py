"""What a household can ask for, independent of how it was said (voice, typed chat, tests)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Act(StrEnum):
    LAUNCH = "launch"
    START = "start"  # start (or return to) an exercise
    NEXT = "next"
    PREVIOUS = "previous"
    REPEAT = "repeat"
    SKIP = "skip"
    START_OVER = "start_over"
    PAUSE = "pause"
    RESUME = "resume"
    HELP = "help"
    STOP = "stop"
    FALLBACK = "fallback"
    HOME = "home"
    YES = "yes"
    NO = "no"
    LIST = "list"
    NAMES = "names"
    CHOOSE = "choose"
    FORGET = "forget"
    SUPPORT = "support"


@dataclass(frozen=True)
class Event:
    act: Act
    exercise: str | None = None  # START: resolved exercise id, None when unknown or missing
    heard: str = ""  # START/CHOOSE: what was said when it could not be resolved (spoken back, never stored)
    names: tuple[str, ...] = ()  # NAMES
    choice: str | None = None  # CHOOSE: resolved option id
