"""One turn, from request to response: read the record, run the engine, save what changed, speak.

The household record travels in session attributes once read, so a session costs one store read; a
turn that changes nothing writes nothing. When the store fails the couple still gets an answer and the
session keeps going from its attributes; they are told only when their progress could not be saved.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.ui import AskForPermissionsConsentCard, SimpleCard

from skill.alexa_apis import REMINDERS_SCOPE, AlexaApis, reminders_granted
from skill.content import Catalog
from skill.engine import Act, Dialog, Event, Household, Line, Reply, handle
from skill.engine.merge import merge
from skill.engine.reply import Effect, EffectResult
from skill.speech import Speech
from skill.store import Store, StoreError, VersionConflict, household_key

log = logging.getLogger(__name__)

SAVE_ATTEMPTS = 5  # on a version conflict: reload, merge, retry at most this often
# Before each retry, a random pause of up to this many seconds, doubling each time (at most ~0.4 s in
# all): two devices saving in lockstep would otherwise keep colliding until one gives up.
CONFLICT_BACKOFF = 0.025


@dataclass
class Record:
    """The household as this session knows it. `version` None: the store could not be read."""

    household: Household
    version: int | None
    dialog: Dialog
    store_down: bool = False  # the store failed during this turn: do not call it again this turn
    warned: bool = False  # the couple was already told this session that progress is not being saved
    tz: str = ""  # the device's time zone, once looked up this session


class Conversation:
    def __init__(
        self,
        catalog: Catalog,
        store: Callable[[], Store],
        rng: random.Random | None = None,
        apis: AlexaApis | None = None,
    ) -> None:
        self.catalog = catalog
        self.rng = rng or random.Random()
        self.apis = apis or AlexaApis()
        self.speech = Speech(catalog, self.rng)
        self._store_factory = store
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        # Made on first use: importing or answering a SessionEndedRequest never opens the store.
        if self._store is None:
            self._store = self._store_factory()
        return self._store

    # --- the record -----------------------------------------------------------------------------
    def read(self, handler_input: HandlerInput, key: str) -> Record:
        """The record from session attributes; from the store at the start of a session, or when the
        session's record is not known to be stored (a failed read or save), to recover."""
        attrs = handler_input.attributes_manager.session_attributes or {}
        dialog = Dialog.from_dict(attrs.get("dialog"))
        warned = attrs.get("warned") is True
        tz = attrs["tz"] if isinstance(attrs.get("tz"), str) else ""
        record = self._read(attrs, key, dialog, warned)
        record.tz = tz
        return record

    def _read(self, attrs: dict[str, Any], key: str, dialog: Dialog, warned: bool) -> Record:
        session = Household.from_dict(attrs["household"]) if isinstance(attrs.get("household"), dict) else None
        if session is not None and attrs.get("version") is not None:
            return Record(session, int(attrs["version"]), dialog, warned=warned)
        try:
            stored = self.store.load(key)
        except StoreError as e:
            log.error("store read failed: %s", e)
            return Record(session or Household(), None, dialog, store_down=True, warned=warned)
        if stored is None:
            return Record(session or Household(), 0, dialog, warned=warned)
        theirs = Household.from_dict(stored.data)
        # Unsaved session changes go on top of what is stored (with nothing as the base, all of them count).
        household = merge(Household(), session, theirs) if session is not None else theirs
        return Record(household, stored.version, dialog, warned=warned)

    def write(self, key: str, base: Household, mine: Household, version: int) -> tuple[Household, int | None, bool]:
        """Saves `mine` (read as `base` at `version`); returns (record now, its version, saved?).
        On a version conflict: reload, merge (see skill.engine.merge), retry. When the save fails, the
        version comes back None: the next turn re-reads the store and merges the whole session record
        into it, so the unsaved change is neither lost nor mistaken for stored state."""
        try:
            for attempt in range(SAVE_ATTEMPTS):
                try:
                    return mine, self.store.save(key, mine.to_dict(), version), True
                except VersionConflict:
                    log.info("version conflict: reloading and merging")
                    if attempt == SAVE_ATTEMPTS - 1:
                        break
                    time.sleep(random.uniform(0, CONFLICT_BACKOFF * 2**attempt))  # not self.rng: that is the content's
                    stored = self.store.load(key)
                    theirs = Household.from_dict(stored.data) if stored else Household()
                    mine, base, version = merge(base, mine, theirs), theirs, stored.version if stored else 0
        except StoreError as e:
            log.error("store write failed: %s", e)
            return mine, None, False
        log.error("store write gave up after %d version conflicts", SAVE_ATTEMPTS)
        return mine, None, False

    # --- the outside world the engine asks about -------------------------------------------------
    def clock(self, handler_input: HandlerInput, record: Record) -> Callable[[], datetime]:
        """The household's local time; the time zone is looked up at most once a session."""

        def now() -> datetime:
            from zoneinfo import ZoneInfo  # imported by the turns that need the time, not at cold start

            if not record.tz:
                record.tz = self.apis.time_zone(handler_input)
            return datetime.now(ZoneInfo(record.tz))

        return now

    def carry_out(self, handler_input: HandlerInput, effect: Effect, record: Record) -> EffectResult:
        if effect.kind == "delete_reminder":
            return self.apis.delete_reminder(handler_input, effect.token)
        if not record.tz:
            record.tz = self.apis.time_zone(handler_input)
        text = self.speech.text([Line("reminder_text", {"prompt": effect.text})])
        return self.apis.set_reminder(handler_input, effect, text, record.tz)

    # --- the turn -------------------------------------------------------------------------------
    def respond(self, handler_input: HandlerInput, event: Event) -> Response:
        key = household_key(user_id(handler_input))
        record = self.read(handler_input, key)
        event = replace(
            event, reminders_granted=reminders_granted(handler_input), clock=self.clock(handler_input, record)
        )
        outcome = handle(self.catalog, record.household, record.dialog, event, self.rng)
        if outcome.reply.effect is not None:  # an API call first, then the engine settles the record
            result = self.carry_out(handler_input, outcome.reply.effect, record)
            done = replace(event, act=Act.EFFECT_DONE, result=result)
            outcome = handle(self.catalog, outcome.household, outcome.dialog, done, self.rng)
        reply = outcome.reply
        before = record.household.fit_to(self.catalog)  # what the engine started from
        household, version = outcome.household, record.version
        notes: list[Line] = []
        if reply.forget:
            if record.household.reminder is not None:  # forgetting us includes our reminder
                self.apis.delete_reminder(handler_input, record.household.reminder.token)
            try:
                self.store.delete(key)
                household, version = Household(), 0
            except StoreError as e:
                log.error("store delete failed: %s", e)
                reply = Reply(say=(Line("forget_failed"),), end_session=True)
        elif household != before:
            saved = False
            if version is not None and not record.store_down:
                household, version, saved = self.write(key, before, household, version)
            # Say so once a session, and only for progress (not the "heard the welcome" flag).
            if not saved and not record.warned and replace(household, welcomed=before.welcomed) != before:
                notes.append(Line("not_saved"))
                record.warned = True
        log.info("turn act=%s end=%s", event.act, reply.end_session)
        return self.build(handler_input, reply, notes, household, version, outcome.dialog, record)

    def build(
        self,
        handler_input: HandlerInput,
        reply: Reply,
        notes: list[Line],
        household: Household,
        version: int | None,
        dialog: Dialog,
        record: Record,
    ) -> Response:
        rb = handler_input.response_builder
        say = (*reply.say, *notes) if reply.end_session else (*notes, *reply.say)
        rb.speak(self.speech.render(say))
        if reply.end_session:
            rb.set_should_end_session(True)
        else:
            rb.ask(self.speech.render(reply.reprompt))
        if reply.card is not None:
            rb.set_card(SimpleCard(*self.speech.card(reply.card)))
        if reply.permission_card:
            rb.set_card(AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
        if reply.ask_permission:
            payload: dict[str, object] = {
                "@type": "AskForPermissionsConsentRequest",
                "@version": "1",
                "permissionScope": REMINDERS_SCOPE,
            }
            rb.add_directive(SendRequestDirective(name="AskFor", payload=payload, token="nightly-reminder"))
        attrs: dict[str, Any] = {}
        if not reply.end_session:
            attrs = {"household": household.to_dict(), "version": version, "dialog": dialog.to_dict()}
            if record.warned:
                attrs["warned"] = True
            if record.tz:
                attrs["tz"] = record.tz
        handler_input.attributes_manager.session_attributes = attrs
        return rb.response


def user_id(handler_input: HandlerInput) -> str:
    """The household's Alexa account id (shared by all its devices)."""
    context = handler_input.request_envelope.context
    user = context.system.user if context and context.system else None
    if user is None or not user.user_id:
        raise ValueError("request without context.System.user.userId")
    return str(user.user_id)
