"""Undo, redo and an admin's revert (issue 15 item 2): one audited change taken back as a unit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rmtui.csv_import import import_file
from rmtui.db import Participant, Store
from rmtui.db.coordinators import add_coordinator
from rmtui.db.schema import MIGRATIONS
from rmtui.db.sqlite import sqlite3
from rmtui.intake import create_participant, update_participant
from rmtui.pairing import accept_wave, propose_pair, withdraw_proposal
from rmtui.undo import UndoConflictError, UndoError, last_redoable, last_undoable, redo, revert, undo
from rmtui.waves import add_wave

DATA = Path(__file__).parent / "data" / "csv"
WRITER = Path(__file__).parent / "writer_process.py"


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every programme row a coordinator sees (versions and stamps left out)."""
    return {
        "participants": store.query_tuples("SELECT id, name, email, status, manager_id, department FROM participants ORDER BY id"),
        "pairs": store.query_tuples("SELECT id, wave_id, mentor_id, mentee_id, status, started_on, score FROM pairs ORDER BY id"),
        "sessions": store.query_tuples("SELECT id, pair_id, seq, due_on, status FROM sessions ORDER BY id"),
    }


@pytest.fixture
def people(programme):
    with programme.store.write() as w:
        ana = w.insert(Participant(name="Ana", role="mentor", level=2, line_of_business="IT", status="applicant"))
        eve = w.insert(Participant(name="Eve", role="mentor", level=2, line_of_business="Legal", status="applicant"))
        ben = w.insert(Participant(name="Ben", role="mentee", level=7, line_of_business="Claims", status="applicant"))
        dan = w.insert(Participant(name="Dan", role="mentee", level=7, line_of_business="Finance", status="applicant"))
    return ana.id, eve.id, ben.id, dan.id


def test_every_audit_row_of_one_transaction_shares_its_change_id(programme, people):
    store = programme.store
    wave = add_wave(programme, "Spring", "2026-12-01")
    ana, eve, ben, dan = people
    accept_wave(programme, wave.id, [(ana, ben), (eve, dan)])
    groups = store.query_tuples("SELECT change_id, count(*), min(id) FROM audit GROUP BY change_id ORDER BY change_id")
    assert [g[0] for g in groups] == [g[2] for g in groups]  # each change is named by its first row
    accept = store.scalar("SELECT change_id FROM audit WHERE action = 'accept wave'")
    actions = [r[0] for r in store.query_tuples("SELECT action FROM audit WHERE change_id = ?", (accept,))]
    assert actions.count("create") == 2 and "plan sessions" in actions and actions[-1] == "accept wave"
    assert store.scalar("SELECT count(*) FROM audit WHERE change_id IS NULL") == 0


