"""Undo, redo and an admin's revert: taking back one audited change (issue 15 item 2).

One change is one write transaction: every audit row it wrote carries the same
``audit.change_id`` (db/store.py), so an edit, an import or a whole-wave accept is taken
back as the unit it was. Taking a change back writes its inverse as a **new** audited
change (the rows as they were, through the same tables, so the change logs and every open
screen see it) plus one marker row: entity ``change``, entity_id the change taken back,
action ``undo`` (your own), ``revert`` (an admin's, of anyone's) or ``redo`` (an undo
taken back).

Before writing, inside the same ``BEGIN IMMEDIATE`` transaction, every row the change
touched must still be as the change left it, and no later audit row may name it (other
than changes since taken back): else :class:`UndoConflictError` says who changed it and
when, and carries the fields (what undo would restore against what is there now).

What cannot be taken back honestly is refused with one sentence (:class:`UndoError`):
a demo build; changes written before this version of rmtui that did not record which rows
they touched (a withdrawn proposal kept only its two people, cancelled sessions and a
resume's moved sessions only their count); a row removed whose sensitive attributes the
audit does not keep; a row other rows have come to depend on since (a person now in a
pair, a pair with survey answers). A person's sensitive attributes are never in the audit,
so an undone edit of them is not restored either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from rmtui.db import Store, StoreError
from rmtui.db.coordinators import admins_of, has_coordinators, require_admin, role_of
from rmtui.db.import_audit import fill_imported
from rmtui.db.sqlite import sqlite3
from rmtui.db.store import Writer
from rmtui.text import clean

MARKER = "change"
"""The audit entity of the row that says which change an undo, redo or revert took back."""
TAKE_BACK = ("undo", "revert", "redo")
BIG_CHANGE = 10
"""A change touching this many rows or more is confirmed before it is undone (the app asks)."""
_WALK = 500
_IGNORED = {"version", "updated_at", "created_at", "id"}
KEEP_RUN = "keep run"
"""The audit action of keeping a match run (rmtui.match_runs): ctrl+z passes over it."""

_COMPANIONS = {"override", "accept wave", "accept run", "complete", "pause", "import", "plan sessions", "cancel", *TAKE_BACK}
"""Audit actions that describe rows other audit rows of the same change record (no data of their own)."""


class UndoError(StoreError):
    """A change that cannot be taken back (or nothing to take back); the message says why."""


@dataclass(frozen=True)
class FieldChange:
    """One field of a row someone changed since: what undo would restore, what is there now."""

    field: str
    restore: Any
    now: Any
    changed: bool = True
    """True when someone changed this field since; False for a field undo would restore unopposed."""


def _readable(instant: str) -> str:
    """Return a stored UTC instant (2026-11-20T09:05:00Z) as "2026-11-20 09:05 UTC"."""
    day, _, time = instant.partition("T")
    return f"{day} {time[:5]} UTC" if time else day


class UndoConflictError(UndoError):
    """Someone changed a row of the change since: who, when, and the fields, for a field-by-field view."""

    def __init__(self, verb: str, summary: str, table: str, row_id: Any, label: str,
                 changed_by: str | None, changed_at: str | None, fields: list[FieldChange]) -> None:
        who = clean(changed_by) if changed_by else "another change the audit does not name"
        when = f" at {_readable(changed_at)}" if changed_at else ""
        super().__init__(
            f"Cannot {verb} “{summary}”: {who} changed {label}{when} since, so nothing was changed; "
            "see their change in the audit (8) and decide field by field."
        )
        self.table, self.row_id, self.label = table, row_id, label
        self.changed_by, self.changed_at, self.fields = changed_by, changed_at, fields
        self.summary = summary
        self.version: int | None = None
        """The row's version now, for applying the fields the coordinator chose (:func:`apply_fields`)."""


@dataclass
class Change:
    """One audited change (a transaction's audit rows), as undo sees it."""

    change_id: int
    actor: str
    at: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    """Its audit rows; left empty in the change an undo, redo or revert returns (read_change reads them)."""
    summary: str = ""
    size: int = 0
    """How many rows it changed (what a coordinator would count: pairs, people, sessions)."""
    kind: str = "change"
    """``change``, or ``undo``/``revert``/``redo`` when it took another change back."""
    target: int | None = None
    made_by: str | None = None
    """For an undo, redo or revert: who made the change it took back."""

    bulk: bool = False
    """A whole-wave accept or an import: always confirmed before it is taken back."""

    @property
    def big(self) -> bool:
        return self.bulk or self.size >= BIG_CHANGE


# ---------------------------------------------------------------- reading changes


