"""The master schedule: due days across month ends, leap days and DST; re-planning."""

from __future__ import annotations

import datetime as dt

import pytest

from rmtui.db import Pair, Participant, Session, Wave
from rmtui.schedule import checkpoint_seq, due_days, local_instant, plan, replan, session_start, write_pair_plan

D = dt.date


def wave(**changes) -> Wave:
    return Wave(**{"name": "Wave", "starts_on": "2026-01-01", "id": 1, **changes})


def test_seven_sessions_every_three_weeks_from_the_start() -> None:
    days = [p.due_on for p in plan(wave(), "2026-09-07")]
    assert days == [D(2026, 9, 7), D(2026, 9, 28), D(2026, 10, 19), D(2026, 11, 9), D(2026, 11, 30), D(2026, 12, 21), D(2027, 1, 11)]


@pytest.mark.parametrize(
    ("start", "cadence", "expected"),
    [
        ("2026-01-31", 28, [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 28)]),  # month end, short February
        ("2028-02-08", 21, [D(2028, 2, 8), D(2028, 2, 29), D(2028, 3, 21)]),  # lands on leap day
        ("2027-02-08", 21, [D(2027, 2, 8), D(2027, 3, 1), D(2027, 3, 22)]),  # no leap day that year
        ("2026-12-21", 14, [D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 18)]),  # across the year end
        ("2026-03-22", 7, [D(2026, 3, 22), D(2026, 3, 29), D(2026, 4, 5)]),  # across the spring DST change
    ],
)
def test_due_days_count_whole_calendar_days(start: str, cadence: int, expected: list[dt.date]) -> None:
    assert due_days(start, cadence, 3) == expected


@pytest.mark.parametrize(("planned", "middle"), [(7, 4), (6, 3), (1, 1), (2, 1)])
def test_the_mid_point_checkpoint_is_the_middle_session(planned: int, middle: int) -> None:
    sessions = plan(wave(sessions_planned=planned), "2026-09-07")
    assert [p.seq for p in sessions if p.checkpoint] == [middle] == [checkpoint_seq(planned)]


def test_a_local_time_keeps_its_wall_clock_across_dst() -> None:
    # London: 14:00 is 13:00 UTC in summer (BST) and 14:00 UTC in winter (GMT).
    before = local_instant("2026-10-23", "14:00", "Europe/London")
    after = local_instant("2026-10-30", "14:00", "Europe/London")
    assert (before.hour, after.hour) == (13, 14)
    assert session_start(Session(pair_id=1, seq=1, due_on="2026-10-30"), "Europe/London", "14:00").hour == 14
    # New York changes a week later than London.
    assert local_instant("2026-10-30", "09:00", "America/New_York").hour == 13
    assert local_instant("2026-11-02", "09:00", "America/New_York").hour == 14


def _session(seq: int, due: str, status: str = "planned", sid: int | None = None) -> Session:
    return Session(pair_id=1, seq=seq, due_on=due, status=status, id=sid or seq, held_on=due if status == "held" else None)


def test_replanning_keeps_held_sessions_and_moves_the_rest_in_order() -> None:
    sessions = [
        _session(1, "2026-09-07", "held"),
        _session(2, "2026-09-28", "held"),
        _session(3, "2026-10-19"),
        _session(4, "2026-11-09", "cancelled"),
        _session(5, "2026-11-30"),
    ]
    change = replan(sessions, wave(sessions_planned=7), "2026-12-01")
    assert [s.seq for s in change.kept] == [1, 2, 4]
    assert [(s.seq, day) for s, day in change.moved] == [(3, D(2026, 12, 1)), (5, D(2026, 12, 22))]
    assert [(p.seq, p.due_on) for p in change.added] == [(6, D(2027, 1, 12)), (7, D(2027, 2, 2))]


def test_replanning_an_unchanged_plan_moves_nothing() -> None:
    sessions = [_session(p.seq, p.due_on.isoformat()) for p in plan(wave(), "2026-09-07")]
    change = replan(sessions, wave(), "2026-09-07")
    assert change.moved == [] and change.added == []


def _pair(programme, started_on: str = "2026-09-07") -> int:
    with programme.store.write() as w:
        w.insert(Wave(name="Wave 2", starts_on="2026-09-07"))
        mentor = w.insert(Participant(name="Mia Mentor", role="mentor"))
        mentee = w.insert(Participant(name="Sam Senior", role="mentee"))
        pair = w.insert(Pair(wave_id=1, mentor_id=mentor.id, mentee_id=mentee.id, status="active", started_on=started_on))
    return pair.id


def test_write_pair_plan_stores_the_plan_then_replans_through_the_version_check(programme) -> None:
    pair_id = _pair(programme)
    with programme.store.write() as w:
        write_pair_plan(w, pair_id)
    store = programme.store
    rows = store.all(Session, "pair_id = ?", (pair_id,), order="seq")
    assert [r.due_on for r in rows][:2] == ["2026-09-07", "2026-09-28"] and len(rows) == 7
    assert [r.seq for r in rows if r.checkpoint] == [4]
    with store.write() as w:
        w.update("sessions", rows[0].id, rows[0].version, {"status": "held", "held_on": "2026-09-08"})
    with store.write() as w:
        change = write_pair_plan(w, pair_id, "2026-11-23")
    after = store.all(Session, "pair_id = ?", (pair_id,), order="seq")
    assert after[0].held_on == "2026-09-08" and after[0].due_on == "2026-09-07"
    assert [s.due_on for s in after[1:3]] == ["2026-11-23", "2026-12-14"]
    assert all(s.version == 2 for s in after[1:]) and len(change.moved) == 6
    audit = store.query("SELECT action FROM audit WHERE entity = 'sessions' AND action = 'update'")
    assert len(audit) == 7


def test_planning_a_pair_without_a_start_day_is_refused(programme) -> None:
    pair_id = _pair(programme, started_on=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no start day"), programme.store.write() as w:
        write_pair_plan(w, pair_id)


def test_planning_an_unknown_pair_or_a_pair_whose_wave_is_gone_is_a_clear_refusal(programme) -> None:
    pair_id = _pair(programme)
    with pytest.raises(ValueError, match="There is no pair #999"), programme.store.write() as w:
        write_pair_plan(w, 999)
    wave_id = programme.store.scalar("SELECT wave_id FROM pairs WHERE id = ?", (pair_id,))
    programme.store.conn.execute("PRAGMA foreign_keys = OFF")  # a file damaged by another tool
    try:
        with programme.store.write() as w:
            w.execute("DELETE FROM waves WHERE id = ?", (wave_id,))
    finally:
        programme.store.conn.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(ValueError, match=f"wave #{wave_id}, which no longer exists"), programme.store.write() as w:
        write_pair_plan(w, pair_id)
