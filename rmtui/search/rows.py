"""What a roster line shows, and the first page of it straight from SQL.

Light on purpose (no numpy, no rapidfuzz): the roster paints its first page from here while
the search index, which needs both, is built in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import rmtui.db


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
    """Return the first ``limit`` participants by name, straight from SQL.

    The roster shows these while the full index is still being built, so the first paint
    of a 100,000-person roster does not wait for the index.
    """
    rows = store.query_tuples(
        "SELECT id, name, coalesce(email, ''), role, job_title, level, department,"
        " line_of_business, status FROM participants ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (limit,),
    )
    return [RosterRow(*row) for row in rows]
