"""Setting up and checking a programme that several coordinators share on one server.

The layout (DESIGN.md, "Files"): the programme folder belongs to the coordinators' Unix
group, is setgid so every file created in it inherits that group, and is closed to
everyone else (2770); the database and its -wal/-shm files are 0660. The Unix group is
the security boundary; roles (db/coordinators.py) prevent accidents within it.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from rmtui.db import SCHEMA_VERSION, Store, StoreError, os_user
from rmtui.db.coordinators import add_coordinator, has_coordinators, role_of, set_role
from rmtui.db.sqlite import file_uri, sqlite3

DB_NAME = "programme.db"
DIR_MODE = 0o2770
FILE_MODE = 0o660
SIDE_FILES = ("-wal", "-shm")

# Filesystems where SQLite's WAL shared memory and locks cannot be trusted.
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "sshfs", "fuse.sshfs", "9p",
    "afs", "ceph", "fuse.ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs", "davfs",
    "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "beegfs", "orangefs", "ncpfs", "coda",
}


@dataclass(frozen=True)
class Finding:
    """One result of the check: what was looked at, what was found, and the one-line fix."""

    ok: bool
    subject: str
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class SharedProgramme:
    """What ``init_shared`` created."""

    folder: Path
    database: Path
    group: str
    admin: str


def init_shared(folder: str | os.PathLike[str], group: str, *, actor: str | None = None) -> SharedProgramme:
    """Create (or re-secure) a shared programme folder and its database; return what was made.

    The folder becomes group ``group``, setgid, 2770; the database and its -wal/-shm files
    0660 in that group. The person running it becomes admin (or stays admin). Raises
    ValueError for an unknown group and StoreError when the database cannot be set up.
    """
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValueError(f"There is no Unix group called {group}; create it first (sudo groupadd {group}).") from None
    folder = Path(folder).expanduser().absolute()
    old_umask = os.umask(0o007)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, -1, gid)
        os.chmod(folder, DIR_MODE)
        database = folder / DB_NAME
        user = actor or os_user()
        store = Store(database, actor=user)
        try:
            with store.write() as writer:
                if not has_coordinators(writer.conn):
                    add_coordinator(writer, user, "admin")
                elif role_of(writer.conn, user) != "admin":
                    set_role(writer, user, "admin")  # refused unless they are admin already
                writer.set_setting("shared", {"group": group})
        finally:
            store.close()
        # After closing: whatever database files remain (the -wal/-shm too while others
        # have it open) get the group and 0660; ones the close removed need nothing.
        secure_files(database, gid)
    finally:
        os.umask(old_umask)
    return SharedProgramme(folder, database, group, user)


def secure_files(database: Path, gid: int | None = None) -> None:
    """Give the database and any -wal/-shm beside it mode 0660 and the folder's group."""
    if gid is None:
        gid = database.parent.stat().st_gid
    for path in _database_files(database):
        os.chown(path, -1, gid)
        os.chmod(path, FILE_MODE)


def _database_files(database: Path) -> list[Path]:
    return [p for p in (database, *(Path(f"{database}{s}") for s in SIDE_FILES)) if p.exists()]


# -- the check ---------------------------------------------------------------------------


def check_programme(database: str | os.PathLike[str], *, full: bool = True) -> list[Finding]:
    """Return the findings about a programme database, each with its fix when not ok.

    ``full`` adds ``PRAGMA integrity_check`` (it reads the whole file); the app runs
    the cheap part (``full=False``) at start.
    """
    database = Path(database).expanduser().absolute()
    if not database.exists():
        return [Finding(False, str(database), "does not exist", f"create it: rmtui init --shared {database.parent} --group GROUP")]
    # Shared: set up by init, or living in a setgid folder as only a shared programme does.
    shared = _is_marked_shared(database) or bool(database.parent.stat().st_mode & stat.S_ISGID)
    findings = [
        network_filesystem_finding(database),
        *folder_findings(database.parent, shared=shared),
        *file_findings(database, shared=shared),
        *database_findings(database, full=full),
    ]
    return findings


def problems(findings: list[Finding]) -> list[Finding]:
    """Return the findings that need fixing."""
    return [f for f in findings if not f.ok]


def _is_marked_shared(database: Path) -> bool:
    try:
        conn = _reader(database, timeout=1)
        try:
            return conn.execute("SELECT 1 FROM settings WHERE key = 'shared'").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def mount_of(path: Path, mounts_file: str = "/proc/mounts") -> tuple[str, str] | None:
    """Return (mount point, filesystem type) of the mount holding ``path``, if known."""
    try:
        lines = Path(mounts_file).read_text().splitlines()
    except OSError:
        return None
    real = os.path.realpath(path)
    best: tuple[str, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[0])):
            best = (point, fields[2])
    return best


# FUSE filesystems that are local disks in disguise (containers, app images).
LOCAL_FUSE = {"fuse.fuse-overlayfs", "fuse.lxcfs", "fuse.portal", "fuse.squashfuse", "fuseblk"}


def is_network_filesystem(fstype: str) -> bool:
    """Return True for filesystems where SQLite's WAL mode is not safe (any unknown FUSE
    filesystem counts: most are network mounts such as sshfs or rclone)."""
    if fstype in LOCAL_FUSE:
        return False
    return fstype in NETWORK_FILESYSTEMS or fstype.startswith("fuse.")


def network_filesystem_finding(database: Path, mounts_file: str = "/proc/mounts") -> Finding:
    """Return whether the database sits on a local disk (WAL needs one)."""
    mount = mount_of(database, mounts_file)
    if mount is None:
        return Finding(True, "filesystem", "unknown (no /proc/mounts); make sure it is a local disk")
    point, fstype = mount
    if is_network_filesystem(fstype):
        return Finding(
            False,
            "filesystem",
            f"{fstype} at {point} is a network filesystem; WAL's shared memory and locks do not work there",
            "move the programme folder to a local disk of the server and have everyone log in to it over SSH",
        )
    return Finding(True, "filesystem", f"{fstype} (local)")


