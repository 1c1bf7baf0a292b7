"""A viewer sees no edit keys anywhere, and pressing them changes nothing in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import settled
from textual.screen import Screen

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.coordinators import add_coordinator
from rmtui.db.sqlite import sqlite3
from rmtui.people import get_participant
from rmtui.programme import Programme
from rmtui.screens.import_csv import ImportScreen
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.roster import RosterScreen
from rmtui.screens.timeline import TimelineScreen
from rmtui.screens.triage import TriageScreen

CSV = Path(__file__).parent / "data" / "csv" / "unknown_columns.csv"


@pytest.fixture
def vera(demo_programme: Programme, clock: FixedClock) -> Iterator[Programme]:
    """The demo programme opened by vera, whom its admin enrolled as a viewer."""
    add_coordinator(demo_programme.store, demo_programme.store.actor, "admin")
    add_coordinator(demo_programme.store, "vera", "viewer")
    opened = Programme.open(demo_programme.store.path, clock, actor="vera")
    yield opened
    opened.close()


HOUSEKEEPING = {"presence", "change_stamps"}
"""Written by every open app, a viewer's too (who is here): not the programme's data."""


def database(path: Path) -> list[tuple]:
    """Every row of every table, in order: equal before and after means nothing was written."""
    conn = sqlite3.connect(str(path))
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                  if row[0] not in HOUSEKEEPING]
        return [(table, *row) for table in tables for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


def shown_actions(screen: Screen) -> set[str]:
    """The actions of the screen's active bindings (what the Footer may show)."""
    return {active.binding.action.split("(")[0] for active in screen.active_bindings.values()}


def footer_text(app: RmtuiApp) -> str:
    return " ".join(key.description for key in app.screen.query("FooterKey"))


def assert_no_edit_keys(app: RmtuiApp, screen: Screen, labels: list[str]) -> None:
    assert not app.may_edit
    assert not shown_actions(screen) & screen.EDIT_ACTIONS, shown_actions(screen) & screen.EDIT_ACTIONS
    footer = footer_text(app)
    for label in labels:
        assert label not in footer, (label, footer)


async def press_and_check(app: RmtuiApp, pilot, screen: Screen, keys: list[str]) -> None:
    """Press each edit key on ``screen``: no dialog opens, the screen stays, nothing is written."""
    before = database(app.programme.store.path)
    for key in keys:
        await pilot.press(key)
        await settled(pilot)
        assert app.screen is screen, (key, app.screen)
    assert database(app.programme.store.path) == before


async def test_roster_hides_edit(vera: Programme) -> None:
    app = RmtuiApp(vera, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        screen.query_one("#results").focus()
        await pilot.pause()
        assert_no_edit_keys(app, screen, ["Edit"])
        assert "sort" in shown_actions(screen)  # reading keys stay
        await press_and_check(app, pilot, screen, ["e"])


async def test_intake_area_hides_save_new_and_import(vera: Programme) -> None:
    app = RmtuiApp(vera, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        assert_no_edit_keys(app, screen, ["Save", "New person", "Import CSV"])
        await pilot.press(*"Vera Test")
        await press_and_check(app, pilot, screen, ["ctrl+s", "ctrl+n", "ctrl+o"])


async def test_editing_a_person_hides_save_and_withdraw(vera: Programme) -> None:
    app = RmtuiApp(vera, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        person = get_participant(vera.store, 1)
        assert person is not None and person.status != "withdrawn"
        screen = IntakeScreen(1)
        await app.push_screen(screen)
        await settled(pilot)
        assert_no_edit_keys(app, screen, ["Save", "Withdraw"])
        await press_and_check(app, pilot, screen, ["ctrl+s", "ctrl+r"])


async def test_import_hides_both_imports(vera: Programme) -> None:
    app = RmtuiApp(vera, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = ImportScreen(str(CSV))
        await app.push_screen(screen)
        await settled(pilot)
        assert screen.plan is not None and screen.plan.rows  # the preview still works
        assert_no_edit_keys(app, screen, ["Import"])
        await press_and_check(app, pilot, screen, ["ctrl+s", "ctrl+t"])


async def test_timeline_hides_every_session_edit(vera: Programme) -> None:
    app = RmtuiApp(vera, start="timeline")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, TimelineScreen) and screen.view is not None
        assert_no_edit_keys(app, screen, ["Held today", "Reschedule", "Agenda", "Notes", "Follow-up sent", "Add session"])
        assert "pair" in shown_actions(screen)  # moving between pairs stays
        await press_and_check(app, pilot, screen, ["h", "H", "r", "x", "t", "n", "f", "a", "R", "enter"])


async def test_triage_hides_every_action_that_writes(vera: Programme) -> None:
    app = RmtuiApp(vera, start="triage")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.queue is not None and len(screen.queue)
        assert_no_edit_keys(app, screen, ["Held", "+1 week", "Follow-up sent", "Notes", "Snooze", "Flag for review"])
        assert "timeline" in shown_actions(screen)
        await press_and_check(app, pilot, screen, ["h", "r", "f", "n", "z", "exclamation_mark"])


async def test_an_admin_still_sees_the_edit_keys(demo_programme: Programme) -> None:
    add_coordinator(demo_programme.store, demo_programme.store.actor, "admin")
    app = RmtuiApp(demo_programme, start="triage")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert app.may_edit
        assert {"held", "reschedule", "snooze"} <= shown_actions(app.screen)


async def test_the_header_says_you_are_a_viewer(vera: Programme, demo_programme: Programme) -> None:
    app = RmtuiApp(vera, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        # The header has room for 28 characters beside "Roster — <programme>" at 80 columns.
        assert app.sub_title == "vera (viewer) · live"
    admin = RmtuiApp(demo_programme, start="roster")
    async with admin.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert admin.sub_title.endswith(f"{demo_programme.store.actor} · live") and "viewer" not in admin.sub_title
