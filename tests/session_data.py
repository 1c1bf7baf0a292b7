"""A small fixed programme whose sessions show every state triage and the timeline handle.

Today is 2026-11-20 (the ``clock`` fixture). One wave (every 21 days, grace 3, notes due 3)
started 2026-09-07; plans come from :func:`rmtui.schedule.write_pair_plan`.

* pair 1 — Mia Mentor / Sam Senior: sessions 1–3 held; 4 held 10 Nov without notes or
  follow-up (notes late, follow-up missing); 5–7 to come.
* pair 2 — Lee Junior / [red]Ana[/] Boss (a name that looks like markup): only session 1
  held; 2, 3, 4 overdue → at risk.
* pair 3 — Kai Analyst / Dana Director: 1–3 held; 4 due 9 Nov, overdue 11 days.
* pair 4 — Noor Dev / Eli Chief: on track (1–4 held with notes and follow-ups).
* pair 5 — completed: never in the queue.
"""

from __future__ import annotations

from rmtui.db import Pair, Participant, Session, Store, Wave
from rmtui.schedule import write_pair_plan

PEOPLE = [
    ("Mia Mentor", "mentor", "Marketing"),
    ("Sam Senior", "mentee", "Finance"),
    ("Lee Junior", "mentor", "Technology"),
    ("[red]Ana[/] Boss", "mentee", "Claims"),
    ("Kai Analyst", "mentor", "Finance"),
    ("Dana Director", "mentee", "Operations"),
    ("Noor Dev", "mentor", "Technology"),
    ("Eli Chief", "mentee", "Marketing"),
    ("Old Mentor", "mentor", "Legal"),
    ("Old Mentee", "mentee", "Sales"),
]
COACHES = ["Priya Raman (HR)", "Tom Okafor (HR)", "Priya Raman (HR)", "Tom Okafor (HR)", "Tom Okafor (HR)"]


def build_sessions_programme(store: Store) -> None:
    """Fill the empty ``store`` with the five pairs described above."""
    with store.write() as w:
        w.insert(Wave(name="Wave 2", starts_on="2026-09-07"))
        ids = [w.insert(Participant(name=n, role=r, department=d, status="active")).id for n, r, d in PEOPLE]
        for number in range(5):
            w.insert(
                Pair(
                    wave_id=1,
                    mentor_id=ids[2 * number],
                    mentee_id=ids[2 * number + 1],
                    coach=COACHES[number],
                    status="completed" if number == 4 else "active",
                    started_on="2026-09-07",
                )
            )
        for pair_id in range(1, 6):
            write_pair_plan(w, pair_id)
    held = {
        1: {1: ("2026-09-08", True), 2: ("2026-09-28", True), 3: ("2026-10-19", True), 4: ("2026-11-10", False)},
        2: {1: ("2026-09-08", True)},
        3: {1: ("2026-09-07", True), 2: ("2026-09-29", True), 3: ("2026-10-20", True)},
        4: {1: ("2026-09-07", True), 2: ("2026-09-28", True), 3: ("2026-10-19", True), 4: ("2026-11-10", True)},
        5: {n: ("2026-09-07", True) for n in range(1, 8)},
    }
    agendas = {1: "Getting started: goals and ground rules", 4: "Mid-point checkpoint"}
    with store.write() as w:
        for session in store.all(Session, order="pair_id, seq"):
            changes: dict[str, object] = {}
            if session.seq in agendas:
                changes["agenda"] = agendas[session.seq]
            done = held[session.pair_id].get(session.seq)
            if done:
                day, complete = done
                changes.update(status="held", held_on=day)
                if complete:
                    changes.update(notes="We talked it through.", notes_posted_on=day, follow_up_sent=1)
            if session.pair_id == 3 and session.seq == 4:
                changes["due_on"] = "2026-11-09"
            if changes:
                w.update("sessions", session.id, session.version, changes)
