"""The exercise state machine.

Every event goes through `handle`, which never mutates its inputs: it works on a copy of the household
record and returns it with a fresh dialog state and the reply. Speech is described by `Line`s (a
template macro name plus data); nothing here knows about SSML or Alexa.

Positions: a household is *in* an exercise when `household.current` is set; its place there is
`household.progress[current]` (step index, turn within the step, items drawn for bank steps, choices
made in choose steps). Reaching an exercise's close step completes it: the progress is dropped, the
completion counted, and the household is offered another exercise.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from skill.content import BankItem, Catalog, Exercise, Step
from skill.engine.events import Act, Event
from skill.engine.reply import Effect, Line, Reply
from skill.engine.state import Dialog, Household, Progress, Reminder, clean_name
from skill.engine.times import hhmm, parse_time, spoken_time

GRATITUDE_BANK = "gratitude"
GRATITUDE_MEMORY = 30  # nights: a prompt does not come back within this many
NIGHT_ENDS_AT = 4  # a "night" runs until 4 AM: at 1 AM, tonight's prompt is still the evening's
EVENING_STARTS_AT = 18  # an exercise finished from here until NIGHT_ENDS_AT is "done in the evening"


@dataclass(frozen=True)
class Outcome:
    household: Household
    dialog: Dialog
    reply: Reply


class _Turn:
    """The working state of one turn: the catalogue, a copy of the record, and the rng."""

    def __init__(self, catalog: Catalog, household: Household, rng: random.Random, event: Event) -> None:
        self.cat = catalog
        self.hh = household
        self.rng = rng
        self.event = event
        self._now: datetime | None = None
        self.dialog = Dialog()  # a question asked lasts for one turn only
        self.restarted_bank = False  # a bank ran out this turn and started over

    # --- where are we -------------------------------------------------------------------------
    @property
    def exercise(self) -> Exercise | None:
        return self.cat.exercises.get(self.hh.current) if self.hh.current else None

    @property
    def progress(self) -> Progress:
        assert self.hh.current is not None
        return self.hh.progress[self.hh.current]

    def resumable(self) -> Exercise | None:
        """The exercise "pick up where we left off" means: the current one, else the latest unfinished."""
        ex_id = self.hh.current or next(reversed(self.hh.progress), None)
        return self.cat.exercises.get(ex_id) if ex_id else None

    def partners(self, turn: int) -> dict[str, str]:
        """Who speaks on this turn: partner one on even turns, partner two on odd ones."""
        if len(self.hh.names) == 2:
            first, second = self.hh.names
        else:
            first, second = self.cat.phrase("partner_one")[0], self.cat.phrase("partner_two")[0]
        return {"partner": first, "other": second} if turn % 2 == 0 else {"partner": second, "other": first}

    def now(self) -> datetime:
        """The household's local time (asked for once, and only by turns that need it)."""
        if self._now is None:
            self._now = self.event.clock()
        return self._now

    def night(self) -> str:
        return (self.now() - timedelta(hours=NIGHT_ENDS_AT)).date().isoformat()

    def tonights_prompt(self) -> str:
        """Tonight's gratitude prompt: the same all night, new each night, none from the last 30 nights."""
        g = self.hh.gratitude
        bank = {i.id: i.fields["prompt"] for i in self.cat.banks[GRATITUDE_BANK]}
        night = self.night()
        if g.night == night and g.prompt in bank:
            return bank[g.prompt]
        recent = g.recent[-GRATITUDE_MEMORY:]
        fresh = [i for i in bank if i not in recent] or list(bank)
        g.night, g.prompt = night, self.rng.choice(fresh)
        g.recent = (recent + [g.prompt])[-GRATITUDE_MEMORY:]
        return bank[g.prompt]

    def evening_offer(self) -> bool:
        """Offer tonight's prompt at the end of an exercise done in the evening, once a night."""
        hour = self.now().hour
        g = self.hh.gratitude
        night = self.night()
        if not (hour >= EVENING_STARTS_AT or hour < NIGHT_ENDS_AT) or night in (g.offered, g.night):
            return False
        g.offered = night
        return True

    # --- speech for the current position --------------------------------------------------------
    def position(self) -> list[Line]:
        """What to say to (re)present the current step: used after any move, repeat and resume."""
        ex, p = self.exercise, self.progress
        assert ex is not None
        step = ex.steps[p.step]
        fields = self.partners(p.turn)
        if step.kind == "bank":
            fields |= dict(self.item(step, p).fields)
        return [Line("step", {"say": step.say, "fields": fields, "kind": step.kind, "title": ex.title})]

    def hint(self) -> list[Line]:
        """The short reprompt for where the household is now."""
        if self.exercise is None:
            return [Line("menu_prompt", {"exercises": self.names()})]
        step = self.exercise.steps[self.progress.step]
        if step.kind == "choose":
            return [Line("choose_hint", {"question": step.question, **self.partners(self.progress.turn)})]
        return [Line("step_hint", {"kind": step.kind})]

    def names(self) -> list[str]:
        return [e.name for e in self.cat.exercises.values()]

    def menu(self, detailed: bool = False) -> list[Line]:
        """The choices: short names (brief, for greetings) or each with what it involves."""
        exercises = [(e.name, e.summary) for e in self.cat.exercises.values()]
        return [Line("menu", {"exercises": exercises, "detailed": detailed})]

    # --- bank items -----------------------------------------------------------------------------
    def item(self, step: Step, p: Progress) -> BankItem:
        """The bank item at the current turn, drawing one if the round has none yet."""
        if p.turn >= len(p.items):
            p.items.append(self.draw(step.bank, exclude=p.items))
            p.turn = len(p.items) - 1
        by_id = {i.id: i for i in self.cat.banks[step.bank]}
        if p.items[p.turn] not in by_id:  # content edited since: draw a replacement
            p.items[p.turn] = self.draw(step.bank, exclude=p.items)
        return by_id[p.items[p.turn]]

    def draw(self, bank: str, exclude: list[str]) -> str:
        """A random item the household has not heard; once all are heard, the bank starts over."""
        ids = [i.id for i in self.cat.banks[bank]]
        heard = self.hh.heard.setdefault(bank, [])
        fresh = [i for i in ids if i not in heard and i not in exclude]
        if not fresh:
            heard[:] = [i for i in heard if i in exclude]  # keep only this round's items
            fresh = [i for i in ids if i not in exclude] or ids
            self.restarted_bank = True
        choice = self.rng.choice(fresh)
        heard.append(choice)
        return choice

    # --- moves ----------------------------------------------------------------------------------
    def enter(self, ex: Exercise, announce: Line | None = None) -> Reply:
        """Make `ex` current and present its step (keeping any saved place in it)."""
        self.hh.current = ex.id
        p = self.hh.progress.pop(ex.id, None) or Progress()
        self.hh.progress[ex.id] = p  # re-insert: most recently used goes last
        lines = ([announce] if announce else []) + self.position()
        return self.present(lines)

    def present(self, lines: list[Line]) -> Reply:
        if self.restarted_bank:
            lines = [Line("bank_restarted")] + lines
        return Reply(say=tuple(lines), reprompt=tuple(self.hint()))

    def goto_step(self, index: int, turn: int = 0) -> Reply:
        ex, p = self.exercise, self.progress
        assert ex is not None
        p.step, p.turn, p.items = index, turn, []
        if ex.steps[index].kind == "close":
            return self.complete(ex, p)
        return self.present(self.position())

    def complete(self, ex: Exercise, p: Progress) -> Reply:
        """Speak the close step, then forget the progress (and any choices made in it)."""
        step = ex.steps[-1]
        fields = self.partners(0) | self.plan_fields(ex, p)
        nested = {"plan": step.plans[self.plan_key(ex, p)]} if step.plans else {}
        lines = [
            Line("step", {"say": step.say, "fields": fields, "nested": nested, "kind": "close", "title": ex.title}),
            Line("finished", {"title": ex.title}),
        ]
        del self.hh.progress[ex.id]
        self.hh.current = None
        self.hh.completed[ex.id] = self.hh.completed.get(ex.id, 0) + 1
        if self.restarted_bank:
            lines.insert(0, Line("bank_restarted"))
        question = "gratitude" if self.evening_offer() else "another"
        self.dialog.expect = question
        ask = Line(f"{question}_prompt")
        return Reply(say=(*lines, ask), reprompt=(ask,))

    def plan_key(self, ex: Exercise, p: Progress) -> str:
        if not all(p.choices):
            return "unknown"
        key = "+".join(sorted(set(p.choices)))
        return key if key in ex.steps[-1].plans else "unknown"

    def plan_fields(self, ex: Exercise, p: Progress) -> dict[str, str]:
        """`{<option>_person}` placeholders: who chose each option (for the plan summary)."""
        choose = ex.choose_step
        if choose is None:
            return {}
        fields = {f"{oid}_person": "" for oid in choose.options}
        for turn, choice in enumerate(p.choices):
            if choice and not fields.get(f"{choice}_person"):
                fields[f"{choice}_person"] = self.partners(turn)["partner"]
        return fields

    def advance(self) -> Reply:
        ex, p = self.exercise, self.progress
        assert ex is not None
        step = ex.steps[p.step]
        if step.kind == "bank" and p.turn + 1 < step.count:
            p.turn += 1  # revisits an item already drawn after "go back", else draws a new one
            return self.present(self.position())
        if step.kind != "bank" and p.turn + 1 < step.turns:
            p.turn += 1
            return self.present(self.position())
        return self.goto_step(p.step + 1)

    def back(self) -> Reply:
        ex, p = self.exercise, self.progress
        assert ex is not None
        if p.turn > 0:
            p.turn -= 1
            return self.present(self.position())
        if p.step == 0:
            return self.present([Line("at_start")] + self.position())
        previous = ex.steps[p.step - 1]
        last_turn = previous.turns - 1 if previous.kind in ("each", "choose") else 0
        return self.goto_step(p.step - 1, last_turn)

    def skip(self) -> Reply:
        ex, p = self.exercise, self.progress
        assert ex is not None
        step = ex.steps[p.step]
        if step.kind == "bank":  # a different item; the skipped one still counts as heard
            self.item(step, p)
            p.items[p.turn] = self.draw(step.bank, exclude=p.items)
            return self.present([Line("skipped_item")] + self.position())
        return self.goto_step(p.step + 1)


