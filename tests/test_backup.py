"""Backup while others write, checked before done; restore (online and over a damaged file)."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import line_from, wait_until

from rmtui.backup import BackupError, backup_programme, check_backup, restore_programme
from rmtui.coordinators import add_coordinator
from rmtui.db import Participant, Store
from rmtui.db.sqlite import file_uri, sqlite3

WORKER = Path(__file__).with_name("writer_process.py")


def rmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rmtui", *args], capture_output=True, text=True, timeout=300)


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_backup_while_two_coordinators_keep_writing(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    with Store(db, actor="setup") as store, store.write() as writer:
        for n in range(2000):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 10))
    writers = [
        subprocess.Popen([sys.executable, str(WORKER), "commits", str(db)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for writer in writers:
            assert line_from(writer) == "started"
        before = count(db, "SELECT count(*) FROM participants")
        result = rmtui("--db", str(db), "backup", str(tmp_path / "copy.db"))
        assert result.returncode == 0, result.stderr
        assert "integrity ok. Done." in result.stdout
        during = count(db, "SELECT count(*) FROM participants")
        # The writers were never blocked: they go on committing after the backup.
        wait_until(lambda: count(db, "SELECT count(*) FROM participants") > during,
                   what="a commit after the backup", processes=writers)
        assert all(writer.poll() is None for writer in writers)
    finally:
        for writer in writers:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)

    copy = tmp_path / "copy.db"
    assert check_backup(copy).participants >= before
    assert stat.S_IMODE(copy.stat().st_mode) & 0o007 == 0
    assert count(copy, "PRAGMA journal_mode") == "delete"  # one self-contained file
    assert not (tmp_path / "copy.db-wal").exists()
    # One consistent snapshot: every person in the copy has the audit row of their creation.
    people = count(copy, "SELECT count(*) FROM participants WHERE name LIKE 'Committed %'")
    audited = count(copy, "SELECT count(*) FROM audit WHERE actor = 'killed'")
    assert people == audited


def test_backup_refuses_to_overwrite_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    Store(db, actor="setup").close()
    (tmp_path / "taken.db").write_text("keep me")
    result = rmtui("--db", str(db), "backup", str(tmp_path / "taken.db"))
    assert result.returncode == 1 and "already exists" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "taken.db").read_text() == "keep me"


def test_a_damaged_copy_is_never_reported_done(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"\xff" * 8000)
    with pytest.raises(BackupError):
        check_backup(bad)


def test_restore_brings_back_the_backup_and_keeps_what_was_there(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    with Store(db, actor="ada") as store:
        add_coordinator(store, "ada", "admin")
        add_coordinator(store, "ben", "coordinator")
        with store.write() as writer:
            writer.insert(Participant(name="Ann Lee", role="mentor"))
    backup = backup_programme(db, tmp_path / "monday.db").path
    with Store(db, actor="ben") as ben:
        with ben.write() as writer:
            writer.insert(Participant(name="Added after the backup", role="mentee"))
        with pytest.raises(BackupError, match="Only an admin"):
            restore_programme(ben, backup)
        with Store(db, actor="ada") as ada:
            restored, before = restore_programme(ada, backup)
        assert restored.participants == 1
        # An app that stayed open sees the restored programme.
        assert [r[0] for r in ben.query_tuples("SELECT name FROM participants")] == ["Ann Lee"]
    assert count(before.path, "SELECT count(*) FROM participants") == 2
    assert count(db, "PRAGMA integrity_check") == "ok"
    assert count(db, "PRAGMA journal_mode") == "wal"


def test_restore_over_a_damaged_database(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    with Store(db) as store, store.write() as writer:
        for n in range(300):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 20))
    assert rmtui("--db", str(db), "backup", str(tmp_path / "good.db")).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    opened = rmtui("--db", str(db), "users")
    assert opened.returncode == 1 and "damaged" in opened.stderr and "rmtui restore" in opened.stderr

    result = rmtui("--db", str(db), "restore", str(tmp_path / "good.db"), "--yes")
    assert result.returncode == 0, result.stderr
    assert count(db, "SELECT count(*) FROM participants") == 300
    assert list(tmp_path.glob("programme.damaged-*.db")), "the damaged file is kept aside"


def test_a_commit_just_before_the_restore_stamps_the_pairs_does_not_fail_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rmtui.backup as backup_module

    db = tmp_path / "programme.db"
    with Store(db, actor="ada") as store, store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor"))
    backup = backup_programme(db, tmp_path / "monday.db").path
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        if sys._getframe(1).f_code.co_name == "_stamp_every_pair":
            # Another coordinator saves a session of pair 1 between the restore and the stamps.
            other = real_connect(str(db), isolation_level=None)
            other.execute("INSERT INTO pair_changes (pair_id) VALUES (1)")
            other.close()
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(backup_module.sqlite3, "connect", connect)
    with Store(db, actor="ada") as store:
        restored, _ = restore_programme(store, backup)
    assert restored.participants == 1
    assert count(db, "SELECT count(*) FROM pair_changes") >= 2


def _names(path: Path) -> set[str]:
    conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM participants")}
    finally:
        conn.close()


def test_restore_loses_no_acknowledged_commit_of_a_process_committing_all_along(tmp_path: Path) -> None:
    """Issue 12.3: commits acknowledged between the copy aside and the overwrite were in
    neither file. The lock is now held across both: each is in the copy or after."""
    db = tmp_path / "programme.db"
    with Store(db, actor="setup") as store, store.write() as writer:
        for n in range(2000):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 10))
    backup = backup_programme(db, tmp_path / "monday.db").path
    child = subprocess.Popen([sys.executable, str(WORKER), "commits", str(db), "ack"], stdout=subprocess.PIPE, text=True)
    acknowledged: list[int] = []
    lines: list[str] = []  # its acknowledgements, read as they come: a full pipe would stop it
    # (on a loaded CI machine the writer filled the pipe during the restore and blocked, and
    # the loop below waited for its next commit forever)

    def read_on() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line)

    reader = threading.Thread(target=read_on, daemon=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "started"
        acknowledged.append(int(child.stdout.readline()))  # it commits before the restore ...
        reader.start()
        result = rmtui("--db", str(db), "restore", str(backup), "--yes")
        assert result.returncode == 0, result.stderr
        restored_at = len(_names(db))
        deadline = time.monotonic() + 120
        while len(_names(db)) <= restored_at:  # ... and goes on after it
            assert child.poll() is None, "the writer died"
            assert time.monotonic() < deadline, "the writer made no commit after the restore"
            time.sleep(0.01)
        assert child.poll() is None
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    if reader.ident is not None:  # (started)
        reader.join(timeout=30)
    acknowledged += [int(line) for line in "".join(lines).split()]
    (before,) = tmp_path.glob("programme.before-restore-*.db")
    kept = _names(before) | _names(db)
    lost = [n for n in acknowledged if f"Committed {n}" not in kept]
    assert not lost, f"{len(lost)} acknowledged commits are in neither file"
    assert any(f"Committed {n}" in _names(db) for n in acknowledged), "no commit landed after the restore"
    assert count(db, "PRAGMA integrity_check") == "ok"


def _damage(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def test_a_viewer_cannot_restore_over_a_damaged_programme(tmp_path: Path) -> None:
    from rmtui.coordinators import set_role
    from rmtui.db import os_user

    db = tmp_path / "programme.db"
    with Store(db) as store:  # this user becomes admin, adds ada, then is made a viewer
        add_coordinator(store, "ada", "admin")
        with store.write() as writer:
            for n in range(300):
                writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 20))
        set_role(store, os_user(), "viewer")
    assert rmtui("--db", str(db), "backup", str(tmp_path / "good.db")).returncode == 0
    _damage(db)
    damaged = db.read_bytes()
    result = rmtui("--db", str(db), "restore", str(tmp_path / "good.db"), "--yes")
    assert result.returncode == 1 and "Only an admin" in result.stderr and "Traceback" not in result.stderr
    assert db.read_bytes() == damaged and not list(tmp_path.glob("programme.damaged-*")), "nothing was moved or replaced"


def test_restore_over_a_damaged_shared_programme_makes_the_file_like_init(tmp_path: Path) -> None:
    import grp
    import os

    from rmtui.shared_setup import init_shared

    made = init_shared(tmp_path / "shared", "users")
    db = made.database
    with Store(db) as store, store.write() as writer:
        for n in range(300):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 20))
    assert rmtui("--db", str(db), "backup", str(tmp_path / "good.db")).returncode == 0
    _damage(db)
    old = os.umask(0o077)  # a restorer whose umask would lock the others out
    try:
        result = subprocess.run(
            [sys.executable, "-m", "rmtui", "--db", str(db), "restore", str(tmp_path / "good.db"), "--yes"],
            capture_output=True, text=True, timeout=300,
        )
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o660
    assert db.stat().st_gid == grp.getgrnam("users").gr_gid
    assert count(db, "PRAGMA journal_mode") == "wal"
    assert count(db, "SELECT count(*) FROM participants") == 300


@pytest.mark.parametrize("folder", ["team #2", "what?mode=rwc", "a#b?c=d e%20f"])
def test_backup_and_restore_in_a_folder_whose_name_holds_uri_characters(tmp_path: Path, folder: str) -> None:
    """Issue 12.4: ``file:{path}?mode=ro`` cut the path at # or ?: a backup held another file."""
    home = tmp_path / folder
    home.mkdir()
    decoy = tmp_path / folder.split("#")[0].split("?")[0]
    db = home / "programme.db"
    with Store(db, actor="ada") as store, store.write() as writer:
        for name in ("Ann Lee", "Ben Okafor", "Cleo Park"):
            writer.insert(Participant(name=name, role="mentor"))
    copy = home / "copy #1?.db"
    result = rmtui("--db", str(db), "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert check_backup(copy).participants == 3 and _names(copy) == {"Ann Lee", "Ben Okafor", "Cleo Park"}
    with Store(db, actor="ada") as store, store.write() as writer:
        writer.insert(Participant(name="Added later", role="mentee"))
    result = rmtui("--db", str(db), "restore", str(copy), "--yes")
    assert result.returncode == 0, result.stderr
    assert _names(db) == {"Ann Lee", "Ben Okafor", "Cleo Park"}
    (before,) = home.glob("programme.before-restore-*.db")
    assert "Added later" in _names(before)
    assert not decoy.is_file() or decoy == home, "a file was created at the cut-off path"
