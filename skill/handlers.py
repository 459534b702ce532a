"""ASK SDK request handlers: each turns one kind of Alexa request into an engine event.

They stay thin on purpose: the conversation (`skill.conversation`) does the work, so the same path
serves Lambda, the web service and the terminal chat.
"""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response

from skill.conversation import Conversation
from skill.engine import Act, Event, Line
from skill.intents import event_for

log = logging.getLogger(__name__)


class _ConversationHandler(AbstractRequestHandler):
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation


class LaunchHandler(_ConversationHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.conversation.respond(handler_input, Event(Act.LAUNCH))


class IntentHandler(_ConversationHandler):
    """Every intent, known or not: `skill.intents` maps it to an event (unknown ones to fallback)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        assert isinstance(request, IntentRequest)
        return self.conversation.respond(handler_input, event_for(request.intent))


class PermissionAnswerHandler(_ConversationHandler):
    """The answer to our voice permission request. It arrives in a new session, without our session
    attributes: what was being asked for was saved in the household record before asking."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return is_request_type("Connections.Response")(handler_input) and getattr(request, "name", None) == "AskFor"

    def handle(self, handler_input: HandlerInput) -> Response:
        payload = getattr(handler_input.request_envelope.request, "payload", None) or {}
        status = str(payload.get("status", "NOT_ANSWERED")).upper()
        card_sent = str(payload.get("isCardThrown", "false")).lower() == "true"
        return self.conversation.respond(handler_input, Event(Act.PERMISSION, status=status, card_sent=card_sent))


class SessionEndedHandler(AbstractRequestHandler):
    """Nothing may be said here, and nothing needs saving: every turn already saved its changes."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        log.info(
            "session ended: reason=%s error=%s", getattr(request, "reason", None), getattr(error, "object_type", None)
        )
        return handler_input.response_builder.response


class SilentHandler(AbstractRequestHandler):
    """Requests that need no answer (System.ExceptionEncountered, and any type this skill does not use)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("ignored request type %s", getattr(request, "object_type", None))
        return handler_input.response_builder.response


class ApologyHandler(AbstractExceptionHandler):
    """Anything unexpected: log the kind of error (no personal data) and apologise, keeping the session."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("unhandled %s in a turn", exception.__class__.__name__, exc_info=exception)
        rb = handler_input.response_builder
        if is_request_type("SessionEndedRequest")(handler_input):
            return rb.response
        speech = self.conversation.speech
        apology = speech.render([Line("error")])
        return rb.speak(apology).ask(apology).response