def _launch(t: _Turn, ev: Event) -> Reply:
    target = t.resumable()
    if target is not None:
        t.dialog.expect = "resume"
        return Reply(
            say=(Line("welcome_back", {"names": t.hh.names, "title": target.title}),),
            reprompt=(Line("resume_prompt", {"title": target.title}),),
        )
    t.hh.current = None
    if not t.hh.welcomed:
        t.hh.welcomed = True
        return Reply(say=(Line("welcome_new"), *t.menu(), Line("names_tip")), reprompt=tuple(t.hint()))
    return Reply(say=(Line("welcome_return", {"names": t.hh.names}), *t.menu()), reprompt=tuple(t.hint()))


def _start(t: _Turn, ev: Event) -> Reply:
    ex = t.cat.exercises.get(ev.exercise or "")
    if ex is None:
        return Reply(say=(Line("unknown_exercise", {"heard": ev.heard}), *t.menu()), reprompt=tuple(t.hint()))
    if ex.id == t.hh.current:
        return t.present([Line("already_here", {"title": ex.title})] + t.position())
    saved = ex.id in t.hh.progress
    return t.enter(ex, Line("returning", {"title": ex.title}) if saved else None)


def _resume(t: _Turn, ev: Event) -> Reply:
    target = t.resumable()
    if target is None:
        return Reply(say=(Line("nothing_to_resume"), *t.menu()), reprompt=tuple(t.hint()))
    return t.enter(target, Line("picking_up", {"title": target.title}))


