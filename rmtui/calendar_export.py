"""The master schedule as iCalendar: one event per session still to happen.

Each event carries the pair, the agenda and the session's length, with times in the
programme's zone (a session with only a due day starts at the default session time). The
UID is built from the programme's own identifier and the session id, and SEQUENCE from the
session's version, so importing a newer export updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pendulum

from rmtui.db import Session, Store
from rmtui.db.errors import NotAllowedError
from rmtui.programme import Programme
from rmtui.schedule import DEFAULT_SESSION_TIME, session_start
from rmtui.text import clean

PROGRAMME_UID_SETTING = "programme_uid"


@dataclass(frozen=True)
class CalendarSession:
    """A session to export with what its event shows."""

    session: Session
    mentor: str
    mentee: str
    wave: str
    minutes: int


def programme_uid(programme: Programme, settings: dict[str, Any]) -> str:
    """Return the programme's stable identifier for UIDs (from ``settings``, the programme's
    settings as read), creating it on first export."""
    if settings.get(PROGRAMME_UID_SETTING):
        return str(settings[PROGRAMME_UID_SETTING])
    try:
        with programme.store.write() as writer:
            found = writer.execute("SELECT value FROM settings WHERE key = ?", (PROGRAMME_UID_SETTING,)).fetchone()
            if found:
                return str(json.loads(found[0]))
            value = uuid.uuid4().hex
            writer.set_setting(PROGRAMME_UID_SETTING, value)
            return value
    except NotAllowedError:
        # A viewer cannot store the identifier; derive one from what every export shares.
        return uuid.uuid5(uuid.NAMESPACE_URL, f"rmtui:{settings['programme_name']}").hex


def sessions_to_export(store: Store, pair_id: int | None = None, wave_id: int | None = None) -> list[CalendarSession]:
    """Return the planned and scheduled sessions of active pairs (one pair or wave if given)."""
    where = ["s.status IN ('planned', 'scheduled')", "p.status = 'active'"]
    params: list[int] = []
    if pair_id is not None:
        where.append("p.id = ?")
        params.append(pair_id)
    if wave_id is not None:
        where.append("p.wave_id = ?")
        params.append(wave_id)
    rows = store.query(
        f"""
        SELECT s.*, mentor.name AS mentor_name, mentee.name AS mentee_name,
               w.name AS wave_name, w.session_minutes
        FROM sessions s
        JOIN pairs p ON p.id = s.pair_id
        JOIN waves w ON w.id = p.wave_id
        JOIN participants mentor ON mentor.id = p.mentor_id
        JOIN participants mentee ON mentee.id = p.mentee_id
        WHERE {' AND '.join(where)}
        ORDER BY s.due_on, s.pair_id, s.seq
        """,
        params,
    )
    return [
        CalendarSession(Session.from_row(r), r["mentor_name"], r["mentee_name"], r["wave_name"], r["session_minutes"])
        for r in rows
    ]


def session_uid(programme_id: str, session_id: int) -> str:
    """Return the event UID of a session: the same on every export."""
    return f"session-{session_id}@{programme_id}.rmtui"


def ics_time(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Return ``instant`` (aware) as the event time to write: local time in ``zone``, or UTC
    when the local time alone would name another instant. In the hour repeated when the
    clocks go back (01:30 twice in Europe/London on 2026-10-25) an iCalendar TZID time means
    the first occurrence, so the second is written in UTC instead of an hour early."""
    local = instant.astimezone(zone)
    if local.replace(fold=0).astimezone(dt.UTC) != instant.astimezone(dt.UTC):
        return instant.astimezone(dt.UTC)
    return local


def build_calendar(
    sessions: list[CalendarSession],
    *,
    programme_id: str,
    programme_name: str,
    timezone: str,
    stamp: pendulum.DateTime,
    default_time: str = DEFAULT_SESSION_TIME,
) -> icalendar.Calendar:
    """Return the iCalendar of ``sessions`` (one VEVENT each, times in ``timezone``)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//rmtui//reverse mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{clean(programme_name)}: sessions")
    calendar.add("x-wr-timezone", timezone)
    zone = ZoneInfo(timezone)
    for item in sessions:
        session = item.session
        assert session.id is not None
        start = session_start(session, timezone, default_time).in_timezone("UTC")
        start_utc = dt.datetime(start.year, start.month, start.day, start.hour, start.minute, tzinfo=dt.UTC)
        mentor, mentee, wave = clean(item.mentor), clean(item.mentee), clean(item.wave)
        event = icalendar.Event()
        event.add("uid", session_uid(programme_id, session.id))
        event.add("sequence", session.version)
        event.add("dtstamp", stamp.in_timezone("UTC"))
        event.add("dtstart", ics_time(start_utc, zone))
        event.add("dtend", ics_time(start_utc + dt.timedelta(minutes=item.minutes), zone))
        title = f"Reverse mentoring: {mentor} & {mentee}, session {session.seq}"
        if session.checkpoint:
            title += " (mid-point checkpoint)"
        event.add("summary", title)
        lines = [f"Wave: {wave}", f"Mentor: {mentor}", f"Mentee: {mentee}", f"Length: {item.minutes} minutes"]
        if session.status != "scheduled":
            lines.append(f"Due on {session.due_on}; the time is a placeholder until the pair agrees one.")
        lines.append("")
        lines.append("Agenda:" if session.agenda else "Agenda: set by the mentor before the session.")
        if session.agenda:
            lines.append(clean(session.agenda, multiline=True))
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED" if session.status == "scheduled" else "TENTATIVE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def export_calendar(programme: Programme, pair_id: int | None = None, wave_id: int | None = None) -> tuple[bytes, int]:
    """Return the .ics bytes of the programme's sessions to come (one pair or wave) and how many."""
    sessions = sessions_to_export(programme.store, pair_id, wave_id)
    settings = programme.settings()
    calendar = build_calendar(
        sessions,
        programme_id=programme_uid(programme, settings),
        programme_name=str(settings["programme_name"]),
        timezone=str(settings["timezone"]),
        stamp=programme.clock.now(),
        default_time=str(settings.get("session_time", DEFAULT_SESSION_TIME)),
    )
    return calendar.to_ical(), len(sessions)
