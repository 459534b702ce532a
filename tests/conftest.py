from __future__ import annotations

import sqlite3
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from alexa_api import AlexaApiStandIn  # noqa: E402

from devtools.dynamodb_local import DUMMY_AWS_ENV, DynamoDBLocal, client  # noqa: E402
from skill.store.dynamodb import dynamodb_client  # noqa: E402
from skill.store.table import create_table  # noqa: E402

import support  # noqa: E402
from support import Echo, new_lambda_handler  # noqa: E402


@pytest.fixture(scope="session")
def alexa_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlexaApiStandIn]:
    server = AlexaApiStandIn(tmp_path_factory.mktemp("alexa-api")).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def alexa_api(alexa_api_server: AlexaApiStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[AlexaApiStandIn]:
    """Every test's devices talk to the local stand-in for the Alexa APIs, whose test CA the skill's
    HTTP client trusts; its devices are in a time zone where it is now mid-day (see support.zone_at)."""
    alexa_api_server.reset()
    alexa_api_server.default_time_zone = support.zone_at(12)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(alexa_api_server.ca_bundle))
    monkeypatch.setattr(support, "API_ENDPOINT", alexa_api_server.url)
    yield alexa_api_server


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    server = DynamoDBLocal().start()
    yield server
    server.stop()


class Backend:
    """Where a test's household records live, and how the test looks at them (not through the skill)."""

    name: str

    def versions(self) -> dict[str, int]:
        raise NotImplementedError

    def corrupt(self) -> None:
        """Damages every stored record in a way a bug or a manual edit might."""
        raise NotImplementedError

    def touched(self) -> bool:
        """Whether the skill has read or written anything at all."""
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    def versions(self) -> dict[str, int]:
        if not self.path.exists():
            return {}
        with sqlite3.connect(self.path) as conn:
            return dict(conn.execute("SELECT key, version FROM households").fetchall())

    def corrupt(self) -> None:
        with sqlite3.connect(self.path) as conn:
            conn.execute("UPDATE households SET data = 'not json'")

    def touched(self) -> bool:
        return self.path.exists()


class DynamoBackend(Backend):
    name = "dynamodb"

    def __init__(self, endpoint: str, table: str) -> None:
        self.client: Any = client(endpoint)
        self.table = table
        self.calls: Counter[str] = Counter()  # the skill's DynamoDB operations, by name

    def count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.client.scan(TableName=self.table, ConsistentRead=True)["Items"]
        return items

    def versions(self) -> dict[str, int]:
        return {i["pk"]["S"]: int(i["version"]["N"]) for i in self.items()}

    def corrupt(self) -> None:
        for item in self.items():
            self.client.put_item(TableName=self.table, Item={**item, "record": {"S": "not a map"}})

    def touched(self) -> bool:
        return sum(self.calls.values()) > 0


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """Each test using it runs twice: on the embedded SQLite store and on DynamoDB Local."""
    monkeypatch.delenv("SKILL_ID", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv("TABLE_NAME", raising=False)
        monkeypatch.setenv("SKILL_DB_PATH", str(tmp_path / "households.sqlite3"))
        yield SqliteBackend(tmp_path / "households.sqlite3")
        return
    server: DynamoDBLocal = request.getfixturevalue("dynamodb_local")
    for key, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint)
    table = f"households-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("TABLE_NAME", table)
    ddb = DynamoBackend(server.endpoint, table)
    create_table(ddb.client, table)
    skill_client = dynamodb_client()  # the very client the skill will use (one per container)
    skill_client.meta.events.register("before-call.dynamodb", ddb.count)
    yield ddb
    skill_client.meta.events.unregister("before-call.dynamodb", ddb.count)
    ddb.client.delete_table(TableName=table)


@pytest.fixture
def new_process(backend: Backend) -> Callable[[], Any]:
    """Returns a fresh `lambda_handler` each call (a new Lambda container on the same store)."""
    return new_lambda_handler


@pytest.fixture
def echo(new_process: Callable[[], Any]) -> Echo:
    return Echo(new_process())
