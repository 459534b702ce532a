"""The Alexa APIs this skill calls: device settings (time zone) and Reminders, through the ASK SDK's
service clients.

`DefaultApiClient` sets no timeout, so a stalled API could hold a turn past Alexa's ~8 s; ours bounds
every call. It is built on first use, so importing the skill does not import `requests`.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.engine.reply import Effect, EffectResult
from skill.engine.times import parse_time

log = logging.getLogger(__name__)

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"
API_TIMEOUT = (1.0, 2.5)  # seconds to connect, to read


class TimedApiClient(ApiClient):
    """`ask_sdk_core.api_client.DefaultApiClient` with a timeout, created on the first call."""

    def __init__(self) -> None:
        self._client: Any = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if self._client is None:
            import requests
            from ask_sdk_core.api_client import DefaultApiClient

            class _Timed(DefaultApiClient):
                def _resolve_method(self, request: ApiClientRequest) -> Any:
                    return functools.partial(getattr(requests, request.method.lower()), timeout=API_TIMEOUT)

            self._client = _Timed()
        response: ApiClientResponse = self._client.invoke(request)
        return response


def _system(handler_input: HandlerInput) -> Any:
    context = handler_input.request_envelope.context
    return context.system if context is not None else None


def reminders_granted(handler_input: HandlerInput) -> bool:
    user = getattr(_system(handler_input), "user", None)
    permissions = getattr(user, "permissions", None)
    scope = (getattr(permissions, "scopes", None) or {}).get(REMINDERS_SCOPE)
    status = getattr(scope, "status", None)
    return getattr(status, "value", status) == "GRANTED"


def _status(error: Exception) -> int | None:
    """The HTTP status of a failed call; None when no answer came (timeout, refused connection). The
    SDK's service clients report those as a 500 without headers, so headers tell the two apart."""
    from ask_sdk_model.services import ServiceException

    if isinstance(error, ServiceException) and error.headers is not None:
        return int(error.status_code)
    return None


class AlexaApis:
    def time_zone(self, handler_input: HandlerInput) -> str:
        """The device's time zone from the settings API; UTC when it cannot be had."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only turns that need the time pay for it

        try:
            device_id = _system(handler_input).device.device_id
            tz = str(handler_input.service_client_factory.get_ups_service().get_system_time_zone(device_id))
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError) as e:
            log.warning("unusable time zone from the settings API: %s", e.__class__.__name__)
        except Exception as e:  # noqa: BLE001 - any API failure means "unknown": fall back to UTC
            log.warning("settings API failed: %s %s", e.__class__.__name__, _status(e))
        return "UTC"

    def set_reminder(self, handler_input: HandlerInput, effect: Effect, text: str, tz: str) -> EffectResult:
        """Updates the household's reminder to `effect.time` (creates one when there is none, or when
        it was deleted in the Alexa app), recurring daily in `tz`."""
        locale = getattr(handler_input.request_envelope.request, "locale", None) or "en-US"
        request = _reminder_request(effect.time, text, tz, locale)
        client = handler_input.service_client_factory.get_reminder_management_service()
        response: Any
        try:
            if effect.token:
                try:
                    response = client.update_reminder(effect.token, request)
                except Exception as e:
                    if _status(e) != 404:
                        raise
                    response = client.create_reminder(request)
            else:
                response = client.create_reminder(request)
        except Exception as e:  # noqa: BLE001 - every failure is spoken; the engine picks the words
            log.error("reminder set failed: %s %s", e.__class__.__name__, _status(e))
            return EffectResult("set_reminder", ok=False, status=_status(e))
        return EffectResult("set_reminder", ok=True, token=str(response.alert_token), tz=tz)

    def delete_reminder(self, handler_input: HandlerInput, token: str) -> EffectResult:
        try:
            handler_input.service_client_factory.get_reminder_management_service().delete_reminder(token)
        except Exception as e:  # noqa: BLE001 - see set_reminder
            log.error("reminder delete failed: %s %s", e.__class__.__name__, _status(e))
            return EffectResult("delete_reminder", ok=False, status=_status(e))
        return EffectResult("delete_reminder", ok=True)


def _reminder_request(time: str, text: str, tz: str, locale: str) -> Any:
    """A daily reminder at `time` (local, "HH:MM") in `tz`, per the Reminders API: local times carry no
    offset; the recurrence is an RFC 5545 rule starting at the next occurrence."""
    from zoneinfo import ZoneInfo

    from ask_sdk_model.services.reminder_management import (
        AlertInfo,
        PushNotification,
        PushNotificationStatus,
        Recurrence,
        ReminderRequest,
        SpokenInfo,
        SpokenText,
        Trigger,
        TriggerType,
    )

    parsed = parse_time(time)
    assert parsed is not None
    hour, minute = parsed
    now = datetime.now(ZoneInfo(tz)).replace(tzinfo=None)
    first = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if first <= now:
        first += timedelta(days=1)
    rule = f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute};BYSECOND=0;INTERVAL=1;"
    return ReminderRequest(
        request_time=now.replace(microsecond=0),
        trigger=Trigger(
            object_type=TriggerType.SCHEDULED_ABSOLUTE,
            scheduled_time=first,
            time_zone_id=tz,
            recurrence=Recurrence(start_date_time=first, recurrence_rules=[rule]),
        ),
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=text)])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )
