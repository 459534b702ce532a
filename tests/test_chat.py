"""`python -m skill chat`: typed phrases resolved through the interaction model, same handler as Lambda."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.chat.repl import Chat
from skill.ssml import ssml_problems

from support import NLU, checked, skill_command


@pytest.mark.parametrize(
    "text, intent, slot, value",
    [
        ("start deep questions", "StartExerciseIntent", "exercise", "deep_questions"),
        ("Let's do the conversation starters!", "StartExerciseIntent", "exercise", "deep_questions"),
        ("help us talk about conflict", "StartExerciseIntent", "exercise", "conflict"),
        ("give us a love note idea", "StartExerciseIntent", "exercise", "love_notes"),
        ("lets try the asking exercise", "StartExerciseIntent", "exercise", "asking"),
        ("start deep questons", "StartExerciseIntent", "exercise", "deep_questions"),  # a typo
        ("I need time to calm down", "ChooseStyleIntent", "style", "calm"),
        ("talk it through right away", "ChooseStyleIntent", "style", "talk"),
    ],
)
def test_phrases_resolve_to_intents_and_slot_ids(text: str, intent: str, slot: str, value: str) -> None:
    parsed = NLU.parse(text)
    assert parsed.intent == intent
    assert parsed.slots[slot].id == value


@pytest.mark.parametrize(
    "text, intent",
    [
        ("next", "AMAZON.NextIntent"),
        ("another idea", "AMAZON.NextIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("skip this question", "SkipIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("help", "AMAZON.HelpIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("cancel", "AMAZON.CancelIntent"),
        ("yes please", "AMAZON.YesIntent"),
        ("nope", "AMAZON.NoIntent"),
        ("pick up where we left off", "ContinueIntent"),
        ("what exercises are there", "ListExercisesIntent"),
        ("forget everything about us", "ForgetIntent"),
        ("main menu", "AMAZON.NavigateHomeIntent"),
        ("pause", "AMAZON.PauseIntent"),
        ("the weather in paris tomorrow", "AMAZON.FallbackIntent"),
        ("", "AMAZON.FallbackIntent"),
    ],
)
def test_everyday_phrases(text: str, intent: str) -> None:
    assert NLU.parse(text).intent == intent


def test_names_keep_what_was_said() -> None:
    parsed = NLU.parse("we're Alex and Sam")
    assert parsed.intent == "SetNamesIntent"
    assert (parsed.slots["firstName"].value, parsed.slots["secondName"].value) == ("alex", "sam")


def test_invocations() -> None:
    assert NLU.utterance("open closer together").kind == "launch"
    shot = NLU.utterance("Alexa, ask Closer Together to pick up where we left off")
    assert shot.one_shot and shot.parsed and shot.parsed.intent == "ContinueIntent"


def run_chat(handler: Any, script: str) -> str:
    out = io.StringIO()
    Chat(checked(handler), out, echo=True).run(io.StringIO(script), interactive=False)
    return out.getvalue()


def test_a_scripted_chat_session(new_process: Callable[[], Any]) -> None:
    transcript = run_chat(new_process(), "open closer together\nwe're alex and sam\nstart deep questions\nnext\n\n\n")
    assert "Welcome to Closer Together" in transcript
    assert "Lovely to meet you, Alex and Sam" in transcript or "Got it: Alex and Sam" in transcript
    assert "Deep questions." in transcript
    assert "(the session timed out)" in transcript
    # A new run of the chat (a new process) picks up where the last one stopped.
    again = run_chat(new_process(), "ask closer together to pick up where we left off\nstop\n")
    assert "Picking up Deep questions" in again or "back to Deep questions" in again
    assert again.rstrip().endswith("(session ended)")


def test_unmatched_phrases_reach_the_fallback(new_process: Callable[[], Any]) -> None:
    transcript = run_chat(new_process(), "open closer together\nblue cheese and thunder\n")
    assert "didn't" in transcript.split("You: blue cheese and thunder")[1]


def test_the_chat_command_reads_a_pipe(tmp_path: Path) -> None:
    env = {**os.environ, "SKILL_DB_PATH": str(tmp_path / "chat.sqlite3")}
    env.pop("TABLE_NAME", None)
    script = "open closer together\nlet's do the conversation starters\nnext\nstop\n"
    done = skill_command("chat", stdin=script, env=env)
    assert done.returncode == 0, done.stderr
    assert "Alexa: Welcome to Closer Together" in done.stdout
    assert "You: next" in done.stdout and "Alexa: Deep questions." in done.stdout
    assert (tmp_path / "chat.sqlite3").exists()
    ssml = skill_command("chat", "--ssml", stdin=script, env=env)
    spoken = [line.removeprefix("Alexa: ") for line in ssml.stdout.splitlines() if line.startswith("Alexa: ")]
    assert len(spoken) == 4 and all(s.startswith("<speak>") for s in spoken)
    assert all(ssml_problems(s) == [] for s in spoken)


def test_validate_command_exit_code() -> None:
    done = skill_command("validate")
    assert done.returncode == 0 and "valid" in done.stdout
