"""The shared programme store: one SQLite file that several coordinators use at once.

Rules (DESIGN.md, "The shared store"):

* WAL, ``synchronous=FULL``, a busy timeout, foreign keys on.
* Every write is one short transaction begun with ``BEGIN IMMEDIATE``; the audit row is
  written inside it. Nothing holds a transaction open while idle.
* Editable rows carry ``version``; an update names the version it read and a zero row count
  raises :class:`ConflictError` instead of overwriting someone else's change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import pwd
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rmtui.db.audit_labels import audit_label
from rmtui.db.coordinators import admins_of, admit_writer, has_coordinators, require_admin, role_of
from rmtui.db.errors import (
    ConflictError,
    NotACoordinatorError,
    SchemaTooNewError,
    StoreBusyError,
    StoreError,
    StoreOpenError,
    is_damaged,
    is_locked,
)
from rmtui.db.records import Record
from rmtui.db.schema import MIGRATIONS, SCHEMA_VERSION
from rmtui.db.sqlite import file_uri, sqlite3

if TYPE_CHECKING:  # sqlite_utils (and the numpy it imports) loads only when .db is used
    import sqlite_utils

R = TypeVar("R", bound=Record)

DEFAULT_BUSY_TIMEOUT = 5.0
WAIT_SLICE = 0.25
"""How long one try for the write lock lasts while ``write()`` waits (SQLite's busy handler
polls within it); between tries the wait is reported and cancellation checked."""
REPORT_EVERY = 10.0
"""While ``write()`` waits for the lock, ``on_waiting`` is called when the wait starts and this often after."""
MAX_IDLE_READERS = 4
QUICK_WAIT = 0.01
"""How long a quick (housekeeping) write waits for the write lock before it skips its turn."""
STAMP_DATA = "UPDATE change_stamps SET stamp = random() WHERE kind = 'data'"
_OUR_TABLES = {"participants", "waves", "pairs", "sessions", "feedback", "audit", "settings"}


def utc_now_iso() -> str:
    """Return the current instant as ISO-8601 UTC text with second precision."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def os_user() -> str:
    """Return the operating-system user running this process (the audit's actor).

    The kernel's answer (the effective uid's passwd entry), never an environment variable:
    LOGNAME or USER can be set to anyone's name, and roles would mean nothing.
    """
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no passwd entry (containers)
        return f"uid{uid}"


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner and group only (0660 or tighter).

    SQLite gives the -wal and -shm files the database's permissions, so they stay private too.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreOpenError(f"{path} cannot be created: {error.strerror}.") from error
    try:
        # In a shared (setgid) programme folder the group must be able to write, whatever
        # this person's umask says; elsewhere the umask may make it tighter still.
        if path.parent.stat().st_mode & 0o2000:
            os.fchmod(fd, 0o660)
    finally:
        os.close(fd)


def create_database_file(path: str | os.PathLike[str]) -> None:
    """Create an empty database file as the store does: 0660 in a shared (setgid) folder,
    whose group it takes; elsewhere as private as the umask makes it. Nothing if it exists."""
    _create_private_file(Path(path))


def no_space(folder: Path) -> bool:
    """Return True when the file system holding ``folder`` has (almost) no room left."""
    try:
        found = os.statvfs(folder)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < 256 * 1024


def _damaged(path: Path, error: sqlite3.Error) -> StoreOpenError:
    return StoreOpenError(
        f"{path} is damaged (SQLite says: {error}); restore the latest backup with rmtui restore BACKUP."
    )


def _split_statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit mid-way)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


