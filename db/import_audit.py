"""The audit row of each person an import added: short when written, whole when read.

A form's save audits a new person with the whole row as ``after``. An import did the same,
and at 100,000 people those rows (about 1.35 KB of JSON each) were two thirds of the
database and most of the import's writing. An import now audits each person it adds with
``{"id": 12, "import": "people.csv"}`` and the label (the name as added); see
rmtui.csv_import.

Nothing is lost: every later change to a person is audited with what it replaced (an
update's ``before``, a removal's whole row), so the row as the import added it is the row
as it is now with each later audit row of that person taken back, newest first. :func:`fill_imported` does that for the rows
a reader has read (the audit view, ``rmtui audit``, undo), so they see what an import used
to write: the row as added (the manager linked by the import's own later audit row, so
``manager_id`` null; version 1; updated when created), without the sensitive attributes,
then ``id`` and ``import``. Rows written whole (by older versions) are read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from rmtui.db.records import Participant
from rmtui.db.sqlite import sqlite3

_FIELDS = tuple(name for name in Participant(name="", role="mentee").to_row() if name not in ("id", "attributes"))
"""A participant's audited values, in the order a create row names them."""
_CHUNK = 500


def is_short(entity: str, action: str, after: Any) -> bool:
    """Whether an audit row (``after`` decoded) is an import's short create row of a person."""
    return (
        entity == "participants"
        and action == "create"
        and isinstance(after, dict)
        and "import" in after
        and "name" not in after
    )


def fill_imported(conn: sqlite3.Connection, rows: Iterable[MutableMapping[str, Any]]) -> None:
    """Give each short create row among ``rows`` (audit rows as dicts, ``after`` decoded) the
    person's values as the import added them, in place. Read ``rows`` and call this in one
    snapshot (or write transaction). A row whose person's history does not lead back to it
    (never, while every change is audited) keeps its short form."""
    short = {row["id"]: row for row in rows if is_short(row["entity"], row["action"], row["after"])}
    values = created_values(conn, [(audit_id, row["entity_id"]) for audit_id, row in short.items()])
    for audit_id, found in values.items():
        short[audit_id]["after"] = {**found, **short[audit_id]["after"]}


def created_values(conn: sqlite3.Connection, creates: Iterable[tuple[int, int]]) -> dict[int, dict[str, Any]]:
    """Return audit id → the person's values when created, for each (audit id, person id) of a
    create row: the row now, each later audit row of the person taken back, newest first."""
    wanted: dict[int, list[int]] = {}
    for audit_id, person_id in creates:
        wanted.setdefault(person_id, []).append(audit_id)
    found: dict[int, dict[str, Any]] = {}
    people = sorted(wanted)
    for start in range(0, len(people), _CHUNK):
        part = people[start : start + _CHUNK]
        marks = ", ".join("?" * len(part))
        cursor = conn.execute(f"SELECT * FROM participants WHERE id IN ({marks})", part)
        names = [d[0] for d in cursor.description]
        key = names.index("id")
        now = {row[key]: dict(zip(names, row)) for row in cursor}
        since = min(min(wanted[person_id]) for person_id in part)
        later: dict[int, list[tuple[int, str, str | None]]] = {}
        for audit_id, person_id, action, before in conn.execute(
            "SELECT id, entity_id, action, before FROM audit "
            f"WHERE entity = 'participants' AND entity_id IN ({marks}) AND id > ? ORDER BY id DESC",
            (*part, since),
        ):
            later.setdefault(person_id, []).append((audit_id, action, before))
        for person_id in part:
            state = now.get(person_id)
            history = iter(later.get(person_id, ()))
            step = next(history, None)
            for create_id in sorted(wanted[person_id], reverse=True):
                while step is not None and step[0] > create_id:
                    state = _taken_back(state, step[1], step[2])
                    step = next(history, None)
                if state is not None:
                    found[create_id] = _as_created(state)
    return found


def _taken_back(state: dict[str, Any] | None, action: str, before: str | None) -> dict[str, Any] | None:
    """Return a person's row before one audit row of theirs (``state``: after it; None: absent).
    A removal keeps the whole row; a row added again under a freed id has that removal before it."""
    old = json.loads(before) if before is not None else None
    if action == "delete":
        return dict(old) if isinstance(old, dict) else None
    if state is None or not isinstance(old, dict):
        return state
    return {**state, **old}


def _as_created(state: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: state.get(name) for name in _FIELDS}
    values.update(version=1, updated_at=state.get("created_at"))
    return values
