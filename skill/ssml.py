"""The response rules every spoken answer must meet (used by `validate` and by the whole test suite)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MAX_SPEECH_CHARS = 8000
MAX_BREAK_SECONDS = 10.0
# The SSML this skill uses; anything else is a template mistake.
ALLOWED_TAGS = {"speak", "break", "p", "s", "emphasis", "prosody", "say-as", "amazon:emotion"}
_LEAKS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|\{[a-z_]+\}|&#\d+;|\bNone\b|Undefined")
_BREAK_TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def ssml_problems(ssml: str) -> list[str]:
    """What is wrong with an outputSpeech SSML string (empty list: fine)."""
    problems: list[str] = []
    if len(ssml) > MAX_SPEECH_CHARS:
        problems.append(f"{len(ssml)} characters, over {MAX_SPEECH_CHARS}")
    if leak := _LEAKS.search(ssml):
        problems.append(f"template text leaked: {leak.group(0)!r}")
    try:
        root = ET.fromstring(ssml.replace("amazon:", "amazon-"))
    except ET.ParseError as e:
        return problems + [f"not well-formed XML: {e}"]
    if root.tag != "speak":
        problems.append("root element is not <speak>")
    if not "".join(root.itertext()).strip():
        problems.append("says nothing")
    for el in root.iter():
        tag = el.tag.replace("amazon-", "amazon:")
        if tag not in ALLOWED_TAGS:
            problems.append(f"unexpected tag <{tag}>")
        if tag == "speak" and el is not root:
            problems.append("nested <speak>")
        if tag == "break":
            m = _BREAK_TIME.match(el.get("time", ""))
            if not m:
                problems.append(f"break without a valid time: {el.attrib}")
            else:
                seconds = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
                if seconds > MAX_BREAK_SECONDS:
                    problems.append(f"break of {seconds} s, over {MAX_BREAK_SECONDS} s")
    return problems
