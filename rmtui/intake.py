"""The talent profile at the door: validation, normalising, and the safe saves of intake.

Every field a coordinator types or an HR file supplies goes through :func:`check_profile`,
which returns the cleaned values and, for each field that is wrong, one plain-words
sentence. The form and the CSV import share it, so both say exactly the same thing.

Lists (current role, goals, competencies, hobbies, interests) are tags: items never hold a
``;`` or a line break, because those separate tags when typed or imported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from rmtui.db import Participant, Store, read_settings
from rmtui.db.records import PARTICIPANT_STATUSES, ROLES
from rmtui.error_log import UserError
from rmtui.search import name_matches
from rmtui.text import clean, fold

DEFAULT_LEVELS = (1, 12)
MAX_LINE = 200
MAX_TEXT = 20_000
MAX_TAGS = 20

# Every profile field a coordinator edits, in the order the form shows them.
PROFILE_FIELDS: tuple[str, ...] = (
    "name",
    "email",
    "role",
    "status",
    "level",
    "capacity",
    "consent_share",
    "job_title",
    "line_of_business",
    "department",
    "team",
    "manager_id",
    "location",
    "timezone",
    "joined_on",
    "current_role",
    "development_goals",
    "competencies",
    "past_experience",
    "education",
    "birthplace",
    "hobbies",
    "interests",
    "attributes",
)

LABELS: dict[str, str] = {
    "name": "Name",
    "email": "Email",
    "role": "Role",
    "status": "Status",
    "level": "Level",
    "capacity": "Capacity",
    "consent_share": "Consent",
    "job_title": "Job title",
    "line_of_business": "Line of business",
    "department": "Department",
    "team": "Team",
    "manager_id": "Manager",
    "location": "Location",
    "timezone": "Time zone",
    "joined_on": "Joined",
    "current_role": "Current role",
    "development_goals": "Goals",
    "competencies": "Competencies",
    "past_experience": "Experience",
    "education": "Education",
    "birthplace": "Birthplace",
    "hobbies": "Hobbies",
    "interests": "Interests",
    "attributes": "Objective data",
}

LIST_FIELDS = ("current_role", "development_goals", "competencies", "hobbies", "interests")
TEXT_FIELDS = ("past_experience",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TAG_SEPARATOR = re.compile(r"[;\n]")
# Hobbies and interests are short words ("chess, painting" is two hobbies); goals, role
# statements and competencies are sentences that may hold a comma, so only ; and lines split them.
COMMA_LIST_FIELDS = ("hobbies", "interests")
_TAG_OR_COMMA = re.compile(r"[;,\n]")
_YES = {"yes", "y", "true", "1", "x", "consent", "agreed"}
_NO = {"no", "n", "false", "0", "", "none"}


class FieldError(ValueError, UserError):
    """A value a field cannot take; the message is one sentence for a coordinator."""


@dataclass(frozen=True)
class ProfileCheck:
    """What :func:`check_profile` found: cleaned values and field → error sentence."""

    values: dict[str, Any]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


# -- the programme's rules -------------------------------------------------------------


def levels_setting(settings: Mapping[str, Any]) -> tuple[int, int]:
    """Return the (lowest, highest) level from the shared "levels" setting (default 1–12).

    The setting may be ``[low, high]`` or ``{"min": low, "max": high}``.
    """
    value = settings.get("levels")
    try:
        if isinstance(value, Mapping):
            low, high = int(value["min"]), int(value["max"])
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            low, high = int(value[0]), int(value[1])
        else:
            return DEFAULT_LEVELS
    except (KeyError, TypeError, ValueError):
        return DEFAULT_LEVELS
    return (low, high) if low <= high else DEFAULT_LEVELS


def programme_levels(store: Store) -> tuple[int, int]:
    """Return the programme's level range, read from the settings table."""
    return levels_setting(read_settings(store))


