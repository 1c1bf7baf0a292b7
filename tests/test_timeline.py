"""The timeline: the day parser, edits through the version check, the screen's keys, the .ics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import Notes, settled
from session_data import build_sessions_programme

from rmtui import timeline
from rmtui.app import RmtuiApp
from rmtui.calendar_export import export_calendar
from rmtui.cli import cli
from rmtui.clock import FixedClock
from rmtui.db import ConflictError, Session
from rmtui.programme import Programme
from rmtui.screens.timeline import TimelineScreen
from rmtui.timeline import When, parse_when
from rmtui.widgets.virtual_table import VirtualTable

FRIDAY = dt.date(2026, 11, 20)  # the clock fixture's today is a Friday


@pytest.fixture
def sessions_programme(programme: Programme) -> Programme:
    build_sessions_programme(programme.store)
    return programme


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1w", When(dt.date(2026, 11, 27))),
        ("+3d", When(dt.date(2026, 11, 23))),
        ("+10", When(dt.date(2026, 11, 30))),
        ("-2d", When(dt.date(2026, 11, 18))),
        ("today", When(FRIDAY)),
        ("tomorrow", When(dt.date(2026, 11, 21))),
        ("yesterday", When(dt.date(2026, 11, 19))),
        ("fri", When(dt.date(2026, 11, 27))),  # the next Friday, not today
        ("Monday", When(dt.date(2026, 11, 23))),
        ("thu", When(dt.date(2026, 11, 26))),
        ("2026-12-04", When(dt.date(2026, 12, 4))),
        ("2026-12-04 14:00", When(dt.date(2026, 12, 4), "14:00")),
        ("fri 9:30", When(dt.date(2026, 11, 27), "09:30")),
        ("  +1W  ", When(dt.date(2026, 11, 27))),
    ],
)
def test_parse_when_understands_what_coordinators_type(text: str, expected: When) -> None:
    assert parse_when(text, FRIDAY) == expected


@pytest.mark.parametrize("text", ["", "next week", "2026-13-01", "2026-12-04 25:00", "+1m", "fr", "2026-12-04 14:00 x"])
def test_parse_when_refuses_anything_else_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match="try \\+1w, \\+3d, fri"):
        parse_when(text, FRIDAY)


def _session(programme: Programme, pair_id: int, seq: int) -> Session:
    return programme.store.all(Session, "pair_id = ? AND seq = ?", (pair_id, seq))[0]


def test_reschedule_with_a_time_books_it_in_the_programme_zone(sessions_programme: Programme) -> None:
    store = sessions_programme.store
    with store.write() as w:
        w.set_setting("timezone", "Europe/London")
    timeline.reschedule(store, _session(sessions_programme, 3, 4), When(dt.date(2026, 12, 4), "14:00"), "Europe/London")
    moved = _session(sessions_programme, 3, 4)
    assert (moved.due_on, moved.scheduled_at, moved.status) == ("2026-12-04", "2026-12-04T14:00:00Z", "scheduled")


def test_edits_refuse_what_cannot_be(sessions_programme: Programme) -> None:
    store = sessions_programme.store
    with pytest.raises(ValueError, match="after today"):
        timeline.mark_held(store, _session(sessions_programme, 3, 5), dt.date(2026, 11, 21), FRIDAY)
    with pytest.raises(ValueError, match="already held"):
        timeline.cancel(store, _session(sessions_programme, 1, 1))
    with pytest.raises(ValueError, match="not been held"):
        timeline.set_follow_up(store, _session(sessions_programme, 3, 5))


def test_a_stale_edit_raises_a_conflict_naming_who_changed_it(sessions_programme: Programme, db_path: Path, clock: FixedClock) -> None:
    mine = _session(sessions_programme, 3, 4)
    other = Programme.open(db_path, clock, actor="alice")
    try:
        timeline.set_agenda(other.store, _session(other, 3, 4), "Alice's agenda")
    finally:
        other.close()
    with pytest.raises(ConflictError) as caught:
        timeline.set_agenda(sessions_programme.store, mine, "My agenda")
    assert caught.value.changed_by == "alice"
    assert "alice changed this session first" in timeline.describe_conflict(caught.value)
    assert _session(sessions_programme, 3, 4).agenda == "Alice's agenda"


def test_add_session_continues_the_rhythm(sessions_programme: Programme) -> None:
    added = timeline.add_session(sessions_programme.store, 3)
    assert (added.seq, added.due_on) == (8, "2027-02-01")  # one cadence after 11 Jan


# -- the screen -----------------------------------------------------------------------------


async def _open(pilot, pair_id: int, seq: int) -> TimelineScreen:
    screen = await settled(pilot)
    if screen.view.pair.id != pair_id:
        await pilot.press("g")
        await pilot.pause()
        for key in str(pair_id):
            await pilot.press(key)
        await pilot.press("enter")
        screen = await settled(pilot)
    table = screen.query_one("#sessions", VirtualTable)
    table.cursor = next(i for i, s in enumerate(screen.view.sessions) if s.seq == seq)
    await pilot.pause()
    return screen


def _app(programme: Programme) -> RmtuiApp:
    return RmtuiApp(programme, start="timeline")


async def test_the_timeline_opens_on_the_first_active_pair_at_its_next_session(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert screen.view.pair.id == 1 and screen.current().seq == 5
        await pilot.press("right_square_bracket")
        screen = await settled(pilot)
        assert screen.view.pair.id == 2
        await pilot.press("left_square_bracket", "left_square_bracket")
        screen = await settled(pilot)
        assert screen.view.pair.id == 5  # wraps around


async def test_h_marks_held_today_and_H_on_a_given_day(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        await _open(pilot, 2, 2)
        await pilot.press("h")
        screen = await settled(pilot)
        assert _session(sessions_programme, 2, 2).held_on == "2026-11-20"
        assert screen.current().seq == 2  # the cursor stays on the edited session
        await pilot.press("down", "H")
        await pilot.pause()
        screen.app.screen.query_one("Input").value = "-3d"
        await pilot.press("enter")
        await settled(pilot)
        assert _session(sessions_programme, 2, 3).held_on == "2026-11-17"


async def test_r_reschedules_to_what_was_typed(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 3, 4)
        await pilot.press("r")
        await pilot.pause()
        screen.app.screen.query_one("Input").value = "2026-12-04 14:00"
        await pilot.press("enter")
        await settled(pilot)
        moved = _session(sessions_programme, 3, 4)
        assert (moved.due_on, moved.status, moved.scheduled_at) == ("2026-12-04", "scheduled", "2026-12-04T14:00:00Z")


async def test_a_bad_day_is_explained_and_the_question_asked_again(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 3, 4)
        await pilot.press("r")
        await pilot.pause()
        screen.app.screen.query_one("Input").value = "next week"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.app.screen.query_one("Input").value == "next week"
        assert "is not a day" in str(screen.app.screen.query_one("#error").render())
        # Corrected in place, the answer goes through.
        screen.app.screen.query_one("Input").value = "2026-12-04"
        await pilot.press("enter")
        await settled(pilot)
        assert _session(sessions_programme, 3, 4).due_on == "2026-12-04"


async def test_every_which_day_question_keeps_a_mistyped_day_and_says_why(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 3, 4)
        for key in ("H", "a", "R"):  # held on…, add a session, re-plan
            await pilot.press(key)
            await pilot.pause()
            dialog = screen.app.screen
            dialog.query_one("Input").value = "31/12"
            await pilot.press("enter")
            await pilot.pause()
            assert screen.app.screen is dialog, key
            assert dialog.query_one("Input").value == "31/12"
            assert "is not a day" in str(dialog.query_one("#error").render())
            await pilot.press("escape")  # something typed: asked first ("Discard your changes to this answer?")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert screen.app.screen is screen, key
        assert _session(sessions_programme, 3, 4).status != "held"


async def test_x_cancels_and_f_marks_the_follow_up(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        await _open(pilot, 3, 4)
        await pilot.press("x")
        await settled(pilot)
        assert _session(sessions_programme, 3, 4).status == "cancelled"
        await _open(pilot, 1, 4)
        await pilot.press("f")
        await settled(pilot)
        assert _session(sessions_programme, 1, 4).follow_up_sent is True


async def test_a_and_n_edit_agenda_and_notes_over_several_lines(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 1, 5)
        await pilot.press("t")
        await pilot.pause()
        screen.app.screen.query_one("TextArea").text = "Line one\n[b]not markup[/b]\x1b[31m"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert _session(sessions_programme, 1, 5).agenda == "Line one\n[b]not markup[/b]"
        await _open(pilot, 1, 4)
        await pilot.press("n")
        await pilot.pause()
        screen.app.screen.query_one("TextArea").text = "Talked about AI."
        await pilot.press("ctrl+s")
        await settled(pilot)
        notes = _session(sessions_programme, 1, 4)
        assert (notes.notes, notes.notes_posted_on) == ("Talked about AI.", "2026-11-20")


async def test_a_conflict_keeps_the_users_notes_and_shows_theirs(sessions_programme: Programme, db_path: Path, clock: FixedClock, notes: Notes) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await _open(pilot, 1, 4)
        await pilot.press("n")
        await pilot.pause()
        other = Programme.open(db_path, clock, actor="alice")
        try:
            timeline.set_notes(other.store, _session(other, 1, 4), "Alice's notes", FRIDAY)
        finally:
            other.close()
        screen.app.screen.query_one("TextArea").text = "My notes"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert _session(sessions_programme, 1, 4).notes == "Alice's notes"
        assert any("alice changed this session first" in m for m in notes.messages)
        editor = screen.app.screen.query_one("TextArea")
        assert editor.text == "My notes"  # reopened with the user's text
        await pilot.press("ctrl+s")  # apply again, now over alice's version
        await settled(pilot)
        assert _session(sessions_programme, 1, 4).notes == "My notes"


async def test_plus_adds_a_session(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        await _open(pilot, 3, 4)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        screen = await settled(pilot)
        assert [s.seq for s in screen.view.sessions][-1] == 8 and screen.current().seq == 8


async def test_e_exports_the_pairs_calendar(sessions_programme: Programme, tmp_path: Path) -> None:
    target = tmp_path / "pair.ics"
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 1, 5)
        await pilot.press("i")
        await pilot.pause()
        screen.app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await settled(pilot)
    events = icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert [str(e["summary"]) for e in events][0] == "Reverse mentoring: Mia Mentor & Sam Senior, session 5"
    assert len(events) == 3


# -- the calendar -------------------------------------------------------------------------


def test_ics_has_one_event_per_session_to_come_in_the_programme_zone(sessions_programme: Programme) -> None:
    store = sessions_programme.store
    with store.write() as w:
        w.set_setting("timezone", "Europe/London")
    timeline.reschedule(store, _session(sessions_programme, 3, 4), When(dt.date(2026, 12, 4), "14:00"), "Europe/London")
    data, count = export_calendar(sessions_programme, pair_id=3)
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert count == len(events) == 4  # 4 (booked), 5, 6, 7
    by_seq = {str(e["summary"]).split("session ")[1][0]: e for e in events}
    first = by_seq["4"]
    start = first.decoded("dtstart")
    assert (str(start.tzinfo), start.hour, start.date()) == ("Europe/London", 14, dt.date(2026, 12, 4))
    assert first.decoded("dtend") - start == dt.timedelta(minutes=60)
    assert "Mid-point checkpoint" in str(first["description"])
    assert "(mid-point checkpoint)" in str(first["summary"])
    assert str(first["status"]) == "CONFIRMED" and str(by_seq["5"]["status"]) == "TENTATIVE"
    assert by_seq["5"].decoded("dtstart").hour == 10  # no time agreed: the default session time


def test_ics_uids_are_stable_so_reimporting_updates(sessions_programme: Programme) -> None:
    first = icalendar.Calendar.from_ical(export_calendar(sessions_programme, pair_id=1)[0]).walk("VEVENT")
    timeline.set_agenda(sessions_programme.store, _session(sessions_programme, 1, 5), "Podcasts")
    again = icalendar.Calendar.from_ical(export_calendar(sessions_programme, pair_id=1)[0]).walk("VEVENT")
    assert [str(e["uid"]) for e in first] == [str(e["uid"]) for e in again]
    assert int(again[0]["sequence"]) == int(first[0]["sequence"]) + 1
    assert "Podcasts" in str(again[0]["description"])


def test_calendar_command_writes_a_wave_and_refuses_unknown_pairs(sessions_programme: Programme, db_path: Path, tmp_path: Path) -> None:
    sessions_programme.close()
    out = tmp_path / "wave.ics"
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "--today", "2026-11-20", "calendar", "--wave", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    # Every unheld session of the four active pairs, overdue ones included: 3 + 6 + 4 + 3.
    assert "Wrote 16 sessions" in result.output
    assert len(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")) == 16
    result = runner.invoke(cli, ["--db", str(db_path), "calendar", "--pair", "99", "-o", str(out)])
    assert result.exit_code == 1 and "There is no pair 99" in result.output


# -- snapshots -------------------------------------------------------------------------------


def _snapshot_app(tmp_path: Path) -> RmtuiApp:
    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    build_sessions_programme(programme.store)
    return RmtuiApp(programme, start="timeline")


async def _on_pair_2(pilot) -> None:
    await _open(pilot, 2, 2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_timeline(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_snapshot_app(tmp_path), terminal_size=size, run_before=_on_pair_2)


async def test_going_to_a_pair_that_does_not_exist_keeps_the_current_one(sessions_programme: Programme, notes: Notes) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24), message_hook=notes) as pilot:
        screen = await settled(pilot)
        await pilot.press("g")
        await pilot.pause()
        for key in "99":
            await pilot.press(key)
        await pilot.press("enter")
        screen = await settled(pilot)
        assert screen.view.pair.id == 1 and screen.pair_id == 1
        assert any("There is no pair 99" in m for m in notes.messages)
        await pilot.press("right_square_bracket")
        assert (await settled(pilot)).view.pair.id == 2


async def test_P_replans_the_sessions_to_come_and_keeps_the_held_ones(sessions_programme: Programme) -> None:
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, 2, 2)
        await pilot.press("R")
        await pilot.pause()
        screen.app.screen.query_one("Input").value = "2026-11-23"
        await pilot.press("enter")
        await settled(pilot)
    dues = [s.due_on for s in sessions_programme.store.all(Session, "pair_id = 2", order="seq")]
    assert dues == ["2026-09-07", "2026-11-23", "2026-12-14", "2027-01-04", "2027-01-25", "2027-02-15", "2027-03-08"]


# -- moves count from the session, keep its time, and ask before the past (issue 12) -----

TUESDAY_15_DEC = dt.date(2026, 12, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1w", When(dt.date(2026, 12, 22))),
        ("-1w", When(dt.date(2026, 12, 8))),
        ("+3d", When(dt.date(2026, 12, 18))),
        ("fri", When(dt.date(2026, 12, 18))),  # the Friday after the session, not after today
        ("tue 10:00", When(dt.date(2026, 12, 22), "10:00")),
        ("today", When(FRIDAY)),  # words naming a day around today still do
        ("tomorrow", When(dt.date(2026, 11, 21))),
        ("2026-12-04", When(dt.date(2026, 12, 4))),
    ],
)
def test_parse_when_counts_relative_words_from_the_anchor(text: str, expected: When) -> None:
    assert parse_when(text, FRIDAY, anchor=TUESDAY_15_DEC) == expected


def _book_tuesday(programme: Programme) -> Session:
    """Book pair 3's session 5 on Tue 15 Dec at 15:00 (programme time, Europe/London)."""
    store = programme.store
    with store.write() as w:
        w.set_setting("timezone", "Europe/London")
    timeline.reschedule(store, _session(programme, 3, 5), When(TUESDAY_15_DEC, "15:00"), "Europe/London")
    return _session(programme, 3, 5)


