"""The household's record and the session's dialog state, as plain data.

`Household` is what the store keeps: progress per exercise, which bank items were heard, optional first
names. Nothing a couple *says* during an exercise is ever stored. `Dialog` lives only for the session
(what yes/no would answer right now) and is never persisted.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from skill.content import Catalog

MAX_NAME_LENGTH = 40


@dataclass
class Progress:
    """Where a household is inside one exercise."""

    step: int = 0  # index into the exercise's steps
    turn: int = 0  # partner turn (each/choose) or item index (bank) within the step
    items: list[str] = field(default_factory=list)  # bank steps: ids drawn this round, in order
    choices: list[str] = field(default_factory=lambda: ["", ""])  # choose steps: option id per partner

    @classmethod
    def from_dict(cls, raw: Any) -> Progress:
        if not isinstance(raw, dict):
            return cls()
        choices = raw.get("choices")
        return cls(
            step=_int(raw.get("step")),
            turn=_int(raw.get("turn")),
            items=[i for i in raw.get("items") or [] if isinstance(i, str)],
            choices=[c if isinstance(c, str) else "" for c in choices][:2] if isinstance(choices, list) else ["", ""],
        )


@dataclass
class Gratitude:
    """The nightly gratitude prompt: which one tonight, and which ones the last 30 nights."""

    night: str = ""  # ISO date of the night a prompt was last given
    prompt: str = ""  # that night's prompt id
    recent: list[str] = field(default_factory=list)  # prompt ids of recent nights, oldest first
    offered: str = ""  # the night it was last offered at the end of an exercise

    @classmethod
    def from_dict(cls, raw: Any) -> Gratitude:
        if not isinstance(raw, dict):
            return cls()
        recent = raw.get("recent")
        return cls(
            night=_str(raw.get("night")),
            prompt=_str(raw.get("prompt")),
            recent=[i for i in recent if isinstance(i, str)] if isinstance(recent, list) else [],
            offered=_str(raw.get("offered")),
        )


@dataclass
class Reminder:
    """The household's nightly reminder, as created with the Alexa Reminders API."""

    token: str  # the API's alertToken: our own record of it (get_reminders() is unreliable)
    time: str  # "HH:MM", local to `tz`
    tz: str

    @classmethod
    def from_dict(cls, raw: Any) -> Reminder | None:
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("token", "time", "tz")):
            return None
        return cls(token=raw["token"], time=raw["time"], tz=raw["tz"])


@dataclass
class Household:
    names: list[str] = field(default_factory=list)  # [] or exactly two first names
    current: str | None = None  # the exercise the household is in right now
    progress: dict[str, Progress] = field(default_factory=dict)  # unfinished exercises, oldest first
    heard: dict[str, list[str]] = field(default_factory=dict)  # bank id -> item ids already heard
    completed: dict[str, int] = field(default_factory=dict)  # exercise id -> times finished
    welcomed: bool = False  # heard the first-time welcome (and the not-a-therapist note)
    gratitude: Gratitude = field(default_factory=Gratitude)
    reminder: Reminder | None = None
    pending_reminder: str = ""  # "HH:MM" asked for while waiting for the reminders permission

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> Household:
        """Reads a stored record leniently: unknown or damaged fields fall back to defaults."""
        if not isinstance(raw, dict):
            return cls()
        names = raw.get("names")
        progress = raw.get("progress")
        heard = raw.get("heard")
        completed = raw.get("completed")
        return cls(
            names=[n for n in names if isinstance(n, str)][:2] if isinstance(names, list) else [],
            current=raw.get("current") if isinstance(raw.get("current"), str) else None,
            progress={k: Progress.from_dict(v) for k, v in progress.items()} if isinstance(progress, dict) else {},
            heard={k: [i for i in v if isinstance(i, str)] for k, v in heard.items() if isinstance(v, list)}
            if isinstance(heard, dict)
            else {},
            completed={k: _int(v) for k, v in completed.items()} if isinstance(completed, dict) else {},
            welcomed=bool(raw.get("welcomed", False)),
            gratitude=Gratitude.from_dict(raw.get("gratitude")),
            reminder=Reminder.from_dict(raw.get("reminder")),
            pending_reminder=_str(raw.get("pending_reminder")),
        )

    def copy(self) -> Household:
        return copy.deepcopy(self)

    def fit_to(self, catalog: Catalog) -> Household:
        """Drops or clamps what no longer matches the content (an exercise removed or shortened after
        a deploy), so an old record can never crash a turn."""
        fitted = self.copy()
        fitted.progress = {}
        for ex_id, saved in self.progress.items():
            ex = catalog.exercises.get(ex_id)
            if ex is None:
                continue
            p = copy.deepcopy(saved)
            p.step = min(max(p.step, 0), len(ex.steps) - 2)  # never resume *on* the close step
            p.turn = min(max(p.turn, 0), ex.steps[p.step].turns - 1)
            p.choices = (p.choices + ["", ""])[:2]
            fitted.progress[ex_id] = p
        if fitted.current not in fitted.progress:
            fitted.current = None
        if len(fitted.names) != 2:
            fitted.names = []
        return fitted


@dataclass
class Dialog:
    """Session-only: the question the skill just asked, which a bare yes or no answers."""

    expect: str | None = None  # "resume" | "forget" | "another" | "gratitude" | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any) -> Dialog:
        expect = raw.get("expect") if isinstance(raw, dict) else None
        return cls(expect=expect if isinstance(expect, str) else None)


def clean_name(name: str) -> str:
    """A spoken first name as we keep it: trimmed, capitalised, bounded."""
    return " ".join(name.split())[:MAX_NAME_LENGTH].title()


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    # DynamoDB hands numbers back as Decimal; anything unusable reads as 0.
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
