"""The fast import writes what a person-by-person import would: same people, audit, change log.

The import checks each row with parsers built once per file (``field_parser``), inserts new
people a chunk at a time through a staged INSERT … SELECT (each row staged as the columns
its file gave, the rest from the staging table's defaults), and has SQLite write each new
person's audit row, short (the values are filled in when read); it remembers repeated cells
and the JSON of each tag it has seen. These tests hold that to independent expectations:
the form's own checker, ``json.dumps`` of the stored row (what the import wrote whole
before), the export of the source programme.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from rmtui.audit_log import audit_entries, describe_change, describe_full
from rmtui.clock import FixedClock
from rmtui.csv_export import export_participants
from rmtui.csv_import import import_file
from rmtui.db import Participant
from rmtui.db.import_audit import fill_imported
from rmtui.db.sqlite import sqlite3
from rmtui.demo import build_demo
from rmtui.intake import (
    PROFILE_FIELDS,
    FieldError,
    create_participant,
    field_parser,
    parse_field,
    update_participant,
    withdraw_participant,
)
from rmtui.pairing import propose_pair
from rmtui.programme import Programme
from rmtui.undo import UndoConflictError, UndoError, read_change, redo, take_back, undo
from rmtui.waves import add_wave

RAW_VALUES = [
    None, "", "   ", "Ann Lee", "  padded  ", "mentor", "MENTEE", "chef", "applicant", "Alumni", "x",
    "3", "3.0", "3.5", "13", "-1", "0", "10", "11", "yes", "No", "maybe", "2021-03-15", "2021-02-30", "15/03/2021",
    "Europe/London", "Mars/Base", "ann@example.org", "not an email", "a@b", "chess, jazz; chess", "a;b\nc", "a\tb",
    "x" * 201, "x" * 20_001, ";".join(f"t{n}" for n in range(21)), ";".join(["y" * 201, "short"]),
    "generation: Gen Z; gender: female", "no colon here", "line one\nline two", "zero\u200bwidth", "\x07bell",
    "[bold]markup[/]", "Zoë Müller – “quoted” \\ back", "emoji 🎉", "=SUM(A1)", "\u2028sep",
]


def _outcome(parse, raw) -> tuple[str, object]:
    try:
        return "value", parse(raw)
    except FieldError as error:
        return "error", str(error)


@pytest.mark.parametrize("name", [f for f in PROFILE_FIELDS if f != "manager_id"])
def test_a_fields_parser_gives_parse_fields_value_or_its_sentence(name: str) -> None:
    levels = (2, 11)
    parse = field_parser(name, levels)
    for raw in RAW_VALUES:
        assert _outcome(parse, raw) == _outcome(lambda r: parse_field(name, r, levels), raw), (name, raw)


def _rows(path: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def _expected_create(person: dict, source: str) -> str:
    """The audit ``after`` of someone imported: the row as added (no manager yet, version 1),
    without the sensitive attributes, then id and the file's name; as json.dumps writes it."""
    columns = [c for c in Participant(name="x", role="mentee").to_row() if c not in ("id", "attributes")]
    record = {c: person[c] for c in columns}
    record.update(manager_id=None, version=1, id=person["id"])
    record["import"] = source
    return json.dumps(record, ensure_ascii=False)


def _as_read(path: Path, rows: list[dict]) -> list[dict]:
    """Return audit rows as the audit's readers see them: an import's short create rows filled in."""
    read = [{**row, "after": json.loads(row["after"])} for row in rows]
    conn = sqlite3.connect(path)
    try:
        fill_imported(conn, read)
    finally:
        conn.close()
    return read


