"""Keeping a roster index up to date with the database, row by row.

Every write to a participant's searched columns logs the id in ``participant_changes``
(triggers, the participant change log migration), whichever process writes. A
:class:`KeptRosterIndex` remembers the last revision it read; on a refresh it reads only the
people logged since and returns :meth:`RosterIndex.with_changes` of the index it has. A log
that went backwards (a restore, a demo rebuilt in place) or a change touching a large share
of the roster builds the index afresh.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rmtui.search.index import ROW_COLUMNS, RosterIndex

if TYPE_CHECKING:
    import rmtui.db

REBUILD_SHARE = 0.05
"""When more than this share of the roster changed (an import), a refresh builds the whole
index again: one pass over the table is then cheaper than updating."""
REBUILD_MIN = 500
_BATCH = 500  # ids per SELECT ... IN (...)

_REVISION = "SELECT rev, participant_id FROM participant_changes ORDER BY rev DESC LIMIT 1"


class KeptRosterIndex:
    """Builds the roster index once, then updates it by the participants that changed.

    One instance per open roster; builds from several threads take turns.
    ``reread`` tells what the last :meth:`build` read: None for everyone, else how many people;
    ``full_builds`` counts the builds that read everyone (the first, a restore, an import).
    """

    def __init__(self) -> None:
        self.index: RosterIndex | None = None
        self._mark: tuple[int, int] | None = None  # (revision, participant id logged at it)
        self._lock = threading.Lock()
        self.reread: int | None = None
        self.full_builds = 0

    def build(self, store: rmtui.db.Store) -> RosterIndex:
        """Return the index of every participant in ``store`` as of now."""
        with self._lock:
            # The revision is read before the rows: what commits in between is read now and
            # again next time, never missed.
            found = store.query_tuples(_REVISION)
            mark = (int(found[0][0]), int(found[0][1])) if found else (0, 0)
            index, seen = self.index, self._mark
            if index is not None and seen is not None:
                if mark == seen:
                    self.reread = 0
                    return index
                if mark[0] > seen[0] and self._still_logged(store, seen):
                    changed = [row[0] for row in store.query_tuples(
                        "SELECT DISTINCT participant_id FROM participant_changes WHERE rev > ?", (seen[0],))]
                    if len(changed) <= max(REBUILD_MIN, REBUILD_SHARE * len(index)):
                        rows = self._read(store, changed)
                        present = {int(row[0]) for row in rows}
                        self.index = index.with_changes(rows, [i for i in changed if i not in present])
                        self._mark, self.reread = mark, len(changed)
                        return self.index
            self.index = RosterIndex.from_store(store)
            self._mark, self.reread = mark, None
            self.full_builds += 1
            return self.index

    def prepare(self) -> None:
        """Get the kept index ready for its first update (off the UI thread, when idle)."""
        index = self.index
        if index is not None:
            index.prepare_changes()

    @staticmethod
    def _still_logged(store: rmtui.db.Store, seen: tuple[int, int]) -> bool:
        """Whether the log still holds the entry last seen (not so after a restore)."""
        if seen[0] == 0:
            return True
        found = store.query_tuples("SELECT participant_id FROM participant_changes WHERE rev = ?", (seen[0],))
        return bool(found) and int(found[0][0]) == seen[1]

    @staticmethod
    def _read(store: rmtui.db.Store, ids: list[int]) -> list[tuple]:
        rows: list[tuple] = []
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            rows += store.query_tuples(
                f"SELECT {ROW_COLUMNS} FROM participants WHERE id IN ({','.join('?' * len(batch))})", tuple(batch)
            )
        return rows
