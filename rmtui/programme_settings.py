"""The programme's own settings: its name, time zone, defaults for new waves, health targets.

Each setting is one row of the shared ``settings`` table (its own version), so two
coordinators editing different settings never conflict, and an edit made over someone
else's newer value is refused (ConflictError) instead of overwriting it. Values typed by a
person (the setup screen, ``rmtui programme set KEY VALUE``) are checked by
:func:`parse_value`, which raises SettingError with one sentence naming what is allowed.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rmtui.db import Store, read_setting, read_settings
from rmtui.text import clean


class SettingError(ValueError):
    """A setting key or value that cannot be stored; the message says what is allowed."""


@dataclass(frozen=True)
class SettingSpec:
    """One programme setting: its key, label, kind (text, zone, days, count, percent), default and range."""

    key: str
    label: str
    kind: str
    default: Any
    low: int = 0
    high: int = 0
    help: str = ""


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("programme_name", "Programme name", "text", "Reverse mentoring", help="shown in every header"),
    SettingSpec("timezone", "Time zone", "zone", "UTC", help="the IANA zone days and typed times are read in"),
    SettingSpec("wave_sessions", "Sessions per wave", "count", 7, 1, 52, "new waves' number of sessions"),
    SettingSpec("wave_cadence_days", "Days between sessions", "count", 21, 1, 365, "new waves' cadence"),
    SettingSpec("wave_minutes", "Minutes per session", "count", 60, 5, 480, "new waves' session length"),
    SettingSpec("wave_grace_days", "Grace days", "count", 3, 0, 60, "days after a due day before a session is overdue"),
    SettingSpec("wave_notes_due_days", "Notes due (days)", "count", 3, 0, 60, "days after a session its notes are due"),
    SettingSpec("target_drop_out", "Drop-out target, at most %", "percent", 15, 0, 100),
    SettingSpec("target_completion", "Completion target, at least %", "percent", 70, 0, 100),
    SettingSpec("target_rematch", "Re-match target, at most %", "percent", 10, 0, 100),
    SettingSpec("target_match_satisfaction", "Match satisfaction, at least %", "percent", 80, 0, 100),
    SettingSpec("target_goals", "Mentee goals achieved, above %", "percent", 50, 0, 100),
    SettingSpec("target_programme_satisfaction", "Programme satisfaction, at least %", "percent", 80, 0, 100),
    SettingSpec("small_group_k", "Smallest group shown with rates", "count", 3, 1, 50,
                "shared views: a department with fewer people shows counts, no rates"),
)
SPECS: dict[str, SettingSpec] = {spec.key: spec for spec in SETTING_SPECS}
DEFAULTS: dict[str, Any] = {spec.key: spec.default for spec in SETTING_SPECS}
WAVE_DEFAULT_KEYS = {
    "sessions_planned": "wave_sessions",
    "cadence_days": "wave_cadence_days",
    "session_minutes": "wave_minutes",
    "grace_days": "wave_grace_days",
    "notes_due_days": "wave_notes_due_days",
}
"""Wave column → the setting that holds its default for new waves."""


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """Return every IANA zone name this system knows, sorted (no legacy "posix/" or "right/" copies)."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if not z.startswith(("posix/", "right/"))))


def find_timezones(query: str, limit: int = 8) -> list[str]:
    """Return the zones best matching ``query``, best first: "london" → Europe/London first.

    An exact name (any case) comes first; then names whose city part starts with the query;
    then rapidfuzz's partial-ratio ranking of the rest.
    """
    text = clean(query).strip().lower().replace(" ", "_")
    zones = all_timezones()
    if not text:
        return list(zones[:limit])
    exact = [z for z in zones if z.lower() == text]
    city = [z for z in zones if z.lower().rsplit("/", 1)[-1].startswith(text) and z not in exact]
    city.sort(key=lambda z: (len(z), z))
    chosen = exact + city
    if len(chosen) < limit:
        from rapidfuzz import fuzz, process  # here, not at start-up (issue 14)

        found = process.extract(text, zones, scorer=fuzz.partial_ratio, processor=str.lower, limit=limit * 2)
        chosen += [z for z, score, _ in found if score >= 75 and z not in chosen]
    return chosen[:limit]


