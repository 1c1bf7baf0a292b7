"""Managing who may use the programme (the rules themselves live in db/coordinators.py,
so the store enforces them whoever calls it)."""

from __future__ import annotations

import pwd

from rmtui.db import NotAllowedError, Store
from rmtui.db import coordinators as rules
from rmtui.db.coordinators import ROLES, Coordinator

__all__ = [
    "ROLES",
    "Coordinator",
    "add_coordinator",
    "check_login",
    "list_coordinators",
    "remove_coordinator",
    "set_role",
]


def check_login(user: str) -> None:
    """Refuse (NotAllowedError) a login this server does not know: rmtui names people by
    their login, so a typo ("alcie") would admit nobody and show up in no audit."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise NotAllowedError(
            f"There is no login {user} on this server; check the spelling (the login, not the full name: "
            "id LOGIN shows it), or add it anyway with --force if the account is being created."
        ) from None


def list_coordinators(store: Store) -> list[Coordinator]:
    """Return every coordinator, admins first."""
    return [Coordinator(**row) for row in store.query(
        "SELECT id, os_user, role, added_at, added_by, version FROM coordinators "
        "ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'coordinator' THEN 1 ELSE 2 END, os_user"
    )]


def add_coordinator(store: Store, user: str, role: str) -> None:
    """Let ``user`` (an OS login) open the programme with ``role`` (admins only)."""
    with store.write() as writer:
        rules.add_coordinator(writer, user, role)


def set_role(store: Store, user: str, role: str, expected_version: int | None = None) -> int:
    """Change ``user``'s role; return the row's new version (admins only; ConflictError if
    another admin changed them since ``expected_version``)."""
    with store.write() as writer:
        return rules.set_role(writer, user, role, expected_version)


def remove_coordinator(store: Store, user: str) -> None:
    """Stop ``user`` from opening the programme (admins only; the last admin stays)."""
    with store.write() as writer:
        rules.remove_coordinator(writer, user)
