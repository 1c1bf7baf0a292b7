"""``rmtui programme``, ``wave``, ``match`` and ``calendar --wave`` through the command line.

The last test runs a whole programme from an empty database with the CLI alone: import an
HR file, add a wave, match it, accept it, and find the sessions on the wave's days.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rmtui.cli import cli
from rmtui.db import Store

CSV = Path(__file__).parent / "data" / "csv" / "first_programme.csv"


@pytest.fixture
def run(tmp_path: Path):
    """Run ``rmtui --db DB --today 2026-11-20 ARGS`` in-process and return click's result."""
    db = tmp_path / "programme.db"

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", str(db), "--today", "2026-11-20", *args], catch_exceptions=False)

    invoke.db = db  # type: ignore[attr-defined]
    return invoke


def one_error(result: Result, *fragments: str) -> None:
    """The command failed with one line naming the problem (and no traceback)."""
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_programme_show_lists_every_setting_with_its_default(run):
    shown = run("programme", "show")
    assert shown.exit_code == 0
    assert "timezone" in shown.output and "UTC" in shown.output
    assert "wave_sessions" in shown.output and "target_completion" in shown.output


def test_programme_set_stores_a_value_and_says_what_a_zone_change_changes(run):
    result = run("programme", "set", "timezone", "Europe/London")
    assert result.exit_code == 0, result.output
    assert "timezone: UTC → Europe/London" in result.output
    assert "times you type (e.g. 14:00) are now read as Europe/London time" in result.output
    assert "Europe/London" in run("programme", "show").output


def test_programme_set_an_unknown_key_names_the_valid_ones(run):
    one_error(run("programme", "set", "colour", "red"), "Unknown setting 'colour'", "programme_name, timezone")


def test_programme_set_a_bad_value_is_one_clear_line(run):
    one_error(run("programme", "set", "timezone", "london"), "not an IANA time zone", "Europe/London")
    one_error(run("programme", "set", "wave_sessions", "zero"), "whole number")


def test_wave_add_uses_the_dialogs_words_and_the_defaults(run):
    result = run("wave", "add", "Spring 2027", "--starts", "+1w", "--every", "14")
    assert result.exit_code == 0, result.output
    assert "starts 2026-11-27, 7 sessions every 14 days, 60 minutes" in result.output
    listed = run("wave", "list").output
    assert "Spring 2027" in listed and "not started" in listed and "2026-11-27" in listed


def test_wave_add_refuses_a_bad_date(run):
    one_error(run("wave", "add", "Spring", "--starts", "someday"), "'someday' is not a day")


def test_wave_add_refuses_a_duplicate_name(run):
    run("wave", "add", "Spring 2027", "--starts", "2026-12-01")
    one_error(run("wave", "add", "SPRING 2027", "--starts", "2026-12-08"), "already a wave named")


def test_wave_add_refuses_an_impossible_rhythm(run):
    one_error(run("wave", "add", "Spring", "--starts", "2026-12-01", "--sessions", "0"), "from 1 to 52")


def test_wave_close_by_name_or_id_and_an_unknown_wave_lists_the_names(run):
    run("wave", "add", "Spring 2027", "--starts", "2026-12-01")
    run("wave", "add", "Autumn", "--starts", "2027-09-01")
    one_error(run("wave", "close", "Winter"), "There is no wave 'Winter'", "Spring 2027 (#1), Autumn (#2)")
    closed = run("wave", "close", "2")
    assert closed.exit_code == 0 and "Closed wave Autumn on 2026-11-20" in closed.output
    assert "closed" in run("wave", "list").output


def test_match_and_calendar_name_an_unknown_wave_with_the_valid_names(run):
    run("wave", "add", "Spring 2027", "--starts", "2026-12-01")
    one_error(run("match", "--wave", "Spring"), "no wave 'Spring'", "Spring 2027 (#1)")
    one_error(run("calendar", "--wave", "Spring", "-o", "-"), "no wave 'Spring'", "Spring 2027 (#1)")


