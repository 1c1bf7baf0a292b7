"""The setup and settings screen, and the waves screen, driven through the real app (Pilot)."""

from __future__ import annotations

from pathlib import Path

from conftest import settled
from textual.widgets import Input, Static

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import Participant, Wave
from rmtui.pairing import pair_now
from rmtui.programme import Programme
from rmtui.programme_settings import first_screen, programme_settings, save_settings, setting_versions
from rmtui.screens.programme import ProgrammeSettingsScreen
from rmtui.screens.wave_dialogs import WaveFormScreen
from rmtui.screens.waves import WavesScreen
from rmtui.waves import add_wave


async def type_text(pilot, text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


def text_of(app: RmtuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_an_empty_programme_opens_on_its_setup_and_saves_it(programme: Programme) -> None:
    start = first_screen(programme.store, None)
    assert start == "settings"
    app = RmtuiApp(programme, start=start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, ProgrammeSettingsScreen)
        assert app.screen.sub_title == "Set up the programme"
        assert "A new programme" in text_of(app, "#intro")
        await pilot.press("ctrl+s")  # no name yet: refused, said why
        await settled(pilot)
        assert "Give the programme a name first" in text_of(app, "#message")
        await type_text(pilot, "Reverse Mentoring 2027")
        await pilot.press("enter")
        zone = app.screen.query_one("#set-timezone", Input)
        assert zone.has_focus
        zone.value = ""
        await type_text(pilot, "london")
        await pilot.press("enter")  # the best match
        assert zone.value == "Europe/London"
        sessions = app.screen.query_one("#set-wave_sessions", Input)
        sessions.value = "6"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert "Saved for every coordinator" in text_of(app, "#message")
        assert app.screen.sub_title == "Programme settings"
        assert app.title == "Reverse Mentoring 2027"
        await pilot.press("2")  # the notice's next step: 2 opens intake, it types nothing into a field
        await settled(pilot)
        assert app.current_mode == "intake"
    saved = programme_settings(programme.store)
    assert (saved["programme_name"], saved["timezone"], saved["wave_sessions"]) == ("Reverse Mentoring 2027", "Europe/London", 6)
    assert first_screen(programme.store, None) is None  # set up: rmtui opens as usual


async def test_a_programme_with_people_opens_as_usual(programme: Programme) -> None:
    with programme.store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor"))
    assert first_screen(programme.store, None) is None
    assert first_screen(programme.store, "roster") == "roster"


async def test_a_concurrent_settings_edit_is_a_conflict_and_keeps_what_was_typed(programme: Programme, db_path: Path) -> None:
    save_settings(programme.store, {"programme_name": "Ours"}, setting_versions(programme.store))
    app = RmtuiApp(programme, start="settings")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        other = Programme.open(db_path, FixedClock.on("2026-11-20"), actor="coordinator")
        save_settings(other.store, {"timezone": "Europe/Paris"}, setting_versions(other.store))
        other.close()
        zone = app.screen.query_one("#set-timezone", Input)
        zone.value = "Europe/London"
        await pilot.press("ctrl+s")
        await settled(pilot)
        message = text_of(app, "#message")
        assert "Not saved" in message and "timezone setting" in message
        assert zone.value == "Europe/London"  # nothing typed is lost
        assert programme_settings(programme.store)["timezone"] == "Europe/Paris"
        await pilot.press("ctrl+s")  # saves mine over theirs, knowingly
        await settled(pilot)
    assert programme_settings(programme.store)["timezone"] == "Europe/London"


async def test_a_coordinator_adds_edits_and_closes_a_wave(programme: Programme) -> None:
    app = RmtuiApp(programme, start="waves")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, WavesScreen)
        assert "No waves yet: press a" in text_of(app, "#detail")
        await pilot.press("a")
        await settled(pilot)
        assert isinstance(app.screen, WaveFormScreen)
        await type_text(pilot, "Spring 2027")
        await pilot.press("enter")
        starts = app.screen.query_one("#wave-starts", Input)
        starts.value = "someday"
        await pilot.press("ctrl+s")
        assert "'someday' is not a day" in text_of(app, "#error")  # the form stays, with what was typed
        starts.value = "2026-12-01"
        app.screen.query_one("#wave-every", Input).value = "14"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert isinstance(app.screen, WavesScreen)
        (wave,) = programme.store.all(Wave)
        assert (wave.name, wave.starts_on, wave.cadence_days, wave.sessions_planned) == ("Spring 2027", "2026-12-01", 14, 7)
        assert [row.wave.name for row in app.screen.rows] == ["Spring 2027"]

        await pilot.press("e")
        await settled(pilot)
        form = app.screen
        assert isinstance(form, WaveFormScreen)
        form.query_one("#wave-starts", Input).value = "2026-12-08"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert programme.store.all(Wave)[0].starts_on == "2026-12-08"

        await pilot.press("x")
        await settled(pilot)
        await pilot.press("y")  # a yes/no question: y answers
        await settled(pilot)
        assert programme.store.all(Wave)[0].closed_on == "2026-11-20"
        assert app.screen.rows[0].state == "closed"


async def test_a_duplicate_wave_name_reopens_the_form_with_what_was_typed(programme: Programme) -> None:
    add_wave(programme, "Spring 2027", "2026-12-01")
    app = RmtuiApp(programme, start="waves")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("a")
        await settled(pilot)
        await type_text(pilot, "spring 2027")
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert isinstance(app.screen, WaveFormScreen)
        assert app.screen.query_one("#wave-name", Input).value == "spring 2027"
        assert "already a wave named" in text_of(app, "#error")
    assert programme.store.scalar("SELECT count(*) FROM waves") == 1


async def test_a_started_wave_only_lets_its_name_change(programme: Programme) -> None:
    add_wave(programme, "Pilot", "2026-11-01")
    app = RmtuiApp(programme, start="waves")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("e")
        await settled(pilot)
        assert app.screen.query_one("#wave-starts", Input).disabled
        assert not app.screen.query_one("#wave-name", Input).disabled


def test_setup_snapshot(snap_compare, programme: Programme) -> None:
    app = RmtuiApp(programme, start=first_screen(programme.store, None))

    async def settle(pilot) -> None:
        await settled(pilot)
        await type_text(pilot, "Reverse Mentoring 2027")
        await pilot.press("enter")
        app.screen.query_one("#set-timezone", Input).value = ""
        await type_text(pilot, "lon")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_waves_snapshot(snap_compare, programme: Programme) -> None:
    with programme.store.write() as writer:
        ana = writer.insert(Participant(name="Ana", role="mentor", level=2, line_of_business="IT", status="active"))
        ben = writer.insert(Participant(name="Ben", role="mentee", level=7, line_of_business="Claims", status="active"))
    pilot_wave = add_wave(programme, "Pilot", "2026-09-01")
    add_wave(programme, "Spring 2027", "2027-03-01", sessions_planned=6, cadence_days=28)
    pair_now(programme, ana.id, ben.id, pilot_wave.id)
    app = RmtuiApp(programme, start="waves")

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


async def test_escape_leaves_the_field_so_number_keys_switch_and_undoing_edits_asks_first(programme: Programme) -> None:
    from rmtui.widgets.ask import Confirm

    save_settings(programme.store, {"programme_name": "Ours"}, setting_versions(programme.store))
    app = RmtuiApp(programme, start="settings")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await type_text(pilot, " and theirs")  # typed into the focused name
        await pilot.press("escape")  # leaves the field, keeps the text
        assert app.focused is None
        assert app.screen.query_one("#set-programme_name", Input).value == "Ours and theirs"
        await pilot.press("escape")  # undoing the edits asks first
        await settled(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("escape")  # no
        await settled(pilot)
        assert app.screen.query_one("#set-programme_name", Input).value == "Ours and theirs"
        await pilot.press("3")  # no field has focus: a number key switches screens
        await settled(pilot)
        assert app.current_mode == "pairing"


async def test_ctrl_s_right_after_typing_saves_what_was_typed(programme: Programme) -> None:
    """Keys typed faster than the form handles them (a quick typist on a busy server): ctrl+s
    waits its turn behind the letters before it, so the wave gets the whole name."""
    from textual import events

    app = RmtuiApp(programme, start="waves")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("a")
        await settled(pilot)
        assert isinstance(app.screen, WaveFormScreen)
        for key in ("S", "p", "r", "i", "n", "g"):
            app.post_message(events.Key(key, key))
        app.post_message(events.Key("ctrl+s", None))
        await settled(pilot)
        assert isinstance(app.screen, WavesScreen)
    assert [wave.name for wave in programme.store.all(Wave)] == ["Spring"]
