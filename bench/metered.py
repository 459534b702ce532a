"""A store wrapper that counts and times every call, for the benchmark (the skill is built with it
through the same factory argument the Lambda entry point uses)."""

from __future__ import annotations

import time
from typing import Any

from skill.alexa_apis import AlexaApis
from skill.store import Store, Stored, VersionConflict


class MeteredStore:
    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.seconds = 0.0
        self.reads = self.writes = self.conflicts = self.deletes = 0

    def load(self, key: str) -> Stored | None:
        started = time.perf_counter()
        try:
            return self.inner.load(key)
        finally:
            self.reads += 1
            self.seconds += time.perf_counter() - started

    def save(self, key: str, data: dict[str, Any], expected_version: int) -> int:
        started = time.perf_counter()
        try:
            return self.inner.save(key, data, expected_version)
        except VersionConflict:
            self.conflicts += 1
            raise
        finally:
            self.writes += 1
            self.seconds += time.perf_counter() - started

    def delete(self, key: str) -> None:
        started = time.perf_counter()
        try:
            self.inner.delete(key)
        finally:
            self.deletes += 1
            self.seconds += time.perf_counter() - started


class MeteredApis(AlexaApis):
    """The Alexa API adapter, timing its calls (settings and reminders: network I/O, like the store)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def time_zone(self, handler_input: Any) -> str:
        started = time.perf_counter()
        try:
            return super().time_zone(handler_input)
        finally:
            self.seconds += time.perf_counter() - started
