"""Sub-commands of the rmtui command line, one module per area (registered in rmtui/cli.py).

What several commands share lives here (imports only click, so rmtui/cli.py and every
area module can use it without an import cycle).
"""

from __future__ import annotations

import click

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    help="The programme database (default: $RMTUI_DB, else your data folder).",
)
