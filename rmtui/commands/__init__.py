"""Sub-commands of the rmtui command line, one module per area (registered in rmtui/cli.py).

Each command gets the group's :class:`rmtui.context.Context` as its ``obj``; no command imports
rmtui.cli.

What several commands share lives here (imports only click, so rmtui/cli.py and every
area module can use it without an import cycle).
"""

from __future__ import annotations

from typing import Any

import click

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
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
