"""Undo and redo of an import keep every manager link (issue 14 note: the removal used to be
recorded after the foreign key's ON DELETE SET NULL had already emptied managers)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from rmtui.audit_log import AuditFilter, audit_entries
from rmtui.csv_import import import_file
from rmtui.db import Participant, Store
from rmtui.intake import create_participant, update_participant
from rmtui.programme import Programme
from rmtui.undo import Change, UndoError, last_redoable, read_change, redo, undo

_STAMPS = ("version", "updated_at")


def people(store: Store) -> dict[int, dict]:
    """Every person as stored, by id, without the stamps an undo or redo moves on."""
    return {
        row["id"]: {k: v for k, v in row.items() if k not in _STAMPS}
        for row in store.query("SELECT * FROM participants")
    }


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["name", "email", "role", "department", "manager"], *rows])
    return path


def created(store: Store, person_id: int) -> list[dict]:
    """The audit's create rows of a person, oldest first, as its readers see them."""
    entries = audit_entries(store, AuditFilter(entity="participants", entity_id=person_id))
    return [e.after for e in reversed(entries) if e.action == "create"]


def as_read(store: Store, done: Change) -> Change:
    """The change an undo or redo returned, checked against the same change read back whole."""
    again = read_change(store, done.change_id)
    assert again is not None and again.rows and not done.rows
    assert vars(done) == {**vars(again), "rows": []}
    return done


def round_trip(store: Store) -> tuple[dict, dict, dict]:
    """Undo the last change and redo it; return the people after the change, the undo, the redo."""
    after = people(store)
    as_read(store, undo(store))
    undone = people(store)
    as_read(store, redo(store))
    return after, undone, people(store)


# Managers both before and after the people they manage in the file, a chain three deep,
# and a manager who was in the programme before the import.
NEW_ONLY = [
    ["Ann Early", "ann@example.org", "mentee", "Claims", "zed@example.org"],
    ["Zed Later", "zed@example.org", "mentor", "IT", "boss@example.org"],
    ["Yan Below", "yan@example.org", "mentee", "Claims", "ann@example.org"],
    ["Xia Top", "xia@example.org", "mentor", "Legal", ""],
    ["Wes Under", "wes@example.org", "mentee", "Legal", "xia@example.org"],
]


def test_undo_and_redo_of_an_import_of_new_people_keep_every_manager(programme: Programme, tmp_path: Path) -> None:
    store = programme.store
    boss = create_participant(store, {"name": "Old Boss", "role": "mentor", "email": "boss@example.org"})
    before = people(store)
    import_file(store, write_csv(tmp_path / "people.csv", NEW_ONLY))
    after, undone, redone = round_trip(store)
    assert undone == before
    assert redone == after
    by_name = {p["name"]: p for p in after.values()}
    assert by_name["Ann Early"]["manager_id"] == by_name["Zed Later"]["id"]
    assert by_name["Zed Later"]["manager_id"] == boss.id
    assert by_name["Yan Below"]["manager_id"] == by_name["Ann Early"]["id"]
    # The undo's removal rows record each person as they were, managers included.
    removed = {
        row["entity_id"]: row["before"]
        for row in store.query(
            "SELECT entity_id, json_extract(before, '$.manager_id') AS before FROM audit WHERE action = 'delete'"
        )
    }
    assert removed == {pid: p["manager_id"] for pid, p in after.items() if pid != boss.id}
    # And undo, then redo, again: the same rows each time.
    again = round_trip(store)
    assert again == (after, before, after)


def test_undo_and_redo_of_a_mixed_import_keep_managers_of_people_there_before(
    programme: Programme, tmp_path: Path
) -> None:
    """The file also moves someone already here under a new person (linked after the inserts)."""
    store = programme.store
    boss = create_participant(store, {"name": "Old Boss", "role": "mentor", "email": "boss@example.org"})
    kim = create_participant(
        store, {"name": "Kim Kept", "role": "mentee", "email": "kim@example.org", "manager_id": boss.id}
    )
    before = people(store)
    import_file(
        store,
        write_csv(
            tmp_path / "people.csv", [*NEW_ONLY, ["Kim Kept", "kim@example.org", "mentee", "", "yan@example.org"]]
        ),
    )
    after = people(store)
    yan = next(pid for pid, p in after.items() if p["name"] == "Yan Below")
    assert after[kim.id]["manager_id"] == yan
    after, undone, redone = round_trip(store)
    assert undone == before  # Kim reports to Old Boss again
    assert redone == after  # and to Yan once more
    for pid, person in after.items():
        if pid not in before:
            assert created(store, pid)[-1]["manager_id"] == person["manager_id"]  # the redo's create rows
            assert created(store, pid)[0]["import"] == "people.csv"  # the import's, as it added them


