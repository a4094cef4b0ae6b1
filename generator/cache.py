"""A persistent cache of work results keyed by content hash: black's output, validation findings,
the facts api_diff reads from each module.

One SQLite file (stdlib, safe under concurrent runs) in the cache directory: ``--cache-dir``, else
``$OAGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/oagen``, else ``~/.cache/oagen``. Entries not used for
:data:`MAX_AGE_DAYS` are dropped. A cache that cannot be opened or written only costs time: every
operation degrades to a miss, never to an error.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Iterable

MAX_AGE_DAYS = 30
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, used REAL, PRIMARY KEY (kind, key))"
_INDEX = "CREATE INDEX IF NOT EXISTS entries_used ON entries (used)"


def default_cache_dir() -> Path:
    explicit = os.environ.get("OAGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "oagen"


class Cache:
    """``get_many``/``put_many`` by (kind, key); ``Cache(None)`` is a cache that never hits."""

    def __init__(self, directory: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / "cache.sqlite3", timeout=10, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            # Dropping old entries (on every write) finds them by this index: without it, each
            # write would read the whole table, large values included (``used`` comes after them).
            self._db.execute(_INDEX)
        except (OSError, sqlite3.Error):
            self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        if self._db is None:
            return {}
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        try:
            now = time.time()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, value FROM entries WHERE kind = ? AND key IN ({marks})", (kind, *chunk)
                )
                found.update((k, bytes(v)) for k, v in rows)
                # Mark entries as used, at most once a day (a write on every hit would cost more).
                self._db.execute(
                    f"UPDATE entries SET used = ? WHERE kind = ? AND key IN ({marks}) AND used < ?",
                    (now, kind, *chunk, now - 86400),
                )
        except sqlite3.Error:
            return found
        return found

    def put_many(self, kind: str, items: dict[str, bytes]) -> None:
        if self._db is None or not items:
            return
        now = time.time()
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO entries (kind, key, value, used) VALUES (?, ?, ?, ?)",
                    [(kind, k, v, now) for k, v in items.items()],
                )
                self._db.execute("DELETE FROM entries WHERE used < ?", (now - MAX_AGE_DAYS * 86400,))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
