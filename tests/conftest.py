from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support import Echo, new_lambda_handler  # noqa: E402


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh embedded store for the test, chosen the way a user would: SKILL_DB_PATH."""
    path = tmp_path / "households.sqlite3"
    monkeypatch.setenv("SKILL_DB_PATH", str(path))
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("SKILL_ID", raising=False)
    return path


@pytest.fixture
def new_process(db_path: Path) -> Callable[[], Any]:
    """Returns a fresh `lambda_handler` each call (a new Lambda container on the same store)."""
    return new_lambda_handler


@pytest.fixture
def echo(new_process: Callable[[], Any]) -> Echo:
    return Echo(new_process())
