"""The store's connections: one writer with its own lock, readers that never wait for it.

Real files, a real second process holding SQLite's write lock (tests/writer_process.py
``lock``), real threads. No timed assertions: a bounded wait only turns a hang into a
failure.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rmtui.db import Participant, Store, StoreBusyError, is_locked
from rmtui.db.sqlite import sqlite3

WORKER = Path(__file__).with_name("writer_process.py")
DEADLINE = 30.0  # seconds before a hang is a failure; never a measure of speed


def _person(store: Store, name: str) -> None:
    with store.write() as writer:
        writer.insert(Participant(name=name, role="mentor"))


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path, actor="ada") as opened:
        _person(opened, "Ann Lee")
        yield opened


@pytest.fixture
def locker(db_path: Path, store: Store) -> Iterator[subprocess.Popen[str]]:
    """Another coordinator's process holding the write lock until the test lets it go."""
    child = subprocess.Popen(
        [sys.executable, str(WORKER), "lock", str(db_path), "600", "locker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked", child.stderr.read() if child.stderr else ""
    yield child
    if child.poll() is None:
        child.kill()
        child.wait(timeout=DEADLINE)


def _release(child: subprocess.Popen[str]) -> None:
    child.kill()  # its transaction rolls back and the lock goes with the process
    child.wait(timeout=DEADLINE)


def test_a_read_on_another_thread_returns_while_the_writer_waits_for_another_process(
    store: Store, locker: subprocess.Popen[str]
) -> None:
    waiting, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def save() -> None:
        try:
            with store.write(wait=True, on_waiting=lambda seconds: waiting.set()) as writer:
                writer.insert(Participant(name="Ben Okafor", role="mentee"))
            done.set()
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    writer = threading.Thread(target=save)
    writer.start()
    assert waiting.wait(DEADLINE), "the writer never reported waiting"

    read: list[object] = []
    reader = threading.Thread(target=lambda: read.append(store.scalar("SELECT group_concat(name) FROM participants")))
    reader.start()
    reader.join(DEADLINE)
    assert read == ["Ann Lee"], "a read waited for the writer"
    # This thread reads too (the UI thread's case), as do role and settings lookups.
    assert store.scalar("SELECT count(*) FROM participants") == 1
    assert store.role() is None and store.may_edit()  # no coordinators yet: anyone edits
    assert not done.is_set() and locker.poll() is None, "all of that while the writer still waited"

    _release(locker)
    writer.join(DEADLINE)
    assert not failures and done.is_set()
    assert store.scalar("SELECT count(*) FROM participants") == 2


def test_a_waiting_write_gives_up_when_cancelled_and_writes_nothing(store: Store, locker: subprocess.Popen[str]) -> None:
    reports: list[float] = []
    stop = threading.Event()

    def on_waiting(seconds: float) -> None:
        reports.append(seconds)
        stop.set()

    with pytest.raises(StoreBusyError, match="locked by another coordinator"):
        with store.write(wait=True, on_waiting=on_waiting, cancelled=stop.is_set) as writer:
            writer.insert(Participant(name="Never", role="mentee"))
    assert len(reports) == 1
    _release(locker)
    assert store.scalar("SELECT count(*) FROM participants WHERE name = 'Never'") == 0
    _person(store, "Later")  # the store's write lock was given back
    assert store.scalar("SELECT count(*) FROM participants") == 2


def test_wait_false_refuses_at_once_and_wait_policy_applies_to_writes_inside_it(
    store: Store, locker: subprocess.Popen[str]
) -> None:
    with pytest.raises(StoreBusyError):
        with store.write(wait=False):
            pass
    told: list[float] = []
    stop = threading.Event()

    def on_waiting(seconds: float) -> None:
        told.append(seconds)
        stop.set()

    with store.wait_policy(True, on_waiting=on_waiting, cancelled=stop.is_set):
        with pytest.raises(StoreBusyError):
            _person(store, "Through a service")  # a service's plain store.write()
    assert told, "the policy's on_waiting was not used"


def test_reads_inside_a_write_see_its_changes_and_other_threads_see_the_last_commit(store: Store) -> None:
    seen_elsewhere: list[object] = []
    with store.write() as writer:
        writer.insert(Participant(name="Cleo Park", role="mentee"))
        assert store.scalar("SELECT count(*) FROM participants") == 2  # its own change
        with store.snapshot():
            assert store.scalar("SELECT count(*) FROM participants") == 2
        other = threading.Thread(target=lambda: seen_elsewhere.append(store.scalar("SELECT count(*) FROM participants")))
        other.start()
        other.join(DEADLINE)
    assert seen_elsewhere == [1], "another thread saw an uncommitted write, or waited for it"
    assert store.scalar("SELECT count(*) FROM participants") == 2


def test_a_snapshot_is_one_consistent_read_while_another_thread_commits(store: Store) -> None:
    with store.snapshot():
        before = store.scalar("SELECT count(*) FROM participants")
        other = threading.Thread(target=_person, args=(store, "Dan Ito"))
        other.start()
        other.join(DEADLINE)
        assert not other.is_alive(), "a write waited for a reader's snapshot"
        assert store.scalar("SELECT count(*) FROM participants") == before
    assert store.scalar("SELECT count(*) FROM participants") == before + 1


def test_busy_is_recognised_by_sqlite_error_code_not_by_wording(db_path: Path, store: Store) -> None:
    holder = sqlite3.connect(db_path, isolation_level=None)
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("BEGIN IMMEDIATE")
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        other.close()
    assert is_locked(busy.value)
    if getattr(busy.value, "sqlite_errorcode", None) is not None:
        with pytest.raises(sqlite3.OperationalError) as unrelated:
            store.scalar("SELECT * FROM locked_busy_table")  # "no such table: locked_busy_table"
        assert "locked" in str(unrelated.value) and not is_locked(unrelated.value)


def test_closing_the_store_leaves_a_reader_in_use_open_until_it_is_given_back(db_path: Path) -> None:
    """The app closes its programme while a worker may still be reading (an audit page, the
    watcher): that reader keeps working and is closed when given back, not under its query."""
    store = Store(db_path, actor="ada")
    _person(store, "Ann Lee")
    with store.reading() as idle:  # one reader returned to the pool before closing
        idle.execute("SELECT 1").fetchone()
    lent = threading.Event()
    closed = threading.Event()
    seen: list[object] = []

    def reader() -> None:
        with store.reading() as conn:
            lent.set()
            assert closed.wait(DEADLINE)
            seen.append(conn.execute("SELECT name FROM participants").fetchone()[0])
            seen.append(conn)

    thread = threading.Thread(target=reader)
    thread.start()
    assert lent.wait(DEADLINE)
    store.close()
    closed.set()
    thread.join(DEADLINE)
    assert seen[0] == "Ann Lee"  # the query after close ran on an open connection
    with pytest.raises(sqlite3.ProgrammingError):  # and the connection was closed when given back
        seen[1].execute("SELECT 1")  # type: ignore[attr-defined]
    with pytest.raises(sqlite3.ProgrammingError):
        idle.execute("SELECT 1")  # the idle one was closed at once
