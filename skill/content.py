"""Loads `content/` (TOML data) into an immutable, typed catalogue.

The catalogue is the only thing the engine knows about exercises: adding a question, a note idea or a
whole exercise is an edit under `content/`, never a code change. Loading is strict: a malformed file
raises `ContentError` with the file and the problem, so `python -m skill validate` (and a cold start)
fails loudly instead of a couple hearing half an exercise.
"""

from __future__ import annotations

import pickle
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

StepKind = Literal["talk", "each", "choose", "bank", "close"]
STEP_KINDS: tuple[StepKind, ...] = ("talk", "each", "choose", "bank", "close")
# Steps that take one turn per partner; the others take one turn in all (bank: one per item).
PARTNER_STEPS = frozenset({"each", "choose"})


class ContentError(ValueError):
    """The content folder is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Option:
    """One answer of a `choose` step (e.g. "calm" in the conflict exercise)."""

    id: str
    label: str
    heard: str


@dataclass(frozen=True)
class Step:
    kind: StepKind
    say: tuple[str, ...]  # phrasings; one is picked per rendering
    help: str = ""
    bank: str = ""  # bank steps: which bank to draw from
    count: int = 0  # bank steps: items per round
    options: Mapping[str, Option] = field(default_factory=dict)  # choose steps
    question: str = ""  # choose steps: the short re-ask
    plans: Mapping[str, str] = field(default_factory=dict)  # close steps: summaries by choices

    @property
    def turns(self) -> int:
        """How many turns the step takes before "next" moves on (bank steps: items per round)."""
        if self.kind in PARTNER_STEPS:
            return 2
        if self.kind == "bank":
            return self.count
        return 1


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str  # short spoken name, as a couple would say it ("deep questions")
    title: str
    summary: str
    steps: tuple[Step, ...]

    @property
    def choose_step(self) -> Step | None:
        return next((s for s in self.steps if s.kind == "choose"), None)


@dataclass(frozen=True)
class BankItem:
    id: str
    fields: Mapping[str, str]  # placeholder name -> text, e.g. {"question": "..."}


@dataclass(frozen=True)
class Catalog:
    exercises: Mapping[str, Exercise]  # in menu order
    banks: Mapping[str, tuple[BankItem, ...]]
    phrases: Mapping[str, tuple[str, ...]]
    root: Path

    def phrase(self, key: str) -> tuple[str, ...]:
        try:
            return self.phrases[key]
        except KeyError:
            raise ContentError(f"phrases.toml: no phrase {key!r}") from None


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders a content text uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _variants(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: expected a non-empty string or list of strings")
    return tuple(" ".join(v.split()) for v in value)  # TOML line continuations leave runs of spaces


def _text(table: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = table.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContentError(f"{where}: {key!r} must be a non-empty string")
    return " ".join(value.split())


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib  # a Lambda cold start reads the precompiled catalogue instead (COMPILED_CATALOG)

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ContentError(f"{path.name}: {e}") from e


def _step(raw: Mapping[str, Any], where: str) -> Step:
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise ContentError(f"{where}: kind must be one of {', '.join(STEP_KINDS)}, not {kind!r}")
    step = Step(kind=kind, say=_variants(raw.get("say"), f"{where}.say"), help=_text(raw, "help", where, False))
    if kind == "bank":
        count = raw.get("count")
        if not isinstance(count, int) or count < 1:
            raise ContentError(f"{where}: bank steps need a positive 'count'")
        return Step(**{**step.__dict__, "bank": _text(raw, "bank", where), "count": count})
    if kind == "choose":
        options_raw = raw.get("options")
        if not isinstance(options_raw, dict) or len(options_raw) < 2:
            raise ContentError(f"{where}: choose steps need at least two [options]")
        options = {
            oid: Option(oid, _text(o, "label", f"{where}.options.{oid}"), _text(o, "heard", f"{where}.options.{oid}"))
            for oid, o in options_raw.items()
        }
        return Step(**{**step.__dict__, "options": options, "question": _text(raw, "question", where)})
    if kind == "close" and "plans" in raw:
        plans = {k: _text(raw["plans"], k, f"{where}.plans") for k in raw["plans"]}
        return Step(**{**step.__dict__, "plans": plans})
    return step


def _exercise(path: Path) -> Exercise:
    data = _load_toml(path)
    where = path.name
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ContentError(f"{where}: an exercise needs [[steps]]")
    steps = tuple(_step(s, f"{where} step {i + 1}") for i, s in enumerate(steps_raw))
    if len(steps) < 2 or steps[-1].kind != "close" or any(s.kind == "close" for s in steps[:-1]):
        raise ContentError(f"{where}: needs at least one step, then a close step last (and only last)")
    return Exercise(
        id=_text(data, "id", where),
        name=_text(data, "name", where),
        title=_text(data, "title", where),
        summary=_text(data, "summary", where),
        steps=steps,
    )


def _bank(path: Path) -> tuple[BankItem, ...]:
    items_raw = _load_toml(path).get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise ContentError(f"{path.name}: a bank needs [[items]]")
    items: list[BankItem] = []
    for i, raw in enumerate(items_raw):
        where = f"{path.name} item {i + 1}"
        fields = {k: _text(raw, k, where) for k, v in raw.items() if k not in ("id", "source")}
        items.append(BankItem(id=_text(raw, "id", where), fields=fields))
    ids = [item.id for item in items]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ContentError(f"{path.name}: duplicate ids {', '.join(dupes)}")
    return tuple(items)


def load_catalog(root: Path = CONTENT_DIR) -> Catalog:
    exercises = [_exercise(p) for p in sorted((root / "exercises").glob("*.toml"))]
    by_id = {e.id: e for e in exercises}
    if len(by_id) != len(exercises):
        raise ContentError("exercises: two exercises share an id")
    banks = {p.stem: _bank(p) for p in sorted((root / "banks").glob("*.toml"))}
    for e in exercises:
        for s in e.steps:
            if s.kind == "bank" and s.bank not in banks:
                raise ContentError(f"exercise {e.id}: no bank named {s.bank!r} in content/banks")
    phrases = {k: _variants(v, f"phrases.toml {k}") for k, v in _load_toml(root / "phrases.toml").items()}
    return Catalog(exercises=by_id, banks=banks, phrases=phrases, root=root)


# The catalogue as a pickle, written by `python -m skill compile` (the Lambda build): it loads in
# about a tenth of the time the TOML takes. Used only when newer than every content file, so an edit
# is never shadowed by a stale compilation.
COMPILED_CATALOG = "_catalog.pickle"


def compile_catalog(catalog: Catalog) -> None:
    """Writes the catalogue where `load_compiled_catalog` looks for it (see COMPILED_CATALOG)."""
    (catalog.root / COMPILED_CATALOG).write_bytes(pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL))


def compiled_is_fresh(compiled: Iterable[Path], sources: Iterable[Path]) -> bool:
    """Whether build outputs exist and none is older than a source, so that an edit made after the
    build is never shadowed by a stale compilation. (Files' times, not folders': a zip keeps only those.)"""
    built = [p.stat().st_mtime for p in compiled]
    return bool(built) and min(built) >= max((p.stat().st_mtime for p in sources), default=0)


def load_compiled_catalog(root: Path = CONTENT_DIR) -> Catalog:
    """The precompiled catalogue when it is fresh, otherwise `load_catalog(root)`."""
    compiled = root / COMPILED_CATALOG
    if compiled_is_fresh([compiled] if compiled.exists() else [], [*root.glob("*.toml"), *root.glob("*/*.toml")]):
        catalog = pickle.loads(compiled.read_bytes())  # our own build output, shipped with the code
        if isinstance(catalog, Catalog):
            # Pickled at build time, where content/ was elsewhere (the artifact moves to /var/task).
            return replace(catalog, root=root)
    return load_catalog(root)


@cache
def default_catalog() -> Catalog:
    """The shipped content, loaded once per process (a Lambda container keeps it warm)."""
    return load_compiled_catalog()
