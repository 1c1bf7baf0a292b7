"""Status rules for sessions and pairs, judged against an injected ``today``.

Pure functions, no database and no clock of their own: each returns a :class:`Flag` (with
its reason in words, for a coordinator) or None. The triage queue, the timeline and the
leaderboard all ask these, so a rule is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from rmtui.db import Session, Wave
from rmtui.schedule import as_date

OPEN_STATUSES = ("planned", "scheduled", "missed")
"""Sessions that still have to happen (a missed session must be rescheduled or cancelled)."""

KIND_RANK = {"at_risk": 4, "overdue": 3, "notes_late": 2, "follow_up": 1, "survey": 0, "behind": -1}
"""How serious each kind of flag is; the triage queue puts higher first."""

KIND_LABEL = {
    "at_risk": "At risk",
    "overdue": "Overdue",
    "notes_late": "Notes late",
    "follow_up": "No follow-up",
    "survey": "No answer",
    "behind": "Behind",
}


class Flag(NamedTuple):
    """Something a coordinator should act on: what, for which pair/session, and why.

    ``days`` measures how bad it is (days overdue or late; for an at-risk pair the longer
    of its overdue count and its quiet days). The reason in words is built only when read,
    so a queue of thousands of flags costs no text until it is shown. (A tuple, because the
    triage queue makes tens of thousands of them.)
    """

    kind: str
    pair_id: int
    session_id: int | None
    days: int
    seq: int | None = None
    day: dt.date | None = None
    today: dt.date | None = None
    detail: tuple[int, ...] = ()

    @property
    def severity(self) -> tuple[int, int]:
        """Return the sort key of seriousness: kind first, then how many days it has lasted."""
        return (KIND_RANK[self.kind], self.days)

    @property
    def reason(self) -> str:
        """Return why this was flagged, in words ("Session 3 due 4 Nov, 16 days overdue")."""
        on = short_day(self.day, self.today) if self.day is not None else "?"
        if self.kind == "overdue":
            return f"Session {self.seq} due {on}, {_days(self.days)} overdue"
        if self.kind == "notes_late":
            return f"Session {self.seq} held {on}, notes {_days(self.days)} late"
        if self.kind == "follow_up":
            return f"Session {self.seq} held {on}, follow-up not sent"
        if self.kind == "survey":
            kind, respondent = self.detail
            name = ("pre", "mid-point", "post", "closing")[kind]
            return (f"{('Mentor', 'Mentee')[respondent]}'s {name} survey answer {_days(self.days)} late "
                    f"(due {on})")
        if self.kind == "behind":
            held, due = self.detail
            return f"{held} of {due} sessions due by today held"
        overdue_count, quiet, cadence = self.detail
        reasons = []
        if overdue_count >= 2:
            reasons.append(f"{overdue_count} sessions overdue")
        if quiet > 2 * cadence:
            reasons.append(f"nothing held for {_days(quiet)}")
        text = "; ".join(reasons)
        return text[:1].upper() + text[1:]


def short_day(day: dt.date, today: dt.date | None = None) -> str:
    """Return ``day`` as "4 Nov" (with the year when it is not ``today``'s year)."""
    text = f"{day.day} {day:%b}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def relative_day(day: dt.date, today: dt.date) -> str:
    """Return ``day`` relative to ``today``: "today", "tomorrow", "in 3 days", "2 days ago"."""
    delta = (as_date(day) - as_date(today)).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {_days(delta)}" if delta > 0 else f"{_days(-delta)} ago"


def is_open(session: Session) -> bool:
    """Return whether ``session`` has still to happen (not held, not cancelled)."""
    return session.status in OPEN_STATUSES and not session.held_on


def days_overdue(due_on: dt.date, grace_days: int, today: dt.date) -> int | None:
    """Return how many days past its due day an unheld session is, once grace has passed."""
    late = (today - due_on).days
    return late if late > grace_days else None


def days_late(held_on: dt.date, notes_due_days: int, today: dt.date) -> int | None:
    """Return how many days late something due ``notes_due_days`` after a session is, or None."""
    late = (today - held_on).days - notes_due_days
    return late if late > 0 else None


def overdue(session: Session, wave: Wave, today: dt.date) -> Flag | None:
    """Flag ``session`` when its due day plus the wave's grace days has passed unheld."""
    if not is_open(session):
        return None
    due, today = as_date(session.due_on), as_date(today)
    late = days_overdue(due, wave.grace_days, today)
    if late is None:
        return None
    return Flag("overdue", session.pair_id, session.id, late, session.seq, due, today)


def notes_late(session: Session, wave: Wave, today: dt.date) -> Flag | None:
    """Flag a held ``session`` with no notes more than ``notes_due_days`` after it was held."""
    if session.status != "held" or not session.held_on or session.notes.strip():
        return None
    held, today = as_date(session.held_on), as_date(today)
    late = days_late(held, wave.notes_due_days, today)
    if late is None:
        return None
    return Flag("notes_late", session.pair_id, session.id, late, session.seq, held, today)


def follow_up_missing(session: Session, wave: Wave, today: dt.date) -> Flag | None:
    """Flag a held ``session`` whose follow-up to the mentee is not sent ``notes_due_days`` after."""
    if session.status != "held" or not session.held_on or session.follow_up_sent:
        return None
    held, today = as_date(session.held_on), as_date(today)
    late = days_late(held, wave.notes_due_days, today)
    if late is None:
        return None
    return Flag("follow_up", session.pair_id, session.id, late, session.seq, held, today)


def session_flags(session: Session, wave: Wave, today: dt.date) -> list[Flag]:
    """Return every flag ``session`` raises today (overdue, notes late, follow-up missing)."""
    return [
        flag
        for rule in (overdue, notes_late, follow_up_missing)
        if (flag := rule(session, wave, today)) is not None
    ]


def is_behind(held: int, due: int) -> bool:
    """Return whether a pair that held ``held`` sessions, with ``due`` due by today, is behind."""
    return held < due


def due_from(grace_days: int, today: dt.date) -> dt.date:
    """Return the day a pair's first session must be due before for its sessions to count as due."""
    return as_date(today) - dt.timedelta(days=grace_days)


def counts_as_due(first_due: dt.date | None, grace_days: int, today: dt.date) -> bool:
    """Return whether a pair's sessions count as due yet: not before its first session's due
    day plus the wave's grace days has passed (a pair just confirmed is not "behind")."""
    return first_due is not None and as_date(first_due) < due_from(grace_days, today)


def behind(pair_id: int, sessions: Iterable[Session], today: dt.date, grace_days: int = 0) -> Flag | None:
    """Flag a pair that has held fewer sessions than were due by ``today``.

    Nothing counts as due until the first session's due day plus ``grace_days`` has passed.
    """
    today = as_date(today)
    listed = list(sessions)
    held = sum(1 for s in listed if s.status == "held")
    planned = [as_date(s.due_on) for s in listed if s.status != "cancelled"]
    if not counts_as_due(min(planned, default=None), grace_days, today):
        return None
    due = sum(1 for day in planned if day <= today)
    if not is_behind(held, due):
        return None
    return Flag("behind", pair_id, None, due - held, today=today, detail=(held, due))


def at_risk(
    pair_id: int,
    overdue_count: int,
    last_activity: str | dt.date | None,
    cadence_days: int,
    today: dt.date,
    first_overdue: int | None = None,
) -> Flag | None:
    """Flag a pair with two or more overdue sessions, or no activity for two cadences.

    ``last_activity`` is the last day a session was held (or the pair started);
    ``first_overdue`` is the session the flag points at (its oldest overdue one), if any.
    """
    today = today if type(today) is dt.date else as_date(today)  # (the triage calls this thousands of times)
    if not last_activity:
        quiet = 0
    elif isinstance(last_activity, str):
        quiet = (today - dt.date.fromisoformat(last_activity[:10])).days
    else:
        quiet = (today - as_date(last_activity)).days
    if overdue_count < 2 and quiet <= 2 * cadence_days:
        return None
    days = max(overdue_count if overdue_count >= 2 else 0, quiet if quiet > 2 * cadence_days else 0)
    return Flag("at_risk", pair_id, first_overdue, days, today=today, detail=(overdue_count, quiet, cadence_days))


def pair_flags(pair_id: int, started_on: str | None, sessions: list[Session], wave: Wave, today: dt.date) -> list[Flag]:
    """Return every flag of one pair: its sessions' flags, then behind and at risk."""
    flags = [flag for s in sorted(sessions, key=lambda s: s.seq) for flag in session_flags(s, wave, today)]
    late = [f for f in flags if f.kind == "overdue"]
    held_days = [as_date(s.held_on) for s in sessions if s.status == "held" and s.held_on]
    last = max(held_days) if held_days else (as_date(started_on) if started_on else None)
    for flag in (
        behind(pair_id, sessions, today, wave.grace_days),
        at_risk(pair_id, len(late), last, wave.cadence_days, today, late[0].session_id if late else None),
    ):
        if flag is not None:
            flags.append(flag)
    return flags
