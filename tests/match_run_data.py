"""A small wave to match: three mentors, three mentees, in four departments.

Ana and Ian are IT mentors in Technology, Eve an HR mentor in People (all level 2); Ben and
Dan are Claims mentees (department Claims), Fay a Finance mentee (all level 7). Ben shares
chess with Ana and Dan golf with Eve, so a first matching pairs Ana–Ben, Eve–Dan, Ian–Fay.
"""

from __future__ import annotations

from rmtui.db import Participant, Wave
from rmtui.programme import Programme

PEOPLE = [
    ("Ana", "mentor", 2, "IT", "Technology", ["chess"]),
    ("Eve", "mentor", 2, "HR", "People", ["golf"]),
    ("Ian", "mentor", 2, "IT", "Technology", []),
    ("Ben", "mentee", 7, "Claims", "Claims", ["chess"]),
    ("Dan", "mentee", 7, "Claims", "Claims", ["golf"]),
    ("Fay", "mentee", 7, "Finance", "Finance", []),
]


def small_cohort(programme: Programme) -> tuple[int, dict[str, int]]:
    """Add the wave "Spring" (starting 2026-12-01) and the six people; return (wave id, name → id)."""
    with programme.store.write() as w:
        wave = w.insert(Wave(name="Spring", starts_on="2026-12-01"))
        people = {}
        for name, role, level, business, department, interests in PEOPLE:
            people[name] = w.insert(Participant(
                name=name, role=role, level=level, line_of_business=business, department=department,
                interests=interests, status="active")).id
    assert wave.id is not None
    return wave.id, people