def _in_exercise(move: Callable[[_Turn], Reply]) -> Callable[[_Turn, Event], Reply]:
    """Navigation only means something inside an exercise; outside one, resume or show the menu."""

    def run(t: _Turn, ev: Event) -> Reply:
        if t.exercise is not None:
            return move(t)
        if t.resumable() is None:
            return Reply(say=(Line("not_in_exercise"), *t.menu()), reprompt=tuple(t.hint()))
        return _resume(t, ev)

    return run


def _start_over(t: _Turn, ev: Event) -> Reply:
    target = t.exercise or t.resumable()
    if target is None:
        return Reply(say=(Line("nothing_to_resume"), *t.menu()), reprompt=tuple(t.hint()))
    t.hh.progress.pop(target.id, None)
    return t.enter(target, Line("starting_over", {"title": target.title}))


def _repeat(t: _Turn, ev: Event) -> Reply:
    if t.exercise is not None:
        return t.present([Line("again")] + t.position())
    return Reply(say=(Line("again"), *t.menu()), reprompt=tuple(t.hint()))


def _help(t: _Turn, ev: Event) -> Reply:
    ex = t.exercise
    if ex is None:
        return Reply(say=(Line("help_menu", {"exercises": t.names()}),), reprompt=tuple(t.hint()))
    p = t.progress
    step = ex.steps[p.step]
    fields = t.partners(p.turn)
    return Reply(
        say=(Line("help_step", {"title": ex.title, "help": step.help, "fields": fields, "kind": step.kind}),),
        reprompt=tuple(t.hint()),
    )


