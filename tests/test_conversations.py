"""Whole conversations through lambda/lambda_function.py, with envelopes shaped like Alexa's.

Every response passes `support.check_response` (valid SSML within limits, a reprompt whenever the
session stays open, nothing said to SessionEndedRequest).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from skill.content import default_catalog

from conftest import Backend
from support import Echo

CAT = default_catalog()


def bank_item(speech: str, bank: str) -> str:
    """The id of the bank item spoken in `speech`, whichever phrasing framed it."""
    (found,) = [item.id for item in CAT.banks[bank] if all(text in speech for text in item.fields.values())]
    return found


def asker(question: str) -> str:
    """Who was told to ask, in any of the step's phrasings."""
    m = re.search(r"(\w+), ask|(\w+), this one's yours", question)
    assert m, question
    return m.group(1) or m.group(2)


def walk_to_end(echo: Echo, exercise: str) -> list[str]:
    """Says "next" until the exercise is complete; returns everything heard."""
    heard = [echo.speech]
    for _ in range(40):
        if "would you like" in echo.reprompt.lower() and "exercise" in echo.reprompt.lower():
            return heard
        echo.intent("AMAZON.NextIntent")
        heard.append(echo.speech)
    raise AssertionError(f"{exercise} never ended: {heard[-3:]}")


def test_launch_tells_what_it_offers_and_waits(echo: Echo) -> None:
    echo.launch()
    assert not echo.ended
    for name in ("asking for what you need", "conflict styles", "deep questions", "love notes"):
        assert name in echo.speech
    assert "not a substitute" in echo.speech
    assert "which" in echo.reprompt.lower()


@pytest.mark.parametrize(
    "utterance, title",
    [
        ("start deep questions", "Deep questions."),
        ("let's do the conversation starters", "Deep questions."),
        ("help us talk about conflict", "Conflict styles."),
        ("give us a love note idea", "Handwritten notes."),
        ("let's do asking for what we need", "Asking for what you need."),
        ("start exercise two", "Conflict styles."),
    ],
)
def test_exercises_start_from_natural_phrases(echo: Echo, utterance: str, title: str) -> None:
    echo.launch().say(utterance)
    assert echo.speech.startswith(title)


def test_asking_exercise_end_to_end_with_names(echo: Echo) -> None:
    echo.launch().intent("SetNamesIntent", firstName="alex", secondName="sam")
    assert "Alex and Sam" in echo.speech
    echo.intent("StartExerciseIntent", exercise="asking for what you need")
    heard = walk_to_end(echo, "asking")
    text = " ".join(heard)
    assert "Absolutely! Thank you for being honest about what you need!" in text
    assert heard[1].startswith("Alex") and heard[2].startswith("Sam")
    assert ("habit" in heard[-1] and "end of Asking for what you need" in heard[-1]) or "completes" in heard[-1]
    echo.intent("AMAZON.NoIntent")
    assert echo.ended


def test_conflict_exercise_gathers_preferences_and_summarises_the_plan(echo: Echo) -> None:
    echo.launch().intent("SetNamesIntent", firstName="Jo", secondName="Kim")
    echo.intent("StartExerciseIntent", exercise="conflict")
    for _ in range(3):
        echo.intent("AMAZON.NextIntent")
    assert "Jo" in echo.speech and "calm down first" in echo.speech
    echo.say("I need time to calm down")
    assert "Jo likes time to calm down first" in echo.speech and "Kim" in echo.speech
    echo.say("talk it through right away")
    assert "Kim likes to talk it through right away" in echo.speech
    assert "signal word" in echo.speech
    echo.intent("AMAZON.NextIntent")
    assert "Here's your plan" in echo.speech
    assert "Jo likes time to calm down first, and Kim likes to talk it through right away" in echo.speech


