"""The app shell: areas, number keys, the keys panel, quitting, the live header."""

from __future__ import annotations

from pathlib import Path

from rmtui.app import RmtuiApp
from rmtui.db import Participant, Store
from rmtui.programme import Programme
from rmtui.screens import AREAS


async def test_every_registered_area_is_reached_by_its_number_key(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        for area in reversed([a for a in AREAS if a.key]):  # the others: palette and `rmtui NAME`
            await pilot.pause()
            app.set_focus(None)  # number keys work when no text field has focus
            await pilot.press(area.key)
            await pilot.pause()
            assert app.current_mode == area.name


async def test_digits_typed_into_the_search_stay_text(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "2", "q")  # in the search field (/), digits and q are text
        assert app.screen.query_one("#search").value == "2q"
        assert app.current_mode == "roster"
        assert app.is_running


async def test_q_quits_when_no_text_field_has_focus(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running


async def test_question_mark_toggles_the_keys_panel(programme: Programme) -> None:
    """`?` lists this screen's actions by purpose first, then the keys that work everywhere."""
    from rmtui.widgets.keys_panel import KeysPanel

    app = RmtuiApp(programme, start="pairing")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysPanel)
        lines = _panel_text(app.screen)
        assert lines[0] == "Pairing: Pair"
        everywhere = lines.index("Everywhere")
        assert any(line.startswith("m") and "Match wave" in line for line in lines[:everywhere])
        assert any(line.split() == ["1", "Roster"] for line in lines[everywhere:])
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, KeysPanel)


def _panel_text(screen) -> list[str]:
    """The keys panel's lines as a person reads them (rendered at the panel's width)."""
    from rich.console import Console

    console = Console(width=58, record=True, color_system=None)
    console.print(screen.table)
    return [line.strip() for line in console.export_text().splitlines() if line.strip()]


async def test_command_palette_offers_every_area(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
    for area in AREAS:
        assert (f"{area.title} ({area.key})" if area.key else area.title) in titles


async def test_areas_without_a_number_key_open_from_the_palette(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        for area in [a for a in AREAS if not a.key]:
            command = next(c for c in app.get_system_commands(app.screen) if c.title == area.title)
            await command.callback()
            await pilot.pause()
            assert app.current_mode == area.name


async def test_header_names_programme_database_and_user_and_says_live(programme: Programme) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)):
        assert app.title == "Reverse mentoring"
        assert app.sub_title == "programme.db · coordinator · live"


async def test_another_coordinators_commit_reaches_the_open_roster(programme: Programme, db_path: Path) -> None:
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):  # the empty roster's index is built (after its first page)
            await pilot.pause(0.05)
            if getattr(app.screen, "result", None) is not None:
                break
        assert app.screen.result.total == 0
        with Store(db_path, actor="bob") as other, other.write() as writer:
            writer.insert(Participant(name="Zoë Brontë", role="mentor"))
        for _ in range(200):  # up to ~10 s on a loaded machine; typically one poll
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if app.screen.result.total == 1:
                break
        assert app.screen.result.total == 1
        assert "changed 09:00" in app.sub_title  # "live, changed 09:00:00" when the header has room
