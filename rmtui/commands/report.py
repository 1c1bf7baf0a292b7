"""``rmtui report -o FILE``: programme health and the leaderboard as Markdown, HTML or CSV."""

from __future__ import annotations

from pathlib import Path

import click

from rmtui.commands import CleanPath, db_option, write_failed
from rmtui.context import Context
from rmtui.report import report_format, write_report
from rmtui.waves import WaveError, resolve_wave


@click.command(name="report")
@db_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=CleanPath(dir_okay=False, path_type=Path),
    help="The file to write: .md (Markdown), .html or .csv, chosen by its extension.",
)
@click.option("--wave", "wave_name", metavar="NAME", help="Only this wave (its name or id).")
@click.pass_obj
def report_command(obj: Context, db: str | None, output: Path, wave_name: str | None) -> None:
    """Write programme health against the targets, department standings and the leaderboard.

    Pairs are named only where both people consented to disclosure.
    """
    try:
        kind = report_format(output)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    programme = obj.open(db, create=False)
    try:
        wave_id = None
        if wave_name is not None:
            try:
                wave_id = resolve_wave(programme.store, wave_name).id
            except WaveError as error:
                raise click.ClickException(str(error)) from error
        report = write_report(programme, output, wave_id)
    except OSError as error:
        raise write_failed(output, error) from error
    finally:
        programme.close()
    click.echo(f"Wrote the {kind} report ({len(report.board)} pairs) to {output}.", err=True)