@cache
def known_timezones() -> frozenset[str]:
    """Return the IANA time-zone names this machine knows."""
    return frozenset(zoneinfo.available_timezones())


# -- one parser per field: raw text in, stored value out, FieldError when wrong --------


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    return str(raw)


def _line(raw: Any) -> str:
    """Return ``raw`` as one cleaned line."""
    if type(raw) is str and raw.isprintable():  # nearly every cell: clean's own fast path, inlined
        return raw.strip()
    return clean(_text(raw))


def _too_long(label: str, text: str, limit: int) -> FieldError:
    return FieldError(f"{label} is too long: {len(text):,} characters, at most {limit:,}.")


def parse_name(raw: Any) -> str:
    """Return the cleaned name; a name is required."""
    name = _line(raw)
    if not name:
        raise FieldError("Name is required.")
    if len(name) > MAX_LINE:
        raise _too_long("Name", name, MAX_LINE)
    return name


def parse_email(raw: Any) -> str | None:
    """Return the cleaned email, or None when blank; it must look like name@example.org."""
    email = _line(raw)
    if not email:
        return None
    if len(email) > MAX_LINE:
        raise _too_long("Email", email, MAX_LINE)
    if not _EMAIL.match(email):
        raise FieldError(f"“{email}” is not an email address like ann.lee@example.org.")
    return email


def parse_role(raw: Any) -> str:
    """Return ``mentor`` or ``mentee`` (any case); a role is required."""
    role = _line(raw).lower()
    if not role:
        raise FieldError("Role is required: mentor or mentee.")
    if role not in ROLES:
        raise FieldError(f"Role must be mentor or mentee, not “{role}”.")
    return role


def parse_status(raw: Any) -> str:
    """Return the status (applicant when blank)."""
    status = _line(raw).lower()
    if not status:
        return "applicant"
    if status not in PARTICIPANT_STATUSES:
        raise FieldError(f"Status must be one of {', '.join(PARTICIPANT_STATUSES)}, not “{status}”.")
    return status


def _whole_number(label: str, raw: Any) -> int | None:
    text = _line(raw)
    if not text:
        return None
    try:
        number = float(text) if "." in text else int(text)
    except ValueError:
        raise FieldError(f"{label} must be a whole number, not “{text}”.") from None
    if number != int(number):
        raise FieldError(f"{label} must be a whole number, not “{text}”.")
    return int(number)


def parse_level(raw: Any, levels: tuple[int, int] = DEFAULT_LEVELS) -> int | None:
    """Return the level as a whole number within the programme's range, or None when blank."""
    level = _whole_number("Level", raw)
    low, high = levels
    if level is not None and not low <= level <= high:
        raise FieldError(f"Level must be between {low} and {high}, not {level}.")
    return level


def parse_capacity(raw: Any) -> int:
    """Return how many mentees a mentor takes (1 when blank, 0 to 10)."""
    capacity = _whole_number("Capacity", raw)
    if capacity is None:
        return 1
    if not 0 <= capacity <= 10:
        raise FieldError(f"Capacity must be between 0 and 10, not {capacity}.")
    return capacity


def parse_consent(raw: Any) -> bool:
    """Return whether the person consents to their pairing being shown (no when blank)."""
    if isinstance(raw, bool):
        return raw
    text = _line(raw).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise FieldError(f"Consent must be yes or no, not “{text}”.")


def parse_date(raw: Any, label: str = "Joined") -> str | None:
    """Return an ISO date (YYYY-MM-DD) that exists in the calendar, or None when blank."""
    text = _line(raw)
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FieldError(f"Write the date as YYYY-MM-DD, like 2021-03-15, not “{text}”.")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise FieldError(f"{text} is not a real date.") from None


def parse_timezone(raw: Any) -> str:
    """Return an IANA time zone such as Europe/London ('' when blank)."""
    text = _line(raw)
    if text and text not in known_timezones():
        raise FieldError(f"“{text}” is not a time zone; write it like Europe/London.")
    return text


