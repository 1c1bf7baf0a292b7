"""Exporting participants to CSV that spreadsheets open safely and rmtui imports back losslessly.

A cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return) gets an apostrophe in front; the import takes it off again, so an
export → import round trip gives back exactly what was exported.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmtui.db import Participant, Store
from rmtui.intake import PROFILE_FIELDS, display_value
from rmtui.people import participant_count
from rmtui.text import clean

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
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
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
