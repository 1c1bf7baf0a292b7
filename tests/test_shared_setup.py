"""Shared setup, the check, coordinators and roles: real files, real processes, real modes."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rmtui.coordinators import add_coordinator, list_coordinators, remove_coordinator, set_role
from rmtui.db import NotACoordinatorError, NotAllowedError, Participant, Store, os_user
from rmtui.shared_setup import check_programme, init_shared, network_filesystem_finding, problems

GROUP = "users"


def rmtui(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real command line in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "rmtui", *args], capture_output=True, text=True, timeout=120, check=check
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_shared_makes_a_group_folder_nobody_else_can_enter(tmp_path: Path) -> None:
    folder = tmp_path / "programme"
    result = rmtui("init", "--shared", str(folder), "--group", GROUP)
    assert result.returncode == 0, result.stderr
    gid = grp.getgrnam(GROUP).gr_gid
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770
    assert folder.stat().st_gid == gid
    created = list(folder.iterdir())
    assert folder / "programme.db" in created
    for path in created:
        assert mode(path) & 0o007 == 0, f"{path.name} is open to others"
        assert path.stat().st_gid == gid
    assert mode(folder / "programme.db") == 0o660
    with Store(folder / "programme.db") as store:
        assert store.role() == "admin"
    assert rmtui("--db", str(folder / "programme.db"), "check").returncode == 0


def test_init_refuses_an_unknown_group_in_one_line(tmp_path: Path) -> None:
    result = rmtui("init", "--shared", str(tmp_path / "p"), "--group", "no-such-group-xyz")
    assert result.returncode != 0
    assert "no-such-group-xyz" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_demo_database_and_its_side_files_are_not_world_readable(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = rmtui("--today", "2026-11-20", "demo", "--db", str(db), "--no-open", "--people", "20")
    assert result.returncode == 0, result.stderr
    for path in tmp_path.iterdir():
        assert mode(path) & 0o007 == 0, f"{path.name} has mode {mode(path):o}"


def test_check_reports_a_world_readable_database_with_its_fix_and_fails(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    os.chmod(made.database, 0o664)
    result = rmtui("--db", str(made.database), "check")
    assert result.returncode == 1
    assert "anyone on the server can read" in result.stdout
    assert f"fix: chmod o-rwx {made.database}" in result.stdout


def test_check_reports_a_folder_that_lost_its_setgid_bit(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    os.chmod(made.folder, 0o770)
    found = problems(check_programme(made.database))
    assert [f.fix for f in found] == [f"chmod 2770 {made.folder}"]
    assert "not setgid" in found[0].detail


def test_check_reports_a_database_not_in_wal_mode(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    from rmtui.db.sqlite import sqlite3

    conn = sqlite3.connect(made.database)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    found = problems(check_programme(made.database))
    assert len(found) == 1 and found[0].subject == "journal mode"
    assert "journal_mode=WAL" in found[0].fix


def test_check_finds_damage_with_integrity_check(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as store, store.write() as writer:
        for n in range(400):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="x" * 200))
    data = bytearray(made.database.read_bytes())
    page = 4096
    # Scribble over an index page in the middle of the file (not the header).
    data[page * 10 : page * 10 + 400] = b"\xff" * 400
    made.database.write_bytes(bytes(data))
    found = problems(check_programme(made.database))
    assert any(f.subject in ("integrity", "database") for f in found), found


@pytest.mark.parametrize("fstype", ["nfs4", "cifs", "fuse.sshfs"])
def test_network_filesystems_are_detected_from_the_mount_table(tmp_path: Path, fstype: str) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/export {tmp_path} {fstype} rw 0 0\n")
    finding = network_filesystem_finding(tmp_path / "programme.db", str(mounts))
    assert not finding.ok and fstype in finding.detail and "local disk" in finding.fix


@pytest.mark.parametrize("fstype", ["ext4", "xfs", "btrfs", "overlay", "tmpfs", "fuse.fuse-overlayfs"])
def test_local_filesystems_are_fine(tmp_path: Path, fstype: str) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nx {tmp_path} {fstype} rw 0 0\n")
    assert network_filesystem_finding(tmp_path / "programme.db", str(mounts)).ok


def test_a_local_disk_is_fine(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda / ext4 rw 0 0\nserver:/x /elsewhere nfs rw 0 0\n")
    assert network_filesystem_finding(tmp_path / "programme.db", str(mounts)).ok


# -- coordinators and roles ------------------------------------------------------------


def test_first_person_to_write_becomes_admin(tmp_path: Path) -> None:
    with Store(tmp_path / "p.db") as store:
        assert store.role() is None
        with store.write() as writer:
            writer.insert(Participant(name="Ann", role="mentor"))
        assert store.role() == "admin"
        assert [c.os_user for c in list_coordinators(store)] == [os_user()]


def test_an_unknown_user_is_refused_at_open_naming_the_admins(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with pytest.raises(NotACoordinatorError) as refused:
        Store(made.database, actor="mallory")
    assert str(refused.value) == (
        f"mallory is not a coordinator of this programme; ask an admin ({made.admin}) to run "
        "rmtui users add mallory --role coordinator."
    )


def test_a_viewer_cannot_write_even_calling_the_store_directly(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as admin:
        add_coordinator(admin, "vera", "viewer")
    with Store(made.database, actor="vera") as viewer:
        assert viewer.query("SELECT count(*) AS n FROM participants") == [{"n": 0}]
        with pytest.raises(NotAllowedError, match="vera is a viewer"):
            with viewer.write() as writer:
                writer.insert(Participant(name="Sneaky", role="mentor"))
        assert not viewer.may_edit()
    with Store(made.database) as admin:
        assert admin.scalar("SELECT count(*) FROM participants") == 0


def test_a_coordinator_edits_but_cannot_manage_coordinators(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as admin:
        add_coordinator(admin, "carl", "coordinator")
    with Store(made.database, actor="carl") as carl:
        with carl.write() as writer:
            writer.insert(Participant(name="Ann", role="mentor"))
        with pytest.raises(NotAllowedError, match="Only an admin"):
            add_coordinator(carl, "dave", "admin")
        with pytest.raises(NotAllowedError, match="Only an admin"):
            set_role(carl, "carl", "admin")


def test_a_demoted_viewer_is_refused_from_their_next_write(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as admin:
        add_coordinator(admin, "carl", "coordinator")
        with Store(made.database, actor="carl") as carl:
            set_role(admin, "carl", "viewer")
            with pytest.raises(NotAllowedError):
                with carl.write() as writer:
                    writer.set_setting("programme_name", "Mine")


def test_the_last_admin_cannot_be_removed_or_demoted(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as admin:
        with pytest.raises(NotAllowedError, match="only admin"):
            remove_coordinator(admin, made.admin)
        with pytest.raises(NotAllowedError, match="only admin"):
            set_role(admin, made.admin, "viewer")
        add_coordinator(admin, "ada", "admin")
        set_role(admin, made.admin, "coordinator")
        assert admin.role() == "coordinator"


def test_users_command_adds_lists_changes_and_removes(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    db = str(made.database)
    assert rmtui("--db", db, "users", "add", "alice", "--role", "viewer", "--force").returncode == 0  # no such login here
    assert rmtui("--db", db, "users", "set-role", "alice", "coordinator").returncode == 0
    listing = rmtui("--db", db, "users", "list").stdout
    assert "alice" in listing and "coordinator" in listing and f"{made.admin}" in listing
    assert rmtui("--db", db, "users", "remove", "alice").returncode == 0
    assert "alice" not in rmtui("--db", db, "users").stdout
    refused = rmtui("--db", db, "users", "remove", made.admin)
    assert refused.returncode == 1 and "only admin" in refused.stderr and "Traceback" not in refused.stderr
    audit = rmtui("--db", db, "audit", "--entity", "coordinator").stdout
    assert "new: alice" in audit and "removed: alice" in audit and "Role: viewer → coordinator" in audit


def test_a_database_created_in_a_shared_folder_stays_group_writable_whatever_the_umask(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    fresh = made.folder / "second.db"
    old = os.umask(0o077)
    try:
        with Store(fresh) as store, store.write() as writer:
            writer.insert(Participant(name="Ann", role="mentor"))
            files = [fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")]
            assert {mode(path) for path in files} == {0o660}
            assert {path.stat().st_gid for path in files} == {grp.getgrnam(GROUP).gr_gid}
    finally:
        os.umask(old)


def test_a_personal_database_in_an_open_folder_is_fine_while_its_files_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with Store(folder / "demo.db") as store, store.write() as writer:
        writer.insert(Participant(name="Ann", role="mentor"))
    os.chmod(folder / "demo.db", 0o640)
    assert problems(check_programme(folder / "demo.db")) == []
    os.chmod(folder / "demo.db", 0o644)
    assert [f.fix for f in problems(check_programme(folder / "demo.db"))] == [f"chmod o-rwx {folder / 'demo.db'}"]


def test_a_coordinator_cannot_promote_themselves_through_the_store_either(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as admin:
        add_coordinator(admin, "carl", "coordinator")
    with Store(made.database, actor="carl") as carl:
        row_id, version = carl.query_tuples("SELECT id, version FROM coordinators WHERE os_user = 'carl'")[0]
        with pytest.raises(NotAllowedError, match="Only an admin"):
            with carl.write() as writer:
                writer.update("coordinators", row_id, version, {"role": "admin"})
        assert carl.role() == "coordinator"


def test_re_securing_a_programme_in_use_fixes_its_wal_and_shm_too(tmp_path: Path) -> None:
    made = init_shared(tmp_path / "p", GROUP)
    with Store(made.database) as other:  # a coordinator has the app open meanwhile
        side = [Path(f"{made.database}{suffix}") for suffix in ("-wal", "-shm")]
        for path in side:
            os.chmod(path, 0o600)
        init_shared(tmp_path / "p", GROUP)
        assert [mode(path) for path in side] == [0o660, 0o660]
        assert other.role() == "admin"
