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
        for _ in range(20):  # the person is read in a worker; the form opens when it is filled
            if form.loaded:
                break
            await settled(pilot, rounds=1)
        assert form.loaded
        name = form.query_one("#f-name", Input)
        assert app.focused is name
        scroll = form.query_one("#form", VerticalScroll)
        assert scroll.scroll_y == 0, "the form opened scrolled down, away from Name"
        await pilot.press("x")
        await settled(pilot)
        assert name.value == "Ann Leex" and scroll.scroll_y == 0
        assert name.region.y >= scroll.region.y and name.region.bottom <= scroll.region.bottom


# What a new coordinator types in the palette for each task of README's "Run your first
# programme", and the command it must find first (with its key), from the roster.
README_TASKS = {
    "import": "Import CSV  ctrl+o (Intake)",
    "new wave": "New wave  a · add a wave (Waves)",
    "add wave": "New wave  a · add a wave (Waves)",
    "match wave": "Match wave  m · propose all pairs; then C confirms all, V compares runs (Pairing)",
    "confirm all": "Match wave  m · propose all pairs; then C confirms all, V compares runs (Pairing)",
    "compare runs": "Match wave  m · propose all pairs; then C confirms all, V compares runs (Pairing)",
    "add coach": "Add coach  a (Coaches)",
    "coach a wave": "Coach a wave  k (Coaches)",
    "record session": "Held today  h · record a session (Timeline)",
    "survey": "Survey answer  v · feedback (Timeline)",
    "feedback": "Survey answer  v · feedback (Timeline)",
    "complete pair": "Complete pair…  E · finish or end a pair (Timeline)",
    "end pair": "Complete pair…  E · finish or end a pair (Timeline)",
    "calendar": "Export .ics  i · calendar file (Timeline)",
    "settings": "Programme settings",
}


async def test_every_task_of_the_readme_is_found_in_the_palette_by_its_words(programme: Programme) -> None:
    from textual.fuzzy import Matcher

    _set_up(programme)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        titles = [command.title for command in app.get_system_commands(screen)]
        for typed, wanted in README_TASKS.items():
            matcher = Matcher(typed)
            best = max(titles, key=lambda title: (matcher.match(title), -titles.index(title)))
            assert matcher.match(best) > 0 and best == wanted, (typed, best)


async def test_add_coach_from_the_palette_opens_the_coaches_screen_and_its_dialog(programme: Programme) -> None:
    from rmtui.screens.coaches import CoachesScreen
    from rmtui.widgets.ask import AskLine

    _set_up(programme)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        commands = {command.title: command for command in app.get_system_commands(screen)}
        await commands["Add coach  a (Coaches)"].callback()
        await settled(pilot)
        assert isinstance(app.screen, AskLine) and isinstance(app.screen_stack[-2], CoachesScreen)


async def test_the_keys_panel_names_the_screens_only_in_the_palette(programme: Programme) -> None:
    _set_up(programme)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)
        from rmtui.widgets.keys_panel import KeysPanel

        panel = app.screen
        assert isinstance(panel, KeysPanel)
        meanings = [str(cell) for cell in panel.table.columns[1].cells]
        assert "Waves, Coaches, Programme settings: by name there" in meanings


async def test_a_timeline_command_from_the_roster_acts_on_the_loaded_pair(programme: Programme) -> None:
    """"record a session" from the roster: the timeline opens, loads its pair, then h marks
    session 1 held (it said "no sessions yet" when h ran before the load)."""
    from lifecycle_data import build

    from rmtui.db import Session
    from rmtui.screens.timeline import TimelineScreen

    build(programme, pairs=1)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        commands = {command.title: command for command in app.get_system_commands(screen)}
        await commands["Held today  h · record a session (Timeline)"].callback()
        await settled(pilot)
        assert isinstance(app.screen, TimelineScreen)
    held = [s for s in programme.store.all(Session) if s.status == "held"]
    assert [(s.seq, s.held_on) for s in held] == [(1, "2026-11-20")]


def test_a_finished_pairs_held_session_owes_no_notes(programme: Programme) -> None:
    """A completed pair's held session without notes says "none", not "due soon" (nothing is
    due once the pair has ended)."""
    import datetime as dt

    from lifecycle_data import build

    from rmtui import lifecycle
    from rmtui.db import Pair, Session
    from rmtui.screens.timeline import SessionRows
    from rmtui.timeline import load_timeline

    pair_id = build(programme, pairs=1)[0]
    first = min((s for s in programme.store.all(Session) if s.pair_id == pair_id), key=lambda s: s.seq)
    with programme.store.write() as writer:
        writer.update("sessions", first.id, first.version, {"status": "held", "held_on": "2026-11-19"})
    today = dt.date(2026, 11, 20)
    view = load_timeline(programme.store, pair_id, today)
    assert view is not None
    assert str(SessionRows(view, today, "UTC").cells(0)["notes"]) == "due soon"
    pair = programme.store.get(Pair, pair_id)
    assert pair is not None
    lifecycle.complete_pair(programme.store, pair_id, pair.version, today, today)
    view = load_timeline(programme.store, pair_id, today)
    assert view is not None
    cells = SessionRows(view, today, "UTC").cells(0)
    assert (str(cells["notes"]), str(cells["follow_up"])) == ("none", "not sent")


async def test_coach_a_wave_takes_the_start_of_its_name(programme: Programme) -> None:
    from lifecycle_data import build

    from rmtui.coaches import add_coach
    from rmtui.db import Pair
    from rmtui.widgets.ask import AskLine

    build(programme, pairs=2, wave_name="Spring 2027")
    add_coach(programme.store, "Ana Silva", None)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.action_show_coaches()
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert isinstance(app.screen, AskLine)
        app.screen.query_one(Input).value = "spring"
        await pilot.press("enter")
        await settled(pilot)
    assert all(pair.coach_id is not None for pair in programme.store.all(Pair))
