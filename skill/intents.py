"""From an Alexa intent (name + slots) to an engine `Event`.

The intent and slot names here are the interaction model's; `python -m skill validate` checks that each
one exists in every model under interaction_model/.
"""

from __future__ import annotations

from ask_sdk_model import Intent, Slot
from ask_sdk_model.slu.entityresolution import StatusCode

from skill.engine import Act, Event

MAX_SPOKEN = 60

# Intents that carry no data.
SIMPLE_INTENTS: dict[str, Act] = {
    "AMAZON.NextIntent": Act.NEXT,
    "AMAZON.PreviousIntent": Act.PREVIOUS,
    "AMAZON.RepeatIntent": Act.REPEAT,
    "AMAZON.StartOverIntent": Act.START_OVER,
    "AMAZON.PauseIntent": Act.PAUSE,
    "AMAZON.ResumeIntent": Act.RESUME,
    "AMAZON.HelpIntent": Act.HELP,
    "AMAZON.StopIntent": Act.STOP,
    "AMAZON.CancelIntent": Act.STOP,
    "AMAZON.FallbackIntent": Act.FALLBACK,
    "AMAZON.NavigateHomeIntent": Act.HOME,
    "AMAZON.YesIntent": Act.YES,
    "AMAZON.NoIntent": Act.NO,
    "ContinueIntent": Act.RESUME,
    "ListExercisesIntent": Act.LIST,
    "SkipIntent": Act.SKIP,
    "ForgetIntent": Act.FORGET,
    "SupportIntent": Act.SUPPORT,
    "GratitudeIntent": Act.GRATITUDE,
    "CancelReminderIntent": Act.CANCEL_REMINDER,
    "ReminderStatusIntent": Act.WHEN_REMINDER,
}
# Intents with slots: intent -> the slot names it reads.
SLOT_INTENTS: dict[str, tuple[str, ...]] = {
    "StartExerciseIntent": ("exercise",),
    "SetNamesIntent": ("firstName", "secondName"),
    "ChooseStyleIntent": ("style",),
    "SetReminderIntent": ("time",),
}


def resolved(slot: Slot | None) -> tuple[str | None, str]:
    """(entity id, spoken value) of a custom-type slot; the id is None when Alexa matched nothing."""
    if slot is None:
        return None, ""
    spoken = (slot.value or "").strip()[:MAX_SPOKEN]  # echoed back at most this long
    for authority in (slot.resolutions.resolutions_per_authority or []) if slot.resolutions else []:
        value = authority.values[0].value if authority.values else None
        if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH and value and value.id:
            return value.id, spoken
    return None, spoken


def event_for(intent: Intent | None) -> Event:
    """The event an intent stands for; an intent this skill does not know is treated as fallback."""
    if intent is None:
        return Event(Act.FALLBACK)
    name = intent.name or ""
    slots = intent.slots or {}
    if name in SIMPLE_INTENTS:
        return Event(SIMPLE_INTENTS[name])
    if name == "StartExerciseIntent":
        exercise, spoken = resolved(slots.get("exercise"))
        return Event(Act.START, exercise=exercise, heard=spoken)
    if name == "SetNamesIntent":
        names = tuple((slots[s].value or "") if s in slots else "" for s in SLOT_INTENTS[name])
        return Event(Act.NAMES, names=names)
    if name == "SetReminderIntent":
        slot = slots.get("time")
        return Event(Act.REMIND, time=(slot.value or "").strip()[:MAX_SPOKEN] if slot else "")
    if name == "ChooseStyleIntent":
        choice, spoken = resolved(slots.get("style"))
        return Event(Act.CHOOSE, choice=choice, heard=spoken)
    return Event(Act.FALLBACK)
