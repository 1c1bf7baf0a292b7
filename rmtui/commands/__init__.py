"""Sub-commands of the rmtui command line, one module per area (registered in rmtui/cli.py).

Each command gets the group's :class:`rmtui.context.Context` as its ``obj``; no command imports
rmtui.cli.

What several commands share lives here (imports only click and rmtui.text, so rmtui/cli.py
and every area module can use it without an import cycle).
"""

from __future__ import annotations

from typing import Any

import click

from rmtui.text import clean_path


class CleanPath(click.Path):
    """A file path argument without the zero-width or control characters a path copied from
    a chat or a document often carries (U+200B, U+FEFF...), which name another file."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            value = clean_path(value)
        return super().convert(value, param, ctx)


def write_failed(output: Any, error: OSError) -> click.ClickException:
    """Remove the half-written ``output`` and return the one-sentence error (with the fix)
    for a file that could not be written (a full disk, no permission...)."""
    from pathlib import Path

    from rmtui.failures import explain

    try:
        Path(output).unlink(missing_ok=True)
    except OSError:
        pass
    if error.filename is None:
        error.filename = str(output)
    return click.ClickException(explain(error) or f"{output} could not be written: {error.strerror or error}.")


db_option = click.option(
    "--db",
    "db",
    type=CleanPath(dir_okay=False),
    help="The programme database (default: $RMTUI_DB, else your data folder).",
)


def progress_bar(label: str, enabled: bool) -> Any:
    """Return a transient rich progress bar drawn on stderr (stdout stays the command's output).

    Pass ``enabled`` False (e.g. when stderr is not a terminal) for a bar that draws nothing.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    )
