"""A new coordinator's first steps at 80×24: the keys work from the first screen, forms open
at their top, and every task of the README is found from ``?`` and the palette alone."""

from __future__ import annotations

from conftest import settled
from textual.containers import VerticalScroll
from textual.widgets import Input

from rmtui.app import RmtuiApp
from rmtui.db import Participant
from rmtui.programme import Programme
from rmtui.programme_settings import save_settings, setting_versions
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.roster import RosterScreen


def _set_up(programme: Programme) -> None:
    """A named programme (else the app opens on its settings) with no one in it."""
    save_settings(programme.store, {"programme_name": "Pilot 2027"}, setting_versions(programme.store))


async def test_on_an_empty_programme_2_opens_intake_instead_of_typing_into_search(programme: Programme) -> None:
    _set_up(programme)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        assert roster.query_one("#empty").display
        assert not isinstance(app.focused, Input), "the empty roster must not start in its search field"
        await pilot.press("2")
        await settled(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert roster.query_one("#search", Input).value == ""


async def test_the_edit_form_opens_at_its_top_and_typing_in_name_keeps_it_in_view(programme: Programme) -> None:
    with programme.store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor", email="ann@example.org", level=3,
                                  development_goals=["cloud"], hobbies=["chess"], current_role=["ops"],
                                  attributes={"generation": "Gen Z"}, status="active"))
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("e")
        await settled(pilot)
        form = app.screen
        assert isinstance(form, IntakeScreen) and form.participant_id == 1
        name = form.query_one("#f-name", Input)
        assert app.focused is name
        scroll = form.query_one("#form", VerticalScroll)
        assert scroll.scroll_y == 0, "the form opened scrolled down, away from Name"
        await pilot.press("x")
        await settled(pilot)
        assert name.value == "Ann Leex" and scroll.scroll_y == 0
        assert name.region.y >= scroll.region.y and name.region.bottom <= scroll.region.bottom
