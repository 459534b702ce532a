"""One Echo in its own process, for the race test: launch, wait for the starting gun, then talk.

    python tests/race_device.py '<json: user_id, device_id, go_file, ready_file, turns>'

Prints a JSON line: the version conflicts this process met, and its final session record.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from skill.chat.envelopes import Device

from support import Echo, new_lambda_handler


class Conflicts(logging.Handler):
    """Counts the version conflicts the skill logs, and keeps its errors (a save that failed)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "version conflict" in record.getMessage():
            self.count += 1
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


def main() -> None:
    args = json.loads(sys.argv[1])
    conflicts = Conflicts()
    logging.getLogger("skill").addHandler(conflicts)
    logging.getLogger("skill").setLevel(logging.INFO)
    echo = Echo(new_lambda_handler(), Device(user_id=args["user_id"], device_id=args["device_id"]))
    echo.launch()  # both devices read the same version here
    Path(args["ready_file"]).touch()
    go = Path(args["go_file"])
    deadline = time.monotonic() + 30
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no starting gun")
        time.sleep(0.005)
    for intent, slots in args["turns"]:
        echo.intent(intent, **slots)
    print(json.dumps({"conflicts": conflicts.count, "errors": conflicts.errors, "attributes": echo.session.attributes}))


if __name__ == "__main__":
    main()