def _stop(t: _Turn, ev: Event) -> Reply:
    target = t.exercise
    return Reply(say=(Line("goodbye", {"title": target.title if target else ""}),), end_session=True)


def _pause(t: _Turn, ev: Event) -> Reply:
    target = t.exercise or t.resumable()
    return Reply(say=(Line("paused", {"title": target.title if target else ""}),), end_session=True)


def _fallback(t: _Turn, ev: Event) -> Reply:
    if t.exercise is None:
        return Reply(say=(Line("didnt_catch"), *t.hint()), reprompt=tuple(t.hint()))
    return t.present([Line("didnt_catch"), *t.hint()])


def _home(t: _Turn, ev: Event) -> Reply:
    t.hh.current = None  # the place in the exercise stays saved in progress
    return Reply(say=(Line("home"), *t.menu()), reprompt=tuple(t.hint()))


def _list(t: _Turn, ev: Event) -> Reply:
    lines = t.menu(detailed=True)
    if t.exercise is not None:
        return t.present(lines + [Line("still_in", {"title": t.exercise.title})] + t.position())
    return Reply(say=tuple(lines), reprompt=tuple(t.hint()))


def _names(t: _Turn, ev: Event) -> Reply:
    names = [clean_name(n) for n in ev.names if n.strip()]
    if len(names) != 2 or names[0] == names[1]:
        return _continue(t, [Line("names_need_two")])
    t.hh.names = names
    return _continue(t, [Line("names_set", {"names": names})])


def _choose(t: _Turn, ev: Event) -> Reply:
    ex = t.exercise
    step = ex.steps[t.progress.step] if ex else None
    if step is None or step.kind != "choose":
        return _continue(t, [Line("choice_not_now")])
    option = step.options.get(ev.choice or "")
    if option is None:
        return t.present([Line("choice_unknown", {"question": step.question, **t.partners(t.progress.turn)})])
    t.progress.choices[t.progress.turn] = option.id
    heard = Line("choice_heard", {"say": (option.heard,), "fields": t.partners(t.progress.turn)})
    reply = t.advance()
    return Reply(say=(heard, *reply.say), reprompt=reply.reprompt, end_session=reply.end_session)


def _forget(t: _Turn, ev: Event) -> Reply:
    t.dialog.expect = "forget"
    return Reply(say=(Line("forget_confirm"),), reprompt=(Line("forget_prompt"),))


def _support(t: _Turn, ev: Event) -> Reply:
    return Reply(say=(Line("support"),), end_session=True, card=Line("support_card"))


