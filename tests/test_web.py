"""The self-hosted web service: request verification end to end with a certificate chain the tests
make, and a real gunicorn process on loopback driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from certs import Pki, sign
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

from devtools.dynamodb_local import free_port
from skill.chat.envelopes import Device, Session, launch_request
from skill.web.app import MAX_BODY_BYTES, create_app
from skill.web.verify import check_cert_url

from conftest import Backend
from support import ROOT, Echo, check_response, skill_command

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


class Downloads:
    """Stands in for the HTTPS download of the chain: the URL Alexa names -> the PEM it serves."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        return self.chains[url]


def launch_envelope(skill_id: str = SKILL_ID, timestamp: datetime | None = None) -> dict[str, Any]:
    device = Device(application_id=skill_id, api_endpoint="https://127.0.0.1:9")
    envelope = Session(device).request(launch_request())
    if timestamp:
        envelope["request"]["timestamp"] = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return envelope


@pytest.fixture
def signed_app(pki: Pki, backend: Backend) -> tuple[FlaskClient, Downloads]:
    downloads = Downloads(
        {
            CERT_URL: pki.chain_pem(pki.leaf),
            CERT_URL + "-expired": pki.chain_pem(pki.expired),
            CERT_URL + "-wrong-name": pki.chain_pem(pki.wrong_name),
            CERT_URL + "-untrusted": pki.untrusted.cert.public_bytes(Encoding.PEM),
        }
    )
    app = create_app(skill_id=SKILL_ID, trusted_roots=[pki.root.cert], fetch=downloads)
    return app.test_client(), downloads


def post(client: FlaskClient, body: bytes, signature: str | None, url: str | None = CERT_URL) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Signature-256"] = signature
    if url is not None:
        headers["SignatureCertChainUrl"] = url
    return client.post("/alexa", data=body, headers=headers)


def test_a_correctly_signed_request_is_served(
    signed_app: tuple[FlaskClient, Downloads], pki: Pki, backend: Backend
) -> None:
    client, downloads = signed_app
    envelope = launch_envelope()
    body = json.dumps(envelope).encode()
    response = post(client, body, sign(body, pki.leaf))
    assert response.status_code == 200
    check_response(envelope, response.get_json())
    assert "Welcome to Closer Together" in response.get_json()["response"]["outputSpeech"]["ssml"]
    body2 = json.dumps(launch_envelope()).encode()
    assert post(client, body2, sign(body2, pki.leaf)).status_code == 200
    assert downloads.fetched == [CERT_URL], "the chain is downloaded once and cached"
    assert backend.touched()


@pytest.mark.parametrize(
    "case",
    [
        "tampered body",
        "expired",
        "wrong name",
        "untrusted root",
        "stale timestamp",
        "other skill",
        "no signature",
        "bad base64",
        "signed by another key",
    ],
)
def test_refused_requests_get_400_and_no_skill_work(
    signed_app: tuple[FlaskClient, Downloads], pki: Pki, backend: Backend, case: str
) -> None:
    client, _ = signed_app
    envelope = launch_envelope(
        skill_id="amzn1.ask.skill.someone-else" if case == "other skill" else SKILL_ID,
        timestamp=datetime.now(UTC) - timedelta(seconds=200) if case == "stale timestamp" else None,
    )
    body = json.dumps(envelope).encode()
    signature: str | None = sign(body, pki.leaf)
    url = CERT_URL
    if case == "tampered body":
        body = body.replace(b"LaunchRequest", b"IntentRequest").replace(
            b'"locale"', b'"intent": {"name": "AMAZON.StopIntent"}, "locale"'
        )
    elif case == "expired":
        url, signature = CERT_URL + "-expired", sign(body, pki.expired)
    elif case == "wrong name":
        url, signature = CERT_URL + "-wrong-name", sign(body, pki.wrong_name)
    elif case == "untrusted root":
        url, signature = CERT_URL + "-untrusted", sign(body, pki.untrusted)
    elif case == "no signature":
        signature = None
    elif case == "bad base64":
        signature = "not*base64"
    elif case == "signed by another key":
        signature = sign(body, pki.wrong_name)
    response = post(client, body, signature, url)
    assert response.status_code == 400, response.get_data()
    assert "outputSpeech" not in response.get_data(as_text=True)
    assert not backend.touched(), "nothing was read or written for a refused request"


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://notamazon.com/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
    ],
)
def test_a_wrong_certificate_url_is_refused_before_any_download(
    signed_app: tuple[FlaskClient, Downloads], pki: Pki, url: str
) -> None:
    client, downloads = signed_app
    body = json.dumps(launch_envelope()).encode()
    assert post(client, body, sign(body, pki.leaf), url).status_code == 400
    assert downloads.fetched == []


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    ],
)
def test_certification_examples_of_valid_urls(url: str) -> None:
    check_cert_url(url)  # Amazon's published examples of URLs that must be accepted


