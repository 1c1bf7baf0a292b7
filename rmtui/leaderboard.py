"""The leaderboard: whose sessions are up to date, who is behind, who posts notes.

The Hartford's core team "lived with a leaderboard ... sortable by mentee/mentor pair, by
department, and by session". Everything here comes from a few bulk queries (one aggregate
row per pair), so 10,000 pairs cost one pass over the sessions table.

Confidentiality is enforced here and only here: a pair where either person has not
consented to disclosure (``participants.consent_share = 0``) is labelled "Pair 12 (names withheld)"
(its number; the departments have their own column) and neither name ever leaves this module. Screens,
reports and exports show what these rows hold; the sensitive ``attributes`` are never read.

Small groups (issue 15, item 4; k is the programme setting ``small_group_k``, default 3):
- a withheld pair names a department only where at least k people of the same role from that
  department are on the board ("Pair 12 · Claims" needs k Claims mentees; else "Pair 12",
  and its departments read "withheld"), so the label never narrows to one person;
- a department standing whose department has fewer than k people on the board (mentors and
  mentees of its pairs, each counted once) shows its counts (pairs, people) but no rates or
  figures from which one could be worked out: held/due, progress, behind, notes on time.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from bisect import bisect_left, insort
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import add, itemgetter
from typing import NamedTuple

from rmtui.collector import collector_paused
from rmtui.db import Store
from rmtui.programme_settings import small_group_k
from rmtui.schedule import as_date
from rmtui.session_status import days_overdue, due_from, is_behind, short_day
from rmtui.text import clean

STARTED_STATUSES = ("active", "paused", "completed", "closed_early")
"""Pairs on the leaderboard: every pair that has started (a proposal has not)."""
_STARTED = "(" + ", ".join(f"'{status}'" for status in STARTED_STATUSES) + ")"

TREND_DAYS = 28
"""The trend compares a pair's lead over its schedule now with its lead this many days ago."""

WITHHELD = "withheld"
"""What a report shows in place of the names of a pair without both people's consent."""

SMALL_GROUP_NOTE = "fewer than {k} people: rates withheld"
"""The footnote of a department whose figures small-group suppression withholds."""

STATE_LABEL = {
    "ahead": "ahead",
    "on_track": "on track",
    "behind": "behind",
    "paused": "paused",
    "completed": "completed",
    "closed_early": "closed early",
}

SORTS = ("progress", "pair", "department", "notes")


class LeaderRow(NamedTuple):
    """One pair on the leaderboard.

    ``pair`` is what every view shows: "Mentor / Mentee" when both consented to disclosure,
    else "Pair 12 (names withheld)"; ``mentor`` and ``mentee`` are then :data:`WITHHELD`.
    ``lead`` is sessions held minus sessions due by today; ``notes_on_time`` is None when
    no notes were due yet. A row is a tuple: boards built one after the other share the rows
    of the pairs that did not move, and no view can change a row another view shows.
    """

    rank: int
    pair_id: int
    wave: str
    pair: str
    named: bool
    mentor: str
    mentee: str
    mentor_department: str
    mentee_department: str
    held: int
    planned: int
    due: int
    state: str
    notes_due: int
    notes_on_time_count: int
    last_activity: str | None
    trend: int
    mentor_id: int
    mentee_id: int
    shown_departments: str
    """What every view shows as the departments: see :attr:`departments`."""

    @property
    def departments(self) -> str:
        """Return "Technology → Claims" (mentor's → mentee's), or one name when they match; for a
        withheld pair, a department with fewer than k people of that role on the board reads
        "withheld" (small-group suppression)."""
        return self.shown_departments

    @property
    def lead(self) -> int:
        return self.held - self.due

    @property
    def notes_on_time(self) -> float | None:
        """Return the share (0–1) of due notes posted on time, or None when none were due."""
        return self.notes_on_time_count / self.notes_due if self.notes_due else None

    @property
    def trend_arrow(self) -> str:
        """Return ↑ (catching up), ↓ (slipping) or → (steady) over the last four weeks."""
        return "↑" if self.trend > 0 else "↓" if self.trend < 0 else "→"


