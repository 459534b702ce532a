"""Request envelopes shaped like the ones Alexa sends (for the chat, and for tests).

Field names and nesting follow the Alexa request JSON reference: `version`, `session` (new,
sessionId, application, attributes, user), `context.System` (application, user with permissions,
device with supportedInterfaces, apiEndpoint, apiAccessToken) and `request` (type, requestId,
timestamp, locale, ...), with entity-resolution blocks on custom slot values.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill.chat.nlu import SlotFill

DEFAULT_APP_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
API_ENDPOINT = "https://api.amazonalexa.com"


def _id(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4()}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Device:
    """One Echo of a household: the household (user) id is shared, the device id is not."""

    user_id: str = field(default_factory=lambda: _id("amzn1.ask.account") + "ABCDEFGHIJKLMNOP")
    device_id: str = field(default_factory=lambda: _id("amzn1.ask.device"))
    application_id: str = DEFAULT_APP_ID
    locale: str = "en-US"
    api_endpoint: str = API_ENDPOINT
    api_access_token: str = "test-api-access-token"
    scopes: dict[str, str] = field(default_factory=dict)  # permission scope -> GRANTED / DENIED

    def envelope(
        self, request: dict[str, Any], session_id: str | None, new: bool, attributes: dict[str, Any] | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"userId": self.user_id}
        if self.scopes:
            user["permissions"] = {
                "consentToken": self.api_access_token,
                "scopes": {s: {"status": status} for s, status in self.scopes.items()},
            }
        envelope: dict[str, Any] = {
            "version": "1.0",
            "context": {
                "System": {
                    "application": {"applicationId": self.application_id},
                    "user": user,
                    "device": {"deviceId": self.device_id, "supportedInterfaces": {}},
                    "apiEndpoint": self.api_endpoint,
                    "apiAccessToken": self.api_access_token,
                }
            },
            "request": {
                "requestId": _id("amzn1.echo-api.request"),
                "timestamp": _now(),
                "locale": self.locale,
                **request,
            },
        }
        if session_id is not None:
            envelope["session"] = {
                "new": new,
                "sessionId": session_id,
                "application": {"applicationId": self.application_id},
                "attributes": attributes or {},
                "user": user,
            }
        return envelope


def launch_request() -> dict[str, Any]:
    return {"type": "LaunchRequest"}


def intent_request(
    intent: str, slots: dict[str, SlotFill] | None = None, application_id: str = DEFAULT_APP_ID
) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {
            "name": intent,
            "confirmationStatus": "NONE",
            "slots": {name: slot_json(name, fill, application_id) for name, fill in (slots or {}).items()},
        },
    }


def slot_json(name: str, fill: SlotFill, application_id: str = DEFAULT_APP_ID) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "value": fill.value, "confirmationStatus": "NONE", "source": "USER"}
    if not fill.type.startswith("AMAZON."):
        authority = f"amzn1.er-authority.echo-sdk.{application_id}.{fill.type}"
        if fill.id:
            resolution = {
                "authority": authority,
                "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": fill.canonical or fill.value, "id": fill.id}}],
            }
        else:
            resolution = {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}
        slot["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    return slot


REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"


def permission_response(status: str, card_thrown: bool = False) -> dict[str, Any]:
    """Alexa's answer to a skill's AskFor (voice permission) request."""
    payload = {"permissionScope": REMINDERS_SCOPE, "status": status, "isCardThrown": str(card_thrown).lower()}
    return {
        "type": "Connections.Response",
        "name": "AskFor",
        "status": {"code": "200", "message": "OK"},
        "payload": payload,
        "token": "nightly-reminder",
    }


def session_ended_request(reason: str, error_type: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if error_type:
        request["error"] = {"type": error_type, "message": "An error occurred."}
    return request


class Session:
    """A device's conversation: carries session attributes turn to turn, like Alexa does."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.id: str | None = None
        self.attributes: dict[str, Any] = {}
        self.turns = 0

    @property
    def open(self) -> bool:
        return self.id is not None

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        """The envelope for the next request, opening a session if none is open."""
        if self.id is None:
            self.id, self.attributes, self.turns = _id("amzn1.echo-api.session"), {}, 0
        envelope = self.device.envelope(request, self.id, self.turns == 0, self.attributes)
        self.turns += 1
        return envelope

    def absorb(self, response: dict[str, Any]) -> None:
        """Keeps what the skill returned: attributes, and whether the session is still open."""
        self.attributes = response.get("sessionAttributes") or {}
        if response.get("response", {}).get("shouldEndSession", True) is not False:
            self.close()

    def close(self) -> None:
        self.id, self.attributes = None, {}
