"""Where unexpected errors go: one line for the user, the traceback in a file for the details."""

from __future__ import annotations

import traceback
from pathlib import Path

import platformdirs


class UserError(Exception):
    """An error whose message is written for the user: one sentence that says what to do.

    Screens show such a message as it is (like a StoreError's); anything else is a bug,
    shown as one sentence with the traceback in the error log.
    """


def error_log_path() -> Path:
    """Return the file tracebacks are appended to (in the user's state folder)."""
    folder = Path(platformdirs.user_state_dir("rmtui"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "error.log"


def log_exception(error: BaseException) -> Path:
    """Append ``error``'s traceback to the error log and return the log's path."""
    log = error_log_path()
    with log.open("a", encoding="utf-8") as handle:
        traceback.print_exception(type(error), error, error.__traceback__, file=handle)
    return log
