"""The triage queue: built from bulk queries, agreeing with the status rules; every key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Notes, settled
from session_data import build_sessions_programme

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import Session, Wave
from rmtui.programme import Programme
from rmtui.screens.timeline import TimelineScreen
from rmtui.screens.triage import TriageScreen
from rmtui.session_status import pair_flags
from rmtui.triage import TriageFilter, build_queue, filter_values, mark_of, snooze, toggle_review_flag
from rmtui.widgets.virtual_table import VirtualTable

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def sessions_programme(programme: Programme) -> Programme:
    build_sessions_programme(programme.store)
    return programme


def _lines(queue) -> list[tuple[str, int, int | None]]:
    return [(i.flag.kind, i.pair.id, i.flag.seq) for i in queue.items]


def test_queue_lists_everything_needing_a_coordinator_most_severe_first(sessions_programme: Programme) -> None:
    queue = build_queue(sessions_programme.store, TODAY)
    assert _lines(queue) == [
        ("at_risk", 2, None),
        ("overdue", 2, 2),
        ("overdue", 2, 3),
        ("overdue", 2, 4),
        ("overdue", 3, 4),
        ("notes_late", 1, 4),
        ("follow_up", 1, 4),
    ]
    assert dict(queue.counts) == {"at_risk": 1, "overdue": 4, "notes_late": 1, "follow_up": 1}
    assert queue.items[0].flag.reason == "3 sessions overdue; nothing held for 73 days"
    assert queue.items[1].flag.reason == "Session 2 due 28 Sep, 53 days overdue"
    # The at-risk line acts on the pair's oldest overdue session.
    assert queue.items[0].session_id == queue.items[1].session_id


def test_queue_agrees_with_the_status_rules_pair_by_pair(sessions_programme: Programme) -> None:
    store = sessions_programme.store
    queue = build_queue(store, TODAY)
    wave = store.get(Wave, 1)
    expected = set()
    for pair in store.query("SELECT id, started_on FROM pairs WHERE status = 'active'"):
        sessions = store.all(Session, "pair_id = ?", (pair["id"],))
        for flag in pair_flags(pair["id"], pair["started_on"], sessions, wave, TODAY):
            if flag.kind != "behind":
                expected.add((flag.kind, flag.pair_id, flag.session_id, flag.days, flag.reason))
    assert {(i.flag.kind, i.pair.id, i.flag.session_id, i.flag.days, i.flag.reason) for i in queue.items} == expected


def test_a_snoozed_item_leaves_the_queue_until_its_day(sessions_programme: Programme) -> None:
    store = sessions_programme.store
    item = build_queue(store, TODAY).items[4]  # pair 3's overdue session
    snooze(store, item, dt.date(2026, 11, 23))
    queue = build_queue(store, TODAY)
    assert ("overdue", 3, 4) not in _lines(queue) and queue.snoozed == 1
    assert ("overdue", 3, 4) in _lines(build_queue(store, dt.date(2026, 11, 23)))


def test_flagging_for_review_checks_the_mark_was_not_changed_meanwhile(sessions_programme: Programme, db_path: Path, clock: FixedClock) -> None:
    store = sessions_programme.store
    mine = build_queue(store, TODAY).items[0]
    other = Programme.open(db_path, clock, actor="alice")
    try:
        toggle_review_flag(other.store, build_queue(other.store, TODAY).items[0])
    finally:
        other.close()
    from rmtui.db import ConflictError

    with pytest.raises(ConflictError):
        toggle_review_flag(store, mine)  # I saw no mark: alice's flag is not overwritten
    fresh = build_queue(store, TODAY).items[0]
    assert fresh.flagged and mark_of(store, "pair", 2).flagged
    assert toggle_review_flag(store, fresh) is False


def test_filters_by_wave_department_and_coach(sessions_programme: Programme) -> None:
    queue = build_queue(sessions_programme.store, TODAY)
    assert filter_values(queue) == {
        "wave": ["Wave 2"],
        "department": ["Claims", "Finance", "Marketing", "Operations", "Technology"],
        "coach": ["Priya Raman (HR)", "Tom Okafor (HR)"],
    }
    by_dept = [i.pair.id for i in queue.items if TriageFilter(department="Finance").accepts(i)]
    assert set(by_dept) == {1, 3}
    assert {i.pair.id for i in queue.items if TriageFilter(coach="Tom Okafor (HR)").accepts(i)} == {2}


# -- the screen, key by key --------------------------------------------------------------


def _app(programme: Programme) -> RmtuiApp:
    return RmtuiApp(programme, start="triage")


def _kinds(screen: TriageScreen) -> list[tuple[str, int, int | None]]:
    return [(i.flag.kind, i.pair.id, i.flag.seq) for i in screen.shown]


def _session(programme: Programme, pair_id: int, seq: int) -> Session:
    return programme.store.all(Session, "pair_id = ? AND seq = ?", (pair_id, seq))[0]


async def _go_to(pilot, screen: TriageScreen, index: int) -> None:
    screen.query_one("#queue", VirtualTable).cursor = index
    await pilot.pause()


async def test_h_marks_the_session_held_today_and_the_cursor_stays(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)  # pair 3's overdue session 4
        await pilot.press("h")
        screen = await settled(pilot)
        held = _session(sessions_programme, 3, 4)
        assert (held.status, held.held_on) == ("held", "2026-11-20")
        assert ("overdue", 3, 4) not in _kinds(screen)
        assert screen.query_one("#queue", VirtualTable).cursor == 4
        assert screen.current().flag.kind == "notes_late"  # the next item slid under the cursor


async def test_h_on_an_at_risk_pair_holds_its_oldest_overdue_session(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("h")
        screen = await settled(pilot)
        assert _session(sessions_programme, 2, 2).status == "held"
        assert ("at_risk", 2, None) in _kinds(screen)  # still two overdue


async def test_r_moves_the_session_a_week_from_its_own_day_asking_first_when_that_is_past(
    sessions_programme: Programme,
) -> None:
    from rmtui.widgets.ask import Confirm

    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)
        await pilot.press("r")  # session 4 of pair 3 was due 9 Nov: a week on is 16 Nov, still past
        await settled(pilot)
        assert isinstance(app.screen, Confirm)
        assert str(app.screen.query_one("#question").render()) == (
            "One week on, session 4 of pair 3 would move to 16 Nov, in the past. Move it anyway?"
        )
        await pilot.press("escape")
        screen = await settled(pilot)
        assert _session(sessions_programme, 3, 4).due_on == "2026-11-09"  # declined: nothing moved
        await pilot.press("r")
        await settled(pilot)
        await pilot.press("y")
        screen = await settled(pilot)
        moved = _session(sessions_programme, 3, 4)
        assert (moved.due_on, moved.status) == ("2026-11-16", "planned")


async def test_r_on_a_session_whose_week_on_is_ahead_moves_it_without_asking(sessions_programme: Programme) -> None:
    from rmtui import timeline

    timeline.reschedule(sessions_programme.store, _session(sessions_programme, 3, 4), timeline.When(dt.date(2026, 11, 16)), "UTC")
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        index = next(i for i, item in enumerate(screen.shown) if (item.flag.kind, item.pair.id) == ("overdue", 3))
        await _go_to(pilot, screen, index)
        await pilot.press("r")
        screen = await settled(pilot)
        moved = _session(sessions_programme, 3, 4)
        assert (moved.due_on, moved.status) == ("2026-11-23", "planned")
        assert ("overdue", 3, 4) not in _kinds(screen)


async def test_f_marks_the_follow_up_sent(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 6)
        await pilot.press("f")
        screen = await settled(pilot)
        assert _session(sessions_programme, 1, 4).follow_up_sent is True
        assert ("follow_up", 1, 4) not in _kinds(screen)


async def test_n_writes_the_late_notes_in_place(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 5)
        await pilot.press("n")
        await pilot.pause()
        for key in ["O", "K", "enter", "x"]:
            await pilot.press(key)
        await pilot.press("ctrl+s")
        screen = await settled(pilot)
        session = _session(sessions_programme, 1, 4)
        assert (session.notes, session.notes_posted_on) == ("OK\nx", "2026-11-20")
        assert isinstance(screen, TriageScreen) and ("notes_late", 1, 4) not in _kinds(screen)


async def test_z_snoozes_until_the_day_typed(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)
        await pilot.press("z")
        await pilot.pause()
        await pilot.press("enter")  # the default: +1w
        screen = await settled(pilot)
        assert mark_of(sessions_programme.store, "session", _session(sessions_programme, 3, 4).id).snoozed_until == "2026-11-27"
        assert ("overdue", 3, 4) not in _kinds(screen) and screen.queue.snoozed == 1


async def test_z_explains_a_day_that_is_not_later_and_keeps_it(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)
        await pilot.press("z")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("Input").value = "yesterday"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and dialog.query_one("Input").value == "yesterday"
        assert "Snooze until a day after today." in str(dialog.query_one("#error").render())
        dialog.query_one("Input").value = "+3d"
        await pilot.press("enter")
        await settled(pilot)
        assert mark_of(sessions_programme.store, "session", _session(sessions_programme, 3, 4).id).snoozed_until == "2026-11-23"


async def test_m_flags_for_the_review_meeting_and_clears_again(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("exclamation_mark")
        screen = await settled(pilot)
        assert screen.shown[0].flagged and mark_of(sessions_programme.store, "pair", 2).flagged
        await pilot.press("exclamation_mark")
        screen = await settled(pilot)
        assert not screen.shown[0].flagged


async def test_space_selects_items_for_one_bulk_action(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 1)
        for _ in range(4):
            await pilot.press("space")  # selects and moves down: pair 2's three, pair 3's one
        assert len(screen.selected) == 4
        await pilot.press("h")
        screen = await settled(pilot)
        assert [_session(sessions_programme, p, s).status for p, s in [(2, 2), (2, 3), (2, 4), (3, 4)]] == ["held"] * 4
        assert _kinds(screen) == [("notes_late", 1, 4), ("follow_up", 1, 4)]
        assert not screen.selected



async def test_leaving_lets_the_queue_go_and_coming_back_builds_it_with_the_line_and_selection_kept(
    sessions_programme: Programme,
) -> None:
    """At 100,000 people the queue held 10 MB for as long as the app ran (issue 14's soak)."""
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 1)
        await pilot.press("space")  # pair 2's first, selected; the cursor on the next
        assert screen.query_one("#queue", VirtualTable).cursor == 2
        selected = set(screen.selected)
        await pilot.press("1")
        await settled(pilot)
        assert screen.queue is None and screen.shown == [] and screen.released
        await pilot.press("6")
        assert await settled(pilot) is screen
        assert screen.queue is not None and len(screen.shown) == 7 and not screen.released
        assert screen.query_one("#queue", VirtualTable).cursor == 2
        assert screen.selected == selected and len(selected) == 1


