"""Coordinators and roles in the app: admins manage, viewers only look, unsafe files warn."""

from __future__ import annotations

import grp
import os
import shutil
from pathlib import Path

import pytest

from rmtui.db import Participant, Store
from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.coordinators import add_coordinator, list_coordinators, set_role
from rmtui.programme import Programme
from rmtui.screens.coordinators import CoordinatorsScreen
from rmtui.screens.health import HealthWarningScreen

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


async def settled(app: RmtuiApp, pilot) -> None:
    for _ in range(5):
        await pilot.pause()
        await app.workers.wait_for_complete()


def roles(path: Path) -> dict[str, str]:
    with Store(path, actor="ada") as store:
        return {c.os_user: c.role for c in list_coordinators(store)}


async def test_an_admin_changes_a_role_with_one_key(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert [p.os_user for p in app.screen.people] == ["ada", "ben", "vera"]
        await pilot.press("down", "r")
        await settled(app, pilot)
    programme.close()
    assert roles(team_db)["ben"] == "viewer"


async def test_an_admin_adds_and_removes_someone(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("a", *"cleo", "enter")  # no such login on this server
        await settled(app, pilot)
        assert "cleo" not in roles(team_db)
        assert any("There is no login cleo on this server" in str(n.message) for n in app._notifications)
        await pilot.press("a", *"nobody", "enter")  # a login every Unix server has
        await settled(app, pilot)
        assert roles(team_db)["nobody"] == "coordinator"
        users = [p.os_user for p in app.screen.people]
        await pilot.press(*["down"] * users.index("vera"), "x")
        await settled(app, pilot)
        assert "vera" in roles(team_db), "the first x only asks"
        await pilot.press("x")
        await settled(app, pilot)
    programme.close()
    assert "vera" not in roles(team_db)


async def test_a_viewer_sees_the_list_but_no_editing_keys(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "vera", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert app.may_edit is False
        screen = app.screen
        assert isinstance(screen, CoordinatorsScreen)
        shown = {binding.action for binding in (b.binding for b in screen.active_bindings.values())}
        assert not shown & {"add", "cycle_role", "remove"}
        assert "viewer" in str(screen.query_one("#me").render())
        await pilot.press("down", "r", "x", "x")
        await settled(app, pilot)
    programme.close()
    assert roles(team_db) == {"ada": "admin", "ben": "coordinator", "vera": "viewer"}


async def test_two_admins_changing_one_person_see_a_conflict_not_an_overwrite(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        with Store(team_db, actor="ada") as other:
            set_role(other, "ben", "admin")
        # What r sends from a screen that has not refreshed yet (live refresh may beat a key
        # press here): ben's next role, from the version the screen read.
        app.screen.save_role("ben", "viewer", 1)
        await settled(app, pilot)
        assert roles(team_db)["ben"] == "admin"
        messages = [n.message for n in app._notifications]
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
        await settled(app, pilot)
        assert isinstance(app.screen, HealthWarningScreen)
        assert any(f.fix.startswith(f"chmod o-rwx {path}") for f in app.screen.findings)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, HealthWarningScreen)
    programme.close()


def test_coordinators_snapshot(snap_compare, team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ada", clock)
    app = RmtuiApp(programme, start="coordinators")

    async def settle(pilot) -> None:
        await settled(app, pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_health_warning_snapshot(snap_compare, clock: FixedClock) -> None:
    # The warning names paths, so this one lives at a fixed place rather than in tmp_path.
    folder = Path("/tmp/rmtui-snapshot-health/shared")
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "programme.db"
    with Store(path, actor="ada") as store, store.write() as writer:
        writer.set_setting("shared", {"group": "users"})
    os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
    if os.getuid() == 0:  # the warning names the folder's group: make it the same everywhere
        os.chown(folder, -1, grp.getgrnam("users").gr_gid)
    programme = open_as(path, "ada", clock)
    app = RmtuiApp(programme)

    async def settle(pilot) -> None:
        await settled(app, pilot)

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


async def test_enter_on_a_coordinator_shows_what_they_changed(team_db: Path, clock: FixedClock) -> None:
    programme = open_as(team_db, "ben", clock)
    app = RmtuiApp(programme, start="coordinators")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("enter")  # ada, the admin, listed first
        await settled(app, pilot)
        assert app.current_mode == "audit"
        view = app.screen.view
        assert view.flt.actor == "ada" and view.total == 4 and {e.actor for e in view.entries} == {"ada"}
    programme.close()
