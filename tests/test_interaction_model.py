"""The skill package (manifest + models) against Amazon's own JSON schema (npm ask-smapi-model), and
the consistency rules `python -m skill validate` applies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from skill.content import default_catalog
from skill.validate import MODELS_DIR, ROOT, check_model

SPEC = ROOT / "node_modules" / "ask-smapi-model" / "spec.json"
MANIFEST = ROOT / "interaction_model" / "skill.json"
MODELS = sorted(MODELS_DIR.glob("*.json"))
CONTRACT_BUILTINS = [
    "Help",
    "Stop",
    "Cancel",
    "Fallback",
    "NavigateHome",
    "Next",
    "Previous",
    "Repeat",
    "StartOver",
    "Pause",
    "Resume",
    "Yes",
    "No",
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    assert SPEC.exists(), "run the README's test command: it installs ask-smapi-model from npm"
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    return spec


def validator(spec: dict[str, Any], definition: str) -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": spec["definitions"]})


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_models_match_the_smapi_schema(spec: dict[str, Any], path: Path) -> None:
    errors = [
        e.message
        for e in validator(spec, "v1.skill.interactionModel.InteractionModelData").iter_errors(
            json.loads(path.read_text())
        )
    ]
    assert errors == []


def test_the_schema_check_rejects_a_broken_model(spec: dict[str, Any]) -> None:
    model = json.loads(MODELS[0].read_text())
    model["interactionModel"]["languageModel"]["intents"][0]["samples"] = "not a list"
    assert list(validator(spec, "v1.skill.interactionModel.InteractionModelData").iter_errors(model))


def test_manifest_matches_the_smapi_schema(spec: dict[str, Any]) -> None:
    manifest = json.loads(MANIFEST.read_text())
    assert list(validator(spec, "v1.skill.Manifest.SkillManifestEnvelope").iter_errors(manifest)) == []


def test_manifest_declares_reminders_and_privacy() -> None:
    manifest = json.loads(MANIFEST.read_text())["manifest"]
    assert {"name": "alexa::alerts:reminders:skill:readwrite"} in manifest["permissions"]
    privacy = manifest["privacyAndCompliance"]
    for field in ("allowsPurchases", "usesPersonalInfo", "isChildDirected", "isExportCompliant", "containsAds"):
        assert isinstance(privacy[field], bool), field
    assert privacy["usesPersonalInfo"] is True  # first names
    assert privacy["locales"]["en-US"]["privacyPolicyUrl"].startswith("https://")


def test_model_has_the_contract_builtins_and_enough_samples() -> None:
    lm = json.loads(MODELS[0].read_text())["interactionModel"]["languageModel"]
    assert lm["invocationName"] == "closer together"
    intents = {i["name"]: i for i in lm["intents"]}
    for name in CONTRACT_BUILTINS:
        assert f"AMAZON.{name}Intent" in intents
    assert len(intents["StartExerciseIntent"]["samples"]) >= 15
    for name, intent in intents.items():
        if not name.startswith("AMAZON."):
            assert len(intent["samples"]) >= 8, name
    for t in lm["types"]:
        assert all(len(v["name"].get("synonyms", [])) >= 3 for v in t["values"]), t["name"]


def test_every_model_is_consistent_with_code_and_content() -> None:
    for path in MODELS:
        assert check_model(default_catalog(), path) == []


def test_a_sample_in_two_intents_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "en-US.json"
    shutil.copy(MODELS[0], broken)
    model = json.loads(broken.read_text())
    intents = model["interactionModel"]["languageModel"]["intents"]
    next(i for i in intents if i["name"] == "SkipIntent")["samples"].append("Forget everything about us!")
    broken.write_text(json.dumps(model))
    errors = check_model(default_catalog(), broken)
    assert any("in both" in e and "ForgetIntent" in e and "SkipIntent" in e for e in errors), errors


def test_a_missing_intent_or_slot_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "en-US.json"
    model = json.loads(MODELS[0].read_text())
    intents = model["interactionModel"]["languageModel"]["intents"]
    intents[:] = [i for i in intents if i["name"] != "AMAZON.PauseIntent"]
    next(i for i in intents if i["name"] == "SetNamesIntent")["slots"].pop()
    broken.write_text(json.dumps(model))
    errors = check_model(default_catalog(), broken)
    assert any("AMAZON.PauseIntent" in e for e in errors)
    assert any("no slot 'secondName'" in e for e in errors)
