"""The leaderboard reads each started pair's card (``pair_cards``, kept by triggers) instead of
joining the pair, its two people and its totals: every row of every build is what a plain
computation from the pairs, people and sessions gives, on scrambled demo data with odd names
and departments (control characters, NUL, quotes and backslashes the card's JSON escapes,
spellings that clean alike); the migration fills the cards of a programme that has data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from test_leaderboard_views import scramble

from rmtui import leaderboard
from rmtui.db import Store
from rmtui.db.schema import MIGRATIONS, SCHEMA_VERSION
from rmtui.leaderboard import WITHHELD, build_leaderboard, pair_state, withheld_label
from rmtui.programme import Programme
from rmtui.session_status import due_from
from rmtui.text import clean

# Every started pair with its wave, its people and its sessions, read plainly (no kept table).
PLAIN_PAIRS = f"""
SELECT p.id, p.wave_id, w.name, w.grace_days, w.notes_due_days, p.status, p.started_on,
       mr.id, mr.name, mr.department, mr.consent_share, me.id, me.name, me.department, me.consent_share
FROM pairs p JOIN waves w ON w.id = p.wave_id
JOIN participants mr ON mr.id = p.mentor_id JOIN participants me ON me.id = p.mentee_id
WHERE p.status IN {leaderboard._STARTED} AND p.started_on IS NOT NULL AND (:wave IS NULL OR p.wave_id = :wave)
"""

ODD_TEXT = [
    "Claims",
    " Claims ",
    "Claims\x07",
    'Quote " and \\ back',
    "nul\x00byte",
    "line\u2028sep",
    "Émile ✓",
    "\x1b[31mred",
    "",
]


def plain_board(store: Store, today: dt.date, wave: int | None, k: int) -> list[tuple]:
    """Return the leaderboard's rows as plain tuples, computed pair by pair from the sessions:
    figures, rank (ties share it, then by id), names (withheld unless both consented) and the
    departments shown (a withheld pair names a department only with k people of that role)."""
    then = today - dt.timedelta(days=leaderboard.TREND_DAYS)
    sessions: dict[int, list[tuple]] = defaultdict(list)
    # (notes on time: the rule as SQL states it, NULL days and all)
    for row in store.query_tuples("""
            SELECT s.pair_id, s.status, s.due_on, s.held_on, s.notes, s.notes_posted_on,
                   coalesce(s.status = 'held' AND s.notes != '' AND (s.notes_posted_on IS NULL OR s.notes_posted_on <= s.held_on
                            OR julianday(s.notes_posted_on) - julianday(s.held_on) <= w.notes_due_days), 0)
            FROM sessions s JOIN pairs p ON p.id = s.pair_id JOIN waves w ON w.id = p.wave_id"""):
        sessions[row[0]].append(row[1:])
    pairs = []
    for (
        pair_id,
        _wave_id,
        wave_name,
        grace,
        notes_days,
        status,
        started_on,
        mentor_id,
        mentor_name,
        mentor_department,
        mentor_consent,
        mentee_id,
        mentee_name,
        mentee_department,
        mentee_consent,
    ) in store.query_tuples(PLAIN_PAIRS, {"wave": wave}):
        mine = sessions[pair_id]
        planned_days = sorted((due_on + " " * 10)[:10] for s, due_on, *_ in mine if s != "cancelled")
        held_days = sorted(
            (held_on + " " * 10)[:10] for s, _, held_on, *_ in mine if s == "held" and held_on is not None
        )
        unnoted = sorted(
            (held_on + " " * 10)[:10]
            for s, _, held_on, notes, *_ in mine
            if s == "held" and notes == "" and held_on is not None
        )

        def due_by(day: dt.date, days: list[str] = planned_days, grace: int = grace) -> int:
            if not days or days[0] >= due_from(grace, day).isoformat():
                return 0
            return sum(d <= day.isoformat() for d in days)

        held = sum(s == "held" for s, *_ in mine)
        noted = sum(s == "held" and notes != "" for s, _, _, notes, *_ in mine)
        notes_ok = sum(ok for *_, ok in mine)
        notes_before = (today - dt.timedelta(days=notes_days + 1)).isoformat()
        notes_due = noted + sum(d <= notes_before for d in unnoted)
        due, due_then = due_by(today), due_by(then)
        held_then = sum(d <= then.isoformat() for d in held_days)
        last = (
            max(
                [
                    *(h for s, _, h, *_ in mine if s == "held" and h),
                    *(p for *_, p, _ in mine if p),
                    *([started_on] if started_on <= today.isoformat() else []),
                ],
                default="",
            )
            or None
        )
        named = mentor_consent == 1 and mentee_consent == 1
        mentor, mentee = (clean(mentor_name), clean(mentee_name)) if named else (WITHHELD, WITHHELD)
        pairs.append(
            [
                pair_id,
                clean(wave_name),
                f"{mentor} / {mentee}" if named else withheld_label(pair_id),
                named,
                mentor,
                mentee,
                clean(mentor_department),
                clean(mentee_department),
                held,
                len(planned_days),
                due,
                pair_state(status, held, due),
                notes_due,
                notes_ok,
                last,
                (held - due) - (held_then - due_then),
                mentor_id,
                mentee_id,
            ]
        )
    people: dict[tuple[int, str], set[int]] = defaultdict(set)
    for p in pairs:
        people[0, p[6]].add(p[16])
        people[1, p[7]].add(p[17])
    rows = []
    for p in pairs:
        sides = [d if p[3] or len(people[role, d]) >= k else WITHHELD for role, d in ((0, p[6]), (1, p[7]))]
        a, b = sides[0] or "—", sides[1] or "—"
        rows.append(p + [a if a == b else f"{a} → {b}"])

    def tie(p: list) -> tuple:
        return (p[10] - p[8], -(p[13] / p[12]) if p[12] else 1.0, -p[8])

    rows.sort(key=lambda p: (tie(p), p[0]))
    ranked, previous, rank = [], None, 0
    for position, p in enumerate(rows, start=1):
        if tie(p) != previous:
            rank, previous = position, tie(p)
        ranked.append((rank, *p))
    return ranked


def oddities(store: Store) -> None:
    """Give some people odd names and departments (kept as stored: the board cleans them)."""
    with store.write() as w:
        ids = [row[0] for row in w.execute("SELECT id FROM participants ORDER BY id")]
        for n, person in enumerate(ids[::3]):
            w.execute(
                "UPDATE participants SET department = ?, name = name || ? WHERE id = ?",
                (ODD_TEXT[n % len(ODD_TEXT)], ODD_TEXT[(n + 4) % len(ODD_TEXT)] or " Jr", person),
            )
        w.execute("UPDATE participants SET consent_share = 1 WHERE id % 5 = 0")


def cards_drifted(store: Store) -> list[tuple]:
    return store.query_tuples("""
        SELECT 'kept', * FROM (SELECT * FROM pair_cards EXCEPT SELECT * FROM pair_cards_fresh)
        UNION ALL SELECT 'fresh', * FROM (SELECT * FROM pair_cards_fresh EXCEPT SELECT * FROM pair_cards)""")


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_every_row_of_the_board_is_the_plain_computation(demo_programme: Programme, seed: int | None) -> None:
    store = demo_programme.store
    if seed is not None:
        scramble(store, seed)
        oddities(store)
    assert cards_drifted(store) == []
    named = withheld = 0
    for today in ("2026-11-20", "2026-09-01", "2027-03-01"):
        day = dt.date.fromisoformat(today)
        for wave in [None, *(row[0] for row in store.query_tuples("SELECT id FROM waves ORDER BY id"))]:
            for k in (1, 3, 6):
                got = [tuple(row) for row in build_leaderboard(store, day, wave, k).rows]
                assert got == plain_board(store, day, wave, k), (today, wave, k)
                named += sum(row[4] for row in got)
                withheld += sum(not row[4] for row in got)
                if k == 6 and seed is not None:
                    assert any(WITHHELD in row[-1] for row in got) or wave is not None, "small departments are withheld"
    assert named and withheld


def test_a_kept_board_after_odd_edits_is_the_plain_computation(demo_programme: Programme) -> None:
    """Names, departments and consent changed under a kept board: the refresh re-reads those
    pairs' cards and gives the plain rows."""
    store = demo_programme.store
    boards = leaderboard.Leaderboards()
    day = dt.date(2026, 11, 20)
    boards.build(store, day, None, 3)
    oddities(store)
    with store.write() as w:
        w.execute("UPDATE pairs SET status = 'paused' WHERE id = (SELECT min(id) FROM pairs WHERE status = 'active')")
    board = boards.build(store, day, None, 3)
    assert [tuple(row) for row in board.rows] == plain_board(store, day, None, 3)


