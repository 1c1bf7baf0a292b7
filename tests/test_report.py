"""``rmtui report -o FILE``: Markdown, HTML and CSV with the health figures and the leaderboard;
escaped for each format; no name of a non-consenting person in any report or in the
participants export's pairings."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest
from click.testing import CliRunner
from session_data import build_sessions_programme

from rmtui.cli import cli
from rmtui.csv_export import export_participants
from rmtui.db import Participant
from rmtui.programme import Programme
from rmtui.report import gather, markdown_cell, report_format, to_csv, to_html, to_markdown, write_report

NASTY = '<script>alert(1)</script> =HYPERLINK("x") | *b* [y](z)'


@pytest.fixture
def nasty_programme(programme: Programme) -> Programme:
    """session_data's pairs; pair 1's people consent and one is named like an attack."""
    build_sessions_programme(programme.store)
    store = programme.store
    with store.write() as w:
        for person in store.all(Participant, "name IN ('Mia Mentor', 'Sam Senior')"):
            changes: dict[str, object] = {"consent_share": 1}
            if person.name == "Mia Mentor":
                changes["name"] = NASTY
            w.update("participants", person.id, person.version, changes)
        w.set_setting("programme_name", "Pilot <b>&</b> co")
    return programme


def _withheld_names(programme: Programme) -> list[str]:
    return [row[0] for row in programme.store.query_tuples("SELECT name FROM participants WHERE consent_share = 0")]


@pytest.mark.parametrize(("name", "kind"), [("r.md", "markdown"), ("r.MARKDOWN", "markdown"), ("r.html", "html"), ("r.htm", "html"), ("r.csv", "csv")])
def test_the_extension_chooses_the_format(name: str, kind: str) -> None:
    assert report_format(name) == kind


def test_another_extension_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match=r"r.txt: choose a .md, .html or .csv file"):
        report_format("r.txt")


def test_html_escapes_every_text_from_the_database(nasty_programme: Programme) -> None:
    page = to_html(gather(nasty_programme))
    assert "<script>" not in page and "<b>" not in page
    assert html.escape(NASTY) + " / Sam Senior" in page
    assert "<title>Pilot &lt;b&gt;&amp;&lt;/b&gt; co</title>" in page
    assert '<td class="met">met</td>' in page


def test_markdown_escapes_table_breakers_and_markup(nasty_programme: Programme) -> None:
    text = to_markdown(gather(nasty_programme))
    assert markdown_cell("a|b*c*<d>&") == r"a\|b\*c\*\<d\>&amp;"
    assert markdown_cell(NASTY) + " / Sam Senior" in text
    assert "<script>" not in text
    # every table row keeps its column count: no unescaped | inside a cell
    for line in text.splitlines():
        if line.startswith("| ") and "Mentor" not in line:
            cells = line.replace("\\|", "").count("|")
            assert cells in (6, 10, 13), line


def test_csv_cells_are_formula_safe_and_read_back(nasty_programme: Programme) -> None:
    text = to_csv(gather(nasty_programme))
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["Programme health"]
    assert ["Leaderboard"] in rows and ["Department standings"] in rows
    header = rows[rows.index(["Leaderboard"]) + 1]
    board = [dict(zip(header, row)) for row in rows[rows.index(["Leaderboard"]) + 2:]]
    named = next(row for row in board if row["Mentee"] == "Sam Senior")
    assert named["Mentor"] == NASTY  # starts with <, not a formula: kept as typed
    assert named["Pair"] == f"{NASTY} / Sam Senior"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_csv_neutralises_a_name_that_is_a_formula(programme: Programme) -> None:
    build_sessions_programme(programme.store)
    store = programme.store
    with store.write() as w:
        for person in store.all(Participant, "name IN ('Noor Dev', 'Eli Chief')"):
            changes: dict[str, object] = {"consent_share": 1}
            if person.name == "Noor Dev":
                changes["name"] = "=cmd|' /C calc'!A0"
            w.update("participants", person.id, person.version, changes)
    rows = list(csv.reader(to_csv(gather(programme)).splitlines()))
    assert any(row and "'=cmd|' /C calc'!A0" in row for row in rows)


@pytest.mark.parametrize("suffix", [".md", ".html", ".csv"])
def test_no_report_names_a_person_who_did_not_consent(demo_programme: Programme, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"report{suffix}"
    write_report(demo_programme, path)
    text = path.read_text(encoding="utf-8-sig")
    withheld = _withheld_names(demo_programme)
    assert withheld
    for name in withheld:
        assert name not in text and html.escape(name) not in text and markdown_cell(name) not in text
    assert "Pair " in text and " (names withheld)" in text  # withheld pairs are there, by number
    assert "Drop-out rate" in text and "Leaderboard" in text


def test_the_participants_export_discloses_no_pairing(demo_programme: Programme, tmp_path: Path) -> None:
    """The HR export lists people (their own profile) but never who is paired with whom."""
    path = tmp_path / "people.csv"
    export_participants(demo_programme.store, path)
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert not any(word in column for column in rows[0] for word in ("pair", "mentor_", "mentee_", "partner", "coach"))
    store = demo_programme.store
    partners = store.query_tuples(
        """SELECT a.name, b.name FROM pairs p JOIN participants a ON a.id IN (p.mentor_id, p.mentee_id)
           JOIN participants b ON b.id IN (p.mentor_id, p.mentee_id) AND b.id != a.id
           WHERE a.consent_share = 0 OR b.consent_share = 0"""
    )
    by_name = {row["name"]: row for row in rows}
    for first, second in partners:
        assert all(second not in cell for cell in by_name[first].values())


def test_cli_writes_each_format_and_says_so(demo_programme: Programme, db_path: Path, tmp_path: Path) -> None:
    demo_programme.close()
    runner = CliRunner()
    for suffix in (".md", ".html", ".csv"):
        out = tmp_path / f"r{suffix}"
        result = runner.invoke(cli, ["--db", str(db_path), "--today", "2026-11-20", "report", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "report (20 pairs) to" in result.output
        assert out.stat().st_size > 1000
    bad = runner.invoke(cli, ["--db", str(db_path), "report", "-o", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 1 and "choose a .md, .html or .csv file" in bad.output
    missing = runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "report", "-o", str(tmp_path / "r.md")])
    assert "There is no database" in str(missing.exception)  # main() prints it as one line


def test_the_report_withholds_a_small_departments_rates_and_k_changes_it(programme: Programme, tmp_path) -> None:
    from rmtui.programme_settings import set_one

    build_sessions_programme(programme.store)
    set_one(programme.store, "small_group_k", "3")
    text = to_markdown(gather(programme))
    marketing = next(line for line in text.splitlines() if line.startswith("| — | Marketing |"))
    assert marketing == "| — | Marketing | 2 | 2 | — | — | — | — | — |"  # two people: counts only
    assert "— fewer than 3 people: rates withheld" in text
    pair_2 = next(line for line in text.splitlines() if "| Pair 2 (names withheld) |" in line)
    assert "Claims" not in pair_2 and "| withheld |" in pair_2
    csv_rows = list(csv.reader(to_csv(gather(programme)).splitlines()))
    assert ["—", "Marketing", "2", "2", "—", "—", "—", "—", "—"] in csv_rows
    set_one(programme.store, "small_group_k", "2")
    text = to_markdown(gather(programme))
    assert "| 1 | Marketing | 2 | 2 | 8 | 8 | 100% | 0 | 88% |" in text
    assert "fewer than 2 people: rates withheld" in text  # Claims still has one person
