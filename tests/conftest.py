"""Tests never touch the user's oagen cache (``~/.cache/oagen``): each gets its own.

``OAGEN_CACHE_DIR`` (and ``XDG_CACHE_HOME``, should anything bypass it) point at a temporary
directory: one of the session's while module-scoped fixtures run, then one of each test's own.
``run_oagen`` and every subprocess a test starts inherit them; in-process calls name their cache
directory themselves (``Options(..., cache_dir=tmp_path / "cache")``) or use none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest


def _point_caches_at(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    monkeypatch.setenv("OAGEN_CACHE_DIR", str(home / "oagen"))
    return home / "oagen"


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """For session- and module-scoped fixtures (set up before any test's own fixtures)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _point_caches_at(monkeypatch, tmp_path_factory.mktemp("session-cache"))


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's oagen cache directory (created by the first run that uses it)."""
    return _point_caches_at(monkeypatch, tmp_path_factory.mktemp("cache"))
