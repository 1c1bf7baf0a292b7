"""The roster's first page read while the app loads (rmtui.startup) is the page the roster would read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import settled

from rmtui import startup
from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.intake import create_participant
from rmtui.programme import Programme
from rmtui.screens.roster import PREVIEW_ROWS
from rmtui.search.rows import first_page as read_first_page


def test_the_read_ahead_asks_what_the_roster_asks() -> None:
    assert startup.ROSTER_PREVIEW_ROWS == PREVIEW_ROWS


def test_the_page_read_ahead_is_the_page_read_now_and_is_used_once(demo_programme: Programme) -> None:
    store = demo_programme.store
    startup.start_first_page(store)
    ahead = startup.first_page(store, PREVIEW_ROWS)
    assert ahead == read_first_page(store, PREVIEW_ROWS)
    # Used once: the next page is read again, and sees a person added since.
    create_participant(store, {"name": "Aaron Aaberg", "role": "mentor"})
    again = startup.first_page(store, PREVIEW_ROWS)
    assert again[0].name == "Aaron Aaberg"
    assert again == read_first_page(store, PREVIEW_ROWS)


def test_another_page_or_another_store_reads_its_own(demo_programme: Programme, tmp_path: Path, clock: FixedClock) -> None:
    store = demo_programme.store
    other = Programme.open(tmp_path / "other.db", clock)
    startup.start_first_page(store)
    try:
        assert startup.first_page(store, 10) == read_first_page(store, 10)
        assert startup.first_page(other.store, PREVIEW_ROWS) == []  # the other programme is empty
        assert len(startup._pending) == 1  # still waiting for the roster of demo_programme
    finally:
        startup.forget(store)
        other.close()
    assert startup._pending == []
    assert startup.first_page(store, PREVIEW_ROWS) == read_first_page(store, PREVIEW_ROWS)


async def test_the_roster_shows_the_page_read_ahead(demo_programme: Programme) -> None:
    store = demo_programme.store
    expected = read_first_page(store, PREVIEW_ROWS)
    startup.start_first_page(store)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert startup._pending == []  # the roster took it
        table = app.screen.query_one("#results")
        shown = [table.source.person_id(row) for row in range(min(len(expected), table.row_count))]
        assert shown == [row.id for row in expected][: len(shown)]


def test_the_collector_paused_for_the_start_is_started_again() -> None:
    import gc

    assert gc.isenabled()
    startup.resume_gc()  # nothing paused: nothing changes
    assert gc.isenabled()
    # The command line pauses it and gives it back whatever ran (in a child: main sets the umask).
    code = (
        "import gc\n"
        "from rmtui.cli import main\n"
        "for argv in (['--help'], ['no-such-command']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    print(gc.isenabled())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split()[-2:] == ["True", "True"], done.stderr


async def test_the_app_starts_the_collector_again_once_shown(demo_programme: Programme) -> None:
    import gc

    from rmtui.app import GC_PAUSE_SECONDS

    startup.pause_gc()
    try:
        assert not gc.isenabled()
        app = RmtuiApp(demo_programme, start="roster")
        async with app.run_test(size=(100, 30)) as pilot:
            await settled(pilot)
            await pilot.pause(GC_PAUSE_SECONDS + 0.2)
            assert gc.isenabled()
    finally:
        startup.resume_gc()
        gc.enable()
