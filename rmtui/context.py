"""What the command line's group options decided, shared with every sub-command.

Sub-commands (rmtui/commands/*.py) receive a :class:`Context` as click's ``obj`` and never
import rmtui.cli. Opening the app is a function the composition root hands in
(:attr:`Context.run_app`), so this module and the commands need no Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rmtui.clock import Clock
from rmtui.programme import Programme, resolve_db_path

AppRunner = Callable[[Programme, "str | None"], None]


def _no_app(programme: Programme, screen: str | None) -> None:
    programme.close()
    raise RuntimeError("this command line was built without the app")


@dataclass(frozen=True)
class Context:
    """The group's options: which database (``--db``), which clock (``--today``)."""

    db: str | None
    clock: Clock
    run_app: AppRunner = _no_app  # opens the app on a programme at a screen, then closes it

    def db_path(self, option: str | None = None) -> Path:
        """Return the database a command works on: its own ``--db``, else the group's, else the default."""
        return resolve_db_path(option or self.db)

    def open(self, option: str | None = None, *, create: bool = True) -> Programme:
        """Open the programme at :meth:`db_path` (created when missing unless ``create`` is False)."""
        path = self.db_path(option)
        _opened.append(path)
        return Programme.open(path, self.clock, create=create)


_opened: list[Path] = []


def last_opened() -> Path | None:
    """Return the database a command opened last, for naming it in a one-line error."""
    return _opened[-1] if _opened else None
