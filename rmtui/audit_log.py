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
from rmtui.db.import_audit import fill_imported
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
    with store.snapshot():
        entries = [AuditEntry.from_row(row) for row in store.query(sql, params)]
        with store.reading() as conn:  # an import's short create rows, as the person was added
            fill_imported(conn, [vars(entry) for entry in entries])
    return entries


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


# What a coordinator reads for a stored field name; others become "Field name" (see field_label).
FIELD_LABELS: dict[str, str] = {
    "consent_share": "Consent to share",
    "follow_up_sent": "Follow-up sent",
    "checkpoint": "Checkpoint session",
    "scheduled_at": "Booked for",
    "due_on": "Due",
    "held_on": "Held on",
    "notes_posted_on": "Notes written on",
    "seq": "Session",
    "os_user": "User",
    "line_of_business": "Line of business",
    "development_goals": "Goals",
    "past_experience": "Experience",
    "attributes": "Objective data",
    "timezone": "Time zone",
    "programme_name": "Programme name",
    "cadence_days": "Days between sessions",
    "sessions_planned": "Sessions",
    "session_minutes": "Minutes per session",
    "grace_days": "Grace days",
    "notes_due_days": "Notes due (days)",
    "wave_sessions": "Sessions per wave",
    "wave_cadence_days": "Days between sessions",
    "wave_minutes": "Minutes per session",
    "wave_grace_days": "Grace days",
    "wave_notes_due_days": "Notes due (days)",
    "goal_achieved": "Goal achieved",
    "close_reason": "Close reason",
    "pause_reason": "Pause reason",
    "paused_on": "Paused on",
    "started_on": "Started on",
    "ended_on": "Ended on",
    "starts_on": "Starts on",
    "closed_on": "Closed on",
    "score": "Match score",
}
# Stored 0/1 (or true/false): shown as yes/no.
YES_NO_FIELDS = frozenset({"consent_share", "follow_up_sent", "checkpoint", "goal_achieved", "auto"})
# Statuses in the words the screens use (a session with a set time is "booked" on the timeline).
STATUS_WORDS = {"scheduled": "booked", "closed_early": "closed early"}


def field_label(key: str) -> str:
    """Return a stored field's name as a coordinator reads it: ``follow_up_sent`` → "Follow-up sent"."""
    key = clean(key)
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = key[:-3] if key.endswith("_id") and len(key) > 3 else key
    words = words.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def _day_list(value: list[Any]) -> str | None:
    """``[[1, "2026-12-01"], [2, "2026-12-22"]]`` (planned sessions) → "1 on 2026-12-01, 2 on 2026-12-22"."""
    if value and all(isinstance(item, list) and len(item) == 2 for item in value):
        return ", ".join(f"{clean(str(seq))} on {clean(str(day))}" for seq, day in value)
    return None


def plain_value(key: str, value: Any) -> str:
    """Return a stored value in words, untruncated: yes/no, booked, "1 on 2026-12-01, …", #12."""
    if value is None:
        return "—"
    if key in YES_NO_FIELDS and (isinstance(value, bool) or value in (0, 1)):
        return "yes" if value else "no"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "status" and isinstance(value, str):
        return STATUS_WORDS.get(value, clean(value))
    if key.endswith("_id") and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, str):
        return clean(value) or "“”"
    if isinstance(value, list):
        days = _day_list(value)
        if days is not None:
            return days
        if all(isinstance(item, (str, int, float)) for item in value):
            return ", ".join(clean(str(item)) for item in value) or "none"
    if isinstance(value, dict) and all(isinstance(item, (str, int, float, bool)) or item is None for item in value.values()):
        return "; ".join(f"{clean(str(k))}: {plain_value(str(k), v)}" for k, v in value.items()) or "none"
    return clean(json.dumps(value, ensure_ascii=False))


def _value(key: str, value: Any) -> str:
    text = plain_value(key, value)
    if len(text) > VALUE_WIDTH:
        text = text[: VALUE_WIDTH - 1] + "…"
    return text


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fields(values: dict[str, Any]) -> str:
    return "; ".join(f"{field_label(key)}: {_value(key, value)}" for key, value in values.items())


def _action_fields(action: str, values: dict[str, Any]) -> str:
    """"Plan sessions: 1 on 2026-12-01, …", "Withdraw · Reason: moved": a field the action names is not named again."""
    words = clean(action)
    words = words[:1].upper() + words[1:]
    if len(values) == 1:
        key, value = next(iter(values.items()))
        if field_label(key).lower() in words.lower():
            return f"{words}: {_value(key, value)}"
    return f"{words} · {_fields(values)}"


def describe_change(entry: AuditEntry) -> str:
    """Return the change in one line, in words: "Follow-up sent: no → yes", user text cleaned."""
    before, after = _mapping(entry.before), _mapping(entry.after)
    if entry.entity == "change" and entry.action in ("undo", "redo", "revert"):
        # rmtui.undo's marker: which change this one took back (its own rows are listed beside it).
        by = f" by {clean(str(after['by']))}" if after.get("by") else ""
        return f"{entry.action}: {clean(str(after.get('summary', '')))} (change {entry.entity_id}{by})"
    if entry.action == "update" or (before and after):
        keys = list(dict.fromkeys([*before, *after]))
        parts = [f"{field_label(key)}: {_value(key, before.get(key))} → {_value(key, after.get(key))}" for key in keys]
        return "; ".join(parts) or "no visible change"
    if entry.action in ("create", "insert") and after:
        label = after.get("name") or after.get("os_user")
        return f"new: {_value('name', label)}" if label is not None else f"new {subject(entry)}"
    if after:
        return _fields(after) if entry.action in ("set", "create") else _action_fields(entry.action, after)
    if before:
        label = before.get("name") or before.get("os_user")
        if label is not None:
            return f"removed: {_value('name', label)}"
        return _action_fields(entry.action, before) if entry.action != "delete" else f"removed {subject(entry)}"
    if entry.after is not None and not isinstance(entry.after, dict):
        return _value("", entry.after)
    return clean(entry.action)


def describe_full(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """Return every changed field as (label, before, after), in words, cleaned and untruncated."""
    before, after = _mapping(entry.before), _mapping(entry.after)
    keys = list(dict.fromkeys([*before, *after]))

    return [(field_label(key), plain_value(key, before.get(key)), plain_value(key, after.get(key))) for key in keys]
