"""Errors the store raises. Each message is one sentence a coordinator can act on."""

from __future__ import annotations

from typing import Any

SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def _primary_code(error: BaseException) -> int | None:
    """Return SQLite's primary result code of ``error`` (extended codes folded), or None."""
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_locked(error: BaseException) -> bool:
    """Return True if an SQLite error means another connection holds the lock (SQLITE_BUSY or
    SQLITE_LOCKED, extended codes included). Judged by the result code; only a driver that
    gives no code (older Pythons) is judged by the message text."""
    code = _primary_code(error)
    if code is not None:
        return code in (SQLITE_BUSY, SQLITE_LOCKED)
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def is_damaged(error: BaseException) -> bool:
    """Return True if an SQLite error says the file is corrupt (SQLITE_CORRUPT)."""
    code = _primary_code(error)
    if code is not None:
        return code == SQLITE_CORRUPT
    return "malformed" in str(error).lower()


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class StoreOpenError(StoreError):
    """The database cannot be opened (missing folder, not a database, no permission...)."""


class SchemaTooNewError(StoreOpenError):
    """The database was written by a newer rmtui."""

    def __init__(self, path: str, found: int, known: int) -> None:
        super().__init__(
            f"{path} was written by a newer rmtui (schema {found}, this rmtui knows "
            f"{known}); upgrade rmtui before opening it."
        )
        self.found = found
        self.known = known


class StoreBusyError(StoreError):
    """Another process held the write lock for longer than the busy timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The database stayed locked by another coordinator for {seconds:g} s; "
            "nothing was saved yet, try again."
        )
        self.seconds = seconds


class ConflictError(StoreError):
    """A versioned update found the row changed (or gone) since it was read."""

    def __init__(
        self,
        table: str,
        row_id: int,
        expected_version: int,
        current: dict[str, Any] | None,
        changed_by: str | None,
        changed_at: str | None,
        *,
        what: str | None = None,
    ) -> None:
        what = what or f"{table} #{row_id}"
        if current is None:
            message = f"{what} was deleted by someone else; nothing was saved."
        else:
            who = changed_by or "another coordinator"
            when = f" at {changed_at}" if changed_at else ""
            message = (
                f"{what} was changed by {who}{when} since you opened it "
                f"(version {expected_version} → {current.get('version')}); your edit was not "
                "saved and is kept for you to reapply."
            )
        super().__init__(message)
        self.table = table
        self.row_id = row_id
        self.expected_version = expected_version
        self.current = current
        self.changed_by = changed_by
        self.changed_at = changed_at


class NotACoordinatorError(StoreOpenError):
    """The programme has coordinators and the person opening it is not one of them."""

    def __init__(self, user: str, admins: list[str]) -> None:
        named = ", ".join(admins) if admins else "its admin"
        super().__init__(
            f"{user} is not a coordinator of this programme; ask an admin ({named}) to run "
            f"rmtui users add {user} --role coordinator."
        )
        self.user = user
        self.admins = admins


class NotAllowedError(StoreError):
    """The person's role does not allow this change (a viewer writing, a non-admin managing roles)."""
