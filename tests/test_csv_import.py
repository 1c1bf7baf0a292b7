"""CSV import and export: messy HR files, exact messages, one transaction, a lossless round trip."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rmtui.audit_log import AuditFilter, audit_entries
from rmtui.cli import cli
from rmtui.csv_export import export_participants, neutralise
from rmtui.csv_import import ImportFileError, import_file, plan_import, unneutralise
from rmtui.db import ConflictError, Participant
from rmtui.db.sqlite import sqlite3
from rmtui.intake import PROFILE_FIELDS, profile_values
from rmtui.programme import Programme

DATA = Path(__file__).parent / "data" / "csv"


def _people(programme: Programme) -> list[Participant]:
    return programme.store.all(Participant)


def _add(programme: Programme, **fields) -> Participant:
    with programme.store.write() as writer:
        return writer.insert(Participant(**fields))


# -- reading what Excel and HR systems produce -----------------------------------------


def test_bom_semicolons_aliases_and_quoted_line_breaks(programme: Programme) -> None:
    plan, summary = import_file(programme.store, DATA / "bom_semicolons.csv")
    assert str(summary) == "2 new, 0 updated, 0 unchanged, 0 rejected"
    assert (plan.encoding, plan.delimiter) == ("UTF-8 with BOM", ";")
    jose, ann = _people(programme)
    assert jose.name == "José Núñez"  # the BOM did not end up in the first header or value
    assert (jose.email, jose.role, jose.level) == ("jose.nunez@example.org", "mentor", 3)
    assert (jose.line_of_business, jose.department) == ("Technology", "Platform")
    assert jose.hobbies == ["chess", "cycling"]
    assert jose.past_experience == "Built the intranet.\nRuns the hack week."
    assert (ann.role, ann.level, ann.hobbies) == ("mentee", 11, ["sailing"])


def test_windows_1252_with_tabs(programme: Programme) -> None:
    plan, summary = import_file(programme.store, DATA / "cp1252_tabs.csv")
    assert (plan.encoding, plan.delimiter) == ("Windows-1252", "\t")
    assert [(p.name, p.location) for p in _people(programme)] == [("Zoë Müller", "Köln"), ("Renée Faß", "Zürich")]


def test_a_file_without_a_role_column_is_refused_with_the_fix(programme: Programme) -> None:
    with pytest.raises(ImportFileError) as error:
        plan_import(programme.store, DATA / "missing_role.csv")
    assert str(error.value) == "The file has no role column; name one “role” or map it with --map COLUMN=role."


def test_map_names_the_column_for_a_field(programme: Programme, tmp_path: Path) -> None:
    source = tmp_path / "staff.csv"
    source.write_text("Staff,Kind,Staff grade\nAnn Lee,mentee,9\n", encoding="utf-8")
    _, summary = import_file(programme.store, source, column_map={"staff": "name", "KIND": "role", "Staff grade": "level"})
    assert summary.created == 1
    assert (_people(programme)[0].name, _people(programme)[0].level) == ("Ann Lee", 9)


def test_map_to_an_unknown_field_says_which_fields_exist(programme: Programme) -> None:
    with pytest.raises(ImportFileError, match="“shoe” is not a field; fields are name, email"):
        plan_import(programme.store, DATA / "unknown_columns.csv", {"Shoe size": "shoe"})


def test_unknown_columns_are_listed_and_ignored(programme: Programme) -> None:
    plan, summary = import_file(programme.store, DATA / "unknown_columns.csv")
    assert plan.ignored == ["Shoe size", "Favourite colour"]
    assert summary.created == 1


def test_every_bad_row_is_reported_with_line_column_and_reason(programme: Programme) -> None:
    plan, summary = import_file(programme.store, DATA / "messy_rows.csv")
    assert [str(error) for error in plan.errors] == [
        "line 5, column “email”: ANN.LEE@example.org is also on line 2.",
        "line 6, column “level”: Level must be a whole number, not “senior”.",
        "line 7, column “level”: Level must be between 1 and 12, not 15.",
        "line 8, column “start date”: 2023-02-30 is not a real date.",
        "line 9, column “start date”: Write the date as YYYY-MM-DD, like 2021-03-15, not “31/12/2020”.",
        "line 10, column “name”: Name is required.",
        "line 10, column “role”: Role must be mentor or mentee, not “boss”.",
        "line 11, column “email”: “not-an-email” is not an email address like ann.lee@example.org.",
        "line 11, column “manager”: No one in the programme or this file has the email nobody@example.org.",
    ]
    assert str(summary) == "2 new, 0 updated, 0 unchanged, 7 rejected (nothing was saved)"
    assert _people(programme) == []  # all-or-nothing by default


def test_skip_invalid_imports_the_rest_and_writes_rejects_beside_the_file(programme: Programme, tmp_path: Path) -> None:
    source = tmp_path / "messy.csv"
    source.write_bytes((DATA / "messy_rows.csv").read_bytes())
    _, summary = import_file(programme.store, source, skip_invalid=True)
    assert str(summary) == "2 new, 0 updated, 0 unchanged, 7 rejected"
    ann, bo = _people(programme)
    assert bo.name == "Bo Ray"  # a quoted line break in a name becomes a space
    assert bo.manager_id == ann.id
    assert summary.rejects_path == tmp_path / "messy.rejects.csv"
    with summary.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "errors", "name", "email", "role", "level", "start date", "manager"]
    assert [row[0] for row in rows[1:]] == ["5", "6", "7", "8", "9", "10", "11"]
    assert rows[2][1] == "Level must be a whole number, not “senior”."


def test_a_one_megabyte_cell_is_rejected_with_its_size(programme: Programme, tmp_path: Path) -> None:
    source = tmp_path / "essay.csv"
    essay = "word " * 209_715  # 1,048,575 characters
    source.write_text(f'name,role,experience\nAnn Lee,mentee,"{essay}"\n', encoding="utf-8")
    plan, summary = import_file(programme.store, source)
    assert [str(e) for e in plan.errors] == [
        "line 2, column “experience”: Experience is too long: 1,048,574 characters, at most 20,000."
    ]
    assert summary.rejected == 1


def test_terminal_escapes_and_markup_are_cleaned_at_the_door(programme: Programme, tmp_path: Path) -> None:
    source = tmp_path / "escapes.csv"
    source.write_text("name,role,team\n\x1b[31m[b]Ann[/b]\x1b[0m\x07,mentee,Red\x1b]0;pwned\x07 team\n", encoding="utf-8")
    import_file(programme.store, source)
    person = _people(programme)[0]
    assert (person.name, person.team) == ("[b]Ann[/b]", "Red team")


# -- matching people already in the programme ------------------------------------------


def test_existing_people_are_matched_by_email_and_updated_with_audit(programme: Programme, tmp_path: Path) -> None:
    ann = _add(programme, name="Ann Lee", role="mentee", email="Ann.Lee@example.org", level=9, status="active")
    _add(programme, name="Bo Ray", role="mentor", email="bo.ray@example.org", level=2)
    source = tmp_path / "update.csv"
    source.write_text(
        "name,email,role,level,status\n"
        "Ann Lee,ann.lee@EXAMPLE.org,mentee,10,\n"  # blank status keeps "active"
        "Bo Ray,bo.ray@example.org,mentor,2,\n"
        "Cy Dee,cy.dee@example.org,mentee,8,\n",
        encoding="utf-8",
    )
    assert str(plan_import(programme.store, source).rows[0].action) == "update"
    _, summary = import_file(programme.store, source)
    assert str(summary) == "1 new, 1 updated, 1 unchanged, 0 rejected"
    after = programme.store.get(Participant, ann.id)
    assert (after.level, after.status, after.email, after.version) == (10, "active", "Ann.Lee@example.org", 2)
    audit = programme.store.query("SELECT action, before, after FROM audit WHERE entity_id = ? ORDER BY id", (ann.id,))
    assert audit[-1]["action"] == "update"
    assert json.loads(audit[-1]["before"]) == {"level": 9}
    assert json.loads(audit[-1]["after"]) == {"level": 10}


def test_dry_run_reports_and_writes_nothing(programme: Programme) -> None:
    _, summary = import_file(programme.store, DATA / "bom_semicolons.csv", dry_run=True)
    assert str(summary) == "2 new, 0 updated, 0 unchanged, 0 rejected (dry run: nothing was saved)"
    assert _people(programme) == []


# -- one transaction -------------------------------------------------------------------

KILLABLE_IMPORT = """
import sys
from rmtui.clock import FixedClock
from rmtui.csv_import import import_file, plan_import
from rmtui.programme import Programme