def _rows(conn: sqlite3.Connection, change_id: int) -> list[dict[str, Any]]:
    cursor = conn.execute("SELECT * FROM audit WHERE change_id = ? ORDER BY id", (change_id,))
    names = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        for key in ("before", "after"):
            row[key] = json.loads(row[key]) if row[key] is not None else None
        rows.append(row)
    fill_imported(conn, rows)  # an import's short create rows, as the person was added
    return rows


def _change(conn: sqlite3.Connection, change_id: int) -> Change | None:
    rows = _rows(conn, change_id)
    if not rows:
        return None
    change = Change(change_id, rows[0]["actor"], rows[0]["at"], rows)
    marker = next((r for r in rows if r["entity"] == MARKER and r["action"] in TAKE_BACK), None)
    if marker is not None:
        change.kind, change.target = marker["action"], marker["entity_id"]
        change.made_by = (marker["after"] or {}).get("by")
    change.summary, change.size = _describe(change)
    bulk = ("accept wave", "import")
    change.bulk = any(r["action"] in bulk or (isinstance(r["after"], dict) and "import" in r["after"]) for r in rows)
    return change


def _describe(change: Change) -> tuple[str, int]:
    """Return what a coordinator would call the change, in a few words, and its size."""
    rows = change.rows
    if change.kind in TAKE_BACK:
        # Named after the change first made: redo of an undo of X is X again.
        marker = next(r for r in rows if r["entity"] == MARKER)
        what = (marker["after"] or {}).get("summary") or f"change {change.target}"
        size = len({(r["entity"], r["entity_id"]) for r in rows if r["entity"] != MARKER})
        return str(what), size
    if any(r["action"] == "demo" for r in rows):
        return "built the demo programme", len(rows)
    run = next((r for r in rows if r["action"] == "accept run"), None)
    if run is not None:
        count = len((run["after"] or {}).get("pairs", []))
        return f"accepted {count} pair{'s' if count != 1 else ''} of {clean(run['label'] or 'a match run')}", count
    accept = next((r for r in rows if r["action"] == "accept wave"), None)
    if accept is not None:
        count = len((accept["after"] or {}).get("pairs", []))
        return f"accepted {count} pair{'s' if count != 1 else ''} in {clean(accept['label'] or 'the wave')}", count
    imported = [r for r in rows if r["entity"] == "participants" and isinstance(r["after"], dict) and "import" in r["after"]]
    if imported:
        files = sorted({str(r["after"]["import"]) for r in imported})
        people = len({r["entity_id"] for r in rows if r["entity"] == "participants"})
        return f"imported {people} {'person' if people == 1 else 'people'} from {clean(', '.join(files))}", people
    feedback = next((r for r in rows if r["entity"] == "feedback" and r["action"] == "import"), None)
    if feedback is not None:
        count = int((feedback["after"] or {}).get("answers", 0))
        return f"imported {count} survey answers from {clean(str((feedback['after'] or {}).get('file', 'a file')))}", count
    main = [r for r in rows if r["entity"] != "coordinators" or not (r["after"] or {}).get("reason")]
    main = main or rows
    keys = {(r["entity"], r["entity_id"]) for r in main}
    first = main[0]
    label = clean(first["label"] or "") or (f"{first['entity']} #{first['entity_id']}" if first["entity_id"] else first["entity"])
    verb = {"create": "added", "update": "edited", "delete": "removed", "set": "set"}.get(first["action"], clean(first["action"]))
    if first["action"] == "set" and isinstance(first["after"], dict):
        label = ", ".join(clean(str(k)) for k in first["after"]) or label
    if first["action"] == "update" and isinstance(first["after"], dict) and first["after"]:
        label += f" ({', '.join(clean(str(k)) for k in list(first['after'])[:3])})"
    others = len(keys) - 1
    tail = f" and {others} more row{'s' if others != 1 else ''}" if others > 0 else ""
    return f"{verb} {label}{tail}", len(keys)


def _taken_back(conn: sqlite3.Connection, change_id: int) -> tuple[str, str, int] | None:
    """Return (who, when, by change) if a later undo, revert or redo took ``change_id`` back."""
    row = conn.execute(
        "SELECT actor, at, change_id FROM audit WHERE entity = ? AND entity_id = ? AND action IN ('undo', 'revert', 'redo') "
        "ORDER BY id DESC LIMIT 1",
        (MARKER, change_id),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def _recent(conn: sqlite3.Connection, actor: str) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT change_id FROM audit WHERE actor = ? AND change_id IS NOT NULL ORDER BY change_id DESC LIMIT ?",
        (actor, _WALK),
    )]