def _check_imported(path: Path, source: Path, people: int) -> list[dict]:
    """Check the audit and change log of a fresh import of ``people``; return the people."""
    stored = _rows(path, "SELECT * FROM participants ORDER BY id")
    assert len(stored) == people
    audit = _rows(path, "SELECT * FROM audit WHERE entity = 'participants' ORDER BY id")
    creates, links = audit[:people], audit[people:]
    managed = [p for p in stored if p["manager_id"] is not None]
    assert [a["action"] for a in creates] == ["create"] * people and [a["action"] for a in links] == ["update"] * len(managed)
    assert len({a["change_id"] for a in audit}) == 1 and audit[0]["change_id"] == audit[0]["id"]
    for person, row in zip(stored, creates, strict=True):
        assert (row["entity_id"], row["label"], row["before"]) == (person["id"], person["name"], None)
        assert row["after"] == json.dumps({"id": person["id"], "import": source.name}, ensure_ascii=False)  # short
    for person, row in zip(stored, _as_read(path, creates), strict=True):  # read whole, as the import once wrote it
        assert json.dumps(row["after"], ensure_ascii=False) == _expected_create(person, source.name)
    for person, row in zip(managed, links, strict=True):  # file order, after every create
        assert (row["entity_id"], row["label"]) == (person["id"], person["name"])
        assert (row["before"], row["after"]) == ('{"manager_id": null}', json.dumps({"manager_id": person["manager_id"]}))
        assert person["version"] == 2
    assert all(p["version"] == 1 for p in stored if p["manager_id"] is None)
    changes = _rows(path, "SELECT participant_id FROM participant_changes ORDER BY rev")
    assert [c["participant_id"] for c in changes] == [p["id"] for p in stored]
    return stored


def test_a_demo_programme_round_trips_through_export_and_import(tmp_path: Path) -> None:
    clock = FixedClock.on("2026-11-20")
    demo = Programme.open(tmp_path / "demo.db", clock, actor="coordinator")
    build_demo(demo.store, people=240, today=demo.today())
    first = tmp_path / "people.csv"
    export_participants(demo.store, first)
    demo.close()
    imported = Programme.open(tmp_path / "imported.db", clock, actor="coordinator")
    try:
        _plan, summary = import_file(imported.store, first)
        assert str(summary) == "240 new, 0 updated, 0 unchanged, 0 rejected"
        stored = _check_imported(tmp_path / "imported.db", first, 240)
        assert sum(p["manager_id"] is not None for p in stored) > 100  # the demo's managers, linked
        again = tmp_path / "again.csv"
        export_participants(imported.store, again)
        assert again.read_bytes() == first.read_bytes()
        undo(imported.store)  # the import is one change: undone, nobody is left
        assert imported.store.scalar("SELECT count(*) FROM participants") == 0
    finally:
        imported.close()


def test_awkward_text_is_audited_byte_for_byte_as_json_dumps_writes_it(programme: Programme, tmp_path: Path) -> None:
    source = tmp_path / "awkward.csv"
    rows = [
        ["name", "email", "role", "manager", "experience", "hobbies", "team", "level", "consent", "status"],
        ["Zoë \"Zo\" Müller", "zoe@example.org", "mentor", "bo@example.org", "line one\nline two \\ back", "chess, jazz", "R&D – “core”", "", "yes", ""],
        ["Bo Chen", "BO@example.org", "mentee", "", "emoji 🎉 and \u2028 and \u00a0", "", "[bold]markup[/]", "7", "no", "active"],
        ["O'Brien", "", "mentee", "zoe@example.org", "tab\there", "a; b; a", "x" * 200, "12", "", "alumni"],
        ["Ann", "ann@example.org", "mentor", "ann@example.org", "", "", "", "1", "", ""],
    ]
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    cache = programme.store.conn.execute("PRAGMA cache_size").fetchone()[0]
    _plan, summary = import_file(programme.store, source)
    assert str(summary) == "4 new, 0 updated, 0 unchanged, 0 rejected"
    assert programme.store.conn.execute("PRAGMA cache_size").fetchone()[0] == cache  # the import's larger cache is given back
    stored = _check_imported(programme.store.path, source, 4)
    assert [p["manager_id"] for p in stored] == [2, None, 1, None]  # a later row, an earlier one; never oneself
    assert stored[0]["past_experience"] == "line one\nline two \\ back" and stored[0]["hobbies"] == '["chess", "jazz"]'


