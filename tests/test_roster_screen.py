"""The roster screen on the demo programme: typing, filters, sorting, opening a profile."""

from __future__ import annotations

import pytest
from conftest import settled
from textual.widgets import Input

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.profile import ProfileScreen
from rmtui.screens.roster import RosterScreen
from rmtui.widgets.virtual_table import VirtualTable


async def _type(app: RmtuiApp, pilot, text: str) -> RosterScreen:
    if not isinstance(app.focused, Input):
        await pilot.press("slash")  # the roster starts on its table; / searches
    for character in text:
        await pilot.press(character if character != " " else "space")
    return await _detail_read(pilot)


async def _detail_read(pilot) -> RosterScreen:
    """Settle, including the highlighted person's pairs, read once typing pauses."""
    screen = await settled(pilot)
    while isinstance(screen, RosterScreen) and screen.detail_pending:
        await pilot.pause(0.05)
    return await settled(pilot)


def _names(screen: RosterScreen, count: int) -> list[str]:
    assert screen.result is not None
    return [screen.result.row(i).name for i in range(min(count, screen.result.total))]


async def test_typos_find_john_smith_first(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = await _type(app, pilot, "jhon smtih")
        assert _names(screen, 1) == ["John Smith"]


async def test_accents_do_not_matter(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = await _type(app, pilot, "jose nunez")
        assert _names(screen, 1) == ["José Núñez"]


async def test_filter_tokens_narrow_to_matching_people(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        everyone = screen.result.total
        screen = await _type(app, pilot, "role:mentor level:<=3")
        result = screen.result
        assert 0 < result.total < everyone
        assert all(result.row(i).role == "mentor" for i in range(result.total))
        assert all(result.row(i).level is not None and result.row(i).level <= 3 for i in range(result.total))


async def test_backspace_widens_the_results_again(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        everyone = screen.result.total
        screen = await _type(app, pilot, "role:mentee")
        mentees = screen.result.total
        for _ in "mentee":
            await pilot.press("backspace")
        screen = await _type(app, pilot, "mentor")
        assert screen.result.total + mentees == everyone


async def test_sort_key_cycles_columns_and_orders_rows(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("escape", "s", "s", "s")  # best match → name → role → level
        screen = await settled(pilot)
        assert screen.sort == "level"
        levels = [screen.result.row(i).level for i in range(screen.result.total)]
        known = [level for level in levels if level is not None]
        assert known == sorted(known)
        await pilot.press("S")
        screen = await settled(pilot)
        levels = [screen.result.row(i).level for i in range(screen.result.total)]
        known = [level for level in levels if level is not None]
        assert known == sorted(known, reverse=True)


async def test_enter_opens_the_talent_profile_and_escape_comes_back(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await _type(app, pilot, "jose nunez")
        await pilot.press("enter", "enter")  # leave the field, then open the row
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        body = str(app.screen.query_one("#profile-title").render())
        assert "José Núñez" in body
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)


async def test_cursor_moves_and_pages_without_leaving_the_results(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("escape", "down", "down", "pagedown", "end")
        table = screen.query_one(VirtualTable)
        assert table.cursor == screen.result.total - 1
        await pilot.press("home")
        assert table.cursor == 0


@pytest.mark.parametrize(
    ("size", "query"),
    [((80, 24), ""), ((120, 40), "smith"), ((80, 24), "role:mentor level:>=9")],
    ids=["80x24-everyone", "120x40-smith", "80x24-no-match"],
)
def test_roster_snapshot(snap_compare, demo_programme: Programme, size: tuple[int, int], query: str) -> None:
    app = RmtuiApp(demo_programme)

    async def search(pilot) -> None:
        await settled(pilot)
        await _type(app, pilot, query)

    assert snap_compare(app, terminal_size=size, run_before=search)


def test_empty_roster_snapshot(snap_compare, programme: Programme) -> None:
    app = RmtuiApp(programme)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)



async def test_a_bad_filter_is_explained_first_on_the_status_line(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = await _type(app, pilot, "level:>=x")
        status = str(screen.query_one("#status").render())
        assert status.startswith("level:>=x")
        assert "level" in status and "number" in status.split("·")[0]


def _shown_lines(table: VirtualTable) -> list[str]:
    """The table's lines as painted (rendered strips, not the data behind them)."""
    return [table.render_line(y).text for y in range(1, min(table.size.height, table.row_count + 1))]


async def test_another_coordinators_edit_shows_in_the_open_roster(demo_programme: Programme, db_path) -> None:
    """Only the changed person is re-read, and the painted line shows the new name (not a
    line rendered before the change)."""
    import asyncio

    from rmtui.db.sqlite import sqlite3

    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = await _type(app, pilot, "john smith")
        table = screen.query_one("#results", VirtualTable)
        assert _shown_lines(table)[0].startswith("John Smith")
        person = screen.result.row_id(0)
        other = sqlite3.connect(str(db_path), isolation_level=None)  # another coordinator's connection
        try:
            other.execute("UPDATE participants SET name = 'John Smithson' WHERE id = ?", (person,))
        finally:
            other.close()
        for _ in range(300):
            await asyncio.sleep(0.02)
            if screen.result.row(0).name == "John Smithson" and not screen.index_building:
                break
        await pilot.pause()
        assert screen.kept.reread == 1
        assert screen.result.row(0).name == "John Smithson"
        assert _shown_lines(table)[0].startswith("John Smithson")


async def test_pair_numbers_show_in_the_roster_detail_and_the_profile(programme: Programme) -> None:
    """"Pair 1 (mentor of Ben Okoro, wave Spring)": the number g on the timeline takes."""
    from rmtui.db import Participant
    from rmtui.pairing import pair_now
    from rmtui.waves import add_wave

    with programme.store.write() as writer:
        ana = writer.insert(Participant(name="Ana Silva", role="mentor", level=2, line_of_business="IT", status="active"))
        ben = writer.insert(Participant(name="Ben Okoro", role="mentee", level=7, line_of_business="Claims", status="active"))
        writer.insert(Participant(name="Cy Lone", role="mentee", level=6, line_of_business="Risk", status="active"))
    spring = add_wave(programme, "Spring", "2026-11-02")
    pair = pair_now(programme, ana.id, ben.id, spring.id)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        detail = screen.query_one("#detail")
        assert str(detail.render()) == f"Pair {pair.id} (mentor of Ben Okoro, wave Spring), active"  # Ana, first by name
        await pilot.press("down")
        await settled(pilot)
        assert str(detail.render()) == f"Pair {pair.id} (mentee of Ana Silva, wave Spring), active"
        await pilot.press("down")
        await settled(pilot)
        assert str(detail.render()) == "Not paired yet."
        await pilot.press("up", "enter")
        profile = await settled(pilot)
        assert isinstance(profile, ProfileScreen)
        text = _plain(profile.query_one("#profile-body").content)
        assert f"Pair {pair.id}" in text and "mentee of Ana Silva, wave Spring · active" in text


def _plain(renderable) -> str:
    """What a Rich renderable says, as plain text (100 columns)."""
    import io

    from rich.console import Console

    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()
