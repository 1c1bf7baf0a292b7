"""Where unexpected errors go: one line for the user, the traceback in a file for the details."""

from __future__ import annotations

import os
import tempfile
import traceback
from pathlib import Path

import platformdirs


class UserError(Exception):
    """An error whose message is written for the user: one sentence that says what to do.

    Screens show such a message as it is (like a StoreError's); anything else is a bug,
    shown as one sentence with the traceback in the error log.
    """


def log_exception(error: BaseException) -> Path | None:
    """Append ``error``'s traceback to the error log and return the log's path: the user's
    state folder, else a private folder in the temporary folder; None when neither can be
    written (the error is still one line for the user)."""
    for folder in (Path(platformdirs.user_state_dir("rmtui")), Path(tempfile.gettempdir()) / f"rmtui-{os.geteuid()}"):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            log = folder / "error.log"
            with log.open("a", encoding="utf-8") as handle:
                traceback.print_exception(type(error), error, error.__traceback__, file=handle)
            return log
        except OSError:
            continue
    return None
