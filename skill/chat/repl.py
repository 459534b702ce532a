"""The terminal chat loop. Reads stdin line by line, so it can be scripted:

    printf 'start deep questions\\nnext\\nstop\\n' | python -m skill chat

An empty line is silence: the first plays the reprompt, the second times the session out, as a device
would. With no session open, any line is taken as "Alexa, ask Closer Together to ..." (an empty line
or "open closer together" launches the skill).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from skill.chat.envelopes import (
    REMINDERS_SCOPE,
    Device,
    Session,
    intent_request,
    launch_request,
    permission_response,
    session_ended_request,
)
from skill.chat.nlu import ModelNLU
from skill.speech import ssml_to_text

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
LOCAL_HOUSEHOLD = "amzn1.ask.account.LOCAL-CHAT-HOUSEHOLD"
LAMBDA_ENTRY = Path(__file__).resolve().parents[2] / "lambda" / "lambda_function.py"
# No Alexa APIs run locally: calls to them fail at once (the skill then uses UTC, and says it cannot
# reach the reminders service). Point this at a stand-in to try reminders from the chat.
CHAT_ALEXA_API = os.environ.get("CLOSER_TOGETHER_ALEXA_API", "https://127.0.0.1:9")


class Chat:
    def __init__(
        self,
        handler: Handler,
        out: TextIO,
        nlu: ModelNLU | None = None,
        device: Device | None = None,
        show_ssml: bool = False,
        echo: bool = False,
    ) -> None:
        self.handler = handler
        self.out = out
        self.nlu = nlu or ModelNLU.from_file()
        self.session = Session(device or Device(user_id=LOCAL_HOUSEHOLD, api_endpoint=CHAT_ALEXA_API))
        self.show_ssml = show_ssml
        self.echo = echo
        self.reprompt: str | None = None
        self.silences = 0
        self.asked_permission = False  # the skill asked Alexa to ask us for the reminders permission

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def send(self, request: dict[str, Any]) -> dict[str, Any] | None:
        envelope = self.session.request(request)
        try:
            response = self.handler(envelope, None)
        except Exception as e:  # noqa: BLE001 - a refused request (e.g. wrong skill id) is reported, not fatal
            self.say(f"(the skill refused the request: {e})")
            self.session.close()
            return None
        body = response.get("response", {})
        speech = (body.get("outputSpeech") or {}).get("ssml")
        reprompt = ((body.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        if speech:
            self.say("Alexa: " + (speech if self.show_ssml else ssml_to_text(speech)))
        if card := body.get("card"):
            self.say(f"(card in the Alexa app: {card.get('title')}: {card.get('content')})")
        self.reprompt = reprompt
        self.silences = 0
        if any(
            d.get("type") == "Connections.SendRequest" and d.get("name") == "AskFor"
            for d in body.get("directives") or []
        ):
            self.say("(Alexa asks: may Closer Together set reminders for you? yes or no)")
            self.asked_permission = True
        if request["type"] != "SessionEndedRequest":
            self.session.absorb(response)
            if not self.session.open:
                self.say("(session ended)")
        return response

    def end(self, reason: str) -> None:
        if self.session.open:
            self.send(session_ended_request(reason))
            self.session.close()

    def line(self, text: str) -> None:
        text = text.strip()
        if self.echo:
            self.say(f"You: {text}" if text else "You: (silence)")
        if self.asked_permission:  # Alexa's own consent question, answered in a new session
            self.asked_permission = False
            yes = self.nlu.parse(text).intent == "AMAZON.YesIntent"
            if yes:
                self.session.device.scopes[REMINDERS_SCOPE] = "GRANTED"
            self.session.close()
            self.send(permission_response("ACCEPTED" if yes else "DENIED"))
            return
        if self.session.open and not text:
            self.silences += 1
            if self.silences == 1 and self.reprompt:
                self.say("Alexa: " + (self.reprompt if self.show_ssml else ssml_to_text(self.reprompt)))
            else:
                self.end("EXCEEDED_MAX_REPROMPTS")
                self.say("(the session timed out)")
            return
        utterance = self.nlu.utterance(text)
        if utterance.kind == "launch":
            self.end("USER_INITIATED")
            self.send(launch_request())
            return
        assert utterance.parsed is not None
        if utterance.one_shot:
            self.end("USER_INITIATED")
        self.send(intent_request(utterance.parsed.intent, utterance.parsed.slots, self.session.device.application_id))

    def run(self, lines: TextIO, interactive: bool) -> None:
        if interactive:
            self.say(
                "Closer Together, typed. Say things as you would to Alexa; an empty line is silence; Ctrl-D leaves."
            )
            self.line("open closer together")
        for raw in iter(lambda: _readline(lines, interactive), None):
            self.line(raw)
        self.end("USER_INITIATED")


def _readline(stream: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return input("You: ")
        except EOFError:
            print(file=sys.stdout)
            return None
    raw = stream.readline()
    return raw if raw else None


def load_lambda_handler(module_name: str = "lambda_function") -> Handler:
    """`lambda_handler` from lambda/lambda_function.py, imported by path (`lambda` is a keyword, so the
    folder is no package): the chat goes through exactly what Lambda runs."""
    spec = importlib.util.spec_from_file_location(module_name, LAMBDA_ENTRY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.lambda_handler
    return handler


def main(show_ssml: bool = False) -> int:
    handler = load_lambda_handler()
    interactive = sys.stdin.isatty()
    Chat(handler, sys.stdout, show_ssml=show_ssml, echo=not interactive).run(sys.stdin, interactive)
    return 0
