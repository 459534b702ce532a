"""The embedded store: one SQLite file, safe for several processes (WAL, busy timeout, versioned rows)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from skill.store import Stored, StoreError, VersionConflict

_SCHEMA = """
CREATE TABLE IF NOT EXISTS households (
    key TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL
)
"""


class SqliteStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, shared by the threads of a web worker

    def _db(self) -> sqlite3.Connection:
        # Opened on first use, not at import: a turn that needs no record never touches the disk.
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                # No fsync per commit (WAL syncs at checkpoints): a turn's save costs microseconds, not
                # the disk's 50-100 ms. A power cut may lose the last few turns, never the database.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(_SCHEMA)
            except (OSError, sqlite3.Error) as e:
                raise StoreError(f"cannot open the SQLite store: {e.__class__.__name__}") from e
            self._conn = conn
        return self._conn

    def load(self, key: str) -> Stored | None:
        with self._lock:
            try:
                row = self._db().execute("SELECT data, version FROM households WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as e:
                raise StoreError(f"SQLite read failed: {e.__class__.__name__}") from e
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            data = {}  # a damaged row reads as empty; it is only replaced by a deliberate save
        return Stored(data=data if isinstance(data, dict) else {}, version=row[1])

    def save(self, key: str, data: dict[str, Any], expected_version: int) -> int:
        body = json.dumps(data, separators=(",", ":"), sort_keys=True)
        now = int(time.time())
        new_version = expected_version + 1
        with self._lock:
            try:
                db = self._db()
                if expected_version == 0:
                    cur = db.execute(
                        "INSERT OR IGNORE INTO households (key, version, data, updated_at) VALUES (?, ?, ?, ?)",
                        (key, new_version, body, now),
                    )
                else:
                    cur = db.execute(
                        "UPDATE households SET version = ?, data = ?, updated_at = ? WHERE key = ? AND version = ?",
                        (new_version, body, now, key, expected_version),
                    )
            except sqlite3.Error as e:
                raise StoreError(f"SQLite write failed: {e.__class__.__name__}") from e
        if cur.rowcount != 1:
            raise VersionConflict("the record changed since it was read")
        return new_version

    def delete(self, key: str) -> None:
        with self._lock:
            try:
                self._db().execute("DELETE FROM households WHERE key = ?", (key,))
            except sqlite3.Error as e:
                raise StoreError(f"SQLite delete failed: {e.__class__.__name__}") from e
