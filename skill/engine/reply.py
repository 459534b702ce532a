"""What the engine wants said: speech keys with data, rendered later by `skill.speech`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One piece of speech: `key` names a macro in content/templates/speech.ssml.j2."""

    key: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    say: tuple[Line, ...]
    reprompt: tuple[Line, ...] = ()  # required whenever the session stays open
    end_session: bool = False
    card: Line | None = None  # a card for the Alexa app (plain text), when one helps
    forget: bool = False  # the household asked for its record to be deleted

    def __post_init__(self) -> None:
        if not self.end_session and not self.reprompt:
            raise ValueError("a reply that keeps the session open needs a reprompt")
