"""The open programme: the shared store, the clock and the programme's settings.

Screens reach every service through one Programme (``app.programme``); nothing above
this layer opens the database itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from db import Store, read_settings
from rmtui.clock import Clock, SystemClock, iso_instant, today

DEFAULT_SETTINGS: dict[str, Any] = {
    "programme_name": "Reverse mentoring",
    "timezone": "UTC",
}


def default_db_path() -> Path:
    """Return the database used when neither ``--db`` nor ``$RMTUI_DB`` names one."""
    return Path(platformdirs.user_data_dir("rmtui")) / "programme.db"


def resolve_db_path(option: str | os.PathLike[str] | None) -> Path:
    """Return the database path: ``--db``, else ``$RMTUI_DB``, else the user data directory."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("RMTUI_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


@dataclass
class Programme:
    """Everything a screen or command needs to work on one programme database."""

    store: Store
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        clock: Clock | None = None,
        *,
        actor: str | None = None,
        create: bool = True,
    ) -> Programme:
        """Open (creating if allowed) the programme database at ``path``."""
        clock = clock or SystemClock()
        store = Store(path, actor=actor, now=lambda: iso_instant(clock), create=create)
        return cls(store=store, clock=clock)

    def settings(self) -> dict[str, Any]:
        """Return the programme's settings over the defaults."""
        return {**DEFAULT_SETTINGS, **read_settings(self.store)}

    @property
    def name(self) -> str:
        return str(self.settings()["programme_name"])

    @property
    def timezone(self) -> str:
        return str(self.settings()["timezone"])

    def today(self):  # -> pendulum.Date
        """Return today's date in the programme's time zone."""
        return today(self.clock, self.timezone)

    def close(self) -> None:
        self.store.close()
