"""The status rules as tables, judged against a fixed today (2026-11-20)."""

from __future__ import annotations

import datetime as dt

import pytest

from rmtui.db import Session, Wave
from rmtui.session_status import (
    at_risk,
    behind,
    follow_up_missing,
    notes_late,
    overdue,
    pair_flags,
    relative_day,
    short_day,
)

TODAY = dt.date(2026, 11, 20)
WAVE = Wave(name="Wave 2", starts_on="2026-09-07", id=1, cadence_days=21, grace_days=3, notes_due_days=3)


def session(seq=3, due="2026-11-04", status="planned", held=None, notes="", follow_up=False) -> Session:
    return Session(pair_id=7, seq=seq, due_on=due, id=70 + seq, status=status, held_on=held, notes=notes, follow_up_sent=follow_up)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (session(due="2026-11-04"), "Session 3 due 4 Nov, 16 days overdue"),
        (session(due="2026-11-16"), "Session 3 due 16 Nov, 4 days overdue"),  # grace (3) just passed
        (session(due="2026-11-17"), None),  # still within grace
        (session(due="2026-11-20"), None),  # due today
        (session(due="2026-12-01"), None),  # in the future
        (session(due="2026-11-04", status="scheduled"), "Session 3 due 4 Nov, 16 days overdue"),
        (session(due="2026-11-04", status="missed"), "Session 3 due 4 Nov, 16 days overdue"),
        (session(due="2026-11-04", status="held", held="2026-11-05"), None),
        (session(due="2026-11-04", status="cancelled"), None),
        (session(due="2025-11-04"), "Session 3 due 4 Nov 2025, 381 days overdue"),
    ],
)
def test_overdue_is_due_day_plus_grace_passed_unheld(case: Session, expected: str | None) -> None:
    flag = overdue(case, WAVE, TODAY)
    assert (flag.reason if flag else None) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (session(status="held", held="2026-11-10"), "Session 3 held 10 Nov, notes 7 days late"),
        (session(status="held", held="2026-11-16"), "Session 3 held 16 Nov, notes 1 day late"),
        (session(status="held", held="2026-11-17"), None),  # three days: still due
        (session(status="held", held="2026-11-10", notes="Good talk"), None),
        (session(status="held", held="2026-11-10", notes="   \n "), "Session 3 held 10 Nov, notes 7 days late"),
        (session(status="planned"), None),
    ],
)
def test_notes_are_late_after_notes_due_days(case: Session, expected: str | None) -> None:
    flag = notes_late(case, WAVE, TODAY)
    assert (flag.reason if flag else None) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (session(status="held", held="2026-11-10", notes="x"), "Session 3 held 10 Nov, follow-up not sent"),
        (session(status="held", held="2026-11-10", follow_up=True), None),
        (session(status="held", held="2026-11-18"), None),
        (session(status="cancelled"), None),
    ],
)
def test_follow_up_missing(case: Session, expected: str | None) -> None:
    flag = follow_up_missing(case, WAVE, TODAY)
    assert (flag.reason if flag else None) == expected


@pytest.mark.parametrize(
    ("sessions", "expected"),
    [
        ([session(1, "2026-10-01", "held", "2026-10-01"), session(2, "2026-10-22"), session(3, "2026-11-30")], "1 of 2 sessions due by today held"),
        ([session(1, "2026-10-01", "held", "2026-10-01"), session(2, "2026-10-22", "cancelled")], None),
        ([session(1, "2026-10-01", "held", "2026-10-01"), session(2, "2026-12-01", "held", "2026-11-19")], None),  # held early
        ([session(1, "2026-11-19")], "0 of 1 sessions due by today held"),
        ([session(1, "2026-11-20")], None),  # the first session is due today: not behind yet
        ([session(1, "2026-10-01", "held", "2026-10-01"), session(2, "2026-11-20")], "1 of 2 sessions due by today held"),  # due today counts once started
        ([], None),
    ],
)
def test_pair_behind_when_fewer_held_than_due(sessions: list[Session], expected: str | None) -> None:
    flag = behind(7, sessions, TODAY)
    assert (flag.reason if flag else None) == expected


@pytest.mark.parametrize(
    ("overdue_count", "last", "expected"),
    [
        (2, "2026-11-01", "2 sessions overdue"),
        (1, "2026-11-01", None),
        (0, "2026-10-09", None),  # 42 days: exactly two cadences
        (0, "2026-10-08", "Nothing held for 43 days"),
        (3, "2026-09-01", "3 sessions overdue; nothing held for 80 days"),
        (0, None, None),
    ],
)
def test_at_risk_with_two_overdue_or_two_quiet_cadences(overdue_count: int, last: str | None, expected: str | None) -> None:
    flag = at_risk(7, overdue_count, last, 21, TODAY)
    assert (flag.reason if flag else None) == expected


def test_pair_flags_point_an_at_risk_pair_at_its_oldest_overdue_session() -> None:
    sessions = [
        session(1, "2026-09-07", "held", "2026-09-08", "notes", True),
        session(2, "2026-09-28"),
        session(3, "2026-10-19"),
        session(4, "2026-11-09"),
        session(5, "2026-11-30"),
    ]
    flags = pair_flags(7, "2026-09-07", sessions, WAVE, TODAY)
    assert [(f.kind, f.session_id) for f in flags] == [
        ("overdue", 72),
        ("overdue", 73),
        ("overdue", 74),
        ("behind", None),
        ("at_risk", 72),
    ]
    assert flags[-1].reason == "3 sessions overdue; nothing held for 73 days"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 20), "today"),
        (dt.date(2026, 11, 21), "tomorrow"),
        (dt.date(2026, 11, 19), "yesterday"),
        (dt.date(2026, 11, 23), "in 3 days"),
        (dt.date(2026, 11, 4), "16 days ago"),
    ],
)
def test_relative_days_in_words(day: dt.date, expected: str) -> None:
    assert relative_day(day, TODAY) == expected


def test_short_day_names_the_year_only_when_it_differs() -> None:
    assert short_day(dt.date(2026, 11, 4), TODAY) == "4 Nov"
    assert short_day(dt.date(2027, 1, 4), TODAY) == "4 Jan 2027"