class Store:
    """An open programme database, safe to share between threads.

    It has one **write connection**, guarded by its own lock, for ``write()`` transactions,
    and a small pool of **read connections**: in WAL mode a reader never waits for a
    writer, so a thread that reads (the UI's workers, a refresh) never waits behind a write
    of this process or another one. A read made on the thread that is inside a
    ``write()`` block uses the write connection, so it sees the transaction's own changes.

    Waiting for the write lock is the store's policy (:meth:`write`, :meth:`wait_policy`):
    it retries ``BEGIN IMMEDIATE`` while another process holds the lock, reports the wait,
    and gives up only when told to.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        now: Callable[[], str] = utc_now_iso,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        self.actor = actor or os_user()
        self.now = now
        self.busy_timeout = busy_timeout
        self._write_lock = threading.RLock()
        self._writer_thread: int | None = None
        self._local = threading.local()
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._readers: list[sqlite3.Connection] = []
        self._watch_lock = threading.Lock()
        self._watch_conn: sqlite3.Connection | None = None
        self._quick_lock = threading.Lock()
        self._quick_conn: sqlite3.Connection | None = None
        self._stamped = False  # the schema has change_stamps (set by _migrate)
        self._closed = False
        self._busy_ms = int(busy_timeout * 1000)  # the write connection's busy timeout now
        self.conn = self._connect(create)
        """The write connection (also used while opening). Use :meth:`write`, not this."""
        self._db: sqlite_utils.Database | None = None
        try:
            self._configure()
            self._refuse_foreign()
            self._admit()
            self._use_wal()
            self._migrate()
            self._admit()
        except BaseException:
            self.conn.close()
            raise

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite_utils over the write connection, made when first used (it imports numpy:
        a third of a second off every start-up that never needs it)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- opening ---------------------------------------------------------------------

    def _connect(self, create: bool) -> sqlite3.Connection:
        path = self.path
        if not path.parent.exists():
            raise StoreOpenError(f"The folder {path.parent} does not exist; create it or choose another database.")
        if path.is_dir():
            raise StoreOpenError(f"{path} is a folder, not a database file.")
        if not path.exists():
            if not create:
                raise StoreOpenError(f"There is no database at {path}.")
            if not os.access(path.parent, os.W_OK):
                raise StoreOpenError(f"You cannot create files in {path.parent}; ask for write permission or choose another database.")
            _create_private_file(path)
        elif not os.access(path, os.R_OK):
            raise StoreOpenError(f"You do not have permission to read {path}; ask its owner to add you to its group.")
        elif not os.access(path, os.W_OK):
            raise StoreOpenError(f"{path} is read-only for you; ask its owner to make it group-writable (chmod g+rw {path}) and to add you to its group.")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreOpenError(
                f"You cannot write in the folder {path.parent}, and SQLite must create {path.name}-wal and "
                f"{path.name}-shm there; ask its owner to make it group-writable (chmod g+rwx {path.parent})."
            )
        try:
            return self._open_connection()
        except sqlite3.Error as error:
            raise StoreOpenError(f"{path} cannot be opened: {error}.") from error

    def _open_connection(self) -> sqlite3.Connection:
        """Open one more connection to the file (never creating it: it exists by now)."""
        return sqlite3.connect(
            file_uri(self.path, mode="rw"),
            uri=True,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )

    def _set_up(self, conn: sqlite3.Connection) -> None:
        """The per-connection settings (none of them writes to the file)."""
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _configure(self) -> None:
        try:
            self._set_up(self.conn)
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _refuse_foreign(self) -> None:
        """Refuse another program's SQLite file, or one from a newer rmtui, before changing
        anything in it (not even its journal mode)."""
        try:
            found = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
            if found > SCHEMA_VERSION:
                raise SchemaTooNewError(str(self.path), found, SCHEMA_VERSION)
            if found == 0:
                # (sqlite_master read directly: sqlite_utils would import numpy, 0.1 s, to list them)
                tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if tables - _OUR_TABLES and not tables & _OUR_TABLES:
                    raise StoreOpenError(f"{self.path} is a SQLite database but not an rmtui one; choose another file.")
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _use_wal(self) -> None:
        try:
            mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _open_error(self, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "disk is full" in text or ("disk I/O error" in text and no_space(self.path.parent)):
            return StoreOpenError(
                f"The disk holding {self.path} is full (or your disk quota is used up), so it cannot be opened; "
                "free some space and try again."
            )
        if isinstance(error, sqlite3.OperationalError) and is_locked(error):
            return StoreBusyError(self.busy_timeout)
        if "not a database" in text:
            return StoreOpenError(f"{self.path} is not an rmtui database (SQLite says: {text}).")
        if is_damaged(error) or "malformed" in text or "disk image" in text:
            return _damaged(self.path, error)
        if "readonly" in text or "read-only" in text:
            return StoreOpenError(f"{self.path} is read-only for you; ask for write permission on it and its folder.")
        return StoreOpenError(f"{self.path} cannot be opened: {text}.")

    def migrate(self) -> None:
        """Bring the schema up to date again (a restore may have put an older one in place)."""
        self._migrate()

    def _migrate(self) -> None:
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            raise SchemaTooNewError(str(self.path), found, SCHEMA_VERSION)
        if found == SCHEMA_VERSION:
            self._stamped = self._has_table("change_stamps")
            return
        try:
            with self._transaction(None, None, None):
                found = self.conn.execute("PRAGMA user_version").fetchone()[0]
                for number in range(found, SCHEMA_VERSION):
                    for statement in _split_statements(MIGRATIONS[number]):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error
        self._stamped = self._has_table("change_stamps")

    def _admit(self) -> None:
        """Refuse to open for someone who is not a coordinator once the programme has any."""
        try:
            with self._write_lock:
                if not self._has_table("coordinators"):
                    return  # an older schema: nobody has a role yet
                if has_coordinators(self.conn) and role_of(self.conn, self.actor) is None:
                    raise NotACoordinatorError(self.actor, admins_of(self.conn))
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _has_table(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

    def role(self) -> str | None:
        """Return the actor's role (admin, coordinator, viewer), or None while the programme
        has no coordinators yet and anyone who can open the file may edit it."""
        with self._reading() as conn:
            return role_of(conn, self.actor)

    def may_edit(self) -> bool:
        """Return True unless the actor is a viewer (or no longer a coordinator)."""
        with self._reading() as conn:
            if not has_coordinators(conn):
                return True
            return role_of(conn, self.actor) in ("admin", "coordinator")

    # -- reading ---------------------------------------------------------------------

    def reading(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """Lend the calling thread a connection to read several queries with (see ``_reading``)."""
        return self._reading()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Lend the calling thread a connection to read with.

        Inside this thread's ``write()``: the write connection (the transaction's own
        changes are visible). Inside this thread's ``snapshot()``: the snapshot's
        connection. Otherwise an idle read connection from the pool (opened if none is
        idle), given back afterwards. A read connection never waits for the write lock.
        """
        if self._writer_thread == threading.get_ident():
            yield self.conn
            return
        held = getattr(self._local, "snapshot", None)
        if held is not None:
            yield held
            return
        conn = self._borrow()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def _borrow(self) -> sqlite3.Connection:
        with self._pool_lock:
            if self._closed:
                raise StoreError(f"{self.path} is closed.")
            if self._idle:
                return self._idle.pop()
        try:
            conn = self._open_connection()
            self._set_up(conn)
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error
        with self._pool_lock:
            self._readers.append(conn)
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # a failed statement inside a snapshot
            conn.execute("ROLLBACK")
        with self._pool_lock:
            if not self._closed and len(self._idle) < MAX_IDLE_READERS:
                self._idle.append(conn)
                return
            if conn in self._readers:
                self._readers.remove(conn)
        conn.close()

    def schema_version(self) -> int:
        """Return the schema number recorded in the file (``PRAGMA user_version``)."""
        with self._reading() as conn:
            try:
                return int(conn.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.DatabaseError as error:
                raise self._open_error(error) from error

    def query(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """Return every row of a read query as dicts (each statement sees a fresh snapshot)."""
        with self._reading() as conn:
            cursor = self._execute(conn, sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def query_tuples(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a read query as tuples (cheaper than dicts for bulk reads)."""
        with self._reading() as conn:
            return self._execute(conn, sql, params).fetchall()

    def scalar(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> Any:
        """Return the first column of the first row of a query, or None."""
        with self._reading() as conn:
            row = self._execute(conn, sql, params).fetchone()
            return None if row is None else row[0]

    def get(self, record_type: type[R], row_id: int) -> R | None:
        """Return the record of ``record_type`` with ``row_id``, or None."""
        rows = self.query(f"SELECT * FROM {record_type.TABLE} WHERE id = ?", (row_id,))
        return record_type.from_row(rows[0]) if rows else None

    def all(self, record_type: type[R], where: str = "1", params: Iterable[Any] = (), order: str = "id") -> list[R]:
        """Return the records of ``record_type`` matching ``where``, ordered by ``order``."""
        rows = self.query(f"SELECT * FROM {record_type.TABLE} WHERE {where} ORDER BY {order}", params)
        return [record_type.from_row(row) for row in rows]

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Hold one read snapshot across several queries made on this thread (keep it short).

        It holds one read connection for this thread; other threads, and the writer, go
        on meanwhile. Inside this thread's ``write()`` the transaction already is one
        consistent view, so this adds nothing.
        """
        if self._writer_thread == threading.get_ident() or getattr(self._local, "snapshot", None) is not None:
            yield self
            return
        with self._reading() as conn:
            self._execute(conn, "BEGIN DEFERRED")
            self._local.snapshot = conn
            try:
                yield self
            finally:
                self._local.snapshot = None
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def data_version(self) -> int:
        """Return SQLite's data_version on the store's own idle watch connection: it changes
        whenever any other connection commits, this store's write connection included."""
        with self._watch_lock:
            if self._watch_conn is None:
                self._watch_conn = self._open_connection()
            return int(self._watch_conn.execute("PRAGMA data_version").fetchone()[0])

    def _execute(
        self, conn: sqlite3.Connection, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
    ) -> sqlite3.Cursor:
        try:
            return conn.execute(sql, params)
        except sqlite3.OperationalError as error:
            if is_locked(error):
                raise StoreBusyError(self.busy_timeout) from error
            raise
        except sqlite3.DatabaseError as error:
            if is_damaged(error):
                raise _damaged(self.path, error) from error
            raise

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def wait_policy(
        self,
        wait: bool | float | None = True,
        on_waiting: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[None]:
        """Make every ``write()`` this thread begins inside the block wait as told.

        For code that saves through services which call ``store.write()`` themselves::

            with store.wait_policy(True, on_waiting=tell_the_user, cancelled=worker_cancelled):
                update_participant(store, ...)

        The arguments mean what they mean for :meth:`write`; a ``write()`` given its own
        arguments keeps them.
        """
        previous = getattr(self._local, "policy", None)
        self._local.policy = (wait, on_waiting, cancelled)
        try:
            yield
        finally:
            self._local.policy = previous

    @contextmanager
    def _transaction(
        self,
        wait: bool | float | None,
        on_waiting: Callable[[float], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> Iterator[None]:
        self._begin(wait, on_waiting, cancelled)
        self._writer_thread = threading.get_ident()
        try:
            try:
                yield
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.DatabaseError as error:  # busy, or a deferred foreign key still unmet
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    if is_locked(error):
                        raise StoreBusyError(self.busy_timeout) from error
                    raise
        finally:
            self._writer_thread = None
            self._write_lock.release()

    def _begin(
        self,
        wait: bool | float | None,
        on_waiting: Callable[[float], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        """Take this store's write lock, then SQLite's (``BEGIN IMMEDIATE``), waiting as told.

        ``wait``: None waits up to the busy timeout; True until the lock comes free (or
        ``cancelled()``); False not at all; a number up to that many seconds. While it
        waits, ``on_waiting(seconds so far)`` is called once the first short try failed
        and every REPORT_EVERY seconds after. Raises StoreBusyError when it gives up.
        The lock is held on return (release it after COMMIT or ROLLBACK).
        """
        limit = self.busy_timeout if wait is None else (math.inf if wait is True else float(wait or 0))
        # Nobody to tell and nothing to check: one try as long as the limit (SQLite's own
        # busy handler polls); else short tries, reporting and checking between them.
        step = limit if on_waiting is None and cancelled is None and limit < math.inf else WAIT_SLICE
        started = time.monotonic()
        reported: float | None = None
        have_lock = False
        try:
            while True:
                elapsed = time.monotonic() - started
                slice_ = max(0.0, min(step, limit - elapsed))
                if not have_lock:
                    have_lock = self._write_lock.acquire(timeout=slice_) if slice_ > 0 else self._write_lock.acquire(False)
                if have_lock:
                    if self._try_begin(slice_):
                        return
                elapsed = time.monotonic() - started
                if cancelled is not None and cancelled():
                    raise StoreBusyError(round(elapsed, 1))
                if elapsed >= limit:
                    raise StoreBusyError(self.busy_timeout if wait is None else round(elapsed, 1))
                if on_waiting is not None and (reported is None or elapsed - reported >= REPORT_EVERY):
                    reported = elapsed
                    on_waiting(elapsed)
        except BaseException:
            if have_lock:
                self._write_lock.release()
            raise

    def _try_begin(self, seconds: float) -> bool:
        """Try ``BEGIN IMMEDIATE`` for up to ``seconds``; False if another connection holds the lock."""
        milliseconds = int(seconds * 1000)
        if milliseconds != self._busy_ms:
            self.conn.execute(f"PRAGMA busy_timeout = {milliseconds}")
            self._busy_ms = milliseconds
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as error:
            if is_locked(error):
                return False
            raise

    @contextmanager
    def write(
        self,
        wait: bool | float | None = None,
        on_waiting: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[Writer]:
        """Run one write transaction (``BEGIN IMMEDIATE``); commit on success, else roll back.

        While another process holds the write lock it waits: ``wait`` None (the default)
        up to the busy timeout, True until the lock is free, False not at all, a number
        that many seconds; ``on_waiting(seconds)`` is told when the wait starts and every
        10 s after; ``cancelled()`` true stops the wait. Giving up raises
        :class:`StoreBusyError`, nothing written. Defaults come from an enclosing
        :meth:`wait_policy` on this thread. Reads (``query``...) made on this thread inside
        the block see the transaction's changes.

        Raises :class:`NotAllowedError` for a viewer or someone no longer a coordinator;
        while the programme has no coordinators, the operating-system user who writes
        first is enrolled as its admin in the same transaction.
        """
        policy = getattr(self._local, "policy", None)
        if policy is not None and wait is None and on_waiting is None and cancelled is None:
            wait, on_waiting, cancelled = policy
        with self._transaction(wait, on_waiting, cancelled):
            changes = self.conn.total_changes
            writer = Writer(self)
            admit_writer(writer, may_enrol=self.actor == os_user())
            yield writer
            writer.seal()
            if self._stamped and self.conn.total_changes != changes:
                # Tells every open app's watcher that data (not only presence) changed.
                self.conn.execute(STAMP_DATA)

    @contextmanager
    def quick_write(self, wait: float = QUICK_WAIT) -> Iterator[sqlite3.Connection]:
        """Run one small unaudited housekeeping write (presence) that never waits long.

        It uses its own connection, not the store's write connection, so it never queues
        behind (or holds up) this process's saves; it waits at most ``wait`` seconds for
        SQLite's write lock and raises :class:`StoreBusyError` if another process holds it:
        the caller skips its turn. The connection commits with ``synchronous = NORMAL``
        (no fsync per commit: a presence row lost to a power cut is simply written again),
        so it holds the lock for a fraction of a millisecond. Nothing checks roles: viewers
        are present too. Callers name what they write themselves (no audit row).
        """
        if not self._quick_lock.acquire(timeout=wait):
            raise StoreBusyError(wait)
        try:
            if self._closed:
                raise StoreError(f"{self.path} is closed.")
            if self._quick_conn is None:
                conn = self._open_connection()
                conn.execute("PRAGMA synchronous = NORMAL")
                self._quick_conn = conn
            conn = self._quick_conn
            conn.execute(f"PRAGMA busy_timeout = {max(0, int(wait * 1000))}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if is_locked(error):
                    raise StoreBusyError(wait) from error
                raise
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(error, sqlite3.OperationalError) and is_locked(error):
                    raise StoreBusyError(wait) from error
                raise
        finally:
            self._quick_lock.release()

    def close(self) -> None:
        """Close every connection. A reader another thread is still using is closed when
        that thread gives it back (closing it under a running query can crash the process)."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
            for conn in idle:
                self._readers.remove(conn)
        for conn in idle:
            conn.close()
        with self._watch_lock:
            if self._watch_conn is not None:
                self._watch_conn.close()
                self._watch_conn = None
        with self._quick_lock:
            if self._quick_conn is not None:
                self._quick_conn.close()
                self._quick_conn = None
        with self._write_lock:
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Writer:
    """The operations allowed inside one write transaction; each audits itself."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        self.now = store.now()
        self._audit_floor = int(self.conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0])
        self.change_id = self._audit_floor + 1
        """The change this transaction's audit rows belong to (audit.change_id): the id its
        first audit row gets, as the write lock is held and audit ids only grow."""

    def seal(self) -> None:
        """Put every audit row this transaction wrote without a change_id (bulk paths that
        insert audit rows themselves) in this transaction's change; called before COMMIT."""
        self.conn.execute(
            "UPDATE audit SET change_id = ? WHERE id > ? AND change_id IS NULL", (self.change_id, self._audit_floor)
        )

    def execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement inside the transaction (no audit: callers audit)."""
        return self.conn.execute(sql, params)

    def audit(
        self,
        entity: str,
        entity_id: int | None,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Record who did what to which row, in this transaction, with the row's label now."""
        self.conn.execute(
            "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, label, change_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.now,
                self.store.actor,
                entity,
                entity_id,
                action,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                audit_label(self.conn, entity, entity_id, before, after),
                self.change_id,
            ),
        )

    def insert(self, record: R, *, audit: bool = True) -> R:
        """Insert ``record`` (its id chosen by SQLite) and return it as stored."""
        row = record.to_row()
        row.pop("id", None)
        if "version" in row:
            row["version"] = 1
        for stamp in ("created_at", "updated_at"):
            if stamp in row and not row[stamp]:
                row[stamp] = self.now
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"INSERT INTO {record.TABLE} ({columns}) VALUES ({marks})", tuple(row.values())
        )
        row_id = int(cursor.lastrowid or 0)
        stored = type(record).from_row({**row, "id": row_id})
        if audit:
            self.audit(record.TABLE, row_id, "create", None, _public(stored.to_row()))
        return stored

    def insert_many(self, table: str, rows: Iterable[Mapping[str, Any]], *, batch: int = 5000) -> int:
        """Bulk-insert plain rows (same columns each); return how many. Audit once yourself."""
        count = 0
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        columns = list(first)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        chunk = [tuple(first[c] for c in columns)]
        for row in iterator:
            chunk.append(tuple(row[c] for c in columns))
            if len(chunk) >= batch:
                self.conn.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        self.conn.executemany(sql, chunk)
        return count + len(chunk)

    def update(
        self,
        table: str,
        row_id: int,
        expected_version: int,
        changes: Mapping[str, Any],
    ) -> int:
        """Apply ``changes`` to a row still at ``expected_version``; return the new version.

        Raises :class:`ConflictError` if the row changed or vanished meanwhile. Values must
        already be SQLite values (JSON encoded where the column holds JSON). Only an admin
        may update ``coordinators`` (NotAllowedError otherwise).
        """
        if table == "coordinators":
            require_admin(self)
        columns = [c for c in changes if c not in ("id", "version")]
        cursor = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        names = [d[0] for d in cursor.description]
        before_row = cursor.fetchone()
        if before_row is not None:
            before_row = dict(zip(names, before_row))
        sets = [f"{c} = ?" for c in columns] + ["version = version + 1"]
        values = [changes[c] for c in columns]
        if "updated_at" in names and "updated_at" not in changes:
            sets.append("updated_at = ?")
            values.append(self.now)
        cursor = self.conn.execute(
            f"UPDATE {table} SET {', '.join(sets)} WHERE id = ? AND version = ?",
            (*values, row_id, expected_version),
        )
        if cursor.rowcount == 0:
            raise self.conflict(table, row_id, expected_version)
        assert before_row is not None
        before = {c: before_row[c] for c in columns if before_row[c] != changes[c]}
        after = {c: changes[c] for c in before}
        self.audit(table, row_id, "update", _public(before), _public(after))
        return int(before_row["version"]) + 1

    def conflict(self, table: str, row_id: int, expected_version: int) -> ConflictError:
        """Return the :class:`ConflictError` for a row of ``table`` no longer at ``expected_version``.

        It carries the row as it is now (None when it was deleted) and who changed it
        last, from the audit, so the coordinator is told whose change stopped theirs.
        """
        cursor = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        row = cursor.fetchone()
        current = None if row is None else dict(zip([d[0] for d in cursor.description], row))
        last = self.conn.execute(
            "SELECT actor, at FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1",
            (table, row_id),
        ).fetchone()
        return ConflictError(table, row_id, expected_version, current, *(last or (None, None)))

    def set_setting(self, key: str, value: Any, expected_version: int | None = None) -> int:
        """Store one programme setting (JSON), auditing the change; return its new version.

        ``expected_version`` None writes whatever is there (first-time writes, scripts).
        Given, the setting must still be at that version (0: must not exist yet), else
        :class:`ConflictError` names who changed it last.
        """
        old = self.conn.execute("SELECT value, version FROM settings WHERE key = ?", (key,)).fetchone()
        if expected_version is not None and (old[1] if old else 0) != expected_version:
            last = self.conn.execute(
                "SELECT actor, at FROM audit WHERE entity = 'settings' AND entity_id IS NULL "
                "AND EXISTS (SELECT 1 FROM json_each(audit.after) WHERE json_each.key = ?) "
                "ORDER BY id DESC LIMIT 1",
                (key,),
            ).fetchone()
            current = None if old is None else {"key": key, "value": json.loads(old[0]), "version": old[1]}
            raise ConflictError(
                "settings",
                0,
                expected_version,
                current,
                last[0] if last else None,
                last[1] if last else None,
                what=f"the {key} setting",
            )
        encoded = json.dumps(value, ensure_ascii=False)
        self.conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, version = version + 1",
            (key, encoded, self.now),
        )
        self.audit("settings", None, "set", {key: json.loads(old[0])} if old else None, {key: value})
        return int(old[1]) + 1 if old else 1


def _public(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop the sensitive programme-objective attributes from what the audit keeps."""
    if row is None:
        return None
    return {k: v for k, v in row.items() if k != "attributes"}


def read_settings(store: Store) -> dict[str, Any]:
    """Return every programme setting, decoded."""
    return {row["key"]: json.loads(row["value"]) for row in store.query("SELECT key, value FROM settings")}


def read_setting(store: Store, key: str) -> tuple[Any, int]:
    """Return one setting's decoded value and version: (None, 0) when it was never set.

    Pass the version to :meth:`Writer.set_setting` as ``expected_version`` to save an
    edit only if nobody changed the setting since it was read.
    """
    row = store.query_tuples("SELECT value, version FROM settings WHERE key = ?", (key,))
    return (json.loads(row[0][0]), int(row[0][1])) if row else (None, 0)
