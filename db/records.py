"""Typed records of the programme database, one dataclass per table.

``from_row`` turns a row (a mapping of column to SQLite value) into a record, decoding the
JSON columns; ``to_row`` does the reverse. Columns a record does not know are ignored, so
older code can read a row that a newer migration widened.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

ROLES = ("mentor", "mentee")
PARTICIPANT_STATUSES = ("applicant", "active", "withdrawn", "alumni")
PAIR_STATUSES = ("proposed", "active", "paused", "completed", "closed_early")
SESSION_STATUSES = ("planned", "scheduled", "held", "cancelled", "missed")
FEEDBACK_KINDS = ("pre", "mid", "post", "close")


def json_list(value: object) -> list[str]:
    """Return a list column's stored text (hobbies, interests...) as its items: the one reading
    of such a column, for records, the roster index and the pairing pool alike.

    Text that is not JSON (written by another tool, or by hand in SQL) is one item, kept as
    written: a profile holding it opens, and saving it keeps the text. So is any other JSON
    value but a list (a JSON string: its text); null or nothing is none."""
    if value is None or value == "":
        return []
    if not isinstance(value, str):  # (SQLite keeps what it was given: a number, say)
        value = str(value)
    try:
        decoded = json.loads(value)
    except ValueError:
        return [value]
    if isinstance(decoded, list):
        return [item if isinstance(item, str) else str(item) for item in decoded]
    return [] if decoded is None else [decoded if isinstance(decoded, str) else value]


class Record:
    """Shared row conversion for the table dataclasses."""

    TABLE: ClassVar[str]
    JSON_FIELDS: ClassVar[tuple[str, ...]] = ()
    LIST_FIELDS: ClassVar[tuple[str, ...]] = ()
    """The JSON columns holding lists of text: read with :func:`json_list`."""
    BOOL_FIELDS: ClassVar[tuple[str, ...]] = ()

    @property
    def stored_id(self) -> int:
        """Return the id of a record read from the database (ValueError if it was never stored)."""
        row_id: int | None = getattr(self, "id", None)
        if row_id is None:
            raise ValueError(f"This {self.TABLE} row was never stored.")
        return row_id

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Return the record for ``row``, JSON and boolean columns decoded."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values: dict[str, Any] = {}
        for key, value in row.items():
            if key not in names:
                continue
            if key in cls.LIST_FIELDS and not isinstance(value, list):
                value = json_list(value)
            elif key in cls.JSON_FIELDS and isinstance(value, str):
                value = json.loads(value)
            elif key in cls.BOOL_FIELDS and value is not None:
                value = bool(value)
            values[key] = value
        return cls(**values)

    def to_row(self) -> dict[str, Any]:
        """Return the record as column values ready for SQLite (JSON encoded)."""
        row = dataclasses.asdict(self)  # type: ignore[call-overload]
        for key in self.JSON_FIELDS:
            row[key] = json.dumps(row[key], ensure_ascii=False)
        for key in self.BOOL_FIELDS:
            if row[key] is not None:
                row[key] = int(row[key])
        return row


@dataclass
class Participant(Record):
    TABLE: ClassVar[str] = "participants"
    JSON_FIELDS: ClassVar[tuple[str, ...]] = (
        "current_role",
        "development_goals",
        "competencies",
        "hobbies",
        "interests",
        "attributes",
    )
    LIST_FIELDS: ClassVar[tuple[str, ...]] = ("current_role", "development_goals", "competencies", "hobbies", "interests")
    BOOL_FIELDS: ClassVar[tuple[str, ...]] = ("consent_share",)

    name: str
    role: str
    id: int | None = None
    email: str | None = None
    job_title: str = ""
    level: int | None = None
    line_of_business: str = ""
    department: str = ""
    team: str = ""
    manager_id: int | None = None
    location: str = ""
    timezone: str = ""
    joined_on: str | None = None
    current_role: list[str] = field(default_factory=list)
    development_goals: list[str] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    past_experience: str = ""
    education: str = ""
    birthplace: str = ""
    hobbies: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    capacity: int = 1
    consent_share: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "applicant"
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


@dataclass
class Wave(Record):
    TABLE: ClassVar[str] = "waves"

    name: str
    starts_on: str
    id: int | None = None
    cadence_days: int = 21
    sessions_planned: int = 7
    session_minutes: int = 60
    grace_days: int = 3
    notes_due_days: int = 3
    closed_on: str | None = None
    version: int = 1


@dataclass
class Pair(Record):
    TABLE: ClassVar[str] = "pairs"
    JSON_FIELDS: ClassVar[tuple[str, ...]] = ("overrides",)

    wave_id: int
    mentor_id: int
    mentee_id: int
    id: int | None = None
    coach: str = ""
    coach_id: int | None = None
    status: str = "proposed"
    started_on: str | None = None
    ended_on: str | None = None
    close_reason: str | None = None
    score: float | None = None
    overrides: list[dict[str, Any]] = field(default_factory=list)
    paused_on: str | None = None
    pause_reason: str | None = None
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


@dataclass
class Coach(Record):
    """An HR coach the programme keeps (a coordinator may be one: ``os_user``)."""

    TABLE: ClassVar[str] = "coaches"

    name: str
    id: int | None = None
    email: str | None = None
    os_user: str | None = None
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


@dataclass
class Session(Record):
    TABLE: ClassVar[str] = "sessions"
    BOOL_FIELDS: ClassVar[tuple[str, ...]] = ("checkpoint", "follow_up_sent")

    pair_id: int
    seq: int
    due_on: str
    id: int | None = None
    scheduled_at: str | None = None
    held_on: str | None = None
    status: str = "planned"
    checkpoint: bool = False
    agenda: str = ""
    notes: str = ""
    notes_posted_on: str | None = None
    follow_up_sent: bool = False
    updated_at: str = ""
    version: int = 1


@dataclass
class Feedback(Record):
    TABLE: ClassVar[str] = "feedback"
    BOOL_FIELDS: ClassVar[tuple[str, ...]] = ("goal_achieved",)

    pair_id: int
    kind: str
    respondent: str
    submitted_on: str
    id: int | None = None
    rating: int | None = None
    goal_achieved: bool | None = None
    comment: str = ""


@dataclass
class AuditEntry(Record):
    TABLE: ClassVar[str] = "audit"
    JSON_FIELDS: ClassVar[tuple[str, ...]] = ("before", "after")

    at: str
    actor: str
    entity: str
    action: str
    entity_id: int | None = None
    before: Any = None
    after: Any = None
    id: int | None = None
    label: str | None = None
    change_id: int | None = None
    """The change (one write transaction, one user action) this row belongs to: the id of its first audit row."""