def test_remembered_cells_give_each_row_the_forms_values_and_errors(programme: Programme, tmp_path: Path) -> None:
    """The import remembers the value of a cell it has parsed (per column, for columns whose
    cells repeat) and the JSON of each tag of a list column: every row, its first cell or a
    repeat, before the first chunk's verdict on a column and after it, must still get
    check_profile's values and error sentences."""
    from rmtui.csv_import import READ_CHUNK, plan_import
    from rmtui.intake import check_profile, programme_levels

    fields = ["name", "email", "role", "level", "department", "joined_on", "hobbies", "competencies", "status", "capacity", "consent_share", "current_role"]
    levels = ["3", "13", "x", "7", ""]  # 13 and x are wrong, again and again
    # Tags are remembered one by one: cells of known tags repeated, too many, blank, too long, unprintable.
    tag_cells = [
        "a;b", " c ;a", "a;;b", ";".join(f"t{k}" for k in range(11)), ";".join(f"t{k}" for k in range(10, 21)),
        ";".join(f"t{k}" for k in range(21)), "c;c", " a; c ;b ", "tab\there;a", "y" * 201 + ";a", "Ab;ab", "", "b ; a",
    ]
    dates = ["2021-03-15", "2021-02-30", "", "15/03/2021"]
    rows = [
        [
            ["Ann Lee", "  Bo  ", "", "x" * 201][n % 4] if n % 7 else f"Person {n}",
            f"p{n}@example.org" if n % 11 else "not an email",
            ["mentor", "MENTEE", "chef"][n % 3],
            levels[n % 5],
            ["Claims", "R&D – “core”", "x" * 201][n % 3],
            dates[n % 4],
            ["chess, jazz; chess", "", ";".join(f"t{k}" for k in range(21))][n % 3] if n % 2 else f"tag{n}; other",
            f"{tag_cells[n % len(tag_cells)]};p{n % 50};q{n // 50 % 50}",  # whole cells rarely repeat, tags do
            ["", "active", "gone"][n % 3],
            ["", "2", "-1"][n % 3],
            ["yes", "maybe", ""][n % 3],
            f"unique statement {n}",  # never repeats: the column is parsed plainly after the first chunk
        ]
        for n in range(READ_CHUNK * 2 + 300)
    ]
    source = tmp_path / "repeats.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([fields, *rows])
    plan = plan_import(programme.store, source)
    bounds = programme_levels(programme.store)
    assert len(plan.rows) == len(rows)
    for row, cells in zip(plan.rows, rows, strict=True):
        given = {f: c for f, c in zip(fields, cells, strict=True) if not (f in ("status", "capacity") and not c.strip())}
        expected = check_profile(given, bounds)
        assert [(e.column, e.message) for e in row.errors] == list(expected.errors.items()), row.line
        if not row.errors:
            assert row.values == expected.values, row.line


@pytest.mark.parametrize("name", ["current_role", "competencies", "hobbies", "interests"])
def test_a_list_cell_of_remembered_tags_is_what_its_parser_gives(name: str) -> None:
    from rmtui.csv_import import _tags_column_parser

    parse = field_parser(name)
    run = _tags_column_parser(name, parse)
    tags = ["a", " b", "c ", "Zoë", "x" * 200, "x" * 201, "tab\there", "", " ", "A", "emoji 🎉", "q\"uote"]
    cells = [*RAW_VALUES[1:], *(";".join(tags[k] for k in range(start, start + width) if k < len(tags))
                                for width in (1, 2, 3, 5) for start in range(len(tags)))]
    cells += [";".join(f"t{k}" for k in range(11)), ";".join(f"t{k}" for k in range(10, 21)), ";".join(f"t{k}" for k in range(21)),
              "a;a", "a, b;a", "b;a", "a;b;a", ",".join(f"t{k}" for k in range(20)), ",".join(f"t{k}" for k in range(21))]
    for raw in cells * 2:  # the second time round, every tag that can be is remembered
        expected = _outcome(parse, raw)
        if expected[0] == "value":
            expected = ("value", json.dumps(expected[1], ensure_ascii=False))
        assert _outcome(run, raw) == expected, (name, raw)


