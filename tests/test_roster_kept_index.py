"""The roster index kept up to date row by row (participant_changes) searches like a fresh build."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from rmtui.db.sqlite import sqlite3
from rmtui.search import KeptRosterIndex, RosterIndex

QUERIES = ["", "jo", "smith", "ana fin", "dept:fin", "role:mentor ch", "level:>=5 a", "zyxwv", "qqnew", "lee"]
SORTS = [None, "name", "level", "department", "status"]

WORDS = ["Lee", "Ana", "Qqnew", "Smith", "Joan", "Finance", "Claims", "Chess", "Zed", "Émile", "O'Brien", "42"]


def results(index: RosterIndex) -> list:
    """Everything a roster shows for a set of queries and sorts."""
    out = []
    for query in QUERIES:
        for sort in SORTS:
            for descending in (False, True):
                result = index.search(query, sort=sort, descending=descending)
                out.append((query, sort, descending, result.total,
                            [result.row(i) for i in range(result.total)],
                            [result.name_spans(i) for i in range(min(result.total, 5))]))
    return out


def random_edit(conn: sqlite3.Connection, rng: random.Random) -> None:
    ids = [row[0] for row in conn.execute("SELECT id FROM participants")]
    kind = rng.choice(["name", "title", "department", "level", "hobbies", "status", "insert", "delete", "noise"])
    target = rng.choice(ids)
    word = rng.choice(WORDS) + (str(rng.randrange(100)) if rng.random() < 0.3 else "")
    if kind == "name":
        conn.execute("UPDATE participants SET name = ? WHERE id = ?", (f"{word} {rng.choice(WORDS)}", target))
    elif kind == "title":
        conn.execute("UPDATE participants SET job_title = ? WHERE id = ?", (f"Head of {word}", target))
    elif kind == "department":
        conn.execute("UPDATE participants SET department = ? WHERE id = ?", (word, target))
    elif kind == "level":
        conn.execute("UPDATE participants SET level = ? WHERE id = ?", (rng.choice([None, 1, 5, 9, 12]), target))
    elif kind == "hobbies":
        conn.execute("UPDATE participants SET hobbies = ? WHERE id = ?", (json.dumps([word, "running"]), target))
    elif kind == "status":
        conn.execute("UPDATE participants SET status = ? WHERE id = ?", (rng.choice(["active", "alumni"]), target))
    elif kind == "insert":
        conn.execute(
            "INSERT INTO participants (name, role, job_title, department, level, hobbies, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, '2026-11-20', '2026-11-20')",
            (f"{word} Newcomer", rng.choice(["mentor", "mentee"]), f"{word} lead", rng.choice(WORDS), 5, "[]"),
        )
    elif kind == "delete":
        conn.execute("DELETE FROM participants WHERE id = ?", (target,))
    else:  # a column the roster does not show: logged by no trigger
        conn.execute("UPDATE participants SET capacity = capacity + 1 WHERE id = ?", (target,))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kept_index_after_random_edits_equals_a_fresh_build(demo_programme, db_path: Path, seed: int) -> None:
    store = demo_programme.store
    kept = KeptRosterIndex()
    kept.build(store)
    assert kept.reread is None  # the first build reads everyone
    rng = random.Random(seed)
    other = sqlite3.connect(str(db_path), isolation_level=None)  # another coordinator's connection
    try:
        for _round in range(6):
            for _ in range(rng.randrange(1, 6)):
                random_edit(other, rng)
            index = kept.build(store)
            assert kept.reread is not None and kept.reread <= 5  # only the people changed were read
            assert results(index) == results(RosterIndex.from_store(store))
    finally:
        other.close()


def test_nothing_changed_returns_the_same_index(demo_programme) -> None:
    kept = KeptRosterIndex()
    first = kept.build(demo_programme.store)
    assert kept.build(demo_programme.store) is first
    assert kept.reread == 0


def test_a_log_gone_backwards_rebuilds_the_whole_index(demo_programme, db_path: Path) -> None:
    """A restore (or a demo rebuilt in place) takes the change log back: everything is read again."""
    store = demo_programme.store
    kept = KeptRosterIndex()
    kept.build(store)
    other = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        other.execute("UPDATE participants SET name = 'Renamed Quentin' WHERE id = (SELECT min(id) FROM participants)")
        kept.build(store)
        assert kept.reread == 1
        # As a restore of an older copy leaves it: fewer revisions than seen, other data.
        other.execute("DELETE FROM participant_changes WHERE rev > (SELECT max(rev) - 3 FROM participant_changes)")
        other.execute("UPDATE participants SET name = 'Restored Quilla' WHERE id = (SELECT max(id) FROM participants)")
    finally:
        other.close()
    index = kept.build(store)
    assert kept.reread is None
    assert results(index) == results(RosterIndex.from_store(store))


def test_a_replaced_log_with_as_many_revisions_rebuilds_too(demo_programme, db_path: Path) -> None:
    """Same top revision count but another history (the entry last seen is not there): full read."""
    store = demo_programme.store
    kept = KeptRosterIndex()
    kept.build(store)
    other = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        top = other.execute("SELECT max(rev) FROM participant_changes").fetchone()[0]
        other.execute("DELETE FROM participant_changes WHERE rev = ?", (top,))
        other.execute("UPDATE participants SET department = 'Quorum' WHERE id = (SELECT min(id) FROM participants)")
        other.execute("UPDATE participants SET department = 'Quorum' WHERE id = (SELECT max(id) FROM participants)")
    finally:
        other.close()
    kept.build(store)
    assert kept.reread is None


def test_a_large_change_rebuilds_instead_of_updating(demo_programme, db_path: Path, monkeypatch) -> None:
    import rmtui.search.kept as kept_module

    monkeypatch.setattr(kept_module, "REBUILD_MIN", 3)
    monkeypatch.setattr(kept_module, "REBUILD_SHARE", 0.01)
    store = demo_programme.store
    kept = KeptRosterIndex()
    kept.build(store)
    other = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        other.execute("UPDATE participants SET job_title = 'Everyone New' WHERE id % 2 = 0")
    finally:
        other.close()
    index = kept.build(store)
    assert kept.reread is None
    assert results(index) == results(RosterIndex.from_store(store))


# -- chains of updates on an index whose query words are cached ---------------------------------

FIRST = ["Ana", "Anna", "Ánna", "Ben", "Cy", "Dora", "Émile", "Zoë", "Lee", "O'Brien", "Jo"]
LAST = ["Smith", "Smyth", "Nuñez", "Garcia", "Lee", "Okoro", "Krawczyk", "Q" + "x" * 30, "42", "Van der Berg"]
DEPARTMENTS = ["Finance", "Claims", "IT", "Risk", "", None]
CACHED_QUERIES = ["", "an", "smith", "nunez", "lee ok", "krawc", "qxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "42", "chess",
                  "role:mentor an", "dept:fin sm", "level:>=5", "xq", "zz"]


def person(person_id: int, rng: random.Random) -> tuple:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() > 0.05 else ""
    return (person_id, name, f"{name.split(' ')[0].lower() or 'x'}{person_id}@example.org" if rng.random() > 0.2 else None,
            rng.choice(["mentor", "mentee"]), rng.choice(["Analyst", "Head of Chess", "Engineer 2", None]),
            rng.choice([None, 1, 3, 5, 9, 12, rng.randrange(100)]), rng.choice(DEPARTMENTS),
            rng.choice(["Retail", "Wealth", None]), rng.choice(["active", "alumni", "paused"]),
            json.dumps(rng.sample(["chess", "running", "jazz", "go", "x" * rng.randrange(1, 40)], 2)), "[]")


def same_searches(updated: RosterIndex, fresh: RosterIndex) -> None:
    # The scores carried over to the updated index are the ones a fresh index computes.
    carried = list(updated._token_cache.items())
    assert carried  # the words searched last were handed on
    for token, best in carried:
        assert np.array_equal(best, fresh._full_best(token)), token
    assert results(updated) == results(fresh)
    for query in CACHED_QUERIES:
        for sort in (None, "name", "level", "department"):
            assert updated.search(query, sort=sort).order.tolist() == fresh.search(query, sort=sort).order.tolist()


@pytest.mark.parametrize("side_max", [2, 2048])
@pytest.mark.parametrize("seed", range(8))
def test_a_chain_of_updates_searches_like_a_fresh_build(seed: int, side_max: int, monkeypatch) -> None:
    """Edits (names, renames keeping the order key, levels, departments), additions (between
    and after the others) and removals, applied one batch at a time to an index whose query
    words were just searched (so their cached scores are carried over): each updated index
    answers every query, sort and cached word exactly as an index built afresh. Edited
    people's terms are kept apart from the postings, which are laid out again when more than
    ``side_max`` people are apart (and before people are added or removed)."""
    import rmtui.search.build as build

    monkeypatch.setattr(build, "SIDE_MAX", side_max)
    rng = random.Random(seed)
    table = {i: person(i, rng) for i in range(2, 160, 2)}
    index = RosterIndex.from_rows(sorted(table.values()))
    for _round in range(10):
        for query in rng.sample(CACHED_QUERIES, len(CACHED_QUERIES)):  # which words are newest varies
            index.search(query)
        rows, removed = [], []
        for _ in range(rng.choice([1, 1, 1, 2, 5])):
            kind = rng.choice(["edit", "edit", "same key", "add", "remove"])
            ids = sorted(table)
            if kind == "edit" and ids:
                row = person(rng.choice(ids), rng)
            elif kind == "same key" and ids:  # the same name as far as ordering goes: another case
                old = table[rng.choice(ids)]
                row = (old[0], (old[1] or "").upper(), *old[2:4], "Chess Master", *old[5:])
            elif kind == "add":
                row = person(rng.choice([rng.randrange(1, 170), max(ids, default=0) + 1]), rng)
            else:
                if ids:
                    gone = rng.choice(ids)
                    removed.append(gone)
                    table.pop(gone)
                continue
            table[row[0]] = row
            rows.append(row)
        rows = [r for r in rows if r[0] in table and table[r[0]] is r]  # the last word on an id wins
        index = index.with_changes(rows, removed)
        same_searches(index, RosterIndex.from_rows(sorted(table.values())))


async def test_other_processes_edits_update_the_open_roster_without_a_full_build(
    demo_programme, db_path: Path
) -> None:
    """Another coordinator's process renames one person three times: the open roster shows
    each name, reading that one person each time, and never builds its index again."""
    import asyncio
    import subprocess
    import sys

    from conftest import settled

    from rmtui.app import RmtuiApp

    writer = Path(__file__).with_name("writer_process.py")
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("slash")
        for character in "livetest":
            await pilot.press(character)
        screen = await settled(pilot)
        assert screen.kept.full_builds == 1
        person = int(demo_programme.store.scalar("SELECT min(id) FROM participants"))
        for n in range(1, 4):
            name = f"Livetest Run{n:04d}"
            child = subprocess.run(
                [sys.executable, str(writer), "set", str(db_path), "coordinator", "participants", str(person), "name", name],
                capture_output=True, text=True, timeout=120,
            )
            assert child.returncode == 0, child.stderr
            for _ in range(500):
                await asyncio.sleep(0.02)
                result = screen.result
                if result is not None and result.total and result.row(0).name == name and not screen.index_building:
                    break
            await pilot.pause()
            assert screen.result.total == 1 and screen.result.row(0).name == name
            assert screen.kept.reread == 1
        assert screen.kept.full_builds == 1