def test_the_migration_fills_the_cards_of_a_programme_with_data(demo_programme: Programme) -> None:
    """A programme at the schema before the cards (with pairs, people and sessions) gets every
    started pair's card when opened; its triggers then keep them."""
    store, path = demo_programme.store, demo_programme.store.path
    scramble(store, 1)
    oddities(store)
    before = store.query_tuples("SELECT * FROM pair_cards ORDER BY pair_id")
    assert (
        len(before)
        == store.scalar(f"SELECT count(*) FROM pairs WHERE status IN {leaderboard._STARTED} AND started_on IS NOT NULL")
        > 0
    )
    migration = next(n for n, m in enumerate(MIGRATIONS) if "CREATE TABLE pair_cards" in m)
    with store.write() as w:
        for name, kind in w.execute(
            "SELECT name, type FROM sqlite_master WHERE name LIKE 'pair_cards%' AND type IN ('trigger', 'view')"
        ).fetchall():
            w.execute(f"DROP {kind.upper()} {name}")
        w.execute("DROP TABLE pair_cards")
        w.execute(f"PRAGMA user_version = {migration}")
    demo_programme.close()
    reopened = Store(path, actor="coordinator")
    try:
        assert reopened.schema_version() == SCHEMA_VERSION
        assert reopened.query_tuples("SELECT * FROM pair_cards ORDER BY pair_id") == before
        with reopened.write() as w:
            w.execute(
                "UPDATE participants SET name = 'Renamed', consent_share = 1 WHERE id = "
                "(SELECT mentor_id FROM pairs WHERE status = 'active' ORDER BY id LIMIT 1)"
            )
        assert cards_drifted(reopened) == []
        day = dt.date(2026, 11, 20)
        assert [tuple(row) for row in build_leaderboard(reopened, day, None, 3).rows] == plain_board(
            reopened, day, None, 3
        )
    finally:
        reopened.close()


def test_an_empty_programme_has_no_cards_until_pairs_start(programme: Programme) -> None:
    store = programme.store
    assert store.query_tuples("SELECT * FROM pair_cards") == []
    assert build_leaderboard(store, dt.date(2026, 11, 20)).rows == []
