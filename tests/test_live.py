"""Live updates between real processes: another coordinator's process commits to the same
file and the open app's leaderboard shows it, keeping the cursor on its pair; with nothing
committed the screen does not re-read. How fast it shows is a figure, not an assertion:
tests/bench/bench_leaderboard.py prints the commit → shown delay (p50/p95)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import settled
from session_data import build_sessions_programme
from test_leaderboard import consent

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.dashboard import DashboardScreen
from rmtui.screens.leaderboard import LeaderboardScreen

WRITER = Path(__file__).with_name("live_writer.py")


def _start_writer(db: Path, pair_id: int, count: int = 1, pause: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), "coordinator", str(pair_id), str(count), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _wait_for(pilot, condition, limit: float = 30.0) -> None:
    """Pump the app until ``condition()`` holds; fail after ``limit`` seconds (not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the change never showed"
        await pilot.pause(0.01)


def _held(screen: LeaderboardScreen, pair_id: int) -> int:
    return next(r.held for r in screen.pair_rows if r.pair_id == pair_id)


async def test_another_process_write_shows_and_the_cursor_stays(programme: Programme, db_path: Path) -> None:
    build_sessions_programme(programme.store)
    consent(programme, "Kai Analyst", "Dana Director")
    app = RmtuiApp(programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("down", "down", "down")
        assert screen.current_pair().pair_id == 3 and _held(screen, 3) == 3
        writer = _start_writer(db_path, 3)
        await _wait_for(pilot, lambda: _held(screen, 3) == 4)
        _, err = writer.communicate(timeout=30)
        assert writer.returncode == 0, err
        # Pair 3 caught up and climbed the board; the cursor went with it.
        assert [r.pair_id for r in screen.pair_rows] == [5, 3, 4, 1, 2]
        assert screen.current_pair().pair_id == 3
        cells = screen.query_one("#pairs").source.cells(screen.query_one("#pairs").cursor)
        assert str(cells["pair"]) == "Kai Analyst / Dana Director" and str(cells["held"]) == "4/7"
        assert "changed 09:00" in app.sub_title  # "live, changed 09:00:00" when the header has room
        # The refresh read the one pair the other process changed, not the whole board.
        assert screen.boards[None].reread == 1


async def test_every_commit_of_a_busy_writer_shows(programme: Programme, db_path: Path) -> None:
    build_sessions_programme(programme.store)
    app = RmtuiApp(programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        writer = _start_writer(db_path, 2, count=3, pause=0.3)
        await _wait_for(pilot, lambda: _held(screen, 2) == 4)
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == 0, err
        assert [line.split()[1] for line in out.splitlines()] == ["2", "3", "4"]
        assert next(r.state for r in screen.pair_rows if r.pair_id == 2) == "on_track"


async def test_the_dashboard_follows_another_process(programme: Programme, db_path: Path) -> None:
    build_sessions_programme(programme.store)
    app = RmtuiApp(programme, start="dashboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, DashboardScreen)
        assert screen.scopes[0].metric("overdue").numerator == 4
        writer = _start_writer(db_path, 3)
        await _wait_for(pilot, lambda: screen.scopes[0].metric("overdue").numerator == 3)
        assert writer.wait(timeout=30) == 0


async def test_nothing_is_re_read_while_nobody_commits(programme: Programme) -> None:
    build_sessions_programme(programme.store)
    app = RmtuiApp(programme, start="leaderboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        loaded = screen.loaded
        await pilot.pause(1.0)  # four polls of the watcher
        await settled(pilot)
        assert screen.loaded is loaded
        assert app.sub_title.endswith("· live")


def test_the_soak_writers_edits_leave_every_person_readable(demo_programme: Programme, tmp_path: Path) -> None:
    # The soak benchmark's other coordinator (tests/live_writer.py) writes as the app does: a
    # list column edited stays a JSON list, so every row it touched still reads (it once wrote
    # hobbies as plain text, which no profile, and later the writer itself, could read).
    from live_writer import Soak

    from rmtui.db import Participant

    editor = Soak(demo_programme, seed=3, folder=tmp_path)
    kinds = [editor.edit() for _ in range(80)]
    assert kinds.count("person") >= 10
    people = demo_programme.store.all(Participant)
    assert len(people) >= 60
    assert all(isinstance(person.hobbies, list) for person in people)