# --- a real server ---------------------------------------------------------------------------------
class Server:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/alexa"
        command = [sys.executable, "-m", "skill", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read() if self.process.stdout else ""
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def handler(self, envelope: dict[str, Any], context: Any = None) -> dict[str, Any]:
        response = requests.post(self.url, json=envelope, timeout=10)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        out, _ = self.process.communicate(timeout=20)
        return out or ""


@pytest.fixture
def server(backend: Backend, alexa_api: Any) -> Iterator[Server]:
    env = {**os.environ, "SKILL_ID": SKILL_ID}
    running = Server(env, "--no-verify-signature", "--workers", "2")
    yield running
    running.stop()


def test_a_whole_conversation_over_http(server: Server) -> None:
    echo = Echo(server.handler, Device(application_id=SKILL_ID, api_endpoint="https://127.0.0.1:9"))
    echo.launch().intent("SetNamesIntent", firstName="Alex", secondName="Sam")
    echo.intent("StartExerciseIntent", exercise="asking")
    for _ in range(4):
        echo.intent("AMAZON.NextIntent")
    assert "habit" in echo.speech
    echo.intent("AMAZON.NoIntent")
    assert echo.ended
    echo.one_shot("ContinueIntent")  # a new session, served by whichever worker: the record is shared
    assert "nothing to pick up" in echo.speech.lower()
    output = server.stop()
    for private in ("Alex", "Sam", echo.device.user_id):
        assert private not in output, "the server logs no personal data"


def test_bad_requests_get_clear_http_answers_and_the_server_keeps_going(server: Server, backend: Backend) -> None:
    def raw(data: bytes, method: str = "POST", **headers: str) -> requests.Response:
        return requests.request(
            method, server.url, data=data, headers={"Content-Type": "application/json", **headers}, timeout=10
        )

    good = launch_envelope()
    cases = [
        (raw(b"this is not json"), 400),
        (raw(b"[1, 2, 3]"), 400),
        (raw(json.dumps({"version": "1.0"}).encode()), 400),
        (
            raw(
                json.dumps(
                    {**good, "request": {**good["request"], "type": "Alexa.Presentation.APL.UserEvent"}}
                ).encode()
            ),
            400,
        ),
        (raw(json.dumps({**good, "context": {"System": {"application": {"applicationId": SKILL_ID}}}}).encode()), 400),
        (raw(b"\xff\xfe\x00garbage"), 400),
        (raw(b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}"), 413),
        (raw(b"", method="GET"), 405),
        (raw(json.dumps(launch_envelope(skill_id="amzn1.ask.skill.other")).encode()), 400),
        (raw(json.dumps(launch_envelope(timestamp=datetime.now(UTC) - timedelta(minutes=5))).encode()), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, (status, response.text)
        assert "Traceback" not in response.text and "outputSpeech" not in response.text
    assert backend.versions() == {}, "nothing stored for any refused request"
    echo = Echo(server.handler, Device(application_id=SKILL_ID, api_endpoint="https://127.0.0.1:9"))
    echo.launch()
    assert "Welcome" in echo.speech


def test_two_devices_at_once_on_two_workers_lose_nothing(server: Server, backend: Backend) -> None:
    user = "amzn1.ask.account.WEB-RACE"
    kitchen = Echo(server.handler, Device(user_id=user, application_id=SKILL_ID, api_endpoint="https://127.0.0.1:9"))
    bedroom = Echo(server.handler, Device(user_id=user, application_id=SKILL_ID, api_endpoint="https://127.0.0.1:9"))
    kitchen.launch()
    bedroom.launch()
    errors: list[BaseException] = []

    def talk(echo: Echo, exercise: str, steps: int) -> None:
        try:
            echo.intent("StartExerciseIntent", exercise=exercise)
            for _ in range(steps):
                echo.intent("AMAZON.NextIntent")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=talk, args=(kitchen, "deep questions", 5)),
        threading.Thread(target=talk, args=(bedroom, "love notes", 3)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    from skill.store import household_key, store_from_env

    record = store_from_env().load(household_key(user))
    assert record is not None
    assert len(record.data["heard"]["deep_questions"]) == 5 and len(record.data["heard"]["love_notes"]) == 3


def test_the_real_server_verifies_signatures_by_default(backend: Backend) -> None:
    env = {**os.environ, "SKILL_ID": SKILL_ID}
    running = Server(env)
    try:
        response = requests.post(running.url, json=launch_envelope(), timeout=10)
        assert response.status_code == 400
    finally:
        output = running.stop()
    assert "NOT VERIFIED" not in output
    assert backend.versions() == {}


def test_no_verify_signature_warns_loudly(backend: Backend) -> None:
    running = Server({**os.environ, "SKILL_ID": SKILL_ID}, "--no-verify-signature")
    output = running.stop()
    assert "REQUEST SIGNATURES ARE NOT VERIFIED" in output


def test_serve_needs_a_skill_id(backend: Backend) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SKILL_ID"}
    done = skill_command("serve", "--port", str(free_port()), env=env)
    assert done.returncode == 2 and "SKILL_ID" in done.stderr


def test_the_placeholder_refuses_to_be_used() -> None:
    from skill.web.compat import ensure_importable

    if ensure_importable():  # this machine's OpenSSL breaks oscrypto: the placeholder is in use
        import certvalidator

        with pytest.raises(RuntimeError, match=r"skill\.web\.verify"):
            certvalidator.CertificateValidator(None)
