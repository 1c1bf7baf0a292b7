"""Noticing other processes' commits cheaply, for live screens.

SQLite's ``PRAGMA data_version`` on a connection changes whenever *another* connection
commits to the file. The watcher keeps its own idle connection (never in a transaction,
so it blocks no checkpoint) and answers "did anything change?" without reading a table.
"""

from __future__ import annotations

from rmtui.db.sqlite import sqlite3
from os import PathLike


class ChangeWatcher:
    """Polls one database file for commits made through any other connection."""

    def __init__(self, path: str | PathLike[str]) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._last = self._version()

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """Return True once for every batch of commits since the previous call."""
        current = self._version()
        if current == self._last:
            return False
        self._last = current
        return True

    def close(self) -> None:
        self.conn.close()