async def test_t_and_enter_open_the_pairs_timeline_and_escape_comes_back(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)
        await pilot.press("g")
        timeline = await settled(pilot)
        assert isinstance(timeline, TimelineScreen) and timeline.view.pair.id == 3
        assert timeline.current().seq == 4
        await pilot.press("escape")
        screen = await settled(pilot)
        await pilot.press("enter")
        assert isinstance(await settled(pilot), TimelineScreen)


async def test_w_d_c_cycle_the_filters_and_escape_clears_them(sessions_programme: Programme) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        await pilot.press("D")  # Claims: pair 2 only
        assert {i.pair.id for i in screen.shown} == {2}
        await pilot.press("D")  # Finance: pairs 1 and 3
        assert {i.pair.id for i in screen.shown} == {1, 3}
        await pilot.press("K")  # and coach Priya Raman
        assert {i.pair.id for i in screen.shown} == {1, 3}
        await pilot.press("K")  # and coach Tom Okafor: nobody
        assert screen.shown == []
        await pilot.press("escape")
        assert len(screen.shown) == 7
        await pilot.press("w")
        assert len(screen.shown) == 7 and screen.filter.wave == "Wave 2"


async def test_a_session_changed_by_someone_else_is_not_overwritten(sessions_programme: Programme, db_path: Path, clock: FixedClock, notes: Notes) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await settled(pilot)
        await _go_to(pilot, screen, 4)
        other = Programme.open(db_path, clock, actor="alice")
        try:
            theirs = _session(other, 3, 4)
            with other.store.write() as w:
                w.update("sessions", theirs.id, theirs.version, {"due_on": "2026-11-21"})
        finally:
            other.close()
        app.clear_notifications()
        await pilot.press("h")  # acts on the version the queue showed
        await settled(pilot)
        session = _session(sessions_programme, 3, 4)
        assert (session.status, session.due_on) == ("planned", "2026-11-21")
        messages = notes.messages
        assert any("alice changed this session first" in m for m in messages)


