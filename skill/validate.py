"""`python -m skill validate`: checks content/ and the interaction models before anyone hears them.

- content loads, and every `{placeholder}` a text uses will have a value where it is spoken;
- every speech macro the engine can ask for exists and renders, in every phrasing, to SSML that meets
  Alexa's limits (a scripted walk through every exercise and every navigation reaches each one);
- each interaction model has every intent and slot the code reads, slot values that match the
  exercise and option ids in content, enough samples, and no sample in two intents.
"""

from __future__ import annotations

import ast
import functools
import json
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from skill.content import Catalog, ContentError, Exercise, load_catalog, placeholders
from skill.engine import Act, Dialog, Event, Household, Line, handle
from skill.engine.reply import EffectResult
from skill.intents import SIMPLE_INTENTS, SLOT_INTENTS
from skill.speech import Speech, SpeechError
from skill.ssml import ssml_problems

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "interaction_model" / "interactionModels" / "custom"
ENGINE_DIR = Path(__file__).resolve().parent / "engine"
INVOCATION_NAME = "closer together"
MIN_START_SAMPLES = 15
MIN_SAMPLES = 8
T = TypeVar("T")


class _Cycle(random.Random):
    """A 'random' source that walks through every phrasing in turn, so validation renders them all."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        self.offset += 1
        return seq[self.offset % len(seq)]


# --- content ---------------------------------------------------------------------------------------
def check_placeholders(cat: Catalog) -> list[str]:
    errors = []
    people = {"partner", "other"}
    for ex in cat.exercises.values():
        for n, step in enumerate(ex.steps, 1):
            allowed = set(people)
            if step.kind == "bank":
                items = cat.banks[step.bank]
                allowed |= set.intersection(*(set(i.fields) for i in items))
            if step.kind == "close":
                allowed |= {"plan"} if step.plans else set()
            texts = [*step.say, step.help]
            for text in texts:
                if unknown := placeholders(text) - allowed:
                    errors.append(f"{ex.id} step {n}: unknown placeholder(s) {sorted(unknown)} in {text[:50]!r}")
            if step.kind == "close" and step.plans and "plan" not in set().union(*(placeholders(t) for t in step.say)):
                errors.append(f"{ex.id} step {n}: has plans but its text never says {{plan}}")
            choose = ex.choose_step
            persons = {f"{o}_person" for o in choose.options} if choose else set()
            for key, plan in step.plans.items():
                if unknown := placeholders(plan) - people - persons:
                    errors.append(f"{ex.id} plan {key}: unknown placeholder(s) {sorted(unknown)}")
            for option in step.options.values():
                if unknown := placeholders(option.heard) - people:
                    errors.append(f"{ex.id} option {option.id}: unknown placeholder(s) {sorted(unknown)}")
            if step.kind == "close" and step.plans and choose:
                wanted = {"unknown"} | {"+".join(sorted({a, b})) for a in choose.options for b in choose.options}
                if missing := wanted - set(step.plans):
                    errors.append(f"{ex.id}: plans missing for {sorted(missing)}")
    return errors


def engine_line_keys() -> set[str]:
    """Every `Line("key", ...)` the engine can produce, read from its source."""
    keys = set()
    for path in ENGINE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Line" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
    keys |= {"not_saved", "forget_failed", "error"}  # said by the conversation layer
    keys |= {"another_prompt", "forget_prompt", "resume_prompt", "didnt_catch", "help_question", "again"}  # _reask
    keys |= {"gratitude_prompt", "reminder_permission", "reminder_permission_again", "reminder_text"}
    keys |= {"reminder_too_many", "reminder_busy", "reminder_unreachable", "reminder_unavailable"}
    return keys


def _walk_exercise(cat: Catalog, ex: Exercise, names: bool) -> Iterator[tuple[Act, Any]]:
    """Events that take a household through `ex` using every navigation on the way."""
    yield Act.LAUNCH, None
    if names:
        yield Act.NAMES, ("alex", "sam")
        yield Act.NAMES, ("alex",)
    yield Act.START, ex.id
    for step in ex.steps[:-1]:
        for act in (Act.HELP, Act.REPEAT, Act.FALLBACK, Act.LIST):
            yield act, None
        if step.kind == "choose":
            yield Act.CHOOSE, "not-an-option"
            for option in step.options:
                yield Act.CHOOSE, option
            yield Act.PREVIOUS, None
            yield Act.PREVIOUS, None
            continue
        if step.kind == "bank":
            yield Act.SKIP, None
            for _ in range(step.count - 1):
                yield Act.NEXT, None
            yield Act.PREVIOUS, None
        yield Act.NO, None
        yield Act.YES, None


_AFTER = [
    (Act.START, "asking"),
    (Act.NEXT, None),
    (Act.HOME, None),
    (Act.HELP, None),
    (Act.START, "asking"),
    (Act.HOME, None),
    (Act.RESUME, None),
    (Act.YES, None),
    (Act.NO, None),
    (Act.PREVIOUS, None),
    (Act.START, "nope"),
    (Act.START, None),
    (Act.CHOOSE, "calm"),
    (Act.RESUME, None),
    (Act.START_OVER, None),
    (Act.START, "deep_questions"),
    (Act.START, "deep_questions"),
    (Act.PREVIOUS, None),
    (Act.STOP, None),
    (Act.LAUNCH, None),
    (Act.FALLBACK, None),
    (Act.HELP, None),
    (Act.REPEAT, None),
    (Act.NO, None),
    (Act.HOME, None),
    (Act.START, "asking"),
    (Act.PAUSE, None),
    (Act.HOME, None),
    (Act.START_OVER, None),
    (Act.FORGET, None),
    (Act.NO, None),
    (Act.FORGET, None),
    (Act.YES, None),
    (Act.PAUSE, None),
    (Act.LAUNCH, None),
    (Act.YES, None),
    (Act.YES, None),
    (Act.NEXT, None),
    (Act.SUPPORT, None),
    (Act.RESUME, None),
    (Act.START_OVER, None),
    (Act.STOP, None),
    (Act.NEXT, None),
    (Act.LAUNCH, None),
    (Act.NO, None),
]


# Reminders and gratitude: every answer the APIs and the permission request can give.
_GRANTED = {"reminders_granted": True}
_REMINDERS: list[tuple[Act, Any]] = [
    (Act.GRATITUDE, None),
    (Act.GRATITUDE, None),
    (Act.WHEN_REMINDER, None),
    (Act.CANCEL_REMINDER, None),
    (Act.REMIND, {}),
    (Act.REMIND, {"time": "25:99"}),
    (Act.REMIND, {"time": "21:00"}),
    (Act.PERMISSION, {"status": "ACCEPTED", "result": EffectResult("set_reminder", ok=True, token="t1", tz="UTC")}),
    (Act.WHEN_REMINDER, None),
    (Act.REMIND, {"time": "EV", **_GRANTED, "result": EffectResult("set_reminder", ok=True, token="t2", tz="UTC")}),
    (Act.REMIND, {"time": "NI", **_GRANTED, "result": EffectResult("set_reminder", ok=False, status=401)}),
    (Act.PERMISSION, {"status": "DENIED"}),
    (Act.PERMISSION, {"status": "NOT_ANSWERED", "card_sent": True}),
    (Act.PERMISSION, {"status": "ACCEPTED"}),
    *[
        (Act.REMIND, {"time": "07:30", **_GRANTED, "result": EffectResult("set_reminder", ok=False, status=code)})
        for code in (403, 429, 500, None)
    ],
    *[
        (Act.CANCEL_REMINDER, {"result": EffectResult("delete_reminder", ok=False, status=code)})
        for code in (429, None)
    ],
    (Act.CANCEL_REMINDER, {"result": EffectResult("delete_reminder", ok=True)}),
    (Act.CANCEL_REMINDER, None),
]


def _event(act: Act, arg: Any) -> Event:
    if isinstance(arg, dict):
        return Event(act, **{k: v for k, v in arg.items() if k != "result"})
    if act is Act.NAMES:
        return Event(act, names=tuple(arg))
    if act is Act.START:
        return Event(act, exercise=arg, heard=arg or "")
    if act is Act.CHOOSE:
        return Event(act, choice=arg, heard=arg or "")
    return Event(act)


def check_speech(cat: Catalog) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for offset in range(3):  # three passes: every phrasing of up to three variants is rendered
        rng = _Cycle(offset)
        speech = Speech(cat, rng)
        for ex in cat.exercises.values():
            for names in (True, False):
                hh, dialog = Household(), Dialog()
                if offset == 2:  # every bank item heard: the next draw starts the bank over
                    hh.heard = {b: [i.id for i in items] for b, items in cat.banks.items()}
                # By day with names, in the evening without: both endings of an exercise are heard.
                at = datetime(2026, 11, 21, 12 if names else 21, tzinfo=UTC)
                script = list(_walk_exercise(cat, ex, names)) + [(Act.NEXT, None)] * 8 + [(Act.YES, None)] + _AFTER
                for act, arg in script + _REMINDERS:
                    event = replace(_event(act, arg), clock=functools.partial(lambda t: t, at))
                    out = handle(cat, hh, dialog, event, rng)
                    if out.reply.effect is not None:
                        result = arg["result"]
                        out = handle(
                            cat, out.household, out.dialog, replace(event, act=Act.EFFECT_DONE, result=result), rng
                        )
                    hh, dialog = out.household, out.dialog
                    reply = out.reply
                    for part in (reply.say, reply.reprompt, (reply.card,) if reply.card else ()):
                        if not part:
                            continue
                        seen.update(line.key for line in part)
                        errors += _render(speech, list(part), f"{ex.id}/{act}")
                    if reply.forget:
                        hh = Household()
        lines = [Line("reminder_text", {"prompt": "What made you smile today?"})]
        lines += [Line(key) for key in ("not_saved", "forget_failed", "error")]
        for line in lines:  # said by the conversation layer, not the engine
            errors += _render(speech, [line], line.key)
            seen.add(line.key)
    macros = {name for name in dir(Speech(cat).macros) if not name.startswith("_")} - {"names_suffix"}
    for key in sorted(engine_line_keys() - macros):
        errors.append(f"speech.ssml.j2: no macro {key!r}, which the engine uses")
    for key in sorted(engine_line_keys() - seen):
        errors.append(f"validation walk never reached speech {key!r}: extend skill/validate.py")
    return sorted(set(errors))


def _render(speech: Speech, lines: list[Line], where: str) -> list[str]:
    try:
        ssml = speech.render(lines)
    except (SpeechError, ContentError, TypeError, AttributeError) as e:
        return [f"{where}: {', '.join(line.key for line in lines)}: {e}"]
    return [f"{where}: {', '.join(line.key for line in lines)}: {p}" for p in ssml_problems(ssml)]


# --- interaction models ----------------------------------------------------------------------------
def _norm(sample: str) -> str:
    return " ".join(re.sub(r"[^\w'{} ]", " ", sample.lower()).split())


def check_model(cat: Catalog, path: Path) -> list[str]:
    where = path.name
    try:
        lm = json.loads(path.read_text())["interactionModel"]["languageModel"]
    except (OSError, ValueError, KeyError) as e:
        return [f"{where}: cannot read the language model: {e}"]
    errors = []
    if lm.get("invocationName") != INVOCATION_NAME:
        errors.append(f"{where}: invocation name is {lm.get('invocationName')!r}, not {INVOCATION_NAME!r}")
    intents = {i["name"]: i for i in lm.get("intents", [])}
    types = {t["name"]: {v.get("id") for v in t.get("values", [])} for t in lm.get("types", [])}
    for name in sorted(set(SIMPLE_INTENTS) | set(SLOT_INTENTS)):
        if name not in intents:
            errors.append(f"{where}: the code handles {name}, which the model lacks")
    for name, slots in SLOT_INTENTS.items():
        declared = {s["name"]: s["type"] for s in intents.get(name, {}).get("slots", [])}
        for slot in slots:
            if slot not in declared:
                errors.append(f"{where}: {name} has no slot {slot!r}")
    start_slot = {s["name"]: s["type"] for s in intents.get("StartExerciseIntent", {}).get("slots", [])}.get("exercise")
    if start_slot and types.get(start_slot) != set(cat.exercises):
        errors.append(
            f"{where}: {start_slot} ids {sorted(types.get(start_slot) or [])} != exercises {sorted(cat.exercises)}"
        )
    style = {s["name"]: s["type"] for s in intents.get("ChooseStyleIntent", {}).get("slots", [])}.get("style")
    for ex in cat.exercises.values():
        if ex.choose_step and style and types.get(style) != set(ex.choose_step.options):
            ids, options = sorted(types.get(style) or []), sorted(ex.choose_step.options)
            errors.append(f"{where}: {style} ids {ids} != {ex.id} options {options}")
    owner: dict[str, str] = {}
    for name, intent in intents.items():
        samples = intent.get("samples", [])
        if not name.startswith("AMAZON."):
            floor = MIN_START_SAMPLES if name == "StartExerciseIntent" else MIN_SAMPLES
            if len(samples) < floor:
                errors.append(f"{where}: {name} has {len(samples)} samples, fewer than {floor}")
        for sample in samples:
            key = _norm(sample)
            if key in owner and owner[key] != name:
                errors.append(f"{where}: sample {sample!r} is in both {owner[key]} and {name}")
            elif key in owner:
                errors.append(f"{where}: sample {sample!r} is twice in {name}")
            owner[key] = name
            for slot in re.findall(r"\{(\w+)\}", sample):
                if slot not in {s["name"] for s in intent.get("slots", [])}:
                    errors.append(f"{where}: {name} sample {sample!r} uses undeclared slot {slot}")
    return errors


def run(content_dir: Path = ROOT / "content", models_dir: Path = MODELS_DIR) -> list[str]:
    try:
        cat = load_catalog(content_dir)
    except ContentError as e:
        return [f"content: {e}"]
    errors = check_placeholders(cat) + check_speech(cat)
    models = sorted(models_dir.glob("*.json"))
    if not models:
        errors.append(f"no interaction models in {models_dir}")
    for path in models:
        errors += check_model(cat, path)
    return errors


def main() -> int:
    errors = run()
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s) found", file=sys.stderr)
        return 1
    print("content and interaction models are valid")
    return 0
