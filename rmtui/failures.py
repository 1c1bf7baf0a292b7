"""Known failures of the world around rmtui, each as one sentence with the fix.

The command line's last line of defence asks :func:`explain` before it falls back to
"unexpected error": a person outside the programme's group, a damaged database found in
the middle of an import, export or report, a full disk. ``None`` means not a known case.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
from pathlib import Path

from rmtui.db.sqlite import sqlite3
from rmtui.db.store import no_space

_DAMAGED = ("malformed", "not a database", "could not decode", "disk i/o error", "database corrupt")
_FULL = ("database or disk is full", "no space left")


def _me() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _group_of(path: Path) -> str | None:
    for folder in (path, *path.parents):
        try:
            gid = folder.stat().st_gid
        except OSError:
            continue
        try:
            return grp.getgrgid(gid).gr_name
        except KeyError:
            return str(gid)
    return None


def _inside(path: Path, db_path: Path | None) -> bool:
    if db_path is None:
        return False
    return path == db_path or path.parent == db_path.parent or str(path).startswith(f"{db_path}-")


def full_disk(where: Path | str | None) -> str:
    place = f"The disk holding {where}" if where else "The disk"
    return f"{place} is full (or your disk quota is used up), so nothing more was saved; free some space and run the command again."


def explain(error: BaseException, db_path: Path | None = None) -> str | None:
    """Return the one sentence (with the fix) for a known failure, else None."""
    if isinstance(error, sqlite3.Error):
        text = str(error)
        low = text.lower()
        if any(word in low for word in _FULL) or ("disk i/o error" in low and db_path is not None and no_space(db_path.parent)):
            return full_disk(db_path)
        if any(word in low for word in _DAMAGED):
            name = db_path or "The programme database"
            return (
                f"{name} is damaged (SQLite says: {text}); nothing was saved. Check it with rmtui check "
                "and restore the latest backup with rmtui restore BACKUP."
            )
        if "readonly" in low or "unable to open database" in low:
            name = db_path or "the programme database"
            return f"{_me()} cannot write {name}; ask its owner to add you to its group and make it group-writable (chmod g+rw)."
        return None
    if isinstance(error, OSError):
        target = Path(error.filename) if isinstance(error.filename, str) else None
        where = target or db_path
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return full_disk(where)
        if error.errno == errno.EROFS:
            return f"{where or 'That file'} is on a read-only disk; choose a file on a writable one."
        if error.errno in (errno.EACCES, errno.EPERM):
            if target is not None and _inside(target, db_path) or target is None:
                group = _group_of(db_path) if db_path else None
                into = f" ({group})" if group else ""
                return (
                    f"{_me()} may not open {db_path or 'the programme database'}: only members of its group{into} can. "
                    f"Ask its owner to add you (usermod -aG {group or 'GROUP'} {_me()}), then log in again."
                )
            return f"{_me()} may not use {target} (permission denied); choose another file or ask its owner for access."
    return None
