"""A small programme for the pair-lifecycle, coach and survey tests: one wave, confirmed pairs."""

from __future__ import annotations

from rmtui.db import Participant, Wave
from rmtui.pairing import pair_now
from rmtui.programme import Programme

WAVE_START = "2026-09-07"


def person(programme: Programme, name: str, role: str, lob: str, level: int, **extra) -> int:
    email = name.lower().replace(" ", ".") + "@example.com"
    with programme.store.write() as w:
        return w.insert(Participant(
            name=name, role=role, email=email, line_of_business=lob, department=f"{lob} dept", team=f"{lob} team",
            level=level, consent_share=True, **extra,
        )).id


def build(programme: Programme, pairs: int = 2, wave_name: str = "Wave 1") -> list[int]:
    """Add a wave and ``pairs`` confirmed pairs (applicants made active by confirming); return pair ids."""
    with programme.store.write() as w:
        wave = w.insert(Wave(name=wave_name, starts_on=WAVE_START, sessions_planned=4, cadence_days=14))
    ids = []
    for n in range(pairs):
        mentor = person(programme, f"Mentor {wave_name} {n}", "mentor", f"Digital{n}", 2)
        mentee = person(programme, f"Mentee {wave_name} {n}", "mentee", f"Claims{n}", 6)
        ids.append(pair_now(programme, mentor, mentee, wave.id).id)
    return ids