# -- the column-wise check: every cell of a column at once, as the form checks one ---------

TAG_CELLS = [
    "a; b; c", "a;b;c", "a ;b", "a;  b", ";a", "a;", "a;;b", " a; b", "a; b ", "a; a", "A; a", "chess, jazz; chess",
    "chess,jazz", "x" * 201 + "; b", "; ".join(f"t{k}" for k in range(20)), "; ".join(f"t{k}" for k in range(21)),
    'say "hi"; b', "back\\slash; b", "tab\there; b", "line\nbreak; b", "Zoë; 🎉", "\u200bzero; b", "   ", "",
    "x" * 200, "; ".join(["y" * 150, "z" * 150]), "a\u3000; b", "\xa0a; b",
]


def _column_outcomes(name: str, cells: list[str], size: int = 7) -> list[tuple[str, object]]:
    from rmtui.csv_import import _ABSENT, _REJECTED, _ColumnCheck

    check = _ColumnCheck(name, (2, 11))
    outcomes: list[tuple[str, object]] = []
    for start in range(0, len(cells), size):  # chunks (of seven): the memory of repeated cells is used across chunks
        values, errors = check.run(cells[start : start + size])
        for at, value in enumerate(values):
            assert (value is _REJECTED) == (at in errors)
            outcomes.append(("error", errors[at]) if at in errors else ("absent", None) if value is _ABSENT else ("value", value))
    return outcomes


@pytest.mark.parametrize("name", [f for f in PROFILE_FIELDS if f != "manager_id"])
def test_a_columns_check_gives_each_cell_the_forms_value_or_sentence(name: str) -> None:
    """The column-wise check (quick passes over a chunk's column, the parser for the cells
    they cannot vouch for) against the form's parser, one cell at a time."""
    from rmtui.intake import to_column

    cells = [raw for raw in RAW_VALUES if raw is not None] + TAG_CELLS
    cells = cells + cells[::-1] + ["mentor"] * 9 + ["3"] * 5  # repeats, in and across chunks
    expected: list[tuple[str, object]] = []
    for raw in cells:
        if name in ("status", "capacity") and not raw.strip():
            expected.append(("absent", None))
            continue
        outcome = _outcome(lambda r: parse_field(name, r, (2, 11)), raw)
        expected.append(("value", to_column(name, outcome[1])) if outcome[0] == "value" else outcome)
    assert _column_outcomes(name, cells) == expected


@pytest.mark.parametrize("name", ["current_role", "development_goals", "competencies", "hobbies", "interests"])
def test_a_list_column_of_printable_cells_gets_each_cells_parsed_value_or_sentence(name: str) -> None:
    """Seeded cells of one printable line (the quick pass over a whole column takes them: no
    quote, backslash or line break) made of odd pieces: blank, padded, repeated, too many or
    too long tags, commas, blank cells, at the start and end of a chunk; in chunks of many
    sizes, each cell must get what the form's parser gives it."""

    from rmtui.intake import to_column

    pieces = ["a", "b", "A", "Zoë", "🎉", " ", "  ", ";", "; ", " ;", ",", ", ", ";;", "x" * 199, "y" * 201, "t1", "t2"]
    rng = random.Random(14)
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    cells += [";".join(f"t{k}" for k in range(count)) for count in (19, 20, 21, 25)] + [",".join(f"t{k}" for k in range(21))]
    cells += ["; ".join(["z" * 150, "w" * 150]), " ", ";", "", "a;a", "a; b; a"]
    expected: list[tuple[str, object]] = []
    for raw in cells:
        outcome = _outcome(lambda r: parse_field(name, r), raw)
        expected.append(("value", to_column(name, outcome[1])) if outcome[0] == "value" else outcome)
    for size in (1, 2, 7, 64, 500, len(cells)):
        assert _column_outcomes(name, cells, size) == expected, size