def test_plus_one_week_moves_from_the_session_and_keeps_its_time(sessions_programme: Programme) -> None:
    session = _book_tuesday(sessions_programme)
    move = timeline.plan_move(sessions_programme.store, session, "+1w", FRIDAY, "Europe/London")
    assert move.when == When(dt.date(2026, 12, 22), "15:00") and move.warnings == ()
    timeline.reschedule(sessions_programme.store, session, move.when, "Europe/London", today=FRIDAY)
    moved = _session(sessions_programme, 3, 5)
    assert (moved.due_on, moved.scheduled_at, moved.status) == ("2026-12-22", "2026-12-22T15:00:00Z", "scheduled")


def test_fri_moves_to_the_friday_after_the_session_at_its_time(sessions_programme: Programme) -> None:
    session = _book_tuesday(sessions_programme)
    assert timeline.move_when(session, "fri", FRIDAY, "Europe/London") == When(dt.date(2026, 12, 18), "15:00")
    # The time of day is the programme's: in summer time 15:00 London is 14:00 UTC.
    summer = Session(pair_id=3, seq=5, due_on="2026-06-02", scheduled_at="2026-06-02T14:00:00Z")
    assert timeline.move_when(summer, "+1w", FRIDAY, "Europe/London") == When(dt.date(2026, 6, 9), "15:00")