programme = Programme.open(sys.argv[1], FixedClock.on("2026-11-20"))
plan = plan_import(programme.store, sys.argv[2])

def progress(done, total):
    print(f"progress {done} {total}", flush=True)
    sys.stdin.readline()  # wait, mid-transaction, for the test to kill us

import_file(programme.store, sys.argv[2], plan=plan, progress=progress)
print("finished", flush=True)
"""


def test_an_import_killed_half_way_leaves_the_database_as_before(programme: Programme, tmp_path: Path) -> None:
    _add(programme, name="Ann Lee", role="mentee", email="ann.lee@example.org")
    before = programme.store.query("SELECT * FROM participants")
    audit_before = programme.store.scalar("SELECT count(*) FROM audit")
    source = tmp_path / "big.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "role", "level"])
        for number in range(20_000):
            writer.writerow([f"Person {number}", f"person{number}@example.org", "mentor" if number % 2 else "mentee", 1 + number % 12])
    child = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_IMPORT, str(programme.store.path), str(source)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONSAFEPATH": "1"},
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    done, total = map(int, line.split()[1:])
    assert 0 < done < total  # some rows are written...
    with sqlite3.connect(programme.store.path, timeout=0) as probe, pytest.raises(sqlite3.OperationalError, match="locked"):
        probe.execute("BEGIN IMMEDIATE")  # ...inside the import's open transaction
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert programme.store.query("SELECT * FROM participants") == before
    assert programme.store.scalar("SELECT count(*) FROM audit") == audit_before
    with sqlite3.connect(programme.store.path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- export ----------------------------------------------------------------------------


def test_formula_like_cells_are_neutralised_and_come_back_exact() -> None:
    for cell in ("=1+1", "+44 20 7946 0000", "-5", "@SUM(A1)", "\tx", "\rx", "'=already", "''", "'plain"):
        assert unneutralise(neutralise(cell)) == cell
    assert neutralise("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert neutralise("'plain") == "'plain"
    assert neutralise("Ann") == "Ann"


def test_export_neutralises_formula_injection(programme: Programme, tmp_path: Path) -> None:
    _add(programme, name="=cmd|' /C calc'!A0", role="mentee", team="@SUM(1+1)", job_title="-2+3", hobbies=["+chess"])
    target = tmp_path / "out.csv"
    export_participants(programme.store, target)
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["team"] == "'@SUM(1+1)"
    assert rows[0]["job_title"] == "'-2+3"
    assert rows[0]["hobbies"] == "'+chess"
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def _tricky_people(programme: Programme) -> None:
    boss = _add(
        programme, name="Maria Schmidt", role="mentee", email="maria@example.org", level=12, status="active",
        line_of_business="Operations", department="Claims", team="North", location="Hartford",
        timezone="America/New_York", joined_on="2001-05-14", consent_share=True,
        current_role=["Runs claims", "Chairs the risk board"], development_goals=["Learn TikTok", "Understand Gen Z"],
        competencies=["Negotiation"], past_experience="20 years in claims.\n\n- led the merger\n=not a formula",
        education="MBA, Wharton", birthplace="Köln", hobbies=["sailing", "opera"], interests=["AI"],
        attributes={"generation": "Gen X"},
    )
    with programme.store.write() as writer:
        writer.insert(Participant(
            name="'=Zed [b]Quote[/b]", role="mentor", email="zed@example.org", level=2, manager_id=boss.id,
            job_title="-Analyst", hobbies=["@home brewing", "'quoted"], capacity=2, status="applicant",
            past_experience="", attributes={},
        ))
        writer.insert(Participant(name="No Email", role="mentor", level=1))


def test_export_then_import_is_lossless(programme: Programme, tmp_path: Path, clock) -> None:
    _tricky_people(programme)
    first = tmp_path / "first.csv"
    export_participants(programme.store, first, include_sensitive=True)
    copy = Programme.open(tmp_path / "copy.db", clock, actor="coordinator")
    try:
        _, summary = import_file(copy.store, first)
        assert str(summary) == "3 new, 0 updated, 0 unchanged, 0 rejected"
        original = [profile_values(p) for p in _people(programme)]
        imported = [profile_values(p) for p in _people(copy)]
        assert imported == original
        second = tmp_path / "second.csv"
        export_participants(copy.store, second, include_sensitive=True)
        assert second.read_bytes() == first.read_bytes()
        _, again = import_file(copy.store, second)
        # The person without an email cannot be matched: they would be added again, so the
        # import stops and says so (the form's duplicate rule) until told to add them anyway.
        assert str(again) == "1 new, 0 updated, 2 unchanged, 0 rejected, 1 of the new likely already here (nothing was saved)"
        _, anyway = import_file(copy.store, second, add_duplicates=True)
        assert str(anyway).startswith("1 new, 0 updated, 2 unchanged, 0 rejected") and anyway.written
    finally:
        copy.close()


def test_sensitive_attributes_are_left_out_unless_asked_for(programme: Programme, tmp_path: Path) -> None:
    _tricky_people(programme)
    target = tmp_path / "out.csv"
    export_participants(programme.store, target)
    header = target.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "attributes" not in header
    assert "Gen X" not in target.read_text(encoding="utf-8-sig")
    assert header == [f if f != "manager_id" else "manager_email" for f in PROFILE_FIELDS if f != "attributes"]


# -- the command line ------------------------------------------------------------------


def _run(*args: str, db: Path):
    return CliRunner().invoke(cli, ["--today", "2026-11-20", "--db", str(db), *args], catch_exceptions=False)


def test_cli_import_refuses_a_file_with_errors_and_lists_them(db_path: Path) -> None:
    result = _run("import", str(DATA / "messy_rows.csv"), db=db_path)
    assert result.exit_code == 1
    assert "line 6, column “level”: Level must be a whole number, not “senior”." in result.output
    assert "7 rows with errors, so nothing was imported; fix them or use --skip-invalid." in result.output


def test_cli_import_dry_run_then_real(db_path: Path) -> None:
    dry = _run("import", str(DATA / "bom_semicolons.csv"), "--dry-run", db=db_path)
    assert dry.exit_code == 0
    assert "2 new, 0 updated, 0 unchanged, 0 rejected (dry run: nothing was saved)" in dry.output
    real = _run("import", str(DATA / "bom_semicolons.csv"), db=db_path)
    assert real.exit_code == 0 and "2 new, 0 updated, 0 unchanged, 0 rejected" in real.output
    again = _run("import", str(DATA / "bom_semicolons.csv"), db=db_path)
    assert "0 new, 0 updated, 2 unchanged, 0 rejected" in again.output


def test_cli_import_map_and_missing_file(db_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "staff.csv"
    source.write_text("Who,Kind\nAnn Lee,mentee\n", encoding="utf-8")
    assert "1 new" in _run("import", str(source), "--map", "Who=name", "--map", "Kind=role", db=db_path).output
    bad = _run("import", str(source), "--map", "Who", db=db_path)
    assert bad.exit_code == 2 and "is not COLUMN=field" in bad.output
    missing = _run("import", str(tmp_path / "nope.csv"), db=db_path)
    assert missing.exit_code == 1 and "There is no file" in missing.output


def test_cli_export_participants(db_path: Path, tmp_path: Path) -> None:
    _run("import", str(DATA / "bom_semicolons.csv"), db=db_path)
    target = tmp_path / "people.csv"
    result = _run("export", "participants", "-o", str(target), db=db_path)
    assert result.exit_code == 0
    assert result.output.strip() == f"Exported 2 participants to {target}."
    assert "José Núñez" in target.read_text(encoding="utf-8-sig")


def test_a_person_changed_after_the_preview_stops_the_whole_import(programme: Programme, tmp_path: Path) -> None:
    _add(programme, name="Ann Lee", role="mentee", email="ann.lee@example.org", level=9)
    source = tmp_path / "update.csv"
    source.write_text("name,email,role,level\nAnn Lee,ann.lee@example.org,mentee,10\nBo Ray,bo@example.org,mentor,2\n", encoding="utf-8")
    plan = plan_import(programme.store, source)
    with programme.store.write() as writer:
        writer.update("participants", 1, 1, {"level": 8})  # another coordinator, after the preview
    with pytest.raises(ConflictError):
        import_file(programme.store, source, plan=plan)
    assert [(p.name, p.level) for p in _people(programme)] == [("Ann Lee", 8)]


# -- the Import screen -----------------------------------------------------------------


async def test_import_screen_previews_then_imports_the_valid_rows(programme: Programme, tmp_path: Path) -> None:
    from rmtui.app import RmtuiApp
    from rmtui.screens.import_csv import ImportScreen

    source = tmp_path / "messy.csv"
    source.write_bytes((DATA / "messy_rows.csv").read_bytes())
    app = RmtuiApp(programme, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await pilot.press(*str(source), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(screen.query_one("#summary").render())
        assert "9 rows (UTF-8, commas). 2 to add, 0 to update, 0 unchanged, 7 rejected." in summary
        assert "Line 5:" in str(screen.query_one("#detail").render())
        await pilot.press("ctrl+s")  # refused: some rows have errors
        await app.workers.wait_for_complete()
        assert _people(programme) == []
        await pilot.press("ctrl+t")  # the valid rows, rejects beside the file
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [p.name for p in _people(programme)] == ["Ann Lee", "Bo Ray"]
        summary = str(screen.query_one("#summary").render())
        assert "Imported: 2 new, 0 updated, 0 unchanged, 7 rejected." in summary
        assert 'Next: a wave (ctrl+p "New wave")' in summary  # what a new coordinator does next
        assert screen.source is not None
        valid = next(i for i, row in enumerate(screen.source.rows) if not row.errors)
        screen.query_one("#preview").cursor = valid
        await pilot.pause()
        assert "was added." in str(screen.query_one("#detail").render())  # in now, not "will be added"
        assert (tmp_path / "messy.rejects.csv").exists()


def test_cli_skip_invalid_writes_rejects_and_succeeds(db_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "messy.csv"
    source.write_bytes((DATA / "messy_rows.csv").read_bytes())
    result = _run("import", str(source), "--skip-invalid", db=db_path)
    assert result.exit_code == 0
    assert "2 new, 0 updated, 0 unchanged, 7 rejected" in result.output
    assert f"Rejected rows written to {tmp_path / 'messy.rejects.csv'}." in result.output


def test_the_import_conflict_names_the_person_and_who_changed_them(programme: Programme, tmp_path: Path, db_path: Path) -> None:
    _add(programme, name="Zoe Park", role="mentor", email="zoe@example.org", level=2)
    _add(programme, name="Ann Lee", role="mentee", email="ann.lee@example.org", level=9)
    source = tmp_path / "update.csv"
    source.write_text(
        "name,email,role,level\nZoe Park,zoe@example.org,mentor,3\nAnn Lee,ann.lee@example.org,mentee,10\n", encoding="utf-8"
    )
    plan = plan_import(programme.store, source)
    other = Programme.open(db_path, actor="someone-else")
    try:
        with other.store.write() as writer:
            writer.update("participants", 2, 1, {"level": 8})  # one edit after the preview: version 1 → 2
    finally:
        other.close()
    with pytest.raises(ConflictError, match=r"participants #2 was changed by someone-else .*\(version 1 → 2\)"):
        import_file(programme.store, source, plan=plan)
    assert [(p.name, p.level) for p in _people(programme)] == [("Zoe Park", 2), ("Ann Lee", 8)]


# -- streaming, set-based linking, progress (issue 14) -----------------------------------


def _write(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_managers_are_linked_in_one_pass_with_the_audit_of_a_one_person_update(programme: Programme, tmp_path: Path) -> None:
    boss = _add(programme, name="Old Boss", role="mentor", email="old.boss@example.org")
    kept = _add(programme, name="Kept Kim", role="mentor", email="kim@example.org", manager_id=boss.id)
    moved = _add(programme, name="Moved Mo", role="mentee", email="mo@example.org", manager_id=boss.id)
    source = _write(
        tmp_path / "people.csv",
        [
            ["name", "email", "role", "manager"],
            ["Ann Early", "ann@example.org", "mentee", "zed@example.org"],  # her manager comes later
            ["Zed Later", "zed@example.org", "mentor", "old.boss@example.org"],
            ["Kept Kim", "kim@example.org", "mentor", "OLD.BOSS@example.org"],  # unchanged (any case)
            ["Moved Mo", "mo@example.org", "mentee", "zed@example.org"],
            ["Nobody Above", "", "mentee", ""],
        ],
    )
    plan, summary = import_file(programme.store, source)
    assert str(summary) == "3 new, 1 updated, 1 unchanged, 0 rejected"
    people = {p.name: p for p in _people(programme)}
    ann, zed = people["Ann Early"], people["Zed Later"]
    assert (ann.manager_id, zed.manager_id) == (zed.id, boss.id)
    assert (people["Kept Kim"].manager_id, people["Kept Kim"].version) == (boss.id, kept.version)
    assert (people["Moved Mo"].manager_id, people["Moved Mo"].version) == (zed.id, moved.version + 1)
    # Someone new with a manager is created, then linked: version 2, as before.
    assert (ann.version, zed.version, people["Nobody Above"].version) == (2, 2, 1)
    links = programme.store.query_tuples(
        "SELECT entity_id, before, after, label FROM audit WHERE action = 'update' ORDER BY id"
    )
    assert links == [
        (ann.id, '{"manager_id": null}', f'{{"manager_id": {zed.id}}}', "Ann Early"),
        (zed.id, '{"manager_id": null}', f'{{"manager_id": {boss.id}}}', "Zed Later"),
        (moved.id, f'{{"manager_id": {boss.id}}}', f'{{"manager_id": {zed.id}}}', "Moved Mo"),
    ]
    assert programme.store.scalar("SELECT count(*) FROM audit WHERE action = 'create' AND after LIKE '%\"import\"%'") == 3
    assert programme.store.query_tuples("SELECT name FROM sqlite_temp_master") == []  # the link tables are gone


def test_a_file_of_only_new_people_is_linked_as_it_is_inserted_with_the_same_rows_and_audit(
    programme: Programme, tmp_path: Path
) -> None:
    """Only new people name managers: each is inserted with theirs (no update pass), and the
    rows and audit are those of the link pass: version 2, one update entry per link in file order."""
    boss = _add(programme, name="Old Boss", role="mentor", email="old.boss@example.org")
    source = _write(
        tmp_path / "people.csv",
        [
            ["name", "email", "role", "manager"],
            ["Ann Early", "ann@example.org", "mentee", "ZED@example.org"],  # later in the file, other case
            ["Zed Later", "zed@example.org", "mentor", "Old.Boss@example.org"],  # already here
            ["Self Sam", "sam@example.org", "mentor", "sam@example.org"],  # not their own manager
            ["Nobody Above", "", "mentee", ""],
        ],
    )
    plan, summary = import_file(programme.store, source)
    assert str(summary) == "4 new, 0 updated, 0 unchanged, 0 rejected"
    people = {p.name: p for p in _people(programme)}
    ann, zed, sam = people["Ann Early"], people["Zed Later"], people["Self Sam"]
    assert [(p.manager_id, p.version) for p in (ann, zed, sam, people["Nobody Above"])] == [
        (zed.id, 2), (boss.id, 2), (None, 1), (None, 1)
    ]
    assert programme.store.query_tuples(
        "SELECT entity_id, action, before, after, label FROM audit WHERE id > (SELECT min(id) FROM audit) ORDER BY id"
    ) == [
        *((p.id, "create", None, programme.store.scalar("SELECT after FROM audit WHERE entity_id = ? AND action = 'create'", (p.id,)), p.name)
          for p in (ann, zed, sam, people["Nobody Above"])),
        (ann.id, "update", '{"manager_id": null}', f'{{"manager_id": {zed.id}}}', "Ann Early"),
        (zed.id, "update", '{"manager_id": null}', f'{{"manager_id": {boss.id}}}', "Zed Later"),
    ]
    entries = audit_entries(programme.store, AuditFilter(entity="participants", entity_id=ann.id))
    created = next(entry.after for entry in entries if entry.action == "create")  # as the audit's readers see it
    assert (created["manager_id"], created["version"], created["import"]) == (None, 1, "people.csv")
    assert programme.store.scalar("PRAGMA foreign_key_check") is None


def test_the_rejects_file_reads_the_cells_again_even_for_rows_rejected_by_their_manager(
    programme: Programme, tmp_path: Path
) -> None:
    source = _write(
        tmp_path / "people.csv",
        [
            ["name", "email", "role", "manager", "experience"],
            ["Bad Boss", "boss@example.org", "chef", "", "two\nlines"],  # rejected: the role
            ["Ann Lee", "ann@example.org", "mentee", "boss@example.org", "=SUM(A1)"],  # rejected: her manager's row
            ["Bo Chen", "bo@example.org", "mentor", "", "ok"],
        ],
    )
    plan, summary = import_file(programme.store, source, skip_invalid=True)
    assert str(summary) == "1 new, 0 updated, 0 unchanged, 2 rejected"
    assert [row.cells for row in plan.rejected] == [["Bad Boss", "boss@example.org", "chef", "", "two\nlines"], []]
    with summary.rejects_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "2" and rows[1][2:] == ["Bad Boss", "boss@example.org", "chef", "", "two\nlines"]
    assert rows[2][0] == "4" and rows[2][2:] == ["Ann Lee", "ann@example.org", "mentee", "boss@example.org", "'=SUM(A1)"]
    assert "line 2, which is rejected" in rows[2][1]
    assert len(rows) == 3


def test_a_windows_1252_byte_deep_in_a_large_file_is_found_before_reading(programme: Programme, tmp_path: Path) -> None:
    rows = [["name", "email", "role", "location"]]
    rows += [[f"Person {n}", f"p{n}@example.org", "mentee", "Paris " + "x" * 40] for n in range(30_000)]
    rows.append(["Zoë Müller", "zoe@example.org", "mentor", "Köln"])
    source = _write(tmp_path / "late.csv", rows, encoding="cp1252")
    assert source.stat().st_size > 1 << 20  # the byte is beyond the first block read
    plan, summary = import_file(programme.store, source, dry_run=True)
    assert plan.encoding == "Windows-1252"
    assert plan.rows[-1].values["name"] == "Zoë Müller" and plan.rows[-1].values["location"] == "Köln"


def test_progress_counts_rows_while_reading_and_writing(programme: Programme, tmp_path: Path) -> None:
    rows = [["name", "email", "role"]] + [[f"Person {n}", f"p{n}@example.org", "mentee"] for n in range(5_000)]
    source = _write(tmp_path / "many.csv", rows)
    checking: list[tuple[int, int]] = []
    plan = plan_import(programme.store, source, progress=lambda done, total: checking.append((done, total)))
    assert [done for done, _ in checking] == [2_000, 4_000, 5_000]
    assert all(done <= total for done, total in checking) and checking[-1] == (5_000, 5_000)
    writing: list[tuple[int, int]] = []
    import_file(programme.store, source, plan=plan, progress=lambda done, total: writing.append((done, total)))
    assert writing[-1] == (5_000, 5_000) and [done for done, _ in writing] == sorted(done for done, _ in writing)


def test_a_planned_row_keeps_its_checked_values_exactly(programme: Programme, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "one.csv",
        [
            ["name", "email", "role", "consent", "level", "hobbies", "objective data", "manager"],
            ["Ann Lee", "ann@example.org", "mentor", "yes", "3", "chess, jazz", "generation: Gen Z", ""],
        ],
    )
    row = plan_import(programme.store, source).rows[0]
    assert row.values == {
        "name": "Ann Lee", "email": "ann@example.org", "role": "mentor", "level": 3, "consent_share": True,
        "hobbies": ["chess", "jazz"], "attributes": {"generation": "Gen Z"}, "manager_email": "",
    }


async def test_an_import_left_running_says_it_finished_on_the_screen_the_coordinator_went_to(
    programme: Programme, tmp_path: Path, db_path: Path, notes
) -> None:
    """Leaving the Import screen does not stop the import (one transaction, saved at the end):
    the coordinator hears it finished wherever they are, and the people are in."""
    from rmtui.app import RmtuiApp
    from rmtui.screens.import_csv import ImportScreen

    source = tmp_path / "people [hr].csv"
    source.write_text("name,email,role,level\nAnn Lee,ann.lee@example.org,mentee,9\nBo Ray,bo@example.org,mentor,2\n",
                      encoding="utf-8")
    worker = Path(__file__).with_name("writer_process.py")
    app = RmtuiApp(programme, start="intake")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ImportScreen)
        await pilot.press(*str(source), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        locker = subprocess.Popen(  # another coordinator's save holds the lock: the import waits
            [sys.executable, str(worker), "lock", str(db_path), "stdin", "locker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            assert locker.stdout is not None and locker.stdin is not None
            assert locker.stdout.readline().strip() == "locked"
            await pilot.press("ctrl+s")
            for _ in range(600):  # until rmtui says it waits (bounded, not timed)
                await pilot.pause(0.05)
                if any("another coordinator is saving" in m for m in notes.messages):
                    break
            await pilot.press("escape")  # leave the screen while it waits
            await pilot.pause()
            assert not isinstance(app.screen, ImportScreen)
            assert _people(programme) == []
            locker.stdin.write("release\n")
            locker.stdin.flush()
            assert locker.wait(60) == 0
        finally:
            if locker.poll() is None:
                locker.kill()
        for _ in range(600):  # bounded wait for the import to land, not a measure of speed
            await pilot.pause(0.05)
            if any("finished" in m for m in notes.messages):
                break
        assert [p.name for p in _people(programme)] == ["Ann Lee", "Bo Ray"]
        assert "The import of people [hr].csv finished: 2 new, 0 updated, 0 unchanged, 0 rejected." in notes.messages
