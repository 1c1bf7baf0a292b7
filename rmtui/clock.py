"""The one injectable clock. Everything that asks "what time is it?" asks a Clock.

Tests and demos fix "today" with :class:`FixedClock` (or ``RMTUI_TODAY=2026-11-20`` /
``--today``); the running app uses :class:`SystemClock`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pendulum

# pendulum (and the dateutil it brings, ~40 ms) is imported by the methods that compute with
# it, not here: the app's first paint reads no clock (issue 14, tests/test_startup_imports.py).


class Clock(Protocol):
    def now(self) -> pendulum.DateTime:
        """Return the current instant, in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> pendulum.DateTime:
        import pendulum

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
        import pendulum

        return cls(pendulum.parse(f"{day}T{time}", tz=tz))  # type: ignore[arg-type]


class ShiftedClock:
    """A clock that starts at 09:00 UTC on a chosen day and then runs (``--today``).

    Demos and reviews compute with the chosen day (09:00 UTC is the same day from UTC-9 to
    UTC+14) while time keeps moving, so "changed 09:03:12" in a live header stays true.
    """

    def __init__(self, day: dt.date) -> None:
        self.day = dt.date(day.year, day.month, day.day)
        self.started = time.time()
        """The real instant the clock started (seconds since the epoch)."""
        self._start: pendulum.DateTime | None = None

    @property
    def start(self) -> pendulum.DateTime:
        """The instant the clock started at: 09:00 UTC on its day."""
        if self._start is None:
            self._start = FixedClock.on(self.day.isoformat()).now()
        return self._start

    def now(self) -> pendulum.DateTime:
        return self.start + dt.timedelta(seconds=time.time() - self.started)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_today(text: str) -> Clock:
    """Return the clock for ``--today``: a date gives a ShiftedClock, a full ISO instant a
    FixedClock; ValueError if ``text`` is neither."""
    if _ISO_DAY.fullmatch(text):  # the usual form, read without pendulum
        try:
            return ShiftedClock(dt.date.fromisoformat(text))
        except ValueError as error:
            raise ValueError(f"{text!r} is not a date like 2026-11-20") from error
    import pendulum

    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (pendulum.parsing.exceptions.ParserError, ValueError) as error:
        raise ValueError(f"{text!r} is not a date like 2026-11-20") from error
    if isinstance(parsed, pendulum.DateTime) and len(text.strip()) > 10:
        return FixedClock(parsed)
    if isinstance(parsed, pendulum.Date):
        return ShiftedClock(dt.date(parsed.year, parsed.month, parsed.day))
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
