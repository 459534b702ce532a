"""Turns the engine's `Line`s into SSML through Jinja2 macros over `content/`.

Escaping: every value printed into SSML goes through `ssml_escape` (Jinja's `finalize`, plus `fill` and
`phrase` for content text). It escapes only `&`, `<` and `>`: that is all well-formed SSML text needs,
and escaping apostrophes as `&#39;` is known to garble contractions in some speech pipelines. Jinja's
autoescape stays on underneath as a safety net.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, ModuleLoader, StrictUndefined
from markupsafe import Markup

from skill.content import Catalog, compiled_is_fresh
from skill.engine.reply import Line

MAX_SPEECH_CHARS = 8000  # Alexa's limit for outputSpeech
# Templates precompiled to Python modules by `python -m skill compile` (the Lambda build
# does it): parsing and compiling the Jinja source is about a third of a cold start's own work.
COMPILED_DIR = "_compiled"
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def ssml_escape(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    text = str(value)
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def spoken_list(items: Sequence[str], conjunction: str = "and") -> str:
    """["a", "b", "c"] -> "a, b, and c"."""
    items = list(items)
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return f"{', '.join(items[:-1])}, {conjunction} {items[-1]}"


def ssml_to_text(ssml: str) -> str:
    """What a listener hears, as plain text (for cards and the terminal chat)."""
    text = _TAG.sub(" ", ssml)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACES.sub(" ", text).strip()


class SpeechError(ValueError):
    """A rendering broke a platform limit (caught by `python -m skill validate` before deploys)."""


class Speech:
    """Renders lines to SSML. Build once per process: templates are compiled on first use and cached."""

    def __init__(self, catalog: Catalog, rng: random.Random | None = None, precompiled: bool = True) -> None:
        self.catalog = catalog
        self.rng = rng or random.Random()
        env = Environment(
            loader=_loader(catalog, precompiled),
            autoescape=True,
            finalize=ssml_escape,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals.update(phrase=self.phrase, fill=self.fill, spoken_list=spoken_list)
        self.env = env
        self._macros: Any = None

    @property
    def macros(self) -> Any:
        if self._macros is None:
            self._macros = self.env.get_template("speech.ssml.j2").module
        return self._macros

    def fill(
        self, variants: Sequence[str], fields: Mapping[str, Any], nested: Mapping[str, Sequence[str] | str] = {}
    ) -> Markup:
        """One phrasing of a content text, its `{placeholders}` filled with escaped values.
        `nested` values are content texts themselves, filled with the same fields first."""
        values = {k: ssml_escape(v) for k, v in fields.items()}
        for key, text in nested.items():
            values[key] = self.fill([text] if isinstance(text, str) else text, fields)
        text = self.rng.choice(list(variants))
        return ssml_escape(text).format_map(_Strict(values, text))

    def phrase(self, key: str, **fields: Any) -> Markup:
        return self.fill(self.catalog.phrase(key), fields)

    def render(self, lines: Iterable[Line]) -> str:
        """The SSML document for `lines`, checked against Alexa's length limit."""
        parts = [str(getattr(self.macros, line.key)(**line.data)).strip() for line in lines]
        ssml = "<speak>" + _SPACES.sub(" ", " ".join(p for p in parts if p)) + "</speak>"
        if len(ssml) > MAX_SPEECH_CHARS:
            raise SpeechError(f"speech is {len(ssml)} characters, over Alexa's {MAX_SPEECH_CHARS}")
        return ssml

    def text(self, lines: Iterable[Line]) -> str:
        """The plain text of `lines` (what a reminder or a card says)."""
        return ssml_to_text(self.render(lines))

    def card(self, line: Line) -> tuple[str, str]:
        """(title, plain text) of a card for the Alexa app."""
        title = self.catalog.phrase(f"{line.key}_title")[0]
        return title, self.text([line])


def _loader(catalog: Catalog, precompiled: bool) -> BaseLoader:
    templates = catalog.root / "templates"
    compiled = templates / COMPILED_DIR
    if not precompiled:
        return FileSystemLoader(templates)
    if compiled_is_fresh(compiled.glob("*.py"), templates.glob("*.j2")):
        return ChoiceLoader([ModuleLoader(str(compiled)), FileSystemLoader(templates)])
    return FileSystemLoader(templates)


def compile_templates(catalog: Catalog) -> None:
    """Writes the speech templates as Python modules where `Speech` looks for them (see COMPILED_DIR)."""
    target = catalog.root / "templates" / COMPILED_DIR
    Speech(catalog, precompiled=False).env.compile_templates(target, zip=None, ignore_errors=False)


class _Strict(dict[str, Any]):
    """format_map mapping that names the content text when a placeholder has no value."""

    def __init__(self, values: Mapping[str, Any], text: str) -> None:
        super().__init__(values)
        self.text = text

    def __missing__(self, key: str) -> Any:
        raise SpeechError(f"no value for {{{key}}} in: {self.text[:80]}")
