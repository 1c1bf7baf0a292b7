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


def parse_today(text: str) -> FixedClock:
    """Return a FixedClock from ``YYYY-MM-DD`` or a full ISO instant; ValueError if bad."""
    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (pendulum.parsing.exceptions.ParserError, ValueError) as error:
        raise ValueError(f"{text!r} is not a date like 2026-11-20") from error
    if isinstance(parsed, pendulum.Date) and not isinstance(parsed, pendulum.DateTime):
        return FixedClock.on(parsed.isoformat())
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"{text!r} is not a date like 2026-11-20")
    if len(text.strip()) == 10:
        return FixedClock.on(text.strip())
    return FixedClock(parsed)


def clock_from_env() -> Clock:
    """Return a FixedClock when ``RMTUI_TODAY`` is set, else the system clock."""
    fixed = os.environ.get("RMTUI_TODAY")
    return parse_today(fixed) if fixed else SystemClock()


def today(clock: Clock, tz: str = "UTC") -> pendulum.Date:
    """Return the calendar day it is now in the programme's time zone ``tz``."""
    return clock.now().in_timezone(tz).date()


def iso_instant(clock: Clock) -> str:
    """Return the clock's instant as the store's ISO-8601 UTC text."""
    return clock.now().in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