def test_conflict_choice_that_is_not_an_option_is_asked_again(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="conflict")
    for _ in range(3):
        echo.intent("AMAZON.NextIntent")
    echo.intent("ChooseStyleIntent", style="purple elephants")
    assert "didn't catch" in echo.speech and "partner one" in echo.speech and not echo.ended


def test_deep_questions_include_the_seed_and_alternate(echo: Echo) -> None:
    echo.launch().intent("SetNamesIntent", firstName="Alex", secondName="Sam")
    echo.intent("StartExerciseIntent", exercise="deep questions")
    heard = walk_to_end(echo, "deep_questions")
    questions = heard[1:7]
    assert len(set(questions)) == 6
    askers = [asker(q) for q in questions]
    assert askers == ["Alex", "Sam"] * 3
    assert "won't repeat a question" in heard[-1]


def test_love_notes_give_ideas_with_what_to_write(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="love notes")
    echo.say("another idea")
    assert bank_item(echo.speech, "love_notes")  # the idea and what to write, both spoken
    walk_to_end(echo, "love_notes")


def test_stop_keeps_the_place_and_launch_offers_to_resume(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="deep questions").intent("AMAZON.NextIntent")
    question = bank_item(echo.speech, "deep_questions")
    echo.intent("AMAZON.StopIntent")
    assert echo.ended and "pick up where we left off" in echo.speech
    echo.end("USER_INITIATED")
    echo.launch()
    assert "Deep questions" in echo.speech and "pick up" in echo.speech
    echo.intent("AMAZON.YesIntent")
    assert bank_item(echo.speech, "deep_questions") == question


@pytest.mark.parametrize(
    "reason, error",
    [
        ("EXCEEDED_MAX_REPROMPTS", None),
        ("USER_INITIATED", None),
        ("ERROR", "INVALID_RESPONSE"),
        ("ERROR", "DEVICE_COMMUNICATION_ERROR"),
        ("ERROR", "INTERNAL_SERVICE_ERROR"),
    ],
)
def test_session_end_of_every_reason_says_nothing_and_keeps_progress(
    echo: Echo, reason: str, error: str | None
) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    echo.end(reason, error)
    assert echo.response["response"] == {}
    echo.one_shot("ContinueIntent")
    assert "Picking up" in echo.speech or "back to" in echo.speech.lower()
    assert "I would love it if" in echo.speech or "What I need is" in echo.speech


def test_one_shot_pick_up_where_we_left_off_in_a_new_process(new_process: Callable[[], Any]) -> None:
    first = Echo(new_process())
    first.launch().intent("StartExerciseIntent", exercise="conflict")
    first.intent("AMAZON.NextIntent").intent("AMAZON.NextIntent")
    step = first.speech
    later = Echo(new_process(), first.device)  # a new container: nothing in memory
    later.one_shot("ContinueIntent")
    assert step in later.speech


def test_another_device_of_the_household_sees_the_same_progress(new_process: Callable[[], Any]) -> None:
    kitchen = Echo(new_process())
    kitchen.launch().intent("SetNamesIntent", firstName="Ana", secondName="Ben")
    kitchen.intent("StartExerciseIntent", exercise="love notes").intent("AMAZON.NextIntent")
    idea = kitchen.speech
    bedroom = kitchen.other_device(new_process())
    assert bedroom.device.device_id != kitchen.device.device_id
    bedroom.launch()
    assert "Ana and Ben" in bedroom.speech and "Handwritten love notes" in bedroom.speech
    bedroom.intent("AMAZON.YesIntent")
    assert bank_item(bedroom.speech, "love_notes") == bank_item(idea, "love_notes")


def test_another_household_does_not(new_process: Callable[[], Any]) -> None:
    ours = Echo(new_process())
    ours.launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    theirs = Echo(new_process())
    theirs.launch()
    assert "Welcome to Closer Together" in theirs.speech


