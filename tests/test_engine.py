"""The exercise engine on its own: no Alexa, no store, no speech rendering."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from skill.content import Catalog, default_catalog
from skill.engine import Act, Dialog, Event, Household, Outcome, Progress, Reply, handle
from skill.engine.merge import merge
from skill.engine.reply import Effect, EffectResult
from skill.engine.state import Reminder

NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return default_catalog()


class Couple:
    """Drives the engine the way the handlers do, keeping record and dialog between turns."""

    def __init__(self, cat: Catalog, household: Household | None = None, seed: int = 7, at: datetime = NOON) -> None:
        self.at = at  # the household's local time (change it to move through the day)
        self.cat = cat
        self.hh = household or Household()
        self.dialog = Dialog()
        self.rng = random.Random(seed)
        self.out: Outcome | None = None

    def __call__(self, act: Act, **kw: object) -> Reply:
        event = Event(act, clock=lambda: self.at, **kw)  # type: ignore[arg-type]
        self.out = handle(self.cat, self.hh, self.dialog, event, self.rng)
        self.hh, self.dialog = self.out.household, self.out.dialog
        return self.out.reply

    @property
    def place(self) -> Progress:
        assert self.hh.current
        return self.hh.progress[self.hh.current]


def keys(reply: Reply) -> list[str]:
    return [line.key for line in reply.say]


def step_fields(reply: Reply) -> dict[str, str]:
    return next(dict(line.data["fields"]) for line in reply.say if line.key == "step")


@pytest.mark.parametrize("exercise", ["asking", "conflict", "deep_questions", "love_notes"])
def test_each_exercise_walks_to_its_end_with_next(cat: Catalog, exercise: str) -> None:
    c = Couple(cat)
    c(Act.START, exercise=exercise)
    turns = sum(s.turns for s in cat.exercises[exercise].steps[:-1])
    replies = [c(Act.NEXT) for _ in range(turns)]
    assert all("step" in keys(r) for r in replies)
    last = replies[-1]
    assert keys(last)[-2:] == ["finished", "another_prompt"] and not last.end_session
    assert c.hh.current is None and exercise not in c.hh.progress
    assert c.hh.completed == {exercise: 1}
    assert c.dialog.expect == "another"
    assert keys(c(Act.YES)) == ["menu"]  # yes, another exercise: the choices


def test_partners_alternate_and_use_names(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.NAMES, names=("alex", " SAM "))
    assert c.hh.names == ["Alex", "Sam"]
    c(Act.START, exercise="asking")
    first = step_fields(c(Act.NEXT))
    second = step_fields(c(Act.NEXT))
    assert (first["partner"], first["other"]) == ("Alex", "Sam")
    assert (second["partner"], second["other"]) == ("Sam", "Alex")


def test_without_names_partners_are_numbered(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="asking")
    assert step_fields(c(Act.NEXT))["partner"] == "partner one"


def test_one_name_is_not_enough(cat: Catalog) -> None:
    c = Couple(cat)
    reply = c(Act.NAMES, names=("alex", ""))
    assert keys(reply)[0] == "names_need_two" and c.hh.names == []


def test_deep_questions_never_repeat_until_the_bank_is_used_up(cat: Catalog) -> None:
    bank = [i.id for i in cat.banks["deep_questions"]]
    c = Couple(cat)
    draws: list[tuple[str, bool]] = []  # (question id, did the reply say the bank started over)
    while len(draws) <= len(bank):
        c(Act.START, exercise="deep_questions")
        for _ in range(cat.exercises["deep_questions"].steps[1].count):
            reply = c(Act.NEXT)
            draws.append((c.place.items[c.place.turn], "bank_restarted" in keys(reply)))
        c(Act.NEXT)  # to the close
    first_pass = [qid for qid, _ in draws[: len(bank)]]
    assert sorted(first_pass) == sorted(bank), "a question came back before all were heard"
    assert not any(restarted for _, restarted in draws[: len(bank)])
    assert draws[len(bank)][1], "the couple is told when the questions start over"


def test_heard_questions_survive_a_stored_round_trip(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="deep_questions")
    c(Act.NEXT)
    first = c.place.items[0]
    stored = Household.from_dict(c.hh.to_dict())
    assert first in stored.heard["deep_questions"]
    again = Couple(cat, stored, seed=99)
    again(Act.START_OVER)
    again(Act.NEXT)
    assert again.place.items[0] != first


def test_back_skip_repeat_and_start_over(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="deep_questions")
    assert keys(c(Act.PREVIOUS))[0] == "at_start"
    c(Act.NEXT)
    q1 = c.place.items[0]
    c(Act.NEXT)
    q2 = c.place.items[1]
    assert step_fields(c(Act.PREVIOUS))["question"] == next(
        i.fields["question"] for i in cat.banks["deep_questions"] if i.id == q1
    )
    c(Act.NEXT)
    assert c.place.items[c.place.turn] == q2, "going forward again revisits, it does not draw anew"
    skipped = c(Act.SKIP)
    assert keys(skipped)[0] == "skipped_item" and c.place.items[1] != q2
    assert keys(c(Act.REPEAT)) == ["again", "step"]
    assert c.place.turn == 1
    c(Act.START_OVER)
    assert c.place.step == 0 and c.place.turn == 0


def test_skip_outside_a_bank_skips_the_whole_step(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="asking")
    c(Act.NEXT)
    assert (c.place.step, c.place.turn) == (1, 0)
    c(Act.SKIP)
    assert (c.place.step, c.place.turn) == (2, 0)


def test_conflict_plan_summarises_both_preferences(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.NAMES, names=("alex", "sam"))
    c(Act.START, exercise="conflict")
    for _ in range(3):
        c(Act.NEXT)
    assert cat.exercises["conflict"].steps[c.place.step].kind == "choose"
    unknown = c(Act.CHOOSE, choice=None, heard="whatever")
    assert keys(unknown)[0] == "choice_unknown" and c.place.turn == 0
    c(Act.CHOOSE, choice="talk")
    c(Act.CHOOSE, choice="calm")
    close = c(Act.NEXT)
    step = next(line for line in close.say if line.key == "step")
    assert step.data["nested"]["plan"] == cat.exercises["conflict"].steps[-1].plans["calm+talk"]
    assert step.data["fields"]["calm_person"] == "Sam" and step.data["fields"]["talk_person"] == "Alex"
    assert "conflict" not in c.hh.progress, "choices are forgotten once the plan is given"


def test_conflict_plan_without_choices_uses_the_general_plan(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="conflict")
    for _ in range(6):
        reply = c(Act.NEXT)
    step = next(line for line in reply.say if line.key == "step")
    assert step.data["nested"]["plan"] == cat.exercises["conflict"].steps[-1].plans["unknown"]


def test_launch_offers_to_resume_and_yes_resumes(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="love_notes")
    c(Act.NEXT)
    idea = c.place.items[0]
    assert c(Act.STOP).end_session
    reply = c(Act.LAUNCH)
    assert keys(reply) == ["welcome_back"] and c.dialog.expect == "resume"
    reply = c(Act.YES)
    assert keys(reply)[0] == "picking_up" and c.place.items[0] == idea


def test_no_to_resume_keeps_the_place(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="asking")
    c(Act.NEXT)
    c(Act.LAUNCH)
    c(Act.NO)
    assert c.hh.progress["asking"].step == 1


def test_fallback_and_help_reask_an_open_question(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.FORGET)
    assert keys(c(Act.FALLBACK)) == ["didnt_catch", "forget_prompt"] and c.dialog.expect == "forget"
    assert keys(c(Act.HELP)) == ["help_question", "forget_prompt"]
    reply = c(Act.YES)
    assert reply.forget and reply.end_session


def test_forget_needs_a_yes(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.FORGET)
    c(Act.NEXT)  # anything else drops the question
    assert not c(Act.YES).forget


def test_first_launch_welcomes_once(cat: Catalog) -> None:
    c = Couple(cat)
    assert "welcome_new" in keys(c(Act.LAUNCH))
    assert "welcome_return" in keys(c(Act.LAUNCH))


def test_turns_that_change_nothing_leave_the_record_equal(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.START, exercise="asking")
    before = c.hh.copy()
    for act in (Act.HELP, Act.REPEAT, Act.FALLBACK, Act.LIST):
        c(act)
        assert c.hh == before, act


def test_handle_does_not_mutate_its_inputs(cat: Catalog) -> None:
    hh = Household(current="asking", progress={"asking": Progress(step=1)})
    snapshot = hh.to_dict()
    handle(cat, hh, Dialog(), Event(Act.NEXT), random.Random(1))
    assert hh.to_dict() == snapshot


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "junk",
        {"progress": "x"},
        {"progress": {"asking": {"step": 99, "turn": -3}}, "current": "asking"},
        {"progress": {"gone": {"step": 1}}, "current": "gone"},
        {"names": ["only one"]},
        {"heard": {"deep_questions": [1, None]}},
    ],
)
def test_damaged_or_outdated_records_never_crash(cat: Catalog, raw: object) -> None:
    c = Couple(cat, Household.from_dict(raw))
    for act in (Act.LAUNCH, Act.YES, Act.NEXT, Act.PREVIOUS, Act.SKIP, Act.HELP):
        c(act)


def test_merge_keeps_both_devices_work() -> None:
    base = Household(progress={"asking": Progress(step=1)}, heard={"deep_questions": ["a"]})
    mine = base.copy()
    mine.current = "deep_questions"
    mine.progress["deep_questions"] = Progress(step=1, items=["b"])
    mine.heard["deep_questions"].append("b")
    theirs = base.copy()
    theirs.progress["asking"] = Progress(step=2)
    theirs.heard["deep_questions"].append("c")
    theirs.names = ["Alex", "Sam"]
    merged = merge(base, mine, theirs)
    assert merged.progress["asking"].step == 2  # theirs: I did not touch it
    assert merged.progress["deep_questions"].items == ["b"]  # mine
    assert merged.current == "deep_questions"
    assert merged.heard["deep_questions"] == ["a", "c", "b"]
    assert merged.names == ["Alex", "Sam"]


def test_merge_keeps_this_devices_exercise_in_focus() -> None:
    base = Household(current="asking", progress={"asking": Progress(step=1)})
    theirs = base.copy()
    theirs.current = "love_notes"
    theirs.progress["love_notes"] = Progress(step=1)
    mine = base.copy()
    mine.progress["asking"].turn = 1
    merged = merge(base, mine, theirs)
    assert merged.current == "asking" and merged.progress["love_notes"].step == 1


def test_a_reply_that_stays_open_must_have_a_reprompt() -> None:
    from skill.engine import Line

    with pytest.raises(ValueError):
        Reply(say=(Line("again"),))


# --- gratitude and the reminder, without Alexa ------------------------------------------------------
def gratitude_prompt(c: Couple) -> str:
    reply = c(Act.GRATITUDE)
    assert reply.end_session
    return str(reply.say[0].data["prompt"])


def test_a_new_prompt_each_night_and_none_again_within_30_nights(cat: Catalog) -> None:
    c = Couple(cat, at=datetime(2026, 1, 1, 21, tzinfo=UTC))
    nights = []
    for day in range(65):
        c.at = datetime(2026, 1, 1, 21, tzinfo=UTC) + timedelta(days=day)
        nights.append(gratitude_prompt(c))
        assert gratitude_prompt(c) == nights[-1], "the same prompt all night"
    for i in range(len(nights)):
        window = nights[max(0, i - 29) : i + 1]
        assert len(set(window)) == len(window), f"a prompt came back within 30 nights (night {i})"


def test_after_midnight_is_still_tonight(cat: Catalog) -> None:
    c = Couple(cat, at=datetime(2026, 3, 1, 22, tzinfo=UTC))
    evening = gratitude_prompt(c)
    c.at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert gratitude_prompt(c) == evening
    c.at = datetime(2026, 3, 2, 20, tzinfo=UTC)
    assert gratitude_prompt(c) != evening


def finish_asking(c: Couple) -> Reply:
    c(Act.START, exercise="asking")
    for _ in range(3):
        c(Act.NEXT)
    return c(Act.NEXT)


def test_the_evening_offer_comes_once_a_night(cat: Catalog) -> None:
    c = Couple(cat, at=datetime(2026, 5, 5, 20, tzinfo=UTC))
    assert keys(finish_asking(c))[-1] == "gratitude_prompt" and c.dialog.expect == "gratitude"
    assert c(Act.NO).end_session
    assert keys(finish_asking(c))[-1] == "another_prompt"
    c.at = datetime(2026, 5, 6, 19, tzinfo=UTC)
    assert keys(finish_asking(c))[-1] == "gratitude_prompt"
    assert keys(c(Act.YES))[0] == "gratitude"


def test_no_evening_offer_after_tonights_prompt(cat: Catalog) -> None:
    c = Couple(cat, at=datetime(2026, 5, 5, 20, tzinfo=UTC))
    c(Act.GRATITUDE)
    assert keys(finish_asking(c))[-1] == "another_prompt"


def test_reminder_without_permission_is_saved_then_asked_for(cat: Catalog) -> None:
    c = Couple(cat)
    reply = c(Act.REMIND, time="21:00")
    assert reply.ask_permission and reply.end_session and reply.effect is None
    assert c.hh.pending_reminder == "21:00"
    reply = c(Act.PERMISSION, status="ACCEPTED")
    assert reply.effect == Effect(
        "set_reminder", time="21:00", text=reply.effect.text if reply.effect else "", token=""
    )
    done = c(Act.EFFECT_DONE, result=EffectResult("set_reminder", ok=True, token="abc", tz="Europe/Paris"))
    assert keys(done) == ["reminder_set"] and done.say[0].data == {"time": "9 PM", "changed": False}
    assert c.hh.reminder == Reminder("abc", "21:00", "Europe/Paris") and c.hh.pending_reminder == ""


@pytest.mark.parametrize(
    "status, key",
    [(403, "reminder_too_many"), (429, "reminder_busy"), (500, "reminder_unavailable"), (None, "reminder_unreachable")],
)
def test_a_failed_set_leaves_nothing_half_done(cat: Catalog, status: int | None, key: str) -> None:
    c = Couple(cat, Household(reminder=Reminder("old", "20:00", "UTC")))
    reply = c(Act.REMIND, time="22:00", reminders_granted=True)
    assert reply.effect is not None and reply.effect.token == "old"
    done = c(Act.EFFECT_DONE, result=EffectResult("set_reminder", ok=False, status=status))
    assert keys(done) == [key]
    assert c.hh.reminder == Reminder("old", "20:00", "UTC") and c.hh.pending_reminder == ""


def test_a_401_asks_for_the_permission_again(cat: Catalog) -> None:
    c = Couple(cat)
    c(Act.REMIND, time="NI", reminders_granted=True)
    again = c(Act.EFFECT_DONE, result=EffectResult("set_reminder", ok=False, status=401))
    assert again.ask_permission and c.hh.pending_reminder == "21:00"


def test_times_are_parsed_and_spoken() -> None:
    from skill.engine.times import parse_time, spoken_time

    assert parse_time("21:05") == (21, 5) and parse_time("EV") == (19, 0) and parse_time("24:00") is None
    assert [spoken_time(t) for t in ("21:00", "07:30", "12:00", "00:00")] == ["9 PM", "7:30 AM", "noon", "midnight"]