def _kind(conn: sqlite3.Connection, change_id: int) -> str:
    """Return ``change``, or ``undo``/``revert``/``redo`` for a change that took another back (one index probe)."""
    row = conn.execute(
        "SELECT action FROM audit WHERE change_id = ? AND entity = ? AND action IN ('undo', 'revert', 'redo') LIMIT 1",
        (change_id, MARKER),
    ).fetchone()
    return str(row[0]) if row else "change"


def _only_kept_run(conn: sqlite3.Connection, change_id: int) -> bool:
    """Whether the change only kept a match run: a record to compare, not a change to take back."""
    return conn.execute(
        "SELECT 1 FROM audit WHERE change_id = ? AND action != ? LIMIT 1", (change_id, KEEP_RUN)
    ).fetchone() is None


def _last_undoable(conn: sqlite3.Connection, actor: str) -> Change | None:
    for change_id in _recent(conn, actor):
        if _kind(conn, change_id) in ("undo", "revert") or _only_kept_run(conn, change_id):
            continue
        if _taken_back(conn, change_id) is None:
            return _change(conn, change_id)
    return None


def _last_redoable(conn: sqlite3.Connection, actor: str) -> Change | None:
    for change_id in _recent(conn, actor):
        if _only_kept_run(conn, change_id):
            continue
        kind = _kind(conn, change_id)
        if kind == "change":
            return None  # a new change since the last undo: nothing to redo
        if kind == "redo":
            continue
        if _taken_back(conn, change_id) is None:
            return _change(conn, change_id)
    return None


def last_undoable(store: Store, actor: str | None = None) -> Change | None:
    """Return the newest change by ``actor`` (default the store's) not taken back yet, or None."""
    with store.snapshot(), store.reading() as conn:
        return _last_undoable(conn, actor or store.actor)


def last_redoable(store: Store, actor: str | None = None) -> Change | None:
    """Return the newest undo by ``actor`` that ``redo`` would take back, or None."""
    with store.snapshot(), store.reading() as conn:
        return _last_redoable(conn, actor or store.actor)


def read_change(store: Store, change_id: int) -> Change | None:
    """Return one change by its id (``audit.change_id``), or None."""
    with store.snapshot(), store.reading() as conn:
        return _change(conn, change_id)


# ---------------------------------------------------------------- what a change did, row by row


@dataclass
class _Effect:
    """One row a change touched: as it was before the change and as the change left it."""

    table: str
    key: Any  # the row id (a setting's key for settings)
    label: str
    initial: dict[str, Any] | None = None
    final: dict[str, Any] | None = None
    existed: bool = True  # whether the row existed before the change
    exists: bool = True  # whether the change left it in place
    order: int = 0
    dropped_sensitive: bool = False


def _refuse(summary: str, why: str) -> UndoError:
    return UndoError(f"“{summary}” cannot be taken back: {why}.")


