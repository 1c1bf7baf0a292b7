"""Every key in the Footer does what it says: no "Open" that opens nothing, no "Back" that stays."""

from __future__ import annotations

from pathlib import Path

from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.cohort import CohortScreen
from rmtui.screens.import_csv import ImportScreen
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.profile import ProfileScreen

CSV = Path(__file__).parent / "data" / "csv" / "unknown_columns.csv"


def footer(app: RmtuiApp) -> list[str]:
    return [key.description for key in app.screen.query("FooterKey")]


async def test_the_import_preview_offers_no_open(programme: Programme) -> None:
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.screen.query_one("#results").focus()
        await pilot.pause()
        assert "Open" in footer(app)  # the roster's table opens a profile
        screen = ImportScreen(str(CSV))
        await app.push_screen(screen)
        await settled(pilot)
        screen.query_one("#preview").focus()
        await pilot.pause()
        assert screen.plan is not None and screen.plan.rows
        assert "Open" not in footer(app)
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is screen


async def test_cohort_enter_opens_the_mentee_of_the_proposal(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("m")
        await settled(pilot)
        cohort = app.screen
        assert isinstance(cohort, CohortScreen) and cohort.result is not None
        assert len(cohort.result.proposals) > 1
        assert "Open" in footer(app)
        await pilot.press("down", "enter")
        await settled(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.participant_id == cohort.result.proposals[1].mentee.id
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is cohort


async def test_intake_escape_is_labelled_for_what_it_does(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        area = app.screen
        assert "Leave field" in footer(app) and "Back" not in footer(app)
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is area and app.focused is None  # left the field, stayed in the area
        editing = IntakeScreen(1)
        await app.push_screen(editing)
        await settled(pilot)
        assert "Back" in footer(app) and "Leave field" not in footer(app)
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is area
