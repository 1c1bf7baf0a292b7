"""A pair's life after it is confirmed: completed, paused, resumed (closing early is in pairing).

* **Completed** automatically when its last planned session is held (the same write
  transaction as the session, audited as ``complete`` with ``"auto": true``), or by a
  coordinator with the day it ended (:func:`complete_pair`); sessions still planned then are
  cancelled.
* **Paused** with a reason (:func:`pause_pair`) and **resumed** with a reason
  (:func:`resume_pair`): the sessions still planned or booked move later by the length of
  the pause (days from ``paused_on`` to the resume day).
* **People follow the pair**: an applicant in a confirmed pair becomes active
  (:func:`activate_people`, called by :func:`rmtui.pairing.confirm_pair`); at completion
  both people become alumni unless they are in another pair still going (active or paused)
  (:func:`retire_people`). Withdrawn people are never changed.

Every function runs inside the caller's write transaction or opens one; errors a
coordinator can act on are :class:`LifecycleError` (a ValueError) with one sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rmtui.db import Pair, Store, Writer
from rmtui.schedule import as_date
from rmtui.text import clean

GOING = ("active", "paused")
MIN_REASON = 3


class LifecycleError(ValueError):
    """A lifecycle change that cannot be made; the message says why and what to do."""


def activate_people(writer: Writer, person_ids: Iterable[int]) -> list[int]:
    """Make the applicants among ``person_ids`` active (they are paired); return who changed."""
    changed = []
    for person_id in dict.fromkeys(person_ids):
        row = writer.execute("SELECT status, version FROM participants WHERE id = ?", (person_id,)).fetchone()
        if row is not None and row[0] == "applicant":
            writer.update("participants", person_id, row[1], {"status": "active"})
            changed.append(person_id)
    return changed


def retire_people(writer: Writer, pair: Pair) -> list[int]:
    """Make the two people of a finished ``pair`` alumni unless another pair of theirs is going."""
    changed = []
    for person_id in (pair.mentor_id, pair.mentee_id):
        going = writer.execute(
            "SELECT count(*) FROM pairs WHERE id <> ? AND status IN ('active', 'paused') "
            "AND (mentor_id = ? OR mentee_id = ?)",
            (pair.id, person_id, person_id),
        ).fetchone()[0]
        if going:
            continue
        row = writer.execute("SELECT status, version FROM participants WHERE id = ?", (person_id,)).fetchone()
        if row is not None and row[0] in ("applicant", "active"):
            writer.update("participants", person_id, row[1], {"status": "alumni"})
            changed.append(person_id)
    return changed


def _pair(writer: Writer, pair_id: int) -> Pair:
    cursor = writer.execute("SELECT * FROM pairs WHERE id = ?", (pair_id,))
    row = cursor.fetchone()
    if row is None:
        raise LifecycleError(f"There is no pair {pair_id}; it may have been removed by another coordinator.")
    return Pair.from_row(dict(zip([d[0] for d in cursor.description], row)))


def _cancel_open(writer: Writer, pair_id: int) -> int:
    was = dict(writer.execute(
        "SELECT id, status FROM sessions WHERE pair_id = ? AND status IN ('planned', 'scheduled') AND held_on IS NULL",
        (pair_id,),
    ).fetchall())
    cancelled = writer.execute(
        "UPDATE sessions SET status = 'cancelled', version = version + 1, updated_at = ? "
        "WHERE pair_id = ? AND status IN ('planned', 'scheduled') AND held_on IS NULL",
        (writer.now, pair_id),
    ).rowcount
    if cancelled:
        writer.audit("sessions", None, "cancel", None, {"pair_id": pair_id, "sessions": cancelled, "why": "pair completed", "was": was})
    return cancelled


def complete_if_last_held(writer: Writer, pair_id: int) -> Pair | None:
    """Complete an active pair whose sessions are all held (or cancelled/missed); return it if so.

    Called in the transaction that marks a session held. The pair ends on the day its last
    session was held; at least one session must have been held.
    """
    pair = _pair(writer, pair_id)
    if pair.status != "active":
        return None
    open_count, held_count, last_held = writer.execute(
        "SELECT sum(status IN ('planned', 'scheduled') AND held_on IS NULL), sum(status = 'held'), "
        "max(CASE WHEN status = 'held' THEN held_on END) FROM sessions WHERE pair_id = ?",
        (pair_id,),
    ).fetchone()
    if open_count or not held_count:
        return None
    version = writer.update("pairs", pair_id, pair.version, {"status": "completed", "ended_on": last_held})
    writer.audit("pairs", pair_id, "complete", {"status": "active"}, {"status": "completed", "ended_on": last_held, "auto": True})
    retire_people(writer, pair)
    pair.status, pair.ended_on, pair.version = "completed", last_held, version
    return pair


def complete_pair(store: Store, pair_id: int, expected_version: int, day: dt.date, today: dt.date) -> Pair:
    """Complete an active or paused pair on ``day`` (a coordinator's decision); return it.

    Sessions still planned or booked are cancelled; both people become alumni unless in
    another pair still going. ``day`` may not be after ``today`` nor before the pair started.
    """
    day, today = as_date(day), as_date(today)
    if day > today:
        raise LifecycleError(f"A pair cannot be completed on {day.isoformat()}, which is after today.")
    with store.write() as writer:
        pair = _pair(writer, pair_id)
        if pair.version == expected_version and pair.status not in GOING:
            raise LifecycleError(f"Only an active or paused pair can be completed; pair {pair_id} is {pair.status.replace('_', ' ')}.")
        if pair.started_on and day < as_date(pair.started_on):
            raise LifecycleError(f"Pair {pair_id} started on {pair.started_on}; it cannot be completed before that.")
        version = writer.update(
            "pairs", pair_id, expected_version,
            {"status": "completed", "ended_on": day.isoformat(), "paused_on": None, "pause_reason": None},
        )
        writer.audit("pairs", pair_id, "complete", {"status": pair.status}, {"status": "completed", "ended_on": day.isoformat()})
        _cancel_open(writer, pair_id)
        retire_people(writer, pair)
    pair.status, pair.ended_on, pair.version, pair.paused_on, pair.pause_reason = "completed", day.isoformat(), version, None, None
    return pair


def _reason(reason: str, what: str) -> str:
    text = clean(reason or "").strip()
    if len(text) < MIN_REASON:
        raise LifecycleError(f"Say in a few words why the pair is {what} (at least {MIN_REASON} characters).")
    return text


def pause_pair(store: Store, pair_id: int, expected_version: int, reason: str, today: dt.date) -> Pair:
    """Pause an active pair from ``today`` with a reason; its sessions wait until it resumes."""
    text = _reason(reason, "pausing")
    today = as_date(today)
    with store.write() as writer:
        pair = _pair(writer, pair_id)
        if pair.version == expected_version and pair.status != "active":
            raise LifecycleError(f"Only an active pair can be paused; pair {pair_id} is {pair.status.replace('_', ' ')}.")
        version = writer.update(
            "pairs", pair_id, expected_version, {"status": "paused", "paused_on": today.isoformat(), "pause_reason": text}
        )
        writer.audit("pairs", pair_id, "pause", None, {"reason": text, "paused_on": today.isoformat()})
    pair.status, pair.paused_on, pair.pause_reason, pair.version = "paused", today.isoformat(), text, version
    return pair


def _shift_instant(text: str, days: int) -> str:
    instant = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(days=days)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def resume_pair(store: Store, pair_id: int, expected_version: int, reason: str, today: dt.date) -> tuple[Pair, int]:
    """Resume a paused pair today with a reason; return it and the days its sessions moved.

    Every session still planned or booked moves later by the days the pair was paused
    (from ``paused_on`` to ``today``); held, cancelled and missed sessions stay.
    """
    text = _reason(reason, "resuming")
    today = as_date(today)
    with store.write() as writer:
        pair = _pair(writer, pair_id)
        if pair.version == expected_version and pair.status != "paused":
            raise LifecycleError(f"Only a paused pair can be resumed; pair {pair_id} is {pair.status.replace('_', ' ')}.")
        shift = max(0, (today - as_date(pair.paused_on)).days) if pair.paused_on else 0
        version = writer.update("pairs", pair_id, expected_version, {"status": "active", "paused_on": None, "pause_reason": None})
        moved = 0
        shifted: dict[str, list[list[str | None]]] = {}
        if shift:
            rows = writer.execute(
                "SELECT id, due_on, scheduled_at FROM sessions WHERE pair_id = ? "
                "AND status IN ('planned', 'scheduled') AND held_on IS NULL",
                (pair_id,),
            ).fetchall()
            for session_id, due_on, scheduled_at in rows:
                new = ((as_date(due_on) + dt.timedelta(days=shift)).isoformat(),
                       _shift_instant(scheduled_at, shift) if scheduled_at else None)
                writer.execute(
                    "UPDATE sessions SET due_on = ?, scheduled_at = ?, version = version + 1, updated_at = ? WHERE id = ?",
                    (*new, writer.now, session_id),
                )
                # Each session's days before and after, so undo can move exactly these back.
                shifted[str(session_id)] = [[due_on, scheduled_at], list(new)]
            moved = len(rows)
        writer.audit("pairs", pair_id, "resume", {"paused_on": pair.paused_on, "pause_reason": pair.pause_reason},
                     {"reason": text, "days": shift, "sessions_moved": moved, "moved": shifted})
    pair.status, pair.paused_on, pair.pause_reason, pair.version = "active", None, None, version
    return pair, shift


def resolve_pair(store: Store, text: str) -> Pair:
    """Return the pair ``text`` names: its number, or one of its people's email or name.

    A person in several pairs names their pair still going (active or paused), else the
    error lists their pairs.
    """
    wanted = clean(str(text)).strip()
    if wanted.isdigit():
        pair = store.get(Pair, int(wanted))
        if pair is None:
            raise LifecycleError(f"There is no pair {wanted}; pairs are named by the number the timeline shows.")
        return pair
    people = store.query_tuples(
        "SELECT id, name FROM participants WHERE email = ? COLLATE NOCASE OR name = ? COLLATE NOCASE", (wanted, wanted)
    )
    if not people:
        raise LifecycleError(f"No pair has a person called {wanted!r}; give the pair's number or a person's email.")
    ids = [p[0] for p in people]
    marks = ",".join("?" for _ in ids)
    pairs = store.all(Pair, f"mentor_id IN ({marks}) OR mentee_id IN ({marks})", (*ids, *ids))
    if len(pairs) > 1:
        pairs = [p for p in pairs if p.status in GOING] or pairs
    if len(pairs) != 1:
        listed = ", ".join(f"pair {p.id} ({p.status.replace('_', ' ')})" for p in pairs) or "no pair"
        raise LifecycleError(f"{wanted!r} names {listed}; give the pair's number instead.")
    return pairs[0]


def status_of(store: Store, pair_id: int) -> str | None:
    """Return the pair's status now (None if there is no such pair)."""
    return store.scalar("SELECT status FROM pairs WHERE id = ?", (pair_id,))
