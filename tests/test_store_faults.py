"""When the store fails, the couple still gets answers and keeps going; they are told once when their
progress could not be saved; logs carry no personal data. Each fault is real: a closed port, a
missing or dropped table, a stopped DynamoDB Local, and a local server speaking DynamoDB's JSON
protocol that throttles or stalls."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devtools.dynamodb_local import DUMMY_AWS_ENV, DynamoDBLocal, client, free_port
from skill.content import default_catalog
from skill.store import household_key
from skill.store.table import create_table

from support import Echo, new_lambda_handler

NOT_SAVED = "couldn't save your progress"
ALEXA_PATIENCE = 8.0  # seconds Alexa waits for an answer


def spoken_question(speech: str) -> str:
    (question,) = [
        i.fields["question"] for i in default_catalog().banks["deep_questions"] if i.fields["question"] in speech
    ]
    return question


def first_step_of_asking(speech: str) -> bool:
    return "I would love it if" in speech or "What I need is" in speech


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SKILL_ID", raising=False)


def point_at(monkeypatch: pytest.MonkeyPatch, endpoint: str, table: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    monkeypatch.setenv("TABLE_NAME", table)


def keeps_going_and_says_once(echo: Echo) -> None:
    """The shared expectation: answers, one warning, the exercise carries on from session attributes."""
    started = time.monotonic()
    echo.launch()
    assert "Welcome" in echo.speech and NOT_SAVED not in echo.speech and not echo.ended
    echo.intent("StartExerciseIntent", exercise="asking")
    assert NOT_SAVED in echo.speech and "Asking for what you need" in echo.speech
    echo.intent("AMAZON.NextIntent")
    assert first_step_of_asking(echo.speech) and NOT_SAVED not in echo.speech
    echo.intent("AMAZON.NextIntent")
    assert echo.speech.startswith("partner two")
    per_turn = (time.monotonic() - started) / 4
    assert per_turn < ALEXA_PATIENCE, f"{per_turn:.1f} s a turn"


def test_a_closed_port(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, f"http://127.0.0.1:{free_port()}", "households")
    keeps_going_and_says_once(Echo(new_lambda_handler()))


def test_a_missing_table(aws_env: None, monkeypatch: pytest.MonkeyPatch, dynamodb_local: DynamoDBLocal) -> None:
    point_at(monkeypatch, dynamodb_local.endpoint, f"no-such-table-{uuid.uuid4().hex[:8]}")
    keeps_going_and_says_once(Echo(new_lambda_handler()))


def test_a_table_dropped_mid_session_then_restored(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, dynamodb_local: DynamoDBLocal
) -> None:
    table = f"households-{uuid.uuid4().hex[:8]}"
    point_at(monkeypatch, dynamodb_local.endpoint, table)
    admin = client(dynamodb_local.endpoint)
    create_table(admin, table)
    echo = Echo(new_lambda_handler())
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    admin.delete_table(TableName=table)
    echo.intent("AMAZON.NextIntent")
    assert NOT_SAVED in echo.speech and first_step_of_asking(echo.speech)
    echo.intent("AMAZON.NextIntent")
    assert NOT_SAVED not in echo.speech and echo.speech.startswith("partner two")
    create_table(admin, table)  # the table is back (e.g. restored): the next change saves everything
    echo.intent("AMAZON.NextIntent")
    item = admin.get_item(TableName=table, Key={"pk": {"S": household_key(echo.device.user_id)}})["Item"]
    assert item["record"]["M"]["progress"]["M"]["asking"]["M"]["step"]["N"] == "2"
    admin.delete_table(TableName=table)


def test_the_server_stopped_mid_session(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    server = DynamoDBLocal().start()
    try:
        table = "households"
        point_at(monkeypatch, server.endpoint, table)
        create_table(client(server.endpoint), table)
        echo = Echo(new_lambda_handler())
        echo.launch().intent("StartExerciseIntent", exercise="deep questions").intent("AMAZON.NextIntent")
        question = echo.speech
    finally:
        server.stop()
    started = time.monotonic()
    echo.intent("AMAZON.RepeatIntent")  # changes nothing: no store call, no warning
    assert spoken_question(echo.speech) == spoken_question(question) and NOT_SAVED not in echo.speech
    echo.intent("AMAZON.NextIntent")
    assert NOT_SAVED in echo.speech and not echo.ended
    assert time.monotonic() - started < ALEXA_PATIENCE


class StandIn(BaseHTTPRequestHandler):
    """Answers every DynamoDB call the way DynamoDB does when it throttles, or far too slowly."""

    mode = "throttle"
    hits = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).hits += 1
        if self.mode == "slow":
            time.sleep(3)
            body, status = b"{}", 200
        else:
            error = {
                "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                "message": "Rate of requests exceeds the allowed throughput.",
            }
            body, status = json.dumps(error).encode(), 400
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[tuple[str, type[StandIn]]]:
    handler = type("Handler", (StandIn,), {"hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_throttling(aws_env: None, monkeypatch: pytest.MonkeyPatch, stand_in: tuple[str, type[StandIn]]) -> None:
    endpoint, handler = stand_in
    handler.mode = "throttle"
    point_at(monkeypatch, endpoint, "households")
    keeps_going_and_says_once(Echo(new_lambda_handler()))
    # Each turn that needed the store tried once and retried once (bounded), then gave up.
    assert handler.hits == 2 * 4


def test_a_server_too_slow_to_answer(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, stand_in: tuple[str, type[StandIn]]
) -> None:
    endpoint, handler = stand_in
    handler.mode = "slow"
    point_at(monkeypatch, endpoint, "households")
    keeps_going_and_says_once(Echo(new_lambda_handler()))


def test_an_unwritable_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("SKILL_ID", raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SKILL_DB_PATH", str(blocker / "db.sqlite3"))  # its parent is a file
    keeps_going_and_says_once(Echo(new_lambda_handler()))


def test_logs_hold_no_personal_data(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, dynamodb_local: DynamoDBLocal
) -> None:
    point_at(monkeypatch, dynamodb_local.endpoint, f"no-such-table-{uuid.uuid4().hex[:8]}")
    caplog.set_level(logging.DEBUG, logger="skill")
    echo = Echo(new_lambda_handler())
    echo.launch().intent("SetNamesIntent", firstName="Rosalind", secondName="Benedikt")
    echo.intent("StartExerciseIntent", exercise="underwater basket weaving")
    echo.intent("AMAZON.StopIntent")
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records if r.name.startswith("skill"))
    assert "store read failed: DynamoDB get_item failed: ResourceNotFoundException" in logged
    for secret in ("Rosalind", "Benedikt", "basket", echo.device.user_id, household_key(echo.device.user_id)):
        assert secret not in logged
