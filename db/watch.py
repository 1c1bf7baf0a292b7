"""Noticing other processes' commits cheaply, for live screens.

SQLite's ``PRAGMA data_version`` on a connection changes whenever *another* connection
commits to the file. The watcher keeps its own idle connection (never in a transaction,
so it blocks no checkpoint) and answers "did anything change?" without reading a table.
"""

from __future__ import annotations

from os import PathLike

from rmtui.db.errors import is_locked
from rmtui.db.sqlite import sqlite3


class ChangeWatcher:
    """Polls one database file for commits made through any other connection.

    It never waits: its connection's busy timeout is zero, so the UI thread may poll. In
    WAL mode the PRAGMA takes no lock a writer holds; in the rare moment it cannot start
    (another process recovering the WAL after a crash), the poll says "no change yet" and
    the next one sees it.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.conn = sqlite3.connect(str(path), timeout=0, isolation_level=None, check_same_thread=False)
        self._last = self._version()

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """Return True once for every batch of commits since the previous call."""
        try:
            current = self._version()
        except sqlite3.OperationalError as error:
            if is_locked(error):
                return False
            raise
        if current == self._last:
            return False
        self._last = current
        return True

    def close(self) -> None:
        self.conn.close()