def parse_line(raw: Any, label: str) -> str:
    """Return one cleaned line of free text."""
    text = _line(raw)
    if len(text) > MAX_LINE:
        raise _too_long(label, text, MAX_LINE)
    return text


def parse_text(raw: Any, label: str) -> str:
    """Return cleaned free text that may hold several lines."""
    text = clean(_text(raw), multiline=True).strip()
    if len(text) > MAX_TEXT:
        raise _too_long(label, text, MAX_TEXT)
    return text


def tag_separators(field_name: str | None = None) -> str:
    """Return the characters that separate the tags of ``field_name`` as typed or imported."""
    return ";,\n" if field_name in COMMA_LIST_FIELDS else ";\n"


def split_tags(raw: Any, field_name: str | None = None) -> list[str]:
    """Return the tags in ``raw``: a list, or text separated by ``;`` or line breaks.

    For hobbies and interests (:data:`COMMA_LIST_FIELDS`) a comma separates too, also
    inside a list's items ("chess, painting" is two hobbies). The one splitting rule of the
    form (the tag widget calls it), the CSV import and the stored values (the migration of
    issue 11 applies it to what was stored before).
    """
    separator = _TAG_OR_COMMA if field_name in COMMA_LIST_FIELDS else _TAG_SEPARATOR
    if type(raw) is str and raw.isprintable():  # one line of plain text (an imported cell): no call per tag
        # (printable: no line break, so the separators are ";" and perhaps ",", split without a regex)
        parts = (raw.replace(",", ";") if separator is _TAG_OR_COMMA else raw).split(";")
        return list(dict.fromkeys(filter(None, map(str.strip, parts))))
    items: Iterable[Any] = raw if isinstance(raw, (list, tuple)) else [raw]
    tags: list[str] = []
    for item in items:
        for part in separator.split(_text(item)):
            tag = part.strip() if part.isprintable() else clean(part)  # _line, inlined (a call per tag)
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def parse_tags(raw: Any, label: str, field_name: str | None = None) -> list[str]:
    """Return the cleaned, de-duplicated tags of a list field."""
    tags = split_tags(raw, field_name)
    if len(tags) > MAX_TAGS:
        raise FieldError(f"{label} has {len(tags)} entries; keep it to {MAX_TAGS} at most.")
    for tag in tags:
        if len(tag) > MAX_LINE:
            raise _too_long(f"An entry of {label}", tag, MAX_LINE)
    return tags


def parse_attributes(raw: Any) -> dict[str, str]:
    """Return programme-objective attributes from a dict or ``key: value; key: value`` text."""
    if isinstance(raw, Mapping):
        pairs = [(str(k), _text(v)) for k, v in raw.items()]
    else:
        pairs = []
        for part in _TAG_SEPARATOR.split(_text(raw)):
            if not part.strip():
                continue
            key, colon, value = part.partition(":")
            if not colon or not key.strip():
                raise FieldError(f"Write objective data as “key: value; key: value”, e.g. generation: Gen Z (got “{clean(part)}”).")
            pairs.append((key, value))
    attributes = {}
    for key, value in pairs:
        key, value = clean(key).lower(), clean(value)
        if key and value:
            attributes[key] = value
    return attributes


def format_attributes(attributes: Mapping[str, Any]) -> str:
    """Return attributes as the ``key: value; key: value`` text the form and CSV use."""
    return "; ".join(f"{key}: {value}" for key, value in attributes.items())


