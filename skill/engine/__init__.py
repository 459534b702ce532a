"""The exercise engine: pure Python, no Alexa types, no I/O.

`handle(catalog, household, dialog, event, rng)` is the whole interface: it returns the new household
record, the new dialog state and a `Reply` that names what to say (speech keys plus data). The handlers
translate Alexa requests into events; `skill.speech` turns replies into SSML.
"""

from skill.engine.events import Act, Event
from skill.engine.flow import Outcome, handle
from skill.engine.reply import Line, Reply
from skill.engine.state import Dialog, Household, Progress

__all__ = ["Act", "Dialog", "Event", "Household", "Line", "Outcome", "Progress", "Reply", "handle"]
