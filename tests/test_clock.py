"""The one clock: --today pins the day for demos while the time of day keeps running."""

from __future__ import annotations

import time

import pendulum
import pytest

from rmtui.clock import FixedClock, ShiftedClock, parse_today, today


def test_a_date_gives_a_running_clock_on_that_day() -> None:
    clock = parse_today("2026-03-01")
    assert isinstance(clock, ShiftedClock)
    first = clock.now()
    time.sleep(0.05)
    assert clock.now() > first
    assert first.date() == pendulum.date(2026, 3, 1)
    assert today(clock, "America/Los_Angeles") == pendulum.date(2026, 3, 1)
    assert today(clock, "Pacific/Auckland") == pendulum.date(2026, 3, 1)


def test_a_full_instant_gives_a_stopped_clock() -> None:
    clock = parse_today("2026-03-01T10:30:00")
    assert isinstance(clock, FixedClock)
    assert clock.now() == pendulum.datetime(2026, 3, 1, 10, 30, tz="UTC")


@pytest.mark.parametrize("text", ["20/11/2026", "tomorrow-ish", "2026-02-30"])
def test_anything_else_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="not a date like 2026-11-20"):
        parse_today(text)
