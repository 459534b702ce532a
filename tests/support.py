"""Test helpers: an Echo that talks to the real Lambda entry point, and the one response check that
every response in the suite passes through."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from skill.chat.envelopes import (
    REMINDERS_SCOPE,
    Device,
    Session,
    intent_request,
    launch_request,
    permission_response,
    session_ended_request,
)
from skill.chat.nlu import ModelNLU, SlotFill
from skill.chat.repl import load_lambda_handler
from skill.speech import ssml_to_text
from skill.ssml import ssml_problems

ROOT = Path(__file__).resolve().parent.parent


def run_module(
    module: str, *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` as a user runs it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def skill_command(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_module("skill", *args, stdin=stdin, env=env)


NLU = ModelNLU.from_file()
MAX_RESPONSE_BYTES = 24 * 1024
SILENT_REQUESTS = {"SessionEndedRequest", "System.ExceptionEncountered"}  # Alexa takes no speech for these
API_ENDPOINT = "https://127.0.0.1:9"  # conftest points this at the Alexa API stand-in
# One zone per UTC offset from -10 to +14: some zone always has any local hour we want.
ZONES = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Cape_Verde",
    "UTC",
    "Africa/Lagos",
    "Africa/Cairo",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Tarawa",
    "Pacific/Tongatapu",
    "Pacific/Kiritimati",
]


def zone_at(hour: int) -> str:
    """A time zone where the local time is now as close as possible to `hour`:00."""
    now = datetime.now(UTC)

    def distance(zone: str) -> float:
        local = now.astimezone(ZoneInfo(zone))
        return abs((local.hour + local.minute / 60) - hour)

    return min(ZONES, key=distance)


_imports = iter(range(1, 1_000_000))


def new_lambda_handler() -> Any:
    """`lambda_handler` from a fresh import of lambda/lambda_function.py: a new container, as far as the
    skill can tell (new skill object, new store connection, nothing cached from earlier requests)."""
    return load_lambda_handler(f"lambda_function_{next(_imports)}")


def check_response(envelope: dict[str, Any], response: dict[str, Any]) -> None:
    """The rules every response obeys (CONTRACT.md, "Alexa behaviour")."""
    assert response.get("version") == "1.0", response
    body = response.get("response")
    assert isinstance(body, dict), response
    assert len(json.dumps(response).encode()) <= MAX_RESPONSE_BYTES, "response over 24 KB"
    json.dumps(response.get("sessionAttributes") or {})  # must be plain JSON
    if envelope["request"]["type"] in SILENT_REQUESTS:
        assert not body.get("outputSpeech") and not body.get("reprompt") and not body.get("card"), body
        return
    speech = body.get("outputSpeech")
    assert speech and speech.get("type") == "SSML", body
    assert not (problems := ssml_problems(speech["ssml"])), (problems, speech["ssml"])
    assert isinstance(body.get("shouldEndSession"), bool), "shouldEndSession must be explicit"
    if body["shouldEndSession"] is False:
        reprompt = (body.get("reprompt") or {}).get("outputSpeech")
        assert reprompt and reprompt.get("type") == "SSML", "an open session needs a reprompt"
        assert not (problems := ssml_problems(reprompt["ssml"])), (problems, reprompt["ssml"])
    if (card := body.get("card")) and card.get("type") == "AskForPermissionsConsent":
        assert card.get("permissions") == [REMINDERS_SCOPE], card
    elif card:
        assert card.get("type") == "Simple" and card.get("title") and card.get("content"), card
        assert "<" not in card["content"], "cards are plain text"
    for directive in body.get("directives") or []:
        assert directive["type"] == "Connections.SendRequest", directive  # the only directive this skill sends
        assert body["shouldEndSession"] is True, "AskFor hands the conversation to Alexa: the session must end"


def checked(handler: Any) -> Any:
    """Wraps a handler so every response it gives is checked."""

    def call(envelope: dict[str, Any], context: Any = None) -> dict[str, Any]:
        response: dict[str, Any] = handler(envelope, context)
        check_response(envelope, response)
        return response

    return call


def slot(intent: str, name: str, value: str) -> SlotFill:
    """A slot as Alexa would fill it: custom values resolved against the model's values and synonyms.
    AMAZON.TIME values are given as Alexa sends them ("21:00", "EV"), and passed on as they are."""
    type_ = NLU.slot_types[intent][name]
    return SlotFill(value, type_) if type_ == "AMAZON.TIME" else NLU.resolve(type_, value)


class Echo:
    """One Alexa device of a household, talking to a handler over realistic envelopes."""

    def __init__(self, handler: Any, device: Device | None = None) -> None:
        self.handler = checked(handler)
        self.device = device or Device(api_endpoint=API_ENDPOINT)
        self.session = Session(self.device)
        self.response: dict[str, Any] = {}

    def other_device(self, handler: Any | None = None) -> Echo:
        """Another Echo in the same household (same account, different device)."""
        device = Device(
            user_id=self.device.user_id,
            application_id=self.device.application_id,
            api_endpoint=self.device.api_endpoint,
        )
        return Echo(handler or self.handler, device)

    def send(self, request: dict[str, Any]) -> Echo:
        envelope = self.session.request(request)
        self.response = self.handler(envelope, None)
        if request["type"] == "SessionEndedRequest":
            self.session.close()
        else:
            self.session.absorb(self.response)
        return self

    def launch(self) -> Echo:
        self.session.close()
        return self.send(launch_request())

    def intent(self, name: str, **slots: str) -> Echo:
        fills = {k: slot(name, k, v) for k, v in slots.items()}
        return self.send(intent_request(name, fills, self.device.application_id))

    def one_shot(self, name: str, **slots: str) -> Echo:
        """ "Alexa, ask Closer Together to ...": a new session that starts with an intent."""
        self.session.close()
        return self.intent(name, **slots)

    def say(self, text: str) -> Echo:
        """Typed as spoken: resolved to an intent through the model, like the chat does."""
        parsed = NLU.parse(text)
        return self.send(intent_request(parsed.intent, parsed.slots, self.device.application_id))

    def grant_reminders(self, granted: bool = True) -> Echo:
        """The household allowed (or withdrew) the reminders permission in the Alexa app."""
        self.device.scopes[REMINDERS_SCOPE] = "GRANTED" if granted else "DENIED"
        return self

    def permission_answer(self, status: str, card_thrown: bool = False) -> Echo:
        """Alexa's Connections.Response to our AskFor: a new session, without our attributes."""
        if status == "ACCEPTED":
            self.grant_reminders()
        self.session.close()
        return self.send(permission_response(status, card_thrown))

    @property
    def directives(self) -> list[dict[str, Any]]:
        directives: list[dict[str, Any]] = self.response.get("response", {}).get("directives") or []
        return directives

    def end(self, reason: str = "USER_INITIATED", error: str | None = None) -> Echo:
        return self.send(session_ended_request(reason, error))

    @property
    def speech(self) -> str:
        ssml = (self.response.get("response", {}).get("outputSpeech") or {}).get("ssml", "")
        return ssml_to_text(ssml)

    @property
    def reprompt(self) -> str:
        ssml = ((self.response.get("response", {}).get("reprompt") or {}).get("outputSpeech") or {}).get("ssml", "")
        return ssml_to_text(ssml)

    @property
    def ended(self) -> bool:
        return self.response.get("response", {}).get("shouldEndSession") is True