def test_report_scoped_to_one_wave_by_name(run, tmp_path: Path):
    run("wave", "add", "Spring 2027", "--starts", "2026-12-01")
    run("wave", "add", "Autumn", "--starts", "2027-09-01")
    out = tmp_path / "spring.md"
    result = run("report", "--wave", "spring 2027", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Spring 2027" in text and "Autumn" not in text and "Whole programme" not in text
    one_error(run("report", "--wave", "Winter", "-o", str(out)), "no wave 'Winter'", "Autumn (#2)")


def test_wave_list_on_a_programme_without_waves_says_how_to_add_one(run):
    assert "rmtui wave add NAME --starts DATE" in run("wave", "list").output


def test_a_first_programme_from_an_empty_database_through_the_cli_alone(run, tmp_path: Path):
    people = tmp_path / "people.csv"
    shutil.copy(CSV, people)
    imported = run("import", str(people))
    assert imported.exit_code == 0, imported.output
    assert run("wave", "add", "Spring 2027", "--starts", "2026-12-01").exit_code == 0

    proposed = run("match", "--wave", "spring 2027")
    assert proposed.exit_code == 0, proposed.output
    assert "Spring 2027: 3 proposed pair(s)" in proposed.output
    assert "Tom Okafor (mentor) → Grace Wong (mentee)" in proposed.output
    assert "Helen Cole (mentee): all 3 allowed mentors went to others" in proposed.output

    accepted = run("match", "--wave", "1", "--accept")
    assert accepted.exit_code == 0, accepted.output
    assert "Accepted 3 pair(s) in Spring 2027; sessions planned from 2026-12-01." in accepted.output

    with Store(run.db) as store:
        assert store.scalar("SELECT count(*) FROM pairs WHERE status = 'active'") == 3
        dues = store.query_tuples("SELECT DISTINCT seq, due_on FROM sessions ORDER BY seq")
        # Every pair meets on the wave's days: its start, then every 21 days.
        assert dues == [(n, d) for n, d in enumerate(
            ["2026-12-01", "2026-12-22", "2027-01-12", "2027-02-02", "2027-02-23", "2027-03-16", "2027-04-06"], start=1)]
        assert store.scalar("SELECT count(*) FROM sessions") == 21

    again = run("match", "--wave", "Spring 2027", "--accept")
    assert again.exit_code == 0 and "Nothing to accept." in again.output
    listed = run("wave", "list").output
    assert "Spring 2027" in listed and "   3 " in listed
    ics = run("calendar", "--wave", "Spring 2027", "-o", "-")
    assert ics.exit_code == 0 and ics.output.count("BEGIN:VEVENT") == 21


def _spring_with_people(run, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    shutil.copy(CSV, people)
    assert run("import", str(people)).exit_code == 0
    assert run("wave", "add", "Spring 2027", "--starts", "2026-12-01").exit_code == 0


def test_each_match_is_kept_as_a_named_run_and_listed(run, tmp_path: Path):
    _spring_with_people(run, tmp_path)
    first = run("match", "--wave", "Spring 2027")
    assert first.exit_code == 0, first.output
    assert "Kept as run “run 1 · 09:00”" in first.output
    second = run("match", "--wave", "Spring 2027", "--name", "after the review")
    assert "Kept as run “after the review”" in second.output
    listed = run("match", "--wave", "Spring 2027", "--list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert "Run" in lines[0] and "after the review" in lines[1] and "run 1 · 09:00" in lines[2]
    taken = run("match", "--wave", "Spring 2027", "--name", "AFTER the review")
    assert taken.exit_code == 2
    one_error(taken, "already has a run named “AFTER the review”", "choose another name")


def test_match_compare_prints_two_runs_side_by_side(run, tmp_path: Path):
    _spring_with_people(run, tmp_path)
    run("match", "--wave", "Spring 2027", "--name", "first")
    run("match", "--wave", "Spring 2027", "--name", "second")
    compared = run("match", "--wave", "Spring 2027", "--compare", "first")  # with the newest other: second
    assert compared.exit_code == 0, compared.output
    out = compared.output
    assert out.splitlines()[0].split() == ["first", "second"]
    for words in ("total score", "matched", "unmatched", "pairs in both", "Binding rule", "Only in first: 0",
                  "Only in second: 0", "Mentees matched per department (matched/tried):"):
        assert words in out, words
    assert run("match", "--wave", "Spring 2027", "--compare", "second", "--with", "first").output.splitlines()[0].split() == ["second", "first"]
    missing = run("match", "--wave", "Spring 2027", "--compare", "third")
    assert missing.exit_code == 2
    one_error(missing, "no run “third”", "its runs: second, first")
    only_with = run("match", "--wave", "Spring 2027", "--with", "first")
    assert only_with.exit_code == 2
    one_error(only_with, "--compare RUN")


def test_the_only_run_cannot_be_compared_with_another(run, tmp_path: Path):
    _spring_with_people(run, tmp_path)
    run("match", "--wave", "Spring 2027")
    alone = run("match", "--wave", "Spring 2027", "--compare", "run 1 · 09:00")
    assert alone.exit_code == 2
    one_error(alone, "the wave's only run", "match the wave again")


def test_a_kept_run_is_accepted_later_rechecked(run, tmp_path: Path):
    _spring_with_people(run, tmp_path)
    kept = run("match", "--wave", "Spring 2027", "--name", "plan A")
    assert kept.exit_code == 0
    # Meanwhile one mentor from the run withdraws.
    with Store(run.db) as store:
        mentor = store.scalar("SELECT id FROM participants WHERE name = 'Tom Okafor'")
        version = store.scalar("SELECT version FROM participants WHERE id = ?", (mentor,))
        with store.write() as w:
            w.update("participants", mentor, version, {"status": "withdrawn"})
    accepted = run("match", "--wave", "Spring 2027", "--accept", "plan a")
    assert accepted.exit_code == 0, accepted.output
    assert "Accepted 2 of 3 pair(s) of run plan A in Spring 2027." in accepted.output
    assert "Dropped 1, no longer valid:" in accepted.output
    assert "Tom Okafor (mentor) → Grace Wong (mentee): " in accepted.output and "withdrawn" in accepted.output
    with Store(run.db) as store:
        assert store.scalar("SELECT count(*) FROM pairs WHERE status = 'active'") == 2
    both = run("match", "--wave", "Spring 2027", "--accept", "plan A", "--list")
    assert both.exit_code == 2
    one_error(both, "Choose one of --list, --compare RUN and --accept RUN.")


def test_a_viewer_sees_the_matching_but_keeps_no_run(run, tmp_path: Path):
    from rmtui.coordinators import add_coordinator, set_role
    from rmtui.db.store import os_user

    _spring_with_people(run, tmp_path)  # the import made this user the programme's admin
    with Store(run.db) as store:
        add_coordinator(store, "alice", "admin")
    with Store(run.db, actor="alice") as store:
        set_role(store, os_user(), "viewer")
    shown = run("match", "--wave", "Spring 2027")
    assert shown.exit_code == 0, shown.output
    assert "Spring 2027: 3 proposed pair(s)" in shown.output and "Kept as run" not in shown.output
    with Store(run.db) as store:
        assert store.scalar("SELECT count(*) FROM match_runs") == 0
