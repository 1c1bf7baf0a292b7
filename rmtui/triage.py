"""The triage queue: everything that needs a coordinator today, most severe first.

Built from three bulk queries (candidate sessions, the active pairs with their people and
last held day, the triage marks); the status rules of :mod:`rmtui.session_status` decide
which candidates are flagged. A coordinator can snooze an item until a day or flag it for
the review meeting; both live in ``triage_marks`` (one row per session or pair).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple, overload

from rmtui.collector import collector_paused
from rmtui.db import Store, Wave
from rmtui.db.records import FEEDBACK_KINDS, ROLES
from rmtui.schedule import as_date
from rmtui.session_status import KIND_RANK, Flag, at_risk, days_late, days_overdue
from rmtui.surveys import missing_answers

QUEUE_KINDS = ("at_risk", "overdue", "notes_late", "follow_up", "survey")


@dataclass(frozen=True)
class PairInfo:
    """What the queue shows of a pair: its people, departments, coach and wave."""

    id: int
    wave_id: int
    wave: str
    mentor: str
    mentee: str
    mentor_department: str
    mentee_department: str
    coach: str


@dataclass(frozen=True)
class Mark:
    """A coordinator's mark on an item's session or pair: snoozed until a day, flagged."""

    entity: str
    entity_id: int
    snoozed_until: str | None
    flagged: bool
    version: int


class TriageItem(NamedTuple):
    """One line of the queue: the flag, its pair, the session it acts on and any mark."""

    flag: Flag
    pair: PairInfo
    session_id: int | None
    session_version: int | None
    mark: Mark | None

    @property
    def subject(self) -> tuple[str, int]:
        """Return what a snooze or flag is attached to: the session, or the pair."""
        if self.flag.kind in ("at_risk", "survey") or self.session_id is None:
            return ("pair", self.pair.id)
        return ("session", self.session_id)

    @property
    def key(self) -> tuple[str, int | None, int]:
        """Return a stable identity for the item (kind, session, pair) to keep a selection."""
        return (self.flag.kind, self.flag.session_id, self.pair.id)

    @property
    def flagged(self) -> bool:
        return bool(self.mark and self.mark.flagged)


class TriageQueue(Sequence[TriageItem]):
    """The items needing a coordinator, severest first, and how many were snoozed.

    Built from ranked plain tuples; an item (its Flag, pair card and mark) is made only
    when it is read, so a queue of thousands costs what the lines on screen cost.
    """

    def __init__(
        self,
        ranked: list[tuple],
        pairs: dict[int, tuple],
        wave_names: dict[int, str],
        marks: dict[tuple[str, int], Mark],
        details: dict[int, tuple[int, ...]],
        today: dt.date,
        snoozed: int,
        counts: Counter[str],
        people: dict[int, tuple[str, str, str, str, str]] | None = None,
    ) -> None:
        self._ranked = ranked
        self._pairs = pairs
        self._wave_names = wave_names
        self._marks = marks
        self._details = details
        self._today = today
        self._items: dict[int, TriageItem] = {}
        self._cards: dict[int, PairInfo] = {}
        self._people = people if people is not None else {}
        self.snoozed = snoozed
        self.counts = counts

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> TriageItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[TriageItem]: ...

    def __getitem__(self, index: int | slice) -> TriageItem | list[TriageItem]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._ranked)
        item = self._items.get(index)
        if item is None:
            item = self._make(index)
            if item.pair.mentor is not READING:  # (kept once its pair's people are read)
                self._items[index] = item
        return item

    @property
    def complete(self) -> bool:
        """Return whether the people of every item's pair are read (see :func:`build_queue`)."""
        return not self.unread_pairs()

    def unread_pairs(self) -> list[int]:
        """Return the pairs of items whose people are not read yet, in id order."""
        people, pairs = self._people, self._pairs
        return sorted({row[2] for row in self._ranked if row[2] not in people and len(pairs[row[2]]) <= 3})

    def add_people(self, people: dict[int, tuple[str, str, str, str, str]]) -> None:
        """Add pairs' people (from :func:`read_people`): their items show them from now on."""
        self._people.update(people)

    def _make(self, index: int) -> TriageItem:
        _, minus_days, pair_id, seq, _, kind, session_id, day, version = self._ranked[index]
        if kind == "at_risk":
            flag = Flag(kind, pair_id, session_id, -minus_days, today=self._today, detail=self._details[pair_id])
            subject = ("pair", pair_id)
        elif kind == "survey":  # seq holds which answer: 2 × kind + respondent + 1
            flag = Flag(kind, pair_id, None, -minus_days, None, day, self._today, divmod(seq - 1, 2))
            subject = ("pair", pair_id)
        else:
            flag = Flag(kind, pair_id, session_id, -minus_days, seq, day, self._today)
            subject = ("session", session_id)
        card = self._cards.get(pair_id)
        if card is None:
            row = self._pairs[pair_id]
            wave_id = row[1]
            people = self._people.get(pair_id) or row[3:] or None  # (a whole queue's rows hold them)
            if people is None:  # not read yet: the item is made again once they are
                card = PairInfo(pair_id, wave_id, self._wave_names[wave_id], READING, READING, "", "", "")
            else:
                card = self._cards[pair_id] = PairInfo(pair_id, wave_id, self._wave_names[wave_id], *people)
        return TriageItem(flag, card, session_id, version, self._marks.get(subject))

    @property
    def items(self) -> TriageQueue:
        """Return the queue itself (a sequence of items), for readers that want a name."""
        return self

    def keys(self) -> list[tuple[str, int | None, int]]:
        """Return every item's :attr:`TriageItem.key`, without building the items."""
        return list(map(_KEY, self._ranked))


