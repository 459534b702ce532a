"""Deployment, checked offline: the SAM template (cfn-lint with the project's policy rules, sam
validate --lint), the Lambda artifact (`sam build`: lean, complete, answering a LaunchRequest in a
bare interpreter), and the ASK CLI project layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from skill.chat.envelopes import Device, Session, intent_request, launch_request
from skill.store.table import table_spec

from support import ROOT, check_response

TOOLS = ROOT / ".venv-tools" / "bin"
OFFLINE_ENV = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
# Not for Lambda: tooling, tests, the chat and the web service, and boto3 (the runtime has it).
NOT_IN_ARTIFACT = [
    "boto3",
    "botocore",
    "rapidfuzz",
    "flask",
    "flask_ask_sdk",
    "gunicorn",
    "pytest",
    "yaml",
    "jsonschema",
    "skill/chat",
    "skill/web",
    "tests",
    "node_modules",
]


def tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} is missing: scripts/test installs it (scripts/setup --dev)"
    return str(path)


def template() -> dict[str, Any]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor(
        "!",
        lambda loader, suffix, node: {
            suffix: loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        },
    )
    data: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    return data


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `sam build` makes for the function (arm64 wheels), from the repository as it is laid out."""
    build_dir = tmp_path_factory.mktemp("sam-build")
    done = subprocess.run(
        [
            tool("sam"),
            "build",
            "--build-in-source",
            "--build-dir",
            str(build_dir),
            "--template-file",
            str(ROOT / "template.yaml"),
        ],
        cwd=ROOT,
        env=OFFLINE_ENV,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return build_dir / "SkillFunction"


def test_sam_build_makes_a_lean_artifact(artifact: Path) -> None:
    assert (artifact / "lambda" / "lambda_function.py").exists()
    assert (artifact / "skill" / "engine" / "flow.py").exists() and (artifact / "content" / "phrases.toml").exists()
    for package in ("ask_sdk_core", "jinja2", "tzdata", "requests"):
        assert (artifact / package).is_dir(), package
    for unwanted in NOT_IN_ARTIFACT:
        assert not (artifact / unwanted).exists(), f"{unwanted} does not belong in the Lambda artifact"
    unzipped = sum(p.stat().st_size for p in artifact.rglob("*") if p.is_file())
    archive = artifact.parent / "function.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(artifact.rglob("*")):
            z.write(p, p.relative_to(artifact))
    zipped = archive.stat().st_size
    print(f"\nLambda artifact: {unzipped / 1e6:.1f} MB unzipped, {zipped / 1e6:.1f} MB zipped")
    assert unzipped < 50e6 and zipped < 20e6  # Lambda's limits are 250 MB and 50 MB: stay far below


def test_the_artifact_answers_from_a_bare_interpreter(artifact: Path, tmp_path: Path) -> None:
    """Installed nowhere but its own folder, with no site-packages at all: nothing may be missing."""
    device = Device(api_endpoint="https://127.0.0.1:9")
    session = Session(device)
    envelopes = [session.request(launch_request()), session.request(intent_request("StartExerciseIntent", {}))]
    handler_module, handler_name = ["lambda/lambda_function", "lambda_handler"]
    script = (
        "import importlib, json, sys\n"
        f"module = importlib.import_module({handler_module.replace('/', '.')!r})\n"  # as the Lambda runtime does
        f"handler = getattr(module, {handler_name!r})\n"
        "print(json.dumps([handler(e, None) for e in json.load(sys.stdin)]))\n"
        "assert 'boto3' not in sys.modules and 'flask' not in sys.modules\n"
        # Precompiled by the build, for cold starts: the catalogue (no TOML parsed) and the templates.
        "assert 'tomllib' not in sys.modules, 'the catalogue was parsed, not loaded precompiled'\n"
        "assert any(m.startswith('_jinja2_module_templates_') for m in sys.modules), 'templates compiled at run time'\n"
    )
    base_python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    env = {
        "PYTHONPATH": str(artifact),
        "SKILL_DB_PATH": str(tmp_path / "db.sqlite3"),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [str(base_python), "-S", "-c", script],
        input=json.dumps(envelopes),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    responses = json.loads(done.stdout)
    for envelope, response in zip(envelopes, responses, strict=True):
        check_response(envelope, response)
    assert "Welcome to Closer Together" in responses[0]["response"]["outputSpeech"]["ssml"]


def test_the_template_passes_cfn_lint_with_the_project_rules() -> None:
    done = subprocess.run(
        [tool("cfn-lint")], cwd=ROOT, env=OFFLINE_ENV, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_project_rules_catch_a_careless_template(tmp_path: Path) -> None:
    text = (ROOT / "template.yaml").read_text()
    careless = (
        text.replace(
            "BillingMode: PAY_PER_REQUEST",
            "BillingMode: PROVISIONED\n      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}",
        )
        .replace("SSEEnabled: true", "SSEEnabled: false")
        .replace("PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false")
        .replace("- dynamodb:GetItem", "- dynamodb:*")
        .replace("Resource: !GetAtt HouseholdsTable.Arn", "Resource: '*'")
        .replace("    DeletionPolicy: Retain", "    DeletionPolicy: Delete")
    )
    broken = tmp_path / "template.yaml"
    broken.write_text(careless)
    done = subprocess.run(
        [
            tool("cfn-lint"),
            "--append-rules",
            str(ROOT / "ci/cfn-lint/rules"),
            "--custom-rules",
            str(ROOT / "ci/cfn-lint/table-policy.txt"),
            "--",
            str(broken),
        ],
        cwd=tmp_path,
        env=OFFLINE_ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    for finding in ("E9001", "E9002", "E9003", "E9101", "E9102", 'wildcard resource "*"', "dynamodb:*"):
        assert finding in done.stdout, finding


def test_sam_validate_lint() -> None:
    done = subprocess.run(
        [tool("sam"), "validate", "--lint", "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT,
        env=OFFLINE_ENV,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and "is a valid SAM Template" in done.stdout + done.stderr, done.stdout + done.stderr


def test_the_template_is_what_the_readme_promises() -> None:
    resources = template()["Resources"]
    function = resources["SkillFunction"]["Properties"]
    assert function["Runtime"] in ("python3.12", "python3.13") and function["Architectures"] == ["arm64"]
    assert function["Timeout"] == 8 and function["Handler"] == "lambda/lambda_function.lambda_handler"
    assert (ROOT / "lambda" / "lambda_function.py").exists()
    assert function["Events"]["Alexa"] == {"Type": "AlexaSkill", "Properties": {"SkillId": {"Ref": "SkillId"}}}
    assert function["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "HouseholdsTable"}
    table = resources["HouseholdsTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"] == table_spec()
    assert resources["SkillFunctionLogs"]["Properties"]["RetentionInDays"] == 30
    assert {"SkillFunctionArn", "HouseholdsTableName"} <= set(template()["Outputs"])


def test_the_ask_cli_project_points_at_the_skill_package() -> None:
    resources = json.loads((ROOT / "ask-resources.json").read_text())
    assert resources["askcliResourcesVersion"] == "2020-03-31"
    package = ROOT / resources["profiles"]["default"]["skillMetadata"]["src"]
    assert (package / "skill.json").exists()
    assert (package / "interactionModels" / "custom" / "en-US.json").exists()
