"""Reading the audit: who changed what and when, before → after, filtered.

Every change the store makes writes an audit row in the same transaction (db/store.py),
so this log is complete. Days are the programme's days (its time zone); instants in the
table are UTC.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import pendulum

from rmtui.db import AuditEntry, Store
from rmtui.db.audit_labels import LABEL_SQL
from rmtui.text import clean

ENTITY_NAMES = {
    "participants": "person",
    "pairs": "pair",
    "sessions": "session",
    "waves": "wave",
    "feedback": "feedback",
    "settings": "setting",
    "coordinators": "coordinator",
    "triage_marks": "triage mark",
}
_ALIASES = {
    **{name: table for table, name in ENTITY_NAMES.items()},
    "participant": "participants",
    "people": "participants",
    "coach": "pairs",
    "users": "coordinators",
    "user": "coordinators",
}
VALUE_WIDTH = 60


@dataclass(frozen=True)
class AuditFilter:
    """What to show: every field narrows the log; days are inclusive, in the programme's zone."""

    entity: str | None = None
    entity_id: int | None = None
    people: tuple[int, ...] | None = None
    pair: int | None = None
    actor: str | None = None
    since: str | None = None
    until: str | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)


def entity_table(name: str) -> str | None:
    """Return the table behind an entity name a person typed ("person", "pairs"...), or None."""
    key = name.strip().lower()
    if key in ENTITY_NAMES:
        return key
    return _ALIASES.get(key) or _ALIASES.get(key.rstrip("s"))