def _effects(conn: sqlite3.Connection, change: Change) -> list[_Effect]:
    """Fold the change's audit rows into one effect per row touched, refusing what cannot be reversed."""
    effects: dict[tuple[str, Any], _Effect] = {}

    def effect(table: str, key: Any, label: str | None) -> _Effect:
        found = effects.get((table, key))
        if found is None:
            found = effects[(table, key)] = _Effect(table, key, clean(label or "") or f"{table} #{key}", order=len(effects))
        return found

    for row in change.rows:
        entity, action, before, after = row["entity"], row["action"], row["before"], row["after"]
        label = row["label"]
        if entity == MARKER:
            continue
        if entity == "coordinators" and action == "create" and (after or {}).get("reason"):
            continue  # the first writer's enrolment as admin: not the change they made
        if entity == "settings" and action == "set":
            for key in dict(after or {}) | dict(before or {}):
                e = effect("settings", key, f"the {key} setting")
                if e.initial is None and e.final is None:
                    e.existed = before is not None and key in before
                    e.initial = {"value": (before or {}).get(key)}
                e.exists = after is not None and key in after
                e.final = {"value": (after or {}).get(key)}
            continue
        if entity == "sessions" and action == "cancel":
            was = (after or {}).get("was")
            if was is None:
                raise _refuse(change.summary, "its cancelled sessions were recorded before undo kept which ones")
            for session_id, status in was.items():
                e = effect("sessions", int(session_id), f"session {session_id}")
                e.initial = {**{"status": status}, **(e.initial or {})}
                e.final = {**(e.final or {}), "status": "cancelled"}
            continue
        if action == "plan sessions":
            for seq, due_on in (after or {}).get("sessions", []):
                found = conn.execute("SELECT id FROM sessions WHERE pair_id = ? AND seq = ?", (row["entity_id"], seq)).fetchone()
                if found is None:
                    raise UndoConflictError("undo", change.summary, "sessions", None, f"session {seq} of {clean(label or 'the pair')}",
                                            *_last_writer(conn, "pairs", row["entity_id"], change.change_id), [])
                e = effect("sessions", found[0], f"session {seq} of {clean(label or 'the pair')}")
                e.existed, e.initial = False, None
                e.final = {"pair_id": row["entity_id"], "seq": seq, "due_on": due_on}
            continue
        if action == "resume":
            moved = (after or {}).get("moved")
            if (after or {}).get("sessions_moved") and moved is None:
                raise _refuse(change.summary, "the sessions it moved were recorded before undo kept which ones")
            for session_id, ((due_was, at_was), (due_now, at_now)) in (moved or {}).items():
                e = effect("sessions", int(session_id), f"session {session_id} of {clean(label or 'the pair')}")
                e.initial = {"due_on": due_was, "scheduled_at": at_was, **(e.initial or {})}
                e.final = {**(e.final or {}), "due_on": due_now, "scheduled_at": at_now}
            continue
        if action == "withdraw" and entity == "participants":
            continue  # the status update beside it is the change
        if action == "demo":
            raise _refuse(change.summary, "a demo build is replaced by building the demo again (rmtui demo)")
        if action in _COMPANIONS:
            continue
        if row["entity_id"] is None:
            raise _refuse(change.summary, f"its “{clean(action)}” on {clean(entity)} records no row to restore")
        e = effect(entity, row["entity_id"], label)
        if action == "create":
            if e.initial is None and e.final is None:
                e.existed = False
            e.exists, e.final = True, dict(after or {})
        elif action == "update":
            if e.initial is None and e.final is None:
                e.initial, e.final = {}, {}
            if e.existed:  # the earliest value of each field is the one to restore
                e.initial = {**dict(before or {}), **(e.initial or {})}
            e.final = {**(e.final or {}), **(after or {})}
        elif action in ("delete", "withdraw"):
            whole = before or {}
            if "id" not in whole or (entity == "pairs" and "wave_id" not in whole) or (entity == "participants" and "role" not in whole):
                if entity != "coordinators":
                    raise _refuse(change.summary, f"{e.label} was removed before undo kept whole rows")
            if e.initial is None and e.final is None:
                e.initial = dict(whole)
                e.dropped_sensitive = bool(whole.get("sensitive_not_kept"))
            e.exists, e.final = False, None
        else:
            raise _refuse(change.summary, f"“{clean(action)}” records no before and after values to restore")
    return sorted(effects.values(), key=lambda e: e.order)


