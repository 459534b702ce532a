"""Tonight's gratitude prompt and the nightly reminder, through lambda_handler on both stores, against
the local HTTPS stand-in for the Alexa settings and Reminders APIs (tests/alexa_api.py)."""

from __future__ import annotations

import time

import pytest
from alexa_api import TOKEN, AlexaApiStandIn, Fault, reminder_time

from skill.content import default_catalog
from skill.store import household_key, store_from_env

from conftest import Backend
from support import Echo, zone_at

PROMPTS = [i.fields["prompt"] for i in default_catalog().banks["gratitude"]]


def prompt_in(speech: str) -> str:
    (prompt,) = [p for p in PROMPTS if p in speech]
    return prompt


def stored(echo: Echo) -> dict:  # type: ignore[type-arg]
    record = store_from_env().load(household_key(echo.device.user_id))
    assert record is not None
    return record.data


def ask_permission_turn(echo: Echo, when: str = "21:00") -> Echo:
    echo.one_shot("SetReminderIntent", time=when)
    (directive,) = echo.directives
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"] == {
        "@type": "AskForPermissionsConsentRequest",
        "@version": "1",
        "permissionScope": "alexa::alerts:reminders:skill:readwrite",
    }
    assert echo.ended
    return echo


def with_reminder(echo: Echo, alexa_api: AlexaApiStandIn, when: str = "21:00") -> str:
    echo.grant_reminders().one_shot("SetReminderIntent", time=when)
    assert "every night" in echo.speech.lower()
    (token,) = alexa_api.reminders
    return token