def test_the_migration_makes_each_older_row_its_own_change(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    ours = next(i for i, script in enumerate(MIGRATIONS) if "ADD COLUMN change_id" in script)
    for script in MIGRATIONS[:ours]:
        conn.executescript(script)
    conn.execute("INSERT INTO audit (at, actor, entity, entity_id, action) VALUES ('2026-01-01T00:00:00Z', 'x', 'waves', 1, 'create')")
    conn.execute("INSERT INTO audit (at, actor, entity, entity_id, action) VALUES ('2026-01-01T00:00:00Z', 'x', 'waves', 1, 'update')")
    conn.execute(f"PRAGMA user_version = {ours}")
    conn.commit()
    conn.close()
    with Store(path, actor="x") as store:
        assert store.query_tuples("SELECT id, change_id FROM audit ORDER BY id") == [(1, 1), (2, 2)]


def test_an_edit_is_undone_and_redone(programme):
    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor", "email": "ann@example.org"})
    update_participant(store, ann.id, ann.version, {"name": "Ann Byrne", "department": "Legal"})
    assert last_undoable(store).summary == "edited Ann Byrne (name, department)"
    done = undo(store)
    assert done.summary == "edited Ann Byrne (name, department)" and done.kind == "undo"
    assert store.query_tuples("SELECT name, department FROM participants") == [("Ann Lee", "")]
    # The undo is itself an audited change, marking the change it took back.
    marker = store.query("SELECT actor, entity_id, action FROM audit WHERE entity = 'change'")
    assert marker == [{"actor": "coordinator", "entity_id": done.target, "action": "undo"}]
    assert last_redoable(store).change_id == done.change_id
    redo(store)
    assert store.query_tuples("SELECT name, department FROM participants") == [("Ann Byrne", "Legal")]
    assert last_redoable(store) is None


def test_a_create_is_undone_by_removing_the_row_and_redone_with_its_old_id(programme):
    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor", "email": "ann@example.org"})
    undo(store)
    assert store.scalar("SELECT count(*) FROM participants") == 0
    with pytest.raises(UndoError, match="Nothing to undo"):
        undo(store)
    redo(store)
    assert store.query_tuples("SELECT id, name, email FROM participants") == [(ann.id, "Ann Lee", "ann@example.org")]
    with pytest.raises(UndoError, match="Nothing to redo"):
        redo(store)


def test_undo_goes_back_change_by_change_and_redo_forward(programme):
    store = programme.store
    ann = create_participant(store, {"name": "Ann", "role": "mentor"})
    v = update_participant(store, ann.id, ann.version, {"name": "Ann B"})
    update_participant(store, ann.id, v, {"name": "Ann C"})
    names = lambda: [r[0] for r in store.query_tuples("SELECT name FROM participants")]  # noqa: E731
    undo(store)
    assert names() == ["Ann B"]
    undo(store)
    assert names() == ["Ann"]
    redo(store)
    assert names() == ["Ann B"]
    redo(store)
    assert names() == ["Ann C"]
    undo(store)
    assert names() == ["Ann B"]


def test_a_whole_wave_accept_is_undone_as_one_change_and_redone(programme, people):
    store = programme.store
    ana, eve, ben, dan = people
    wave = add_wave(programme, "Spring 2027", "2026-12-01")
    proposal = propose_pair(programme, eve, dan, wave.id)
    before = snapshot(store)
    accept_wave(programme, wave.id, [(ana, ben), (eve, dan)])
    after = snapshot(store)
    assert len(after["sessions"]) == 14
    pending = last_undoable(store)
    assert pending.summary == "accepted 2 pairs in wave Spring 2027" and pending.size == 2
    undo(store)
    assert snapshot(store) == before  # Ana & Ben gone, Eve & Dan proposed again, no sessions, people applicants
    assert store.scalar("SELECT status FROM pairs WHERE id = ?", (proposal.id,)) == "proposed"
    redo(store)
    assert snapshot(store) == after


def test_an_import_is_undone_by_removing_exactly_the_people_it_added(programme):
    store = programme.store
    kept = create_participant(store, {"name": "Already Here", "role": "mentee"})
    import_file(store, DATA / "bom_semicolons.csv")
    imported = store.scalar("SELECT count(*) FROM participants") - 1
    assert imported >= 2
    pending = last_undoable(store)
    assert pending.summary == f"imported {imported} people from bom_semicolons.csv"
    undo(store)
    assert store.query_tuples("SELECT id FROM participants") == [(kept.id,)]
    redo(store)
    assert store.scalar("SELECT count(*) FROM participants") == imported + 1


def test_undo_refuses_over_a_row_someone_else_changed_since(programme, db_path):
    store = programme.store
    ann = create_participant(store, {"name": "Ann", "role": "mentor"})
    update_participant(store, ann.id, ann.version, {"name": "Ann Lee"})
    # Another coordinator's process renames her after that.
    child = subprocess.run(
        [sys.executable, str(WRITER), "set", str(db_path), "rosa", "participants", str(ann.id), "name", "Ann Rivera"],
        capture_output=True, text=True, timeout=120,
    )
    assert child.returncode == 0, child.stderr
    with pytest.raises(UndoConflictError) as raised:
        undo(store)
    error = raised.value
    assert error.changed_by == "rosa" and error.changed_at
    assert str(error).startswith("Cannot undo “edited Ann Lee (name)”: rosa changed Ann")
    assert [(f.field, f.restore, f.now) for f in error.fields] == [("name", "Ann", "Ann Rivera")]
    assert store.scalar("SELECT name FROM participants") == "Ann Rivera"  # nothing written
    assert store.scalar("SELECT count(*) FROM audit WHERE entity = 'change'") == 0


def test_undo_refuses_what_it_cannot_take_back_honestly(programme):
    store = programme.store
    with store.write() as w:
        w.audit("programme", None, "demo", None, {"people": 60})
    with pytest.raises(UndoError, match="“built the demo programme” cannot be taken back: a demo build"):
        undo(store)


def test_a_withdrawn_proposal_comes_back_with_its_old_id(programme, people):
    ana, _, ben, _ = people
    wave = add_wave(programme, "Spring", "2026-12-01")
    pair = propose_pair(programme, ana, ben, wave.id)
    withdraw_proposal(programme, pair.id, pair.version)
    undo(programme.store)
    assert programme.store.query_tuples("SELECT id, status, mentor_id FROM pairs") == [(pair.id, "proposed", ana)]


def test_only_an_admin_reverts_someone_elses_change(db_path, clock):
    from rmtui.programme import Programme

    with Store(db_path, actor="boss") as boss:
        with boss.write() as w:  # the first coordinators: boss (admin) and kim
            w.execute("INSERT INTO coordinators (os_user, role, added_at) VALUES ('boss', 'admin', '2026-11-20')")
            add_coordinator(w, "kim", "coordinator")
    kim = Programme.open(db_path, clock, actor="kim")
    ann = create_participant(kim.store, {"name": "Ann", "role": "mentor"})
    change = last_undoable(kim.store)
    with Store(db_path, actor="kim") as same:
        assert last_undoable(same).change_id == change.change_id
    with pytest.raises(UndoError, match="Only an admin"):
        revert(kim.store, change.change_id - 1)
    with Store(db_path, actor="boss") as boss:
        done = revert(boss, change.change_id)
        assert done.kind == "revert" and done.actor == "boss"
        assert boss.scalar("SELECT count(*) FROM participants WHERE id = ?", (ann.id,)) == 0
    # Kim's undo skips what the admin already took back.
    with pytest.raises(UndoError, match="Nothing to undo"):
        undo(kim.store)
    kim.close()


def test_undo_names_the_change_and_marker_json(programme):
    store = programme.store
    create_participant(store, {"name": "[bold]Ann[/]", "role": "mentor"})
    done = undo(store)
    after = json.loads(store.scalar("SELECT after FROM audit WHERE entity = 'change'"))
    assert after["summary"] == done.summary == "added [bold]Ann[/]"


def rmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rmtui", *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_rmtui_undo_and_redo_from_the_command_line(db_path, clock):
    from rmtui.programme import Programme

    me = Programme.open(db_path, clock)  # the OS user, as the command line is
    ann = create_participant(me.store, {"name": "Ann Lee", "role": "mentor"})
    update_participant(me.store, ann.id, ann.version, {"department": "Legal"})
    me.close()
    db = ["--db", str(db_path)]
    dry = rmtui("undo", "--dry-run", *db)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("Would undo: edited Ann Lee (department) (made 2026-")
    assert dry.stdout.rstrip().endswith("nothing was changed.") and dry.stdout.count("\n") == 1
    with Store(db_path) as store:
        assert store.scalar("SELECT department FROM participants") == "Legal"
    done = rmtui("undo", *db)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Undone: edited Ann Lee (department); `rmtui redo` puts it back.\n"
    with Store(db_path) as store:
        assert store.scalar("SELECT department FROM participants") == ""
    again = rmtui("redo", *db)
    assert again.stdout == "Redone: edited Ann Lee (department); `rmtui undo` takes it back again.\n"
    with Store(db_path) as store:
        assert store.scalar("SELECT department FROM participants") == "Legal"
    nothing = rmtui("redo", *db)
    assert nothing.returncode == 1 and nothing.stdout == ""
    assert nothing.stderr == "rmtui: Nothing to redo: you have undone nothing since your last change.\n"


def test_rmtui_undo_refuses_over_another_coordinators_change_naming_them(db_path, clock):
    from rmtui.programme import Programme

    me = Programme.open(db_path, clock)
    ann = create_participant(me.store, {"name": "Ann Lee", "role": "mentor"})
    with me.store.write() as w:
        add_coordinator(w, "rosa", "coordinator")
    update_participant(me.store, ann.id, ann.version, {"department": "Legal"})
    me.close()
    other = subprocess.run([sys.executable, str(WRITER), "set", str(db_path), "rosa", "participants", str(ann.id),
                            "department", "Claims"], capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    refused = rmtui("undo", "--db", str(db_path))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("rmtui: Cannot undo “edited Ann Lee (department)”: rosa changed Ann Lee at 2026-")
    with Store(db_path) as store:
        assert store.scalar("SELECT department FROM participants") == "Claims"


def test_a_resume_close_and_setting_are_each_undone_and_redone(programme):
    import datetime as dt

    from lifecycle_data import build

    from rmtui import lifecycle
    from rmtui.db.store import read_setting
    from rmtui.pairing import close_pair

    store = programme.store
    today = dt.date(2026, 11, 20)
    first, second = build(programme)
    version = lambda pair_id: store.scalar("SELECT version FROM pairs WHERE id = ?", (pair_id,))  # noqa: E731
    lifecycle.pause_pair(store, first, version(first), "Mentee on leave", today)
    paused = snapshot(store)
    lifecycle.resume_pair(store, first, version(first), "Back from leave", today + dt.timedelta(days=10))
    resumed = snapshot(store)
    assert resumed != paused
    undo(store)
    assert snapshot(store) == paused  # status paused again, every session back on its day
    redo(store)
    assert snapshot(store) == resumed
    before_close = snapshot(store)
    close_pair(programme, second, version(second), "other", "Moved abroad")
    assert snapshot(store) != before_close
    undo(store)
    assert snapshot(store) == before_close  # the pair active, its cancelled sessions planned again
    with store.write() as w:
        w.set_setting("programme_name", "Spring mentoring")
    undo(store)
    assert read_setting(store, "programme_name")[0] != "Spring mentoring"
    redo(store)
    assert read_setting(store, "programme_name")[0] == "Spring mentoring"


def test_undoing_an_import_refuses_once_someone_edited_an_imported_person(programme, db_path):
    store = programme.store
    import_file(store, DATA / "bom_semicolons.csv")
    person = store.query_tuples("SELECT id, name FROM participants ORDER BY id LIMIT 1")[0]
    other = subprocess.run([sys.executable, str(WRITER), "set", str(db_path), "rosa", "participants", str(person[0]),
                            "team", "Night shift"], capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr
    count = store.scalar("SELECT count(*) FROM participants")
    with pytest.raises(UndoConflictError, match=f"rosa changed {person[1]}"):
        undo(store)
    assert store.scalar("SELECT count(*) FROM participants") == count  # all or nothing


def test_redo_refuses_over_a_later_change_and_undo_asked_about_one_change_does_not_take_another(programme, db_path):
    store = programme.store
    ann = create_participant(store, {"name": "Ann", "role": "mentor"})
    v = update_participant(store, ann.id, ann.version, {"team": "Risk"})
    undone = undo(store)
    with Store(db_path, actor="rosa") as rosa, rosa.write() as w:
        w.update("participants", ann.id, v + 1, {"team": "Audit"})
    with pytest.raises(UndoConflictError, match="Cannot redo “edited Ann \\(team\\)”: rosa changed Ann"):
        redo(store)
    assert undone.target is not None
    with pytest.raises(UndoError, match="Your last change is now “added Ann”"):
        undo(store, expect=undone.target)


def test_an_edit_of_sensitive_attributes_only_is_refused_not_pretended(programme):
    store = programme.store
    ann = create_participant(store, {"name": "Ann", "role": "mentor"})
    update_participant(store, ann.id, ann.version, {"attributes": {"gender": "f"}})
    with pytest.raises(UndoError, match="sensitive attributes are never kept"):
        undo(store)


def test_an_admin_reverts_a_coordinators_change_from_the_command_line(db_path, clock):
    from rmtui.programme import Programme

    me = Programme.open(db_path, clock)  # the OS user: the programme's first admin
    with me.store.write() as w:
        add_coordinator(w, "kim", "coordinator")
    me.close()
    with Store(db_path, actor="kim") as kim:
        create_participant(kim, {"name": "Ann Lee", "role": "mentor"})
        change = last_undoable(kim).change_id
    dry = rmtui("undo", "--change", str(change), "--dry-run", "--db", str(db_path))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("Would revert: added Ann Lee (made 2026-") and "by kim); nothing was changed." in dry.stdout
    done = rmtui("undo", "--change", str(change), "--db", str(db_path))
    assert done.stdout == "Reverted kim's change: added Ann Lee; `rmtui redo` puts it back.\n", done.stderr
    with Store(db_path) as store:
        assert store.scalar("SELECT count(*) FROM participants") == 0
    again = rmtui("undo", "--change", str(change), "--db", str(db_path))
    assert again.returncode == 1
    assert again.stderr.startswith("rmtui: “added Ann Lee” was already taken back by ")


def test_a_later_edit_of_another_field_of_the_row_still_stops_undo_and_leaves_yours_to_restore(programme, db_path):
    store = programme.store
    ann = create_participant(store, {"name": "Ann", "role": "mentor"})
    update_participant(store, ann.id, ann.version, {"team": "Risk"})
    with Store(db_path, actor="rosa") as rosa, rosa.write() as w:
        w.update("participants", ann.id, ann.version + 1, {"location": "Leeds"})
    with pytest.raises(UndoConflictError, match="rosa changed Ann") as raised:
        undo(store)
    assert [(f.field, f.restore, f.now, f.changed) for f in raised.value.fields] == [("team", "", "Risk", False)]


AS_NOBODY = """
import os, sys
from rmtui.db import Store  # loaded while root: nobody cannot read root's Python files
from rmtui.intake import update_participant
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
with Store(sys.argv[1]) as store:  # the actor is the kernel's: nobody
    version = store.scalar("SELECT version FROM participants WHERE id = ?", (int(sys.argv[2]),))
    update_participant(store, int(sys.argv[2]), version, {"department": sys.argv[3]})
"""


def test_undo_refuses_over_another_unix_users_change_and_names_them(clock):
    """Two real people: this user (root in CI) and `nobody`, each identified by the kernel."""
    import os
    import pwd
    import shutil
    import tempfile

    if os.getuid() != 0:
        pytest.skip("needs root to run a child process as another user (CI runs as root)")
    other = pwd.getpwuid(65534).pw_name
    folder = Path(tempfile.mkdtemp(prefix="rmtui-undo-", dir="/tmp"))
    try:
        folder.chmod(0o777)
        db = folder / "programme.db"
        with Store(db) as me:  # the OS user: the programme's first admin
            ann = create_participant(me, {"name": "Ann Lee", "role": "mentor", "email": "ann@example.org"})
            with me.write() as w:
                add_coordinator(w, other, "coordinator")
            update_participant(me, ann.id, ann.version, {"department": "Legal"})
        db.chmod(0o666)
        theirs = subprocess.run([sys.executable, "-c", AS_NOBODY, str(db), str(ann.id), "Claims"],
                                capture_output=True, text=True, timeout=120,
                                env={**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder),
                                     "XDG_STATE_HOME": str(folder)})
        assert theirs.returncode == 0, theirs.stderr
        refused = rmtui("undo", "--db", str(db))
        assert refused.returncode == 1
        assert refused.stderr.startswith(f"rmtui: Cannot undo “edited Ann Lee (department)”: {other} changed Ann Lee at 2026-")
        with Store(db) as store:
            assert store.scalar("SELECT department FROM participants") == "Claims"
            assert store.scalar("SELECT actor FROM audit WHERE entity = 'participants' ORDER BY id DESC LIMIT 1") == other
    finally:
        shutil.rmtree(folder, ignore_errors=True)