@dataclass(frozen=True, slots=True)
class DepartmentStanding:
    """One department's pairs together: a pair counts for each department it touches."""

    rank: int
    department: str
    pairs: int
    held: int
    due: int
    behind: int
    notes_due: int
    notes_on_time_count: int
    people: int = 0
    """Distinct people of this department on the board (mentors and mentees of its pairs)."""
    withheld: bool = False
    """Fewer than k people: the views show pairs and people only, no rate or figure behind one."""

    @property
    def progress(self) -> float | None:
        """Return sessions held per session due by today (1.0 = exactly up to date), or None
        (none due, or withheld for a small group)."""
        return self.held / self.due if self.due and not self.withheld else None

    @property
    def notes_on_time(self) -> float | None:
        return self.notes_on_time_count / self.notes_due if self.notes_due and not self.withheld else None


class SessionProgress(NamedTuple):
    """Session ``seq`` of one pair: held (and when), or still to come, overdue, cancelled.

    A tuple, as :class:`LeaderRow` is: the by-session view makes one for every pair."""

    pair_id: int
    pair: str
    departments: str
    state: str  # held | due | overdue | cancelled
    day: str | None
    days_overdue: int | None

    def describe(self, today: dt.date) -> str:
        """Return the state in words: "held 12 Oct", "due 4 Dec", "11 days overdue"."""
        if self.state == "held":
            return f"held {short_day(as_date(self.day), today)}" if self.day else "held"
        if self.state == "overdue":
            return f"{self.days_overdue} day{'s' if self.days_overdue != 1 else ''} overdue"
        if self.state == "cancelled":
            return "cancelled"
        return f"due {short_day(as_date(self.day), today)}" if self.day else "to come"


@dataclass(frozen=True)
class Leaderboard:
    """Every started pair, ranked; the wave it covers (None = all) and the day it was judged."""

    rows: list[LeaderRow]
    today: dt.date
    wave_id: int | None = None
    k: int = 3
    """Small-group suppression's k the board was built with (see the module)."""

    def __len__(self) -> int:
        return len(self.rows)


# One row per started pair, from its card (``pair_cards``, kept by triggers, see db/schema.py):
# the pair's kind (JSON: wave, status and its two people's departments), its people's names
# only where both consented (the rest never leave the database), and what ``pair_totals``
# keeps of its sessions (held, with notes, notes on time, the last day held or noted, and the
# sorted days of its sessions due, held and held without notes), from which :func:`_pending`
# counts what is due or late by today (issue 14: aggregating 70,000 sessions was most of a
# build; then joining the pair's people and totals was a fifth of it). ``{changed}`` is empty
# for a whole build, or keeps the pairs logged in ``pair_changes`` after revision ``:seen``.
# In id order: a pass, no sort.
_PAIRS = """
SELECT pair_id, kind, mentor_name, mentee_name, held, noted, notes_ok,
       nullif(max(last_done, CASE WHEN started_on <= :today THEN started_on ELSE '' END), ''),
       due_days, held_days, unnoted_days, mentor_id, mentee_id
FROM pair_cards
WHERE (:wave IS NULL OR wave_id = :wave) {changed}
ORDER BY pair_id
"""
_CHANGED = "AND pair_id IN (SELECT pair_id FROM pair_changes WHERE rev > :seen)"

_REREAD_ALL_SHARE = 0.25
"""When more than this share of the pairs changed (a wave's deadline, an import), a refresh
reads the whole leaderboard again: one pass is then cheaper than looking pairs up one by one."""


def withheld_label(pair_id: int) -> str:
    """Return how a pair without both people's consent is named: "Pair 12 (names withheld)".

    The words say why there are no names; the departments stay in their own column."""
    return f"Pair {pair_id} (names withheld)"


