"""Likely duplicates of a person about to be added, found by fuzzy name and email."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from rmtui.db import Store
from rmtui.text import fold

NAME_ALIKE = 85
EMAIL_ALIKE = 90


@dataclass(frozen=True)
class Duplicate:
    """An existing participant who may be the same person, and why we think so."""

    participant_id: int
    name: str
    email: str | None
    department: str
    reason: str
    score: float


def _name_key(name: str) -> str:
    """Return a name folded for comparison: no case, accents or punctuation ("Schmidt, María")."""
    return " ".join(re.sub(r"[^\w]+", " ", fold(name)).split())


class DuplicateFinder:
    """The form's duplicate rule over everyone in the programme, read once and asked many
    times (an import asks for each person it would add)."""

    def __init__(self, rows: list[tuple], *, exclude_id: int | None = None) -> None:
        self.rows = [row for row in rows if row[0] != exclude_id]
        self.names = [_name_key(row[1]) for row in self.rows]
        self.emails = {i: (row[2] or "").casefold() for i, row in enumerate(self.rows) if row[2]}
        self.by_email: dict[str, list[int]] = {}
        for i, email in self.emails.items():
            self.by_email.setdefault(email, []).append(i)
        self.by_name: dict[str, list[int]] = {}
        for i, key in enumerate(self.names):
            self.by_name.setdefault(key, []).append(i)

    @classmethod
    def from_store(cls, store: Store, *, exclude_id: int | None = None) -> DuplicateFinder:
        return cls(store.query_tuples("SELECT id, name, email, department FROM participants"), exclude_id=exclude_id)

    def find(self, name: str, email: str | None = None, department: str = "", *, limit: int = 5, fuzzy: bool = True) -> list[Duplicate]:
        """Return the participants who look like the person described, most likely first.

        Each comes with its reason: "same email", "name 94% alike, same department",
        "email 92% alike". Names are compared without case, accents or word order.
        ``fuzzy`` False keeps only the exact matches (same email, same name): the rule
        for a file too large to compare every name with every other.
        """
        rows = self.rows
        if not rows:
            return []
        found: dict[int, Duplicate] = {}
        wanted_email = (email or "").strip().casefold()
        wanted_department = fold(department or "").strip()

        def add(row: tuple, reason: str, score: float) -> None:
            known = found.get(row[0])
            if known is None or score > known.score:
                same_department = wanted_department and fold(row[3] or "").strip() == wanted_department
                if same_department and "name" in reason:
                    reason += ", same department"
                found[row[0]] = Duplicate(row[0], row[1], row[2], row[3] or "", reason, score)

        if wanted_email:
            for i in self.by_email.get(wanted_email, ()):
                add(rows[i], "same email", 101.0)
            if fuzzy:
                for _, score, i in process.extract(
                    wanted_email, self.emails, scorer=fuzz.ratio, score_cutoff=EMAIL_ALIKE, limit=limit
                ):
                    if score < 100:
                        add(rows[i], f"email {score:.0f}% alike", score)
        if name.strip():
            key = _name_key(name)
            for i in self.by_name.get(key, ()):
                add(rows[i], "same name", 100.0)
            if fuzzy:
                for _, score, i in process.extract(
                    key, self.names, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_ALIKE, limit=limit
                ):
                    label = "same name" if score == 100 else f"name {score:.0f}% alike"
                    add(rows[i], label, score)
        return sorted(found.values(), key=lambda d: (-d.score, d.name))[:limit]


def likely_duplicates(
    store: Store,
    name: str,
    email: str | None = None,
    department: str = "",
    *,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Duplicate]:
    """Return the participants who look like the person described, most likely first (the
    form's check before it adds someone; see :class:`DuplicateFinder`)."""
    return DuplicateFinder.from_store(store, exclude_id=exclude_id).find(name, email, department, limit=limit)
