"""Typed text -> intent and slots, using the interaction model's own samples and slot values.

A stand-in for Alexa's NLU, good enough to drive the skill from a terminal or a script: exact and
slot-pattern matches on the model's samples first, then fuzzy matching (rapidfuzz) against the samples
with each custom slot value filled in, then the usual phrases for the built-in intents. Anything else
goes to AMAZON.FallbackIntent, as on a device.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from skill.chat.spoken_time import spoken_time

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_model" / "interactionModels" / "custom" / "en-US.json"
FUZZY_CUTOFF = 86  # rapidfuzz ratio (0-100); below this a phrase is not taken as a near-miss

# What people say for built-in intents the model gives no samples for (Alexa knows these itself).
BUILTIN_PHRASES: dict[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": (
        "help",
        "help me",
        "help us",
        "what do i do",
        "what can i say",
        "i'm confused",
        "how does this work",
    ),
    "AMAZON.StopIntent": ("stop", "quit", "exit", "goodbye", "bye", "that's all", "we're finished for now", "shut up"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.NavigateHomeIntent": ("menu", "main menu", "go home", "home", "go to the menu", "back to the menu"),
    "AMAZON.PreviousIntent": ("back", "go back", "previous", "previous one", "the last one", "go back one"),
    "AMAZON.RepeatIntent": (
        "repeat",
        "repeat that",
        "say that again",
        "again",
        "pardon",
        "what did you say",
        "come again",
    ),
    "AMAZON.StartOverIntent": (
        "start over",
        "restart",
        "begin again",
        "start again",
        "from the beginning",
        "start from the beginning",
    ),
    "AMAZON.PauseIntent": ("pause", "hold on", "wait a minute", "give us a minute"),
    "AMAZON.ResumeIntent": ("resume", "unpause"),
    "AMAZON.YesIntent": (
        "yes",
        "yeah",
        "yep",
        "sure",
        "ok",
        "okay",
        "yes please",
        "please do",
        "of course",
        "absolutely",
        "let's do it",
    ),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you", "not now", "not really", "nah"),
    "AMAZON.NextIntent": (
        "next",
        "next one",
        "continue",
        "go on",
        "move on",
        "next question",
        "next step",
        "done",
        "we're done",
    ),
}
_WAKE = re.compile(r"^(alexa\s*,?\s*)?((ask|tell)\s+closer together\s+(to\s+|for\s+)?)", re.I)
_OPEN = re.compile(r"^(alexa\s*,?\s*)?(open|launch|start)\s+closer together$", re.I)


def normalize(text: str) -> str:
    text = text.lower().replace("\u2019", "'")  # typographic apostrophe, as phones type it
    text = re.sub(r"[^\w'\s]", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class SlotFill:
    value: str
    type: str
    id: str | None = None  # entity id when the value matched a custom slot value
    canonical: str | None = None


@dataclass(frozen=True)
class Parsed:
    intent: str
    slots: dict[str, SlotFill] = field(default_factory=dict)


@dataclass(frozen=True)
class Utterance:
    """What a typed line means: open the skill, a one-shot ("ask closer together to ..."), or a turn."""

    kind: str  # "launch" | "intent"
    parsed: Parsed | None = None
    one_shot: bool = False


@dataclass(frozen=True)
class _Sample:
    intent: str
    text: str
    pattern: re.Pattern[str]
    slots: tuple[str, ...]
    literal: int  # characters outside slots: more is a more specific match


class ModelNLU:
    def __init__(self, model: dict[str, Any]) -> None:
        lm = model["interactionModel"]["languageModel"]
        self.invocation = lm["invocationName"]
        # slot type -> [(normalized phrase, id, canonical)]
        self.values: dict[str, list[tuple[str, str, str]]] = {}
        for t in lm.get("types", []):
            rows = []
            for v in t["values"]:
                canonical = v["name"]["value"]
                for phrase in [canonical, *v["name"].get("synonyms", [])]:
                    rows.append((normalize(phrase), v.get("id") or canonical, canonical))
            self.values[t["name"]] = rows
        self.slot_types: dict[str, dict[str, str]] = {}
        self.samples: list[_Sample] = []
        fuzzy: dict[str, tuple[str, dict[str, SlotFill]]] = {}
        for intent in lm["intents"]:
            name = intent["name"]
            self.slot_types[name] = {s["name"]: s["type"] for s in intent.get("slots", [])}
            phrases = list(intent.get("samples", [])) + list(BUILTIN_PHRASES.get(name, ()))
            for sample in phrases:
                self.samples.append(self._compile(name, sample))
                for text, slots in self._expand(name, self._normalize_sample(sample)):
                    fuzzy.setdefault(text, (name, slots))
        self._fuzzy_keys = list(fuzzy)
        self._fuzzy = fuzzy

    @classmethod
    def from_file(cls, path: Path = MODEL_PATH) -> ModelNLU:
        return cls(json.loads(path.read_text()))

    @staticmethod
    def _normalize_sample(sample: str) -> str:
        """Normalizes the words of a sample, keeping its `{slotName}` markers as they are."""
        parts = re.split(r"(\{\w+\})", sample)
        return " ".join(p if p.startswith("{") else normalize(p) for p in parts if p.strip())

    def _compile(self, intent: str, sample: str) -> _Sample:
        text = self._normalize_sample(sample)
        slots = tuple(re.findall(r"\{(\w+)\}", text))
        regex = re.escape(text)
        for slot in slots:
            regex = regex.replace(re.escape("{" + slot + "}"), f"(?P<{slot}>.+?)", 1)
        literal = len(re.sub(r"\{\w+\}", "", text).replace(" ", ""))
        return _Sample(intent, text, re.compile(f"^{regex}$"), slots, literal)

    def _expand(self, intent: str, sample: str) -> list[tuple[str, dict[str, SlotFill]]]:
        """The sample with every value of its (single) custom slot filled in, for fuzzy matching."""
        slots = re.findall(r"\{(\w+)\}", sample)
        if not slots:
            return [(sample, {})]
        if len(slots) > 1 or self.slot_types[intent].get(slots[0]) not in self.values:
            return []
        slot = slots[0]
        type_ = self.slot_types[intent][slot]
        return [
            (sample.replace("{" + slot + "}", phrase), {slot: SlotFill(phrase, type_, id_, canonical)})
            for phrase, id_, canonical in self.values[type_]
        ]

    def resolve(self, type_: str, value: str) -> SlotFill:
        if type_ == "AMAZON.TIME":  # Alexa sends the resolved time ("21:00") as the slot value
            return SlotFill(spoken_time(value) or "", type_)
        rows = self.values.get(type_)
        if not rows:
            return SlotFill(value, type_)  # a built-in type such as AMAZON.FirstName: no entity ids
        phrases = [r[0] for r in rows]
        best = process.extractOne(normalize(value), phrases, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return SlotFill(value, type_)
        _, id_, canonical = rows[best[2]]
        return SlotFill(value, type_, id_, canonical)

    def parse(self, text: str) -> Parsed:
        said = normalize(text)
        if not said:
            return Parsed("AMAZON.FallbackIntent")
        best: tuple[tuple[int, int], Parsed] | None = None
        for sample in self.samples:
            m = sample.pattern.match(said)
            if not m:
                continue
            fills = {s: self.resolve(self.slot_types[sample.intent][s], m.group(s)) for s in sample.slots}
            if any(f.type == "AMAZON.FirstName" and len(f.value.split()) > 1 for f in fills.values()):
                continue  # Alexa hears one-word first names; "blue cheese and thunder" is not two people
            if any(f.type == "AMAZON.TIME" and not f.value for f in fills.values()):
                continue  # not a time of day
            resolved = sum(1 for f in fills.values() if f.id or f.type not in self.values)
            score = (resolved - len(fills), sample.literal)  # fully resolved first, then most specific
            if best is None or score > best[0]:
                best = (score, Parsed(sample.intent, fills))
        if best is not None and best[0][0] == 0:
            return best[1]
        near = process.extractOne(said, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if near is not None:
            intent, slots = self._fuzzy[near[0]]
            return Parsed(intent, slots)
        # A carrier phrase with an unknown value ("start underwater basket weaving") is still that
        # intent, with an unmatched slot, as Alexa sends it; a bare unknown value is not.
        if best is not None and best[0][1] > 0:
            return best[1]
        return Parsed("AMAZON.FallbackIntent")

    def utterance(self, text: str) -> Utterance:
        """Also understands the invocation: "open closer together", "ask closer together to ..."."""
        stripped = text.strip()
        if not stripped or _OPEN.match(normalize(stripped)):
            return Utterance("launch")
        m = _WAKE.match(normalize(stripped))
        if m:
            rest = normalize(stripped)[m.end() :]
            return Utterance("intent", self.parse(rest), one_shot=True) if rest else Utterance("launch")
        return Utterance("intent", self.parse(stripped))
