"""Three-way merge of household records, for when another device saved since this one read.

`base` is what this device read, `mine` what its turn produced, `theirs` what is stored now. Rules:
- progress of one exercise: mine if my turn changed it (including finishing it), else theirs;
- current exercise: mine (it is what this device's session is doing, and this save is the newest);
- names, the gratitude record, the reminder and a pending reminder request: mine if my turn changed
  them, else theirs (each is one decision of the household's, made in one turn);
- heard bank items: the union (never repeat what either device played);
- completion counts: the higher of the two; welcomed: either.
"""

from __future__ import annotations

import copy

from skill.engine.state import Household, Progress


def merge(base: Household, mine: Household, theirs: Household) -> Household:
    merged = theirs.copy()
    merged.current = mine.current
    for name in ("names", "gratitude", "reminder", "pending_reminder"):
        if getattr(mine, name) != getattr(base, name):
            setattr(merged, name, copy.deepcopy(getattr(mine, name)))
    for ex_id in set(base.progress) | set(mine.progress) | set(theirs.progress):
        before, after = base.progress.get(ex_id), mine.progress.get(ex_id)
        if before == after:
            continue  # untouched here: theirs stands
        if after is None:
            merged.progress.pop(ex_id, None)
        else:
            merged.progress.pop(ex_id, None)
            merged.progress[ex_id] = Progress(**after.__dict__)  # most recent last
    for bank, ids in mine.heard.items():
        have = merged.heard.setdefault(bank, [])
        have.extend(i for i in ids if i not in have)
    for ex_id, count in mine.completed.items():
        merged.completed[ex_id] = max(count, merged.completed.get(ex_id, 0))
    merged.welcomed = mine.welcomed or theirs.welcomed
    if merged.current is not None and merged.current not in merged.progress:
        merged.current = None
    return merged
