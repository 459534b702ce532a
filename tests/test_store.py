"""The store contract, run against both stores, plus what only DynamoDB has (TTL, operation counts)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from skill.store import Store, StoreError, VersionConflict, household_key, store_from_env
from skill.store.dynamodb import TTL_SECONDS
from skill.store.table import table_spec

from conftest import Backend, DynamoBackend
from support import ROOT, Echo, new_lambda_handler, skill_command

# What only DynamoDB has (TTL, number types, counted operations): run on that backend alone.
DYNAMODB_ONLY = pytest.mark.parametrize("backend", ["dynamodb"], indirect=True)


@pytest.fixture
def store(backend: Backend) -> Store:
    return store_from_env()


def test_a_missing_record_reads_as_none(store: Store) -> None:
    assert store.load("nobody") is None


def test_save_load_round_trip_with_versions(store: Store) -> None:
    data = {"names": ["Zoë", "Sam"], "progress": {"asking": {"step": 2, "turn": 1}}, "welcomed": True, "current": None}
    assert store.save("k", data, 0) == 1
    loaded = store.load("k")
    assert loaded is not None and loaded.version == 1
    assert loaded.data["names"] == ["Zoë", "Sam"] and loaded.data["current"] is None
    assert int(loaded.data["progress"]["asking"]["step"]) == 2  # DynamoDB gives Decimal, SQLite int
    assert store.save("k", {**data, "welcomed": False}, 1) == 2


def test_a_stale_version_is_a_conflict_and_changes_nothing(store: Store) -> None:
    store.save("k", {"a": 1}, 0)
    store.save("k", {"a": 2}, 1)
    with pytest.raises(VersionConflict):
        store.save("k", {"a": 3}, 1)
    with pytest.raises(VersionConflict):
        store.save("k", {"a": 3}, 0)  # "create" when someone else already did
    loaded = store.load("k")
    assert loaded is not None and loaded.version == 2 and loaded.data == {"a": 2}


def test_delete_removes_and_tolerates_missing(store: Store) -> None:
    store.save("k", {"a": 1}, 0)
    store.delete("k")
    assert store.load("k") is None
    store.delete("k")


@DYNAMODB_ONLY
def test_floats_are_refused_rather_than_stored_inexactly(backend: Backend) -> None:
    with pytest.raises(TypeError):
        store_from_env().save("k", {"x": 0.1}, 0)


@DYNAMODB_ONLY
def test_a_hand_edited_dynamodb_item_still_loads(backend: DynamoBackend, echo: Echo) -> None:
    """Someone edits the item in the console and leaves types the skill never writes: the record's
    own validation drops what it cannot use, and the couple's progress carries on."""
    echo.launch()
    echo.intent("StartExerciseIntent", exercise="deep_questions")
    (item,) = backend.items()
    record = item["record"]["M"]
    record["names"] = {"SS": ["Alex", "Sam"]}
    record["odd"] = {"L": [{"B": b"x"}, {"NS": ["1", "2.5"]}, {"NULL": True}]}
    backend.client.put_item(TableName=backend.table, Item=item)
    loaded = store_from_env().load(item["pk"]["S"])
    assert loaded is not None and loaded.data["odd"] == [None, [1, Decimal("2.5")], None]
    resumed = echo.other_device(new_lambda_handler()).launch()
    assert "partway through deep questions" in resumed.speech.lower(), resumed.speech


@DYNAMODB_ONLY
def test_dynamodb_item_has_ttl_a_year_ahead_and_no_raw_user_id(backend: DynamoBackend, echo: Echo) -> None:
    echo.launch()
    (item,) = backend.items()
    expires = int(item["expires_at"]["N"])
    assert abs(expires - (time.time() + TTL_SECONDS)) < 60
    assert item["pk"]["S"] == household_key(echo.device.user_id) and echo.device.user_id not in json.dumps(item)
    assert isinstance(item["version"]["N"], str) and "M" in item["record"]
    # Used again later: the TTL moves forward.
    backend.client.update_item(
        TableName=backend.table,
        Key={"pk": item["pk"]},
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": {"N": "1"}},
    )
    echo.intent("StartExerciseIntent", exercise="asking")
    (item,) = backend.items()
    assert int(item["expires_at"]["N"]) > time.time() + TTL_SECONDS - 60


@DYNAMODB_ONLY
def test_operations_for_a_whole_exercise_and_a_resume(backend: DynamoBackend, echo: Echo) -> None:
    """One read per session; one write per turn that changes something; nothing for the rest."""
    echo.launch()  # first visit: the welcome is remembered (1 write)
    echo.intent("StartExerciseIntent", exercise="asking")  # 1 write
    changing = 2
    for _ in range(4):  # intro -> partner one -> partner two -> talk -> close
        echo.intent("AMAZON.HelpIntent").intent("AMAZON.RepeatIntent").intent("AMAZON.FallbackIntent")
        echo.intent("AMAZON.NextIntent")
        changing += 1
    echo.intent("AMAZON.NoIntent")  # no other exercise: goodbye, nothing to save
    assert backend.calls == {"GetItem": 1, "PutItem": changing}
    backend.calls.clear()
    # A later session: resume, one step, stop.
    echo.launch()
    echo.intent("StartExerciseIntent", exercise="deep questions").intent("AMAZON.NextIntent")
    echo.intent("AMAZON.StopIntent")
    echo.one_shot("ContinueIntent")
    echo.intent("AMAZON.HelpIntent").intent("AMAZON.NextIntent").intent("AMAZON.StopIntent")
    assert backend.calls == {"GetItem": 2, "PutItem": 3}


