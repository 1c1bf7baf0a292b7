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

from rmtui.clock import Clock, SystemClock, iso_instant, today
from rmtui.db import Store, StoreOpenError, read_settings
from rmtui.programme_settings import DEFAULTS

DEFAULT_SETTINGS: dict[str, Any] = dict(DEFAULTS)


def default_db_path(name: str = "programme.db") -> Path:
    """Return the database used when neither ``--db`` nor ``$RMTUI_DB`` names one.

    It lives in the user data folder, created (private to its owner) if missing, so a
    fresh account can start rmtui at once; a folder the user names is never created.
    """
    folder = Path(platformdirs.user_data_dir("rmtui"))
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise StoreOpenError(
            f"Your data folder {folder} cannot be created ({error.strerror or error}); "
            "choose a database with --db or $RMTUI_DB."
        ) from error
    return folder / name


def resolve_db_path(option: str | os.PathLike[str] | None, *, default_name: str = "programme.db") -> Path:
    """Return the database path: ``--db``, else ``$RMTUI_DB``, else ``default_name`` in the
    user data folder."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("RMTUI_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path(default_name)


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
