"""Exporting to CSV that spreadsheets open safely: participants (which rmtui imports back
losslessly), pairs, sessions and survey answers (which ``rmtui feedback import`` reads back).

A cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return) gets an apostrophe in front; the import takes it off again, so an
export → import round trip gives back exactly what was exported. Stored text is written
without control or zero-width characters. Only the participants export can carry the
sensitive programme-objective attributes, and only when asked; the other exports are
coordinators' working files: they name people, never their attributes.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rmtui.db import Participant, Store
from rmtui.intake import PROFILE_FIELDS, display_value
from rmtui.people import participant_count
from rmtui.text import clean

EXPORT_KINDS = ("participants", "pairs", "sessions", "feedback")
EXPORT_FORMATS = {".csv": "CSV"}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Columns of the export, in the order HR systems tend to use; the manager is named by email.
EXPORT_COLUMNS: tuple[str, ...] = tuple(
    "manager_email" if name == "manager_id" else name for name in PROFILE_FIELDS if name != "attributes"
)


def neutralise(cell: str) -> str:
    """Return ``cell`` made inert for spreadsheets: formula-like text gets a leading apostrophe.

    A cell that already starts with an apostrophe followed by formula-like text (or
    another apostrophe) gets one more, so the import's removal of one is always exact.
    """
    if cell.startswith(FORMULA_START):
        return "'" + cell
    if cell.startswith("'") and (cell[1:].startswith(FORMULA_START) or cell[1:].startswith("'")):
        return "'" + cell
    return cell


def export_format(path: str | Path) -> str:
    """Return the format ``path``'s extension asks for (CSV); ValueError naming the supported
    extensions otherwise (a spreadsheet refuses an .xlsx that holds CSV)."""
    suffix = Path(path).suffix.lower()
    if suffix in EXPORT_FORMATS:
        return EXPORT_FORMATS[suffix]
    named = f"a “{suffix}” file" if suffix else "a file without an extension"
    supported = ", ".join(EXPORT_FORMATS)
    raise ValueError(
        f"rmtui cannot write {named}: exports are {supported} only (Excel and LibreOffice open them); "
        f"name the file {Path(path).stem or 'export'}.csv."
    )


def safe_cell(value: Any) -> str:
    """Return ``value`` as a CSV cell: text without control or zero-width characters (lines
    kept), made inert for spreadsheets; None is empty, booleans are yes / no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = f"{value:g}"
    return neutralise(clean(str(value), multiline=True))


@contextmanager
def replacing(path: str | Path) -> Iterator[Any]:
    """Yield a text handle (UTF-8 with BOM, for Excel) whose content replaces ``path`` only
    once all of it is written: a failure (full disk...) leaves no half-written file and the
    file that was there before untouched. An OSError names ``path``."""
    path = Path(path)
    partial: Path | None = None
    try:
        # Created like any file (the umask decides who may read it, as for the file replaced).
        name = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        partial = name
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            yield handle
        os.replace(partial, path)
    except BaseException as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        if isinstance(error, OSError) and (error.filename is None or error.filename == str(partial) or partial is None):
            error.filename = str(path)
        raise


