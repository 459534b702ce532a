"""What a household can ask for, independent of how it was said (voice, typed chat, tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from skill.engine.reply import EffectResult


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
    GRATITUDE = "gratitude"  # tonight's gratitude prompt
    REMIND = "remind"  # set (or change) the nightly reminder
    CANCEL_REMINDER = "cancel_reminder"
    WHEN_REMINDER = "when_reminder"
    PERMISSION = "permission"  # the answer to a voice permission request (Connections.Response)
    EFFECT_DONE = "effect_done"  # the outcome of an Effect the conversation carried out


@dataclass(frozen=True)
class Event:
    act: Act
    exercise: str | None = None  # START: resolved exercise id, None when unknown or missing
    heard: str = ""  # START/CHOOSE: what was said when it could not be resolved (spoken back, never stored)
    names: tuple[str, ...] = ()  # NAMES
    choice: str | None = None  # CHOOSE: resolved option id
    time: str = ""  # REMIND: AMAZON.TIME value ("21:00", "EV"), empty when not given
    status: str = ""  # PERMISSION: ACCEPTED | DENIED | NOT_ANSWERED
    card_sent: bool = False  # PERMISSION: Alexa already sent a consent card (no voice consent on the device)
    reminders_granted: bool = False  # the reminders permission, as the request says
    result: EffectResult | None = None  # EFFECT_DONE
    # The household's local time, asked for only when needed (it may cost a settings API call).
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)