def parse_value(key: str, raw: Any) -> Any:
    """Return ``raw`` (text typed, or a value) checked and converted for setting ``key``."""
    spec = SPECS.get(key)
    if spec is None:
        raise SettingError(f"Unknown setting {key!r}; the settings are: {', '.join(SPECS)}.")
    if spec.kind == "text":
        text = clean(str(raw)).strip()
        if not text:
            raise SettingError(f"{spec.label} cannot be empty.")
        if len(text) > 80:
            raise SettingError(f"{spec.label} must be at most 80 characters.")
        return text
    if spec.kind == "zone":
        text = clean(str(raw)).strip()
        zones = all_timezones()
        exact = next((z for z in zones if z.lower() == text.lower()), None)
        if exact:
            return exact
        near = find_timezones(text, 3)
        hint = f"; did you mean {' or '.join(near)}?" if near else "; use a name like Europe/London."
        raise SettingError(f"{text!r} is not an IANA time zone{hint}")
    try:
        number = int(str(raw).strip().rstrip("%"))
    except ValueError:
        raise SettingError(f"{spec.label} must be a whole number from {spec.low} to {spec.high}, not {raw!r}.") from None
    if not spec.low <= number <= spec.high:
        raise SettingError(f"{spec.label} must be from {spec.low} to {spec.high}, not {number}.")
    return number


def programme_settings(store: Store) -> dict[str, Any]:
    """Return every programme setting of :data:`SETTING_SPECS`, stored values over the defaults."""
    stored = read_settings(store)
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def small_group_k(store: Store) -> int:
    """Return k of small-group suppression: in shared views (the leaderboard's departments, the
    report) a department with fewer than k people shows counts but no rates, and a withheld
    pair's label names a department only when k people of that role in it are shown."""
    value, _version = read_setting(store, "small_group_k")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else int(DEFAULTS["small_group_k"])


def setting_versions(store: Store) -> dict[str, int]:
    """Return each programme setting's version (0: never saved), for saving edits without lost updates."""
    rows = store.query_tuples("SELECT key, version FROM settings")
    stored = dict(rows)
    return {key: int(stored.get(key, 0)) for key in SPECS}


def is_set_up(store: Store) -> bool:
    """Return whether the programme has been started: it has a name set, people or waves.

    An empty programme (none of the three) opens on the setup screen instead of a dead end.
    """
    if read_setting(store, "programme_name")[1]:
        return True
    return bool(store.scalar("SELECT EXISTS (SELECT 1 FROM participants) OR EXISTS (SELECT 1 FROM waves)"))


def first_screen(store: Store, requested: str | None) -> str | None:
    """Return the screen to open: the one asked for, else the setup ("settings") of an empty programme."""
    if requested is None and not is_set_up(store):
        return "settings"
    return requested


def timezone_change_note(old: str, new: str) -> str:
    """Return, in words, what changing the programme's time zone from ``old`` to ``new`` changes."""
    return (
        f"Time zone {old} → {new}: times you type (e.g. 14:00) are now read as {new} time and every "
        "screen shows times in it; today's date follows its midnight. Session days already planned "
        "stay on the same dates, and sessions already booked keep the same instant."
    )


def save_settings(store: Store, values: dict[str, Any], versions: dict[str, int]) -> dict[str, int]:
    """Check and store ``values`` (key → raw value: only what the person changed) in one
    transaction; return the new versions of every setting.

    ``versions`` are those read with the values being edited: a setting someone else saved
    since raises ConflictError and nothing is saved (the caller keeps what was typed).
    """
    parsed = {key: parse_value(key, raw) for key, raw in values.items()}
    new_versions = dict(versions)
    with store.write() as writer:
        for key, value in parsed.items():
            new_versions[key] = writer.set_setting(key, value, versions.get(key, 0))
    return new_versions


def set_one(store: Store, key: str, raw: Any) -> tuple[Any, Any]:
    """Store one setting typed on the command line (no version check: the last word wins, audited).

    Returns (old value, new value).
    """
    value = parse_value(key, raw)
    old = programme_settings(store)[key]
    with store.write() as writer:
        writer.set_setting(key, value)
    return old, value
