"""Starting the app quickly (issue 14: start → first paint): the roster's first page read
ahead, and the cyclic garbage collector paused while the app loads.

Starting the app spends its first few hundred milliseconds importing Textual and building the
first screen; the roster then asked SQL for its first page and waited for it. When the app
opens on the roster, :func:`start_first_page` reads that page in a thread at once, beside the
imports, and the roster's :func:`first_page` takes it when it asks (waiting for it if it is
not quite done). Any other call, or a second one, reads the database as before.

The page read ahead is what the roster would have read a moment later: the preview is shown
only until the search index (read afterwards) replaces it, so a commit in between is picked
up exactly as before.

Loading Textual and the app allocates a few hundred thousand long-lived objects (modules,
classes, styles) and almost no garbage cycles, yet the cyclic collector ran ~140 times
before the first paint, about a tenth of the start-up's CPU. :func:`pause_gc` stops it
while the app loads; :func:`resume_gc` starts it again (the app does a second after it
mounts; the command line does for sub-commands, and when the app ends). Reference
counting frees everything else as usual meanwhile.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rmtui.db import Store
    from rmtui.search.rows import RosterRow

ROSTER_PREVIEW_ROWS = 200
"""How many rows the roster's preview asks for (screens/roster.py PREVIEW_ROWS; a test keeps them equal)."""


class _Pending:
    """One first page being read in a thread."""

    def __init__(self, store: Store, limit: int) -> None:
        self.store = store
        self.limit = limit
        self.rows: list[RosterRow] | None = None
        self.failed = False
        self.thread = threading.Thread(target=self._read, name="roster-first-page", daemon=True)

    def _read(self) -> None:
        from rmtui.search.rows import first_page as read_first_page

        try:
            self.rows = read_first_page(self.store, self.limit)
        except Exception:  # noqa: BLE001 - the roster reads it again itself, and shows that error
            self.failed = True


_pending: list[_Pending] = []
_lock = threading.Lock()


def start_first_page(store: Store, limit: int = ROSTER_PREVIEW_ROWS) -> None:
    """Start reading the roster's first ``limit`` rows of ``store`` in a thread."""
    pending = _Pending(store, limit)
    with _lock:
        _pending.append(pending)
    pending.thread.start()


def first_page(store: Store, limit: int) -> list[RosterRow]:
    """The roster's first page: the one read ahead for ``store`` if there is one, else read now
    (:func:`rmtui.search.rows.first_page`)."""
    with _lock:
        match = next((p for p in _pending if p.store is store and p.limit == limit), None)
        if match is not None:
            _pending.remove(match)
    if match is not None:
        match.thread.join()
        if match.rows is not None:
            return match.rows
    from rmtui.search.rows import first_page as read_first_page

    return read_first_page(store, limit)


def ready_page(store: Store, limit: int) -> list[RosterRow] | None:
    """The first page read ahead for ``store`` if its reading has already ended well (then
    it is taken, as :func:`first_page` would), else None at once: it never waits and never
    touches the database, so the UI thread may ask (the roster shows the page in its first
    frame, without a worker's round trip)."""
    with _lock:
        match = next((p for p in _pending if p.store is store and p.limit == limit), None)
        if match is None or match.thread.is_alive() or match.rows is None:
            return None
        _pending.remove(match)
    return match.rows


def forget(store: Store) -> None:
    """Drop what was read ahead for ``store`` (it is closing), after the reading ends."""
    with _lock:
        mine = [p for p in _pending if p.store is store]
        for pending in mine:
            _pending.remove(pending)
    for pending in mine:
        pending.thread.join()


_gc_paused = False


def pause_gc() -> None:
    """Stop the cyclic garbage collector until :func:`resume_gc` (if it runs now)."""
    global _gc_paused
    if gc.isenabled():
        gc.disable()
        _gc_paused = True


def resume_gc() -> None:
    """Start the collector again if :func:`pause_gc` stopped it (else leave it as it is)."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.enable()


# -- the plain start: ``rmtui`` or ``rmtui --db PATH`` without the command line ------------

NOT_PLAIN = "not a plain start"
"""What :func:`plain_db` returns for any other command line (rmtui.cli reads it)."""


def plain_db(argv: list[str]) -> str | None:
    """The database a plain start names: ``[]`` (None: $RMTUI_DB, else the data folder) or
    ``--db PATH`` / ``--db=PATH`` (the path cleaned as the command line's ``--db`` cleans it);
    :data:`NOT_PLAIN` for anything else, and for a path the command line would refuse or
    explain (a folder, a blank, one that starts with a dash): rmtui.cli then reads it.

    A coordinator starts the app this way every day; loading click and the command line's
    sub-command registry first cost ~12 ms of CPU before the first frame (issue 14).
    """
    if not argv:
        return None
    if len(argv) == 2 and argv[0] == "--db":
        value = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--db="):
        value = argv[0].removeprefix("--db=")
    else:
        return NOT_PLAIN
    from rmtui.text import clean_path

    value = clean_path(value)
    if not value or value.startswith("-") or os.path.isdir(value):
        return NOT_PLAIN
    return value


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_guarded(run: Callable[[], None], say: Callable[[str], None] = _say) -> None:
    """Run the command line (or a plain start) with the garbage collector paused and a
    private umask, turning failures into one clear line and an exit status."""
    from rmtui.context import last_opened
    from rmtui.db import StoreError
    from rmtui.error_log import log_exception
    from rmtui.failures import explain
    from rmtui.keymap import KeymapError

    # The garbage collector waits while the app loads; the app starts it again once shown,
    # a sub-command at once.
    pause_gc()
    # Programme data is confidential: nothing rmtui creates is readable by others.
    os.umask(os.umask(0o007) | 0o007)
    try:
        run()
    except StoreError as error:
        say(f"rmtui: {error}")
        sys.exit(1)
    except KeymapError as error:
        say(f"rmtui: {error}")
        sys.exit(2)
    except KeyboardInterrupt:
        say("rmtui: stopped.")
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence: no tracebacks
        known = explain(error, last_opened())
        if known is not None:
            say(f"rmtui: {known}")
            sys.exit(1)
        log = log_exception(error)
        where = f"details in {log}" if log else "no log could be written"
        say(f"rmtui: unexpected error: {error} ({where}).")
        sys.exit(1)
    finally:
        resume_gc()
