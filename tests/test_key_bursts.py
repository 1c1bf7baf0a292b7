"""Keys that arrive in one burst (a fast typist, a paste, keys sent while a screen loads)."""

from __future__ import annotations

import pytest
from conftest import settled
from session_data import build_sessions_programme
from textual import events
from textual.widgets import Input, TextArea

from rmtui.app import RmtuiApp
from rmtui.db import Participant, Session
from rmtui.programme import Programme
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.navigation import OpenPair
from rmtui.screens.pairing import PairingScreen
from rmtui.screens.roster import RosterScreen
from rmtui.screens.timeline import TimelineScreen


@pytest.fixture
def sessions_programme(programme: Programme) -> Programme:
    build_sessions_programme(programme.store)
    return programme


def _burst(app: RmtuiApp, text: str) -> None:
    """Queue every key at once, as the terminal driver does when they arrive together."""
    for character in text:
        key = {"/": "slash", " ": "space"}.get(character, character)
        app.post_message(events.Key(key, character))


async def test_slash_and_a_name_typed_in_one_burst_search_for_the_name(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _burst(app, "/zoe")
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)  # not the intake form "e" (Edit) opens
        search = screen.query_one("#search", Input)
        assert search.has_focus
        assert search.value == "zoe"


async def test_a_burst_typed_while_the_roster_loads_still_searches(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        _burst(app, "/zoe")  # before anything has settled
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        assert screen.query_one("#search", Input).value == "zoe"
        assert screen.result is not None and screen.result.query == "zoe"


async def test_slash_inside_the_search_is_typed_into_it(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _burst(app, "/r/d")
        screen = await settled(pilot)
        assert screen.query_one("#search", Input).value == "r/d"


async def test_pairing_find_typed_in_one_burst_finds_the_person(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        _burst(app, "/jose nunez")
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        find = screen.query_one("#find", Input)
        assert find.has_focus and find.value == "jose nunez"
        assert [person.name for person in screen.found][:1] == ["José Núñez"]



async def test_an_edit_goes_on_when_its_screen_is_left_before_its_thread_starts(sessions_programme: Programme) -> None:
    app = RmtuiApp(sessions_programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.post_message(OpenPair(2))
        screen = await settled(pilot)
        assert isinstance(screen, TimelineScreen) and len(app.screen_stack) == 2
        session = screen.current()
        assert session.held_on is None
        # h then Esc read in one batch on a busy machine: the edit's worker is made, and
        # leaving the screen cancels the screen's workers before its thread has started.
        screen.action_held()
        app.workers.cancel_node(screen)
        app.pop_screen()
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        held = sessions_programme.store.all(Session, "id = ?", (session.id,))[0]
        assert held.held_on == "2026-11-20"


async def test_an_area_key_and_a_find_typed_in_one_burst_find_on_that_area(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        roster = await settled(pilot)
        _burst(app, "3/jose nunez")
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        assert screen.query_one("#find", Input).value == "jose nunez"
        assert roster.query_one("#search", Input).value == ""  # not typed into the roster


async def test_number_keys_are_typed_into_a_field_and_answer_nothing_in_a_dialog(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        roster = await settled(pilot)
        _burst(app, "/r2")
        await settled(pilot)
        assert app.screen is roster and roster.query_one("#search", Input).value == "r2"
        await pilot.press("escape", "question_mark")  # the keys panel: a dialog
        await settled(pilot)
        panel = app.screen
        assert panel.is_modal
        _burst(app, "5")
        await settled(pilot)
        assert app.screen is panel and app.current_mode == "roster"


async def test_notes_typed_right_after_n_go_into_the_notes_not_to_the_timeline(sessions_programme: Programme) -> None:
    app = RmtuiApp(sessions_programme, start="timeline")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        session = screen.current()
        _burst(app, "nhad a good talk")  # n: notes; h (held today) would mark the session
        dialog = await settled(pilot)
        assert dialog is not screen
        assert dialog.query_one(TextArea).text == "had a good talk"
        again = sessions_programme.store.all(Session, "id = ?", (session.id,))[0]
        assert (again.held_on, again.notes) == (session.held_on, session.notes)  # nothing saved yet


async def test_a_find_typed_while_the_pairing_screen_reads_the_programme_answers_once_it_is_in(
    demo_programme: Programme,
) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _burst(app, "3/jose nu")  # all before the programme is read
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        assert [person.name for person in screen.found][:1] == ["José Núñez"]
        assert screen.query_one("#people").display


async def test_save_then_escape_in_one_burst_saves_and_closes_the_form(demo_programme: Programme) -> None:
    """ctrl+s then Esc read together on an edit: Esc asked "discard?" while the save ran,
    and the save's "saved, close the form" then closed that question instead of the form."""
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(IntakeScreen(2))
        screen = await settled(pilot)
        assert isinstance(screen, IntakeScreen)
        title = screen.query_one("#f-job_title", Input)
        title.focus()
        await pilot.press("ctrl+a", "ctrl+k")
        _burst(app, "Chief of Staff")
        await settled(pilot)
        for key in ("ctrl+s", "escape"):
            app.post_message(events.Key(key, None))
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen), [type(s).__name__ for s in app.screen_stack]
        assert demo_programme.store.get(Participant, 2).job_title == "Chief of Staff"



async def test_a_paste_right_after_slash_goes_into_the_search(demo_programme: Programme) -> None:
    """A paste takes its turn like a key: read together with "/", it went to the roster's
    table (focused until "/" had moved the focus) and was lost."""
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _burst(app, "/")
        app.post_message(events.Paste("zoe"))
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        assert screen.query_one("#search", Input).value == "zoe"
        assert screen.result is not None and screen.result.query == "zoe"


async def test_a_key_slow_to_come_back_still_holds_the_next_ones(demo_programme: Programme, monkeypatch) -> None:
    """On a busy machine a key can take long on its way back to the App: the keys after it
    still wait for it ("/" slow, then "zoe": before, after 0.5 s "z" went to the table)."""
    import time

    def slow(screen: RosterScreen, event: events.Key) -> None:
        if event.key == "slash":
            time.sleep(0.7)  # the UI thread busy, as at load 10

    monkeypatch.setattr(RosterScreen, "on_key", slow, raising=False)
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        _burst(app, "/zoe")
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        assert screen.query_one("#search", Input).value == "zoe"
