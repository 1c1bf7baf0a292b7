"""ctrl+z / ctrl+y in the real app (Pilot): the change goes away on screen and comes back."""

from __future__ import annotations

import time

from conftest import settled
from textual.widgets import DataTable

from rmtui.app import RmtuiApp
from rmtui.db import Participant
from rmtui.intake import create_participant, update_participant
from rmtui.pairing import accept_wave
from rmtui.programme import Programme
from rmtui.screens.audit import AuditDetailScreen
from rmtui.screens.roster import RosterScreen
from rmtui.screens.undo_dialogs import UndoConflictScreen
from rmtui.waves import add_wave
from rmtui.widgets.ask import Confirm


async def _wait_for(pilot, condition, limit: float = 30.0) -> None:
    """Pump the app until ``condition()`` holds; fail after ``limit`` seconds (not a timing)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the screen never showed it"
        await pilot.pause(0.01)


def _names(screen: RosterScreen) -> list[str]:
    assert screen.result is not None
    return sorted(screen.result.row(i).name for i in range(screen.result.total))


async def test_ctrl_z_undoes_your_last_edit_on_screen_and_ctrl_y_redoes_it(programme: Programme, notes) -> None:
    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor"})
    create_participant(store, {"name": "Bo Chen", "role": "mentee"})
    update_participant(store, ann.id, ann.version, {"name": "Ann Byrne"})
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen) and _names(screen) == ["Ann Byrne", "Bo Chen"]
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: _names(screen) == ["Ann Lee", "Bo Chen"])
        assert "Undone: edited Ann Byrne (name) · ctrl+y redoes it" in notes.messages
        await pilot.press("ctrl+y")
        await _wait_for(pilot, lambda: _names(screen) == ["Ann Byrne", "Bo Chen"])
        assert "Redone: edited Ann Byrne (name) · ctrl+z takes it back again" in notes.messages


async def test_a_big_change_is_confirmed_before_it_is_undone(programme: Programme, notes) -> None:
    store = programme.store
    pairs = []
    with store.write() as w:
        for n in range(10):
            mentor = w.insert(Participant(name=f"Mentor {n}", role="mentor", level=2, line_of_business=f"A{n}"))
            mentee = w.insert(Participant(name=f"Mentee {n}", role="mentee", level=7, line_of_business=f"B{n}"))
            pairs.append((mentor.id, mentee.id))
    wave = add_wave(programme, "Spring 2027", "2026-12-01")
    accept_wave(programme, wave.id, pairs)
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert app.screen.question == "Undo: accepted 10 pairs in wave Spring 2027?"
        assert store.scalar("SELECT count(*) FROM pairs") == 10  # nothing yet
        await pilot.press("escape")  # no
        await settled(pilot)
        assert store.scalar("SELECT count(*) FROM pairs") == 10
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await _wait_for(pilot, lambda: "Undone: accepted 10 pairs in wave Spring 2027 · ctrl+y redoes it" in notes.messages)
        assert store.scalar("SELECT count(*) FROM pairs") == 0
        assert store.scalar("SELECT count(*) FROM sessions") == 0


async def test_undo_over_another_coordinators_edit_opens_the_field_view(programme: Programme, notes, db_path) -> None:
    from rmtui.db import Store

    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor"})
    update_participant(store, ann.id, ann.version, {"department": "Legal", "team": "Risk"})
    with Store(db_path, actor="rosa") as rosa:
        version = rosa.scalar("SELECT version FROM participants")
        with rosa.write() as w:
            w.update("participants", ann.id, version, {"department": "Claims"})
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, UndoConflictScreen))
        dialog = app.screen
        assert str(dialog.error).startswith("Cannot undo “edited Ann Lee (department, team)”: rosa changed Ann Lee")
        assert [(f.field, f.restore, f.now, f.changed) for f in dialog.error.fields] == [
            ("department", "", "Claims", True), ("team", "", "Risk", False)
        ]
        table = dialog.query_one(DataTable)
        assert [str(c) for c in table.get_row_at(0)] == ["department *", "—", "Claims", "now"]
        assert [str(c) for c in table.get_row_at(1)] == ["team", "—", "Risk", "undo"]
        await pilot.press("less_than_sign")  # restore the department too
        assert [str(c) for c in table.get_row_at(0)] == ["department *", "—", "Claims", "undo"]
        await pilot.press("down", "greater_than_sign")  # ...but keep the team as it is now
        assert [str(c) for c in table.get_row_at(1)] == ["team", "—", "Risk", "now"]
        await pilot.press("ctrl+s")
        await _wait_for(pilot, lambda: store.scalar("SELECT department FROM participants") == "")
        assert store.scalar("SELECT team FROM participants") == "Risk"
        await _wait_for(pilot, lambda: "Restored department of Ann Lee; their other changes stay." in notes.messages)


async def test_a_coordinator_is_told_why_they_cannot_revert_someone_elses_change(db_path, clock, notes) -> None:
    from rmtui.db import Store
    from rmtui.db.coordinators import add_coordinator

    with Store(db_path, actor="boss") as boss:
        with boss.write() as w:
            w.execute("INSERT INTO coordinators (os_user, role, added_at) VALUES ('boss', 'admin', '2026-11-20')")
            add_coordinator(w, "kim", "coordinator")
        create_participant(boss, {"name": "Ann Lee", "role": "mentor"})
    kim = Programme.open(db_path, clock, actor="kim")
    app = RmtuiApp(kim, start="audit")
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("enter")  # the newest change: boss added Ann Lee
        await _wait_for(pilot, lambda: isinstance(app.screen, AuditDetailScreen))
        assert app.screen.refusal == (
            "Only an admin can revert boss's change; you are a coordinator. ctrl+z elsewhere undoes your own last change."
        )
        await pilot.press("ctrl+z")
        await settled(pilot)
        assert app.screen.refusal in notes.messages
        assert kim.store.scalar("SELECT count(*) FROM participants") == 1
    kim.close()


async def test_an_admin_reverts_a_change_from_the_audit(db_path, clock, notes) -> None:
    from rmtui.db import Store
    from rmtui.db.coordinators import add_coordinator

    with Store(db_path, actor="boss") as boss:
        with boss.write() as w:
            w.execute("INSERT INTO coordinators (os_user, role, added_at) VALUES ('boss', 'admin', '2026-11-20')")
            add_coordinator(w, "kim", "coordinator")
    with Store(db_path, actor="kim") as kim:
        create_participant(kim, {"name": "Ann Lee", "role": "mentor"})
    admin = Programme.open(db_path, clock, actor="boss")
    app = RmtuiApp(admin, start="audit")
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("enter")
        await _wait_for(pilot, lambda: isinstance(app.screen, AuditDetailScreen))
        assert app.screen.refusal is None
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert app.screen.question == "Revert: added Ann Lee (made by kim)?"
        await pilot.press("y")
        await _wait_for(pilot, lambda: "Reverted kim's change: added Ann Lee · ctrl+y puts it back" in notes.messages)
        assert admin.store.scalar("SELECT count(*) FROM participants") == 0
    admin.close()


async def test_ctrl_z_in_a_text_field_asks_before_it_undoes_a_saved_change(programme: Programme, notes) -> None:
    store = programme.store
    ann = create_participant(store, {"name": "Ann Lee", "role": "mentor"})
    update_participant(store, ann.id, ann.version, {"name": "Ann Byrne"})
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await settled(pilot)
        await pilot.press("slash", "a", "n")  # typing in the search field (Input keeps no typing history)
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        assert app.screen.question == "Undo: edited Ann Byrne (name)?"
        await pilot.press("escape")
        await settled(pilot)
        assert store.scalar("SELECT name FROM participants") == "Ann Byrne"
        assert screen.query_one("#search").value == "an"  # the typing is untouched


async def test_undoing_a_whole_wave_accept_turns_the_match_screens_pairs_back_into_proposals(
        programme: Programme, notes) -> None:
    from match_run_data import small_cohort

    from rmtui.screens.cohort import CohortScreen

    wave, _ = small_cohort(programme)
    app = RmtuiApp(programme, start="pairing")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        app.push_screen(CohortScreen(wave, "Spring"))
        cohort = await settled(pilot)
        assert isinstance(cohort, CohortScreen) and cohort.result is not None
        await pilot.press("C")  # confirm all
        await _wait_for(pilot, lambda: list(cohort.states.values()) == ["accepted"] * 3)
        await pilot.press("ctrl+z")
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await _wait_for(pilot, lambda: app.screen is cohort and not cohort.states)
        assert programme.store.scalar("SELECT count(*) FROM pairs") == 0
        assert "0 of these 3 proposals are pairs in Spring now" in str(cohort.query_one("#summary").render())
        await pilot.press("ctrl+y")  # redo: they are pairs again, and the screen says so
        await _wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await _wait_for(pilot, lambda: app.screen is cohort and list(cohort.states.values()) == ["accepted"] * 3)