_KEY = itemgetter(5, 6, 2)


@dataclass(frozen=True)
class TriageFilter:
    """Show only items of one wave, department (either side of the pair) or coach."""

    wave: str | None = None
    department: str | None = None
    coach: str | None = None

    def accepts(self, item: TriageItem) -> bool:
        """Return whether ``item`` passes every filter that is set."""
        pair = item.pair
        if self.wave is not None and pair.wave != self.wave:
            return False
        if self.department is not None and self.department not in (pair.mentor_department, pair.mentee_department):
            return False
        return self.coach is None or pair.coach == self.coach


# Each query's WHERE matches a partial covering index of migration 4.
_OPEN = """
SELECT id, pair_id, seq, due_on, version FROM sessions
WHERE status IN ('planned', 'scheduled', 'missed') AND held_on IS NULL AND due_on < :today
"""

_UNFINISHED = """
SELECT id, pair_id, seq, held_on, notes = '', follow_up_sent, version FROM sessions
WHERE status = 'held' AND (notes = '' OR follow_up_sent = 0) AND held_on < :today
"""

# The active pairs: their wave and the last day a session was held (the last of the pair's
# held days that pair_totals keeps sorted, not a look-up among its sessions), else the day
# they started. Their people are read apart (_PEOPLE), for the items on screen first.
_PAIRS = """
SELECT p.id, p.wave_id, coalesce(nullif(substr(t.held_days, -10), ''), p.started_on)
FROM pairs p
JOIN pair_totals t ON t.pair_id = p.id
WHERE p.status = 'active'
"""
# What an item shows of its pair: the two people (from the narrow covering index of name and
# department, not their wide rows: see rmtui.leaderboard._PAIRS) and the coach; of every
# active pair, or ({pairs}) of the pairs listed in :ids (a JSON array).
_PEOPLE = """
SELECT p.id, mentor.name, mentee.name, mentor.department, mentee.department, p.coach
FROM pairs p
JOIN participants mentor INDEXED BY participants_card ON mentor.id = p.mentor_id
JOIN participants mentee INDEXED BY participants_card ON mentee.id = p.mentee_id
WHERE {pairs}
"""
_ACTIVE_PEOPLE = _PEOPLE.format(pairs="p.status = 'active'")
# A whole queue's pairs read with their people at once (one pass, as before the split): the
# columns of _PAIRS, then those of _PEOPLE.
_PAIRS_AND_PEOPLE = """
SELECT p.id, p.wave_id, coalesce(nullif(substr(t.held_days, -10), ''), p.started_on),
       mentor.name, mentee.name, mentor.department, mentee.department, p.coach
FROM pairs p
JOIN participants mentor INDEXED BY participants_card ON mentor.id = p.mentor_id
JOIN participants mentee INDEXED BY participants_card ON mentee.id = p.mentee_id
JOIN pair_totals t ON t.pair_id = p.id
WHERE p.status = 'active'
"""
_LISTED_PEOPLE = _PEOPLE.format(pairs="p.id IN (SELECT value FROM json_each(:ids))")