def pair_state(status: str, held: int, due: int) -> str:
    """Return an ongoing pair's state (ahead / on_track / behind), else its status.

    Behind is :func:`rmtui.session_status.is_behind`; ahead means more sessions held than
    were due by today.
    """
    if status != "active":
        return status
    if is_behind(held, due):
        return "behind"
    return "ahead" if held > due else "on_track"


class _Cleaned(dict):
    """Departments and wave names, each cleaned once: they repeat on every row."""

    def __missing__(self, text: str | None) -> str:
        cleaned = self[text] = clean(text)
        return cleaned


# What ranks a pair: (sessions behind schedule, notes on time (best first; none due last),
# sessions held (most first)). Pairs with the same tie share a rank and are listed by id.
_Tie = tuple[int, float, int]


class Leaderboards:
    """Builds the leaderboard and keeps it, so that the next build re-reads only what changed.

    Every write that can move a pair logs it in ``pair_changes`` (triggers, migration 5),
    whichever process writes. :meth:`build` first reads the highest revision, then re-reads
    only the pairs logged after the one it saw last and re-ranks: after one coordinator's edit an
    open leaderboard reads one pair, not 70,000 sessions. Nothing logged, same day and wave:
    the same :class:`Leaderboard` comes back. A new day, another wave, or a change touching
    many pairs reads everything again. One instance per view; builds from several threads
    (a refresh started while the last still runs) take turns.

    The pairs are kept in tie groups: the distinct ties in ranking order, and each tie's pair
    ids in order, so ranking 10,000 pairs sorts a few hundred ties, not 10,000 tuples. A whole
    build works out every pair's tie first and its row after, so each row is made once, with
    its rank (issue 14: making each row twice was a fifth of a build).
    """

    def __init__(self) -> None:
        self._board: Leaderboard | None = None
        self._seen = -1
        self._entries: dict[int, tuple[_Tie, LeaderRow]] = {}  # pair id → (tie, its row; the rank may be stale)
        self._groups: dict[_Tie, list[int]] = {}
        self._ties: list[_Tie] = []
        self._labels = _Cleaned()
        # Small-group suppression: department → {person id: pairs on the board} of each role,
        # kept up to date pair by pair, and the small departments the kept rows were built for.
        self._people: tuple[dict[str, Counter[int]], dict[str, Counter[int]]] = (defaultdict(Counter), defaultdict(Counter))
        self._small: tuple[int, frozenset[str], frozenset[str]] | None = None
        self._lock = threading.Lock()
        self.reread: int | None = None
        """Pairs read from the database by the last build (None: the whole leaderboard)."""

    def build(self, store: Store, today: dt.date, wave_id: int | None = None, k: int | None = None) -> Leaderboard:
        """Return every started pair (of ``wave_id``, or all waves), ranked by progress.

        The rank is by lead over the schedule (held minus due by today), then notes on time,
        then sessions held; pairs equal on all three share a rank (1, 2, 2, 4). ``k`` (None:
        the programme's setting) is small-group suppression's (see the module).
        """
        with self._lock, collector_paused():
            return self._build(store, as_date(today), wave_id, small_group_k(store) if k is None else k)

    def _build(self, store: Store, today: dt.date, wave_id: int | None, k: int) -> Leaderboard:
        # The revision is read before the pairs: whatever commits in between is read now and
        # again next time, never missed.
        revision = store.scalar("SELECT coalesce(max(rev), 0) FROM pair_changes")
        board = self._board
        same_view = board is not None and board.today == today and board.wave_id == wave_id
        if same_view and revision == self._seen:
            assert board is not None  # same_view says so
            self.reread = 0
            return board if board.k == k else self._rank(today, wave_id, k)
        if same_view and revision > self._seen:  # (lower: a restore went back; read everything)
            changed = {row[0] for row in store.query_tuples(
                "SELECT DISTINCT pair_id FROM pair_changes WHERE rev > ?", (self._seen,))}
            if len(changed) <= _REREAD_ALL_SHARE * max(len(self._entries), 1):
                self._update(store, today, wave_id, changed)
                self._seen, self.reread = revision, len(changed)
                return self._rank(today, wave_id, k)
        self._whole(store, today, wave_id, k)
        self._seen, self.reread = revision, None
        assert self._board is not None
        return self._board

    def _read(self, store: Store, today: dt.date, wave_id: int | None, seen: int | None) -> _Pending:
        """Return every pair (or those logged after ``seen``) before it is ranked, by tie (see
        :func:`_pending`)."""
        sql = _PAIRS.format(changed="" if seen is None else _CHANGED)
        labels = self._labels
        # Per wave, its name and the days compared with (as ISO text): nothing is due before
        # the first session's day plus the wave's grace days (session_status.counts_as_due),
        # by today and four weeks ago; notes are due for sessions held more than the wave's
        # notes days before today.
        then = today - dt.timedelta(days=TREND_DAYS)
        with store.snapshot():  # (a wave added in between is in both)
            waves = {
                wave: (labels[name], due_from(grace, today).isoformat(), due_from(grace, then).isoformat(),
                       (today - dt.timedelta(days=notes_days + 1)).isoformat())
                for wave, name, grace, notes_days in store.query_tuples("SELECT id, name, grace_days, notes_due_days FROM waves")
            }
            rows = store.query_tuples(sql, {"today": today.isoformat(), "wave": wave_id, "seen": seen})
        return _pending(rows, waves, today.isoformat(), then.isoformat(), labels)

    def _whole(self, store: Store, today: dt.date, wave_id: int | None, k: int) -> None:
        """Read and rank every pair: each pair's figures and tie first, then its row, made once with its rank."""
        ties, kinds = self._read(store, today, wave_id, None)
        # Each department's people of each role, counted in bulk (as _count would, pair by
        # pair), by department as shown (two spellings that clean alike are one department):
        # the people of each kind of pair listed as the pairs were read, then counted at
        # once, in C (adding to a Counter one person at a time called its __missing__ for
        # each: a sixth of a build).
        people: tuple[dict[str, Counter[int]], dict[str, Counter[int]]] = (defaultdict(Counter), defaultdict(Counter))
        self._people = people
        for mentor_department, mentee_department, mentors, mentees in kinds:
            people[0][mentor_department].update(mentors)
            people[1][mentee_department].update(mentees)
        small = self._small = _small(people, k)
        ordered = sorted(ties)
        entries: dict[int, tuple[_Tie, LeaderRow]] = {}
        board: list[LeaderRow] = []
        append, make = board.append, tuple.__new__
        shown: dict[tuple[str, str], str] = {}  # a withheld pair's departments → what its row shows
        for tie in ordered:
            rank = (len(board) + 1,)
            for pending in ties[tie]:
                if pending[-1]:  # (a named pair's departments do not depend on the small ones)
                    row = make(LeaderRow, rank + pending)
                else:
                    key = (pending[6], pending[7])
                    seen = shown.get(key)
                    if seen is None:
                        seen = shown[key] = _shown_departments(pending[6], pending[7], False, small)
                    row = make(LeaderRow, (*rank, *pending[:-1], seen))
                append(row)
                entries[pending[0]] = (tie, row)
        self._entries = entries
        self._ties = ordered
        self._groups = {tie: [pending[0] for pending in members] for tie, members in ties.items()}
        self._board = Leaderboard(board, today, wave_id, k)

    def _update(self, store: Store, today: dt.date, wave_id: int | None, changed: set[int]) -> None:
        """Re-read the ``changed`` pairs (and any logged since) and move them between ties."""
        ties, _ = self._read(store, today, wave_id, self._seen)
        # (rank 0 and no departments yet: _rank makes the row again with both)
        fresh = {pending[0]: (tie, tuple.__new__(LeaderRow, (0, *pending[:-1], "")))
                 for tie, members in ties.items() for pending in members}
        entries, groups, ties_kept = self._entries, self._groups, self._ties
        for pair_id in changed | fresh.keys():
            old = entries.pop(pair_id, None)
            if old is not None:
                self._count(old[1], -1)
                members = groups[old[0]]
                members.remove(pair_id)
                if not members:
                    del groups[old[0]]
                    del ties_kept[bisect_left(ties_kept, old[0])]
            entry = fresh.get(pair_id)
            if entry is not None:  # else: no longer started, or not of this wave
                entries[pair_id] = entry
                self._count(entry[1], 1)
                if entry[0] in groups:
                    insort(groups[entry[0]], pair_id)
                else:
                    groups[entry[0]] = [pair_id]
                    insort(ties_kept, entry[0])

    def _count(self, row: LeaderRow, step: int) -> None:
        """Count a pair's two people in (``step`` 1) or out of (-1) their departments."""
        for people, department, person in ((self._people[0], row.mentor_department, row.mentor_id),
                                           (self._people[1], row.mentee_department, row.mentee_id)):
            counts = people[department]
            counts[person] += step
            if counts[person] <= 0:
                del counts[person]

    def _rank(self, today: dt.date, wave_id: int | None, k: int) -> Leaderboard:
        """Number the pairs in order; a pair keeps its row unless it changed, its rank moved or
        which departments are too small to name (small-group suppression) changed."""
        small = _small(self._people, k)
        remake = small != self._small
        self._small = small
        rows: list[LeaderRow] = []
        entries, groups = self._entries, self._groups
        append, make = rows.append, tuple.__new__
        shown: dict[tuple[str, str, bool], str] = {}  # (departments, named) → what the row shows
        for tie in self._ties:
            rank = len(rows) + 1
            for pair_id in groups[tie]:
                row = entries[pair_id][1]
                if remake or row[0] != rank or not row.shown_departments:
                    key = (row.mentor_department, row.mentee_department, row.named)
                    departments = shown.get(key)
                    if departments is None:
                        departments = shown[key] = _shown_departments(row.mentor_department, row.mentee_department, row.named, small)
                    row = make(LeaderRow, (rank, *row[1:19], departments))
                    entries[pair_id] = (tie, row)
                append(row)
        self._board = Leaderboard(rows, today, wave_id, k)
        return self._board


