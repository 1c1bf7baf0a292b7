"""Saving while another coordinator holds the database's write lock.

The store gives up with :class:`StoreBusyError` after its busy timeout. A coordinator's
edit must not be dropped for that: :func:`save_with_retry` waits for the lock on a
separate connection (so the store itself stays free for reads meanwhile), reports that it
is waiting, and retries the same save until it lands.
"""

from __future__ import annotations

from rmtui.db.sqlite import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rmtui.db import Store, StoreBusyError, is_locked

T = TypeVar("T")
PROBE_SECONDS = 0.25
REPORT_EVERY = 10.0


def write_lock_is_free(path: Path, wait: float = PROBE_SECONDS) -> bool:
    """Return True if the write lock of the database at ``path`` could be taken within ``wait`` s.

    Takes the lock on a connection of its own and gives it straight back.
    """
    try:
        conn = sqlite3.connect(str(path), timeout=wait, isolation_level=None)
    except sqlite3.Error:
        return True  # let the save itself report what is wrong
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        return not is_locked(error)
    finally:
        conn.close()


def save_with_retry(
    store: Store,
    save: Callable[[], T],
    *,
    on_waiting: Callable[[float], None] = lambda seconds: None,
    cancelled: Callable[[], bool] = lambda: False,
    probe: float = PROBE_SECONDS,
) -> T:
    """Return what ``save()`` (one store write) returns, retrying while the database is locked.

    ``on_waiting(seconds)`` is called when the wait starts and every 10 s after; other
    errors (ConflictError, NotAllowedError...) pass straight through, the save untried or
    rolled back. Raises StoreBusyError only if ``cancelled()`` becomes true while waiting.
    """
    started = time.monotonic()
    reported: float | None = None

    def waiting() -> None:
        nonlocal reported
        if cancelled():
            raise StoreBusyError(round(time.monotonic() - started, 1))
        now = time.monotonic()
        if reported is None or now - reported >= REPORT_EVERY:
            reported = now
            on_waiting(now - started)

    while True:
        if not write_lock_is_free(store.path, probe):
            waiting()
            continue
        try:
            return save()
        except StoreBusyError:
            waiting()
