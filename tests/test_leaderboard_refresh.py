"""A kept leaderboard (``Leaderboards``) re-reads only the pairs whose data changed, and is
always exactly what a fresh build gives: after every kind of edit, from another connection,
across a new day, a wave switch and a restore. The stamps come from the schema's triggers."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from rmtui import timeline
from rmtui.backup import backup_programme, restore_programme
from rmtui.db import Store
from rmtui.leaderboard import Leaderboards, build_leaderboard
from rmtui.programme import Programme

TODAY = dt.date(2026, 11, 20)


def stamped(store: Store, after: int) -> set[int]:
    return {row[0] for row in store.query_tuples("SELECT pair_id FROM pair_changes WHERE rev > ?", (after,))}


def top(store: Store) -> int:
    return store.scalar("SELECT max(rev) FROM pair_changes")


def started_pair(store: Store, offset: int = 0) -> tuple[int, int, int, int]:
    """Return (pair id, mentor id, mentee id, wave id) of an active pair of the demo."""
    return store.query_tuples(
        "SELECT id, mentor_id, mentee_id, wave_id FROM pairs WHERE status = 'active' ORDER BY id LIMIT 1 OFFSET ?",
        (offset,),
    )[0]


# (what is written, the pairs it must stamp): each write that can move a pair on the board.
@pytest.mark.parametrize(
    "edit",
    [
        "session held",
        "session notes",
        "session due day",
        "session added",
        "session deleted",
        "pair paused",
        "mentor renamed",
        "mentee consent withdrawn",
        "mentor department",
        "wave notes deadline",
    ],
)
def test_each_kind_of_write_stamps_the_pairs_it_can_move(demo_programme: Programme, edit: str) -> None:
    store = demo_programme.store
    pair_id, mentor_id, mentee_id, wave_id = started_pair(store)
    mentor_pairs = {row[0] for row in store.query_tuples("SELECT id FROM pairs WHERE ? IN (mentor_id, mentee_id)", (mentor_id,))}
    wave_pairs = {row[0] for row in store.query_tuples("SELECT id FROM pairs WHERE wave_id = ?", (wave_id,))}
    session_id = store.scalar("SELECT id FROM sessions WHERE pair_id = ? AND status != 'held' ORDER BY seq", (pair_id,))
    statements, expected = {
        "session held": (["UPDATE sessions SET status = 'held', held_on = '2026-11-19' WHERE id = :s"], {pair_id}),
        "session notes": (["UPDATE sessions SET notes = 'Talked about AI' WHERE id = :s"], {pair_id}),
        "session due day": (["UPDATE sessions SET due_on = '2026-12-24' WHERE id = :s"], {pair_id}),
        "session added": (["INSERT INTO sessions (pair_id, seq, due_on, updated_at) VALUES (:p, 99, '2027-01-05', 'x')"], {pair_id}),
        "session deleted": (["DELETE FROM sessions WHERE id = :s"], {pair_id}),
        "pair paused": (["UPDATE pairs SET status = 'paused' WHERE id = :p"], {pair_id}),
        "mentor renamed": (["UPDATE participants SET name = 'Renamed Person' WHERE id = :m"], mentor_pairs),
        "mentee consent withdrawn": (["UPDATE participants SET consent_share = 1 - consent_share WHERE id = :e"],
                                     {row[0] for row in store.query_tuples("SELECT id FROM pairs WHERE ? IN (mentor_id, mentee_id)", (mentee_id,))}),
        "mentor department": (["UPDATE participants SET department = 'Elsewhere' WHERE id = :m"], mentor_pairs),
        "wave notes deadline": (["UPDATE waves SET notes_due_days = notes_due_days + 2 WHERE id = :w"], wave_pairs),
    }[edit]
    before = top(store)
    with store.write() as w:
        for sql in statements:
            w.execute(sql, {"s": session_id, "p": pair_id, "m": mentor_id, "e": mentee_id, "w": wave_id})
    assert stamped(store, before) == expected


def test_writes_that_cannot_move_a_pair_stamp_nothing(demo_programme: Programme) -> None:
    store = demo_programme.store
    pair_id, mentor_id, _, wave_id = started_pair(store)
    before = top(store)
    with store.write() as w:
        w.execute("UPDATE sessions SET agenda = 'Bring questions' WHERE pair_id = ?", (pair_id,))
        w.execute("UPDATE participants SET hobbies = '[\"chess\"]', name = name WHERE id = ?", (mentor_id,))
        w.execute("UPDATE waves SET cadence_days = 21 WHERE id = ?", (wave_id,))
        w.execute("UPDATE pairs SET coach = 'Ada' WHERE id = ?", (pair_id,))
    assert stamped(store, before) == set()


def test_a_kept_leaderboard_reads_only_what_changed_and_returns_the_same_board_when_nothing_did(
    demo_programme: Programme,
) -> None:
    store = demo_programme.store
    boards = Leaderboards()
    first = boards.build(store, TODAY)
    assert boards.reread is None  # the first build reads every pair
    assert boards.build(store, TODAY) is first and boards.reread == 0
    pair_id = started_pair(store)[0]
    other = Store(store.path, actor="coordinator")  # another coordinator's connection
    try:
        session = next(s for s in timeline.load_timeline(other, pair_id, TODAY).sessions if s.status != "held")
        timeline.mark_held(other, session, TODAY, TODAY)
    finally:
        other.close()
    second = boards.build(store, TODAY)
    assert boards.reread == 1
    assert second.rows == build_leaderboard(store, TODAY).rows
    assert next(r for r in second.rows if r.pair_id == pair_id).held == next(r for r in first.rows if r.pair_id == pair_id).held + 1
    # Rows of pairs that neither changed nor moved are the very same objects.
    unmoved = [r for r in second.rows if r.pair_id != pair_id and r in first.rows]
    assert unmoved and all(any(r is f for f in first.rows) for r in unmoved)


def test_a_new_day_and_another_wave_read_everything_again(demo_programme: Programme) -> None:
    store = demo_programme.store
    boards = Leaderboards()
    boards.build(store, TODAY)
    tomorrow = boards.build(store, TODAY + dt.timedelta(days=1))
    assert boards.reread is None and tomorrow.rows == build_leaderboard(store, TODAY + dt.timedelta(days=1)).rows
    wave = boards.build(store, TODAY + dt.timedelta(days=1), wave_id=2)
    assert boards.reread is None and wave.rows == build_leaderboard(store, TODAY + dt.timedelta(days=1), 2).rows
    assert {r.wave for r in wave.rows} == {"Wave 2"}


def _random_edit(store: Store, rng: random.Random) -> str:
    """Make one random edit of the kinds coordinators make; return what it was."""
    pairs = [row[0] for row in store.query_tuples("SELECT id FROM pairs ORDER BY id")]
    pair_id = rng.choice(pairs)
    sessions = store.query_tuples("SELECT id, status FROM sessions WHERE pair_id = ? ORDER BY seq", (pair_id,))
    people = store.query_tuples("SELECT mentor_id, mentee_id FROM pairs WHERE id = ?", (pair_id,))[0]
    kind = rng.choice(["held", "held", "notes", "late notes", "cancel", "due", "delete", "add", "status",
                       "consent", "name", "department"])
    with store.write() as w:
        if kind in ("held", "notes", "late notes", "cancel", "due", "delete") and sessions:
            session_id = rng.choice(sessions)[0]
            day = (TODAY - dt.timedelta(days=rng.randint(-20, 60))).isoformat()
            sql = {
                "held": "UPDATE sessions SET status = 'held', held_on = :day WHERE id = :id",
                "notes": "UPDATE sessions SET notes = 'notes', notes_posted_on = held_on WHERE id = :id",
                "late notes": "UPDATE sessions SET notes = 'late', notes_posted_on = :day WHERE id = :id",
                "cancel": "UPDATE sessions SET status = 'cancelled' WHERE id = :id",
                "due": "UPDATE sessions SET due_on = :day WHERE id = :id",
                "delete": "DELETE FROM sessions WHERE id = :id",
            }[kind]
            w.execute(sql, {"id": session_id, "day": day})
        elif kind == "add":
            seq = 1 + (store.scalar("SELECT max(seq) FROM sessions WHERE pair_id = ?", (pair_id,)) or 0)
            w.execute("INSERT INTO sessions (pair_id, seq, due_on, updated_at) VALUES (?, ?, ?, 'x')",
                      (pair_id, seq, (TODAY + dt.timedelta(days=rng.randint(-30, 30))).isoformat()))
        elif kind == "status":
            status = rng.choice(["active", "paused", "completed", "closed_early", "proposed"])
            w.execute("UPDATE pairs SET status = ?, started_on = coalesce(started_on, '2026-09-01') WHERE id = ?",
                      (status, pair_id))
        elif kind == "consent":
            w.execute("UPDATE participants SET consent_share = 1 - consent_share WHERE id = ?", (rng.choice(people),))
        elif kind == "name":
            w.execute("UPDATE participants SET name = ? WHERE id = ?", (f"Person {rng.randint(1, 999)}", rng.choice(people)))
        elif kind == "department":
            w.execute("UPDATE participants SET department = ? WHERE id = ?",
                      (rng.choice(["Claims", "Technology", "Finance"]), rng.choice(people)))
    return kind


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_any_sequence_of_edits_the_kept_board_is_a_fresh_build(demo_programme: Programme, seed: int) -> None:
    store = demo_programme.store
    rng = random.Random(seed)
    boards, waved = Leaderboards(), Leaderboards()
    partly = 0
    for step in range(60):
        kind = _random_edit(store, rng)
        board = boards.build(store, TODAY)
        partly += boards.reread is not None
        assert board.rows == build_leaderboard(store, TODAY).rows, f"step {step}: {kind}"
        assert waved.build(store, TODAY, 1).rows == build_leaderboard(store, TODAY, 1).rows, f"step {step}: {kind}"
    assert partly > 40  # most refreshes read only the pairs they had to


def test_restores_under_an_open_leaderboard_show_the_restored_programme(demo_programme: Programme, tmp_path: Path) -> None:
    store = demo_programme.store
    early = backup_programme(store.path, tmp_path / "early.db").path
    rng = random.Random(5)
    for _ in range(8):
        _random_edit(store, rng)
    late = backup_programme(store.path, tmp_path / "late.db").path
    boards = Leaderboards()
    boards.build(store, TODAY)
    # Back to the early programme (fewer stamps than the board has seen), a few edits there,
    # then forward to the late one again: two histories with the same stamp numbers.
    restore_programme(store, early)
    assert boards.build(store, TODAY).rows == build_leaderboard(store, TODAY).rows
    for _ in range(2):
        _random_edit(store, rng)
    assert boards.build(store, TODAY).rows == build_leaderboard(store, TODAY).rows
    for saved in tmp_path.glob("*.before-restore-*"):  # the clock stands still: same name again
        saved.unlink()
    restore_programme(store, late)
    assert boards.build(store, TODAY).rows == build_leaderboard(store, TODAY).rows
    with Store(late, actor="coordinator") as backup:
        assert boards.build(store, TODAY).rows == build_leaderboard(backup, TODAY).rows
