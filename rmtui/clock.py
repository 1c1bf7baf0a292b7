"""The one injectable clock. Everything that asks "what time is it?" asks a Clock.

Tests and demos fix "today" with :class:`FixedClock` (or ``RMTUI_TODAY=2026-11-20`` /
``--today``); the running app uses :class:`SystemClock`.
"""

from __future__ import annotations

import os
from typing import Protocol

import pendulum


class Clock(Protocol):
    def now(self) -> pendulum.DateTime:
        """Return the current instant, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> pendulum.DateTime:
        return pendulum.now("UTC")


class FixedClock:
    """A clock stopped at one instant (tests, snapshots, reproducible demos)."""

    def __init__(self, instant: pendulum.DateTime) -> None:
        self.instant = instant.in_timezone("UTC")

    def now(self) -> pendulum.DateTime:
        return self.instant

    @classmethod
    def on(cls, day: str, time: str = "09:00", tz: str = "UTC") -> FixedClock:
        """Return a clock fixed at ``time`` on ``day`` (YYYY-MM-DD) in ``tz``."""
        return cls(pendulum.parse(f"{day}T{time}", tz=tz))  # type: ignore[arg-type]


class ShiftedClock:
    """A clock that starts at 09:00 UTC on a chosen day and then runs (``--today``).

    Demos and reviews compute with the chosen day (09:00 UTC is the same day from UTC-9 to
    UTC+14) while time keeps moving, so "changed 09:03:12" in a live header stays true.
    """

    def __init__(self, day: pendulum.Date) -> None:
        self.start = FixedClock.on(day.isoformat()).now()
        self.started = pendulum.now("UTC")

    def now(self) -> pendulum.DateTime:
        return self.start + (pendulum.now("UTC") - self.started)


def parse_today(text: str) -> Clock:
    """Return the clock for ``--today``: a date gives a ShiftedClock, a full ISO instant a
    FixedClock; ValueError if ``text`` is neither."""
    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (pendulum.parsing.exceptions.ParserError, ValueError) as error:
        raise ValueError(f"{text!r} is not a date like 2026-11-20") from error
    if isinstance(parsed, pendulum.DateTime) and len(text.strip()) > 10:
        return FixedClock(parsed)
    if isinstance(parsed, pendulum.Date):
        return ShiftedClock(pendulum.Date(parsed.year, parsed.month, parsed.day))
    raise ValueError(f"{text!r} is not a date like 2026-11-20")


def clock_from_env() -> Clock:
    """Return the ``RMTUI_TODAY`` clock when that is set, else the system clock."""
    fixed = os.environ.get("RMTUI_TODAY")
    return parse_today(fixed) if fixed else SystemClock()


def today(clock: Clock, tz: str = "UTC") -> pendulum.Date:
    """Return the calendar day it is now in the programme's time zone ``tz``."""
    return clock.now().in_timezone(tz).date()


def iso_instant(clock: Clock) -> str:
    """Return the clock's instant as the store's ISO-8601 UTC text."""
    return clock.now().in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
