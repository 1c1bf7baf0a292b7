"""What a roster line shows, and its first page, in the index's order, straight from SQL.

Light on purpose (no numpy, no rapidfuzz): the roster paints its first page from here while
the search index, which needs both, is built in a worker.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rmtui.text import fold

if TYPE_CHECKING:
    import rmtui.db

# Letters from other scripts that look like Latin ones ("mariа" with a Cyrillic а). Applied to
# both the index and the query, so a genuinely Cyrillic name still matches itself.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁӏ" "αοιντκρ",
    "aeopcyxijsdl" "aoivtkp",
)


def search_key(text: str) -> str:
    """Return ``text`` in the form searches compare: folded, look-alike letters made Latin."""
    if text.isascii():
        return text.lower()  # fold() of ASCII text is exactly lower(); skip its per-character work
    return fold(text).translate(_LOOKALIKES)


@dataclass(frozen=True, slots=True)
class RosterRow:
    """What one result line displays."""

    id: int
    name: str
    email: str
    role: str
    job_title: str
    level: int | None
    department: str
    line_of_business: str
    status: str


def first_page(store: rmtui.db.Store, limit: int) -> list[RosterRow]:
    """Return the first ``limit`` participants in the order the index lists them by name.

    The roster shows these while the full index is still being built, so the first paint
    of a 100,000-person roster does not wait for the index. The order is the index's own
    (folded name pieces, then id), not SQL's: "Émile" sits among the e's, not after the z's,
    so the page does not reshuffle when the index arrives.
    """
    keys: dict[str, str] = {}  # name pieces repeat ("María", "Smith"): fold each once

    def order(row: tuple[int, str | None]) -> tuple[str, int]:
        pieces = []
        for piece in (row[1] or "").split():
            key = keys.get(piece)
            if key is None:
                key = keys[piece] = search_key(piece)
            pieces.append(key)
        return " ".join(pieces), row[0]

    chosen = [row[0] for row in heapq.nsmallest(limit, store.query_tuples("SELECT id, name FROM participants"), key=order)]
    rows = {row[0]: row for row in store.query_tuples(
        "SELECT id, name, coalesce(email, ''), role, job_title, level, department,"
        " line_of_business, status FROM participants WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(chosen),),
    )}
    return [RosterRow(*rows[person]) for person in chosen if person in rows]