def test_a_file_of_odd_rows_gets_the_forms_values_and_errors_row_by_row(programme: Programme, tmp_path: Path) -> None:
    """Short and long rows, exported apostrophes, blank status and capacity, bad dates and
    levels, odd tag lists, a duplicate email, managers defined later, missing or rejected:
    each row's values and errors as check_profile and the file-wide rules give them."""
    from rmtui.csv_import import READ_CHUNK, plan_import
    from rmtui.intake import check_profile, programme_levels

    header = ["name", "email", "role", "status", "capacity", "level", "joined", "hobbies", "goals", "team", "experience", "manager"]
    fields = ["name", "email", "role", "status", "capacity", "level", "joined_on", "hobbies", "development_goals", "team", "past_experience"]
    rows: list[list[str]] = []
    for n in range(READ_CHUNK + 40):
        row = [
            f"Person {n}" if n % 13 else ["", "'=SUM(A1)", "  ", "x" * 201][n % 4],
            f"p{n}@example.org" if n % 17 else ["", "bad", f"P{n - 1}@EXAMPLE.org", "p0@example.org"][n % 4],
            ["mentor", "mentee", "Mentor ", "chef"][n % 4] if n % 5 else "mentee",
            ["", "active", " ", "gone", "alumni"][n % 5],
            ["", "2", "11", "-1", "'+3"][n % 5],
            ["3", "", "13", "x", "4.0"][n % 5],
            ["2021-03-15", "2021-02-30", "", "15/03/2021", "2020-01-01"][n % 5],
            TAG_CELLS[n % len(TAG_CELLS)],
            TAG_CELLS[(n * 7) % len(TAG_CELLS)],
            ["Core", "R&D – “core”", "'-team", "tab\there"][n % 4],
            ["", "Line one\nline two", "plain", "'@home"][n % 4],
            f"p{n + 3}@example.org" if n % 9 == 0 else ["", "nobody@example.org", "p1@example.org", "  "][n % 4] if n % 11 == 0 else "",
        ]
        if n % 23 == 0:
            row = row[: n % 7 + 1]  # a short row: the rest is blank
        elif n % 29 == 0:
            row = [*row, "extra", "cells"]
        rows.append(row)
    source = tmp_path / "odd.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    plan = plan_import(programme.store, source)
    bounds = programme_levels(programme.store)
    rows = [row for row in rows if "".join(row).strip()]  # a blank record is no row
    assert len(plan.rows) == len(rows)
    seen: dict[str, int] = {}
    headers = dict(zip(fields, header, strict=False)) | {"joined_on": "joined", "development_goals": "goals", "past_experience": "experience"}
    for row, cells in zip(plan.rows, rows, strict=True):
        cells = [cell[1:] if cell.startswith("'") and cell not in ("'",) and cell[1:][:1] in "=+-@" else cell for cell in cells]
        cells += [""] * (len(header) - len(cells))
        given = {f: c for f, c in zip(fields, cells, strict=False) if not (f in ("status", "capacity") and not c.strip())}
        expected = check_profile(given, bounds)
        errors = [(headers[f], message) for f, message in expected.errors.items()]
        email = expected.values.get("email") if "email" not in expected.errors else None
        if email:
            if email.casefold() in seen:
                errors.append(("email", f"{email} is also on line {seen[email.casefold()]}."))
            else:
                seen[email.casefold()] = row.line
        assert [(e.column, e.message) for e in row.errors][: len(errors)] == errors, row.line
        assert row.manager == cells[11].strip()
        if not row.errors:
            assert row.values == {**expected.values, "manager_email": cells[11].strip()}, row.line
            assert row.action == "new"
    rest = [e.message for row in plan.rows for e in row.errors if e.column == "manager"]
    assert any("nobody@example.org" in m for m in rest) and any("which is rejected" in m for m in rest)
    by_email = {row.email.casefold(): row for row in plan.rows if row.email}
    later = [row for row in plan.rows if row.manager and (boss := by_email.get(row.manager.casefold())) and boss.line > row.line and not boss.errors]
    assert later and not any(e.column == "manager" for row in later for e in row.errors)  # a manager defined later is found