def parse_field(field_name: str, raw: Any, levels: tuple[int, int] = DEFAULT_LEVELS) -> Any:
    """Return the stored value of one profile field typed as ``raw``; FieldError if wrong.

    ``manager_id`` is passed through: the form picks it from the roster and the import
    resolves it by email.
    """
    parse = _PARSERS.get(field_name)
    if parse is not None:  # the common fields, looked up rather than tested one by one
        return parse(raw)
    label = LABELS.get(field_name, field_name)
    if field_name == "name":
        return parse_name(raw)
    if field_name == "email":
        return parse_email(raw)
    if field_name == "role":
        return parse_role(raw)
    if field_name == "status":
        return parse_status(raw)
    if field_name == "level":
        return parse_level(raw, levels)
    if field_name == "capacity":
        return parse_capacity(raw)
    if field_name == "consent_share":
        return parse_consent(raw)
    if field_name == "joined_on":
        return parse_date(raw, label)
    if field_name == "timezone":
        return parse_timezone(raw)
    if field_name in LIST_FIELDS:
        return parse_tags(raw, label, field_name)
    if field_name in TEXT_FIELDS:
        return parse_text(raw, label)
    if field_name == "attributes":
        return parse_attributes(raw)
    if field_name == "manager_id":
        return raw
    return parse_line(raw, label)


def _tags_parser(field_name: str) -> Any:
    """Return parse_tags for ``field_name`` as a function of the raw value: a cell of one line
    (nearly every cell) is split here, in one call; anything else, or any tag too long or too
    many tags, goes through :func:`parse_tags` (the same result, or its error)."""
    label = LABELS.get(field_name, field_name)
    comma = field_name in COMMA_LIST_FIELDS

    def parse(raw: Any) -> list[str]:
        if type(raw) is str and raw.isprintable():  # split_tags' own fast path
            tags = list(dict.fromkeys(filter(None, map(str.strip, (raw.replace(",", ";") if comma else raw).split(";")))))
            if len(tags) <= MAX_TAGS and (not tags or max(map(len, tags)) <= MAX_LINE):
                return tags
        return parse_tags(raw, label, field_name)

    return parse


def _line_parser(field_name: str) -> Any:
    """Return parse_line for ``field_name`` as a function of the raw value (a plain short
    line is taken here, anything else goes through :func:`parse_line`)."""
    label = LABELS.get(field_name, field_name)

    def parse(raw: Any) -> str:
        if type(raw) is str and raw.isprintable():  # _line's fast path
            text = raw.strip()
            if len(text) <= MAX_LINE:
                return text
        return parse_line(raw, label)

    return parse


# parse_field's branches that need nothing but the raw value, by field (built once: an
# import parses 22 fields a row).
_PARSERS: dict[str, Any] = {
    "name": parse_name,
    "email": parse_email,
    "role": parse_role,
    "status": parse_status,
    "capacity": parse_capacity,
    "consent_share": parse_consent,
    "timezone": parse_timezone,
    **{name: _tags_parser(name) for name in LIST_FIELDS},
    **{
        name: _line_parser(name)
        for name in PROFILE_FIELDS
        if name not in (*LIST_FIELDS, *TEXT_FIELDS, "name", "email", "role", "status", "level", "capacity",
                        "consent_share", "joined_on", "timezone", "attributes", "manager_id")
    },
}


def field_parser(field_name: str, levels: tuple[int, int] = DEFAULT_LEVELS) -> Callable[[Any], Any]:
    """Return ``parse_field(field_name, raw, levels)`` as a function of ``raw`` alone.

    Built once per field, it skips parse_field's dispatch: the CSV import parses 22 fields
    of each of 100,000 rows. The same values and the same FieldError sentences.
    """
    parse = _PARSERS.get(field_name)
    if parse is not None:
        return cast(Callable[[Any], Any], parse)
    if field_name == "level":
        return lambda raw: parse_level(raw, levels)
    label = LABELS.get(field_name, field_name)
    if field_name == "joined_on":
        return lambda raw: parse_date(raw, label)
    if field_name in TEXT_FIELDS:
        return lambda raw: parse_text(raw, label)
    if field_name == "attributes":
        return parse_attributes
    if field_name == "manager_id":
        return lambda raw: raw
    return lambda raw: parse_line(raw, label)