# The query's pairs before they are ranked: tie → the pairs with that tie, in id order, each
# as LeaderRow's fields after the rank (the departments shown are None for a withheld pair:
# they depend on which departments are small); and, per kind of pair as read (wave, status,
# departments), the departments cleaned and the ids of its mentors and of its mentees.
_Pending = tuple[dict[_Tie, list[tuple]], list[tuple[str, str, list[int], list[int]]]]

# A kind of pair as :func:`_pending` keeps it: its wave's days (due after, due four weeks ago
# after, notes due before), the wave's schedules, the wave's name, the status, the two
# departments cleaned, what a named pair shows as its departments, its mentors and mentees.
_Kind = tuple[str, str, str, dict[str, tuple[int, int]], str, str, str, str, str, list[int], list[int]]


def _pending(rows: list[tuple], waves: dict[int, tuple[str, str, str, str]], today_text: str, then_text: str,
             labels: _Cleaned) -> _Pending:
    """Return the pairs of the leaderboard's query rows by tie, with their figures counted from
    the sorted days ``pair_totals`` keeps (due, notes due and the trend depend on the day),
    and the people of each kind of pair (see :data:`_Pending`). One pass, each row made once."""
    ties: dict[_Tie, list[tuple]] = {}
    # What is due by today and four weeks ago depends only on the wave and the due days, and
    # pairs of a wave that started on the same day share them: a few hundred distinct
    # schedules among 10,000 pairs, each counted once (in the wave's own dict of them).
    schedules: dict[int, dict[str, tuple[int, int]]] = {wave: {} for wave in waves}
    # Each kind (a few hundred): its wave's name and days, the status, the departments
    # cleaned and as a named pair shows them, and its people.
    kinds: dict[str, _Kind] = {}
    for (pair_id, kind, mentor_name, mentee_name, held, noted, notes_ok, last,
         due_days, held_days, unnoted_days, mentor_id, mentee_id) in rows:
        found = kinds.get(kind)
        if found is None:
            wave_id, status, mentor_side, mentee_side = json.loads(kind)
            mentor_side, mentee_side = labels[mentor_side], labels[mentee_side]
            wave_name, *days = waves[wave_id]
            found = kinds[kind] = (days[0], days[1], days[2], schedules[wave_id], wave_name, status,
                                   mentor_side, mentee_side, _departments(mentor_side, mentee_side), [], [])
        # Counted from the sorted days (the first is the first session's due day), the
        # common cases first: all past, none yet.
        known = found[3]
        counted = known.get(due_days)
        if counted is None:
            planned = len(due_days) // 10  # (a day a session not cancelled, as planned counts them)
            if not due_days or due_days[:10] >= found[0]:
                counted = (0, 0)
            else:
                counted = (planned if due_days[-10:] <= today_text else _upto(due_days, today_text),
                           0 if due_days[:10] >= found[1] else _upto(due_days, then_text))
            known[due_days] = counted
        due, due_then = counted
        if not held_days or held_days[:10] > then_text:
            held_then = 0
        else:  # (_upto inlined: most pairs held sessions by four weeks ago)
            end = len(held_days)
            while held_days[end - 10:end] > then_text:
                end -= 10
            held_then = end // 10
        notes_due = noted + _upto(unnoted_days, found[2]) if unnoted_days else noted
        found[9].append(mentor_id)
        found[10].append(mentee_id)
        status = found[5]
        if mentor_name and mentee_name:  # (clean, inlined for the printable names nearly all are)
            mentor = mentor_name.strip() if mentor_name.isprintable() else clean(mentor_name)
            mentee = mentee_name.strip() if mentee_name.isprintable() else clean(mentee_name)
            label, named, shown = f"{mentor} / {mentee}", True, found[8]
        else:
            mentor = mentee = WITHHELD
            label, named, shown = withheld_label(pair_id), False, None
        pending = (pair_id, found[4], label, named, mentor, mentee, found[6], found[7], held,
                   len(due_days) // 10, due,  # (planned); the state: pair_state(status, held, due), inlined
                   status if status != "active" else "behind" if held < due else "ahead" if held > due else "on_track",
                   notes_due, notes_ok, last, (held - due) - (held_then - due_then), mentor_id, mentee_id, shown)
        tie = (due - held, -(notes_ok / notes_due) if notes_due else 1.0, -held)
        members = ties.get(tie)
        if members is None:
            ties[tie] = [pending]
        else:
            members.append(pending)
    return ties, [found[6:8] + found[9:] for found in kinds.values()]