async def test_an_empty_queue_says_so(programme: Programme) -> None:
    app = _app(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert screen.query_one("#empty").display


# -- snapshots -------------------------------------------------------------------------


def _snapshot_app(tmp_path: Path) -> RmtuiApp:
    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    build_sessions_programme(programme.store)
    return RmtuiApp(programme, start="triage")


async def _settle_and_select(pilot) -> None:
    await settled(pilot)
    await pilot.press("m")
    await settled(pilot)
    await pilot.press("down", "space")
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_triage(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_snapshot_app(tmp_path), terminal_size=size, run_before=_settle_and_select)


async def test_twenty_items_clear_with_twenty_keystrokes(programme: Programme) -> None:
    from rmtui.db import Pair, Participant
    from rmtui.schedule import write_pair_plan

    with programme.store.write() as w:
        w.insert(Wave(name="Wave 2", starts_on="2026-10-26"))
        for n in range(20):
            mentor = w.insert(Participant(name=f"Mentor {n:02d}", role="mentor"))
            mentee = w.insert(Participant(name=f"Mentee {n:02d}", role="mentee"))
            pair = w.insert(Pair(wave_id=1, mentor_id=mentor.id, mentee_id=mentee.id, status="active", started_on="2026-10-26"))
            write_pair_plan(w, pair.id)
        w.execute("UPDATE sessions SET status = 'held', held_on = due_on, notes = 'ok', follow_up_sent = 1 WHERE seq = 1")
    assert len(build_queue(programme.store, TODAY)) == 20  # session 2 of each, due 16 Nov
    app = _app(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        for _ in range(20):
            await pilot.press("h")
            screen = await settled(pilot)
        assert len(screen.shown) == 0 and screen.query_one("#empty").display
        assert programme.store.scalar("SELECT count(*) FROM sessions WHERE seq = 2 AND held_on = '2026-11-20'") == 20


async def test_another_coordinators_edit_reaches_the_open_queue(sessions_programme: Programme, db_path: Path, clock: FixedClock) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert len(screen.shown) == 7
        other = Programme.open(db_path, clock, actor="alice")
        try:
            theirs = _session(other, 3, 4)
            with other.store.write() as w:
                w.update("sessions", theirs.id, theirs.version, {"status": "held", "held_on": "2026-11-19"})
        finally:
            other.close()
        for _ in range(40):  # the app polls every 250 ms
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if len(screen.shown) == 6:
                break
        assert ("overdue", 3, 4) not in _kinds(screen)


async def test_select_all_then_one_key_acts_once_per_session(sessions_programme: Programme, notes: Notes) -> None:
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("asterisk", "h")
        screen = await settled(pilot)
        assert sessions_programme.store.scalar(
            "SELECT count(*) FROM sessions WHERE held_on = '2026-11-20'"
        ) == 4  # pair 2's three (its at-risk line adds nothing) and pair 3's one
        assert _kinds(screen) == [("notes_late", 1, 4), ("follow_up", 1, 4)]
        message = notes.messages[-1]
        assert message.startswith("Marked held today: 5 of 7.") and "2 skipped: Session 4 was already held." in message
        assert "someone else" not in message
        await pilot.press("asterisk", "f")
        screen = await settled(pilot)
        assert _session(sessions_programme, 1, 4).follow_up_sent is True
        assert "someone else" not in notes.messages[-1]


async def test_the_people_of_items_off_the_first_screen_follow_and_a_filter_waits_for_them(
        sessions_programme: Programme, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen builds the queue with the people of a screenful around its cursor (here one
    item) and reads the rest in a second worker: every line then shows its pair's people,
    and a filter pressed before they are read is applied once they are."""
    monkeypatch.setattr("rmtui.triage.SCREENFUL", 1)
    whole = build_queue(sessions_programme.store, TODAY)
    app = _app(sessions_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert screen.queue is not None and screen.queue.complete
        assert [(i.key, i.pair) for i in screen.shown] == [(i.key, i.pair) for i in whole]
        await _go_to(pilot, screen, 5)
        assert str(screen.query_one("#detail").render()).count(whole[5].pair.mentor) == 1
        # A queue whose people are not read yet, and D pressed at once: Claims once they are.
        waiting = build_queue(sessions_programme.store, TODAY, (0, 1))
        assert not waiting.complete
        screen.show(waiting)
        screen.action_cycle_filter("department")
        assert screen.filter.department is None and "…" in {i.pair.mentor for i in screen.shown}
        screen = await settled(pilot)
        assert screen.filter.department == "Claims" and {i.pair.id for i in screen.shown} == {2}
        assert screen.queue is waiting and waiting.complete
