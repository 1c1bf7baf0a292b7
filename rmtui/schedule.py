"""The master schedule: when each of a pair's sessions is due.

A wave sets the rhythm (``sessions_planned`` sessions, one every ``cadence_days``); a pair's
plan starts on the day it started. Due days are calendar days in the programme's time zone,
so they are counted in whole days (month ends and leap days need no special case); a time of
day, when one is set, is turned into a UTC instant through the zone, so 14:00 stays 14:00 on
both sides of a daylight-saving change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum

from rmtui.db import Pair, Session, Wave, Writer

DEFAULT_SESSION_TIME = "10:00"
"""The local time a session is assumed to start at when only its day is known."""


@dataclass(frozen=True)
class PlannedSession:
    """One session of a plan: its number, due day and whether it is the mid-point checkpoint."""

    seq: int
    due_on: dt.date
    checkpoint: bool


def as_date(value: str | dt.date) -> dt.date:
    """Return ``value`` (ISO text or a date) as a plain date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    return dt.date.fromisoformat(value[:10])


def checkpoint_seq(sessions_planned: int) -> int:
    """Return the number of the mid-point checkpoint session (4 of 7, 3 of 6, 1 of 1)."""
    return (sessions_planned + 1) // 2


def due_days(start: str | dt.date, cadence_days: int, count: int) -> list[dt.date]:
    """Return ``count`` due days, the first on ``start`` and then every ``cadence_days``."""
    first = as_date(start)
    return [first + dt.timedelta(days=cadence_days * n) for n in range(count)]


