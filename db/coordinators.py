"""Who may open the programme and what they may change: the ``coordinators`` table.

Roles: ``admin`` (everything, and manages coordinators), ``coordinator`` (edits the
programme), ``viewer`` (reads only). The Unix group that owns the programme folder is the
security boundary; roles prevent accidents and make the audit trustworthy, because every
change is made by a known person in a known role.

While the table is empty (a database that was never ``rmtui init``-ed, such as a fresh
demo) anyone who can open the file may edit it, and the first operating-system user to
write becomes its admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rmtui.db.errors import NotAllowedError
from rmtui.db.sqlite import sqlite3

if TYPE_CHECKING:
    from rmtui.db.store import Writer

ROLES = ("admin", "coordinator", "viewer")


@dataclass(frozen=True)
class Coordinator:
    """One person allowed to open the programme, and their role."""

    id: int
    os_user: str
    role: str
    added_at: str
    added_by: str
    version: int


def admins_of(conn: sqlite3.Connection) -> list[str]:
    """Return the user names of the admins, sorted."""
    return [row[0] for row in conn.execute("SELECT os_user FROM coordinators WHERE role = 'admin' ORDER BY os_user")]


def _admins(conn: sqlite3.Connection) -> str:
    """Return the admins' names for a message ("an admin" when there are none)."""
    return ", ".join(admins_of(conn)) or "an admin"


def role_of(conn: sqlite3.Connection, user: str) -> str | None:
    """Return ``user``'s role, or None when they are not a coordinator."""
    row = conn.execute("SELECT role FROM coordinators WHERE os_user = ?", (user,)).fetchone()
    return None if row is None else str(row[0])


def has_coordinators(conn: sqlite3.Connection) -> bool:
    """Return True once the programme has at least one coordinator (roles are enforced)."""
    return conn.execute("SELECT 1 FROM coordinators LIMIT 1").fetchone() is not None


def admit_writer(writer: Writer, *, may_enrol: bool) -> None:
    """Refuse the transaction unless the writer may edit; enrol the first writer as admin.

    ``may_enrol`` is True when the store's actor is the operating-system user (a person
    at a terminal); a name given by a test or a script is never enrolled.
    """
    conn = writer.conn
    user = writer.store.actor
    if not has_coordinators(conn):
        if may_enrol:
            _insert(writer, user, "admin", reason="first person to change this programme")
        return
    role = role_of(conn, user)
    if role is None:
        raise NotAllowedError(f"{user} is not a coordinator of this programme; ask an admin ({_admins(conn)}) to add you.")
    if role == "viewer":
        raise NotAllowedError(
            f"{user} is a viewer of this programme and cannot change it; ask an admin ({_admins(conn)}) for the coordinator role."
        )


def require_admin(writer: Writer) -> None:
    """Refuse unless the writer is an admin (anyone while the programme has no coordinators)."""
    conn = writer.conn
    if has_coordinators(conn) and role_of(conn, writer.store.actor) != "admin":
        raise NotAllowedError(f"Only an admin ({_admins(conn)}) can change who may use this programme.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise NotAllowedError(f"{role!r} is not a role; choose admin, coordinator or viewer.")


def _insert(writer: Writer, user: str, role: str, *, reason: str | None = None) -> int:
    cursor = writer.conn.execute(
        "INSERT INTO coordinators (os_user, role, added_at, added_by) VALUES (?, ?, ?, ?)",
        (user, role, writer.now, writer.store.actor),
    )
    row_id = int(cursor.lastrowid or 0)
    after = {"os_user": user, "role": role}
    if reason:
        after["reason"] = reason
    writer.audit("coordinators", row_id, "create", None, after)
    return row_id


def add_coordinator(writer: Writer, user: str, role: str) -> int:
    """Let ``user`` open the programme with ``role``; return the new row's id (admins only)."""
    require_admin(writer)
    _check_role(role)
    user = user.strip()
    if not user or any(ch.isspace() or not ch.isprintable() for ch in user):
        raise NotAllowedError(f"{user!r} is not an operating-system user name.")
    if role_of(writer.conn, user) is not None:
        raise NotAllowedError(f"{user} is already a coordinator; change their role instead.")
    return _insert(writer, user, role)


def set_role(writer: Writer, user: str, role: str, expected_version: int | None = None) -> int:
    """Give ``user`` the role ``role``; return the row's new version (admins only).

    With ``expected_version`` the change goes through the store's version check, so two
    admins changing the same person at once see a conflict instead of overwriting.
    """
    require_admin(writer)
    _check_role(role)
    row = writer.conn.execute("SELECT id, role, version FROM coordinators WHERE os_user = ?", (user,)).fetchone()
    if row is None:
        raise NotAllowedError(f"{user} is not a coordinator of this programme.")
    row_id, current, version = row
    if current == "admin" and role != "admin":
        _keep_an_admin(writer, user)
    return writer.update("coordinators", row_id, version if expected_version is None else expected_version, {"role": role})


def remove_coordinator(writer: Writer, user: str) -> None:
    """Stop ``user`` from opening the programme (admins only; the last admin stays)."""
    require_admin(writer)
    row = writer.conn.execute("SELECT id, role FROM coordinators WHERE os_user = ?", (user,)).fetchone()
    if row is None:
        raise NotAllowedError(f"{user} is not a coordinator of this programme.")
    if row[1] == "admin":
        _keep_an_admin(writer, user)
    writer.conn.execute("DELETE FROM coordinators WHERE id = ?", (row[0],))
    writer.audit("coordinators", row[0], "delete", {"os_user": user, "role": row[1]}, None)


def _keep_an_admin(writer: Writer, user: str) -> None:
    others = [name for name in admins_of(writer.conn) if name != user]
    if not others:
        raise NotAllowedError(f"{user} is the only admin; make someone else admin first.")
