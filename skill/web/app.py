"""The Flask app: flask-ask-sdk's SkillAdapter on `POST /alexa`, serving the same skill as Lambda.

Every request goes through, in order: a body-size limit (413), a shape check (400: not JSON, not an
Alexa envelope, or a request type this skill does not take), then the adapter's verifiers (400): the
signature (unless turned off for local use), the timestamp (within 150 s) and the skill id. Only then
does the skill run. Errors inside the skill are answered by its own spoken apology.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from skill.web.compat import ensure_importable

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024  # Alexa's requests are a few KB, session attributes included
REQUEST_TYPES = frozenset(
    {"LaunchRequest", "IntentRequest", "SessionEndedRequest", "Connections.Response", "System.ExceptionEncountered"}
)


def envelope_problem(body: bytes) -> str:
    """Why `body` is not an Alexa request this skill takes ("" when it is)."""
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "body is not JSON"
    if not isinstance(envelope, dict):
        return "body is not a request envelope"
    system = (envelope.get("context") or {}).get("System") if isinstance(envelope.get("context"), dict) else None
    req = envelope.get("request")
    if not isinstance(system, dict) or not isinstance(req, dict):
        return "envelope lacks context.System or request"
    if not isinstance((system.get("application") or {}).get("applicationId"), str):
        return "envelope lacks the application id"
    if not isinstance((system.get("user") or {}).get("userId"), str):
        return "envelope lacks the user id"
    if req.get("type") not in REQUEST_TYPES:
        return "request type not handled"
    if not isinstance(req.get("timestamp"), str) or not isinstance(req.get("requestId"), str):
        return "request lacks a timestamp or id"
    if "session" in envelope and not isinstance(envelope["session"], dict):
        return "session is not an object"
    return ""


def create_app(
    skill_id: str | None = None,
    verify_signature: bool = True,
    trusted_roots: Sequence[x509.Certificate] | None = None,
    fetch: Any = None,
) -> Flask:
    """The web service. `skill_id` defaults to SKILL_ID and is required: the skill-id check is always on.
    `trusted_roots` and `fetch` (URL -> PEM bytes) replace the certifi roots and the HTTPS download."""
    skill_id = skill_id or os.environ.get("SKILL_ID")
    if not skill_id:
        raise ValueError("the web service needs the skill id: set SKILL_ID")
    ensure_importable()
    from ask_sdk_webservice_support.verifier_constants import CHARACTER_ENCODING  # noqa: F401 - import check
    from flask_ask_sdk.skill_adapter import (
        VERIFY_SIGNATURE_APP_CONFIG,
        VERIFY_TIMESTAMP_APP_CONFIG,
        SkillAdapter,
    )

    from skill.app import build_skill_builder
    from skill.web.verify import SignatureVerifier, SkillIdVerifier, download

    app = Flask("closer_together")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False  # the SDK's RequestVerifier needs certvalidator: ours instead
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = True  # the SDK's TimestampVerifier: 150 s, always on
    verifiers: list[Any] = [SkillIdVerifier(skill_id)]
    if verify_signature:
        verifiers.insert(0, SignatureVerifier(trusted_roots, fetch or download))
    else:
        log.warning("REQUEST SIGNATURES ARE NOT VERIFIED: anyone can send this service requests. Local use only.")
    skill = build_skill_builder(skill_id=skill_id).create()
    adapter = SkillAdapter(skill=skill, skill_id=skill_id, verifiers=verifiers, app=app)

    @app.post("/alexa")
    def alexa() -> Any:
        if problem := envelope_problem(request.get_data(cache=True)):
            return jsonify(error="bad request", detail=problem), 400
        return adapter.dispatch_request()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        # JSON, terse, never a stack trace or a request body.
        return jsonify(error=error.name.lower(), detail=error.description), error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.error("unexpected %s in the web service", error.__class__.__name__)
        return jsonify(error="internal server error"), 500

    return app
