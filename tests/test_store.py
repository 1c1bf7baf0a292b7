"""The shared store: WAL, versioned writes, audit in the same transaction, migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rmtui.coordinators import add_coordinator
from rmtui.db import (
    SCHEMA_VERSION,
    ConflictError,
    Participant,
    SchemaTooNewError,
    Store,
    StoreBusyError,
    StoreOpenError,
)
from rmtui.db.sqlite import sqlite3


def _person(store: Store, name: str = "Ann Lee", **fields) -> Participant:
    with store.write() as writer:
        return writer.insert(Participant(name=name, role="mentor", **fields))


def test_a_new_database_is_in_wal_mode_with_foreign_keys_and_full_sync(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.scalar("PRAGMA journal_mode") == "wal"
        assert store.scalar("PRAGMA foreign_keys") == 1
        assert store.scalar("PRAGMA synchronous") == 2  # FULL
        assert store.scalar("PRAGMA busy_timeout") > 0


def test_migrations_create_the_whole_data_model_from_empty(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        tables = set(store.db.table_names())
    assert {"participants", "waves", "pairs", "sessions", "feedback", "audit", "settings"} <= tables


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    with Store(db_path) as store:
        _person(store)
    with Store(db_path) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 1


def test_a_database_from_a_newer_schema_is_refused_in_one_sentence(db_path: Path) -> None:
    with Store(db_path):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    conn.close()
    with pytest.raises(SchemaTooNewError) as caught:
        Store(db_path)
    message = str(caught.value)
    assert "newer rmtui" in message and "upgrade rmtui" in message
    assert message.count(". ") == 0 and "\n" not in message


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my meeting notes, not a database\n" * 100)
    with pytest.raises(StoreOpenError, match="not an rmtui database"):
        Store(path)


def test_another_applications_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(StoreOpenError, match="not an rmtui one"):
        Store(path)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreOpenError, match="does not exist"):
        Store(tmp_path / "nowhere" / "programme.db")


def test_insert_writes_its_audit_row_with_the_actor(db_path: Path) -> None:
    with Store(db_path, actor="alice") as store:
        person = _person(store, email="ann@example.com")
        audit = store.query("SELECT * FROM audit")
    assert [(a["actor"], a["entity"], a["entity_id"], a["action"]) for a in audit] == [
        ("alice", "participants", person.id, "create")
    ]


def test_update_bumps_the_version_and_audits_before_and_after(db_path: Path) -> None:
    with Store(db_path, actor="alice") as store:
        person = _person(store)
        with store.write() as writer:
            version = writer.update("participants", person.id, person.version, {"name": "Ann Li", "team": ""})
        assert version == 2
        stored = store.get(Participant, person.id)
        last = store.query("SELECT before, after FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert stored is not None and stored.name == "Ann Li" and stored.version == 2
    assert last == {"before": '{"name": "Ann Lee"}', "after": '{"name": "Ann Li"}'}


def test_two_connections_editing_one_row_the_second_gets_a_conflict(db_path: Path) -> None:
    with Store(db_path, actor="alice") as alice, Store(db_path, actor="bob") as bob:
        person = _person(alice)
        seen_by_bob = bob.get(Participant, person.id)
        assert seen_by_bob is not None
        with alice.write() as writer:
            writer.update("participants", person.id, person.version, {"team": "Claims North"})
        with pytest.raises(ConflictError) as caught:
            with bob.write() as writer:
                writer.update("participants", seen_by_bob.id, seen_by_bob.version, {"team": "Pricing"})
        assert caught.value.changed_by == "alice"
        assert caught.value.current is not None and caught.value.current["team"] == "Claims North"
        assert "alice" in str(caught.value)
        stored = bob.get(Participant, person.id)
    assert stored is not None and stored.team == "Claims North"


def test_a_failed_transaction_leaves_nothing_behind_not_even_its_audit(db_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(RuntimeError):
            with store.write() as writer:
                writer.insert(Participant(name="Half", role="mentee"))
                raise RuntimeError("power cut")
        assert store.scalar("SELECT count(*) FROM participants") == 0
        assert store.scalar("SELECT count(*) FROM audit") == 0


def test_a_commit_refused_by_a_deferred_foreign_key_is_rolled_back_and_the_next_write_goes_through(db_path: Path) -> None:
    """Undo and import defer foreign keys; a row still pointing nowhere at COMMIT fails it, and
    the transaction must not stay open (every later write failed: "cannot start a transaction
    within a transaction")."""
    with Store(db_path) as store:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            with store.write() as writer:
                writer.execute("PRAGMA defer_foreign_keys = ON")
                writer.insert(Participant(name="Points nowhere", role="mentee", manager_id=999))
        assert not store.conn.in_transaction
        _person(store)
        assert store.query_tuples("SELECT name, manager_id FROM participants") == [("Ann Lee", None)]


def test_a_writer_waiting_longer_than_the_busy_timeout_gets_a_clear_busy_error(db_path: Path) -> None:
    with Store(db_path) as holder, Store(db_path, busy_timeout=0.2) as waiter:
        holder.conn.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusyError, match="locked by another coordinator"):
                with waiter.write():
                    pass
        finally:
            holder.conn.execute("ROLLBACK")