def wave_session_days(wave: Wave, confirmed_on: str | dt.date) -> list[dt.date]:
    """Return the due days of a pair confirmed in ``wave`` on ``confirmed_on``: the master schedule.

    A pair confirmed before the wave starts meets on the wave's own days (its start, then
    every ``cadence_days``), so every pair of the wave shares them. A pair confirmed once
    the wave has started holds its first session on the day it is confirmed and then joins
    the wave's rhythm: each later session falls on the next of the wave's days at least
    half a cadence after the one before (continuing the rhythm past the wave's last day
    as far as needed), so late pairs still share the wave's dates where they can.
    """
    start, confirmed = as_date(wave.starts_on), as_date(confirmed_on)
    cadence, count = wave.cadence_days, wave.sessions_planned
    if confirmed <= start:
        return due_days(start, cadence, count)
    days = [confirmed]
    gap = max(1, (cadence + 1) // 2)
    while len(days) < count:
        earliest = days[-1] + dt.timedelta(days=gap)
        steps = -(-(earliest - start).days // cadence)  # ceiling: the first wave day on or after it
        days.append(start + dt.timedelta(days=steps * cadence))
    return days


def plan(wave: Wave, start: str | dt.date) -> list[PlannedSession]:
    """Return the wave's plan for a pair starting on ``start``: every session, checkpoint marked."""
    middle = checkpoint_seq(wave.sessions_planned)
    return [
        PlannedSession(seq=n, due_on=day, checkpoint=n == middle)
        for n, day in enumerate(due_days(start, wave.cadence_days, wave.sessions_planned), start=1)
    ]


def local_instant(day: str | dt.date, time: str, timezone: str) -> pendulum.DateTime:
    """Return ``time`` (HH:MM) on ``day`` in ``timezone`` as a UTC instant (DST-aware)."""
    d = as_date(day)
    hour, minute = (int(part) for part in time.split(":"))
    return pendulum.datetime(d.year, d.month, d.day, hour, minute, tz=timezone).in_timezone("UTC")


def session_start(session: Session, timezone: str, default_time: str = DEFAULT_SESSION_TIME) -> pendulum.DateTime:
    """Return when ``session`` starts in the programme's zone: its set time, else the default."""
    if session.scheduled_at:
        return pendulum.parse(session.scheduled_at).in_timezone(timezone)  # type: ignore[union-attr]
    return local_instant(session.due_on, default_time, timezone).in_timezone(timezone)


def utc_text(instant: pendulum.DateTime) -> str:
    """Return ``instant`` as the store's ISO-8601 UTC text."""
    return instant.in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Replan:
    """What re-planning a pair does: sessions kept, moved (id, version, new day) and added."""

    kept: list[Session]
    moved: list[tuple[Session, dt.date]]
    added: list[PlannedSession]


def replan(sessions: list[Session], wave: Wave, start: str | dt.date, days: list[dt.date] | None = None) -> Replan:
    """Return how to re-plan a pair's ``sessions`` from ``start``.

    Held and cancelled sessions stay as they are. The others, in order, are moved to
    ``start``, ``start + cadence`` and so on. Sessions the wave plans but the pair does not
    have yet are added after them, continuing the rhythm. ``days``, when given, are the due
    days to use in order (the wave's master schedule) instead of a rhythm from ``start``.
    """
    kept = [s for s in sessions if s.status in ("held", "cancelled")]
    open_sessions = sorted((s for s in sessions if s.status not in ("held", "cancelled")), key=lambda s: s.seq)
    missing = max(0, wave.sessions_planned - len(sessions))
    wanted = len(open_sessions) + missing
    if days is None or len(days) < wanted:
        days = due_days(start, wave.cadence_days, wanted)
    days = days[:wanted]
    moved = [(s, day) for s, day in zip(open_sessions, days) if as_date(s.due_on) != day or s.scheduled_at]
    next_seq = max((s.seq for s in sessions), default=0) + 1
    middle = checkpoint_seq(wave.sessions_planned)
    has_checkpoint = any(s.checkpoint for s in sessions)
    added = [
        PlannedSession(seq=next_seq + n, due_on=day, checkpoint=not has_checkpoint and next_seq + n == middle)
        for n, day in enumerate(days[len(open_sessions):])
    ]
    return Replan(kept=kept, moved=moved, added=added)


def write_pair_plan(writer: Writer, pair_id: int, start: str | dt.date | None = None,
                    *, days: list[dt.date] | None = None) -> Replan:
    """Plan (or re-plan) the sessions of ``pair_id`` inside ``writer``'s transaction.

    ``start`` defaults to the pair's ``started_on``. A pair with no sessions gets the wave's
    whole plan; a pair with sessions keeps the held ones and has the rest moved. Returns
    what was done. ``days`` are the due days to plan on (:func:`wave_session_days`), when the
    plan follows the wave rather than a rhythm from ``start``. Raises ValueError when the
    pair, its wave or its start day is unknown.
    """
    store = writer.store  # its lock is re-entrant: these reads run inside the transaction
    pair = store.get(Pair, pair_id)
    if pair is None:
        raise ValueError(f"There is no pair #{pair_id}.")
    wave = store.get(Wave, pair.wave_id)
    if wave is None:
        raise ValueError(f"Pair #{pair_id} belongs to wave #{pair.wave_id}, which no longer exists.")
    start = start or (days[0] if days else None) or pair.started_on
    if not start:
        raise ValueError(f"Pair #{pair_id} has no start day to plan from.")
    sessions = store.all(Session, "pair_id = ?", (pair_id,), order="seq")
    change = replan(sessions, wave, start, days)
    for session, day in change.moved:
        assert session.id is not None
        writer.update(
            "sessions",
            session.id,
            session.version,
            {"due_on": day.isoformat(), "scheduled_at": None, "status": "planned" if session.status == "scheduled" else session.status},
        )
    for planned in change.added:
        writer.insert(
            Session(pair_id=pair_id, seq=planned.seq, due_on=planned.due_on.isoformat(), checkpoint=planned.checkpoint),
            audit=False,
        )
    if change.added:
        writer.audit(
            "pairs",
            pair_id,
            "plan sessions",
            None,
            {"sessions": [[p.seq, p.due_on.isoformat()] for p in change.added]},
        )
    return change