def _small(people: tuple[dict[str, Counter[int]], dict[str, Counter[int]]], k: int) -> tuple[int, frozenset[str], frozenset[str]]:
    """Return k and the departments with fewer than k mentors, and fewer than k mentees, on the board."""
    mentors, mentees = people
    return (k, frozenset(d for d, ids in mentors.items() if len(ids) < k),
            frozenset(d for d, ids in mentees.items() if len(ids) < k))


def _upto(days: str, day: str) -> int:
    """Return how many of ``days`` (sorted ten-character ISO days run together, as
    ``pair_totals`` keeps them) are on or before ``day``: counted back from the last (the
    days compared with are recent, so the days after them are few)."""
    if not days or days[:10] > day:
        return 0
    end = len(days)
    while days[end - 10:end] > day:
        end -= 10
    return end // 10


def _shown_departments(mentor_department: str, mentee_department: str, named: bool,
                       small: tuple[int, frozenset[str], frozenset[str]]) -> str:
    """Return the departments a row shows: a withheld pair names only departments with k
    people of that role on the board ("withheld" for the others)."""
    if named:  # both consented
        return _departments(mentor_department, mentee_department)
    mentor_side = WITHHELD if mentor_department in small[1] else mentor_department
    mentee_side = WITHHELD if mentee_department in small[2] else mentee_department
    return _departments(mentor_side, mentee_side)


