"""Issue 12's smaller breaks, each reproduced with real files and processes: an import racing
another coordinator, failures that were "unexpected error", zero-width and control characters
in and out, duplicates on re-import, the .ics in the repeated autumn hour, unknown logins."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pendulum
import pytest
from conftest import Notes

from rmtui.app import RmtuiApp
from rmtui.calendar_export import CalendarSession, build_calendar
from rmtui.clock import FixedClock
from rmtui.csv_export import export_participants
from rmtui.csv_import import ImportRaceError, import_file, plan_import
from rmtui.db import Participant, Session, Store
from rmtui.db.sqlite import sqlite3
from rmtui.intake import check_profile
from rmtui.programme import Programme
from rmtui.screens.import_csv import ImportScreen
from rmtui.text import clean

NOBODY = 65534
CHILD = f"""
import difflib, importlib, os, sys
from rmtui.cli import LAZY_COMMANDS, main
if os.environ.get("RMTUI_TEST_AS_NOBODY") and os.getuid() == 0:
    # Sub-commands load lazily; load them while root: nobody cannot read this root-installed
    # Python's files (a real user runs an interpreter they can read from the start).
    for _name, module, *_ in LAZY_COMMANDS:
        importlib.import_module(module)
    os.setgroups([])
    os.setgid({NOBODY})
    os.setuid({NOBODY})
main(sys.argv[1:])
"""


def cli(*args: str, home: Path, as_nobody: bool = False, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``rmtui ARGS`` in its own process (dropping to nobody when asked and root)."""
    environment = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_STATE_HOME": str(home), **(env or {})}
    if as_nobody:
        environment["RMTUI_TEST_AS_NOBODY"] = "1"
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=120, env=environment)


