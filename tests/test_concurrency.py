"""Several coordinators at once, as real processes on one real database file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import Notes, line_from, wait_until

from rmtui.db import Participant, Store
from rmtui.db.sqlite import sqlite3

WORKER = Path(__file__).with_name("writer_process.py")
PROCESSES = 8
EDITS = 250
ROWS = 10


def start(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def people(db: Path, count: int) -> list[int]:
    with Store(db, actor="setup") as store, store.write() as writer:
        return [writer.insert(Participant(name=f"Person {n}", role="mentor", capacity=0)).id for n in range(count)]


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_eight_processes_editing_the_same_rows_lose_no_update(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    people(db, ROWS)
    workers = [start("edit", db, n, EDITS, 7) for n in range(PROCESSES)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        assert "database is locked" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert sum(r["done"] for r in results) == PROCESSES * EDITS
    conflicts = sum(r["conflicts"] for r in results)
    assert conflicts > 0, "overlapping edits should have met each other"
    assert sum(r["reported"] for r in results) == conflicts, "a conflict came without who changed the row"
    with Store(db, actor="setup") as store:
        total, versions = store.query_tuples("SELECT sum(capacity), sum(version - 1) FROM participants")[0]
        audited = store.scalar("SELECT count(*) FROM audit WHERE entity = 'participants' AND action = 'update'")
        by_worker = dict(store.query_tuples("SELECT actor, count(*) FROM audit WHERE action = 'update' GROUP BY actor"))
    assert total == PROCESSES * EDITS
    assert versions == PROCESSES * EDITS
    assert audited == PROCESSES * EDITS
    assert by_worker == {f"worker{n}": EDITS for n in range(PROCESSES)}
    assert integrity(db) == "ok"


def test_sigkill_inside_a_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    people(db, 3)
    holder = start("hold", db, 500)
    assert holder.stdout is not None
    assert line_from(holder) == "inside"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert holder.returncode == -signal.SIGKILL

    assert integrity(db) == "ok"
    with Store(db, actor="setup", busy_timeout=1) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 3
        assert store.scalar("SELECT count(*) FROM audit WHERE actor = 'killed'") == 0
        with store.write() as writer:  # the dead process's lock is gone with it
            writer.insert(Participant(name="After the crash", role="mentor"))
        assert store.scalar("SELECT count(*) FROM participants") == 4


def test_sigkill_between_commits_keeps_every_commit_whole(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    people(db, 1)
    writer = start("commits", db)
    assert writer.stdout is not None
    assert line_from(writer) == "started"
    with Store(db, actor="setup") as store:
        # Let it commit for a while: wait until at least 50 of its rows are visible.
        wait_until(
            lambda: (store.scalar("SELECT count(*) FROM participants WHERE name LIKE 'Committed %'") or 0) >= 50,
            what="50 of the writer's commits",
            processes=[writer],
        )
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)

    assert integrity(db) == "ok"
    with Store(db, actor="setup", busy_timeout=1) as store:
        committed = store.scalar("SELECT count(*) FROM participants WHERE name LIKE 'Committed %'")
        audited = store.scalar("SELECT count(*) FROM audit WHERE actor = 'killed' AND action = 'create'")
        names = {row[0] for row in store.query_tuples("SELECT name FROM participants WHERE name LIKE 'Committed %'")}
    assert committed >= 50
    assert audited == committed, "a row landed without its audit entry, or the reverse"
    assert names == {f"Committed {n}" for n in range(committed)}, "commits must land whole and in order"


async def test_the_app_stays_responsive_while_another_process_holds_the_lock_and_the_save_lands_after(
    tmp_path: Path,
    notes: Notes,
) -> None:
    from rmtui.app import RmtuiApp
    from rmtui.clock import FixedClock
    from rmtui.coordinators import add_coordinator, list_coordinators
    from rmtui.programme import Programme

    db = tmp_path / "programme.db"
    with Store(db, actor="ada") as store:
        add_coordinator(store, "ada", "admin")
        add_coordinator(store, "ben", "coordinator")
        add_coordinator(store, "locker", "coordinator")
    programme = Programme.open(db, FixedClock.on("2026-11-20"), actor="ada")
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        for _ in range(5):
            await pilot.pause()
            await app.workers.wait_for_complete()
        people = [p.os_user for p in app.screen.people]
        locker = subprocess.Popen(  # holds the lock until told, however slow this machine is
            [sys.executable, str(WORKER), "lock", str(db), "stdin", "locker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert locker.stdout is not None and locker.stdin is not None
        assert line_from(locker) == "locked"

        await pilot.press(*["down"] * people.index("ben"), "e")  # ben → viewer, while locked
        table = app.screen.query_one("#people")
        for _ in range(1200):  # wait (bounded, not timed) for rmtui to say it is waiting
            await pilot.pause(0.05)
            if any("another coordinator is saving" in m for m in notes.messages):
                break
        assert any("your edit is kept" in m for m in notes.messages)
        assert locker.poll() is None, "the lock is still held"
        await pilot.press("up")  # the app answers keys while the save waits
        await pilot.pause()
        assert table.cursor == people.index("ben") - 1
        await pilot.press("8")  # and moves between areas
        await pilot.pause()
        assert app.current_mode == "audit"
        assert locker.poll() is None, "all of that happened while the lock was held"

        locker.stdin.write("release\n")
        locker.stdin.flush()
        await app.workers.wait_for_complete()
        assert locker.wait(timeout=60) == 0
        assert line_from(locker) == "released"
        assert any(m.startswith("Saved ben's new role after waiting") for m in notes.messages)
    programme.close()
    with Store(db, actor="ada") as store:
        assert {c.os_user: c.role for c in list_coordinators(store)}["ben"] == "viewer"


async def test_the_ui_answers_keys_and_reads_while_an_in_process_worker_waits_on_another_processs_lock(
    tmp_path: Path,
) -> None:
    """Issue 16: a UI-thread read blocked for the whole busy timeout while a worker waited in
    ``store.write()``. Now the worker waits on the write connection only: every key below
    takes effect while the other process still holds the lock and the save still waits.
    Bounded waits turn a hang into a failure; nothing is timed."""
    import time

    from rmtui.app import RmtuiApp
    from rmtui.clock import FixedClock
    from rmtui.coordinators import add_coordinator, list_coordinators
    from rmtui.programme import Programme
    from rmtui.screens.roster import RosterScreen

    db = tmp_path / "programme.db"
    with Store(db, actor="ada") as store:
        add_coordinator(store, "ada", "admin")
        add_coordinator(store, "ben", "coordinator")
        add_coordinator(store, "locker", "coordinator")
        with store.write() as writer:
            writer.insert(Participant(name="Ann Lee", role="mentor"))
            writer.insert(Participant(name="Cleo Park", role="mentee"))
    programme = Programme.open(db, FixedClock.on("2026-11-20"), actor="ada")
    app = RmtuiApp(programme, start="coordinators")

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, f"never: {what}"
            await pilot.pause(0.02)

    told: list[str] = []
    notify = app.notify

    def recording_notify(message, *args, **kwargs):  # what the user is told, as it is told
        told.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording_notify  # type: ignore[method-assign]

    def roles() -> dict[str, str]:
        return {c.os_user: c.role for c in list_coordinators(programme.store)}

    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.pause()
            await app.workers.wait_for_complete()
        people = [p.os_user for p in app.screen.people]
        locker = start("lock", db, 600, "locker")
        try:
            assert locker.stdout is not None
            assert locker.stdout.readline().strip() == "locked"
            await pilot.press(*["down"] * people.index("ben"), "e")  # ben → viewer: the save waits
            await until(lambda: any("your edit is kept" in text for text in told), "rmtui said it waits")
            saving = [w for w in app.workers if w.is_running and w.name.startswith("save ")]  # the App's: it outlives the screen
            assert saving, "the save's worker is waiting"

            # The UI thread reads (what poll_changes and the header did on it before).
            assert programme.settings()["programme_name"] and roles()["ben"] == "coordinator"
            await pilot.press("1")  # another area, whose data loads from the store
            assert app.current_mode == "roster"
            await until(lambda: isinstance(app.screen, RosterScreen) and app.screen.result is not None, "roster loaded")
            assert app.screen.result.total == 2
            await pilot.press("slash", *"cleo")
            await until(lambda: app.screen.result.total == 1, "search answered")
            assert app.screen.result.row(0).name == "Cleo Park"
            await pilot.press("escape", "8")  # and the audit screen
            assert app.current_mode == "audit"
            assert locker.poll() is None and all(w.is_running for w in saving), "all while the lock was held"
        finally:
            locker.kill()  # its transaction rolls back; the lock goes with the process
            locker.wait(timeout=60)
        await until(lambda: not any(w.is_running for w in saving), "the save landed once the lock was free")
        assert roles()["ben"] == "viewer"
        assert any(text.startswith("Saved ben's new role after waiting") for text in told)
    programme.close()
