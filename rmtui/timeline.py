"""One pair's sessions: reading its timeline and editing its sessions.

Every edit is one short write transaction that names the version of the session it was
read at; if another coordinator changed the session meanwhile the store raises
:class:`db.ConflictError` and nothing is saved (the caller keeps the user's input).
Rule violations (holding a session in the future, cancelling a held one) raise ValueError
with one sentence to show.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pendulum

from rmtui.db import ConflictError, Feedback, Pair, Session, Store, StoreError, Wave
from rmtui.lifecycle import complete_if_last_held
from rmtui.schedule import Replan, as_date, local_instant, utc_text, write_pair_plan
from rmtui.session_status import Flag, pair_flags
from rmtui.text import clean

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class When:
    """A day, and a time of day (HH:MM, in the programme's zone) when one was given."""

    day: dt.date
    time: str | None = None


WHEN_HINT = "+1w, +3d, fri, tomorrow, 2026-12-04 or 2026-12-04 14:00 (programme time)"
"""What :func:`parse_when` accepts, for the dialogs that ask for a day."""

_RELATIVE = re.compile(r"^([+-])(\d{1,3})\s*([dw]?)$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_when(text: str, today: dt.date, anchor: dt.date | None = None) -> When:
    """Return the day (and time) ``text`` names.

    Relative words count from ``anchor`` (the session being moved) when one is given, else
    from ``today``: ``+3d``, ``+1w``, ``+3`` (days), ``-2d``, a weekday (``fri`` or
    ``friday``: the next one after the anchor). ``today``, ``tomorrow`` and ``yesterday``
    always name days around today; ``2026-12-04`` is that day. Each may be followed by a
    time (``2026-12-04 14:00``, ``fri 9:30``). Raises ValueError with a one-line hint.
    """
    hint = f"{text.strip()!r} is not a day: try +1w, +3d, fri, 2026-12-04 or 2026-12-04 14:00"
    parts = text.strip().lower().split()
    if not parts or len(parts) > 2:
        raise ValueError(hint)
    time = None
    if len(parts) == 2:
        match = _TIME.match(parts[1])
        if not match:
            raise ValueError(hint)
        time = f"{int(match.group(1)):02d}:{match.group(2)}"
    word, today = parts[0], as_date(today)
    start = today if anchor is None else as_date(anchor)
    if match := _RELATIVE.match(word):
        amount = int(match.group(2)) * (7 if match.group(3) == "w" else 1)
        return When(start + dt.timedelta(days=amount if match.group(1) == "+" else -amount), time)
    if word == "today":
        return When(today, time)
    if word == "yesterday":
        return When(today - dt.timedelta(days=1), time)
    if word == "tomorrow":
        return When(today + dt.timedelta(days=1), time)
    if len(word) >= 3 and any(name.startswith(word[:3]) for name in WEEKDAYS):
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        for number, name in enumerate(full):
            if name.startswith(word):
                ahead = (number - start.weekday() - 1) % 7 + 1
                return When(start + dt.timedelta(days=ahead), time)
        raise ValueError(hint)
    try:
        return When(dt.date.fromisoformat(word), time)
    except ValueError:
        raise ValueError(hint) from None


def session_when(session: Session, timezone: str) -> When:
    """Return the day ``session`` is on (its set time's day, else its due day) and its time."""
    if session.scheduled_at:
        local = pendulum.parse(session.scheduled_at).in_timezone(timezone)  # type: ignore[union-attr]
        return When(dt.date(local.year, local.month, local.day), local.strftime("%H:%M"))
    return When(as_date(session.due_on))


@dataclass(frozen=True)
class Move:
    """Where a session would move to, and why the coordinator should confirm it (if so)."""

    session: Session
    when: When
    warnings: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The warnings as one phrase, "it is in the past and before session 3 (…)" ("" if none)."""
        return f"it is {' and '.join(self.warnings)}" if self.warnings else ""


class MoveNeedsConfirmation(ValueError):
    """A move into the past or before the previous session, not confirmed: the reason."""


def move_when(session: Session, text: str, today: dt.date, timezone: str) -> When:
    """Return where ``text`` moves ``session``: relative words (``+1w``, ``fri``) count from
    the session's own day, and its time of day is kept unless ``text`` names another
    (ValueError if ``text`` is not a day). Reads no database."""
    current = session_when(session, timezone)
    when = parse_when(text, today, anchor=current.day)
    if when.time is None and current.time is not None:
        when = When(when.day, current.time)
    return when


def plan_move(store: Store, session: Session, text: str, today: dt.date, timezone: str) -> Move:
    """Return where ``text`` moves ``session`` (see :func:`move_when`), with a warning for a
    day before today or before the pair's previous session."""
    when = move_when(session, text, today, timezone)
    return Move(session, when, move_warnings(store, session, when, today, timezone))


def move_warnings(store: Store, session: Session, when: When, today: dt.date, timezone: str) -> tuple[str, ...]:
    """Return why moving ``session`` to ``when`` needs confirming: in the past, or before the
    pair's previous (not cancelled) session."""
    warnings: list[str] = []
    today = as_date(today)
    if when.day < today:
        warnings.append("in the past")
    rows = store.query(
        "SELECT * FROM sessions WHERE pair_id = ? AND seq < ? AND status != 'cancelled' ORDER BY seq DESC LIMIT 1",
        (session.pair_id, session.seq),
    )
    if rows:
        previous = Session.from_row(rows[0])
        day = as_date(previous.held_on) if previous.held_on else session_when(previous, timezone).day
        if when.day < day:
            warnings.append(f"before session {previous.seq} ({_day_text(day)})")
    return tuple(warnings)


def _day_text(day: dt.date) -> str:
    return f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"


@dataclass(frozen=True)
class Person:
    """One side of a pair as the timeline shows it (never the sensitive attributes)."""

    id: int
    name: str
    department: str
    job_title: str


@dataclass
class PairTimeline:
    """A pair, its people and wave, its sessions in order, and today's flags."""

    pair: Pair
    wave: Wave
    mentor: Person
    mentee: Person
    sessions: list[Session]
    flags: list[Flag] = field(default_factory=list)
    answers: list[Feedback] = field(default_factory=list)

    def session_flags(self, session_id: int | None) -> list[Flag]:
        """Return the flags raised by one session."""
        return [f for f in self.flags if f.session_id == session_id and f.kind not in ("at_risk", "behind")]


def _person(store: Store, participant_id: int) -> Person:
    row = store.query(
        "SELECT id, name, department, job_title FROM participants WHERE id = ?", (participant_id,)
    )
    if not row:
        return Person(participant_id, f"#{participant_id}", "", "")
    return Person(row[0]["id"], row[0]["name"], row[0]["department"], row[0]["job_title"])


def load_timeline(store: Store, pair_id: int, today: dt.date) -> PairTimeline | None:
    """Return the timeline of ``pair_id`` with today's flags, or None if there is no such pair."""
    with store.snapshot():
        pair = store.get(Pair, pair_id)
        if pair is None:
            return None
        wave = store.get(Wave, pair.wave_id)
        assert wave is not None
        sessions = store.all(Session, "pair_id = ?", (pair_id,), order="seq")
        mentor, mentee = _person(store, pair.mentor_id), _person(store, pair.mentee_id)
        answers = store.all(Feedback, "pair_id = ?", (pair_id,), order="id")
    flags = pair_flags(pair_id, pair.started_on, sessions, wave, today) if pair.status == "active" else []
    return PairTimeline(pair, wave, mentor, mentee, sessions, flags, answers)


def first_pair(store: Store) -> int | None:
    """Return the pair the timeline opens on: the first active pair, else the first pair."""
    return store.scalar(
        "SELECT id FROM pairs WHERE status <> 'proposed' ORDER BY status <> 'active', id LIMIT 1"
    ) or store.scalar("SELECT id FROM pairs ORDER BY id LIMIT 1")


def find_pair(store: Store, text: str) -> int | None:
    """The pair named by ``text``: its number ("12", "#12", "pair 12"), else a mentor's or
    mentee's name, typos forgiven (the same rule as the pairing finder); active pairs first."""
    from rmtui.search.names import name_matches
    from rmtui.text import fold

    wanted = text.strip().lower().removeprefix("pair").strip().lstrip("#").strip()
    if wanted.isdigit():
        return int(wanted)  # the timeline says so if there is no such pair
    rows = store.query_tuples(
        "SELECT pairs.id, mentor.name, mentee.name FROM pairs"
        " JOIN participants AS mentor ON mentor.id = pairs.mentor_id"
        " JOIN participants AS mentee ON mentee.id = pairs.mentee_id"
        " ORDER BY pairs.status <> 'active', pairs.status = 'proposed', pairs.id"
    )
    names = [fold(f"{mentor} / {mentee}") for _, mentor, mentee in rows]
    found = name_matches(text, names, limit=1)
    return rows[found[0]][0] if found else None


def neighbour_pair(store: Store, pair_id: int, step: int) -> int | None:
    """Return the next (``step`` 1) or previous (-1) pair after ``pair_id``, wrapping around."""
    if step > 0:
        found = store.scalar("SELECT id FROM pairs WHERE id > ? ORDER BY id LIMIT 1", (pair_id,))
        return found or store.scalar("SELECT min(id) FROM pairs")
    found = store.scalar("SELECT id FROM pairs WHERE id < ? ORDER BY id DESC LIMIT 1", (pair_id,))
    return found or store.scalar("SELECT max(id) FROM pairs")


def get_session(store: Store, session_id: int) -> Session | None:
    """Return the session with ``session_id`` as it is now, or None."""
    return store.get(Session, session_id)


def _update(store: Store, session: Session, changes: dict[str, object]) -> int:
    assert session.id is not None
    with store.write() as writer:
        return writer.update("sessions", session.id, session.version, changes)


def mark_held(store: Store, session: Session, day: dt.date, today: dt.date) -> int:
    """Record that ``session`` was held on ``day``; return its new version.

    If it was the pair's last session still to happen, the pair is completed (audited) in
    the same transaction (:func:`rmtui.lifecycle.complete_if_last_held`).
    """
    day, today = as_date(day), as_date(today)
    if day > today:
        raise ValueError(f"Session {session.seq} cannot be held on {day.isoformat()}, which is after today.")
    if session.status == "cancelled":
        raise ValueError(f"Session {session.seq} was cancelled; add a new session instead.")
    assert session.id is not None
    with store.write() as writer:
        version = writer.update("sessions", session.id, session.version, {"status": "held", "held_on": day.isoformat()})
        # Holding the last planned session completes the pair, in this same transaction.
        complete_if_last_held(writer, session.pair_id)
    return version


def reschedule(
    store: Store, session: Session, when: When, timezone: str, *, today: dt.date | None = None, confirmed: bool = False
) -> int:
    """Move ``session`` to ``when`` (a set time makes it scheduled); return its new version.

    Given ``today`` and not ``confirmed``, a move into the past or before the pair's
    previous session raises :class:`MoveNeedsConfirmation` with the reason, and nothing
    is written.
    """
    if session.status == "held":
        raise ValueError(f"Session {session.seq} was already held; it cannot be moved.")
    if today is not None and not confirmed:
        warnings = move_warnings(store, session, when, today, timezone)
        if warnings:
            raise MoveNeedsConfirmation(
                f"Session {session.seq} would move to {_day_text(when.day)}, but it is {' and '.join(warnings)}."
            )
    changes: dict[str, object] = {"due_on": when.day.isoformat(), "held_on": None}
    if when.time:
        changes["scheduled_at"] = utc_text(local_instant(when.day, when.time, timezone))
        changes["status"] = "scheduled"
    else:
        changes["scheduled_at"] = None
        changes["status"] = "planned"
    return _update(store, session, changes)


def cancel(store: Store, session: Session) -> int:
    """Cancel ``session`` (it no longer counts as due); return its new version."""
    if session.status == "held":
        raise ValueError(f"Session {session.seq} was already held; it cannot be cancelled.")
    return _update(store, session, {"status": "cancelled"})


def set_agenda(store: Store, session: Session, text: str) -> int:
    """Replace the agenda of ``session`` (several lines allowed); return its new version."""
    return _update(store, session, {"agenda": clean(text, multiline=True).strip()})


def set_notes(store: Store, session: Session, text: str, today: dt.date) -> int:
    """Replace the notes of ``session``, stamping the day notes were posted; return its version."""
    notes = clean(text, multiline=True).strip()
    posted = session.notes_posted_on if notes and session.notes.strip() else None
    changes: dict[str, object] = {"notes": notes, "notes_posted_on": (posted or as_date(today).isoformat()) if notes else None}
    return _update(store, session, changes)


def set_follow_up(store: Store, session: Session, sent: bool = True) -> int:
    """Record whether the follow-up message to the mentee was sent; return the new version."""
    if sent and session.status != "held":
        raise ValueError(f"Session {session.seq} has not been held yet, so there is nothing to follow up.")
    return _update(store, session, {"follow_up_sent": int(sent)})


def add_session(store: Store, pair_id: int, day: dt.date | None = None) -> Session:
    """Add a session after the pair's last one, due on ``day`` (default: one cadence later)."""
    with store.write() as writer:
        last = writer.execute(
            "SELECT max(seq), max(due_on) FROM sessions WHERE pair_id = ?", (pair_id,)
        ).fetchone()
        row = writer.execute(
            "SELECT waves.cadence_days, pairs.started_on FROM pairs JOIN waves ON waves.id = pairs.wave_id "
            "WHERE pairs.id = ?",
            (pair_id,),
        ).fetchone()
        if row is None:
            raise ValueError(f"There is no pair #{pair_id}.")
        if day is None:
            base = last[1] or row[1]
            if not base:
                raise ValueError("Give the new session's day: this pair has no start day.")
            day = as_date(base) + dt.timedelta(days=row[0] if last[1] else 0)
        return writer.insert(Session(pair_id=pair_id, seq=(last[0] or 0) + 1, due_on=as_date(day).isoformat()))


def replan_pair(store: Store, pair_id: int, start: dt.date) -> Replan:
    """Move the pair's sessions still to happen onto the wave's rhythm from ``start``.

    Held and cancelled sessions stay; missing ones are added. Returns what moved.
    """
    with store.write() as writer:
        return write_pair_plan(writer, pair_id, as_date(start))


def describe_conflict(error: ConflictError) -> str:
    """Return one sentence saying what the other coordinator changed, for the conflict notice."""
    current = error.current
    if current is None:
        return "Someone else deleted this session; nothing was saved."
    shown = []
    for column in ("status", "due_on", "held_on", "agenda", "notes"):
        value = current.get(column)
        text = clean(str(value)) if value not in (None, "") else "—"
        shown.append(f"{column.replace('_', ' ')} {text[:24]}")
    who = error.changed_by or "Another coordinator"
    return f"{who} changed this session first (now {', '.join(shown)}); your edit was not saved, apply it again to overwrite."


@dataclass
class Outcome:
    """How an edit went, as one sentence to show; ``retry`` reopens the user's input."""

    message: str
    severity: str = "information"
    retry: Callable[[], None] | None = None
    ok: bool = True
    confirm: Callable[[], None] | None = None
    """Set when the edit needs a yes first: ``message`` is the question, this does it anyway."""


def attempt(
    edit: Callable[[], str], retry: Callable[[], None] | None = None, confirm: Callable[[], None] | None = None
) -> Outcome:
    """Run ``edit`` (which returns what it did) and turn the expected failures into an Outcome.

    A move that needs confirming hands back ``confirm`` (which redoes it confirmed). A
    conflict says what the other coordinator changed and hands back ``retry`` so the
    user's text is not lost; a broken rule or a busy database is one sentence.
    """
    try:
        return Outcome(edit())
    except MoveNeedsConfirmation as error:
        if confirm is None:
            return Outcome(str(error), "warning", retry, ok=False)
        return Outcome(f"{error} Move it anyway?", "warning", ok=False, confirm=confirm)
    except ConflictError as error:
        return Outcome(describe_conflict(error), "warning", retry, ok=False)
    except ValueError as error:
        return Outcome(str(error), "warning", ok=False)
    except StoreError as error:
        return Outcome(str(error), "error", retry, ok=False)