def test_a_move_into_the_past_is_refused_until_confirmed(sessions_programme: Programme) -> None:
    session = _book_tuesday(sessions_programme)
    when = timeline.move_when(session, "2026-11-18", FRIDAY, "Europe/London")
    with pytest.raises(timeline.MoveNeedsConfirmation, match="would move to Wed 18 Nov 2026, but it is in the past"):
        timeline.reschedule(sessions_programme.store, session, when, "Europe/London", today=FRIDAY)
    assert _session(sessions_programme, 3, 5).due_on == "2026-12-15"  # nothing written
    timeline.reschedule(sessions_programme.store, session, when, "Europe/London", today=FRIDAY, confirmed=True)
    assert _session(sessions_programme, 3, 5).scheduled_at == "2026-11-18T15:00:00Z"


def test_a_move_before_the_previous_session_is_refused_until_confirmed(sessions_programme: Programme) -> None:
    session = _book_tuesday(sessions_programme)
    before = _session(sessions_programme, 3, 4)  # overdue, due 9 Nov: move it after today but before 5
    timeline.reschedule(sessions_programme.store, before, When(dt.date(2026, 12, 1)), "Europe/London")
    move = timeline.plan_move(sessions_programme.store, session, "2026-11-27", FRIDAY, "Europe/London")
    assert move.warnings == ("before session 4 (Tue 1 Dec 2026)",)
    assert move.reason == "it is before session 4 (Tue 1 Dec 2026)"
    with pytest.raises(timeline.MoveNeedsConfirmation, match="before session 4"):
        timeline.reschedule(sessions_programme.store, session, move.when, "Europe/London", today=FRIDAY)