def folder_findings(folder: Path, *, shared: bool) -> list[Finding]:
    """Return the finding about the programme folder's mode (one line, one fix)."""
    info = folder.stat()
    mode = stat.S_IMODE(info.st_mode)
    group = _group_name(info.st_gid)
    subject = f"folder {folder}"
    issues = []
    if mode & 0o007:
        issues.append(f"others can {'list and ' if mode & 0o004 else ''}enter it")
    if shared and not info.st_mode & stat.S_ISGID:
        issues.append("not setgid, so new -wal/-shm files may get the wrong group")
    if shared and mode & 0o070 != 0o070:
        issues.append(f"group {group} cannot create files in it")
    if not issues:
        return [Finding(True, subject, f"mode {mode:04o}, group {group}")]
    if shared:
        return [Finding(False, subject, f"mode {mode:04o}: " + "; ".join(issues), f"chmod 2770 {folder}")]
    # A personal programme's folder (never set up with init) may be open: what matters there
    # is that the database files themselves are private, which file_findings checks.
    return [Finding(True, subject, f"mode {mode:04o}, group {group} (personal; the files inside must be private)")]


def file_findings(database: Path, *, shared: bool) -> list[Finding]:
    """Return the findings about the modes and group of the database and its -wal/-shm files.

    One finding per kind of problem, naming every file it applies to, with one fix.
    """
    folder_gid = database.parent.stat().st_gid
    files = _database_files(database)
    open_to_all = [p for p in files if stat.S_IMODE(p.stat().st_mode) & 0o007]
    not_group_writable = [p for p in files if shared and stat.S_IMODE(p.stat().st_mode) & 0o060 != 0o060]
    wrong_group = [p for p in files if shared and p.stat().st_gid != folder_gid]
    findings = []

    def names(paths: list[Path]) -> str:
        return ", ".join(p.name if i == 0 else p.name.removeprefix(database.name) for i, p in enumerate(paths))

    def args(paths: list[Path]) -> str:
        # programme.db* names exactly the database and its -wal/-shm (backups are named otherwise).
        return str(paths[0]) if len(paths) == 1 else f"{database}*"

    if open_to_all:
        modes = sorted({f"{stat.S_IMODE(p.stat().st_mode):04o}" for p in open_to_all})
        findings.append(
            Finding(
                False,
                names(open_to_all),
                f"mode {'/'.join(modes)}: anyone on the server can read the programme's confidential data",
                f"chmod o-rwx {args(open_to_all)}",
            )
        )
    if not_group_writable:
        findings.append(Finding(False, names(not_group_writable), "the group cannot write it", f"chmod g+rw {args(not_group_writable)}"))
    if wrong_group:
        findings.append(
            Finding(False, names(wrong_group), f"not in the folder's group {_group_name(folder_gid)}", f"chgrp {_group_name(folder_gid)} {args(wrong_group)}")
        )
    if not findings:
        for path in files:
            info = path.stat()
            findings.append(Finding(True, path.name, f"mode {stat.S_IMODE(info.st_mode):04o}, group {_group_name(info.st_gid)}"))
    return findings


def database_findings(database: Path, *, full: bool) -> list[Finding]:
    """Return the findings read from inside the file: integrity, journal mode, schema."""
    try:
        conn = _reader(database, timeout=5)
    except sqlite3.Error as error:
        return [Finding(False, "database", f"cannot be opened: {error}", "check the path and your permissions")]
    try:
        findings = []
        if full:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
            if result == ["ok"]:
                findings.append(Finding(True, "integrity", "ok"))
            else:
                findings.append(
                    Finding(
                        False,
                        "integrity",
                        f"damaged: {result[0]}" + (f" (+{len(result) - 1} more)" if len(result) > 1 else ""),
                        "restore the latest backup: rmtui restore BACKUP (see rmtui restore --help)",
                    )
                )
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() == "wal":
            findings.append(Finding(True, "journal mode", "wal"))
        else:
            findings.append(
                Finding(False, "journal mode", f"{mode}: coordinators will block each other", f"sqlite3 {database} 'PRAGMA journal_mode=WAL'")
            )
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            findings.append(Finding(True, "schema", f"version {version}"))
        elif version > SCHEMA_VERSION:
            findings.append(
                Finding(False, "schema", f"version {version} is newer than this rmtui ({SCHEMA_VERSION})", "upgrade rmtui (pip install -U rmtui)")
            )
        else:
            findings.append(
                Finding(True, "schema", f"version {version}; this rmtui upgrades it to {SCHEMA_VERSION} on next open")
            )
        return findings
    except sqlite3.DatabaseError as error:
        return [Finding(False, "database", f"unreadable: {error}", "restore the latest backup: rmtui restore BACKUP")]
    finally:
        conn.close()


def startup_problems(store: Store) -> list[Finding]:
    """Return what the app must warn about at start (the cheap part of the check)."""
    try:
        return problems(check_programme(store.path, full=False))
    except (OSError, StoreError) as error:
        return [Finding(False, "check", f"could not run: {error}", "run rmtui check")]


def _reader(database: Path, *, timeout: float) -> sqlite3.Connection:
    """Open the database to look inside. Read-write when allowed: a read-only connection
    cannot tidy away the -wal/-shm files it creates, and the check should leave none behind."""
    if os.access(database, os.W_OK) and os.access(database.parent, os.W_OK):
        return sqlite3.connect(str(database), timeout=timeout)
    return sqlite3.connect(file_uri(database, mode="ro"), uri=True, timeout=timeout)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
