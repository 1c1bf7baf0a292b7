"""The leaderboard's other views computed the fast way give what the plain computation gave:
the by-session view (ordered by SQL, overdue worked out once per due day and grace) and the
department standings, on the demo and on seeded programmes with odd rows (sessions held
without a day, cancelled, due today, pairs of other waves, paused and closed pairs, people
without a department). The plain computations are kept here, as they were."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from rmtui import leaderboard
from rmtui.db import Store
from rmtui.leaderboard import (
    DepartmentStanding,
    Leaderboard,
    SessionProgress,
    build_leaderboard,
    department_standings,
    session_numbers,
    session_progress,
)
from rmtui.programme import Programme
from rmtui.schedule import as_date
from rmtui.session_status import days_overdue

TODAY = dt.date(2026, 11, 20)


def plain_session_progress(store: Store, board: Leaderboard, seq: int) -> list[tuple]:
    """The by-session view as it was computed before: every started pair's session ``seq``,
    states worked out one by one, sorted in Python by (state, day, pair)."""
    today = board.today
    rows = store.query_tuples(
        f"""SELECT s.pair_id, s.status, s.due_on, s.held_on, w.grace_days
           FROM pairs p JOIN waves w ON w.id = p.wave_id JOIN sessions s ON s.pair_id = p.id AND s.seq = ?
           WHERE p.status IN {leaderboard._STARTED}""",
        (seq,),
    )
    by_pair = {row.pair_id: row for row in board.rows}
    found = []
    for pair_id, status, due_on, held_on, grace in rows:
        pair = by_pair.get(pair_id)
        if pair is None:
            continue
        if status == "held":
            state, day, late = "held", held_on, None
        elif status == "cancelled":
            state, day, late = "cancelled", due_on, None
        else:
            late = days_overdue(as_date(due_on), grace, today)
            state, day = ("overdue" if late is not None else "due"), due_on
        order = {"held": 0, "overdue": 1, "due": 2, "cancelled": 3}[state]
        found.append(((order, day or "", pair_id), (pair_id, pair.pair, pair.departments, state, day, late)))
    found.sort(key=lambda entry: entry[0])
    return [entry[1] for entry in found]


def plain_department_standings(board: Leaderboard) -> list[DepartmentStanding]:
    """The department standings as computed before: row by row (then ranked alike)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    people: dict[str, set[int]] = defaultdict(set)
    for row in board.rows:
        mentor_department, mentee_department = row.mentor_department or "—", row.mentee_department or "—"
        people[mentor_department].add(row.mentor_id)
        people[mentee_department].add(row.mentee_id)
        for department in {mentor_department, mentee_department}:
            t = totals[department]
            t[0] += 1
            t[1] += row.held
            t[2] += row.due
            t[3] += row.state == "behind"
            t[4] += row.notes_due
            t[5] += row.notes_on_time_count
    return leaderboard._ranked([
        DepartmentStanding(0, name, pairs, held, due, behind, notes_due, notes_ok, len(people[name]),
                           len(people[name]) < board.k)
        for name, (pairs, held, due, behind, notes_due, notes_ok) in totals.items()
    ])


def _fields(progress: list[SessionProgress]) -> list[tuple]:
    return [(s.pair_id, s.pair, s.departments, s.state, s.day, s.days_overdue) for s in progress]


