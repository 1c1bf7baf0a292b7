"""The shared programme store: one SQLite file that several coordinators use at once.

Rules (DESIGN.md, "The shared store"):

* WAL, ``synchronous=FULL``, a busy timeout, foreign keys on.
* Every write is one short transaction begun with ``BEGIN IMMEDIATE``; the audit row is
  written inside it. Nothing holds a transaction open while idle.
* Editable rows carry ``version``; an update names the version it read and a zero row count
  raises :class:`ConflictError` instead of overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from rmtui.db.sqlite import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from rmtui.db.coordinators import admins_of, admit_writer, has_coordinators, require_admin, role_of
from rmtui.db.errors import (
    ConflictError,
    NotACoordinatorError,
    SchemaTooNewError,
    StoreBusyError,
    StoreError,
    StoreOpenError,
    is_locked,
)
from rmtui.db.records import Record
from rmtui.db.audit_labels import audit_label
from rmtui.db.schema import MIGRATIONS, SCHEMA_VERSION

R = TypeVar("R", bound=Record)

DEFAULT_BUSY_TIMEOUT = 5.0
_OUR_TABLES = {"participants", "waves", "pairs", "sessions", "feedback", "audit", "settings"}


def utc_now_iso() -> str:
    """Return the current instant as ISO-8601 UTC text with second precision."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def os_user() -> str:
    """Return the operating-system user running this process (the audit's actor)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


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


def _no_space(folder: Path) -> bool:
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
    """An open programme database. Thread-safe: one lock serialises its connection."""

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
        self._lock = threading.RLock()
        self.conn = self._connect(create)
        self.db = sqlite_utils.Database(self.conn)
        try:
            self._configure()
            self._migrate()
            self._admit()
        except BaseException:
            self.conn.close()
            raise

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
            conn = sqlite3.connect(
                str(path), timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreOpenError(f"{path} cannot be opened: {error}.") from error
        return conn

    def _configure(self) -> None:
        conn = self.conn
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _open_error(self, error: sqlite3.Error) -> StoreError:
        text = str(error)
        if "disk is full" in text or ("disk I/O error" in text and _no_space(self.path.parent)):
            return StoreOpenError(
                f"The disk holding {self.path} is full (or your disk quota is used up), so it cannot be opened; "
                "free some space and try again."
            )
        if "not a database" in text:
            return StoreOpenError(f"{self.path} is not an rmtui database (SQLite says: {text}).")
        if "malformed" in text or "disk image" in text:
            return _damaged(self.path, error)
        if isinstance(error, sqlite3.OperationalError) and is_locked(error):
            return StoreBusyError(self.busy_timeout)
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
            return
        if found == 0:
            tables = set(self.db.table_names())
            if tables - _OUR_TABLES and not tables & _OUR_TABLES:
                raise StoreOpenError(f"{self.path} is a SQLite database but not an rmtui one; choose another file.")
        try:
            with self._transaction():
                found = self.conn.execute("PRAGMA user_version").fetchone()[0]
                for number in range(found, SCHEMA_VERSION):
                    for statement in _split_statements(MIGRATIONS[number]):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def _admit(self) -> None:
        """Refuse to open for someone who is not a coordinator once the programme has any."""
        try:
            if has_coordinators(self.conn) and role_of(self.conn, self.actor) is None:
                raise NotACoordinatorError(self.actor, admins_of(self.conn))
        except sqlite3.DatabaseError as error:
            raise self._open_error(error) from error

    def role(self) -> str | None:
        """Return the actor's role (admin, coordinator, viewer), or None while the programme
        has no coordinators yet and anyone who can open the file may edit it."""
        with self._lock:
            return role_of(self.conn, self.actor)

    def may_edit(self) -> bool:
        """Return True unless the actor is a viewer (or no longer a coordinator)."""
        with self._lock:
            if not has_coordinators(self.conn):
                return True
            return role_of(self.conn, self.actor) in ("admin", "coordinator")

    # -- reading ---------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the schema number recorded in the file (``PRAGMA user_version``)."""
        with self._lock:
            try:
                return int(self.conn.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.DatabaseError as error:
                raise self._open_error(error) from error

    def query(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """Return every row of a read query as dicts (each statement sees a fresh snapshot)."""
        with self._lock:
            cursor = self._execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def query_tuples(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a read query as tuples (cheaper than dicts for bulk reads)."""
        with self._lock:
            return self._execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> Any:
        """Return the first column of the first row of a query, or None."""
        with self._lock:
            row = self._execute(sql, params).fetchone()
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
        """Hold one read snapshot across several queries (keep it short)."""
        with self._lock:
            self._execute("BEGIN DEFERRED")
            try:
                yield self
            finally:
                self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Return SQLite's data_version: it changes when another connection commits."""
        with self._lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)  # type: ignore[arg-type]
        except sqlite3.OperationalError as error:
            if is_locked(error):
                raise StoreBusyError(self.busy_timeout) from error
            raise
        except sqlite3.DatabaseError as error:
            if "malformed" in str(error):
                raise _damaged(self.path, error) from error
            raise

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if is_locked(error):
                    raise StoreBusyError(self.busy_timeout) from error
                raise
            try:
                yield
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.OperationalError as error:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    if is_locked(error):
                        raise StoreBusyError(self.busy_timeout) from error
                    raise

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """Run one write transaction (``BEGIN IMMEDIATE``); commit on success, else roll back.

        Raises :class:`NotAllowedError` for a viewer or someone no longer a coordinator;
        while the programme has no coordinators, the operating-system user who writes
        first is enrolled as its admin in the same transaction.
        """
        with self._transaction():
            writer = Writer(self)
            admit_writer(writer, may_enrol=self.actor == os_user())
            yield writer

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
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

    def execute(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement inside the transaction (no audit: callers audit)."""
        return self.conn.execute(sql, params)  # type: ignore[arg-type]

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
            "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, label) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.now,
                self.store.actor,
                entity,
                entity_id,
                action,
                None if before is None else json.dumps(before, ensure_ascii=False),
                None if after is None else json.dumps(after, ensure_ascii=False),
                audit_label(self.conn, entity, entity_id, before, after),
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