READING = "…"
"""What an item shows for its pair's people while they are still being read (a moment)."""

SCREENFUL = 60
"""Items whose people :func:`build_queue` reads with the queue when asked for a window: a
screen's worth around the line the cursor is on (the rest follow, see :func:`read_people`)."""


def _finished_pair(store: Store, pair_id: int, sql: str = _PAIRS) -> tuple | None:
    """Return the queue's row for a pair no longer active (a survey answer is still owed)."""
    rows = store.query_tuples(sql.replace("WHERE p.status = 'active'", "WHERE p.id = ?"), (pair_id,))
    return rows[0] if rows else None


def read_people(store: Store, pair_ids: list[int]) -> dict[int, tuple[str, str, str, str, str]]:
    """Return the people and coach of each of ``pair_ids`` (for :meth:`TriageQueue.add_people`)."""
    if not pair_ids:
        return {}
    if len(pair_ids) <= _LISTED_AT_MOST:
        return {row[0]: row[1:] for row in store.query_tuples(_LISTED_PEOPLE, {"ids": json.dumps(pair_ids)})}
    wanted = set(pair_ids)  # most of the programme: one pass over the active pairs is cheaper
    people = {row[0]: row[1:] for row in store.query_tuples(_ACTIVE_PEOPLE) if row[0] in wanted}
    return people | read_people(store, [pair_id for pair_id in pair_ids if pair_id not in people][:_LISTED_AT_MOST])


_LISTED_AT_MOST = 1000


def _waves(store: Store) -> dict[int, Wave]:
    return {wave.id: wave for wave in store.all(Wave) if wave.id is not None}


def _marks(store: Store) -> dict[tuple[str, int], Mark]:
    return {
        (row[0], row[1]): Mark(row[0], row[1], row[2], bool(row[3]), row[4])
        for row in store.query_tuples("SELECT entity, entity_id, snoozed_until, flagged, version FROM triage_marks")
    }


def build_queue(store: Store, today: dt.date, window: tuple[int, int] | None = None) -> TriageQueue:
    """Return today's queue over every active pair: flagged items severest first, snoozed left out.

    The rules are :mod:`rmtui.session_status`'s (``days_overdue``, ``days_late``,
    ``at_risk``); the queries only narrow the sessions down to those that can break them.
    With a ``window`` (start, stop) of lines, only the people of the items on those lines are
    read (a screen's worth: the queue is ranked without them); the screen reads the rest with
    :func:`read_people` straight after (issue 14: they were a third of the build). An item of
    a pair not read yet shows :data:`READING` for its people.
    """
    with collector_paused():
        return _build_queue(store, as_date(today), window)