def scramble(store: Store, seed: int) -> None:
    """Make odd rows on the demo: sessions held without a day or on one day with many others,
    cancelled, missed, due today or just inside the grace days; pairs paused, closed early,
    moved to another wave; people without a department or consent."""
    rng = random.Random(seed)
    with store.write() as w:
        ids = [row[0] for row in w.execute("SELECT id FROM sessions ORDER BY id")]
        for session_id in rng.sample(ids, len(ids) // 4):
            change = rng.choice([
                "status = 'held', held_on = NULL",
                "status = 'held', held_on = '2026-11-19'",
                "status = 'held', held_on = ''",
                "status = 'cancelled'",
                "status = 'missed', held_on = NULL",
                "status = 'planned', held_on = NULL, due_on = '2026-11-20'",
                "status = 'scheduled', held_on = NULL, due_on = '2026-11-15'",
                "status = 'planned', held_on = NULL, due_on = '2026-11-13T10:00'",
            ])
            w.execute(f"UPDATE sessions SET {change} WHERE id = ?", (session_id,))
        pairs = [row[0] for row in w.execute("SELECT id FROM pairs ORDER BY id")]
        waves = [row[0] for row in w.execute("SELECT id FROM waves ORDER BY id")]
        for pair_id in rng.sample(pairs, len(pairs) // 5):
            change = rng.choice(["status = 'paused'", "status = 'closed_early'", "status = 'completed'",
                                 "status = 'proposed'", f"wave_id = {rng.choice(waves)}"])
            w.execute(f"UPDATE pairs SET {change} WHERE id = ?", (pair_id,))
        people = [row[0] for row in w.execute("SELECT id FROM participants ORDER BY id")]
        for person in rng.sample(people, len(people) // 6):
            change = rng.choice(["department = ''", "consent_share = 1 - consent_share", "department = 'Dept ' || (id % 3)"])
            w.execute(f"UPDATE participants SET {change} WHERE id = ?", (person,))
        w.execute("UPDATE waves SET grace_days = id * 3")


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
@pytest.mark.parametrize("today", ["2026-11-20", "2026-09-01", "2027-03-01"])
def test_by_session_view_is_the_plain_computation(demo_programme: Programme, seed: int | None, today: str) -> None:
    store = demo_programme.store
    if seed is not None:
        scramble(store, seed)
    day = dt.date.fromisoformat(today)
    waves = [None, *(row[0] for row in store.query_tuples("SELECT id FROM waves ORDER BY id"))]
    states = set()
    for wave in waves:
        board = build_leaderboard(store, day, wave)
        for seq in session_numbers(store):
            got = session_progress(store, board, seq)
            assert _fields(got) == plain_session_progress(store, board, seq), (wave, seq)
            states.update(s.state for s in got)
    if seed is not None and today == "2026-11-20":
        assert states == {"held", "overdue", "due", "cancelled"}, "every state is compared"


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 3, 6])
def test_department_standings_are_the_plain_computation(demo_programme: Programme, seed: int | None, k: int) -> None:
    store = demo_programme.store
    if seed is not None:
        scramble(store, seed)
    withheld = shown = 0
    for today in ("2026-11-20", "2026-09-01"):
        for wave in [None, *(row[0] for row in store.query_tuples("SELECT id FROM waves ORDER BY id"))]:
            board = build_leaderboard(store, dt.date.fromisoformat(today), wave, k)
            standings = department_standings(board)
            assert standings == plain_department_standings(board), (today, wave)
            withheld += sum(s.withheld for s in standings)
            shown += sum(not s.withheld for s in standings)
    assert shown + withheld and (k != 1 or not withheld) and (k != 3 or (shown and withheld)), (shown, withheld)
    if seed is not None:
        assert any(s.department == "—" for s in standings), "people without a department are compared"


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_people_counted_in_bulk_are_those_counted_pair_by_pair(demo_programme: Programme, seed: int | None) -> None:
    """A whole build counts each department's people of each role in bulk; an update counts
    a pair in and out one at a time (_count): both give the same counts, with departments
    spelled in ways that clean alike ("Claims", " Claims ", "Claims\\x07") as one."""
    store = demo_programme.store
    if seed is not None:
        scramble(store, seed)
        with store.write() as w:
            w.execute("UPDATE participants SET department = CASE id % 4 WHEN 0 THEN 'Claims' WHEN 1 THEN ' Claims ' "
                      "WHEN 2 THEN 'Claims' || char(7) ELSE department END WHERE id % 5 = 0")
    for wave in [None, 1, 2]:
        boards = leaderboard.Leaderboards()
        board = boards.build(store, TODAY, wave, 3)
        counted = leaderboard.Leaderboards()
        for row in board.rows:
            counted._count(row, 1)
        assert boards._people == counted._people
        assert all(type(side) is defaultdict for side in boards._people)
        if seed is not None and wave is None:
            assert "Claims" in boards._people[0] and " Claims " not in boards._people[0]
