"""Waves: the cohorts pairs are deployed in. Create, edit before the start, close, and name.

A wave is named by its name or its id everywhere (the command line, dialogs):
:func:`resolve_wave` is the one place that turns what a person typed into a wave, and an
unknown one is a :class:`WaveError` listing the valid names. New waves take their rhythm
from the programme's settings (sessions, cadence, minutes, grace and notes-due days) unless
the coordinator gives it. Every write is one audited transaction with a version check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rmtui.db import Store, Wave, Writer
from rmtui.programme import Programme
from rmtui.programme_settings import WAVE_DEFAULT_KEYS, programme_settings
from rmtui.schedule import as_date, due_days, wave_session_days, write_pair_plan
from rmtui.text import clean
from rmtui.timeline import parse_when

LIMITS: dict[str, tuple[int, int, str]] = {
    "sessions_planned": (1, 52, "The number of sessions"),
    "cadence_days": (1, 365, "The days between sessions"),
    "session_minutes": (5, 480, "The minutes per session"),
    "grace_days": (0, 60, "The grace days"),
    "notes_due_days": (0, 60, "The days notes are due after a session"),
}


class WaveError(ValueError):
    """A wave action that cannot be done, or a wave that does not exist; one sentence with the fix."""


@dataclass(frozen=True)
class WaveSummary:
    """A wave and what is in it: pairs by state, sessions held, and its first and last due day."""

    wave: Wave
    state: str  # closed | not started | running (wave_state)
    proposed: int
    active: int
    completed: int
    closed_early: int
    held: int
    ends_on: dt.date


def parse_day(text: str, today: dt.date) -> dt.date:
    """Return the day ``text`` names (the dialogs' words: today, +1w, fri, 2026-12-04); ValueError if none."""
    when = parse_when(text, today)
    if when.time is not None:
        raise ValueError(f"{text.strip()!r} has a time; a wave starts on a day, e.g. 2026-12-04 or +1w.")
    return when.day


def all_waves(store: Store) -> list[Wave]:
    """Return every wave, oldest start first."""
    return store.all(Wave, order="starts_on, id")


def resolve_wave(store: Store, text: str | int, by_start: bool = False) -> Wave:
    """Return the wave named ``text``: its name (any case) or its id; with ``by_start`` (a
    dialog's answer) also the start of one wave's name. WaveError lists the names if none.

    The command line keeps to whole names: a script's typo should not pick a wave."""
    key = clean(str(text)).strip()
    waves = all_waves(store)
    by_name = [w for w in waves if w.name.casefold() == key.casefold()]
    if by_name:
        return by_name[0]
    if key.lstrip("#").isdigit():
        found = next((w for w in waves if w.id == int(key.lstrip("#"))), None)
        if found is not None:
            return found
    # The start of one wave's name ("Spring" for "Spring 2027"), when no other wave starts so.
    starting = [w for w in waves if by_start and key and w.name.casefold().startswith(key.casefold())]
    if len(starting) == 1:
        return starting[0]
    if not waves:
        raise WaveError(f"There is no wave {key!r}: the programme has no waves yet; add one with rmtui wave add NAME --starts DATE.")
    names = ", ".join(f"{w.name} (#{w.id})" for w in waves)
    raise WaveError(f"There is no wave {key!r}; the waves are: {names}.")


def wave_end(wave: Wave) -> dt.date:
    """Return the due day of the wave's last planned session for pairs that start with it."""
    return due_days(wave.starts_on, wave.cadence_days, wave.sessions_planned)[-1]


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    for column, (low, high, label) in LIMITS.items():
        if column in values:
            number = values[column]
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                raise WaveError(f"{label} must be a whole number from {low} to {high}, not {number!r}.")
    if "name" in values:
        name = clean(str(values["name"])).strip()
        if not name:
            raise WaveError("A wave needs a name, e.g. \"Spring 2027\".")
        if len(name) > 60:
            raise WaveError("A wave's name must be at most 60 characters.")
        values["name"] = name
    return values


def _name_taken(store: Store, name: str, except_id: int | None = None) -> bool:
    return bool(store.scalar("SELECT 1 FROM waves WHERE name = ? COLLATE NOCASE AND id IS NOT ?", (name, except_id)))


def new_wave(store: Store, name: str, starts_on: dt.date | str, **options: int | None) -> Wave:
    """Return (unsaved) the wave ``name`` starting ``starts_on``; options left None take the programme's defaults."""
    settings = programme_settings(store)
    values: dict[str, Any] = {column: settings[key] for column, key in WAVE_DEFAULT_KEYS.items()}
    values.update({k: v for k, v in options.items() if v is not None})
    values = _checked({"name": name, **values})
    return Wave(starts_on=as_date(starts_on).isoformat(), **values)


def insert_wave(writer: Writer, wave: Wave) -> Wave:
    """Store ``wave`` inside ``writer``'s transaction (audited) and return it with its id.

    The one writer of the waves table: the waves screen, ``rmtui wave add`` and the demo.
    """
    if _name_taken(writer.store, wave.name):
        raise WaveError(f"There is already a wave named {wave.name!r}; choose another name.")
    return writer.insert(wave)


def add_wave(programme: Programme, name: str, starts_on: dt.date | str, **options: int | None) -> Wave:
    """Create the wave ``name`` starting ``starts_on`` and return it.

    ``options`` are sessions_planned, cadence_days, session_minutes, grace_days and
    notes_due_days; any left out or None take the programme's defaults for new waves.
    """
    wave = new_wave(programme.store, name, starts_on, **options)
    with programme.store.write() as writer:
        return insert_wave(writer, wave)


def has_started(wave: Wave, today: dt.date) -> bool:
    """Return whether ``wave`` has started by ``today`` (its start day has come)."""
    return as_date(wave.starts_on) <= as_date(today)


def edit_wave(programme: Programme, wave_id: int, expected_version: int, **changes: Any) -> Wave:
    """Change a wave that has not started yet and return it (audited; ConflictError if edited meanwhile).

    ``changes`` may be name, starts_on and the rhythm columns. Once a wave has started only
    its name may change, so pairs' plans never move under them. Planned sessions of pairs
    already confirmed in it are re-planned on the new dates.
    """
    store = programme.store
    today = programme.today()
    if "starts_on" in changes and changes["starts_on"] is not None:
        changes["starts_on"] = as_date(changes["starts_on"]).isoformat()
    changes = _checked({k: v for k, v in changes.items() if v is not None})
    with store.write() as writer:
        wave = store.get(Wave, wave_id)
        if wave is None:
            raise WaveError("This wave was removed by another coordinator; nothing was saved.")
        if wave.closed_on:
            raise WaveError(f"{wave.name} is closed; a closed wave cannot be edited.")
        real = {k: v for k, v in changes.items() if getattr(wave, k) != v}
        if has_started(wave, today) and set(real) - {"name"}:
            raise WaveError(f"{wave.name} started on {wave.starts_on}; only its name can change now.")
        if "starts_on" in real and as_date(real["starts_on"]) < as_date(today):
            raise WaveError("A wave cannot be moved to start in the past; choose today or a later day.")
        if "name" in real and _name_taken(store, real["name"], wave_id):
            raise WaveError(f"There is already a wave named {real['name']!r}; choose another name.")
        if not real:
            return wave
        version = writer.update("waves", wave_id, expected_version, real)
        for key, value in real.items():
            setattr(wave, key, value)
        wave.version = version
        if set(real) & {"starts_on", "cadence_days", "sessions_planned"}:
            days = wave_session_days(wave, today)
            pair_rows = writer.execute(
                "SELECT id, version FROM pairs WHERE wave_id = ? AND status IN ('active', 'paused')", (wave_id,)
            ).fetchall()
            for pair_id, pair_version in pair_rows:
                writer.update("pairs", pair_id, pair_version, {"started_on": days[0].isoformat()})
                write_pair_plan(writer, pair_id, days=days)
    return wave


def close_wave(programme: Programme, wave_id: int, expected_version: int) -> Wave:
    """Close a wave: no pair can be proposed into it any more; its running pairs go on to their end.

    Refused while proposals are still open in it (confirm or withdraw them first).
    """
    store = programme.store
    with store.write() as writer:
        wave = store.get(Wave, wave_id)
        if wave is None:
            raise WaveError("This wave was removed by another coordinator; nothing was saved.")
        if wave.closed_on and wave.version == expected_version:
            raise WaveError(f"{wave.name} is already closed (since {wave.closed_on}).")
        proposals = store.scalar("SELECT count(*) FROM pairs WHERE wave_id = ? AND status = 'proposed'", (wave_id,))
        if proposals:
            raise WaveError(
                f"{wave.name} still has {proposals} proposal(s); confirm or withdraw them on the pairing screen first."
            )
        today = programme.today().isoformat()
        wave.version = writer.update("waves", wave_id, expected_version, {"closed_on": today})
        wave.closed_on = today
    return wave


_SUMMARY = """
SELECT p.wave_id,
       count(DISTINCT p.id) FILTER (WHERE p.status = 'proposed'),
       count(DISTINCT p.id) FILTER (WHERE p.status IN ('active', 'paused')),
       count(DISTINCT p.id) FILTER (WHERE p.status = 'completed'),
       count(DISTINCT p.id) FILTER (WHERE p.status = 'closed_early'),
       count(s.id) FILTER (WHERE s.status = 'held')
FROM pairs p LEFT JOIN sessions s ON s.pair_id = p.id
GROUP BY p.wave_id
"""


def wave_state(wave: Wave, today: dt.date) -> str:
    """Return "closed", "not started" or "running"."""
    if wave.closed_on:
        return "closed"
    return "running" if has_started(wave, today) else "not started"


def wave_summaries(store: Store, today: dt.date) -> list[WaveSummary]:
    """Return every wave (oldest first) with its pairs by state, sessions held and end day."""
    with store.snapshot():
        waves = all_waves(store)
        counts = {row[0]: row[1:] for row in store.query_tuples(_SUMMARY)}
    result = []
    for wave in waves:
        proposed, active, completed, closed, held = counts.get(wave.id, (0, 0, 0, 0, 0))
        result.append(WaveSummary(wave, wave_state(wave, today), proposed, active, completed, closed, held, wave_end(wave)))
    return result


def check_open_for_pairs(wave: Wave | None) -> None:
    """Raise WaveError when pairs cannot go into ``wave`` (gone or closed)."""
    if wave is None:
        raise WaveError("This wave was removed by another coordinator; nothing was saved.")
    if wave.closed_on:
        raise WaveError(f"{wave.name} was closed on {wave.closed_on}; pair people into an open wave.")
