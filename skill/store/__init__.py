"""Where a household's record lives between sessions: one small interface, two implementations.

- `SqliteStore`: an embedded file, the default for local runs (`SKILL_DB_PATH`).
- `DynamoStore`: DynamoDB, when `TABLE_NAME` is set (Lambda).

Records are versioned: `save` only succeeds if the stored version is still the one the caller read,
so two devices of one household can never silently overwrite each other.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Stored:
    data: dict[str, Any]
    version: int  # 0 means "not stored yet"


class StoreError(RuntimeError):
    """The store could not be reached or answered with an error."""


class VersionConflict(StoreError):
    """Someone else saved the record since it was read."""


class Store(Protocol):
    def load(self, key: str) -> Stored | None:
        """The record, or None when the household has none."""

    def save(self, key: str, data: dict[str, Any], expected_version: int) -> int:
        """Write `data` if the stored version is `expected_version` (0: no record yet); returns the new
        version. Raises `VersionConflict` otherwise."""

    def delete(self, key: str) -> None:
        """Remove the household's record (no error when there is none)."""


def household_key(user_id: str) -> str:
    """The record's key: a hash of Alexa's userId, so the store never holds Amazon's identifier."""
    return hashlib.sha256(user_id.encode()).hexdigest()


def default_sqlite_path() -> Path:
    """`SKILL_DB_PATH`, else a per-user file under the XDG data directory."""
    if path := os.environ.get("SKILL_DB_PATH"):
        return Path(path).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "closer-together" / "households.sqlite3"


def store_from_env() -> Store:
    """The store this process should use, chosen by the environment (see CONTRACT.md)."""
    if table := os.environ.get("TABLE_NAME"):
        from skill.store.dynamodb import DynamoStore

        return DynamoStore(table)
    from skill.store.sqlite import SqliteStore

    return SqliteStore(default_sqlite_path())