def check_profile(values: Mapping[str, Any], levels: tuple[int, int] = DEFAULT_LEVELS) -> ProfileCheck:
    """Return the cleaned values of the fields given and an error sentence per wrong field.

    Only the fields present in ``values`` are checked, except name and role, which a
    profile always needs.
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field_name in PROFILE_FIELDS:
        if field_name not in values and field_name not in ("name", "role"):
            continue
        try:
            cleaned[field_name] = parse_field(field_name, values.get(field_name), levels)
        except FieldError as error:
            errors[field_name] = str(error)
    return ProfileCheck(cleaned, errors)


# -- reading the roster for intake -----------------------------------------------------


def email_owner(store: Store, email: str | None, *, except_id: int | None = None) -> tuple[int, str] | None:
    """Return (id, name) of the participant already using ``email`` (any case), or None."""
    if not email:
        return None
    rows = store.query_tuples(
        "SELECT id, name FROM participants WHERE email = ? COLLATE NOCASE AND id IS NOT ?",
        (email.strip(), except_id),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def email_taken_error(store: Store, email: str | None, *, except_id: int | None = None) -> str | None:
    """Return the sentence shown when ``email`` already belongs to someone else, or None."""
    owner = email_owner(store, email, except_id=except_id)
    if owner is None:
        return None
    return f"{clean(email)} is already {clean(owner[1])}'s email (#{owner[0]})."


def manager_error(store: Store, manager_id: int | None, participant_id: int | None) -> str | None:
    """Return why ``manager_id`` cannot manage ``participant_id`` (gone, or themselves), or None."""
    if manager_id is None:
        return None
    if manager_id == participant_id:
        return "A person cannot be their own manager."
    if store.scalar("SELECT 1 FROM participants WHERE id = ?", (manager_id,)) is None:
        return "That manager is no longer in the programme; choose another."
    return None


def check_for_save(store: Store, values: Mapping[str, Any], participant_id: int | None = None) -> ProfileCheck:
    """Return :func:`check_profile` plus the rules that need the roster (unique email, manager)."""
    result = check_profile(values, programme_levels(store))
    errors = dict(result.errors)
    if "email" not in errors:
        taken = email_taken_error(store, result.values.get("email"), except_id=participant_id)
        if taken:
            errors["email"] = taken
    managed = manager_error(store, result.values.get("manager_id"), participant_id)
    if managed:
        errors["manager_id"] = managed
    return ProfileCheck(result.values, errors)


def profile_values(person: Participant) -> dict[str, Any]:
    """Return the editable fields of ``person`` as stored values."""
    return {name: getattr(person, name) for name in PROFILE_FIELDS}


def to_column(field_name: str, value: Any) -> Any:
    """Return a field's stored value as its SQLite column value (JSON for lists)."""
    if field_name in Participant.JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    if field_name == "consent_share":
        return int(bool(value))
    return value


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Return the fields of ``after`` whose value differs from ``before``."""
    return {name: value for name, value in after.items() if before.get(name) != value}


# -- saving ----------------------------------------------------------------------------


def create_participant(store: Store, values: Mapping[str, Any]) -> Participant:
    """Insert a new participant from checked values and return it as stored (audited)."""
    fields = {name: values[name] for name in PROFILE_FIELDS if name in values}
    with store.write() as writer:
        return writer.insert(Participant(**fields))


def update_participant(
    store: Store, participant_id: int, expected_version: int, changes: Mapping[str, Any]
) -> int:
    """Save ``changes`` (stored values) to a participant still at ``expected_version``.

    Returns the new version. Raises ConflictError when another coordinator saved first.
    """
    columns = {name: to_column(name, value) for name, value in changes.items()}
    with store.write() as writer:
        if not columns:
            current = store.scalar("SELECT version FROM participants WHERE id = ?", (participant_id,))
            if current != expected_version:
                raise writer.conflict("participants", participant_id, expected_version)
            return expected_version
        return writer.update("participants", participant_id, expected_version, columns)


def withdraw_participant(store: Store, participant_id: int, expected_version: int, reason: str) -> int:
    """Mark a participant withdrawn for ``reason`` (required); return the new version.

    The audit keeps the status change and the reason; the profile itself is kept.
    Raises ConflictError when another coordinator saved that person meanwhile.
    """
    reason = clean(reason)
    if not reason:
        raise FieldError("Say why this person is withdrawing.")
    with store.write() as writer:
        version = writer.update("participants", participant_id, expected_version, {"status": "withdrawn"})
        writer.audit("participants", participant_id, "withdraw", None, {"reason": reason})
        return version


# -- conflicts -------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldConflict:
    """One field seen three ways: as opened, as the other coordinator saved it, as typed."""

    field: str
    base: Any
    theirs: Any
    mine: Any

    @property
    def they_changed(self) -> bool:
        return self.theirs != self.base

    @property
    def i_changed(self) -> bool:
        return self.mine != self.base

    @property
    def default_choice(self) -> str:
        """Return "mine" where I changed the field, else "theirs"."""
        return "mine" if self.i_changed else "theirs"


def field_conflicts(base: Mapping[str, Any], theirs: Mapping[str, Any], mine: Mapping[str, Any]) -> list[FieldConflict]:
    """Return the fields where the saved version and the typed version differ, in form order."""
    return [
        FieldConflict(name, base.get(name), theirs.get(name), mine.get(name))
        for name in PROFILE_FIELDS
        if name in mine and theirs.get(name) != mine.get(name) and (theirs.get(name) != base.get(name) or mine.get(name) != base.get(name))
    ]


def merge_profile(theirs: Mapping[str, Any], mine: Mapping[str, Any], choices: Mapping[str, str]) -> dict[str, Any]:
    """Return the typed values merged over theirs: a field takes mine where chosen "mine"."""
    merged = dict(mine)
    for name, choice in choices.items():
        if choice == "theirs":
            merged[name] = theirs.get(name)
    return merged


def display_value(field_name: str, value: Any, names: Mapping[int, str] | None = None) -> str:
    """Return a stored field value as the short text the conflict view and CSV show."""
    if value is None:
        return ""
    if field_name in LIST_FIELDS:
        return "; ".join(value)
    if field_name == "consent_share":
        return "yes" if value else "no"
    if field_name == "attributes":
        return format_attributes(value)
    if field_name == "manager_id":
        return (names or {}).get(value, f"#{value}")
    return str(value)


# -- choosing a manager ----------------------------------------------------------------


@dataclass(frozen=True)
class ManagerChoice:
    """Someone who can be picked as a manager: id, name and what tells namesakes apart."""

    participant_id: int
    name: str
    detail: str


class ManagerIndex:
    """Everyone who could be picked as a manager, held as plain lists for fuzzy search.

    Plain lists (not one object per person) keep 100,000 people cheap; a ManagerChoice is
    made only for the few matches shown.
    """

    def __init__(self, rows: list[tuple[int, str, str, str]]) -> None:
        self.ids = [row[0] for row in rows]
        self.names = [row[1] for row in rows]
        self.folded = [fold(row[1]) for row in rows]
        self.details = [" · ".join(x for x in row[2:] if x) for row in rows]

    @classmethod
    def from_store(cls, store: Store, exclude_id: int | None = None) -> ManagerIndex:
        """Return the index of every participant except ``exclude_id`` (the person edited)."""
        return cls(
            store.query_tuples(
                "SELECT id, name, job_title, department FROM participants WHERE id IS NOT ? ORDER BY name",
                (exclude_id,),
            )
        )

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, query: str, limit: int = 5) -> list[ManagerChoice]:
        """Return the people whose name best matches ``query`` (fuzzy, accents ignored)."""
        found = name_matches(query, self.folded, limit, cutoff=70)
        return [ManagerChoice(self.ids[i], self.names[i], self.details[i]) for i in found]
