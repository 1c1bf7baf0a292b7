"""The command line: one clear line and a non-zero exit for every failure, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rmtui.coordinators import add_coordinator
from rmtui.db import SCHEMA_VERSION, Participant, Store
from rmtui.db.sqlite import sqlite3


def rmtui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``rmtui`` entry point in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "rmtui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = rmtui("--db", str(tmp_path / "no" / "such" / "programme.db"), "roster")
    assert_one_clear_line(result, "does not exist")
    assert not (tmp_path / "no").exists()


def test_a_missing_folder_named_in_the_environment_is_one_line_and_not_created(tmp_path: Path) -> None:
    env = {**os.environ, "RMTUI_DB": str(tmp_path / "no" / "such" / "programme.db")}
    assert_one_clear_line(rmtui("roster", env=env), "does not exist")
    assert not (tmp_path / "no").exists()


def test_a_fresh_account_gets_its_data_folder_and_an_empty_programme(tmp_path: Path) -> None:
    data = Path(os.environ["XDG_DATA_HOME"])
    assert not data.exists()
    source = tmp_path / "staff.csv"
    source.write_text("name,role\nAnn Lee,mentee\n", encoding="utf-8")
    result = rmtui("import", str(source))
    assert result.returncode == 0, result.stderr
    database = data / "rmtui" / "programme.db"
    with Store(database) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 1
    assert (database.parent.stat().st_mode & 0o777) == 0o700
    demo = rmtui("--today", "2026-11-20", "demo", "--no-open")
    assert demo.returncode == 0, demo.stderr
    assert (data / "rmtui" / "demo.db").exists()


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "minutes.db"
    path.write_bytes(b"Minutes of the steering group\n" * 200)
    assert_one_clear_line(rmtui("--db", str(path)), "not an rmtui database")


def test_a_database_from_a_newer_rmtui_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    assert_one_clear_line(rmtui("--db", str(path)), "newer rmtui", "upgrade")


def test_a_bad_today_is_one_line(tmp_path: Path) -> None:
    result = rmtui("--today", "20/11/2026", "--db", str(tmp_path / "p.db"))
    assert result.returncode == 2
    assert_one_clear_line(result, "“20/11/2026” is not a day", "yesterday", "2026-12-04")


def test_demo_builds_without_opening_and_reports_what_it_built(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = rmtui("--today", "2026-11-20", "demo", "--db", str(path), "--no-open")
    assert result.returncode == 0, result.stderr
    assert "Demo programme in" in result.stderr
    with Store(path) as store:
        people = store.scalar("SELECT count(*) FROM participants")
        demo_flag = store.scalar("SELECT value FROM settings WHERE key = 'demo'")
    assert 50 <= people <= 70
    assert demo_flag == "true"


def test_demo_rebuilds_an_earlier_demo_but_refuses_a_real_programme(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    for _ in range(2):
        assert rmtui("--today", "2026-11-20", "demo", "--db", str(path), "--no-open").returncode == 0
    real = tmp_path / "real.db"
    with Store(real) as store, store.write() as writer:
        writer.execute(
            "INSERT INTO participants (name, role, created_at, updated_at) VALUES ('Ann', 'mentor', 'x', 'x')"
        )
    result = rmtui("demo", "--db", str(real), "--no-open")
    assert_one_clear_line(result, "already holds a real programme")
    with Store(real) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 1


def test_database_comes_from_the_environment_when_no_option(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    env = {**os.environ, "RMTUI_DB": str(path)}
    source = tmp_path / "staff.csv"
    source.write_text("name,role\nAnn Lee,mentee\n", encoding="utf-8")
    result = rmtui("import", str(source), env=env)
    assert result.returncode == 0, result.stderr
    with Store(path) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 1


@pytest.mark.parametrize("args", [["--help"], ["demo", "--help"], ["roster", "--help"]])
def test_help_works_for_every_command(args: list[str]) -> None:
    result = rmtui(*args)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_the_demo_progress_bar_draws_on_stderr_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "rmtui", "--today", "2026-11-20", "demo", "--people", "5000",
             "--db", str(tmp_path / "demo.db"), "--no-open"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
        )
        os.close(follower)
        drawn = b""
        deadline = time.monotonic() + 120
        while True:
            ready, _, _ = select.select([leader], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, "the demo did not finish drawing within 120 s"
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        stdout, _ = process.communicate(timeout=120)
    finally:
        os.close(leader)
    assert process.returncode == 0, drawn
    assert stdout == b""
    assert b"Building the demo programme" in drawn


def _files(path: Path) -> dict[str, bytes]:
    """Every file of a database (and its -wal/-shm if any), byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*"))}


def test_demo_never_touches_the_shared_programme_named_in_rmtui_db(tmp_path: Path) -> None:
    """Issue 12.2: with RMTUI_DB set (as init tells everyone), `rmtui demo` rebuilt a programme
    that had coordinators but no participants yet, and made its runner the sole admin."""
    shared = tmp_path / "shared" / "programme.db"
    shared.parent.mkdir()
    with Store(shared) as store:  # a real programme, set up but nobody imported yet
        add_coordinator(store, "alice", "coordinator")
        with store.write() as writer:
            writer.set_setting("programme_name", "Claims reverse mentoring")
    before = _files(shared)
    env = {**os.environ, "RMTUI_DB": str(shared)}
    result = rmtui("--today", "2026-11-20", "demo", "--no-open", env=env)
    assert result.returncode == 0, result.stderr
    assert _files(shared) == before, "the shared programme was changed"
    demo = Path(os.environ["XDG_DATA_HOME"]) / "rmtui" / "demo.db"
    assert str(demo) in result.stderr
    with Store(demo) as store:
        assert store.scalar("SELECT value FROM settings WHERE key = 'demo'") == "true"


def test_demo_refuses_an_explicit_real_programme_with_only_coordinators_and_leaves_it_byte_for_byte(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    with Store(real) as store:
        add_coordinator(store, "alice", "coordinator")
    before = _files(real)
    result = rmtui("demo", "--db", str(real), "--no-open")
    assert_one_clear_line(result, "already holds a real programme")
    assert _files(real) == before


def test_demo_refuses_another_programs_sqlite_file_untouched(tmp_path: Path) -> None:
    other = tmp_path / "invoices.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO invoices DEFAULT VALUES")
    conn.commit()
    conn.close()
    before = _files(other)
    assert_one_clear_line(rmtui("demo", "--db", str(other), "--no-open"), "already holds a real programme")
    assert _files(other) == before


def test_demo_rebuilds_in_place_while_another_process_holds_the_old_demo_open(tmp_path: Path) -> None:
    """The demo file is emptied and rebuilt in place under the write lock, never unlinked:
    an app that has it open sees the new demo, and its later saves land in the file."""
    path = tmp_path / "demo.db"
    assert rmtui("--today", "2026-11-20", "demo", "--db", str(path), "--no-open", "--people", "20").returncode == 0
    with Store(path) as holder:
        inode = path.stat().st_ino
        result = rmtui("--today", "2026-11-21", "demo", "--db", str(path), "--no-open", "--people", "12")
        assert result.returncode == 0, result.stderr
        assert path.stat().st_ino == inode
        assert holder.scalar("SELECT count(*) FROM participants") == 12  # the open store sees the rebuilt demo
        with holder.write() as writer:
            writer.insert(Participant(name="Saved after", role="mentee"))
    with Store(path) as store:
        assert store.scalar("SELECT count(*) FROM participants WHERE name = 'Saved after'") == 1
        assert store.scalar("SELECT value FROM settings WHERE key = 'demo'") == "true"
