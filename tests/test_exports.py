"""Issue 13, CLI rough edges: `rmtui export participants|pairs|sessions|feedback -o FILE`
(safe for spreadsheets, no attributes, the extension checked), day options taking the
dialogs' words (`audit --since yesterday`), the timeline's .ics path in full."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Notes
from lifecycle_data import build

from rmtui.cli import cli
from rmtui.db import Session, Store
from rmtui.programme import Programme
from rmtui.surveys import Answer, record_answer
from rmtui.text import clean

TODAY = dt.date(2026, 11, 20)
SECRET = "do-not-export-this"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def invoke(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), "--today", "2026-11-20", *args])


@pytest.fixture
def working(programme: Programme) -> Programme:
    """Two confirmed pairs in Wave 1, people with sensitive attributes, hostile text in a pair,
    a session and an answer; the programme in Europe/London."""
    first, second = build(programme)
    store = programme.store
    with store.write() as w:
        for pid, version in store.query_tuples("SELECT id, version FROM participants"):
            w.update("participants", pid, version, {"attributes": f'{{"background": "{SECRET}"}}'})
        pair = store.query("SELECT version FROM pairs WHERE id = ?", (first,))[0]
        w.update("pairs", first, pair["version"], {"coach": "Tom\u200b Okafor\x07", "close_reason": "=HYPERLINK(\"x\")"})
    session = store.all(Session, "pair_id = ? AND seq = 1", (first,))[0]
    with store.write() as w:
        w.update("sessions", session.id, session.version, {
            "agenda": "+SUM(A1:A9)", "notes": "Line one\u200b\nline two\x1b[31m", "scheduled_at": "2026-09-08T13:30:00Z",
            "follow_up_sent": 1,
        })
        w.set_setting("timezone", "Europe/London")
    record_answer(store, first, Answer("pre", "mentee", 4, None, "-Keen, \u200bbusy"), dt.date(2026, 9, 6))
    record_answer(store, first, Answer("pre", "mentor", 5, True, "Looking forward"), dt.date(2026, 9, 5))
    record_answer(store, second, Answer("pre", "mentor", 2, False, "=cmd|' /C calc'!A0"), dt.date(2026, 9, 7))
    return programme


def test_export_pairs_names_people_guards_formulas_strips_controls_and_leaves_attributes_out(
    working: Programme, db_path: Path, tmp_path: Path
) -> None:
    working.close()
    target = tmp_path / "pairs.csv"
    result = invoke(db_path, "export", "pairs", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 2 pairs to {target}."
    assert header(target) == [
        "pair_id", "wave", "mentor_name", "mentor_email", "mentee_name", "mentee_email", "coach", "status",
        "started_on", "ended_on", "close_reason", "paused_on", "pause_reason", "score",
    ]
    first = rows(target)[0]
    assert first["pair_id"] == "1" and first["wave"] == "Wave 1" and first["status"] == "active"
    assert first["mentor_name"] == "Mentor Wave 1 0" and first["mentee_email"] == "mentee.wave.1.0@example.com"
    assert first["coach"] == "Tom Okafor"  # zero-width space and bell gone
    assert first["close_reason"] == "'=HYPERLINK(\"x\")"  # inert in a spreadsheet
    assert first["started_on"] and first["ended_on"] == ""
    assert SECRET not in target.read_text(encoding="utf-8-sig")


def test_export_sessions_in_the_programme_zone_with_guarded_text(working: Programme, db_path: Path, tmp_path: Path) -> None:
    working.close()
    target = tmp_path / "sessions.csv"
    result = invoke(db_path, "export", "sessions", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert header(target) == [
        "pair_id", "wave", "mentor_name", "mentee_name", "seq", "checkpoint", "due_on", "scheduled_at", "held_on",
        "status", "agenda", "notes", "notes_posted_on", "follow_up_sent",
    ]
    exported = rows(target)
    assert result.output.strip() == f"Exported {len(exported)} sessions to {target}."
    assert len(exported) == 8  # two pairs of four sessions
    first = exported[0]
    assert (first["pair_id"], first["seq"], first["mentee_name"]) == ("1", "1", "Mentee Wave 1 0")
    assert first["scheduled_at"] == "2026-09-08 14:30"  # 13:30 UTC is 14:30 in London (summer time)
    assert first["agenda"] == "'+SUM(A1:A9)"
    assert first["notes"] == "Line one\nline two"
    assert first["follow_up_sent"] == "yes" and exported[1]["follow_up_sent"] == "no"
    assert SECRET not in target.read_text(encoding="utf-8-sig")


def test_export_feedback_reads_back_through_feedback_import(working: Programme, db_path: Path, tmp_path: Path) -> None:
    before = working.store.query_tuples(
        "SELECT pair_id, kind, respondent, rating, goal_achieved, comment, submitted_on FROM feedback ORDER BY pair_id, kind, respondent"
    )
    working.close()
    target = tmp_path / "feedback.csv"
    result = invoke(db_path, "export", "feedback", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 3 answers to {target}."
    assert header(target) == [
        "pair_id", "wave", "respondent_role", "name", "email", "kind", "rating", "goal_achieved", "comment", "submitted_on",
    ]
    exported = rows(target)
    assert [(r["pair_id"], r["respondent_role"], r["name"]) for r in exported] == [
        ("1", "mentor", "Mentor Wave 1 0"), ("1", "mentee", "Mentee Wave 1 0"), ("2", "mentor", "Mentor Wave 1 1"),
    ]
    assert exported[0]["goal_achieved"] == "yes" and exported[1]["goal_achieved"] == "" and exported[2]["goal_achieved"] == "no"
    assert exported[1]["comment"] == "'-Keen, busy" and exported[2]["comment"] == "'=cmd|' /C calc'!A0"
    assert SECRET not in target.read_text(encoding="utf-8-sig")

    # Forget every answer, then import the export: the same answers come back.
    with Store(db_path) as again, again.write() as w:
        w.execute("DELETE FROM feedback")
    imported = invoke(db_path, "feedback", "import", str(target))
    assert imported.exit_code == 0, imported.output
    assert "Recorded 3 answer(s)" in imported.output
    with Store(db_path) as again:
        after = again.query_tuples(
            "SELECT pair_id, kind, respondent, rating, goal_achieved, comment, submitted_on FROM feedback ORDER BY pair_id, kind, respondent"
        )
    assert after == [(*row[:5], clean(row[5], multiline=True), row[6]) for row in before]  # less the U+200B
    assert [a[5] for a in after] == ["-Keen, busy", "Looking forward", "=cmd|' /C calc'!A0"]


def test_export_participants_still_leaves_attributes_out_unless_asked(working: Programme, db_path: Path, tmp_path: Path) -> None:
    working.close()
    target = tmp_path / "people.csv"
    assert invoke(db_path, "export", "participants", "-o", str(target)).exit_code == 0
    assert "attributes" not in header(target) and SECRET not in target.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("kind", ["participants", "pairs", "sessions", "feedback"])
@pytest.mark.parametrize("name", ["out.xlsx", "out.txt", "out"])
def test_an_extension_rmtui_cannot_write_is_refused_in_one_line_and_no_file_is_made(
    working: Programme, db_path: Path, tmp_path: Path, kind: str, name: str
) -> None:
    working.close()
    target = tmp_path / name
    result = invoke(db_path, "export", kind, "-o", str(target))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "rmtui cannot write" in lines[0] and ".csv" in lines[0]
    assert not target.exists()


def test_an_upper_case_csv_extension_is_a_csv(working: Programme, db_path: Path, tmp_path: Path) -> None:
    working.close()
    target = tmp_path / "PAIRS.CSV"
    assert invoke(db_path, "export", "pairs", "-o", str(target)).exit_code == 0
    assert len(rows(target)) == 2


def test_a_disk_full_midway_leaves_no_half_file_and_the_earlier_export_intact(
    working: Programme, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    working.close()
    target = tmp_path / "sessions.csv"
    assert invoke(db_path, "export", "sessions", "-o", str(target)).exit_code == 0
    earlier = target.read_bytes()
    import rmtui.csv_export

    written = []

    def full_disk(text, multiline=False):  # noqa: ANN001, ANN202 - fails after a few cells
        written.append(text)
        if len(written) > 20:
            raise OSError(28, "No space left on device")
        return clean(text, multiline=multiline)

    monkeypatch.setattr(rmtui.csv_export, "clean", full_disk)
    result = invoke(db_path, "export", "sessions", "-o", str(target))
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(target) in lines[0], result.output
    assert target.read_bytes() == earlier  # the file the user had is not lost
    assert sorted(p.name for p in tmp_path.iterdir() if "sessions" in p.name) == ["sessions.csv"]  # no half file
    fresh = tmp_path / "new.csv"
    assert invoke(db_path, "export", "pairs", "-o", str(fresh)).exit_code == 1
    assert not fresh.exists()


def test_export_help_says_the_working_files_name_people() -> None:
    for kind in ("pairs", "sessions", "feedback"):
        text = CliRunner().invoke(cli, ["export", kind, "--help"]).output
        assert "names people" in text and "attributes" in text


# -- days in options ----------------------------------------------------------------------


def _audit(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmtui", "--db", str(db_path), "--today", "2026-11-20", "audit", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )


def test_audit_since_takes_the_dialogs_words(programme: Programme, db_path: Path) -> None:
    store = programme.store
    with store.write() as w:  # changes on three days, by hand
        for day in ("2026-11-10", "2026-11-19", "2026-11-20"):
            w.execute(
                "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES (?, 'alice', 'settings', NULL, 'update', NULL, ?)",
                (f"{day}T12:00:00Z", f'{{"note": "{day}"}}'),
            )
    programme.close()
    yesterday = _audit(db_path, "--since", "yesterday")
    assert yesterday.returncode == 0, yesterday.stderr
    assert [line[:10] for line in yesterday.stdout.splitlines()] == ["2026-11-20", "2026-11-19"]
    week = _audit(db_path, "--since", "-7d")
    assert week.returncode == 0, week.stderr
    assert [line[:10] for line in week.stdout.splitlines()] == ["2026-11-20", "2026-11-19"]
    both = _audit(db_path, "--since", "2026-11-01", "--until", "-2d")
    assert [line[:10] for line in both.stdout.splitlines()] == ["2026-11-10"]
    today = _audit(db_path, "--since", "today")
    assert [line[:10] for line in today.stdout.splitlines()] == ["2026-11-20"]


@pytest.mark.parametrize("word", ["lastweek", "2026-13-45", "20/11/2026", "2026-11-20 14:00"])
def test_a_day_option_that_names_no_day_is_one_line_listing_the_forms(programme: Programme, db_path: Path, word: str) -> None:
    programme.close()
    result = _audit(db_path, "--since", word)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"--since “{word}” is not a day" in lines[0]
    assert "yesterday" in lines[0] and "-7d" in lines[0] and "2026-12-04" in lines[0]


def test_pair_complete_on_takes_the_same_words_and_refuses_the_same_way(programme: Programme, db_path: Path) -> None:
    (first,) = build(programme, pairs=1)
    with programme.store.write() as w:
        w.execute("UPDATE pairs SET started_on = '2026-09-07'")
    programme.close()
    bad = invoke(db_path, "pair", "complete", str(first), "--on", "someday")
    assert bad.exit_code == 2 and "--on “someday” is not a day" in bad.output
    good = invoke(db_path, "pair", "complete", str(first), "--on", "yesterday")
    assert good.exit_code == 0, good.output
    assert f"Pair {first} completed on 2026-11-19." in good.output


def test_today_takes_a_date_an_instant_or_the_dialogs_words() -> None:
    runner = CliRunner()
    for value in ("2026-11-20", "2026-11-20T09:00:00Z", "yesterday", "+1w"):
        result = runner.invoke(cli, ["--today", value, "export", "--help"])
        assert result.exit_code == 0, (value, result.output)
    bad = runner.invoke(cli, ["--today", "20/11/2026", "export", "--help"])
    assert bad.exit_code == 2 and "--today “20/11/2026” is not a day" in bad.output


# -- the timeline's calendar file -----------------------------------------------------------


async def test_the_timeline_names_the_full_path_of_the_calendar_file(
    programme: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notes: Notes
) -> None:
    from session_data import build_sessions_programme

    from rmtui.app import RmtuiApp

    build_sessions_programme(programme.store)
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    app = RmtuiApp(programme, start="timeline")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        pair_id = app.screen.view.pair.id
        await pilot.press("i")
        await pilot.pause()
        await pilot.press("enter")  # the offered name, pair-N.ics, in the current folder
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        messages = notes.messages
    written = folder / f"pair-{pair_id}.ics"
    assert written.exists()
    assert any(str(written) in message for message in messages), messages


def test_demo_says_where_it_builds_before_it_builds(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = subprocess.run(
        [sys.executable, "-m", "rmtui", "--today", "2026-11-20", "demo", "--db", str(path), "--no-open", "--people", "20"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"Building the demo programme in {path}…"
    assert lines[-1].startswith(f"Demo programme in {path}: 20 people")
