"""Every ongoing pair of the programme (proposed, active, paused), kept up to date by the pairs
that changed.

The pairing screen shows whom the person being matched is paired with, marks the
candidates they proposed, and the finder notes "active with <name>": it keeps every ongoing
pair's row (:data:`PAIR_COLUMNS`), by id and by person. At 100,000 people that is 27,000
rows: reading them all again after another coordinator's edit took 50-90 ms, sorting them by
person as much again. Every write to a pair logs it in ``pair_changes`` (triggers, in the
writer's transaction, whoever writes: migration 5; every column but the coach's name since
the pairing screen's migration), so :func:`ongoing_pairs` reads, in one snapshot, the log's
last revision, the pairs logged since the revision it read last time and their rows, and
replaces those. A log that is not the one read (a restore), or many pairs changed (a wave
matched), and it reads them all again.
"""

from __future__ import annotations

import dataclasses
from bisect import insort
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rmtui.db import Pair
from rmtui.pool_refresh import REREAD_MIN, logged_since
from rmtui.rules import ONGOING

if TYPE_CHECKING:
    from rmtui.db import Store

# A pair's columns but the coach's name (the screen has the coach by id; a coach renamed
# rewrites it without logging the pairs).
PAIR_COLUMNS = tuple(f.name for f in dataclasses.fields(Pair) if f.name != "coach")
_ID, _MENTOR, _MENTEE = (PAIR_COLUMNS.index(c) for c in ("id", "mentor_id", "mentee_id"))
_SQL = f"SELECT {', '.join(PAIR_COLUMNS)} FROM pairs WHERE status IN ({', '.join('?' for _ in ONGOING)})"
_LAST = "SELECT rev, pair_id FROM pair_changes ORDER BY rev DESC LIMIT 1"
_BATCH = 400  # ids per IN (...)


def _by_id(row: tuple) -> int:
    return row[_ID]


@dataclass(frozen=True)
class OngoingPairs:
    """The ongoing pairs' rows (PAIR_COLUMNS): by pair id, and each person's by id ascending.

    ``seen`` is the pair log's last revision and the pair it logged, as of the read (None:
    read for some people only; it is not brought up to date then)."""

    rows: dict[int, tuple]
    by_person: dict[int, list[tuple]]
    seen: tuple[int | None, int | None] | None = None

    @classmethod
    def of(cls, rows: list[tuple], seen: tuple[int | None, int | None] | None = None) -> OngoingPairs:
        by_person: dict[int, list[tuple]] = {}
        for row in sorted(rows, key=_by_id):
            by_person.setdefault(row[_MENTOR], []).append(row)
            by_person.setdefault(row[_MENTEE], []).append(row)
        return cls({row[_ID]: row for row in rows}, by_person, seen)


def ongoing_rows(store: Store, people: list[int] | None = None) -> list[tuple]:
    """Every ongoing pair's row, by id; with ``people``, those of these people only."""
    if people is None:
        return store.query_tuples(f"{_SQL} ORDER BY id", ONGOING)
    rows: list[tuple] = []
    for start in range(0, len(people), _BATCH):
        batch = people[start : start + _BATCH]
        who = ", ".join("?" for _ in batch)
        rows += store.query_tuples(
            f"{_SQL} AND (mentor_id IN ({who}) OR mentee_id IN ({who}))", (*ONGOING, *batch, *batch)
        )
    return sorted(set(rows), key=_by_id)


def ongoing_pairs(store: Store, previous: OngoingPairs | None = None) -> OngoingPairs:
    """Return every ongoing pair as it is now: ``previous`` with the pairs logged since it was
    read replaced (:func:`updated`), else all read again."""
    with store.snapshot():
        last = store.query_tuples(_LAST)
        seen = last[0] if last else (None, None)
        logged = None
        if previous is not None and previous.seen is not None:
            logged = logged_since(store, "pair_changes", "pair_id", previous.seen, seen[0])
        if logged is None or len(logged) > REREAD_MIN:
            return OngoingPairs.of(ongoing_rows(store), seen)
        rows: list[tuple] = []
        for start in range(0, len(logged), _BATCH):
            batch = logged[start : start + _BATCH]
            rows += store.query_tuples(f"{_SQL} AND id IN ({', '.join('?' for _ in batch)})", (*ONGOING, *batch))
    assert previous is not None
    return updated(previous, logged, rows, seen)


def updated(
    previous: OngoingPairs, changed: list[int], rows: list[tuple], seen: tuple[int | None, int | None]
) -> OngoingPairs:
    """``previous`` with the pairs ``changed`` replaced by ``rows`` (those still ongoing); its
    own dicts and lists are left as they are (the screen shows them meanwhile)."""
    if not changed:
        return previous  # (the same log: the same revision and pair)
    by_id = dict(previous.rows)
    by_person = dict(previous.by_person)
    copied: set[int] = set()

    def own(person: int) -> list[tuple]:  # the person's list, copied once before it is changed
        if person not in copied:
            copied.add(person)
            by_person[person] = list(by_person.get(person, ()))
        return by_person[person]

    for pair_id in changed:
        old = by_id.pop(pair_id, None)
        if old is not None:
            for person in (old[_MENTOR], old[_MENTEE]):
                own(person).remove(old)
    for row in rows:
        by_id[row[_ID]] = row
        for person in (row[_MENTOR], row[_MENTEE]):
            insort(own(person), row, key=_by_id)
    for person in copied:
        if not by_person[person]:
            del by_person[person]
    return OngoingPairs(by_id, by_person, seen)
