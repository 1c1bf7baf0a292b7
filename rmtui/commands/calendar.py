"""``rmtui calendar [--pair ID] [--wave NAME] -o FILE.ics``: the master schedule for calendars."""

from __future__ import annotations

from pathlib import Path

import click

from rmtui.calendar_export import export_calendar
from rmtui.commands import CleanPath, db_option, write_failed
from rmtui.context import Context
from rmtui.waves import WaveError, resolve_wave


@click.command(name="calendar")
@db_option
@click.option("--pair", "pair_id", type=int, metavar="ID", help="Only this pair's sessions.")
@click.option("--wave", "wave_name", metavar="NAME", help="Only this wave's pairs (its name or id).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=CleanPath(dir_okay=False, writable=True, path_type=Path),
    help="The .ics file to write ('-' for standard output).",
)
@click.pass_obj
def calendar_command(obj: Context, db: str | None, pair_id: int | None, wave_name: str | None, output: Path) -> None:
    """Write the sessions still to happen as an iCalendar file (re-import updates events)."""
    programme = obj.open(db, create=False)
    try:
        store = programme.store
        if pair_id is not None and not store.scalar("SELECT 1 FROM pairs WHERE id = ?", (pair_id,)):
            raise click.ClickException(f"There is no pair {pair_id}; the timeline (rmtui timeline) shows pair numbers.")
        wave_id = None
        if wave_name is not None:
            try:
                wave_id = resolve_wave(store, wave_name).id
            except WaveError as error:
                raise click.ClickException(str(error)) from error
        data, count = export_calendar(programme, pair_id, wave_id)
    finally:
        programme.close()
    if str(output) == "-":
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        raise write_failed(output, error) from error
    click.echo(f"Wrote {count} session{'s' if count != 1 else ''} to {output}.", err=True)