def _build_queue(store: Store, today: dt.date, window: tuple[int, int] | None) -> TriageQueue:
    today_text = today.isoformat()
    people: dict[int, tuple[str, str, str, str, str]] = {}
    pairs_sql = _PAIRS if window is not None else _PAIRS_AND_PEOPLE
    with store.snapshot():
        waves = _waves(store)
        open_rows = store.query_tuples(_OPEN, {"today": today_text})
        unfinished = store.query_tuples(_UNFINISHED, {"today": today_text})
        pair_rows = {row[0]: row for row in store.query_tuples(pairs_sql)}
        marks = _marks(store)
    grace = {wave_id: w.grace_days for wave_id, w in waves.items()}
    notes_due = {wave_id: w.notes_due_days for wave_id, w in waves.items()}
    fromiso = dt.date.fromisoformat
    snoozed = 0

    def hidden(entity: str, entity_id: int) -> bool:
        mark = marks.get((entity, entity_id))
        return mark is not None and bool(mark.snoozed_until) and mark.snoozed_until > today_text  # type: ignore[operator]

    # Ranked rows, a list per kind (most severe kind first): (-kind rank, -days, pair, seq,
    # n, kind, session, day, session version); the first five are unique, so sorting never
    # compares further.
    rank = KIND_RANK
    ranked: dict[str, list[tuple]] = {kind: [] for kind in sorted(QUEUE_KINDS, key=rank.__getitem__, reverse=True)}
    overdue, notes_late, follow_ups = ranked["overdue"], ranked["notes_late"], ranked["follow_up"]
    # Each pair's overdue sessions: how many, and the oldest (days, session, version).
    overdue_count: dict[int, int] = {}
    oldest_overdue: dict[int, tuple[int, int, int]] = {}
    # The rules are worked out once per wave and day, not per session: thousands of sessions
    # share a few hundred due (or held) days. wave -> day text -> (day, days late or None).
    overdue_days: dict[int, dict[str, tuple[dt.date, int | None]]] = {wave_id: {} for wave_id in waves}
    late_days: dict[int, dict[str, tuple[dt.date, int | None]]] = {wave_id: {} for wave_id in waves}
    overdue_rank = -rank["overdue"]
    n = 0
    for sid, pair_id, seq, due_on, version in open_rows:
        pair = pair_rows.get(pair_id)
        if pair is None:
            continue  # not an active pair
        known = overdue_days[pair[1]]
        found = known.get(due_on)
        if found is None:
            due = fromiso(due_on)
            found = known[due_on] = (due, days_overdue(due, grace[pair[1]], today))
        due, late = found
        if late is None:
            continue
        count = overdue_count.get(pair_id)
        if count is None:
            overdue_count[pair_id] = 1
            oldest_overdue[pair_id] = (late, sid, version)
        else:
            overdue_count[pair_id] = count + 1
            if (late, sid, version) > oldest_overdue[pair_id]:
                oldest_overdue[pair_id] = (late, sid, version)
        if marks and hidden("session", sid):
            snoozed += 1
            continue
        overdue.append((overdue_rank, -late, pair_id, seq, n, "overdue", sid, due, version))
        n += 1
    notes_rank, follow_up_rank = -rank["notes_late"], -rank["follow_up"]
    for sid, pair_id, seq, held_on, no_notes, follow_up, version in unfinished:
        pair = pair_rows.get(pair_id)
        if pair is None:
            continue
        known = late_days[pair[1]]
        found = known.get(held_on)
        if found is None:
            held = fromiso(held_on)
            found = known[held_on] = (held, days_late(held, notes_due[pair[1]], today))
        held, late = found
        if late is None:
            continue
        if marks and hidden("session", sid):
            snoozed += (not follow_up) + bool(no_notes)
            continue
        if no_notes:
            notes_late.append((notes_rank, -late, pair_id, seq, n, "notes_late", sid, held, version))
            n += 1
        if not follow_up:
            follow_ups.append((follow_up_rank, -late, pair_id, seq, n, "follow_up", sid, held, version))
            n += 1
    details: dict[int, tuple[int, ...]] = {}
    quiet_before = {wave_id: (today - dt.timedelta(days=2 * w.cadence_days)).isoformat() for wave_id, w in waves.items()}
    # The cheap half of at_risk first, in bulk: most pairs are neither late twice nor quiet.
    late_twice = {pair_id for pair_id, count in overdue_count.items() if count >= 2}
    candidates = [pair for pair_id, pair in pair_rows.items()
                  if (pair[2] and pair[2] < quiet_before[pair[1]]) or pair_id in late_twice]
    # The rule once per (overdue sessions, last day, cadence): pairs share a few hundred days.
    risks: dict[tuple[int, str, int], Flag | None] = {}
    at_risk_rank, at_risk_list = -rank["at_risk"], ranked["at_risk"]
    for pair in candidates:
        pair_id = pair[0]
        key = (overdue_count.get(pair_id, 0), pair[2], waves[pair[1]].cadence_days)
        if key in risks:
            flag = risks[key]
        else:
            flag = risks[key] = at_risk(0, *key, today)
        if flag is None:
            continue
        if marks and hidden("pair", pair_id):
            snoozed += 1
            continue
        details[pair_id] = flag.detail
        _, first, version = oldest_overdue.get(pair_id, (0, None, None))
        at_risk_list.append((at_risk_rank, -flag.days, pair_id, 0, n, "at_risk", first, None, version))
        n += 1
    survey_rank, surveys = -rank["survey"], ranked["survey"]
    for answer in missing_answers(store, today):
        card = pair_rows.get(answer.pair_id)
        if card is None:
            card = _finished_pair(store, answer.pair_id, pairs_sql)
            if card is None:
                continue
            pair_rows[answer.pair_id] = card
        if marks and hidden("pair", answer.pair_id):
            snoozed += 1
            continue
        code = 2 * FEEDBACK_KINDS.index(answer.kind) + ROLES.index(answer.respondent) + 1
        late = (today - answer.due_on).days
        surveys.append((survey_rank, -late, answer.pair_id, code, n, "survey", None, answer.due_on, None))
        n += 1
    counts: Counter[str] = Counter()
    queue: list[tuple] = []
    for kind, rows in ranked.items():  # (each kind's rows sorted apart: the kinds are in rank order)
        if rows:
            rows.sort()
            counts[kind] = len(rows)
            queue += rows
    wave_names = {wave_id: w.name for wave_id, w in waves.items()}
    if window is not None:
        people = read_people(store, sorted({row[2] for row in queue[max(0, window[0]):max(0, window[1])]}))
    return TriageQueue(queue, pair_rows, wave_names, marks, details, today, snoozed, counts, people)