def _yes(t: _Turn, ev: Event, asked: str | None) -> Reply:
    if asked == "gratitude":
        return _gratitude(t, ev)
    if asked == "resume":
        return _resume(t, ev)
    if asked == "forget":
        return Reply(say=(Line("forgotten"),), end_session=True, forget=True)
    if asked == "another":
        return Reply(say=tuple(t.menu()), reprompt=tuple(t.hint()))
    if t.exercise is not None:  # "yes, we're ready"
        return t.advance()
    return Reply(say=tuple(t.menu()), reprompt=tuple(t.hint()))


def _no(t: _Turn, ev: Event, asked: str | None) -> Reply:
    if asked == "resume":
        return Reply(say=(Line("ok_later"), *t.menu()), reprompt=tuple(t.hint()))
    if asked == "forget":
        return _continue(t, [Line("kept")])
    if asked in ("another", "gratitude"):
        return Reply(say=(Line("goodbye", {"title": ""}),), end_session=True)
    if t.exercise is not None:
        return t.present([Line("take_your_time")])
    return Reply(say=(Line("ok_later"), *t.menu()), reprompt=tuple(t.hint()))


def _continue(t: _Turn, lines: list[Line]) -> Reply:
    """Say `lines`, then carry on where the household is (its step, or the menu)."""
    if t.exercise is not None:
        return t.present(lines + t.position())
    return Reply(say=(*lines, *t.menu()), reprompt=tuple(t.hint()))


# While a yes/no question is open, these re-ask it (keeping it open) instead of moving on.
_REASK = {Act.FALLBACK: "didnt_catch", Act.HELP: "help_question", Act.REPEAT: "again"}
_QUESTIONS = {
    "resume": "resume_prompt",
    "forget": "forget_prompt",
    "another": "another_prompt",
    "gratitude": "gratitude_prompt",
}


def _reask(t: _Turn, asked: str, lead: str) -> Reply:
    if asked not in _QUESTIONS:
        return Reply(say=(Line(lead), *t.hint()), reprompt=tuple(t.hint()))
    target = t.resumable()
    question = Line(_QUESTIONS[asked], {"title": target.title if target else ""})
    t.dialog.expect = asked
    return Reply(say=(Line(lead), question), reprompt=(question,))


def _gratitude(t: _Turn, ev: Event) -> Reply:
    return Reply(say=(Line("gratitude", {"prompt": t.tonights_prompt()}),), end_session=True)


# --- the nightly reminder ----------------------------------------------------------------------
# Setting one is two engine calls: the first records the wanted time in `pending_reminder` and asks
# for an Effect (or, without permission, for the permission, with `pending_reminder` saved so the
# answer can finish the job in a new session); the second gets the API's result and settles the
# record, so the store never keeps a half-made reminder.
REMINDER_ERRORS = {403: "reminder_too_many", 429: "reminder_busy", None: "reminder_unreachable"}


def _after_reminder(t: _Turn, lines: list[Line]) -> Reply:
    """Back to the exercise if the household is in one; otherwise the job is done: goodbye."""
    if t.exercise is not None:
        return t.present(lines + t.position())
    return Reply(say=tuple(lines), end_session=True)


def _ask_permission(t: _Turn, time: str, lead: str) -> Reply:
    t.hh.pending_reminder = time
    return Reply(say=(Line(lead, {"time": spoken_time(time)}),), end_session=True, ask_permission=True)


def _set_reminder(t: _Turn, time: str) -> Reply:
    t.hh.pending_reminder = time
    prompt = t.rng.choice(t.cat.banks[GRATITUDE_BANK]).fields["prompt"]
    token = t.hh.reminder.token if t.hh.reminder else ""
    return Reply(say=(), effect=Effect("set_reminder", time=time, text=prompt, token=token))


def _remind(t: _Turn, ev: Event) -> Reply:
    if not ev.time:
        return Reply(say=(Line("reminder_ask_time"),), reprompt=(Line("reminder_ask_time"),))
    parsed = parse_time(ev.time)
    if parsed is None:
        return Reply(say=(Line("reminder_bad_time"), Line("reminder_ask_time")), reprompt=(Line("reminder_ask_time"),))
    if not ev.reminders_granted:
        return _ask_permission(t, hhmm(parsed), "reminder_permission")
    return _set_reminder(t, hhmm(parsed))


