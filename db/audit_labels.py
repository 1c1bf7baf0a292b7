"""The readable label an audit row keeps of the row it changed, taken at the time.

Ids are reused: SQLite hands a deleted coordinator's or a withdrawn pair's id to the next
row, so a label looked up later names whoever holds the id now ("create coordinator bob:
new: alice"). :meth:`Writer.audit` stores the label in the same transaction as the change
instead, and the audit view shows that. Rows already deleted (the audit is written after
the DELETE) are named from the before/after values the audit keeps.
"""

from __future__ import annotations

from typing import Any

from rmtui.db.sqlite import sqlite3

LABEL_SQL: dict[str, str] = {
    "participants": "SELECT id, name FROM participants WHERE id IN ({})",
    "waves": "SELECT id, 'wave ' || name FROM waves WHERE id IN ({})",
    "pairs": """SELECT pairs.id, 'pair ' || mentor.name || ' & ' || mentee.name FROM pairs
        JOIN participants AS mentor ON mentor.id = pairs.mentor_id
        JOIN participants AS mentee ON mentee.id = pairs.mentee_id WHERE pairs.id IN ({})""",
    "sessions": """SELECT sessions.id, 'session ' || sessions.seq || ', ' || mentor.name || ' & ' || mentee.name
        FROM sessions JOIN pairs ON pairs.id = sessions.pair_id
        JOIN participants AS mentor ON mentor.id = pairs.mentor_id
        JOIN participants AS mentee ON mentee.id = pairs.mentee_id WHERE sessions.id IN ({})""",
    "coordinators": "SELECT id, 'coordinator ' || os_user FROM coordinators WHERE id IN ({})",
    "match_runs": "SELECT id, 'match run ' || name FROM match_runs WHERE id IN ({})",
}


def _name(conn: sqlite3.Connection, person_id: Any) -> str | None:
    if not isinstance(person_id, int):
        return None
    row = conn.execute("SELECT name FROM participants WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else str(row[0])


def audit_label(
    conn: sqlite3.Connection, entity: str, entity_id: int | None, before: Any, after: Any
) -> str | None:
    """Return what an audit row about ``entity`` #``entity_id`` should call it, now, or None."""
    if entity_id is None:
        return None
    sql = LABEL_SQL.get(entity)
    if sql is not None:
        row = conn.execute(sql.format("?"), (entity_id,)).fetchone()
        if row is not None and row[1] is not None:
            return str(row[1])
    values: dict[str, Any] = {}
    for side in (after, before):
        if isinstance(side, dict):
            for key, value in side.items():
                values.setdefault(key, value)
    if entity == "participants" and isinstance(values.get("name"), str):
        return values["name"]
    if entity == "coordinators" and isinstance(values.get("os_user"), str):
        return f"coordinator {values['os_user']}"
    if entity == "waves" and isinstance(values.get("name"), str):
        return f"wave {values['name']}"
    if entity == "pairs":
        mentor, mentee = _name(conn, values.get("mentor_id")), _name(conn, values.get("mentee_id"))
        if mentor and mentee:
            return f"pair {mentor} & {mentee}"
    return None
