"""What the engine wants said: speech keys with data, rendered later by `skill.speech`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Line:
    """One piece of speech: `key` names a macro in content/templates/speech.ssml.j2."""

    key: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Effect:
    """Something outside the engine must do before the turn can be answered (an Alexa API call).
    The conversation carries it out and hands the engine an `EffectResult` (Act.EFFECT_DONE)."""

    kind: Literal["set_reminder", "delete_reminder"]
    time: str = ""  # set_reminder: "HH:MM"
    text: str = ""  # set_reminder: what the reminder says
    token: str = ""  # the existing reminder's alertToken, if any


@dataclass(frozen=True)
class EffectResult:
    kind: str
    ok: bool
    status: int | None = None  # HTTP status of a failure; None for a timeout or unreachable API
    token: str = ""  # set_reminder: the alertToken
    tz: str = ""  # set_reminder: the time zone it was created in


@dataclass(frozen=True)
class Reply:
    say: tuple[Line, ...]
    reprompt: tuple[Line, ...] = ()  # required whenever the session stays open
    end_session: bool = False
    card: Line | None = None  # a card for the Alexa app (plain text), when one helps
    forget: bool = False  # the household asked for its record to be deleted
    effect: Effect | None = None  # carry this out, then ask the engine again with its result
    ask_permission: bool = False  # send Connections.SendRequest AskFor (reminders) with this reply
    permission_card: bool = False  # send the reminders consent card to the Alexa app

    def __post_init__(self) -> None:
        if not self.end_session and not self.reprompt and self.effect is None:
            raise ValueError("a reply that keeps the session open needs a reprompt")