def one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def programme_file(path: Path, people: int = 300) -> Path:
    with Store(path, actor="builder") as store, store.write() as writer:
        for n in range(people):
            writer.insert(
                Participant(name=f"Person {n}", role="mentor", email=f"person{n}@example.org", job_title="Analyst " * 20)
            )
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def world() -> Iterator[Path]:
    """A folder every user can reach (pytest's own tmp folders are closed to others)."""
    folder = Path(tempfile.mkdtemp(prefix="rmtui-trust-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- an import racing another coordinator who adds the same email -----------------------


def test_an_import_racing_another_coordinator_names_who_took_the_email_and_saves_nothing(
    db_path: Path, programme: Programme, tmp_path: Path
) -> None:
    source = tmp_path / "hr.csv"
    source.write_text("name,email,role\nAnn Lee,ann@example.org,mentor\nBo Chen,bo@example.org,mentee\n")
    plan = plan_import(programme.store, source)
    assert plan.count("new") == 2
    # Another coordinator, in another process, saves Bo with the same email meanwhile.
    other = textwrap.dedent(
        f"""
        from rmtui.clock import FixedClock
        from rmtui.intake import create_participant
        from rmtui.programme import Programme
        p = Programme.open({str(db_path)!r}, FixedClock.on("2026-11-20"), actor="alice")
        create_participant(p.store, {{"name": "Bo Chen", "email": "BO@example.org", "role": "mentee"}})
        p.close()
        """
    )
    subprocess.run([sys.executable, "-c", other], check=True, timeout=60)
    people, audits = programme.store.scalar("SELECT count(*) FROM participants"), programme.store.scalar("SELECT count(*) FROM audit")
    with pytest.raises(ImportRaceError) as raised:
        import_file(programme.store, source, plan=plan)
    assert str(raised.value).startswith(
        "Line 3's email bo@example.org was taken while the import ran: alice saved Bo Chen (#1) with it at "
    )
    assert "nothing was imported" in str(raised.value) and "will be updated instead" in str(raised.value)
    # Nothing half-written: Ann (the row before) is not there either, and no audit row.
    assert programme.store.scalar("SELECT count(*) FROM participants") == people == 1
    assert programme.store.scalar("SELECT count(*) FROM audit") == audits
    # Run again, the file updates Bo instead of adding him.
    _, summary = import_file(programme.store, source)
    assert (summary.created, summary.unchanged, summary.written) == (1, 1, True)


# -- failures that were "unexpected error" ------------------------------------------------


def test_a_person_outside_the_group_gets_one_sentence_naming_the_group(world: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to run a child process as another user (CI runs as root)")
    folder = world / "programme"
    folder.mkdir()
    path = programme_file(folder / "programme.db", people=3)
    folder.chmod(0o2770)  # the group-shared folder nobody is not a member of
    source = world / "in.csv"
    source.write_text("name,role\nZed,mentor\n")
    for args in (["users"], ["import", str(source)], ["export", "participants", "-o", str(world / "out.csv")],
                 ["report", "-o", str(world / "r.md")]):
        line = one_clear_line(cli("--db", str(path), *args, home=world, as_nobody=True), f"may not open {path}")
        assert "only members of its group" in line and "usermod -aG" in line and "log in again" in line


def _corrupt(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        for offset in range(size // 3, size - 4096, 8192):
            handle.seek(offset)
            handle.write(bytes(range(256)) * 4)


def test_a_database_damaged_in_the_middle_gives_one_sentence_in_import_export_and_report(
    tmp_path: Path, clock: FixedClock
) -> None:
    from rmtui.demo import build_demo

    path = tmp_path / "programme.db"
    opened = Programme.open(path, clock, actor="builder")
    build_demo(opened.store, people=300, seed=7, today=opened.today())
    opened.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _corrupt(path)
    source = tmp_path / "in.csv"
    source.write_text("name,role,email\nZed,mentor,zed@example.org\n")
    for args in (["import", str(source)], ["export", "participants", "-o", str(tmp_path / "out.csv")],
                 ["report", "-o", str(tmp_path / "r.md")]):
        one_clear_line(cli("--db", str(path), *args, home=tmp_path), str(path), "is damaged", "rmtui restore BACKUP")


@pytest.fixture
def full_disk() -> Iterator[Path]:
    """A 4 MB file system of its own (tmpfs), as root; skipped otherwise."""
    if os.getuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small file system (CI runs as root)")
    folder = Path(tempfile.mkdtemp(prefix="rmtui-full-", dir="/tmp"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)
    folder.rmdir()


def _fill(filler: Path, leave: int) -> None:
    """Fill the file system holding ``filler`` until only about ``leave`` bytes are free."""
    with filler.open("wb", buffering=0) as handle:
        try:
            while handle.write(b"\0" * 4096):
                pass
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - leave))


def test_a_full_disk_gives_one_sentence_and_leaves_no_half_written_file(full_disk: Path, tmp_path: Path) -> None:
    path = programme_file(full_disk / "programme.db", people=400)
    _fill(full_disk / "filler", leave=160_000)  # room to open the database, not to import
    source = tmp_path / "in.csv"
    source.write_text("name,role,email,past_experience\n" + "".join(
        f"New {n},mentee,new{n}@example.org,{'Years of work. ' * 40}\n" for n in range(2000)
    ))
    one_clear_line(cli("--db", str(path), "import", str(source), home=tmp_path), "is full", "free some space", str(full_disk))
    with Store(path, actor="builder") as store:
        assert store.scalar("SELECT count(*) FROM participants") == 400  # nothing half-written
    (full_disk / "filler").unlink()
    _fill(full_disk / "filler", leave=80_000)  # room to open the database, not to write the export
    output = full_disk / "out.csv"
    one_clear_line(
        cli("--db", str(path), "export", "participants", "-o", str(output), home=tmp_path), "is full", "free some space"
    )
    assert not output.exists()
    _fill(full_disk / "filler2", leave=0)  # no room even to open it
    one_clear_line(cli("--db", str(path), "users", home=tmp_path), "is full", "free some space", str(full_disk))


def test_the_last_resort_log_falls_back_and_never_crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rmtui.error_log as log_module

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(log_module.platformdirs, "user_state_dir", lambda name: str(blocker / "state"))
    monkeypatch.setattr(log_module.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        log = log_module.log_exception(error)
    assert log == tmp_path / "tmp" / f"rmtui-{os.geteuid()}" / "error.log" and "boom" in log.read_text()
    monkeypatch.setattr(log_module.tempfile, "gettempdir", lambda: str(blocker / "tmp"))
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        assert log_module.log_exception(error) is None


def test_the_last_resort_handler_says_one_line_when_no_log_folder_can_be_made(tmp_path: Path) -> None:
    # An error no mapping knows (here, a --today clock that breaks mid-command) with the state
    # folder under a plain file: still one line, no traceback.
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = textwrap.dedent(
        """
        import sys, tempfile
        tempfile.tempdir = sys.argv[1]
        import rmtui.cli as c
        def broken(*args, **kwargs):
            raise RuntimeError("the clock broke")
        c.Programme.open = broken
        c.main(["--db", sys.argv[2], "users"])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(blocker / "tmp"), str(tmp_path / "p.db")],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "XDG_STATE_HOME": str(blocker / "state"), "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "rmtui: unexpected error: the clock broke (no log could be written)."


# -- zero-width and control characters ----------------------------------------------------


ZW = "\u200b\u200d\ufeff\u2060\u00ad"


def test_zero_width_characters_are_stripped_at_intake_form_and_csv(programme: Programme, tmp_path: Path) -> None:
    assert clean(f"A{ZW}nn Lee{ZW}") == "Ann Lee"
    assert check_profile({"name": "Ann\u200b Lee", "role": "mentor", "team": "\ufeffTreasury"}).values["name"] == "Ann Lee"
    source = tmp_path / "hr.csv"
    source.write_text(f"name,role,email,department\nBo{ZW} Chen,mentee,bo\u200b@example.org,Fin\u200dance\n", encoding="utf-8")
    _, summary = import_file(programme.store, source)
    assert summary.created == 1
    bo = programme.store.all(Participant)[0]
    assert (bo.name, bo.email, bo.department) == ("Bo Chen", "bo@example.org", "Finance")


def test_the_participants_csv_strips_stored_control_and_zero_width_characters(programme: Programme, tmp_path: Path) -> None:
    with programme.store.write() as writer:  # as an older rmtui or another tool may have stored them
        writer.insert(Participant(name=f"Ann\x1b[31m Lee{ZW}\x07", role="mentor", team="Tre\u200basury",
                                  past_experience="Line one\x00\nLine two\u200b"))
    target = tmp_path / "out.csv"
    export_participants(programme.store, target)
    text = target.read_text(encoding="utf-8-sig")
    assert "Ann Lee" in text and "Treasury" in text and "Line one\nLine two" in text
    assert not any(ch in text for ch in "\x1b\x07\x00" + ZW)


def _calendar_session(**fields) -> CalendarSession:
    session = Session(id=1, pair_id=1, seq=2, due_on="2026-10-25", **fields)
    return CalendarSession(session, "Ann\x1b]8;;http://x\x07 Lee\u200b", "Bo\u200d Chen", "Wave\x00 1", 60)


def test_the_ics_strips_stored_control_and_zero_width_characters() -> None:
    data = build_calendar(
        [_calendar_session(agenda="Goals\x1b[2J and\u200b plans")],
        programme_id="p", programme_name="Pilot\u200b", timezone="Europe/London", stamp=pendulum.datetime(2026, 11, 20),
    ).to_ical().decode()
    assert not any(ch in data for ch in "\x1b\x07\x00" + ZW)
    event = next(iter(icalendar.Calendar.from_ical(data).walk("VEVENT")))
    assert str(event["summary"]) == "Reverse mentoring: Ann Lee & Bo Chen, session 2"
    assert "Wave: Wave 1" in str(event["description"]) and "Goals and plans" in str(event["description"])


def test_the_ics_keeps_the_second_one_thirty_of_the_autumn_clock_change() -> None:
    # Europe/London, Sunday 2026-10-25: 01:00–02:00 happens twice. 01:30 GMT (the second
    # time) is 01:30 UTC; 01:30 BST (the first) is 00:30 UTC.
    second = _calendar_session(scheduled_at="2026-10-25T01:30:00Z", status="scheduled")
    first = _calendar_session(scheduled_at="2026-10-25T00:30:00Z", status="scheduled")
    for session, expected_start, expected_end in (
        (second, dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)),
        (first, dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)),
    ):
        data = build_calendar(
            [session], programme_id="p", programme_name="Pilot", timezone="Europe/London", stamp=pendulum.datetime(2026, 11, 20)
        ).to_ical()
        event = next(iter(icalendar.Calendar.from_ical(data).walk("VEVENT")))
        assert event.decoded("dtstart").astimezone(dt.UTC) == expected_start
        assert event.decoded("dtend").astimezone(dt.UTC) == expected_end


def test_file_arguments_and_the_import_dialog_strip_zero_width_characters(db_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "hr.csv"
    source.write_text("name,role,email\nZed,mentor,zed@example.org\n")
    result = subprocess.run(
        [sys.executable, "-m", "rmtui", "--db", f"{db_path}\u200b", "import", f"\ufeff{source}\u200b"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert db_path.exists() and not Path(f"{db_path}\u200b").exists()
    assert _count(db_path, "SELECT name FROM participants") == "Zed"


# -- a file without an email column, imported twice ----------------------------------------


def _count(path: Path, sql: str):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _no_email_file(tmp_path: Path) -> Path:
    source = tmp_path / "no-email.csv"
    source.write_text("name,role,department\nAnn Lee,mentor,Finance\nBo Chen,mentee,Claims\nCy Ray,mentee,Claims\n")
    return source


def test_re_importing_a_file_without_emails_stops_on_likely_duplicates_and_dry_run_lists_them(
    db_path: Path, tmp_path: Path
) -> None:
    source = _no_email_file(tmp_path)

    def rmtui(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rmtui", "--db", str(db_path), *args], capture_output=True, text=True, timeout=60)

    assert rmtui("import", str(source)).returncode == 0
    again = rmtui("import", str(source))
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1] == (
        "Error: 3 of the people to add may already be in the programme, so nothing was imported; "
        "check them with --dry-run (or add an email column), then use --add-duplicates to add them anyway."
    )
    listed = rmtui("import", str(source), "--dry-run")
    assert listed.returncode == 0
    assert "3 rows to add look like someone already in the programme:" in listed.stderr
    assert "line 2: “Ann Lee” looks like #1 Ann Lee (same name, same department)" in listed.stderr
    assert "line 4: “Cy Ray” looks like #3 Cy Ray (same name, same department)" in listed.stderr
    assert _count(db_path, "SELECT count(*) FROM participants") == 3
    assert rmtui("import", str(source), "--add-duplicates").returncode == 0
    assert _count(db_path, "SELECT count(*) FROM participants") == 6


async def test_the_import_screen_lists_likely_duplicates_first_and_asks_before_adding_them(
    programme: Programme, tmp_path: Path, notes: Notes
) -> None:
    source = _no_email_file(tmp_path)
    with programme.store.write() as writer:
        writer.insert(Participant(name="Lee, Ann", role="mentor", department="Finance"))
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        app.push_screen(ImportScreen())
        await pilot.pause()
        app.screen.query_one("#path").value = f"\u200b{source}\ufeff"  # pasted from a chat
        await pilot.press("enter")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        screen = app.screen
        assert "1 of those to add may already be in the programme" in str(screen.query_one("#summary").render())
        first = screen.source.cells(0)
        assert (first["line"].plain, first["problem"].plain) == ("2", "may already be #1 Lee, Ann (same name, same department)")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert programme.store.scalar("SELECT count(*) FROM participants") == 1  # asked, nothing imported yet
        assert any("press the key again to add them anyway" in message for message in notes.messages)
        await pilot.press("ctrl+s")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
    assert programme.store.scalar("SELECT count(*) FROM participants") == 4


# -- users add: a login the server does not know -----------------------------------------


def test_users_add_refuses_a_login_this_server_does_not_have(tmp_path: Path) -> None:
    db = tmp_path / "p.db"

    def rmtui(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rmtui", "--db", str(db), *args], capture_output=True, text=True, timeout=60)

    with Store(db) as store, store.write():
        pass  # the first person to write (this OS user) becomes admin
    refused = rmtui("users", "add", "alcie-no-such-login")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == (
        "Error: There is no login alcie-no-such-login on this server; check the spelling (the login, not the full "
        "name: id LOGIN shows it), or add it anyway with --force if the account is being created."
    )
    assert "alcie" not in rmtui("users").stdout
    assert rmtui("users", "add", "nobody", "--role", "viewer").returncode == 0  # a real login
    assert rmtui("users", "add", "alcie-no-such-login", "--force").returncode == 0
    listing = rmtui("users").stdout
    assert "nobody" in listing and "alcie-no-such-login" in listing
