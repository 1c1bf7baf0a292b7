"""A keyboard journey per screen at 80×24: every footer key fits, exists, and does what it says.

The footer of each area is read as rendered (its FooterKey widgets): no key overlaps the
palette hint or runs past column 80. Then every key shown is pressed on the demo programme;
it must run its action without an error, and the main verbs must have their effect.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Notes, settled
from textual.widgets import Input

from rmtui.app import RmtuiApp
from rmtui.keymap import keys_for
from rmtui.programme import Programme
from rmtui.screens import AREAS

WIDTH = 80


def footer_keys(app: RmtuiApp) -> list[Any]:
    return [key for key in app.screen.query("FooterKey") if key.description != "palette"]


def assert_footer_fits(app: RmtuiApp) -> None:
    palette = [key for key in app.screen.query("FooterKey") if key.description == "palette"]
    limit = palette[0].region.x if palette else WIDTH
    for key in footer_keys(app):
        text = f"{key.key_display} {key.description}"
        assert key.region.right <= limit, f"{text!r} runs into the palette hint at {limit}"
        assert key.region.width >= len(text), f"{text!r} is cut"


def errors(notes: Notes) -> list[str]:
    return [note.message for note in notes.shown if note.severity == "error"]


@pytest.mark.parametrize("area", AREAS, ids=lambda area: area.name)
async def test_every_footer_key_fits_and_runs(demo_programme: Programme, area, notes: Notes) -> None:
    app = RmtuiApp(demo_programme, start=area.name)
    async with app.run_test(size=(WIDTH, 24), message_hook=notes) as pilot:
        screen = await settled(pilot)
        assert screen.title.startswith(area.title), "the header names the screen"
        assert_footer_fits(app)
        shown = {key.key: key.description for key in footer_keys(app)}
        mine: dict[str, set[str]] = {}
        for k in keys_for(type(screen).__name__):
            mine.setdefault(k.key.split(",")[0], set()).add(k.label)
        # Every shown key is the keymap's (or the table's Open, or the app's Keys).
        for key, label in shown.items():
            assert key in mine or label in ("Open", "Keys"), (key, label)
            if key in mine:
                assert label in mine[key]
        for key in [k for k in shown if k in mine]:
            await pilot.press(key)
            await settled(pilot)
            assert not errors(notes), (key, errors(notes))
            # Back to the area: close whatever dialog or screen the key opened.
            for _ in range(3):
                if app.screen is screen and not isinstance(app.focused, Input):
                    break
                await pilot.press("escape")
                await settled(pilot)
            assert app.screen is screen, f"{key} left the screen"


async def test_number_keys_work_right_after_start_and_always_show_the_screen(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await settled(pilot)
        assert not isinstance(app.focused, Input), "the roster starts on its table, not its search"
        await pilot.press("3")
        await settled(pilot)
        assert app.current_mode == "pairing" and app.screen.title.startswith("Pairing")
        await pilot.press("1")
        await settled(pilot)
        assert app.current_mode == "roster"
        await pilot.press("slash")
        assert isinstance(app.focused, Input)


async def test_main_verbs_do_what_their_label_says(demo_programme: Programme) -> None:
    from rmtui.screens.cohort import CohortScreen
    from rmtui.screens.waves import WavesScreen
    from rmtui.widgets.keys_panel import KeysPanel

    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await settled(pilot)
        await pilot.press("m")  # Match wave
        await settled(pilot)
        assert isinstance(app.screen, CohortScreen)
        await pilot.press("escape")
        await settled(pilot)
        await pilot.press("question_mark")  # Keys
        await settled(pilot)
        assert isinstance(app.screen, KeysPanel)
        await pilot.press("escape", "5")
        board = await settled(pilot)
        before = board.sort_by
        await pilot.press("s")  # Sort
        await settled(pilot)
        assert board.sort_by != before
        await pilot.press("7")
        dashboard = await settled(pilot)
        assert len(dashboard.scopes) > 1
        await pilot.press("w")  # Wave
        await settled(pilot)
        assert dashboard.scope_index == 1
        await app.action_go("waves")
        await settled(pilot)
        assert isinstance(app.screen, WavesScreen)
        assert app.screen.title.startswith("Waves")


async def test_a_number_key_always_shows_its_area_not_a_screen_opened_over_it(demo_programme: Programme) -> None:
    from rmtui.screens.leaderboard import LeaderboardScreen
    from rmtui.screens.timeline import TimelineScreen

    app = RmtuiApp(demo_programme, start="leaderboard")
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await settled(pilot)
        await pilot.press("enter")  # the top pair's timeline, over the leaderboard
        await settled(pilot)
        assert isinstance(app.screen, TimelineScreen)
        await pilot.press("1", "5")
        await settled(pilot)
        assert isinstance(app.screen, LeaderboardScreen)
        await pilot.press("enter")
        await settled(pilot)
        await pilot.press("5")  # on the timeline opened from the leaderboard: back to the board
        await settled(pilot)
        assert isinstance(app.screen, LeaderboardScreen)


async def test_every_action_is_a_palette_command_with_its_key(demo_programme: Programme) -> None:
    """On the roster, "Import CSV" (intake) and "New wave" (waves) are found and run from the palette."""
    from rmtui.screens.intake import IntakeScreen

    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        screen = await settled(pilot)
        titles = {command.title: command for command in app.get_system_commands(screen)}
        assert "Edit  e · edit a person" in titles and "Sort  s" in titles  # this screen's own
        assert "Import CSV  ctrl+o (Intake)" in titles
        assert "Match wave  m · propose all pairs; then C confirms all, V compares runs (Pairing)" in titles
        assert "New wave  a · add a wave (Waves)" in titles
        await titles["Import CSV  ctrl+o (Intake)"].callback()
        await settled(pilot)
        assert app.current_mode == "intake"
        assert not isinstance(app.screen, IntakeScreen)  # the import screen, over the intake
        assert app.screen.title.startswith("Import CSV")


async def test_consent_is_shown_in_words(demo_programme: Programme) -> None:
    from textual.widgets import Checkbox

    app = RmtuiApp(demo_programme, start="intake")
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await settled(pilot)
        box = app.screen.query_one("#f-consent_share", Checkbox)
        assert str(box.label).startswith("consent: no")
        box.value = True
        await settled(pilot)
        assert str(box.label).startswith("consent: yes")


async def test_go_to_pair_by_a_name_with_a_typo(demo_programme: Programme) -> None:
    from rmtui.screens.timeline import TimelineScreen

    pair_id, mentee = demo_programme.store.query_tuples(
        "SELECT pairs.id, p.name FROM pairs JOIN participants p ON p.id = pairs.mentee_id"
        " WHERE pairs.status = 'active' ORDER BY pairs.id DESC LIMIT 1"
    )[0]
    first = mentee.split()[0]
    typo = first[:-2] + first[-1] + first[-2]  # last two letters swapped
    app = RmtuiApp(demo_programme, start="timeline")
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, TimelineScreen) and screen.view.pair.id != pair_id
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one(Input).value = f"{typo} {mentee.split()[-1]}"
        await pilot.press("enter")
        screen = await settled(pilot)
        assert screen.view.pair.id == pair_id


async def test_footers_of_screens_opened_over_the_areas_fit(demo_programme: Programme) -> None:
    """Cohort matching, the rule editor, a profile, the import and the coaches: footers fit at 80."""
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await settled(pilot)
        for keys, title in ((("m",), "Match a wave"), (("escape", "e"), "Matching rules"),
                            (("escape", "1", "enter"), "Profile"), (("escape", "2", "escape", "ctrl+o"), "Import CSV")):
            await pilot.press(*keys)
            await settled(pilot)
            assert app.screen.title.startswith(title)
            assert footer_keys(app), title
            assert_footer_fits(app)
        await pilot.press("escape")
        await settled(pilot)
        app.action_show_coaches()
        await settled(pilot)
        assert app.screen.title.startswith("Coaches")
        assert_footer_fits(app)