def write_csv(path: str | Path, columns: tuple[str, ...], rows: Any) -> int:
    """Write ``columns`` then every row of ``rows`` (sequences of values) to ``path`` as CSV
    (UTF-8 with BOM, for Excel), each cell through :func:`safe_cell`; return how many rows."""
    count = 0
    with replacing(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
            count += 1
    return count


PAIR_COLUMNS = (
    "pair_id", "wave", "mentor_name", "mentor_email", "mentee_name", "mentee_email", "coach", "status",
    "started_on", "ended_on", "close_reason", "paused_on", "pause_reason", "score",
)


def export_pairs(store: Store, path: str | Path) -> int:
    """Write every pair (people by name and email, the coach's name) to ``path``; return how many."""
    rows = store.query_tuples(
        """
        SELECT p.id, w.name, mr.name, mr.email, me.name, me.email, p.coach, replace(p.status, '_', ' '),
               p.started_on, p.ended_on, p.close_reason, p.paused_on, p.pause_reason, p.score
        FROM pairs p
        JOIN waves w ON w.id = p.wave_id
        JOIN participants mr ON mr.id = p.mentor_id
        JOIN participants me ON me.id = p.mentee_id
        ORDER BY p.id
        """
    )
    return write_csv(path, PAIR_COLUMNS, rows)


SESSION_COLUMNS = (
    "pair_id", "wave", "mentor_name", "mentee_name", "seq", "checkpoint", "due_on", "scheduled_at", "held_on",
    "status", "agenda", "notes", "notes_posted_on", "follow_up_sent",
)


def export_sessions(store: Store, path: str | Path, timezone: str = "UTC") -> int:
    """Write every session to ``path``, its set time in ``timezone`` (the programme's) as
    ``YYYY-MM-DD HH:MM``; return how many."""
    import pendulum

    def local(instant: str | None) -> str:
        if not instant:
            return ""
        return pendulum.parse(instant).in_timezone(timezone).strftime("%Y-%m-%d %H:%M")  # type: ignore[union-attr]

    rows = store.query_tuples(
        """
        SELECT s.pair_id, w.name, mr.name, me.name, s.seq, s.checkpoint, s.due_on, s.scheduled_at, s.held_on,
               s.status, s.agenda, s.notes, s.notes_posted_on, s.follow_up_sent
        FROM sessions s
        JOIN pairs p ON p.id = s.pair_id
        JOIN waves w ON w.id = p.wave_id
        JOIN participants mr ON mr.id = p.mentor_id
        JOIN participants me ON me.id = p.mentee_id
        ORDER BY s.pair_id, s.seq
        """
    )
    return write_csv(
        path,
        SESSION_COLUMNS,
        ((*row[:5], bool(row[5]), row[6], local(row[7]), *row[8:13], bool(row[13])) for row in rows),
    )


# The survey answers, with the headers ``rmtui feedback import`` reads (email, kind, rating,
# goal_achieved, comment, submitted_on); pair_id, wave, respondent_role and name are there
# for the reader and ignored by the import, which finds the pair from the email.
FEEDBACK_COLUMNS = (
    "pair_id", "wave", "respondent_role", "name", "email", "kind", "rating", "goal_achieved", "comment", "submitted_on",
)


def export_feedback(store: Store, path: str | Path) -> int:
    """Write every survey answer to ``path`` in a form ``rmtui feedback import`` reads back."""
    rows = store.query_tuples(
        """
        SELECT f.pair_id, w.name, f.respondent, who.name, who.email, f.kind, f.rating, f.goal_achieved,
               f.comment, f.submitted_on
        FROM feedback f
        JOIN pairs p ON p.id = f.pair_id
        JOIN waves w ON w.id = p.wave_id
        JOIN participants who ON who.id = CASE f.respondent WHEN 'mentor' THEN p.mentor_id ELSE p.mentee_id END
        ORDER BY f.pair_id, CASE f.kind WHEN 'pre' THEN 1 WHEN 'mid' THEN 2 WHEN 'post' THEN 3 ELSE 4 END, f.respondent DESC
        """
    )
    return write_csv(
        path, FEEDBACK_COLUMNS, ((*row[:7], None if row[7] is None else bool(row[7]), *row[8:]) for row in rows)
    )


def export_participants(
    store: Store,
    path: str | Path,
    *,
    include_sensitive: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every participant to ``path`` (UTF-8 with BOM, for Excel); return how many.

    The programme-objective attributes are sensitive: they are written only when
    ``include_sensitive`` is asked for.
    """
    columns = list(EXPORT_COLUMNS) + (["attributes"] if include_sensitive else [])
    emails = dict(store.query_tuples("SELECT id, email FROM participants WHERE email IS NOT NULL"))
    total = participant_count(store)
    count = 0
    with replacing(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        last_id = 0
        while True:
            rows = store.query("SELECT * FROM participants WHERE id > ? ORDER BY id LIMIT 5000", (last_id,))
            if not rows:
                break
            for row in rows:
                person = Participant.from_row(row)
                cells = []
                for column in columns:
                    if column == "manager_email":
                        value: Any = emails.get(person.manager_id, "") if person.manager_id else ""
                    else:
                        value = getattr(person, column)
                    # Stored text is written without control or zero-width characters: a
                    # spreadsheet or HR system would keep them invisibly (issue 12).
                    cells.append(neutralise(clean(display_value(column, value), multiline=True)))
                writer.writerow(cells)
            count += len(rows)
            last_id = rows[-1]["id"]
            if progress:
                progress(count, total)
    return count