def test_data_version_changes_when_another_connection_commits(db_path: Path) -> None:
    with Store(db_path) as watcher, Store(db_path) as editor:
        before = watcher.data_version()
        assert watcher.data_version() == before
        _person(editor)
        assert watcher.data_version() != before


READ_MODIFY_WRITE = """
import sys
from rmtui.db import ConflictError, Store

path, worker, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Store(path, actor=f"worker{worker}", busy_timeout=30) as store:
    for _ in range(rounds):
        while True:
            row = store.query("SELECT version, level FROM participants WHERE id = 1")[0]
            try:
                with store.write() as writer:
                    writer.update("participants", 1, row["version"], {"level": row["level"] + 1})
                break
            except ConflictError:
                continue
"""


def test_four_processes_doing_read_modify_write_lose_no_update(db_path: Path) -> None:
    processes, rounds = 4, 200
    with Store(db_path) as store:
        _person(store, level=0)  # the first writer becomes the programme's admin
        for n in range(processes):
            add_coordinator(store, f"worker{n}", "coordinator")
    children = [
        subprocess.Popen([sys.executable, "-c", READ_MODIFY_WRITE, str(db_path), str(n), str(rounds)])
        for n in range(processes)
    ]
    assert [child.wait(timeout=300) for child in children] == [0] * processes
    with Store(db_path) as store:
        person = store.get(Participant, 1)
        updates = store.scalar("SELECT count(*) FROM audit WHERE action = 'update'")
    assert person is not None
    assert person.level == processes * rounds
    assert person.version == 1 + processes * rounds
    assert updates == processes * rounds


def test_writer_conflict_names_who_changed_the_row_or_says_it_was_deleted(db_path: Path) -> None:
    with Store(db_path, actor="alice") as alice, Store(db_path, actor="bob") as bob:
        person = _person(alice)
        with alice.write() as writer:
            writer.update("participants", person.id, person.version, {"team": "Claims North"})
        with bob.write() as writer:
            changed = writer.conflict("participants", person.id, person.version)
            gone = writer.conflict("participants", person.id + 1, 1)
    assert changed.changed_by == "alice" and changed.current is not None
    assert changed.current["team"] == "Claims North"
    assert "changed by alice" in str(changed) and f"version {person.version} → {person.version + 1}" in str(changed)
    assert gone.current is None and "was deleted by someone else" in str(gone)


def _journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def test_another_programs_file_in_rollback_journal_mode_is_refused_without_being_switched_to_wal(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreOpenError, match="not an rmtui one"):
        Store(path)
    assert _journal_mode(path) == "delete"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_newer_schema_in_rollback_journal_mode_is_refused_without_being_switched_to_wal(db_path: Path) -> None:
    with Store(db_path):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError):
        Store(db_path)
    assert _journal_mode(db_path) == "delete"
    assert db_path.read_bytes() == before