def day_bounds(day: str, tz: str) -> tuple[str, str]:
    """Return the UTC instants [start, end) of calendar ``day`` in time zone ``tz``."""
    parsed = pendulum.parse(day, tz=tz)
    if isinstance(parsed, pendulum.DateTime):
        start = parsed
    elif isinstance(parsed, pendulum.Date):
        start = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=tz)
    else:
        raise ValueError(f"{day!r} is not a day.")
    end = start.add(days=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return start.in_timezone("UTC").strftime(fmt), end.in_timezone("UTC").strftime(fmt)


def _where(flt: AuditFilter, tz: str) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if flt.entity:
        clauses.append("entity = :entity")
        params["entity"] = flt.entity
    if flt.entity_id is not None:
        clauses.append("entity_id = :entity_id")
        params["entity_id"] = flt.entity_id
    if flt.people is not None:
        marks = ", ".join(f":p{i}" for i in range(len(flt.people))) or "NULL"
        params.update({f"p{i}": person for i, person in enumerate(flt.people)})
        clauses.append(
            f"""((entity = 'participants' AND entity_id IN ({marks}))
            OR (entity = 'pairs' AND entity_id IN
                (SELECT id FROM pairs WHERE mentor_id IN ({marks}) OR mentee_id IN ({marks})))
            OR (entity = 'sessions' AND entity_id IN
                (SELECT sessions.id FROM sessions JOIN pairs ON pairs.id = sessions.pair_id
                 WHERE pairs.mentor_id IN ({marks}) OR pairs.mentee_id IN ({marks}))))"""
        )
    if flt.pair is not None:
        clauses.append(
            """((entity = 'pairs' AND entity_id = :pair)
            OR (entity = 'sessions' AND entity_id IN (SELECT id FROM sessions WHERE pair_id = :pair))
            OR (entity = 'feedback' AND entity_id IN (SELECT id FROM feedback WHERE pair_id = :pair)))"""
        )
        params["pair"] = flt.pair
    if flt.actor:
        clauses.append("actor = :actor")
        params["actor"] = flt.actor
    if flt.since:
        clauses.append("at >= :since")
        params["since"] = day_bounds(flt.since, tz)[0]
    if flt.until:
        clauses.append("at < :until")
        params["until"] = day_bounds(flt.until, tz)[1]
    return " AND ".join(clauses) or "1", params


def audit_entries(store: Store, flt: AuditFilter = AuditFilter(), *, tz: str = "UTC", limit: int | None = None) -> list[AuditEntry]:
    """Return the audit entries matching ``flt``, newest first (at most ``limit``)."""
    where, params = _where(flt, tz)
    sql = f"SELECT * FROM audit WHERE {where} ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [AuditEntry.from_row(row) for row in store.query(sql, params)]


def audit_count(store: Store, flt: AuditFilter = AuditFilter(), *, tz: str = "UTC") -> int:
    """Return how many audit entries match ``flt``."""
    where, params = _where(flt, tz)
    return int(store.scalar(f"SELECT count(*) FROM audit WHERE {where}", params) or 0)


def people_named(store: Store, text: str) -> tuple[int, ...]:
    """Return the ids of participants whose name contains ``text`` (or whose id it is)."""
    text = text.strip()
    if text.isdigit():
        return (int(text),)
    rows = store.query_tuples("SELECT id FROM participants WHERE name LIKE ? ORDER BY id", (f"%{text}%",))
    return tuple(row[0] for row in rows)


_TOKEN = re.compile(r'(\w+):("[^"]*"|\S+)')


def parse_filter(store: Store, text: str) -> AuditFilter:
    """Return the filter typed in the audit screen: ``person:ann pair:12 by:alice day:2026-11-20``.

    Also ``since:DAY``, ``until:DAY``, ``entity:session``, ``id:N``; unknown or bad words
    are listed in ``problems`` instead of being silently ignored.
    """
    flt = AuditFilter()
    problems: list[str] = []
    rest = _TOKEN.sub(" ", text).strip()
    if rest:
        problems.append(f"“{clean(rest)[:30]}” needs a name: like by:{clean(rest.split()[0])[:20]}")
    for key, value in _TOKEN.findall(text):
        value = value.strip('"')
        key = key.lower()
        if key in ("person", "who", "participant"):
            found = people_named(store, value)
            if not found:
                problems.append(f"no person matches “{clean(value)[:30]}”")
            flt = replace(flt, people=found)
        elif key == "pair":
            if value.isdigit():
                flt = replace(flt, pair=int(value))
            else:
                problems.append("pair: takes a pair number")
        elif key in ("by", "coordinator", "actor"):
            flt = replace(flt, actor=value)
        elif key in ("day", "on", "since", "until", "from", "to"):
            if not _is_day(value):
                problems.append(f"{key}: takes a day like 2026-11-20")
                continue
            if key in ("day", "on"):
                flt = replace(flt, since=value, until=value)
            elif key in ("since", "from"):
                flt = replace(flt, since=value)
            else:
                flt = replace(flt, until=value)
        elif key in ("entity", "what", "kind"):
            table = entity_table(value)
            if table is None:
                problems.append(f"entity: one of {', '.join(sorted(ENTITY_NAMES.values()))}")
            else:
                flt = replace(flt, entity=table)
        elif key == "id":
            if value.isdigit():
                flt = replace(flt, entity_id=int(value))
            else:
                problems.append("id: takes a number")
        else:
            problems.append(f"unknown filter {clean(key)[:20]}:")
    return replace(flt, problems=tuple(problems))


def _is_day(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        pendulum.parse(text)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return False
    return True


def local_time(entry: AuditEntry, tz: str) -> str:
    """Return when ``entry`` happened as ``YYYY-MM-DD HH:MM`` in the programme's zone."""
    try:
        instant = pendulum.parse(entry.at)
        if not isinstance(instant, pendulum.DateTime):
            return clean(entry.at)
        return instant.in_timezone(tz).strftime("%Y-%m-%d %H:%M")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return clean(entry.at)


def subject(entry: AuditEntry) -> str:
    """Return what the entry is about: ``person #12``, ``setting``, ``coordinator #2``."""
    name = ENTITY_NAMES.get(entry.entity, clean(entry.entity))
    return name if entry.entity_id is None else f"{name} #{entry.entity_id}"


def subject_labels(store: Store, entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """Return a readable name for each row the entries are about: a person's name, "pair
    Mentor & Mentee", "session 3, Mentor & Mentee", "wave Pilot".

    The label each audit row kept when it was written wins: ids are reused, so the row
    holding an id now may be another one (a coordinator added after one was removed). Rows
    written before labels were kept are named from the row as it is now; rows since deleted
    have none."""
    labels: dict[tuple[str, int], str] = {}
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity_id is None:
            continue
        if entry.label:
            labels[(entry.entity, entry.entity_id)] = clean(entry.label)
        else:
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    looked_up: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        sql = LABEL_SQL.get(entity)
        if sql is None:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            for row_id, label in store.query_tuples(sql.format(", ".join("?" for _ in chunk)), chunk):
                looked_up[(entity, row_id)] = clean(label)
    return {**looked_up, **labels}


def entry_label(labels: dict[tuple[str, int], str], entry: AuditEntry) -> str:
    """Return what ``entry`` is about: the label it kept, else the looked-up one, else ``pair #3``."""
    if entry.entity_id is None:
        return subject(entry)
    if entry.label:
        return clean(entry.label)
    return labels.get((entry.entity, entry.entity_id)) or subject(entry)


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        text = clean(value)
    else:
        text = clean(json.dumps(value, ensure_ascii=False))
    if len(text) > VALUE_WIDTH:
        text = text[: VALUE_WIDTH - 1] + "…"
    return text or "“”"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def describe_change(entry: AuditEntry) -> str:
    """Return the change in one line, before → after, user text cleaned of control codes."""
    before, after = _mapping(entry.before), _mapping(entry.after)
    if entry.entity == "change" and entry.action in ("undo", "redo", "revert"):
        # rmtui.undo's marker: which change this one took back (its own rows are listed beside it).
        by = f" by {clean(str(after['by']))}" if after.get("by") else ""
        return f"{entry.action}: {clean(str(after.get('summary', '')))} (change {entry.entity_id}{by})"
    if entry.action == "update" or (before and after):
        keys = list(dict.fromkeys([*before, *after]))
        parts = [f"{clean(key)}: {_value(before.get(key))} → {_value(after.get(key))}" for key in keys]
        return "; ".join(parts) or "no visible change"
    if entry.action in ("create", "set", "insert") or after:
        label = after.get("name") or after.get("os_user") or after.get("key")
        if label is None and len(after) == 1:
            key, value = next(iter(after.items()))
            return f"{clean(key)} = {_value(value)}"
        return f"new: {_value(label)}" if label is not None else f"new {subject(entry)}"
    if before:
        label = before.get("name") or before.get("os_user")
        return f"removed: {_value(label)}" if label is not None else f"removed {subject(entry)}"
    if entry.after is not None and not isinstance(entry.after, dict):
        return _value(entry.after)
    return clean(entry.action)


def describe_full(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """Return every changed field as (field, before, after), values cleaned and untruncated."""
    before, after = _mapping(entry.before), _mapping(entry.after)
    keys = list(dict.fromkeys([*before, *after]))

    def full(value: Any) -> str:
        if value is None:
            return "—"
        return clean(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))

    return [(clean(key), full(before.get(key)), full(after.get(key))) for key in keys]