def _cancel_reminder(t: _Turn, ev: Event) -> Reply:
    if t.hh.reminder is None:
        return _after_reminder(t, [Line("reminder_none")])
    return Reply(say=(), effect=Effect("delete_reminder", token=t.hh.reminder.token))


def _when_reminder(t: _Turn, ev: Event) -> Reply:
    if t.hh.reminder is None:
        return _after_reminder(t, [Line("reminder_none")])
    return _after_reminder(t, [Line("reminder_when", {"time": spoken_time(t.hh.reminder.time)})])


def _permission(t: _Turn, ev: Event) -> Reply:
    if ev.status == "ACCEPTED" and t.hh.pending_reminder:
        return _set_reminder(t, t.hh.pending_reminder)
    if ev.status == "ACCEPTED":
        return Reply(say=(Line("permission_thanks"),), end_session=True)
    t.hh.pending_reminder = ""
    return Reply(say=(Line("permission_denied", {"card_sent": ev.card_sent}),), end_session=True, permission_card=True)


def _effect_done(t: _Turn, ev: Event) -> Reply:
    result = ev.result
    assert result is not None
    if result.kind == "delete_reminder":
        if result.ok or result.status == 404:  # 404: already deleted in the Alexa app
            t.hh.reminder = None
            return _after_reminder(t, [Line("reminder_cancelled")])
        return _after_reminder(t, [Line(REMINDER_ERRORS.get(result.status, "reminder_unavailable"))])
    time, t.hh.pending_reminder = t.hh.pending_reminder, ""
    if result.ok:
        changed = t.hh.reminder is not None
        t.hh.reminder = Reminder(token=result.token, time=time, tz=result.tz)
        return _after_reminder(t, [Line("reminder_set", {"time": spoken_time(time), "changed": changed})])
    if result.status == 401:  # the permission was turned off: ask again
        return _ask_permission(t, time, "reminder_permission_again")
    return _after_reminder(t, [Line(REMINDER_ERRORS.get(result.status, "reminder_unavailable"))])


_HANDLERS: dict[Act, Callable[[_Turn, Event], Reply]] = {
    Act.LAUNCH: _launch,
    Act.START: _start,
    Act.NEXT: _in_exercise(_Turn.advance),
    Act.PREVIOUS: _in_exercise(_Turn.back),
    Act.SKIP: _in_exercise(_Turn.skip),
    Act.REPEAT: _repeat,
    Act.START_OVER: _start_over,
    Act.PAUSE: _pause,
    Act.RESUME: _resume,
    Act.HELP: _help,
    Act.STOP: _stop,
    Act.FALLBACK: _fallback,
    Act.HOME: _home,
    Act.LIST: _list,
    Act.NAMES: _names,
    Act.CHOOSE: _choose,
    Act.FORGET: _forget,
    Act.SUPPORT: _support,
    Act.GRATITUDE: _gratitude,
    Act.REMIND: _remind,
    Act.CANCEL_REMINDER: _cancel_reminder,
    Act.WHEN_REMINDER: _when_reminder,
    Act.PERMISSION: _permission,
    Act.EFFECT_DONE: _effect_done,
}


def handle(
    catalog: Catalog, household: Household, dialog: Dialog, event: Event, rng: random.Random | None = None
) -> Outcome:
    """One turn of the conversation. Pure: the inputs are left untouched."""
    t = _Turn(catalog, household.fit_to(catalog), rng or random.Random(), event)
    if dialog.expect and event.act in _REASK:
        reply = _reask(t, dialog.expect, _REASK[event.act])
    elif event.act is Act.YES:
        reply = _yes(t, event, dialog.expect)
    elif event.act is Act.NO:
        reply = _no(t, event, dialog.expect)
    else:
        reply = _HANDLERS[event.act](t, event)
    return Outcome(household=t.hh, dialog=t.dialog, reply=reply)
