"""Builds the skill: one object serves Lambda, the web service and the terminal chat."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.alexa_apis import AlexaApis, TimedApiClient
from skill.content import Catalog, default_catalog
from skill.conversation import Conversation
from skill.handlers import (
    ApologyHandler,
    IntentHandler,
    LaunchHandler,
    PermissionAnswerHandler,
    SessionEndedHandler,
    SilentHandler,
)
from skill.store import Store, store_from_env


def build_skill_builder(
    store: Callable[[], Store] = store_from_env,
    catalog: Catalog | None = None,
    rng: random.Random | None = None,
    skill_id: str | None = None,
    apis: AlexaApis | None = None,
) -> CustomSkillBuilder:
    """The configured builder. `store` is called once, on the first request that needs the record.
    `skill_id` defaults to `SKILL_ID`: when set, the SDK refuses requests for any other skill before a
    handler (and so the store) is reached."""
    conversation = Conversation(catalog or default_catalog(), store, rng, apis)
    sb = CustomSkillBuilder(api_client=TimedApiClient())  # service clients: settings and reminders
    sb.skill_id = skill_id if skill_id is not None else (os.environ.get("SKILL_ID") or None)  # type: ignore[assignment]
    sb.add_request_handler(LaunchHandler(conversation))
    sb.add_request_handler(IntentHandler(conversation))
    sb.add_request_handler(PermissionAnswerHandler(conversation))
    sb.add_request_handler(SessionEndedHandler())
    sb.add_request_handler(SilentHandler())  # last: catches every other request type
    sb.add_exception_handler(ApologyHandler(conversation))
    return sb