def test_two_devices_racing_in_two_processes_lose_nothing(backend: Backend, tmp_path: Path) -> None:
    user = "amzn1.ask.account.RACE"
    go = tmp_path / "go"
    turns = {
        "kitchen": [["StartExerciseIntent", {"exercise": "deep questions"}]] + [["AMAZON.NextIntent", {}]] * 6,
        "bedroom": [
            ["SetNamesIntent", {"firstName": "Ana", "secondName": "Ben"}],
            ["StartExerciseIntent", {"exercise": "love notes"}],
        ]
        + [["AMAZON.NextIntent", {}]] * 3,
    }
    procs = {}
    for device, script in turns.items():
        args = {
            "user_id": user,
            "device_id": device,
            "go_file": str(go),
            "ready_file": str(tmp_path / device),
            "turns": script,
        }
        procs[device] = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "race_device.py"), json.dumps(args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
    deadline = time.monotonic() + 60
    while not all((tmp_path / d).exists() for d in turns):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs.values()), (
            "a device failed to launch"
        )
        time.sleep(0.01)
    go.touch()
    results = {}
    for device, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results[device] = json.loads(out.strip().splitlines()[-1])
    assert not any(r["errors"] for r in results.values()), results  # every save landed, merged or not
    conflicts = sum(r["conflicts"] for r in results.values())
    assert conflicts >= 1, "both devices read the same version, so one save must have conflicted"
    final = store_from_env().load(household_key(user))
    assert final is not None
    record = final.data
    kitchen = results["kitchen"]["attributes"]["household"]
    bedroom = results["bedroom"]["attributes"]["household"]
    assert set(kitchen["heard"]["deep_questions"]) <= set(record["heard"]["deep_questions"])
    assert set(bedroom["heard"]["love_notes"]) <= set(record["heard"]["love_notes"])
    assert len(record["heard"]["deep_questions"]) == 6, (kitchen, bedroom, record)
    assert len(record["heard"]["love_notes"]) == 3
    assert record["names"] == ["Ana", "Ben"]
    assert {"deep_questions", "love_notes"} <= set(record["progress"])
    print(f"\nrace on {backend.name}: {conflicts} version conflict(s), merged; final version {final.version}")


@DYNAMODB_ONLY
def test_create_table_matches_the_template(backend: DynamoBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    name = backend.table + "-cli"
    monkeypatch.setenv("TABLE_NAME", name)
    done = skill_command("create-table")
    assert done.returncode == 0 and f"created table {name}" in done.stdout, done.stderr
    again = skill_command("create-table")
    assert again.returncode == 0 and "already exists" in again.stdout
    spec = table_spec()
    table = backend.client.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == spec["KeySchema"]
    assert table["AttributeDefinitions"] == spec["AttributeDefinitions"]
    assert table["BillingModeSummary"]["BillingMode"] == spec["BillingMode"] == "PAY_PER_REQUEST"
    ttl = backend.client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": spec["TimeToLiveSpecification"]["AttributeName"]}
    backend.client.delete_table(TableName=name)


def test_create_table_needs_a_table_name(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TABLE_NAME"}
    done = skill_command("create-table", env=env)
    assert done.returncode == 2 and "TABLE_NAME" in done.stderr


def test_template_declares_the_table_for_production() -> None:
    spec = table_spec()
    assert spec["BillingMode"] == "PAY_PER_REQUEST"
    assert spec["SSESpecification"] == {"SSEEnabled": True}
    assert spec["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert spec["TimeToLiveSpecification"]["Enabled"] is True


def test_template_grants_only_what_the_store_calls() -> None:
    text = (ROOT / "template.yaml").read_text()
    assert "dynamodb:*" not in text and "Resource: '*'" not in text and 'Resource: "*"' not in text
    import re

    actions = set(re.findall(r"- (dynamodb:\w+)", text))
    assert actions == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}


@pytest.mark.parametrize("region", ["us-east-1", None])
def test_the_lambda_init_makes_no_aws_call_and_survives_a_missing_region(region: str | None) -> None:
    """The init makes the DynamoDB client (AWS's advice) but calls nothing: a container starts even
    when DynamoDB is down or misconfigured, and the first request says so instead."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    code = (
        "import sys; sys.path.insert(0, 'lambda'); import lambda_function, gc; "
        "print('boto3' in sys.modules, gc.isenabled())"
    )
    env = {
        **os.environ,
        "TABLE_NAME": "t",
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{listener.getsockname()[1]}",
    }
    env.pop("AWS_DEFAULT_REGION", None)
    env.pop("AWS_REGION", None)
    if region:
        env["AWS_REGION"] = region
    with listener:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False
        )
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]  # no boto3 package; the collector is back on


def test_no_region_is_a_store_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(StoreError):
        store_from_env().load("k")


_: Callable[..., Any] = Decimal  # numbers come back as Decimal; Household.from_dict turns them into int
