"""Databases that cannot be used: each a clear one-line message, a non-zero exit, no traceback.

Every case runs the real command line in its own process. The permission cases need a
user the kernel actually checks: root is exempt from file modes, so when the tests run as
root the child process drops to ``nobody`` (after Python and rmtui are loaded, since the
interpreter may live where nobody cannot read) before it opens anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rmtui.db import Participant, Store
from rmtui.db.sqlite import sqlite3

NOBODY = 65534
AS_OTHER_USER = """
import importlib, importlib.metadata, os, sys
from rmtui.cli import LAZY_COMMANDS, main
if os.getuid() == 0:
    # What loads lazily (the sub-commands, pendulum for the clock) is loaded while root:
    # nobody cannot read this root-installed Python's files (a real user can).
    for _name, module, *_ in LAZY_COMMANDS:
        importlib.import_module(module)
    import pendulum
    os.setgroups([])
    os.setgid({uid})
    os.setuid({uid})
main(sys.argv[1:])
"""


def run_cli(*args: str, home: Path, as_nobody: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``rmtui ARGS`` in a new process (as nobody when asked and we are root)."""
    code = AS_OTHER_USER.format(uid=NOBODY) if as_nobody else "import sys; from rmtui.cli import main; main(sys.argv[1:])"
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_STATE_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    """A folder every user can reach (pytest's own tmp folders are closed to others)."""
    folder = Path(tempfile.mkdtemp(prefix="rmtui-open-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def real_programme(path: Path, people: int = 300) -> Path:
    with Store(path, actor="builder") as store, store.write() as writer:
        for n in range(people):
            writer.insert(Participant(name=f"Person {n}", role="mentor", job_title="Analyst " * 20))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_text("name,email\nAnn,ann@example.com\n" * 50)
    result = run_cli("--db", str(path), "audit", home=tmp_path)
    assert_one_clear_line(result, str(path), "not an rmtui database")


def test_a_sqlite_database_of_another_program(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    result = run_cli("--db", str(path), "audit", home=tmp_path)
    assert_one_clear_line(result, "not an rmtui one")


def test_a_truncated_database(tmp_path: Path) -> None:
    path = real_programme(tmp_path / "programme.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = run_cli("--db", str(path), "audit", home=tmp_path)
    assert_one_clear_line(result, str(path), "damaged", "rmtui restore")


def test_a_database_from_a_newer_rmtui(tmp_path: Path) -> None:
    path = real_programme(tmp_path / "programme.db", people=3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = run_cli("--db", str(path), "audit", home=tmp_path)
    assert_one_clear_line(result, "newer rmtui", "schema 999", "upgrade rmtui")


def test_a_missing_folder(tmp_path: Path) -> None:
    result = run_cli("--db", str(tmp_path / "nowhere" / "p.db"), "users", home=tmp_path)
    assert_one_clear_line(result, "does not exist")


def test_a_read_only_database(world: Path) -> None:
    path = real_programme(world / "programme.db", people=3)
    path.chmod(0o444)
    result = run_cli("--db", str(path), "audit", home=world, as_nobody=True)
    assert_one_clear_line(result, str(path), "read-only for you", f"chmod g+rw {path}")


def test_a_folder_without_write_permission(world: Path) -> None:
    folder = world / "locked"
    folder.mkdir()
    path = real_programme(folder / "programme.db", people=3)
    path.chmod(0o666)
    folder.chmod(0o755)
    result = run_cli("--db", str(path), "audit", home=world, as_nobody=True)
    assert_one_clear_line(result, f"cannot write in the folder {folder}", "-wal", f"chmod g+rwx {folder}")


def test_creating_a_database_where_you_may_not(world: Path) -> None:
    folder = world / "theirs"
    folder.mkdir()
    folder.chmod(0o755)
    result = run_cli("--db", str(folder / "new.db"), "roster", home=world, as_nobody=True)
    assert_one_clear_line(result, f"cannot create files in {folder}")


def test_a_person_who_is_not_a_coordinator(world: Path) -> None:
    path = world / "programme.db"
    with Store(path, actor="builder") as store, store.write() as writer:
        writer.execute(
            "INSERT INTO coordinators (os_user, role, added_at) VALUES ('alice', 'admin', '2026-11-20T09:00:00Z')"
        )
    path.chmod(0o666)
    for side in world.glob("programme.db-*"):
        side.chmod(0o666)
    result = run_cli("--db", str(path), "audit", home=world, as_nobody=os.getuid() == 0)
    assert_one_clear_line(result, "is not a coordinator of this programme", "(alice)", "rmtui users add")