def _departments(mentor: str, mentee: str) -> str:
    a, b = mentor or "—", mentee or "—"
    return a if a == b else f"{a} → {b}"


def build_leaderboard(store: Store, today: dt.date, wave_id: int | None = None, k: int | None = None) -> Leaderboard:
    """Return every started pair (of ``wave_id``, or all waves), ranked by progress, read afresh.

    A view refreshed again and again keeps a :class:`Leaderboards` instead.
    """
    return Leaderboards().build(store, today, wave_id, k)


def sort_rows(rows: list[LeaderRow], by: str, descending: bool = False) -> list[LeaderRow]:
    """Return ``rows`` sorted by ``progress`` (rank), ``pair`` (label), ``department`` or ``notes``.

    Notes sort best first; pairs with no notes due yet come last either way.
    """
    if by == "progress":
        ordered = sorted(rows, key=lambda r: (r.rank, r.pair_id))
    elif by == "pair":
        ordered = sorted(rows, key=lambda r: (r.pair.casefold(), r.pair_id))
    elif by == "department":
        ordered = sorted(rows, key=lambda r: (r.mentee_department.casefold(), r.mentor_department.casefold(), r.rank, r.pair_id))
    elif by == "notes":
        scored = [r for r in rows if r.notes_on_time is not None]
        unscored = [r for r in rows if r.notes_on_time is None]
        scored.sort(key=lambda r: (-(r.notes_on_time or 0.0), r.rank, r.pair_id))
        if descending:
            scored.reverse()
        return scored + sorted(unscored, key=lambda r: (r.rank, r.pair_id))
    else:
        raise ValueError(f"Unknown sort {by!r}; choose one of {', '.join(SORTS)}.")
    return ordered[::-1] if descending else ordered


