"""The programme report: health figures and the leaderboard, as Markdown, HTML or CSV.

Everything comes from :mod:`rmtui.health` and :mod:`rmtui.leaderboard`, so names are
withheld exactly as on screen ("Pair 12 (names withheld)" where either person has not consented).
Text from the database is escaped for the format: HTML-escaped, Markdown-escaped, and CSV
cells neutralised against spreadsheet formulas (:func:`rmtui.csv_export.neutralise`).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from rmtui.csv_export import neutralise
from rmtui.health import Health, programme_health
from rmtui.leaderboard import (
    SMALL_GROUP_NOTE,
    STATE_LABEL,
    DepartmentStanding,
    Leaderboard,
    build_leaderboard,
    department_standings,
)
from rmtui.programme import Programme
from rmtui.text import clean

FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".csv": "csv"}

HEALTH_HEADER = ("Scope", "Metric", "Value", "Target", "Verdict")
LEADERBOARD_HEADER = ("Rank", "Pair", "Mentor", "Mentee", "Wave", "Departments", "Held", "Planned",
                      "State", "Notes on time", "Last activity", "Trend")
DEPARTMENT_HEADER = ("Rank", "Department", "Pairs", "People", "Held", "Due", "Progress", "Behind", "Notes on time")


@dataclass(frozen=True)
class Report:
    """What a report holds: the programme's name, the day, health per scope, board and standings."""

    title: str
    today: dt.date
    health: list[Health]
    board: Leaderboard
    standings: list[DepartmentStanding]


def report_format(path: str | Path) -> str:
    """Return "markdown", "html" or "csv" for ``path``'s extension; ValueError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{Path(path).name}: choose a .md, .html or .csv file for the report.")
    return FORMATS[suffix]


def gather(programme: Programme, wave_id: int | None = None) -> Report:
    """Return the report's figures for ``programme`` today: every wave, or only ``wave_id``'s."""
    store, today = programme.store, programme.today()
    board = build_leaderboard(store, today, wave_id)
    health = programme_health(store, today)
    if wave_id is not None:
        health = [h for h in health if h.wave_id == wave_id]
    return Report(clean(programme.name), today, health, board, department_standings(board))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _verdict(met: bool | None, target: str) -> str:
    if not target:
        return ""
    return "no data" if met is None else "met" if met else "missed"


def health_rows(report: Report) -> list[tuple[str, ...]]:
    """Return one row per scope and metric: scope, metric, value, target, verdict."""
    return [
        (h.scope, m.label, m.shown(), m.target or "—", _verdict(m.met, m.target))
        for h in report.health
        for m in h.metrics
    ]


def leaderboard_rows(report: Report) -> list[tuple[str, ...]]:
    """Return one row per pair, in rank order; names are the leaderboard's (withheld where it withholds)."""
    return [
        (str(r.rank), r.pair, r.mentor, r.mentee, r.wave, r.departments, str(r.held), str(r.planned),
         STATE_LABEL[r.state], _percent(r.notes_on_time), r.last_activity or "—", r.trend_arrow)
        for r in report.board.rows
    ]


def department_rows(report: Report) -> list[tuple[str, ...]]:
    """Return one row per department standing, most ahead first; a small group's figures are
    "—" (counts only: see :func:`department_note`)."""
    return [
        ("—", s.department, str(s.pairs), str(s.people), "—", "—", "—", "—", "—") if s.withheld else
        (str(s.rank), s.department, str(s.pairs), str(s.people), str(s.held), str(s.due), _percent(s.progress),
         str(s.behind), _percent(s.notes_on_time))
        for s in report.standings
    ]


def department_note(report: Report) -> str:
    """Return the footnote of the department standings when small-group suppression withheld any."""
    if not any(s.withheld for s in report.standings):
        return ""
    return f"— {SMALL_GROUP_NOTE.format(k=report.board.k)} (counts only, so no one in a small department is singled out)."


Section = tuple[str, tuple[str, ...], list[tuple[str, ...]], str]
"""(heading, header, rows, footnote or "")"""


def _sections(report: Report) -> list[Section]:
    return [
        ("Programme health", HEALTH_HEADER, health_rows(report), ""),
        ("Department standings", DEPARTMENT_HEADER, department_rows(report), department_note(report)),
        ("Leaderboard", LEADERBOARD_HEADER, leaderboard_rows(report), ""),
    ]


def _subtitle(report: Report) -> str:
    return (f"Report of {report.today.isoformat()}. Pairs are named only where both people consented to "
            "disclosure; the others are shown as their pair number and the mentee's department (only where "
            f"at least {report.board.k} mentees of that department are shown).")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def markdown_cell(text: str) -> str:
    """Return ``text`` safe in a Markdown table cell: specials backslash-escaped, & as &amp;."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean(text).replace("&", "&amp;"))


def to_markdown(report: Report) -> str:
    """Return the report as Markdown: a heading, then one table per section."""
    out = [f"# {markdown_cell(report.title)}", "", _subtitle(report), ""]
    for heading, header, rows, note in _sections(report):
        out += [f"## {heading}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        out += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
        out.append("")
        if note:
            out += [markdown_cell(note), ""]
    return "\n".join(out)


def to_html(report: Report) -> str:
    """Return the report as a standalone HTML page; every text from the database is escaped."""
    e = html.escape
    out = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(report.title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#eee}"
        ".missed{color:#b00;font-weight:bold}.met{color:#070}</style>",
        "</head>", "<body>", f"<h1>{e(report.title)}</h1>", f"<p>{e(_subtitle(report))}</p>",
    ]
    for heading, header, rows, note in _sections(report):
        out.append(f"<h2>{e(heading)}</h2>")
        out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>")
        for row in rows:
            cells = []
            for name, cell in zip(header, row):
                css = f' class="{cell}"' if name == "Verdict" and cell in ("met", "missed") else ""
                cells.append(f"<td{css}>{e(clean(cell))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        if note:
            out.append(f"<p>{e(note)}</p>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def to_csv(report: Report) -> str:
    """Return the report as CSV: each section a header row and its rows, a blank row between.

    Every cell is neutralised so a spreadsheet never runs it as a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, (heading, header, rows, note) in enumerate(_sections(report)):
        if number:
            writer.writerow([])
        writer.writerow([heading])
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise(clean(cell)) for cell in row])
        if note:
            writer.writerow([neutralise(note)])
    return buffer.getvalue()


def write_report(programme: Programme, path: str | Path, wave_id: int | None = None) -> Report:
    """Write the report (of every wave, or of ``wave_id``) to ``path`` in the format its
    extension names; return what it held."""
    kind = report_format(path)
    report = gather(programme, wave_id)
    text = {"markdown": to_markdown, "html": to_html, "csv": to_csv}[kind](report)
    encoding = "utf-8-sig" if kind == "csv" else "utf-8"
    Path(path).write_text(text, encoding=encoding, newline="" if kind == "csv" else None)
    return report
