"""Backing up and restoring a programme while other coordinators keep working.

Both use SQLite's online backup API. A backup copies one consistent snapshot in a single
step: in WAL mode a reader never blocks writers, so coordinators keep saving while it
runs. The copy is written beside the destination, integrity-checked, switched to a
single self-contained file (journal mode DELETE), synced, and only then renamed into
place and reported done.

A restore copies a checked backup into the live database under its write lock, so every
running app sees the restored programme at its next refresh. The database as it was is
saved beside it while that same lock is held: no commit can land between the copy
aside and the overwrite, so every acknowledged commit is in one or the other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rmtui.db import SCHEMA_VERSION, Store, StoreError, create_database_file, os_user
from rmtui.db.sqlite import file_uri, sqlite3


class BackupError(StoreError):
    """A backup or restore could not be made or failed its check."""


@dataclass(frozen=True)
class BackupResult:
    """A finished, checked copy of a programme."""

    path: Path
    bytes: int
    participants: int
    schema: int


def backup_programme(source: str | os.PathLike[str], destination: str | os.PathLike[str], *, overwrite: bool = False) -> BackupResult:
    """Copy the programme at ``source`` to ``destination``; return the checked copy.

    Raises BackupError if the destination exists (unless ``overwrite``), cannot be
    written, or the copy fails its integrity check (then nothing is left at destination).
    """
    source, destination = Path(source), Path(destination).expanduser()
    if destination.is_dir():
        destination = destination / f"{source.stem}-backup.db"
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} already exists; choose another name or pass --overwrite.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist; create it first.")
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660))
    except OSError as error:
        raise BackupError(f"Cannot write {destination}: {error.strerror}.") from error
    try:
        _copy(source, partial)
        result = check_backup(partial)
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_folder(destination.parent)
    return BackupResult(destination, result.bytes, result.participants, result.schema)


def _copy(source: Path, target: Path, *, journal_mode: str = "DELETE") -> None:
    """Copy the database ``source`` into the file ``target`` (which exists) in one step;
    leave ``target`` in ``journal_mode`` (DELETE: one self-contained file) and synced."""
    try:
        src = sqlite3.connect(file_uri(source, mode="ro"), uri=True, timeout=30)
        dst = sqlite3.connect(str(target), isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"Cannot open {source} to back it up: {error}.") from error
    try:
        # One step (pages=-1): the copy is one consistent snapshot, and WAL lets writers go on.
        src.backup(dst, pages=-1)
        dst.execute(f"PRAGMA journal_mode = {journal_mode}")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise BackupError(f"The backup of {source} failed: {error}.") from error
    finally:
        dst.close()
        src.close()
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def check_backup(path: str | os.PathLike[str]) -> BackupResult:
    """Return what a backup file holds after ``PRAGMA integrity_check``; BackupError if damaged."""
    path = Path(path)
    try:
        conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
            if result != ["ok"]:
                raise BackupError(f"{path} failed its integrity check ({result[0]}); it is not a usable backup.")
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            participants = int(conn.execute("SELECT count(*) FROM participants").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an rmtui backup (SQLite says: {error}).") from error
    if schema > SCHEMA_VERSION:
        raise BackupError(f"{path} comes from a newer rmtui (schema {schema}); upgrade rmtui to restore it.")
    return BackupResult(path, path.stat().st_size, participants, schema)


def restore_programme(store: Store, backup: str | os.PathLike[str]) -> tuple[BackupResult, BackupResult]:
    """Replace the open programme's contents with ``backup``; return (restored, saved-before).

    Only an admin may restore (anyone while the programme has no coordinators). The
    database as it was is saved beside it as ``NAME.before-restore-<time>.db``, under the
    write lock the overwrite holds: a coordinator's commit either lands before (and is in
    that copy) or waits and lands after the restore.
    """
    if store.role() not in (None, "admin"):
        raise BackupError("Only an admin can restore a backup over the programme.")
    checked = check_backup(backup)
    stamp = store.now().replace(":", "").replace("-", "")
    aside = store.path.with_name(f"{store.path.stem}.before-restore-{stamp}.db")
    if aside.exists():
        raise BackupError(f"{aside} already exists; wait a second and restore again.")
    saved: list[BackupResult] = []
    tops: list[tuple[int, int]] = []

    def save_aside(status: int, remaining: int, total: int) -> None:
        # Called after the first page went into the live file's (uncommitted) transaction:
        # its write lock is held, nobody can commit, and a reader sees the last commit.
        if saved or status not in (0, 101):  # SQLITE_OK, SQLITE_DONE: a page was copied
            return  # busy: another coordinator's commit held the lock; the step is tried again
        if remaining == 0:  # pragma: no cover - an rmtui database is never one page
            raise BackupError(f"{backup} is too small to be an rmtui backup.")
        tops.append(store.query_tuples(_TOP_PAIR_AND_REVISION)[0])
        saved.append(backup_programme(store.path, aside))

    try:
        src = sqlite3.connect(file_uri(backup, mode="ro"), uri=True)
        dst = sqlite3.connect(file_uri(store.path, mode="rw"), uri=True, timeout=store.busy_timeout, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"Cannot open {backup}: {error}.") from error
    try:
        # Page by page so that save_aside runs while the destination's write lock is held
        # (the backup API holds it from the first step to the last).
        src.backup(dst, pages=1, progress=save_aside)
        dst.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise BackupError(f"The restore failed and nothing was changed ({error}); the database is as it was.") from error
    finally:
        dst.close()
        src.close()
    store.migrate()
    _stamp_every_pair(store, *tops[0])
    return checked, saved[0]


_TOP_PAIR_AND_REVISION = """
SELECT (SELECT coalesce(max(id), 0) FROM pairs), (SELECT coalesce(max(rev), 0) FROM pair_changes)
"""


def _stamp_every_pair(store: Store, top_pair: int, top_rev: int) -> None:
    """Log every pair id, the restored ones and the ones before, as changed after any revision
    an open leaderboard has seen, so that each reads the restored programme afresh (see
    :class:`rmtui.leaderboard.Leaderboards`). Not a change of data: no audit row."""
    conn = sqlite3.connect(str(store.path), timeout=store.busy_timeout, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        # Read the restored tops under the write lock: a coordinator's commit before it
        # would otherwise take the revisions stamped below (rev is the primary key).
        restored_pair, restored_rev = conn.execute(_TOP_PAIR_AND_REVISION).fetchone()
        conn.execute(
            """WITH RECURSIVE ids(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM ids WHERE id < :top)
               INSERT INTO pair_changes (rev, pair_id) SELECT :above + id, id FROM ids""",
            {"top": max(top_pair, restored_pair), "above": max(top_rev, restored_rev)},
        )
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        raise BackupError(f"The backup was restored, but open leaderboards may not notice it until restarted ({error}).") from error
    finally:
        conn.close()


def restore_damaged(
    database: str | os.PathLike[str], backup: str | os.PathLike[str], stamp: str, *, actor: str | None = None
) -> tuple[BackupResult, Path]:
    """Put ``backup`` in place of a database too damaged to open; return (restored, where the
    damaged file went). The damaged file and its -wal/-shm are kept, renamed, never deleted.

    Only an admin may: an admin of the damaged programme when its coordinators can still be
    read, and of the backup (the programme it becomes) when that has coordinators. The new
    file is made like ``rmtui init`` makes one: 0660 in a shared folder, the damaged file's
    mode and group, WAL.
    """
    database = Path(database)
    user = actor or os_user()
    checked = check_backup(backup)
    for source in (database, Path(backup)):
        role = _role_in(source, user)
        if role not in (None, "admin"):
            raise BackupError(f"Only an admin can restore a backup over the programme ({user} is {role} in {source.name}).")
    old = database.stat() if database.exists() else None
    aside = database.with_name(f"{database.stem}.damaged-{stamp}.db")
    moved = []
    for suffix in ("", "-wal", "-shm"):
        damaged = Path(f"{database}{suffix}")
        if damaged.exists():
            os.replace(damaged, f"{aside}{suffix}")
            moved.append(suffix)
    try:
        create_database_file(database)
        if old is not None:
            _take_mode_and_group(database, old)
        _copy(Path(backup), database, journal_mode="WAL")
    except BaseException:
        database.unlink(missing_ok=True)
        for suffix in moved:
            os.replace(f"{aside}{suffix}", f"{database}{suffix}")
        raise
    return checked, aside


def _role_in(path: Path, user: str) -> str | None:
    """Return ``user``'s role in the database at ``path``: None when it has no coordinators,
    "nobody" when it has some and ``user`` is not one; None too when it cannot be read."""
    try:
        conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'coordinators'").fetchone() is None:
            return None
        if conn.execute("SELECT 1 FROM coordinators LIMIT 1").fetchone() is None:
            return None
        row = conn.execute("SELECT role FROM coordinators WHERE os_user = ?", (user,)).fetchone()
        return "nobody" if row is None else str(row[0])
    except sqlite3.DatabaseError:
        return None  # too damaged to say
    finally:
        conn.close()


def _take_mode_and_group(path: Path, old: os.stat_result) -> None:
    """Give the new file the permissions and group of the file it replaces (when allowed)."""
    try:
        os.chmod(path, old.st_mode & 0o7777)
        if path.stat().st_gid != old.st_gid:
            os.chown(path, -1, old.st_gid)
    except PermissionError:
        pass  # not a member of that group: the setgid folder's group and 0660 stay


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