# What the department standings read of a row (LeaderRow's fields, by position: in C).
_HELD, _DUE, _STATE, _NOTES_DUE, _NOTES_OK, _MENTOR_ID, _MENTEE_ID = (
    itemgetter(LeaderRow._fields.index(name))
    for name in ("held", "due", "state", "notes_due", "notes_on_time_count", "mentor_id", "mentee_id"))


def department_standings(board: Leaderboard) -> list[DepartmentStanding]:
    """Return each department's standing, most ahead first ("what team is ahead, what team is behind").

    A pair counts once for each department it touches (mentor's and mentee's). The order is
    by progress (held per due), then notes on time, then name (two spellings of one name that
    differ only in case: by the spelling); equal figures share a rank.
    A department with fewer than ``board.k`` people on the board is withheld (see the module):
    it comes last, unranked (rank 0), by name, so its place gives no rate away either.
    """
    # The pairs in groups of the same two departments (a few hundred groups among 10,000
    # pairs), each group's figures summed in C; then each group counted for the department(s)
    # it touches; its people added to the department's (a set of ids) in C.
    groups: dict[tuple[str, str], list[LeaderRow]] = defaultdict(list)
    rows = board.rows
    for row in rows:
        groups[row.mentor_department, row.mentee_department].append(row)
    totals: dict[str, list[int]] = {}
    people: dict[str, set[int]] = defaultdict(set)
    for (mentor_department, mentee_department), group in groups.items():
        mentor_department, mentee_department = mentor_department or "—", mentee_department or "—"
        people[mentor_department].update(map(_MENTOR_ID, group))
        people[mentee_department].update(map(_MENTEE_ID, group))
        figures = [len(group), sum(map(_HELD, group)), sum(map(_DUE, group)), list(map(_STATE, group)).count("behind"),
                   sum(map(_NOTES_DUE, group)), sum(map(_NOTES_OK, group))]
        for department in {mentor_department, mentee_department}:
            known = totals.get(department)
            totals[department] = figures if known is None else list(map(add, known, figures))
    return _ranked([
        DepartmentStanding(0, name, pairs, held, due, behind, notes_due, notes_ok, len(people[name]), len(people[name]) < board.k)
        for name, (pairs, held, due, behind, notes_due, notes_ok) in totals.items()
    ])