async def test_r_plus_one_week_in_the_dialog_moves_from_the_session(sessions_programme: Programme) -> None:
    _book_tuesday(sessions_programme)
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        await _open(pilot, 3, 5)
        await pilot.press("r")
        await pilot.pause()
        assert pilot.app.screen.query_one("Input").value == "+1w"
        await pilot.press("enter")
        await settled(pilot)
        moved = _session(sessions_programme, 3, 5)
        assert (moved.due_on, moved.scheduled_at) == ("2026-12-22", "2026-12-22T15:00:00Z")
        await pilot.press("r")
        await pilot.pause()
        pilot.app.screen.query_one("Input").value = "fri"
        await pilot.press("enter")
        await settled(pilot)
        assert _session(sessions_programme, 3, 5).scheduled_at == "2026-12-25T15:00:00Z"


async def test_r_into_the_past_asks_first(sessions_programme: Programme) -> None:
    from rmtui.widgets.ask import Confirm

    _book_tuesday(sessions_programme)
    async with _app(sessions_programme).run_test(size=(80, 24)) as pilot:
        await _open(pilot, 3, 5)
        await pilot.press("r")
        await pilot.pause()
        pilot.app.screen.query_one("Input").value = "-6w"  # 3 Nov: the past, and before session 4 (9 Nov)
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(pilot.app.screen, Confirm)
        question = str(pilot.app.screen.query_one("#question").render())
        assert question == (
            "Session 5 would move to Tue 3 Nov 2026, but it is in the past and before session 4 (Mon 9 Nov 2026)."
            " Move it anyway?"
        )
        await pilot.press("escape")
        await settled(pilot)
        assert _session(sessions_programme, 3, 5).due_on == "2026-12-15"  # declined: unchanged
        await pilot.press("r")
        await pilot.pause()
        pilot.app.screen.query_one("Input").value = "-6w"
        await pilot.press("enter")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
        assert _session(sessions_programme, 3, 5).scheduled_at == "2026-11-03T15:00:00Z"