def _last_writer(conn: sqlite3.Connection, table: str, key: Any, since: int) -> tuple[str | None, str | None]:
    row = conn.execute(
        "SELECT actor, at FROM audit WHERE entity = ? AND entity_id = ? AND change_id > ? ORDER BY id DESC LIMIT 1",
        (table, key, since),
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _current(conn: sqlite3.Connection, table: str, key: Any) -> dict[str, Any] | None:
    return _current_rows(conn, table, [key]).get(key)


def _current_rows(conn: sqlite3.Connection, table: str, keys: list[Any]) -> dict[Any, dict[str, Any]]:
    """Return key → the row as it is now, for those of ``keys`` still there (one read)."""
    if table == "settings":
        return {
            key: {"value": json.loads(value), "version": version}
            for key, value, version in conn.execute(
                "SELECT key, value, version FROM settings WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(keys),)
            )
        }
    cursor = conn.execute(f'SELECT * FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))', (json.dumps(keys),))
    names = [d[0] for d in cursor.description]
    return {row["id"]: row for row in (dict(zip(names, values)) for values in cursor)}


def _current_all(conn: sqlite3.Connection, effects: list[_Effect]) -> dict[tuple[str, Any], dict[str, Any]]:
    """Return (table, key) → the row now of every row ``effects`` name, one read per table."""
    keys: dict[str, list[Any]] = {}
    for e in effects:
        keys.setdefault(e.table, []).append(e.key)
    return {(table, key): row for table, part in keys.items() for key, row in _current_rows(conn, table, part).items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, (list, dict)):
        try:
            return bool(json.loads(a) == b)
        except ValueError:
            return False
    if isinstance(b, str) and isinstance(a, (list, dict)):
        return _same(b, a)
    return bool(a == b)


def _later_rows(conn: sqlite3.Connection, effects: list[_Effect], change: Change) -> dict[tuple[str, Any], list[tuple[str, str, int]]]:
    """Return (table, key) → (who, when, change) of each later audit row naming the row, newest
    first: one read per table (a setting's rows name it in their values)."""
    found: dict[tuple[str, Any], list[tuple[str, str, int]]] = {}
    keys: dict[str, list[Any]] = {}
    for e in effects:
        if e.table == "settings":
            found[(e.table, e.key)] = conn.execute(
                "SELECT actor, at, change_id FROM audit WHERE entity = 'settings' AND entity_id IS NULL AND change_id > ? "
                "AND (EXISTS (SELECT 1 FROM json_each(audit.after) WHERE json_each.key = ?) "
                "OR EXISTS (SELECT 1 FROM json_each(audit.before) WHERE json_each.key = ?)) ORDER BY id DESC",
                (change.change_id, e.key, e.key),
            ).fetchall()
        else:
            keys.setdefault(e.table, []).append(e.key)
    for table, part in keys.items():
        for key, actor, at, later in conn.execute(
            "SELECT entity_id, actor, at, change_id FROM audit WHERE entity = ? "
            "AND entity_id IN (SELECT value FROM json_each(?)) AND change_id > ? ORDER BY id DESC",
            (table, json.dumps(part), change.change_id),
        ):
            found.setdefault((table, key), []).append((actor, at, later))
    return found


def _later_change(conn: sqlite3.Connection, rows: list[tuple[str, str, int]], change: Change) -> tuple[str, str, int] | None:
    """Return the newest of a row's later audit ``rows`` (who, when, change), ignoring changes
    since taken back and the take-backs of changes newer than this one."""
    for actor, at, later in rows:
        if _taken_back(conn, later) is not None:
            continue
        marker = conn.execute(
            "SELECT entity_id FROM audit WHERE change_id = ? AND entity = ? AND action IN ('undo', 'revert', 'redo')",
            (later, MARKER),
        ).fetchone()
        if marker is not None and marker[0] is not None and marker[0] > change.change_id:
            continue
        return actor, at, later
    return None


def _check(conn: sqlite3.Connection, change: Change, effects: list[_Effect], verb: str) -> dict[tuple[str, Any], dict[str, Any]]:
    """Refuse (naming who and when) unless every row is still as the change left it; return
    (table, key) → each row as it is, as read for the check."""
    current, since = _current_all(conn, effects), _later_rows(conn, effects, change)
    for e in effects:
        later = _later_change(conn, since.get((e.table, e.key), []), change)
        now = current.get((e.table, e.key))
        differs: list[FieldChange] = []
        if e.exists:
            if now is None:
                differs = [FieldChange("(the whole row)", "as it was", "removed")]
            else:
                for name, value in (e.final or {}).items():
                    if name in _IGNORED or name not in now:
                        continue
                    if now[name] != value and not _same(now[name], value):
                        restore = (e.initial or {}).get(name, value)
                        differs.append(FieldChange(name, restore, now[name]))
        elif now is not None:
            differs = [FieldChange("(the whole row)", "removed", "back in place")]
        if later is None and not differs:
            continue
        who, when = (later[0], later[1]) if later else _last_writer(conn, e.table, e.key, change.change_id)
        if now is not None and e.exists and e.existed:
            # The fields undo would restore unopposed too, so the field view can restore them as well.
            seen = {f.field for f in differs}
            differs += [
                FieldChange(name, (e.initial or {})[name], now[name], changed=False)
                for name in (e.final or {})
                if name not in _IGNORED and name in now and name not in seen and name in (e.initial or {})
                and not _same(now[name], (e.initial or {})[name])
            ]
        error = UndoConflictError(verb, change.summary, e.table, e.key, e.label, who, when, differs)
        error.version = None if now is None or now.get("version") is None else int(now["version"])
        raise error
    return current


# ---------------------------------------------------------------- writing the inverse


_DEPENDENTS: dict[str, list[tuple[str, str, str]]] = {
    "participants": [("pairs", "mentor_id", "{label} is in a pair added since"),
                     ("pairs", "mentee_id", "{label} is in a pair added since"),
                     ("participants", "manager_id", "{other} reports to {label} since")],
    "pairs": [("sessions", "pair_id", "{label} has sessions added since"),
              ("feedback", "pair_id", "{label} has survey answers added since")],
    "waves": [("pairs", "wave_id", "{label} has pairs added since")],
    "coaches": [("pairs", "coach_id", "{label} coaches a pair added since")],
}
"""Per table: the rows pointing at one of its rows (table, column) and why that stops its removal."""


def _dependents(conn: sqlite3.Connection, removals: list[_Effect]) -> str | None:
    """Return why the first of ``removals`` that rows not being removed point at cannot be
    removed, or None: one read per kind of pointer, before anything is removed."""
    removing = {(e.table, e.key) for e in removals}
    keys: dict[str, list[Any]] = {}
    for e in removals:
        keys.setdefault(e.table, []).append(e.key)
    blocked: dict[tuple[str, Any], tuple[str, str, Any]] = {}
    for table, part in keys.items():
        for child, column, why in _DEPENDENTS.get(table, []):
            for found, parent in conn.execute(
                f"SELECT id, {column} FROM {child} WHERE {column} IN (SELECT value FROM json_each(?)) ORDER BY id",
                (json.dumps(part),),
            ):
                if (child, found) not in removing:
                    blocked.setdefault((table, parent), (why, child, found))
    for e in removals:
        if (e.table, e.key) in blocked:
            why, child, found = blocked[(e.table, e.key)]
            other = conn.execute(f"SELECT name FROM {child} WHERE id = ?", (found,)).fetchone() if child == "participants" else None
            return why.format(label=e.label, other=clean(other[0]) if other else f"{child} #{found}")
    return None


_PARENTS_FIRST = {"coordinators": 0, "coaches": 1, "participants": 2, "waves": 3, "pairs": 4, "sessions": 5, "feedback": 6}


def _write_inverse(writer: Writer, change: Change, effects: list[_Effect], current: dict[tuple[str, Any], dict[str, Any]]) -> None:
    """Write the inverse of ``change``; ``current``: the rows as _check read them in this transaction."""
    # Put back what the change removed (parents first), then restore edited fields, then
    # remove what it added (children first: sessions before their pair, pair before person).
    back = [e for e in sorted(effects, key=lambda e: (_PARENTS_FIRST.get(e.table, 9), e.order)) if e.existed and not e.exists]
    if back:
        # Rows may point at rows put back after them (a manager after the people they manage):
        # each row's parents are checked to be here or coming back (_put_back), and SQLite
        # checks the foreign keys once every row is back.
        shapes = {table: _shape(writer.conn, table) for table in {e.table for e in back}}
        returning = {(e.table, e.key) for e in back}
        writer.execute("PRAGMA defer_foreign_keys = ON")
        for e in back:
            _put_back(writer, change, e, *shapes[e.table], returning)
        writer.execute("PRAGMA defer_foreign_keys = OFF")
    for e in effects:
        if e.existed and e.exists:
            _restore_fields(writer, e)
    removals = [e for e in sorted(effects, key=lambda e: (-_PARENTS_FIRST.get(e.table, 9), -e.order)) if not e.existed and e.exists]
    why = _dependents(writer.conn, removals)
    if why:
        raise _refuse(change.summary, why)
    _remove(writer, removals, current)


def _shape(conn: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Return ``table``'s columns and (table, column) of each row its rows may point at (foreign keys)."""
    if table == "settings":
        return [], []
    columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
    return columns, [(row[2], row[3]) for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')]


def _put_back(writer: Writer, change: Change, e: _Effect, columns: list[str], parents: list[tuple[str, str]],
              returning: set[tuple[str, Any]]) -> None:
    row = dict(e.initial or {})
    if e.table == "settings":
        writer.set_setting(e.key, row.get("value"))
        return
    if e.dropped_sensitive:
        raise _refuse(change.summary, f"{e.label}'s sensitive attributes were not kept when it was removed")
    if e.table == "coordinators":
        require_admin(writer)
        if role_of(conn := writer.conn, row.get("os_user", "")) is not None:
            raise _refuse(change.summary, f"{clean(row.get('os_user', ''))} is a coordinator again already")
        row.setdefault("added_at", writer.now)
        row.setdefault("added_by", writer.store.actor)
    else:
        conn = writer.conn
    if conn.execute(f'SELECT 1 FROM "{e.table}" WHERE id = ?', (e.key,)).fetchone():
        raise _refuse(change.summary, f"its number {e.key} is used by another {e.table} row now")
    values = {k: v for k, v in row.items() if k in columns}
    values["id"] = e.key
    if "version" in columns:
        values["version"] = int(values.get("version") or 0) + 1
    if "updated_at" in columns:
        values["updated_at"] = writer.now
    if "created_at" in columns and not values.get("created_at"):
        values["created_at"] = writer.now
    for parent, column in parents:
        ref = values.get(column)
        if ref is not None and (parent, ref) not in returning and _current(conn, parent, ref) is None:
            gone = conn.execute(
                "SELECT label FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1", (parent, ref)
            ).fetchone()
            name = clean(gone[0]) if gone and gone[0] else f"{parent} #{ref}"
            raise _refuse(change.summary, f"{e.label} no longer fits: its {column.removesuffix('_id')} {name} was removed since")
    try:
        conn.execute(
            f'INSERT INTO "{e.table}" ({", ".join(values)}) VALUES ({", ".join("?" for _ in values)})', tuple(values.values())
        )
    except sqlite3.IntegrityError as error:
        raise _refuse(change.summary, f"{e.label} no longer fits ({error})") from error
    stored = _current(conn, e.table, e.key) or values
    writer.audit(e.table, e.key, "create", None, {k: v for k, v in stored.items() if k != "attributes"})


def _restore_fields(writer: Writer, e: _Effect) -> None:
    values = {k: v for k, v in (e.initial or {}).items() if k not in _IGNORED}
    if e.table == "settings":
        writer.set_setting(e.key, values.get("value"))
        return
    if not values:
        return
    now = _current(writer.conn, e.table, e.key) or {}
    values = {k: v for k, v in values.items() if k in now}
    if not values:
        return
    if "version" in now:
        writer.update(e.table, e.key, int(now["version"]), values)
        return
    writer.execute(f'UPDATE "{e.table}" SET {", ".join(f"{k} = ?" for k in values)} WHERE id = ?', (*values.values(), e.key))
    writer.audit(e.table, e.key, "update", {k: now[k] for k in values}, values)


def _remove(writer: Writer, removals: list[_Effect], current: dict[tuple[str, Any], dict[str, Any]]) -> None:
    """Remove the rows of ``removals`` (children first), auditing each as it was.

    Every row is read before any is removed: removing a manager empties their reports'
    ``manager_id`` (ON DELETE SET NULL), and a report removed after must be recorded with
    their manager, so a redo puts the link back. They are ``current``, read by _check: what
    was written since (rows put back, fields restored) touched none of the rows removed."""
    for table, group in groupby(removals, key=lambda e: e.table):
        if table == "settings":
            for e in group:
                old = writer.conn.execute("SELECT value FROM settings WHERE key = ?", (e.key,)).fetchone()
                writer.execute("DELETE FROM settings WHERE key = ?", (e.key,))
                writer.audit("settings", None, "set", {e.key: json.loads(old[0])} if old else None, None)
            continue
        if table == "coordinators":
            require_admin(writer)
        gone = [(e.key, current[(table, e.key)]) for e in group if (table, e.key) in current]
        writer.execute(f'DELETE FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))', (json.dumps([k for k, _ in gone]),))
        for key, row in gone:
            before = {k: v for k, v in row.items() if k != "attributes"}
            if row.get("attributes") not in (None, "", "{}"):
                before["sensitive_not_kept"] = True
            writer.audit(table, key, "delete", before, None)


# ---------------------------------------------------------------- the three verbs


def _take_back(store: Store, find: Callable[[sqlite3.Connection], Change | None], verb: str, missing: str, *,
               dry_run: bool = False, admin: bool = False, expect: int | None = None) -> Change:
    """Write the inverse of the change ``find`` reads (None: raise ``missing``) as a new audited
    change, after checking nothing moved on. The change is read once, under the write lock."""
    summary = "the change"
    try:
        with store.write() as writer:
            conn = writer.conn
            fresh = find(conn)
            if fresh is None:
                raise UndoError(missing)
            summary = fresh.summary
            if expect is not None and fresh.change_id != expect:
                key = "ctrl+y" if verb == "redo" else "ctrl+z"
                raise UndoError(f"Your last change is now “{fresh.summary}”, not the one you were asked about; "
                                f"press {key} again to {verb} it.")
            if admin and has_coordinators(conn) and role_of(conn, store.actor) != "admin":
                raise UndoError(
                    f"Only an admin ({', '.join(admins_of(conn))}) can revert a change; undo your own last change with ctrl+z."
                )
            if not admin and fresh.actor != store.actor:
                raise UndoError(f"“{fresh.summary}” was made by {clean(fresh.actor)}; only an admin can revert it, from the audit (8).")
            done = _taken_back(conn, fresh.change_id)
            if done is not None:
                raise UndoError(f"“{fresh.summary}” was already taken back by {clean(done[0])} at {done[1]}.")
            effects = [e for e in _effects(conn, fresh) if not (e.existed and e.exists and not e.initial)]
            if not effects:
                # An edit of a person's sensitive attributes only is audited without its values.
                raise _refuse(fresh.summary, "it changed nothing the audit keeps (a person's sensitive attributes "
                              "are never kept), so there is nothing to restore")
            current = _check(conn, fresh, effects, "redo" if verb == "redo" else "undo")
            if dry_run:
                raise _DryRun(fresh)
            _write_inverse(writer, fresh, effects, current)
            writer.audit(MARKER, fresh.change_id, verb, None, {"change": fresh.change_id, "summary": fresh.summary, "by": fresh.actor})
            writer.execute("UPDATE audit SET label = ? WHERE id = last_insert_rowid()", (f"{verb}: {fresh.summary}",))
            # What _change would read back, without reading the rows just written (100,000 for an import).
            size = writer.execute(
                "SELECT count(*) FROM (SELECT DISTINCT entity, entity_id FROM audit WHERE change_id = ? AND entity != ?)",
                (writer.change_id, MARKER),
            ).fetchone()[0]
            result = Change(writer.change_id, store.actor, writer.now, summary=fresh.summary, size=size, kind=verb,
                            target=fresh.change_id, made_by=fresh.actor)
    except _DryRun as dry:
        return dry.change
    except sqlite3.IntegrityError as error:
        raise _refuse(summary, f"the rows no longer fit together ({error})") from error
    return result


class _DryRun(Exception):
    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change


def undo(store: Store, actor: str | None = None, *, dry_run: bool = False, expect: int | None = None) -> Change:
    """Take back ``actor``'s (default the store's) newest change not yet taken back.

    Returns the new change that did it (``summary`` "undo of …"); with ``dry_run`` the
    change that would be undone, nothing written. Raises :class:`UndoError` when there is
    nothing to undo or it cannot be undone, :class:`UndoConflictError` when someone
    changed its rows since (who, when, which fields).
    """
    if actor is not None and actor != store.actor:
        raise UndoError(f"Only {clean(actor)} can undo their own changes; an admin can revert them from the audit (8).")
    return _take_back(store, lambda conn: _last_undoable(conn, store.actor), "undo",
                      "Nothing to undo: none of your changes is left to take back.", dry_run=dry_run, expect=expect)


def redo(store: Store, actor: str | None = None, *, dry_run: bool = False, expect: int | None = None) -> Change:
    """Take back ``actor``'s newest undo (if no change of theirs came after it): the change again."""
    if actor is not None and actor != store.actor:
        raise UndoError(f"Only {clean(actor)} can redo their own changes.")
    return _take_back(store, lambda conn: _last_redoable(conn, store.actor), "redo",
                      "Nothing to redo: you have undone nothing since your last change.", dry_run=dry_run, expect=expect)


def revert(store: Store, change_id: int, *, dry_run: bool = False) -> Change:
    """An admin takes back any audited change (anyone's), checked like an undo."""
    change = read_change(store, change_id)
    if change is None:
        raise UndoError(f"There is no change {change_id} in the audit.")
    return _take_back(store, _read(change), "revert", _gone(change), dry_run=dry_run, admin=True)


def _read(change: Change) -> Callable[[sqlite3.Connection], Change | None]:
    """Read ``change`` again, as it is now (under the write lock)."""
    return lambda conn: _change(conn, change.change_id)


def _gone(change: Change) -> str:
    return f"Change {change.change_id} is not in the audit."


def take_back(store: Store, change_id: int, *, dry_run: bool = False) -> Change:
    """Take back one change named by its id: your own as an undo, anyone's as an admin's revert."""
    change = read_change(store, change_id)
    if change is None:
        raise UndoError(f"There is no change {change_id} in the audit.")
    if change.actor == store.actor:
        return _take_back(store, _read(change), "undo", _gone(change), dry_run=dry_run)
    return _take_back(store, _read(change), "revert", _gone(change), dry_run=dry_run, admin=True)


def revert_refusal(role: str | None, me: str, actor: str) -> str | None:
    """Return why ``me`` (with ``role``) may not take back a change ``actor`` made, or None if they may."""
    if actor == me or role in (None, "admin"):
        return None
    return (f"Only an admin can revert {clean(actor)}'s change; you are a {role}. "
            "ctrl+z elsewhere undoes your own last change.")


def apply_fields(store: Store, table: str, row_id: int, expected_version: int | None, values: dict[str, Any]) -> int:
    """Write the fields a coordinator chose after an undo conflict, as a normal audited edit.

    The row must still be at ``expected_version`` (ConflictError otherwise, naming who)."""
    if not values:
        raise UndoError("You kept every field as it is now; nothing was changed.")
    if expected_version is None:
        raise UndoError(f"{table} rows have no version to check; change the fields by hand.")
    with store.write() as writer:
        return writer.update(table, row_id, expected_version, values)


def may_revert(store: Store) -> str | None:
    """Return why this user cannot revert others' changes (not an admin), or None if they can."""
    role = store.role()
    if role in (None, "admin"):
        return None
    return f"Only an admin can revert a change; you are a {role}. Undo your own last change with ctrl+z."