def _ranked(standings: list[DepartmentStanding]) -> list[DepartmentStanding]:
    """Return the departments' standings ranked (see :func:`department_standings`), withheld last."""
    withheld = sorted((s for s in standings if s.withheld), key=lambda s: (s.department.casefold(), s.department))
    shown = [s for s in standings if not s.withheld]

    def key(s: DepartmentStanding) -> tuple[float, float]:
        return (-(s.progress if s.progress is not None else -1.0), -(s.notes_on_time if s.notes_on_time is not None else -1.0))

    shown.sort(key=lambda s: (key(s), s.department.casefold(), s.department))
    ranked, previous, rank = [], None, 0
    for position, standing in enumerate(shown, start=1):
        if key(standing) != previous:
            rank, previous = position, key(standing)
        ranked.append(DepartmentStanding(rank, *(getattr(standing, f) for f in DepartmentStanding.__slots__[1:])))
    return ranked + withheld


def session_numbers(store: Store) -> list[int]:
    """Return the session numbers pairs have, 1 to the highest (1 … 7 for The Hartford's waves)."""
    highest = store.scalar("SELECT max(seq) FROM sessions") or 0
    return list(range(1, int(highest) + 1))


# Session k of each started pair (of the board's wave), in the order the view lists them
# within each state: by the day it shows (held: the day held; else the day due), then pair.
_SESSION_K = f"""
SELECT s.pair_id, s.status, s.due_on, s.held_on, w.grace_days
FROM pairs p JOIN waves w ON w.id = p.wave_id JOIN sessions s ON s.pair_id = p.id AND s.seq = :seq
WHERE p.status IN {_STARTED} AND (:wave IS NULL OR p.wave_id = :wave)
ORDER BY CASE WHEN s.status = 'held' THEN coalesce(s.held_on, '') ELSE coalesce(s.due_on, '') END, s.pair_id
"""


def session_progress(store: Store, board: Leaderboard, seq: int) -> list[SessionProgress]:
    """Return, for session ``seq``, each pair of ``board``: held first (earliest first), then
    overdue, due and cancelled (each by day, then pair).

    Overdue is :func:`rmtui.session_status.days_overdue` with the pair's wave's grace days.
    The query lists the sessions by day and pair, so each state keeps that order and the
    states are put one after the other: no sort in Python. Whether a session is overdue is
    worked out once per due day and grace (thousands of pairs share a few hundred days).
    """
    today = board.today
    rows = store.query_tuples(_SESSION_K, {"seq": seq, "wave": board.wave_id})
    by_pair = {row.pair_id: row for row in board.rows}
    held: list[SessionProgress] = []
    overdue: list[SessionProgress] = []
    due: list[SessionProgress] = []
    cancelled: list[SessionProgress] = []
    lateness: dict[tuple[str, int], int | None] = {}
    make = tuple.__new__
    for pair_id, status, due_on, held_on, grace in rows:
        pair = by_pair.get(pair_id)
        if pair is None:
            continue
        if status == "held":
            held.append(make(SessionProgress, (pair_id, pair.pair, pair.shown_departments, "held", held_on, None)))
        elif status == "cancelled":
            cancelled.append(make(SessionProgress, (pair_id, pair.pair, pair.shown_departments, "cancelled", due_on, None)))
        else:
            key = (due_on, grace)
            if key in lateness:
                late = lateness[key]
            else:
                late = lateness[key] = days_overdue(as_date(due_on), grace, today)
            if late is None:
                due.append(make(SessionProgress, (pair_id, pair.pair, pair.shown_departments, "due", due_on, None)))
            else:
                overdue.append(make(SessionProgress, (pair_id, pair.pair, pair.shown_departments, "overdue", due_on, late)))
    return held + overdue + due + cancelled


def wave_choices(store: Store) -> list[tuple[int, str]]:
    """Return (id, name) of every wave, oldest first, for the wave switch."""
    return [(row[0], clean(row[1])) for row in store.query_tuples("SELECT id, name FROM waves ORDER BY starts_on, id")]
