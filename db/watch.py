"""Noticing other processes' commits cheaply, for live screens.

SQLite's ``PRAGMA data_version`` on a connection changes whenever *another* connection
commits to the file. The watcher keeps its own idle connection (never in a transaction,
so it blocks no checkpoint) and answers "did anything change?" without reading a table.
"""

from __future__ import annotations

from os import PathLike

from rmtui.db.errors import is_locked
from rmtui.db.sqlite import sqlite3

DATA = "data"
PRESENCE = "presence"
NOTHING: frozenset[str] = frozenset()


class ChangeWatcher:
    """Polls one database file for commits made through any other connection.

    It never waits: its connection's busy timeout is zero, so the UI thread may poll. In
    WAL mode the PRAGMA takes no lock a writer holds; in the rare moment it cannot start
    (another process recovering the WAL after a crash), the poll says "no change yet" and
    the next one sees it.

    :meth:`changes` also says *what* changed: the store stamps every data write, and
    presence heartbeats stamp their own row of ``change_stamps``, so an app can refresh
    only its header when nothing but presence changed. A commit that set neither stamp
    (written by another tool) counts as data.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.conn = sqlite3.connect(str(path), timeout=0, isolation_level=None, check_same_thread=False)
        self._last = self._version()
        self._stamps = self._read_stamps()

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _read_stamps(self) -> dict[str, int] | None:
        try:
            return {str(kind): int(stamp) for kind, stamp in self.conn.execute("SELECT kind, stamp FROM change_stamps")}
        except sqlite3.OperationalError:  # an older schema, or locked for a moment: count it as data
            return None

    def changed(self) -> bool:
        """Return True once for every batch of commits since the previous call."""
        return bool(self.changes())

    def changes(self) -> frozenset[str]:
        """Return what the commits since the previous call changed: DATA, PRESENCE, both, or nothing."""
        try:
            current = self._version()
        except sqlite3.OperationalError as error:
            if is_locked(error):
                return NOTHING
            raise
        if current == self._last:
            return NOTHING
        self._last = current
        stamps, before = self._read_stamps(), self._stamps
        self._stamps = stamps
        if stamps is None or before is None:
            return frozenset({DATA, PRESENCE})
        found = frozenset(kind for kind in (DATA, PRESENCE) if stamps.get(kind) != before.get(kind))
        return found or frozenset({DATA})

    def close(self) -> None:
        self.conn.close()
