"""Intake: validation rules, duplicates, and the talent-profile form driven from the keyboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import ConflictError, Participant
from rmtui.duplicates import likely_duplicates
from rmtui.intake import (
    ManagerIndex,
    check_for_save,
    check_profile,
    field_conflicts,
    levels_setting,
    merge_profile,
    split_tags,
    update_participant,
    withdraw_participant,
)
from rmtui.programme import Programme
from rmtui.screens.intake import IntakeScreen
from rmtui.screens.intake_dialogs import ConflictScreen, DuplicateScreen, WithdrawScreen
from rmtui.screens.profile import ProfileScreen


def _add(programme: Programme, **fields) -> Participant:
    with programme.store.write() as writer:
        return writer.insert(Participant(**fields))


@pytest.fixture
def staffed(programme: Programme) -> Programme:
    """A small programme: a senior mentee with a team, and a junior mentor."""
    _add(programme, name="Maria Schmidt", role="mentee", email="maria.schmidt@example.org", level=11,
         department="Claims", line_of_business="Operations", job_title="Head of Claims", status="active")
    _add(programme, name="Ann Lee", role="mentor", email="ann.lee@example.org", level=3,
         department="Finance", team="Treasury", job_title="Analyst", hobbies=["chess"], status="active")
    return programme


# -- rules -----------------------------------------------------------------------------


def test_name_and_role_are_required() -> None:
    assert check_profile({}).errors == {"name": "Name is required.", "role": "Role is required: mentor or mentee."}


def test_level_must_be_a_whole_number_in_the_programmes_range() -> None:
    assert check_profile({"name": "A", "role": "mentor", "level": "3.5"}).errors == {
        "level": "Level must be a whole number, not “3.5”."
    }
    assert check_profile({"name": "A", "role": "mentor", "level": "13"}).errors == {
        "level": "Level must be between 1 and 12, not 13."
    }
    assert check_profile({"name": "A", "role": "mentor", "level": "20"}, levels=(10, 30)).ok
    assert check_profile({"name": "A", "role": "mentor", "level": " 7 "}).values["level"] == 7


def test_levels_come_from_the_shared_setting(programme: Programme) -> None:
    assert levels_setting({}) == (1, 12)
    assert levels_setting({"levels": {"min": 0, "max": 20}}) == (0, 20)
    assert levels_setting({"levels": [5, 9]}) == (5, 9)
    with programme.store.write() as writer:
        writer.set_setting("levels", [1, 8])
    assert check_for_save(programme.store, {"name": "A", "role": "mentor", "level": "9"}).errors == {
        "level": "Level must be between 1 and 8, not 9."
    }


def test_dates_must_be_real() -> None:
    assert check_profile({"name": "A", "role": "mentee", "joined_on": "2023-02-29"}).errors == {
        "joined_on": "2023-02-29 is not a real date."
    }
    assert check_profile({"name": "A", "role": "mentee", "joined_on": "2024-02-29"}).ok


def test_email_must_be_well_formed_and_unique_ignoring_case(staffed: Programme) -> None:
    assert check_profile({"name": "A", "role": "mentee", "email": "ann@"}).errors == {
        "email": "“ann@” is not an email address like ann.lee@example.org."
    }
    errors = check_for_save(staffed.store, {"name": "A", "role": "mentee", "email": "ANN.LEE@example.org"}).errors
    assert errors == {"email": "ANN.LEE@example.org is already Ann Lee's email (#2)."}
    assert check_for_save(staffed.store, {"name": "Ann Lee", "role": "mentor", "email": "ann.lee@example.org"}, 2).ok


def test_time_zone_consent_and_capacity() -> None:
    result = check_profile({"name": "A", "role": "mentor", "timezone": "Europe/Londn", "consent_share": "maybe", "capacity": "11"})
    assert result.errors == {
        "timezone": "“Europe/Londn” is not a time zone; write it like Europe/London.",
        "consent_share": "Consent must be yes or no, not “maybe”.",
        "capacity": "Capacity must be between 0 and 10, not 11.",
    }


def test_lists_are_tags_cleaned_and_deduplicated() -> None:
    assert split_tags("chess; cycling;\nchess ; ") == ["chess", "cycling"]
    assert split_tags(["a;b", " c "]) == ["a", "b", "c"]


def test_control_characters_are_stripped_and_markup_kept_as_typed() -> None:
    values = check_profile({"name": "\x1b[31m[b]Ann[/b]\x1b[0m\x07", "role": "mentee", "team": "Red\u202eteam"}).values
    assert values["name"] == "[b]Ann[/b]"
    assert values["team"] == "Redteam"


def test_attributes_are_key_value_pairs() -> None:
    assert check_profile({"name": "A", "role": "mentee", "attributes": "Generation: Gen Z; gender: female"}).values[
        "attributes"
    ] == {"generation": "Gen Z", "gender": "female"}
    assert "attributes" in check_profile({"name": "A", "role": "mentee", "attributes": "just words"}).errors


# -- duplicates ------------------------------------------------------------------------


def test_same_email_is_a_duplicate(staffed: Programme) -> None:
    found = likely_duplicates(staffed.store, "Somebody Else", "Ann.Lee@Example.org")
    assert [(d.name, d.reason) for d in found] == [("Ann Lee", "same email")]


def test_alike_name_in_the_same_department_says_so(staffed: Programme) -> None:
    found = likely_duplicates(staffed.store, "Anne Lee", None, "finance")
    assert [(d.name, d.reason) for d in found] == [("Ann Lee", "name 93% alike, same department")]


def test_word_order_and_accents_do_not_hide_a_duplicate(staffed: Programme) -> None:
    found = likely_duplicates(staffed.store, "Schmidt, María", None, "")
    assert [(d.name, d.reason) for d in found] == [("Maria Schmidt", "same name")]


def test_different_people_are_not_duplicates(staffed: Programme) -> None:
    assert likely_duplicates(staffed.store, "Zed Quinn", "zed@example.org", "Finance") == []


# -- saves that never lose an edit -----------------------------------------------------


def test_a_stale_update_raises_a_conflict_and_changes_nothing(staffed: Programme) -> None:
    ann = staffed.store.get(Participant, 2)
    update_participant(staffed.store, 2, ann.version, {"team": "Payments"})
    with pytest.raises(ConflictError):
        update_participant(staffed.store, 2, ann.version, {"level": 4})
    assert staffed.store.get(Participant, 2).level == 3


def test_merge_takes_theirs_only_where_chosen() -> None:
    base = {"name": "Ann", "level": 3, "team": "A", "job_title": "Analyst"}
    theirs = {**base, "level": 4, "team": "B"}
    mine = {**base, "level": 5, "job_title": "Lead"}
    conflicts = field_conflicts(base, theirs, mine)
    assert [(c.field, c.default_choice) for c in conflicts] == [("level", "mine"), ("job_title", "mine"), ("team", "theirs")]
    choices = {c.field: c.default_choice for c in conflicts}
    assert merge_profile(theirs, mine, choices) == {"name": "Ann", "level": 5, "team": "B", "job_title": "Lead"}


def test_withdrawing_needs_a_reason_and_keeps_history(staffed: Programme) -> None:
    ann = staffed.store.get(Participant, 2)
    withdraw_participant(staffed.store, 2, ann.version, "Moved to another company")
    assert staffed.store.get(Participant, 2).status == "withdrawn"
    audit = staffed.store.query("SELECT action, before, after FROM audit WHERE entity_id = 2 ORDER BY id")
    assert [row["action"] for row in audit] == ["create", "update", "withdraw"]
    assert json.loads(audit[1]["before"]) == {"status": "active"}
    assert json.loads(audit[2]["after"]) == {"reason": "Moved to another company"}


def test_managers_are_found_by_fuzzy_name(staffed: Programme) -> None:
    managers = ManagerIndex.from_store(staffed.store, exclude_id=2)
    assert len(managers) == 1
    assert [c.name for c in managers.find("mara schmit")] == ["Maria Schmidt"]


# -- the form, from the keyboard -------------------------------------------------------


async def _type(pilot, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


async def _open_intake(app: RmtuiApp, pilot) -> IntakeScreen:
    await settled(pilot)
    screen = app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


async def _choose_role(pilot, screen: IntakeScreen, role: str) -> None:
    screen.query_one("#f-role").focus()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*["down"] * (1 if role == "mentor" else 2), "enter")
    await pilot.pause()


def _error(screen: IntakeScreen, field: str) -> str:
    label = screen.query_one(f"#e-{field}")
    return str(label.render()) if label.has_class("-shown") else ""


async def test_messages_appear_as_you_type(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(app, pilot)
        screen.query_one("#f-level").focus()
        await _type(pilot, "senior")
        assert _error(screen, "level") == "Level must be a whole number, not “senior”."
        for _ in "senior":
            await pilot.press("backspace")
        await _type(pilot, "4")
        assert _error(screen, "level") == ""
        screen.query_one("#f-email").focus()
        await _type(pilot, "ann.lee@example.org")
        await settled(pilot)
        assert _error(screen, "email") == "ann.lee@example.org is already Ann Lee's email (#2)."


async def test_save_is_refused_until_fixed_and_focus_goes_to_the_first_error(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(app, pilot)
        await _type(pilot, "Zed Quinn")
        await pilot.press("tab")
        await _type(pilot, "zed@")
        screen.query_one("#f-joined_on").focus()
        await _type(pilot, "2020-13-01")
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert app.focused is screen.query_one("#f-email")
        assert _error(screen, "role") == "Role is required: mentor or mentee."
        assert _error(screen, "joined_on") == "2020-13-01 is not a real date."
        assert staffed.store.scalar("SELECT count(*) FROM participants") == 2
        assert screen.query_one("#f-name").value == "Zed Quinn"  # nothing typed is lost


async def test_a_new_person_is_saved_and_the_form_clears(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(app, pilot)
        await _type(pilot, "Zed Quinn")
        await pilot.press("tab")
        await _type(pilot, "zed@example.org")
        await _choose_role(pilot, screen, "mentor")
        screen.query_one("#f-level").focus()
        await _type(pilot, "2")
        screen.query_one("#f-hobbies").focus()
        await _type(pilot, "climbing")
        await pilot.press("enter")
        await _type(pilot, "jazz")  # typed but not yet added: still saved
        screen.query_one("#f-manager_id").focus()
        await _type(pilot, "mara schmit")
        await settled(pilot)
        await pilot.press("enter")  # picks the best match
        await pilot.press("ctrl+s")
        await settled(pilot)
        zed = staffed.store.get(Participant, 3)
        assert (zed.name, zed.email, zed.role, zed.level) == ("Zed Quinn", "zed@example.org", "mentor", 2)
        assert zed.hobbies == ["climbing", "jazz"]
        assert zed.manager_id == 1
        assert screen.query_one("#f-name").value == ""


async def test_a_likely_duplicate_is_shown_before_saving(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_intake(app, pilot)
        await _type(pilot, "Anne Lee")
        await _choose_role(pilot, screen, "mentor")
        screen.query_one("#f-department").focus()
        await _type(pilot, "Finance")
        await pilot.press("ctrl+s")
        await settled(pilot)
        dialog = app.screen
        assert isinstance(dialog, DuplicateScreen)
        assert [(d.name, d.reason) for d in dialog.duplicates] == [("Ann Lee", "name 93% alike, same department")]
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(app.screen, ProfileScreen) and app.screen.participant_id == 2
        assert staffed.store.scalar("SELECT count(*) FROM participants") == 2
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await settled(pilot)
        await pilot.press("ctrl+s")  # save anyway
        await settled(pilot)
        assert staffed.store.scalar("SELECT count(*) FROM participants WHERE name = 'Anne Lee'") == 1


async def test_edit_from_the_roster_with_e(staffed: Programme) -> None:
    app = RmtuiApp(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("e")  # the roster starts on its results (Ann Lee sorts first)
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen) and screen.participant_id == 2
        assert screen.query_one("#f-name").value == "Ann Lee"
        assert screen.query_one("#f-hobbies").tags == ["chess"]


def _second_coordinator(path: Path) -> Programme:
    return Programme.open(path, FixedClock.on("2026-11-20", "09:05"), actor="bob")


async def test_conflict_view_shows_their_change_and_merges_per_field(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(IntakeScreen(2))
        screen = await _open_intake(app, pilot)
        other = _second_coordinator(staffed.store.path)
        try:
            update_participant(other.store, 2, 1, {"team": "Payments", "level": 4})
        finally:
            other.close()
        screen.query_one("#f-level").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await _type(pilot, "5")
        screen.query_one("#f-job_title").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await _type(pilot, "Senior Analyst")
        await pilot.press("ctrl+s")
        await settled(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert dialog.changed_by == "bob"
        assert [(c.field, c.theirs, c.mine) for c in dialog.conflicts] == [
            ("level", 4, 5),
            ("job_title", "Analyst", "Senior Analyst"),
            ("team", "Payments", "Treasury"),
        ]
        assert dialog.choices == {"level": "mine", "job_title": "mine", "team": "theirs"}
        await pilot.press("greater_than_sign")  # on the first row: take their level
        await pilot.press("ctrl+s")
        await settled(pilot)
        ann = staffed.store.get(Participant, 2)
        assert (ann.level, ann.job_title, ann.team, ann.version) == (4, "Senior Analyst", "Payments", 3)


async def test_leaving_the_conflict_view_keeps_the_typed_input(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(IntakeScreen(2))
        screen = await _open_intake(app, pilot)
        other = _second_coordinator(staffed.store.path)
        try:
            update_participant(other.store, 2, 1, {"level": 4})
        finally:
            other.close()
        screen.query_one("#f-level").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await _type(pilot, "6")
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is screen
        assert screen.query_one("#f-level").value == "6"
        assert staffed.store.get(Participant, 2).level == 4


async def test_withdraw_asks_for_a_reason(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(IntakeScreen(2))
        await _open_intake(app, pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, WithdrawScreen)
        await pilot.press("enter")
        assert "Say why" in str(app.screen.query_one("#reason-error").render())
        await _type(pilot, "Left the company")
        await pilot.press("enter")
        await settled(pilot)
        assert staffed.store.get(Participant, 2).status == "withdrawn"
        assert staffed.store.scalar("SELECT after FROM audit WHERE action = 'withdraw'") == '{"reason": "Left the company"}'


async def test_markup_in_a_name_shows_as_typed(programme: Programme) -> None:
    _add(programme, name="[b]Ann[/b] \x1b[31mLee", role="mentor")
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.push_screen(IntakeScreen(1))
        screen = await _open_intake(app, pilot)
        assert "Editing [b]Ann[/b] Lee" in str(screen.query_one("#intake-title").render())


# -- snapshots at 80×24 ----------------------------------------------------------------


def _snapshot_programme(tmp_path: Path) -> Programme:
    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    _add(programme, name="Maria Schmidt", role="mentee", email="maria.schmidt@example.org", level=11,
         department="Claims", job_title="Head of Claims", status="active")
    _add(programme, name="Ann Lee", role="mentor", email="ann.lee@example.org", level=3,
         department="Finance", team="Treasury", job_title="Analyst", status="active")
    return programme


def test_snapshot_empty_form(snap_compare, tmp_path: Path) -> None:
    app = RmtuiApp(_snapshot_programme(tmp_path), start="intake")

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


def test_snapshot_form_with_errors(snap_compare, tmp_path: Path) -> None:
    app = RmtuiApp(_snapshot_programme(tmp_path), start="intake")

    async def fill_badly(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await _type(pilot, "[b]Zed[/b]")
        await pilot.press("tab")
        await _type(pilot, "ann.lee@example.org")
        pilot.app.screen.query_one("#f-level").focus()
        await _type(pilot, "senior")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=fill_badly)


def test_snapshot_conflict_view(snap_compare, tmp_path: Path) -> None:
    programme = _snapshot_programme(tmp_path)
    app = RmtuiApp(programme, start="roster")

    async def conflict(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        pilot.app.push_screen(IntakeScreen(2))
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        other = _second_coordinator(programme.store.path)
        try:
            update_participant(other.store, 2, 1, {"team": "Payments", "level": 4})
        finally:
            other.close()
        screen = pilot.app.screen
        screen.query_one("#f-level").focus()
        await pilot.press("ctrl+a", "ctrl+k", "5")
        screen.query_one("#f-job_title").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await _type(pilot, "Senior Analyst")
        await pilot.press("ctrl+s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=conflict)


# -- an edit form takes no keys until it is filled (issue 12) ----------------------------


async def test_keys_typed_before_the_edit_form_is_filled_land_nowhere_and_save_nothing(
    staffed: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import rmtui.screens.intake as intake_screen

    release = threading.Event()
    real_get = intake_screen.get_participant

    def slow_get(store, participant_id):  # the load waits until the test has typed
        release.wait(timeout=30)
        return real_get(store, participant_id)

    monkeypatch.setattr(intake_screen, "get_participant", slow_get)
    before = staffed.store.get(Participant, 2)
    audits = staffed.store.scalar("SELECT count(*) FROM audit")
    app = RmtuiApp(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await settled(pilot)
            await pilot.press("e")  # Ann Lee, from the roster (it starts on its table)
            await pilot.press("tab", "tab", "x", "y", "ctrl+s", "1", "q")  # "1" and "q" would leave, outside a field
            screen = app.screen
            assert isinstance(screen, IntakeScreen) and not screen.loaded
            assert screen.query_one("#form").disabled
            assert all(not value for value in (screen.query_one("#f-name").value, screen.query_one("#f-email").value))
            assert app.focused is screen.query_one("#intake-loading")
        finally:
            release.set()
        await settled(pilot)
        assert screen.loaded and not screen.query_one("#form").disabled
        assert screen.query_one("#f-name").value == "Ann Lee"
        assert app.focused is screen.query_one("#f-name")
        await pilot.press("tab", "shift+tab")  # arriving in a filled field selects nothing to type over
        assert app.focused is screen.query_one("#f-name") and screen.query_one("#f-name").selected_text == ""
        assert staffed.store.get(Participant, 2) == before  # nothing typed while loading was saved
        assert staffed.store.scalar("SELECT count(*) FROM audit") == audits
        # Now filled, an edit saves only the field really edited, against the loaded version.
        screen.query_one("#f-job_title").focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await _type(pilot, "Lead Analyst")
        await pilot.press("ctrl+s")
        await settled(pilot)
    after = staffed.store.get(Participant, 2)
    assert after.job_title == "Lead Analyst" and after.version == before.version + 1
    from dataclasses import replace

    assert replace(after, job_title=before.job_title, version=before.version, updated_at=before.updated_at) == before
    last = staffed.store.query("SELECT before, after FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(last["after"]) == {"job_title": "Lead Analyst"}


async def test_an_edit_form_for_someone_deleted_meanwhile_says_so_and_escape_goes_back(staffed: Programme) -> None:
    app = RmtuiApp(staffed, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        roster = app.screen
        app.push_screen(IntakeScreen(99))
        await settled(pilot)
        screen = app.screen
        assert "no longer in the programme" in str(screen.query_one("#intake-loading").render())
        await pilot.press("x", "ctrl+s")
        assert screen.query_one("#form").disabled
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is roster
