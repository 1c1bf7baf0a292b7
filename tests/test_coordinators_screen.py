"""Coordinators and roles in the app: admins manage, viewers only look, unsafe files warn."""

from __future__ import annotations

import grp
import os
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Notes, settled
from textual.app import App

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.coordinators import add_coordinator, list_coordinators, set_role
from rmtui.db import Participant, Store
from rmtui.programme import Programme
from rmtui.screens.coordinators import CoordinatorsScreen
from rmtui.screens.health import HealthWarningScreen
from rmtui.shared_setup import startup_problems

ADDED = "2026-11-02T09:00:00Z"


@pytest.fixture
def team_db(tmp_path: Path) -> Path:
    """A programme with an admin (ada), a coordinator (ben) and a viewer (vera)."""
    path = tmp_path / "programme.db"
    with Store(path, actor="ada", now=lambda: ADDED) as store:
        add_coordinator(store, "ada", "admin")
        add_coordinator(store, "ben", "coordinator")
        add_coordinator(store, "vera", "viewer")
        with store.write() as writer:
            writer.insert(Participant(name="Ann Lee", role="mentor"))
    return path


def open_as(path: Path, user: str, clock: FixedClock) -> Programme:
    return Programme.open(path, clock, actor=user)


def roles(path: Path) -> dict[str, str]:
    with Store(path, actor="ada") as store:
        return {c.os_user: c.role for c in list_coordinators(store)}


async def test_an_admin_changes_a_role_with_one_key(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert [p.os_user for p in app.screen.people] == ["ada", "ben", "vera"]
        await pilot.press("down", "e")
        await settled(pilot)
    programme.close()
    assert roles(team_db)["ben"] == "viewer"


async def test_an_admin_adds_and_removes_someone(team_db: Path, clock: FixedClock, notes: Notes) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("a", *"cleo", "enter")  # no such login on this server
        await settled(pilot)
        assert "cleo" not in roles(team_db)
        assert any("There is no login cleo on this server" in message for message in notes.messages)
        await pilot.press("a", *"nobody", "enter")  # a login every Unix server has
        await settled(pilot)
        assert roles(team_db)["nobody"] == "coordinator"
        users = [p.os_user for p in app.screen.people]
        await pilot.press(*["down"] * users.index("vera"), "x")
        await settled(pilot)
        assert "vera" in roles(team_db), "the first x only asks"
        await pilot.press("x")
        await settled(pilot)
    programme.close()
    assert "vera" not in roles(team_db)


async def test_a_viewer_sees_the_list_but_no_editing_keys(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "vera", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert app.may_edit is False
        screen = app.screen
        assert isinstance(screen, CoordinatorsScreen)
        shown = {binding.action for binding in (b.binding for b in screen.active_bindings.values())}
        assert not shown & {"add", "cycle_role", "remove"}
        assert "viewer" in str(screen.query_one("#me").render())
        await pilot.press("down", "e", "x", "x")
        await settled(pilot)
    programme.close()
    assert roles(team_db) == {"ada": "admin", "ben": "coordinator", "vera": "viewer"}


async def test_two_admins_changing_one_person_see_a_conflict_not_an_overwrite(team_db: Path, clock: FixedClock, notes: Notes) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        with Store(team_db, actor="ada") as other:
            set_role(other, "ben", "admin")
        # What r sends from a screen that has not refreshed yet (live refresh may beat a key
        # press here): ben's next role, from the version the screen read.
        app.screen.save_role("ben", "viewer", 1)
        await settled(pilot)
        assert roles(team_db)["ben"] == "admin"
        messages = notes.messages
        assert any("was changed by ada" in m and "Press r again" in m for m in messages)
    programme.close()


async def test_unsafe_files_raise_a_warning_that_covers_the_screen(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "programme.db"
    with Store(path, actor="ada") as store, store.write() as writer:
        writer.insert(Participant(name="Ann Lee", role="mentor"))
    os.chmod(path, 0o644)
    programme = open_as(path, "ada", clock)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert isinstance(app.screen, HealthWarningScreen)
        assert any(f.fix.startswith(f"chmod o-rwx {path}") for f in app.screen.findings)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, HealthWarningScreen)
    programme.close()


def test_coordinators_snapshot(snap_compare, team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


def test_health_warning_snapshot(snap_compare, tmp_path: Path) -> None:
    """The warning as a coordinator sees it, for a world-readable programme in a loose folder.

    The findings are the real check's, on a file in tmp_path; the parts that differ from one
    machine to the next (the temporary path, the folder's group) are written as they would
    read on a server, so the picture is the same for every run and every user.
    """
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "programme.db"
    with Store(path, actor="ada") as store, store.write() as writer:
        writer.set_setting("shared", {"group": "users"})
    os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
    with Store(path, actor="ada") as store:
        found = startup_problems(store)
    assert found, "a world-readable programme in a loose folder must be reported"
    group = grp.getgrgid(folder.stat().st_gid).gr_name

    def as_on_a_server(text: str) -> str:
        return text.replace(str(folder), "/srv/rmtui/shared").replace(f"group {group} ", "group users ")

    findings = [
        replace(f, subject=as_on_a_server(f.subject), detail=as_on_a_server(f.detail), fix=as_on_a_server(f.fix))
        for f in found
    ]

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(HealthWarningScreen(findings))

    assert snap_compare(Host(), terminal_size=(80, 24), run_before=settled)


async def test_enter_on_a_coordinator_shows_what_they_changed(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ben", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("enter")  # ada, the admin, listed first
        await settled(pilot)
        assert app.current_mode == "audit"
        view = app.screen.view
        assert view.flt.actor == "ada" and view.total == 4 and {e.actor for e in view.entries} == {"ada"}
    programme.close()


async def test_escape_in_the_new_user_field_asks_before_dropping_the_name(team_db: Path, clock: FixedClock) -> None:
    from textual.widgets import Input, Static

    from rmtui.widgets.ask import Confirm

    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        await pilot.press("a", "z", "o", "e")
        await pilot.press("escape")
        await settled(pilot)
        assert isinstance(app.screen, Confirm)
        assert str(app.screen.query_one("#question", Static).render()) == (
            "Discard your changes to the new coordinator's user name? (y/n)"
        )
        await pilot.press("n")  # keep it
        await settled(pilot)
        assert app.screen is screen and screen.query_one("#new-user", Input).value == "zoe"
        await pilot.press("escape")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
        assert app.screen is screen and screen.query_one("#new-user", Input).value == ""
        await pilot.press("a", "escape")  # nothing typed: no question
        await settled(pilot)
        assert app.screen is screen
    programme.close()
    assert "zoe" not in roles(team_db)