def filter_values(queue: TriageQueue) -> dict[str, list[str]]:
    """Return the waves, departments and coaches present in ``queue``, sorted, for the filters."""
    waves = sorted({i.pair.wave for i in queue.items})
    departments = sorted({d for i in queue.items for d in (i.pair.mentor_department, i.pair.mentee_department) if d})
    coaches = sorted({i.pair.coach for i in queue.items if i.pair.coach})
    return {"wave": waves, "department": departments, "coach": coaches}


def mark_of(store: Store, entity: str, entity_id: int) -> Mark | None:
    """Return the current mark on a session or pair, or None."""
    rows = store.query_tuples(
        "SELECT entity, entity_id, snoozed_until, flagged, version FROM triage_marks WHERE entity = ? AND entity_id = ?",
        (entity, entity_id),
    )
    return Mark(rows[0][0], rows[0][1], rows[0][2], bool(rows[0][3]), rows[0][4]) if rows else None


def _set_mark(store: Store, entity: str, entity_id: int, seen: Mark | None, changes: dict[str, object]) -> None:
    """Write a mark, checking it is still the one the coordinator saw (``seen``, None if none)."""
    with store.write() as writer:
        if seen is not None:
            writer.update("triage_marks", _mark_id(writer, entity, entity_id, seen), seen.version, changes)
            return
        existing = writer.execute(
            "SELECT id FROM triage_marks WHERE entity = ? AND entity_id = ?", (entity, entity_id)
        ).fetchone()
        if existing is not None:  # I saw no mark, someone else has made one since
            raise writer.conflict("triage_marks", existing[0], 0)
        row = {"entity": entity, "entity_id": entity_id, "snoozed_until": None, "flagged": 0, "updated_at": writer.now, **changes}
        cursor = writer.execute(
            f"INSERT INTO triage_marks ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
        )
        writer.audit("triage_marks", cursor.lastrowid, "create", None, row)


def _mark_id(writer, entity: str, entity_id: int, seen: Mark) -> int:  # noqa: ANN001
    row = writer.execute("SELECT id FROM triage_marks WHERE entity = ? AND entity_id = ?", (entity, entity_id)).fetchone()
    if row is None:
        raise writer.conflict("triage_marks", 0, seen.version)
    return int(row[0])


def snooze(store: Store, item: TriageItem, until: dt.date) -> None:
    """Hide ``item`` (its session or pair) from the queue until the day ``until``."""
    entity, entity_id = item.subject
    _set_mark(store, entity, entity_id, item.mark, {"snoozed_until": as_date(until).isoformat()})


def toggle_review_flag(store: Store, item: TriageItem) -> bool:
    """Flag ``item`` for the review meeting, or clear the flag; return whether it is now flagged."""
    entity, entity_id = item.subject
    flagged = not item.flagged
    _set_mark(store, entity, entity_id, item.mark, {"flagged": int(flagged)})
    return flagged