def test_deep_questions_are_not_repeated_across_sessions(echo: Echo) -> None:
    heard: list[str] = []
    for _ in range(3):
        echo.launch().intent("StartExerciseIntent", exercise="deep questions")
        for _ in range(6):
            echo.intent("AMAZON.NextIntent")
            heard.append(bank_item(echo.speech, "deep_questions"))
        echo.intent("AMAZON.NextIntent").intent("AMAZON.StopIntent")
    assert len(set(heard)) == 18


def test_navigation_back_repeat_skip_start_over_pause(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    intro = echo.speech
    echo.intent("AMAZON.PreviousIntent")
    assert "very beginning" in echo.speech and intro in echo.speech
    echo.intent("AMAZON.NextIntent")
    turn_one = echo.speech
    echo.intent("AMAZON.RepeatIntent")
    assert turn_one.split(", ", 1)[0] in echo.speech
    echo.intent("SkipIntent")
    assert "Now talk together" in echo.speech or "Take a moment together" in echo.speech
    echo.intent("AMAZON.PreviousIntent")
    assert echo.speech.startswith("partner two")
    echo.intent("AMAZON.StartOverIntent")
    assert "again from the beginning" in echo.speech and intro in echo.speech
    echo.intent("AMAZON.PauseIntent")
    assert echo.ended and "saved" in echo.speech
    echo.one_shot("AMAZON.ResumeIntent")
    assert intro in echo.speech


def test_help_explains_the_current_step(echo: Echo) -> None:
    echo.launch().intent("AMAZON.HelpIntent")
    assert "deep questions" in echo.speech and not echo.ended
    echo.intent("StartExerciseIntent", exercise="deep questions").intent("AMAZON.NextIntent")
    echo.intent("AMAZON.HelpIntent")
    assert "asks" in echo.speech and "skip" in echo.speech and not echo.ended


def test_fallback_reprompts_without_losing_the_place(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    place = echo.speech
    echo.intent("AMAZON.FallbackIntent")
    assert not echo.ended and "didn't" in echo.speech
    echo.intent("AMAZON.NextIntent")
    assert echo.speech != place and echo.speech.startswith("partner two")


def test_unknown_intent_is_treated_as_fallback(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    echo.intent("SomeIntentFromAnOlderModel")
    assert "didn't" in echo.speech and not echo.ended


@pytest.mark.parametrize("value", ["underwater basket weaving", ""])
def test_unknown_or_missing_exercise_is_answered_with_the_choices(echo: Echo, value: str) -> None:
    echo.launch()
    if value:
        echo.intent("StartExerciseIntent", exercise=value)
        assert "don't know an exercise called underwater basket weaving" in echo.speech
    else:
        echo.intent("StartExerciseIntent")
        assert "Which exercise" in echo.speech
    assert "deep questions" in echo.speech and not echo.ended


def test_what_exercises_are_there(echo: Echo) -> None:
    echo.launch().say("what exercises are there")
    for ex in CAT.exercises.values():
        assert ex.summary in echo.speech


def test_yes_and_no_with_no_question_asked(echo: Echo) -> None:
    echo.launch().intent("AMAZON.YesIntent")
    assert not echo.ended and "deep questions" in echo.speech
    echo.intent("AMAZON.NoIntent")
    assert not echo.ended


def test_navigate_home_keeps_progress(echo: Echo) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    echo.intent("AMAZON.NavigateHomeIntent")
    assert "saved" in echo.speech
    echo.intent("StartExerciseIntent", exercise="asking")
    assert "where you stopped" in echo.speech or "where you left it" in echo.speech


def test_forget_everything_after_confirmation(echo: Echo, backend: Backend) -> None:
    echo.launch().intent("SetNamesIntent", firstName="Alex", secondName="Sam")
    assert len(backend.versions()) == 1
    echo.say("forget everything about us")
    assert "yes" in echo.speech.lower() and not echo.ended
    echo.intent("AMAZON.NoIntent")
    assert len(backend.versions()) == 1
    echo.say("forget everything about us").intent("AMAZON.YesIntent")
    assert echo.ended and "forgotten" in echo.speech
    assert backend.versions() == {}
    echo.launch()
    assert "Welcome to Closer Together" in echo.speech and "Alex" not in echo.speech


def test_distress_points_to_real_help(echo: Echo) -> None:
    echo.launch().say("I don't feel safe")
    assert "9 8 8" in echo.speech and "9 1 1" in echo.speech
    card = echo.response["response"]["card"]
    assert "988" in card["content"]


def test_turns_that_change_nothing_write_nothing(echo: Echo, backend: Backend) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking")
    before = backend.versions()
    for intent in ("AMAZON.HelpIntent", "AMAZON.RepeatIntent", "AMAZON.FallbackIntent", "ListExercisesIntent"):
        echo.intent(intent)
    assert backend.versions() == before
    echo.intent("AMAZON.NextIntent")
    (version,) = backend.versions().values()
    assert version == next(iter(before.values())) + 1


def test_progress_is_written_on_every_turn_that_changes_it(echo: Echo, backend: Backend) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="deep questions")
    versions = []
    for _ in range(3):
        echo.intent("AMAZON.NextIntent")
        versions.append(next(iter(backend.versions().values())))
    assert versions == sorted(set(versions))


def test_wrong_skill_id_is_refused_without_touching_the_store(
    new_process: Callable[[], Any], backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILL_ID", "amzn1.ask.skill.ours")
    handler = new_process()
    echo = Echo(handler)  # its requests carry another application id
    with pytest.raises(Exception, match="Skill ID Verification failed"):
        echo.launch()
    assert not backend.touched()
    ours = Echo(handler)
    ours.device.application_id = "amzn1.ask.skill.ours"
    ours.launch()
    assert "Welcome" in ours.speech


def test_a_damaged_record_is_answered_and_replaced_by_the_next_save(echo: Echo, backend: Backend) -> None:
    echo.launch()
    backend.corrupt()
    echo.launch()
    assert "Welcome" in echo.speech and not echo.ended
    echo.intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent").end()
    echo.one_shot("ContinueIntent")
    assert "I would love it if" in echo.speech or "What I need is" in echo.speech


def test_bad_input_never_loses_saved_progress(echo: Echo, backend: Backend) -> None:
    echo.launch().intent("StartExerciseIntent", exercise="asking").intent("AMAZON.NextIntent")
    saved = backend.versions()
    echo.intent("StartExerciseIntent", exercise="x" * 5000)
    echo.intent("ChooseStyleIntent", style="calm down first")  # not the step for it
    echo.intent("SetNamesIntent", firstName="<speak>&", secondName="")
    echo.intent("NoSuchIntent")
    echo.intent("AMAZON.YesIntent")  # no question was asked: taken as "ready"
    assert backend.versions() != saved  # the yes moved on, and was saved
    echo.end().one_shot("ContinueIntent")
    assert "Now talk together" in echo.speech or "Take a moment together" in echo.speech or "partner two" in echo.speech


def test_an_error_inside_the_skill_is_a_spoken_apology(echo: Echo, backend: Backend) -> None:
    envelope = echo.session.request({"type": "LaunchRequest"})
    del envelope["context"]["System"]["user"]["userId"]  # a request the skill cannot key a household on
    response = echo.handler(envelope, None)
    speech = response["response"]["outputSpeech"]["ssml"]
    assert "something went wrong on my side" in speech and response["response"]["shouldEndSession"] is False
    assert backend.versions() == {}


def test_requests_of_other_types_get_an_empty_answer(echo: Echo) -> None:
    echo.send(
        {
            "type": "System.ExceptionEncountered",
            "error": {"type": "INVALID_RESPONSE", "message": "x"},
            "cause": {"requestId": "r"},
        }
    )
    assert echo.response["response"] == {}