# --- tonight's gratitude prompt ------------------------------------------------------------------
def test_tonights_prompt_on_demand_is_the_same_all_night(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.one_shot("GratitudeIntent")
    first = prompt_in(echo.speech)
    assert (echo.ended and "Take turns" in echo.speech) or "Each of you" in echo.speech
    (call,) = alexa_api.calls("GET", "/v2/devices/")
    assert call.path == f"/v2/devices/{echo.device.device_id}/settings/System.timeZone"
    assert call.authorization == f"Bearer {TOKEN}"
    echo.one_shot("GratitudeIntent")
    assert prompt_in(echo.speech) == first
    assert stored(echo)["gratitude"]["prompt"] and len(stored(echo)["gratitude"]["recent"]) == 1


def test_tonight_is_the_households_local_date(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    alexa_api.time_zones[echo.device.device_id] = zone_at(12)
    echo.one_shot("GratitudeIntent")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo(zone_at(12)))
    assert stored(echo)["gratitude"]["night"] == local.date().isoformat()


def test_without_a_time_zone_tonight_is_utc(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    alexa_api.fail("GET", "/v2/devices/", Fault(status=503))
    echo.one_shot("GratitudeIntent")
    assert prompt_in(echo.speech)
    from datetime import UTC, datetime, timedelta

    expected = {(datetime.now(UTC) - timedelta(hours=h)).date().isoformat() for h in (0, 4)}
    assert stored(echo)["gratitude"]["night"] in expected


def test_an_exercise_finished_in_the_evening_offers_the_prompt_once(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    alexa_api.default_time_zone = zone_at(21)
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    for _ in range(4):
        echo.intent("AMAZON.NextIntent")
    assert "tonight's gratitude prompt" in echo.reprompt
    echo.intent("AMAZON.YesIntent")
    assert prompt_in(echo.speech) and echo.ended
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    for _ in range(4):
        echo.intent("AMAZON.NextIntent")
    assert "another exercise" in echo.reprompt  # offered once a night, and they already had it
    assert len(alexa_api.calls("GET", "/v2/devices/")) == 2  # once per session that needed the time


def test_by_day_the_end_of_an_exercise_offers_another(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    for _ in range(4):
        echo.intent("AMAZON.NextIntent")
    assert "another exercise" in echo.reprompt


# --- the nightly reminder: the permission round trip -----------------------------------------------
def test_permission_round_trip_creates_a_daily_reminder(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    alexa_api.time_zones[echo.device.device_id] = "Europe/Lisbon"
    ask_permission_turn(echo)
    assert "9 PM" in echo.speech and "permission" in echo.speech
    assert stored(echo)["pending_reminder"] == "21:00"  # saved before asking
    assert alexa_api.calls("POST") == []
    echo.permission_answer("ACCEPTED")  # a new session, no attributes: the record finishes the job
    assert echo.session.attributes == {} or "household" in echo.session.attributes
    assert "every night at 9 pm" in echo.speech.lower() and ("repeat" in echo.speech)
    (create,) = alexa_api.calls("POST", "/v1/alerts/reminders")
    body = create.body
    assert create.authorization == f"Bearer {TOKEN}"
    assert body["trigger"]["timeZoneId"] == "Europe/Lisbon"
    assert reminder_time(body) == "21:00" and body["trigger"]["scheduledTime"].endswith("T21:00:00")
    assert prompt_in(body["alertInfo"]["spokenInfo"]["content"][0]["text"])
    record = stored(echo)
    assert record["pending_reminder"] == ""
    assert record["reminder"] == {"token": next(iter(alexa_api.reminders)), "time": "21:00", "tz": "Europe/Lisbon"}


@pytest.mark.parametrize("status, card_thrown", [("DENIED", False), ("NOT_ANSWERED", False), ("NOT_ANSWERED", True)])
def test_permission_refused_explains_and_sends_the_card(
    echo: Echo, alexa_api: AlexaApiStandIn, status: str, card_thrown: bool
) -> None:
    ask_permission_turn(echo)
    echo.permission_answer(status, card_thrown)
    assert "Alexa app" in echo.speech and echo.ended
    card = echo.response["response"]["card"]
    assert card == {"type": "AskForPermissionsConsent", "permissions": ["alexa::alerts:reminders:skill:readwrite"]}
    assert alexa_api.calls("POST") == [] and alexa_api.reminders == {}
    assert stored(echo)["pending_reminder"] == "" and stored(echo)["reminder"] is None


def test_permission_accepted_with_nothing_pending_just_thanks(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.launch()
    echo.permission_answer("ACCEPTED")
    assert "Thank you" in echo.speech and alexa_api.calls("POST") == []


def test_already_granted_creates_at_once(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    with_reminder(echo, alexa_api, "EV")
    assert "every night at 7 pm" in echo.speech.lower() and echo.directives == []


def test_missing_time_is_asked_for(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.grant_reminders().launch().intent("SetReminderIntent")
    assert "What time" in echo.speech and not echo.ended
    echo.say("9:30 pm")
    assert "every night at 9:30 pm" in echo.speech.lower()
    (body,) = alexa_api.reminders.values()
    assert reminder_time(body) == "21:30"


@pytest.mark.parametrize("impossible", ["25:00", "12:75", "banana", "T99"])
def test_an_impossible_time_is_refused(echo: Echo, alexa_api: AlexaApiStandIn, impossible: str) -> None:
    echo.grant_reminders().launch().intent("SetReminderIntent", time=impossible)
    assert "can't set a reminder for that time" in echo.speech and "What time" in echo.speech and not echo.ended
    assert alexa_api.calls("POST") == []


# --- change, cancel, ask ------------------------------------------------------------------------
def test_changing_the_time_leaves_no_second_reminder(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    token = with_reminder(echo, alexa_api)
    echo.one_shot("SetReminderIntent", time="22:15")
    assert "now every night at 10:15 pm" in echo.speech.lower()
    assert list(alexa_api.reminders) == [token]
    assert reminder_time(alexa_api.reminders[token]) == "22:15"
    assert [c.method for c in alexa_api.calls("PUT")] == ["PUT"]
    assert stored(echo)["reminder"]["time"] == "22:15"


def test_changing_a_reminder_deleted_in_the_app_creates_a_new_one(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    token = with_reminder(echo, alexa_api)
    del alexa_api.reminders[token]  # the household deleted it in the Alexa app
    echo.one_shot("SetReminderIntent", time="20:00")
    (new_token,) = alexa_api.reminders
    assert new_token != token and stored(echo)["reminder"]["token"] == new_token


def test_when_is_our_reminder_comes_from_our_own_record(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.one_shot("ReminderStatusIntent")
    assert "don't have a gratitude reminder" in echo.speech
    with_reminder(echo, alexa_api, "21:45")
    before = len(alexa_api.received)
    echo.one_shot("ReminderStatusIntent")
    assert "9:45 PM, every night" in echo.speech
    assert [r.method for r in alexa_api.received[before:]] == []  # no get_reminders(): our record of the token


def test_cancel_deletes_the_reminder(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    token = with_reminder(echo, alexa_api)
    echo.one_shot("CancelReminderIntent")
    assert "cancelled" in echo.speech
    assert [c.path for c in alexa_api.calls("DELETE")] == [f"/v1/alerts/reminders/{token}"]
    assert alexa_api.reminders == {} and stored(echo)["reminder"] is None
    echo.one_shot("CancelReminderIntent")
    assert "don't have a gratitude reminder" in echo.speech


def test_cancel_of_a_reminder_already_gone_clears_our_record(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    token = with_reminder(echo, alexa_api)
    del alexa_api.reminders[token]
    echo.one_shot("CancelReminderIntent")
    assert "cancelled" in echo.speech and stored(echo)["reminder"] is None


def test_forgetting_us_deletes_the_reminder_too(echo: Echo, alexa_api: AlexaApiStandIn, backend: Backend) -> None:
    with_reminder(echo, alexa_api)
    echo.launch().intent("ForgetIntent").intent("AMAZON.YesIntent")
    assert alexa_api.reminders == {} and backend.versions() == {}


# --- faults: spoken, never half-done ---------------------------------------------------------------
def test_revoked_permission_asks_again(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.grant_reminders()
    alexa_api.revoked = True  # the scope still reads GRANTED, but the API says 401
    echo.one_shot("SetReminderIntent", time="21:00")
    assert "no longer have permission" in echo.speech
    assert [d["name"] for d in echo.directives] == ["AskFor"]
    assert stored(echo)["pending_reminder"] == "21:00" and stored(echo)["reminder"] is None
    alexa_api.revoked = False
    echo.permission_answer("ACCEPTED")
    assert "every night at 9 pm" in echo.speech.lower() and len(alexa_api.reminders) == 1


@pytest.mark.parametrize(
    "fault, words",
    [
        (Fault(403, body={"code": "MAX_REMINDERS_EXCEEDED", "message": "Too many"}), "too many reminders"),
        (Fault(429, body={"code": "TOO_MANY_REQUESTS", "message": "Slow down"}), "busy"),
        (Fault(500), "Something went wrong"),
        (Fault(503, body={"code": "SERVICE_UNAVAILABLE", "message": "Down"}), "Something went wrong"),
        (Fault(200, delay=4.0), "couldn't reach"),
    ],
    ids=["403", "429", "500", "503", "timeout"],
)
def test_api_faults_are_spoken_and_nothing_is_half_done(
    echo: Echo, alexa_api: AlexaApiStandIn, fault: Fault, words: str
) -> None:
    echo.grant_reminders()
    alexa_api.fail("POST", "/v1/alerts/reminders", fault)
    started = time.monotonic()
    echo.one_shot("SetReminderIntent", time="21:00")
    assert time.monotonic() - started < 7.5, "Alexa gives up after about 8 s"
    assert words in echo.speech
    record = store_from_env().load(household_key(echo.device.user_id))
    if record is not None:  # nothing at all stored is fine too: nothing changed
        assert record.data.get("reminder") is None and record.data.get("pending_reminder", "") == ""
    assert alexa_api.reminders == {}


@pytest.mark.parametrize("status", [429, 500])
def test_a_failed_cancel_keeps_the_reminder_and_says_so(echo: Echo, alexa_api: AlexaApiStandIn, status: int) -> None:
    token = with_reminder(echo, alexa_api)
    alexa_api.fail("DELETE", "/v1/alerts/reminders", Fault(status))
    echo.one_shot("CancelReminderIntent")
    assert "cancelled" not in echo.speech
    assert stored(echo)["reminder"]["token"] == token and token in alexa_api.reminders


def test_reminder_turns_in_the_middle_of_an_exercise_return_to_it(echo: Echo, alexa_api: AlexaApiStandIn) -> None:
    echo.grant_reminders().launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    echo.intent("SetReminderIntent", time="21:00")
    assert "every night at 9 pm" in echo.speech.lower() and not echo.ended
    assert "I would love it if" in echo.speech or "What I need is" in echo.speech