def test_reimporting_an_edited_export_updates_just_the_edited_rows(tmp_path: Path) -> None:
    """A full-profile export re-imported after edits (a level, hobbies written another way, a
    new manager defined later in the file, a blank status that keeps the stored one): the
    edited people are updated with their changes audited, everyone else is unchanged."""
    clock = FixedClock.on("2026-11-20")
    programme = Programme.open(tmp_path / "p.db", clock, actor="coordinator")
    try:
        build_demo(programme.store, people=120, today=programme.today())
        source = tmp_path / "people.csv"
        export_participants(programme.store, source)
        with source.open(encoding="utf-8-sig", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        at = {name: header.index(name) for name in ("level", "hobbies", "manager_email", "status", "email")}
        rows[3][at["level"]] = str(int(rows[3][at["level"]] or 2) % 9 + 2)
        rows[5][at["hobbies"]] = "chess,jazz ; chess"  # another way of writing two hobbies
        rows[7][at["manager_email"]] = rows[100][at["email"]]  # a manager further down the file
        rows[9][at["status"]] = ""  # blank: keeps the stored status
        edited = tmp_path / "edited.csv"
        with edited.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
        before = {p.email: p for p in programme.store.all(Participant)}
        plan, summary = import_file(programme.store, edited)
        changed = {row.line: set(row.changes) for row in plan.rows if row.action == "update"}
        assert changed == {5: {"level"}, 7: {"hobbies"}, 9: {"manager_email"}}
        assert str(summary) == "0 new, 3 updated, 117 unchanged, 0 rejected"
        after = {p.email: p for p in programme.store.all(Participant)}
        assert after[rows[5][at["email"]]].hobbies == ["chess", "jazz"]
        assert after[rows[7][at["email"]]].manager_id == after[rows[100][at["email"]]].id
        assert after[rows[9][at["email"]]].status == before[rows[9][at["email"]]].status
        unchanged = [e for e in after if e not in (rows[3][at["email"]], rows[5][at["email"]], rows[7][at["email"]])]
        assert all(after[e].version == before[e].version for e in unchanged)
        again_plan, again = import_file(programme.store, edited)
        assert str(again) == "0 new, 0 updated, 120 unchanged, 0 rejected"
    finally:
        programme.close()


# -- the import's short create rows read as the whole rows it used to write -------------------


def _write_whole(path: Path) -> None:
    """Rewrite each short create row of an import just made as imports used to write it (the row
    as added, json.dumps of it: _expected_create, pinned above when it was the import's own)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            for audit_id, person_id, after in conn.execute(
                "SELECT id, entity_id, after FROM audit WHERE entity = 'participants' AND action = 'create'"
            ).fetchall():
                short = json.loads(after)
                if "name" not in short:
                    person = dict(conn.execute("SELECT * FROM participants WHERE id = ?", (person_id,)).fetchone())
                    conn.execute("UPDATE audit SET after = ? WHERE id = ?", (_expected_create(person, short["import"]), audit_id))
    finally:
        conn.close()


def _odd_export(tmp_path: Path, seed: int, managers: bool = True) -> Path:
    """A demo programme's export, rows scrambled (managers before and after their people), odd
    names; without the managers unless ``managers``."""
    demo = Programme.open(tmp_path / f"demo{seed}.db", FixedClock.on("2026-11-20"), actor="coordinator")
    try:
        build_demo(demo.store, people=90, seed=seed, today=demo.today())
        source = tmp_path / f"people{seed}.csv"
        export_participants(demo.store, source)
    finally:
        demo.close()
    with source.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rng = random.Random(seed)
    rng.shuffle(rows)
    name, manager = header.index("name"), header.index("manager_email")
    for row in rows if not managers else ():
        row[manager] = ""
    for row, odd in zip(rows, ['Zoë "Zo" Müller', "O'Brien \\ back", "emoji 🎉 \u2028 x", "[bold]markup[/]", "Tab\there"], strict=False):
        row[name] = odd
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return source


def _undo_outcome(store, action) -> tuple:
    """What taking a change back did: the people and pairs left, or the refusal in full."""
    try:
        action()
    except UndoConflictError as error:
        return ("conflict", str(error), error.table, error.row_id, error.label, error.changed_by, error.changed_at, error.fields)
    except UndoError as error:
        return ("refused", str(error))
    return ("done", store.query_tuples("SELECT * FROM participants ORDER BY id"), store.query_tuples("SELECT id, mentor_id, mentee_id FROM pairs"))


def _as_seen(store) -> list[tuple]:
    """The whole audit as its readers show it: the entries, each in a line and in full."""
    return [(entry, describe_change(entry), describe_full(entry)) for entry in audit_entries(store)]


def _both(tmp_path: Path, source: Path) -> tuple[Programme, Programme, int]:
    """Two programmes with the same people, then ``source`` imported into each: in the first its
    create rows rewritten whole (as imports wrote them before), in the second as written (short)."""
    opened = []
    for name in ("whole", "short"):
        programme = Programme.open(tmp_path / f"{name}.db", FixedClock.on("2026-11-20"), actor="coordinator")
        with source.open(encoding="utf-8", newline="") as handle:
            emails = [row["email"] for row in csv.DictReader(handle) if row["email"]][:3]
        for n, email in enumerate(emails):  # already here: the import updates them
            create_participant(programme.store, {"name": f"Known {n}", "role": "mentor", "email": email, "level": 2})
        _plan, summary = import_file(programme.store, source)
        assert summary.written and summary.updated == 3
        if name == "whole":
            _write_whole(programme.store.path)
        opened.append(programme)
    change = opened[1].store.scalar("SELECT change_id FROM audit WHERE after LIKE '%\"import\"%' LIMIT 1")
    return opened[0], opened[1], change


@pytest.mark.parametrize("seed", [3, 11])
def test_audit_undo_and_revert_read_short_create_rows_as_the_whole_rows(tmp_path: Path, seed: int) -> None:
    """Later edits, a manager moved, a withdrawal, an edit undone, a re-import, a new person by
    the form: the audit view, the change as read and undoing the import (refused, naming who
    and which fields) are the same over the short rows as over the whole ones."""
    whole, short, change = _both(tmp_path, _odd_export(tmp_path, seed))
    try:
        assert short.store.scalar("SELECT max(length(after)) FROM audit WHERE action = 'create' AND change_id = ?", (change,)) < 60
        rng = random.Random(seed)
        people = [row[0] for row in short.store.query_tuples("SELECT id FROM participants ORDER BY id")][3:]
        edits = [
            (rng.choice(people), {"team": "Night shift"}),
            (rng.choice(people), {"name": "Renamed Person", "level": 9}),
            (rng.choice(people), {"hobbies": ["Chess", "Zoë's jazz"], "department": ""}),
            (rng.choice(people), {"manager_id": rng.choice(people[:10])}),
            (rng.choice(people), {"email": None, "consent_share": False}),
        ]
        for programme in (whole, short):
            store = programme.store
            version = lambda person, store=store: store.scalar("SELECT version FROM participants WHERE id = ?", (person,))  # noqa: E731
            for person, changes in edits:
                update_participant(store, person, version(person), changes)
            undo(store)  # the last edit taken back
            withdraw_participant(store, edits[0][0], version(edits[0][0]), "Moved abroad")
            again = tmp_path / f"again-{programme.store.path.stem}.csv"
            export_participants(store, again)
            with again.open(encoding="utf-8-sig", newline="") as handle:
                header, *rows = list(csv.reader(handle))
            rows[7][header.index("level")] = "11"
            with again.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([header, *rows])
            import_file(store, again)
            create_participant(store, {"name": "By the form", "role": "mentee"})
        assert _as_seen(short.store) == _as_seen(whole.store)
        assert vars(read_change(short.store, change)) == vars(read_change(whole.store, change))
        refused = _undo_outcome(short.store, lambda: take_back(short.store, change))
        assert refused[0] == "conflict" and refused[-1]  # who, and the fields they changed
        assert refused == _undo_outcome(whole.store, lambda: take_back(whole.store, change))
        assert _as_seen(short.store) == _as_seen(whole.store)
    finally:
        whole.close()
        short.close()


@pytest.mark.parametrize("managers", [False, True])
def test_an_import_undone_redone_and_its_ids_reused_reads_the_same(tmp_path: Path, managers: bool) -> None:
    """Undo of the import (its people removed), redo (put back, managers too, whatever their
    order), undo again, then a person added by the form with a
    freed id, the file imported again into the other freed ids: the same over the short rows as
    over the whole ones, and the audit reads the same."""
    source = _odd_export(tmp_path, 5, managers=managers)
    whole, short, change = _both(tmp_path, source)
    try:
        steps = [
            lambda store: take_back(store, change),
            lambda store: redo(store),
            lambda store: undo(store),
            lambda store: create_participant(store, {"name": "Takes a freed id", "role": "mentee"}),
            lambda store: redo(store),  # refused: a new change since the undo
            lambda store: import_file(store, source),  # the other freed ids again, short rows of two imports each
        ]
        outcomes = []
        for step in steps:
            outcomes.append([_undo_outcome(p.store, lambda p=p, step=step: step(p.store)) for p in (whole, short)])
            assert outcomes[-1][0] == outcomes[-1][1]
            assert _as_seen(short.store) == _as_seen(whole.store)
        assert [o[1][0] for o in outcomes] == ["done", "done", "done", "done", "refused", "done"]
        freed = short.store.scalar("SELECT id FROM participants WHERE name = 'Takes a freed id'")
        assert short.store.scalar("SELECT count(*) FROM audit WHERE entity_id = ? AND after LIKE '%\"import\"%'", (freed,)) == 1
        first = [e for e in audit_entries(short.store) if e.entity_id == freed and e.action == "create"][-1]
        assert first.after["name"] != "Takes a freed id" and "role" in first.after  # the imported person, as added
    finally:
        whole.close()
        short.close()


def test_undoing_an_import_is_refused_when_an_imported_person_is_in_a_pair_since(tmp_path: Path) -> None:
    whole, short, change = _both(tmp_path, _odd_export(tmp_path, 7))
    try:
        outcomes = []
        for programme in (whole, short):
            mentor, mentee = (programme.store.scalar(f"SELECT min(id) FROM participants WHERE role = '{role}' AND id > 3")
                              for role in ("mentor", "mentee"))
            wave = add_wave(programme, "Spring", "2026-12-01")
            propose_pair(programme, mentor, mentee, wave.id, override_reason="Agreed with both managers")
            outcomes.append(_undo_outcome(programme.store, lambda p=programme: take_back(p.store, change)))
        assert outcomes[0] == outcomes[1] and "is in a pair added since" in outcomes[1][1]
        assert _as_seen(short.store) == _as_seen(whole.store)
    finally:
        whole.close()
        short.close()