def test_undo_of_an_import_is_refused_while_someone_outside_it_reports_to_an_imported_person(
    programme: Programme, tmp_path: Path
) -> None:
    """Undo takes back only the import: Lou, set to report to Xia since, would silently lose
    their manager to the foreign key's cascade, so the undo is refused, naming both."""
    store = programme.store
    lou = create_participant(store, {"name": "Lou Later", "role": "mentee"})
    import_file(store, write_csv(tmp_path / "people.csv", NEW_ONLY[3:5]))
    xia = store.scalar("SELECT id FROM participants WHERE name = 'Xia Top'")
    with Store(store.path, actor="someone-else") as other, other.write() as writer:
        writer.update("participants", lou.id, lou.version, {"manager_id": xia})
    before = people(store)
    with pytest.raises(UndoError, match="cannot be taken back: Lou Later reports to Xia Top since"):
        undo(store)
    assert people(store) == before


def test_a_redo_whose_manager_was_removed_since_is_refused_naming_them(programme: Programme, tmp_path: Path) -> None:
    store = programme.store
    with Store(store.path, actor="someone-else") as other:
        with other.write() as writer:
            writer.insert(Participant(name="Old Boss", role="mentor", email="boss@example.org"))
        import_file(store, write_csv(tmp_path / "people.csv", NEW_ONLY[1:2]))  # Zed, managed by Old Boss
        undo(store)
        undo(other)  # Old Boss removed: nobody reports to them now
    with pytest.raises(
        UndoError, match="cannot be taken back: Zed Later no longer fits: its manager Old Boss was removed since"
    ):
        redo(store)
    assert people(store) == {}
    assert last_redoable(store).kind == "undo"  # nothing was written: still there to redo


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_scrambled_imports_undone_and_redone_come_back_row_for_row(
    programme: Programme, tmp_path: Path, seed: int
) -> None:
    """Seeded files: managers anywhere in the file, chains, loops (A manages B, B manages A),
    people already here moved under new people (on odd seeds). The oracle is the table itself:
    undo gives back the rows as before the import, redo the rows as after it, and each removal
    row records the person as the import left them."""
    rng = random.Random(seed)
    store = programme.store
    known = [
        create_participant(store, {"name": f"Known {n}", "role": "mentor", "email": f"k{n}@example.org"})
        for n in range(4)
    ]
    emails = [f"p{n}@example.org" for n in range(40)]
    rows = [
        [f"Person {n}", email, rng.choice(["mentor", "mentee"]), rng.choice(["IT", "Legal", ""]), ""]
        for n, email in enumerate(emails)
    ]
    for row in rows:
        row[4] = rng.choice([*emails, *emails, "k0@example.org", "k1@example.org", ""])
        if row[4] == row[1]:
            row[4] = ""
    if seed % 2:
        rows += [[p.name, p.email, "mentor", "", rng.choice(emails)] for p in known[:2]]
    rng.shuffle(rows)
    before = people(store)
    _plan, summary = import_file(store, write_csv(tmp_path / "people.csv", rows), add_duplicates=True)
    assert summary.written, summary
    after = people(store)
    assert sum(p["manager_id"] is not None for p in after.values()) > 30
    assert round_trip(store) == (after, before, after)
    removed = dict(
        store.query_tuples(
            "SELECT entity_id, json_extract(before, '$.manager_id') FROM audit WHERE action = 'delete' ORDER BY id"
        )
    )
    assert removed == {pid: p["manager_id"] for pid, p in after.items() if pid not in before}
    assert store.scalar("PRAGMA foreign_key_check") is None


def test_the_change_an_undo_returns_is_the_change_read_back(programme: Programme) -> None:
    """Edits, settings (several keys, one audit row each), a person added: each undone and redone."""
    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor"})
    with store.write() as writer:
        writer.set_setting("sessions_per_pair", 5)
        writer.set_setting("session_weeks", 3)
    update_participant(store, ann.id, ann.version, {"name": "Ann Byrne", "department": "Legal"})
    for _ in range(3):
        as_read(store, undo(store))
    for _ in range(3):
        as_read(store, redo(store))
