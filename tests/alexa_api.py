"""A local HTTPS stand-in for the Alexa APIs the skill calls: device settings (time zone) and
Reminders (create, update, delete). It follows the documented requests and responses, checks what
it is sent (bearer token, local times without offsets, a daily recurrence, spoken text), records
every request, and can be told to fail the way the real service does. Its certificate comes from a
test CA that the skill's HTTP client trusts through REQUESTS_CA_BUNDLE, as the SDK refuses plain HTTP.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme

TOKEN = "test-api-access-token"
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")  # no "Z", no offset
_RULE = re.compile(r"^FREQ=DAILY;BYHOUR=(\d{1,2});BYMINUTE=(\d{1,2});BYSECOND=0;INTERVAL=1;$")


@dataclass
class Received:
    method: str
    path: str
    authorization: str
    body: Any


@dataclass
class Fault:
    status: int = 500
    delay: float = 0.0
    body: dict[str, Any] = field(default_factory=lambda: {"code": "INTERNAL_ERROR", "message": "Internal error"})


class AlexaApiStandIn:
    def __init__(self, cert_dir: Path) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_bundle = cert_dir / "alexa-api-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self.time_zones: dict[str, str] = {}  # device id -> IANA zone; others get default_time_zone
        self.default_time_zone = "America/New_York"
        self.reminders: dict[str, dict[str, Any]] = {}  # alertToken -> request body
        self.received: list[Received] = []
        self.faults: deque[tuple[str, str, Fault]] = deque()  # (method, path prefix, fault), first match used
        self.revoked = False  # the household turned the reminders permission off in the Alexa app
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> AlexaApiStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.time_zones.clear()
            self.default_time_zone = "America/New_York"
            self.reminders.clear()
            self.received.clear()
            self.faults.clear()
            self.revoked = False

    def fail(self, method: str, path: str, fault: Fault) -> None:
        """The next `method` request whose path starts with `path` gets `fault`."""
        with self.lock:
            self.faults.append((method, path, fault))

    def calls(self, method: str, prefix: str = "") -> list[Received]:
        return [r for r in self.received if r.method == method and r.path.startswith(prefix)]

    # --- the server -------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> Any:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return json.loads(raw) if raw else None

            def _send(self, status: int, body: Any = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client stopped waiting

            def _serve(self) -> None:
                body = self._body()
                with api.lock:
                    api.received.append(Received(self.command, self.path, self.headers.get("Authorization", ""), body))
                    fault = next((f for f in api.faults if f[0] == self.command and self.path.startswith(f[1])), None)
                    if fault:
                        api.faults.remove(fault)
                if fault:
                    time.sleep(fault[2].delay)
                    self._send(fault[2].status, fault[2].body)
                    return
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(401, {"code": "UNAUTHORIZED", "message": "Invalid token"})
                    return
                status, reply = api.route(self.command, self.path, body)
                self._send(status, reply)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler

    def route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        m = re.fullmatch(r"/v2/devices/([^/]+)/settings/System\.timeZone", path)
        if method == "GET" and m:
            return 200, self.time_zones.get(m.group(1), self.default_time_zone)
        if path.startswith("/v1/alerts/reminders") and self.revoked:
            return 401, {"code": "UNAUTHORIZED", "message": "Permission not granted"}
        if method == "POST" and path == "/v1/alerts/reminders":
            if problem := reminder_problem(body):
                return 400, {"code": "INVALID_REQUEST", "message": problem}
            token = str(uuid.uuid4())
            with self.lock:
                self.reminders[token] = body
            return 200, reminder_response(token)
        m = re.fullmatch(r"/v1/alerts/reminders/([^/]+)", path)
        if m and method in ("PUT", "DELETE"):
            token = m.group(1)
            with self.lock:
                if token not in self.reminders:
                    return 404, {"code": "NOT_FOUND", "message": "Reminder not found"}
                if method == "DELETE":
                    del self.reminders[token]
                    return 200, None
                if problem := reminder_problem(body):
                    return 400, {"code": "INVALID_REQUEST", "message": problem}
                self.reminders[token] = body
            return 200, reminder_response(token)
        return 404, {"code": "NOT_FOUND", "message": f"No route for {method} {path}"}


def reminder_response(token: str) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    return {
        "alertToken": token,
        "createdTime": now,
        "updatedTime": now,
        "status": "ON",
        "version": "1",
        "href": f"/v1/alerts/reminders/{token}",
    }


def reminder_problem(body: Any) -> str:
    """What the Reminders API would refuse in a create/update body ("" when it is acceptable)."""
    try:
        trigger = body["trigger"]
        if trigger["type"] != "SCHEDULED_ABSOLUTE":
            return "trigger.type"
        if not trigger.get("timeZoneId"):
            return "trigger.timeZoneId"
        if not _LOCAL_TIME.match(trigger["scheduledTime"]):
            return "UNSUPPORTED_SCHEDULED_TIME_FORMAT"
        recurrence = trigger["recurrence"]
        if not _LOCAL_TIME.match(recurrence["startDateTime"]):
            return "recurrence.startDateTime"
        (rule,) = recurrence["recurrenceRules"]
        if not _RULE.match(rule):
            return "recurrence.recurrenceRules"
        (content,) = body["alertInfo"]["spokenInfo"]["content"]
        if not content["text"] or not content["locale"]:
            return "alertInfo.spokenInfo"
        if not _LOCAL_TIME.match(body["requestTime"]):
            return "requestTime"
    except (KeyError, TypeError, ValueError) as e:
        return f"malformed: {e!r}"
    return ""


def reminder_time(body: dict[str, Any]) -> str:
    """ "HH:MM" of a reminder body's daily rule."""
    m = _RULE.match(body["trigger"]["recurrence"]["recurrenceRules"][0])
    assert m
    return f"{int(m.group(1)):02d}:{int(m.group(2)):02d}"
