"""The leaderboard: rows per pair, ranks, sorts, department standings, by-session view,
names withheld without consent, and the screen's views and keys; snapshots on the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import settled
from session_data import build_sessions_programme

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import Session, Wave
from rmtui.leaderboard import (
    WITHHELD,
    build_leaderboard,
    department_standings,
    pair_state,
    session_numbers,
    session_progress,
    sort_rows,
    withheld_label,
)
from rmtui.programme import Programme
from rmtui.screens.leaderboard import LeaderboardScreen
from rmtui.screens.timeline import TimelineScreen
from rmtui.session_status import pair_flags
from rmtui.widgets.virtual_table import VirtualTable

TODAY = dt.date(2026, 11, 20)


def consent(programme: Programme, *names: str) -> None:
    """Give consent to disclosure for the people called ``names`` (everyone else has none)."""
    store = programme.store
    with store.write() as w:
        for row in store.query("SELECT id, name, version FROM participants"):
            if row["name"] in names:
                w.update("participants", row["id"], row["version"], {"consent_share": 1})


@pytest.fixture
def board_programme(programme: Programme) -> Programme:
    """session_data's five pairs; pair 2's mentee ([red]Ana[/] Boss) has not consented.

    Every department here has one or two people, so these tests of the figures turn
    small-group suppression off (k = 1); the tests of suppression set k themselves.
    """
    build_sessions_programme(programme.store)
    consent(programme, "Mia Mentor", "Sam Senior", "Lee Junior", "Kai Analyst", "Dana Director",
            "Noor Dev", "Eli Chief", "Old Mentor", "Old Mentee")
    with programme.store.write() as w:
        w.set_setting("small_group_k", 1)
    return programme


def test_a_row_per_started_pair_with_progress_state_notes_and_rank(board_programme: Programme) -> None:
    board = build_leaderboard(board_programme.store, TODAY)
    got = [(r.rank, r.pair_id, r.pair, r.held, r.planned, r.due, r.state, r.notes_on_time, r.last_activity)
           for r in board.rows]
    assert got == [
        # rank, pair, shown as, held, planned, due by today, state, notes on time, last activity
        (1, 5, "Old Mentor / Old Mentee", 7, 7, 4, "completed", 1.0, "2026-09-07"),
        (2, 4, "Noor Dev / Eli Chief", 4, 7, 4, "on_track", 1.0, "2026-11-10"),
        (3, 1, "Mia Mentor / Sam Senior", 4, 7, 4, "on_track", 0.75, "2026-11-10"),
        (4, 3, "Kai Analyst / Dana Director", 3, 7, 4, "behind", 1.0, "2026-10-20"),
        (5, 2, "Pair 2 (names withheld)", 1, 7, 4, "behind", 1.0, "2026-09-08"),
    ]
    row = board.rows[2]
    assert (row.departments, row.mentor, row.mentee) == ("Marketing → Finance", "Mia Mentor", "Sam Senior")


@pytest.mark.parametrize(
    ("status", "held", "due", "state"),
    [
        ("active", 4, 4, "on_track"),
        ("active", 5, 4, "ahead"),
        ("active", 3, 4, "behind"),
        ("active", 0, 0, "on_track"),
        ("paused", 1, 4, "paused"),
        ("completed", 7, 7, "completed"),
        ("closed_early", 2, 7, "closed_early"),
    ],
)
def test_pair_state(status: str, held: int, due: int, state: str) -> None:
    assert pair_state(status, held, due) == state


def test_equal_pairs_share_a_rank(board_programme: Programme) -> None:
    store = board_programme.store
    # Give pair 1 its missing notes on time: it now equals pair 4 on lead, notes and held.
    session = store.all(Session, "pair_id = 1 AND seq = 4")[0]
    with store.write() as w:
        w.update("sessions", session.id, session.version, {"notes": "Caught up.", "notes_posted_on": "2026-11-11"})
    ranks = {r.pair_id: r.rank for r in build_leaderboard(store, TODAY).rows}
    assert ranks == {5: 1, 4: 2, 1: 2, 3: 4, 2: 5}


def test_notes_posted_after_the_deadline_are_late_and_not_yet_due_ones_are_not_counted(board_programme: Programme) -> None:
    store = board_programme.store
    session = store.all(Session, "pair_id = 4 AND seq = 4")[0]
    with store.write() as w:  # held 10 Nov, notes due 13 Nov, posted 15 Nov
        w.update("sessions", session.id, session.version, {"notes_posted_on": "2026-11-15"})
    row = next(r for r in build_leaderboard(store, TODAY).rows if r.pair_id == 4)
    assert (row.notes_on_time_count, row.notes_due) == (3, 4)
    # The day after a session, its notes are not due yet: nothing counts against the pair.
    early = next(r for r in build_leaderboard(store, dt.date(2026, 11, 11)).rows if r.pair_id == 1)
    assert (early.notes_on_time_count, early.notes_due) == (3, 3)


def test_trend_compares_the_lead_with_four_weeks_ago(board_programme: Programme) -> None:
    trends = {r.pair_id: r.trend_arrow for r in build_leaderboard(board_programme.store, TODAY).rows}
    # Pair 2 was 2 behind on 23 Oct and is 3 behind now; pair 4 is as up to date as it was.
    assert trends[2] == "↓"
    assert trends[4] == "→"


def test_state_agrees_with_the_behind_rule_on_the_demo(demo_programme: Programme) -> None:
    store = demo_programme.store
    waves = {w.id: w for w in store.all(Wave)}
    board = build_leaderboard(store, TODAY)
    for row in board.rows:
        if row.state not in ("ahead", "on_track", "behind"):
            continue
        pair = store.query("SELECT wave_id, started_on FROM pairs WHERE id = ?", (row.pair_id,))[0]
        flags = pair_flags(row.pair_id, pair["started_on"], store.all(Session, "pair_id = ?", (row.pair_id,)),
                           waves[pair["wave_id"]], TODAY)
        assert (row.state == "behind") == any(f.kind == "behind" for f in flags), row


def test_sorts_by_pair_department_progress_and_notes(board_programme: Programme) -> None:
    rows = build_leaderboard(board_programme.store, TODAY).rows
    assert [r.pair_id for r in sort_rows(rows, "progress")] == [5, 4, 1, 3, 2]
    assert [r.pair_id for r in sort_rows(rows, "progress", descending=True)] == [2, 3, 1, 4, 5]
    assert [r.pair for r in sort_rows(rows, "pair")] == [
        "Kai Analyst / Dana Director", "Mia Mentor / Sam Senior", "Noor Dev / Eli Chief",
        "Old Mentor / Old Mentee", "Pair 2 (names withheld)",
    ]
    # by the mentee's department, then the mentor's
    assert [r.mentee_department for r in sort_rows(rows, "department")] == ["Claims", "Finance", "Marketing", "Operations", "Sales"]
    assert [r.pair_id for r in sort_rows(rows, "notes")][-1] == 1  # 75% is the worst
    with pytest.raises(ValueError, match="Unknown sort"):
        sort_rows(rows, "shoe size")


def test_department_standings_say_who_is_ahead_and_who_is_behind(board_programme: Programme) -> None:
    standings = department_standings(build_leaderboard(board_programme.store, TODAY))
    got = [(s.rank, s.department, s.pairs, s.held, s.due, s.behind) for s in standings]
    assert got == [
        (1, "Legal", 1, 7, 4, 0),
        (1, "Sales", 1, 7, 4, 0),
        (3, "Marketing", 2, 8, 8, 0),
        (4, "Finance", 2, 7, 8, 1),
        (5, "Operations", 1, 3, 4, 1),
        (6, "Technology", 2, 5, 8, 1),
        (7, "Claims", 1, 1, 4, 1),
    ]
    # A pair counts once for each department it touches: Marketing has pair 1 (mentor) and pair 4 (mentee).


def test_by_session_lists_who_has_held_session_k_first(board_programme: Programme) -> None:
    store = board_programme.store
    board = build_leaderboard(store, TODAY)
    assert session_numbers(store) == [1, 2, 3, 4, 5, 6, 7]
    got = [(s.pair_id, s.state, s.describe(TODAY)) for s in session_progress(store, board, 4)]
    assert got == [
        (5, "held", "held 7 Sep"),
        (1, "held", "held 10 Nov"),
        (4, "held", "held 10 Nov"),
        (2, "overdue", "11 days overdue"),
        (3, "overdue", "11 days overdue"),
    ]
    assert [s.state for s in session_progress(store, board, 5)][1:] == ["due"] * 4


def test_a_wave_filter_ranks_within_the_wave(board_programme: Programme) -> None:
    store = board_programme.store
    with store.write() as w:
        w.insert(Wave(name="Wave 3", starts_on="2027-01-04"))
    assert len(build_leaderboard(store, TODAY, wave_id=1)) == 5
    assert len(build_leaderboard(store, TODAY, wave_id=2)) == 0


# -- confidentiality -------------------------------------------------------------------


def test_a_pair_without_both_consents_is_named_by_number_and_says_why(board_programme: Programme) -> None:
    row = next(r for r in build_leaderboard(board_programme.store, TODAY).rows if r.pair_id == 2)
    assert (row.pair, row.named, row.mentor, row.mentee) == ("Pair 2 (names withheld)", False, WITHHELD, WITHHELD)
    assert withheld_label(12) == "Pair 12 (names withheld)"


def test_no_name_of_a_non_consenting_person_in_any_leaderboard_view_on_the_demo(demo_programme: Programme) -> None:
    store = demo_programme.store
    withheld = [row[0] for row in store.query_tuples("SELECT name FROM participants WHERE consent_share = 0")]
    assert withheld
    board = build_leaderboard(store, TODAY)
    assert any(not r.named for r in board.rows) and any(r.named for r in board.rows)
    texts = [str(value) for row in board.rows for value in (row.pair, row.mentor, row.mentee, row.departments, row.wave)]
    texts += [s.department for s in department_standings(board)]
    for seq in session_numbers(store):
        texts += [s.pair for s in session_progress(store, board, seq)]
    joined = "\n".join(texts)
    for name in withheld:
        assert name not in joined
    # A consenting person paired with someone who did not consent appears only through
    # another pair where both consented (a mentor with two mentees, a re-matched mentee).
    partners = store.query_tuples(
        """SELECT m.name FROM pairs p JOIN participants m ON m.id IN (p.mentor_id, p.mentee_id)
           JOIN participants o ON o.id IN (p.mentor_id, p.mentee_id) AND o.id != m.id
           WHERE o.consent_share = 0 AND m.consent_share = 1"""
    )
    assert partners
    named = {r.mentor for r in board.rows if r.named} | {r.mentee for r in board.rows if r.named}
    for (name,) in partners:
        assert name in named or name not in joined


async def test_no_name_of_a_non_consenting_person_in_any_screen_cell(demo_programme: Programme) -> None:
    store = demo_programme.store
    withheld = [row[0] for row in store.query_tuples("SELECT name FROM participants WHERE consent_share = 0")]
    app = RmtuiApp(demo_programme, start="leaderboard")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(pilot)
        cells = []
        for view in ("pairs", "departments", "sessions"):
            table = screen.query_one(f"#{view}", VirtualTable)
            cells += [str(text) for i in range(table.row_count) for text in table.source.cells(i).values()]
        assert cells
        for name in withheld:
            assert all(name not in cell for cell in cells)


# -- the screen ------------------------------------------------------------------------


def _shown_pairs(screen: LeaderboardScreen) -> list[int]:
    return [row.pair_id for row in screen.pair_rows]


async def test_views_sorts_wave_and_session_keys(board_programme: Programme) -> None:
    app = RmtuiApp(board_programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, LeaderboardScreen)
        assert _shown_pairs(screen) == [5, 4, 1, 3, 2]
        await pilot.press("s")  # progress → pair
        assert _shown_pairs(screen) == [3, 1, 4, 5, 2]
        await pilot.press("S")  # reversed
        assert _shown_pairs(screen) == [2, 5, 4, 1, 3]
        await pilot.press("s")  # → department
        assert _shown_pairs(screen)[0] == 2  # Claims
        await pilot.press("s")  # → notes
        assert _shown_pairs(screen)[-1] == 1
        await pilot.press("s")  # → progress again
        assert _shown_pairs(screen) == [5, 4, 1, 3, 2]
        await pilot.press("tab")
        assert screen.view == "departments"
        assert screen.query_one("#departments", VirtualTable).display
        assert "Ahead: Legal" in str(screen.query_one("#standing").render())
        await pilot.press("tab")
        assert screen.view == "sessions"
        assert screen.seq == 1
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        screen = await settled(pilot)
        assert screen.seq == 4
        assert "3 of 5 pairs have held session 4" in str(screen.query_one("#standing").render())
        await pilot.press("left_square_bracket")
        screen = await settled(pilot)
        assert screen.seq == 3
        await pilot.press("w")
        screen = await settled(pilot)
        assert screen.wave_id == 1 and "Wave 2" in str(screen.query_one("#summary").render())
        await pilot.press("tab", "end", "enter")
        await settled(pilot)
        assert isinstance(pilot.app.screen, TimelineScreen)
        assert pilot.app.screen.pair_id == 2


async def test_a_refresh_keeps_the_cursor_on_the_same_pair_when_ranks_move(board_programme: Programme) -> None:
    store = board_programme.store
    app = RmtuiApp(board_programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "down", "down")  # pair 3, fourth
        assert screen.current_pair().pair_id == 3
        # Pair 3 holds its overdue session and jumps above pair 1.
        session = store.all(Session, "pair_id = 3 AND seq = 4")[0]
        with store.write() as w:
            w.update("sessions", session.id, session.version,
                     {"status": "held", "held_on": "2026-11-19", "notes": "Done.", "notes_posted_on": "2026-11-19"})
        screen.refresh_data()
        screen = await settled(pilot)
        assert _shown_pairs(screen) == [5, 3, 4, 1, 2]
        assert screen.current_pair().pair_id == 3
        assert screen.query_one("#pairs", VirtualTable).cursor == 1


# -- snapshots -------------------------------------------------------------------------


def _demo_app(tmp_path: Path) -> RmtuiApp:
    from rmtui.demo import build_demo

    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    build_demo(programme.store, people=60, seed=7, today=programme.today())
    return RmtuiApp(programme, start="leaderboard")


def _run_before(*keys: str):
    async def run_before(pilot) -> None:
        await settled(pilot)
        if keys:
            await pilot.press(*keys)
            await settled(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_leaderboard_pairs(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_demo_app(tmp_path), terminal_size=size, run_before=_run_before("down", "down"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_leaderboard_departments(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_demo_app(tmp_path), terminal_size=size, run_before=_run_before("tab"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_leaderboard_sessions(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    keys = ("tab", "tab", "right_square_bracket", "right_square_bracket", "right_square_bracket")
    assert snap_compare(_demo_app(tmp_path), terminal_size=size, run_before=_run_before(*keys))


async def test_number_keys_reach_the_leaderboard_and_the_dashboard(board_programme: Programme) -> None:
    from rmtui.screens.dashboard import DashboardScreen

    app = RmtuiApp(board_programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("escape", "5")
        assert isinstance(await settled(pilot), LeaderboardScreen)
        await pilot.press("7")
        assert isinstance(await settled(pilot), DashboardScreen)


async def test_coming_back_to_a_wave_reads_nothing_again(board_programme: Programme) -> None:
    app = RmtuiApp(board_programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert screen.boards[None].reread is None  # opening reads the whole board
        await pilot.press("w")
        screen = await settled(pilot)
        assert screen.wave_id == 1 and screen.boards[1].reread is None
        for _ in range(5):
            if screen.wave_id is None:
                break
            await pilot.press("w")
            screen = await settled(pilot)
        assert screen.wave_id is None and screen.boards[None].reread == 0
        assert _shown_pairs(screen) == [5, 4, 1, 3, 2]



async def test_leaving_lets_the_board_go_and_coming_back_reads_it_with_the_cursors_kept(board_programme: Programme) -> None:
    """At 100,000 people the kept board held 18 MB for as long as the app ran (issue 14's
    hour-long soak): left for another area, the screen keeps only what was chosen."""
    store = board_programme.store
    app = RmtuiApp(board_programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("s", "home", "down", "down")  # sorted by pair: pair 4, third
        assert screen.current_pair().pair_id == 4
        await pilot.press("tab", "down")
        departments = screen.query_one("#departments", VirtualTable)
        department = screen.loaded.standings[departments.cursor].department
        await pilot.press("tab", "tab")  # back to the pairs view
        await pilot.press("1")
        await settled(pilot)
        assert screen.loaded is None and screen.boards == {} and screen.pair_rows == []
        # Pair 4 holds its next session meanwhile (the board read again shows it).
        session = store.all(Session, "pair_id = 4 AND status != 'held'", order="seq")[0]
        with store.write() as w:
            w.update("sessions", session.id, session.version,
                     {"status": "held", "held_on": "2026-11-19", "notes": "Done.", "notes_posted_on": "2026-11-19"})
        await pilot.press("5")
        assert await settled(pilot) is screen
        assert screen.sort_by == "pair" and _shown_pairs(screen) == [3, 1, 4, 5, 2]
        assert screen.current_pair().pair_id == 4
        assert [r.held for r in screen.pair_rows if r.pair_id == 4] == [
            store.scalar("SELECT count(*) FROM sessions WHERE pair_id = 4 AND status = 'held'")]
        assert screen.loaded.standings[departments.cursor].department == department


# -- small-group suppression (issue 15, item 4) ------------------------------------------


def _set_k(programme: Programme, k: int) -> None:
    from rmtui.programme_settings import set_one

    set_one(programme.store, "small_group_k", str(k))


def test_a_department_of_two_people_shows_counts_but_no_rates_below_k(board_programme: Programme) -> None:
    _set_k(board_programme, 3)
    standings = {s.department: s for s in department_standings(build_leaderboard(board_programme.store, TODAY))}
    marketing = standings["Marketing"]  # Mia Mentor (pair 1) and Eli Chief (pair 4)
    assert (marketing.pairs, marketing.people, marketing.withheld) == (2, 2, True)
    assert (marketing.rank, marketing.progress, marketing.notes_on_time) == (0, None, None)
    _set_k(board_programme, 2)  # k changes it: two people are now enough
    standings = {s.department: s for s in department_standings(build_leaderboard(board_programme.store, TODAY))}
    assert standings["Marketing"].withheld is False and standings["Marketing"].progress == 1.0
    assert standings["Claims"].withheld is True  # Claims has one person on the board


def test_withheld_departments_come_last_unranked_so_their_place_gives_nothing_away(board_programme: Programme) -> None:
    standings = department_standings(build_leaderboard(board_programme.store, TODAY, k=2))
    ranked = [s.department for s in standings if not s.withheld]
    withheld = [s.department for s in standings if s.withheld]
    assert ranked == ["Marketing", "Finance", "Technology"]
    assert withheld == sorted(withheld, key=str.casefold) and [s.department for s in standings][-len(withheld):] == withheld


def test_a_withheld_pair_names_its_department_only_with_k_mentees_of_it(board_programme: Programme) -> None:
    store = board_programme.store
    row = next(r for r in build_leaderboard(store, TODAY, k=1).rows if r.pair_id == 2)
    assert (row.pair, row.departments) == ("Pair 2 (names withheld)", "Technology → Claims")
    # Pair 2's mentee is the only Claims mentee (and its mentor one of two in Technology):
    # at k = 2 "Technology → Claims" would single her out, so her side is not named.
    row = next(r for r in build_leaderboard(store, TODAY, k=2).rows if r.pair_id == 2)
    assert (row.pair, row.named, row.departments) == ("Pair 2 (names withheld)", False, "Technology → withheld")
    row = next(r for r in build_leaderboard(store, TODAY, k=3).rows if r.pair_id == 2)
    assert (row.pair, row.departments) == ("Pair 2 (names withheld)", "withheld")
    assert all("Claims" not in s.pair for s in session_progress(store, build_leaderboard(store, TODAY, k=3), 1))


def test_a_kept_board_follows_a_change_of_k_without_any_pair_changing(board_programme: Programme) -> None:
    from rmtui.leaderboard import Leaderboards

    boards = Leaderboards()
    store = board_programme.store
    assert next(r for r in boards.build(store, TODAY).rows if r.pair_id == 2).departments == "Technology → Claims"
    _set_k(board_programme, 3)
    assert next(r for r in boards.build(store, TODAY).rows if r.pair_id == 2).departments == "withheld"


async def test_the_department_view_withholds_a_small_departments_rates_and_k_changes_it(
        board_programme: Programme) -> None:
    _set_k(board_programme, 3)
    app = RmtuiApp(board_programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("tab")
        await settled(pilot)
        table = screen.query_one("#departments", VirtualTable)
        rows = {str(table.source.cells(i)["department"]): table.source.cells(i) for i in range(table.row_count)}
        marketing = {name: str(text) for name, text in rows["Marketing"].items()}
        assert marketing == {"rank": "—", "department": "Marketing", "pairs": "2", "people": "2", "held": "—",
                             "progress": "—", "behind": "—", "notes": "—"}
        assert "— fewer than 3 people: rates withheld" in str(screen.query_one("#summary").render())
        _set_k(board_programme, 2)
        screen.refresh_data()
        await settled(pilot)
        table = screen.query_one("#departments", VirtualTable)
        rows = {str(table.source.cells(i)["department"]): table.source.cells(i) for i in range(table.row_count)}
        assert str(rows["Marketing"]["progress"]) == "100%" and str(rows["Marketing"]["held"]) == "8/8"
        assert str(rows["Claims"]["progress"]) == "—"
        assert "fewer than 2 people: rates withheld" in str(screen.query_one("#summary").render())
