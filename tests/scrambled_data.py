"""A scrambled, seeded programme for the triage and dashboard equivalence tests.

Waves with different grace, notes and cadence days; pairs in every status (some ended
lately, some proposals, paused ones), sessions in every state with due and held days
clustered around each wave's overdue and notes-late boundaries (several sessions of a pair
on one day, ties of days across pairs), checkpoints anywhere, survey answers for some
people only, triage marks snoozed until past, today or later days and flags. The same seed
gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import random

from rmtui.db import Store

STAMP = "2026-11-01T09:00:00Z"
STATUSES = ["active"] * 6 + ["paused", "completed", "closed_early", "proposed"]
SESSION_STATUSES = ["planned", "scheduled", "missed", "held", "held", "held", "cancelled"]


def fill_scrambled(store: Store, seed: int, today: dt.date, pairs: int = 90) -> Store:
    """Fill the empty ``store`` with a scrambled programme around ``today``; return the store."""
    rng = random.Random(seed)

    def day(back: int) -> str:
        return (today - dt.timedelta(days=back)).isoformat()

    with store.write() as w:
        waves = []
        for wave_id in range(1, rng.randint(2, 4) + 1):
            waves.append(
                {
                    "id": wave_id,
                    "name": f"Wave {wave_id}",
                    "starts_on": day(rng.randint(30, 200)),
                    "cadence_days": rng.choice([7, 14, 21]),
                    "grace_days": rng.choice([0, 1, 3, 5]),
                    "notes_due_days": rng.choice([0, 2, 3, 4]),
                    "sessions_planned": rng.choice([5, 7]),
                }
            )
        w.insert_many("waves", waves)
        people = 2 * pairs + 6
        w.insert_many(
            "participants",
            (
                {
                    "id": n,
                    "name": rng.choice(["Ana", "Bo", "Zoë", "ana", "Li Wei", "O'Neil", ""]) + f" {n % 11}",
                    "role": "mentor" if n % 2 else "mentee",
                    "department": rng.choice(["", "Claims", "IT", "it", "Legal"]),
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
                for n in range(1, people + 1)
            ),
        )
        pair_rows = []
        for pair_id in range(1, pairs + 1):
            status = rng.choice(STATUSES)
            mentor = rng.randrange(1, people, 2)
            mentee = rng.randrange(2, people + 1, 2)  # (a mentee may have several pairs)
            ended = day(rng.randint(0, 70)) if status in ("completed", "closed_early") else None
            pair_rows.append(
                {
                    "id": pair_id,
                    "wave_id": rng.choice(waves)["id"],
                    "mentor_id": mentor,
                    "mentee_id": mentee,
                    "coach": rng.choice(["", "Coach A", "Coach B"]),
                    "status": status,
                    "started_on": None if status == "proposed" and rng.random() < 0.5 else day(rng.randint(0, 150)),
                    "ended_on": ended,
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
            )
        w.insert_many("pairs", pair_rows)
        sessions = []
        for pair in pair_rows:
            wave = waves[pair["wave_id"] - 1]
            boundaries = [wave["grace_days"] + d for d in (-1, 0, 1, 2)] + [
                wave["notes_due_days"] + d for d in (-1, 0, 1)
            ]
            checkpoint_at = rng.choice([0, 2, 3, 4])
            for seq in range(1, rng.randint(0, 8) + 1):
                back = rng.choice(boundaries + [rng.randint(-20, 90)] * 3)
                status = rng.choice(SESSION_STATUSES)
                held = None
                if status == "held":
                    held = day(rng.choice([*boundaries, rng.randint(0, 80), back]))
                elif rng.random() < 0.05:
                    held = day(rng.randint(0, 30))  # (an open session with a held day: not open)
                sessions.append(
                    {
                        "pair_id": pair["id"],
                        "seq": seq,
                        "due_on": day(back),
                        "held_on": held,
                        "status": status,
                        "checkpoint": int(seq == checkpoint_at or rng.random() < 0.05),
                        "notes": rng.choice(["", "", "Talked"]),
                        "follow_up_sent": rng.randint(0, 1),
                        "updated_at": STAMP,
                        "version": rng.randint(1, 4),
                    }
                )
        w.insert_many("sessions", sessions)
        answers = {}
        for pair in pair_rows:
            for kind in ("pre", "mid", "post", "close"):
                for who in ("mentor", "mentee"):
                    if rng.random() < 0.45:
                        answers[(pair["id"], kind, who)] = {
                            "pair_id": pair["id"],
                            "kind": kind,
                            "respondent": who,
                            "rating": rng.choice([None, 1, 3, 4, 5]),
                            "goal_achieved": rng.choice([None, 0, 1]),
                            "comment": "",
                            "submitted_on": day(rng.randint(0, 60)),
                        }
        w.insert_many("feedback", list(answers.values()))
        session_ids = [row[0] for row in w.execute("SELECT id FROM sessions")]
        marks = {}
        for entity, ids in (
            ("session", rng.sample(session_ids, min(len(session_ids), 40))),
            ("pair", rng.sample(range(1, pairs + 1), 15)),
        ):
            for entity_id in ids:
                marks[(entity, entity_id)] = {
                    "entity": entity,
                    "entity_id": entity_id,
                    "flagged": rng.randint(0, 1),
                    "updated_at": STAMP,
                    "snoozed_until": rng.choice([None, day(3), day(0), day(-1), day(-9)]),
                    "version": rng.randint(1, 3),
                }
        w.insert_many("triage_marks", list(marks.values()))
    return store
